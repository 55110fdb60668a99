// The previous session's closing open interest of each option, what the change in OI is counted
// from. Sources, first that knows wins:
//   1. the broker's own value, where its feed carries one (Dhan's prev-close packet, code 6; Kite,
//      Fyers and Upstox ticks carry none);
//   2. the journal: the last OI recorded in the previous session's last half hour or after it, up
//      to this session's open (an OI from the middle of the day, or from days before, would not be
//      the close: it is not taken);
//   3. a simulated venue's market, which knows its previous close;
//   4. none: unknown, shown as "—" (never as a change from 0).
// The journal and the simulator are asked once per instrument per session (the answers cannot change
// within it); the broker's value is looked at on every call, since its packet may come later.
import type { Instrument } from '../../shared/model';
import { previousSessionStart, sessionDayAt, sessionStart } from './session';

export type PrevOiFrom = 'broker' | 'journal' | 'sim';

export interface PrevOi {
  oi: number;
  from: PrevOiFrom;
}

export interface PrevOiSources {
  /** The broker's own previous-session OI for an instrument, when its feed has said it. */
  broker?(instrumentId: number): number | undefined;
  /** The last OI recorded for each instrument with an exchange time in [fromMs, toMs). */
  journal?(instrumentIds: readonly number[], fromMs: number, toMs: number): ReadonlyMap<number, number>;
  /** A simulated market's OI at its previous session's close. */
  sim?(instrument: Instrument): number | undefined;
}

/** Minutes after IST midnight from which a recorded OI counts as the session's close (15:00). */
export const CLOSE_WINDOW_MIN = 15 * 60;

const usable = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v) && v >= 0;

export class PreviousOi {
  private session = NaN;
  /** Journal or simulator answer per instrument for `session`; null: neither knows. */
  private readonly cache = new Map<number, PrevOi | null>();
  /** Times the journal was asked (for tests: once per instrument per session). */
  journalQueries = 0;

  constructor(
    private readonly sources: PrevOiSources,
    private readonly now: () => number = Date.now,
  ) {}

  /** The window the journal is read in for the session open at `now`: [previous session's 15:00, this session's open). */
  static journalWindow(nowMs: number): { from: number; to: number } {
    return { from: sessionDayAt(previousSessionStart(nowMs), CLOSE_WINDOW_MIN), to: sessionStart(nowMs) };
  }

  /** The previous session's closing OI of each instrument that has one, by instrument id. */
  of(instruments: readonly Instrument[]): Map<number, PrevOi> {
    const now = this.now();
    const start = sessionStart(now);
    if (start !== this.session) {
      this.cache.clear();
      this.session = start;
    }
    const missing = instruments.filter((i) => !this.cache.has(i.id));
    if (missing.length > 0) {
      let fromJournal: ReadonlyMap<number, number> | undefined;
      if (this.sources.journal) {
        const w = PreviousOi.journalWindow(now);
        fromJournal = this.sources.journal(
          missing.map((i) => i.id),
          w.from,
          w.to,
        );
        this.journalQueries += missing.length;
      }
      for (const i of missing) {
        const j = fromJournal?.get(i.id);
        if (usable(j)) this.cache.set(i.id, { oi: j, from: 'journal' });
        else {
          const s = this.sources.sim?.(i);
          this.cache.set(i.id, usable(s) ? { oi: s, from: 'sim' } : null);
        }
      }
    }
    const out = new Map<number, PrevOi>();
    for (const i of instruments) {
      const b = this.sources.broker?.(i.id);
      if (usable(b) && b > 0) out.set(i.id, { oi: b, from: 'broker' });
      else {
        const c = this.cache.get(i.id);
        if (c) out.set(i.id, c);
      }
    }
    return out;
  }
}
