// Traded volume at price for the watched instrument over the trading session: loaded from the
// journal through the engine (Requests.volumeAtPrice: the session's trades summed per price in SQL)
// and continued from the tape's live trades. Until a load arrives (or from an engine without the
// method) it counts what the tape brings, from the IST day's first trade seen.
//
// The seam between the journal and the live tape is the day's cumulative volume, which every trade
// raises: a trade whose cumulative volume is at or below the highest already counted is counted
// already, whichever way it came (the load, the watch's recent trades, the live stream) and in
// whichever order they arrive. Trades that came while a load was in flight are replayed over it.
// A feed without cumulative volume falls back to time (after the load's last trade) and, between a
// watch's recent trades and the live stream, to matching trades by time, price and size.
//
// Bounded: at most MAX_PRICES prices are kept (the ones farthest from the last trade go first).
// Pure bookkeeping, no DOM.
import type { SessionVolumeAtPrice, Trade } from '../../../../shared/api';
import { IST_MS } from '../../../../shared/ist';

const DAY_MS = 86_400_000;
/** Distinct prices kept; beyond this the farthest from the last trade are dropped. */
export const MAX_PRICES = 20_000;
/** Trades remembered while a load is in flight (more than a page receives in the time a load takes). */
const MAX_REPLAY = 50_000;

function istDayNumber(ms: number): number {
  return Math.floor((ms + IST_MS) / DAY_MS);
}

function tradeKey(t: Trade): string {
  return `${t.ts}|${t.ltp}|${t.volDelta ?? t.ltq ?? 0}`;
}

const hasCumulative = (t: Trade) => t.volume !== undefined && Number.isFinite(t.volume);

export class VolumeAtPrice {
  instrumentId: number | null = null;
  tickSize = 0.05;
  /** Volume by tick index (price / tick size, rounded). */
  readonly byTick = new Map<number, number>();
  /** The largest volume at one price (for bar scaling). */
  maxVolume = 0;
  total = 0;
  /** Last trade: price, its tick index and time; NaN before the first. */
  lastPrice = NaN;
  lastTick = NaN;
  lastTs = NaN;
  /** The first trade counted (ms, exchange time); NaN before the first. */
  since = NaN;
  /** Trades that carried no usable price or volume. */
  skipped = 0;
  /** Bumped on every change (for a canvas that redraws only when something changed). */
  version = 0;
  /** The session counted, [from, until) ms, from a load; NaN without one (the IST day then). */
  from = NaN;
  until = NaN;
  /** A load from the journal is in the counts. */
  loaded = false;
  private day = NaN;
  /** The highest cumulative day volume counted (trades at or below it are in the counts). */
  private cumulative = -Infinity;
  /** Without cumulative volume: the load counted every trade up to this exchange time. */
  private loadedTs = -Infinity;
  /** A watch's trades still expected again from the live stream (key → count), up to seededTs. */
  private readonly seeded = new Map<string, number>();
  private seededTs = -Infinity;
  /** Trades taken while a load is in flight (null: none is), replayed over it when it lands. */
  private replay: Trade[] | null = null;

  /** Starts afresh for an instrument (a no-op when it is the current one at the same tick size). */
  select(instrumentId: number | null, tickSize: number): void {
    const tick = tickSize > 0 ? tickSize : 0.05;
    if (instrumentId === this.instrumentId && tick === this.tickSize) return;
    this.instrumentId = instrumentId;
    this.tickSize = tick;
    this.replay = null;
    this.from = this.until = NaN;
    this.loaded = false;
    this.clear();
  }

  /** Empties the counts (the session and a load in flight stay). */
  clear(): void {
    this.byTick.clear();
    this.maxVolume = 0;
    this.total = 0;
    this.lastPrice = this.lastTick = this.lastTs = this.since = this.day = NaN;
    this.cumulative = -Infinity;
    this.loadedTs = -Infinity;
    this.seeded.clear();
    this.seededTs = -Infinity;
    this.version++;
  }

  /** A load was asked for: trades from now on are kept until it lands (see load). */
  beginLoad(): void {
    this.replay = [];
  }

  /**
   * The session's volume at price from the journal replaces the counts; the trades that came since
   * beginLoad() are counted over it where they are newer than the load. False (and nothing changes)
   * for another instrument's answer.
   */
  load(s: SessionVolumeAtPrice): boolean {
    if (s.instrumentId !== this.instrumentId) return false;
    const replay = this.replay ?? [];
    this.replay = null;
    this.clear();
    this.from = s.from;
    this.until = s.until;
    this.loaded = true;
    const same = Math.abs(s.tickSize - this.tickSize) < 1e-12;
    for (let i = 0; i < s.ticks.length; i++) {
      const tick = same ? s.ticks[i] : Math.round((s.ticks[i] * s.tickSize) / this.tickSize);
      const v = (this.byTick.get(tick) ?? 0) + s.volumes[i];
      this.byTick.set(tick, v);
      if (v > this.maxVolume) this.maxVolume = v;
      this.total += s.volumes[i];
    }
    if (s.first !== null) this.since = s.first;
    if (s.last) {
      this.lastPrice = s.last.price;
      this.lastTick = Math.round(s.last.price / this.tickSize);
      this.lastTs = s.last.ts;
    }
    if (s.seamVolume !== null) this.cumulative = s.seamVolume;
    else if (s.seamTs !== null) this.loadedTs = s.seamTs;
    if (this.byTick.size > MAX_PRICES) this.trim();
    for (const t of replay) this.count(t, false);
    this.version++;
    return true;
  }

  /**
   * A watch's recent trades (oldest first): the ones newer than what was counted are added, and all
   * are remembered so that the same trades arriving again from the live stream count once.
   */
  seed(trades: readonly Trade[]): void {
    for (const t of trades) this.take(t, true);
  }

  /** Live trades (oldest first). */
  add(trades: readonly Trade[]): void {
    for (const t of trades) this.addLive(t);
  }

  /** One live trade (the next after those already added). */
  addLive(t: Trade): void {
    this.take(t, false);
  }

  private take(t: Trade, seeding: boolean): void {
    if (this.replay && this.replay.length < MAX_REPLAY) this.replay.push(t);
    this.count(t, seeding);
  }

  private count(t: Trade, seeding: boolean): boolean {
    if (!this.inSession(t.ts)) return false;
    if (hasCumulative(t)) {
      // Counted already (the load, the watch's trades or the stream brought it first).
      if (t.volume! <= this.cumulative) return false;
      const counted = this.addOne(t);
      if (counted) this.cumulative = t.volume!;
      return counted;
    }
    if (t.ts <= this.loadedTs) return false;
    if (seeding) {
      if (!(t.ts > this.lastTs) && !Number.isNaN(this.lastTs)) return false;
      if (!this.addOne(t)) return false;
      const k = tradeKey(t);
      this.seeded.set(k, (this.seeded.get(k) ?? 0) + 1);
      if (t.ts > this.seededTs) this.seededTs = t.ts;
      return true;
    }
    if (this.seeded.size > 0) {
      if (t.ts > this.seededTs) this.seeded.clear();
      else {
        const k = tradeKey(t);
        const n = this.seeded.get(k);
        if (n !== undefined) {
          if (n > 1) this.seeded.set(k, n - 1);
          else this.seeded.delete(k);
          return false;
        }
      }
    }
    return this.addOne(t);
  }

  /**
   * Whether a trade at `ts` belongs to the session counted; one of the next session starts it
   * afresh (and a trade of an earlier one is not counted). Without a session, the IST day.
   */
  private inSession(ts: number): boolean {
    if (!Number.isFinite(ts)) return true; // addOne counts it as skipped
    if (Number.isNaN(this.from)) {
      const day = istDayNumber(ts);
      if (day < this.day) return false; // yesterday's trade after today's began: not this session
      if (day > this.day) this.clear(); // a new day (clear() forgets the day)
      if (Number.isNaN(this.day)) this.day = day;
      return true;
    }
    if (ts < this.from) return false;
    if (Number.isFinite(this.until) && ts >= this.until) this.nextSession();
    return true;
  }

  /** The session after the one counted has begun: its bounds are the engine's to say (the next load). */
  private nextSession(): void {
    this.clear();
    this.from = this.until;
    this.until = NaN;
    this.loaded = false;
  }

  private addOne(t: Trade): boolean {
    const vol = t.volDelta ?? t.ltq ?? 0;
    if (!(t.ltp > 0) || !Number.isFinite(t.ts) || !(vol >= 0) || !Number.isFinite(vol)) {
      this.skipped++;
      return false;
    }
    const tick = Math.round(t.ltp / this.tickSize);
    const v = (this.byTick.get(tick) ?? 0) + vol;
    this.byTick.set(tick, v);
    if (v > this.maxVolume) this.maxVolume = v;
    this.total += vol;
    if (!(t.ts < this.lastTs)) {
      this.lastTs = t.ts;
      this.lastPrice = t.ltp;
      this.lastTick = tick;
    }
    if (!(t.ts >= this.since)) this.since = t.ts;
    if (this.byTick.size > MAX_PRICES) this.trim();
    this.version++;
    return true;
  }

  /** Drops the tenth of the prices farthest from the last trade. */
  private trim(): void {
    const last = this.lastTick;
    const ticks = [...this.byTick.keys()].sort((a, b) => Math.abs(b - last) - Math.abs(a - last));
    for (let i = 0; i < ticks.length / 10; i++) this.byTick.delete(ticks[i]);
    this.maxVolume = 0;
    for (const v of this.byTick.values()) if (v > this.maxVolume) this.maxVolume = v;
  }

  /**
   * At the session's end (the next one's open; without a session, the IST day change), with or
   * without a trade, what was counted goes. True when it did: the caller loads the new session.
   */
  rollDay(nowMs: number): boolean {
    if (Number.isNaN(this.from)) {
      if (!Number.isNaN(this.day) && istDayNumber(nowMs) > this.day) {
        this.clear();
        return true;
      }
      return false;
    }
    if (Number.isFinite(this.until) && nowMs >= this.until) {
      this.nextSession();
      return true;
    }
    return false;
  }

  /** The day's cumulative volume up to which trades are counted (-Infinity before any). */
  get counted(): number {
    return this.cumulative;
  }

  /** Volume traded at a tick index (0 when none). */
  at(tick: number): number {
    return this.byTick.get(tick) ?? 0;
  }
}
