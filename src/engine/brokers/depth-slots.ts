// Full depth per instrument within a broker's declared limits (has.depth): the bookkeeping every
// adapter with a DepthControl shares. Which instrument is on which full-depth feed, and refusals
// that name the limit and the instruments holding it. Broker-neutral: the adapter opens, subscribes
// and closes its sockets around it.
import type { DepthUsage } from '../../shared/api';
import { DepthRefused, type BrokerCapabilities } from './types';

/** Holders named in a refusal; the rest are counted. */
const NAMED = 5;

/** "a, b or c". */
function or(items: readonly string[]): string {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}

export class DepthSlots {
  /** Instrument → the levels of the feed it is on. */
  private readonly on = new Map<number, number>();
  /** Per feed of has.depth, in its order: the instruments on it, in the order they were given it. */
  private readonly feeds: Array<{ levels: number; max: number; ids: Set<number> }>;

  constructor(
    /** The broker's name, for messages. */
    private readonly broker: string,
    caps: BrokerCapabilities['depth'],
    /** An instrument as a message names it (EXCHANGE:SYMBOL). */
    private readonly nameOf: (instrumentId: number) => string,
  ) {
    this.feeds = caps.map((c) => ({ levels: c.levels, max: c.maxInstruments, ids: new Set() }));
  }

  levels(instrumentId: number): number {
    return this.on.get(instrumentId) ?? 0;
  }

  /** The instruments on the feed of `levels` (none for an unknown feed). */
  holders(levels: number): number[] {
    return [...(this.feeds.find((f) => f.levels === levels)?.ids ?? [])];
  }

  /**
   * Throws DepthRefused when `levels` is no feed of the broker's, the instrument may not have full
   * depth (`refusal`, the adapter's reason), or that feed is full (an instrument already on it is
   * no change).
   */
  check(instrumentId: number, levels: number, refusal: string | null = null): void {
    if (levels === 0) return;
    const f = this.feeds.find((x) => x.levels === levels);
    if (!f) {
      const offered = this.feeds.map((x) => String(x.levels));
      throw new DepthRefused(
        offered.length
          ? `${this.broker} streams full depth at ${or(offered)} levels (0: the ticks' own book), not ${levels}`
          : `${this.broker} streams no full depth`,
      );
    }
    if (refusal) throw new DepthRefused(refusal);
    if (f.ids.has(instrumentId) || f.ids.size < f.max) return;
    const ids = [...f.ids];
    const named = ids.slice(0, NAMED).map(this.nameOf).join(', ') + (ids.length > NAMED ? ` and ${ids.length - NAMED} more` : '');
    throw new DepthRefused(`${this.broker}'s ${levels}-level depth takes ${f.max} instrument${f.max === 1 ? '' : 's'}, all in use (${named}): move one of them off it first`);
  }

  /** Puts the instrument on the feed of `levels` (0: off every feed), after check(); returns the levels it had. */
  move(instrumentId: number, levels: number): number {
    const was = this.levels(instrumentId);
    if (was === levels) return was;
    this.feeds.find((f) => f.levels === was)?.ids.delete(instrumentId);
    if (levels === 0) this.on.delete(instrumentId);
    else {
      this.feeds.find((f) => f.levels === levels)!.ids.add(instrumentId);
      this.on.set(instrumentId, levels);
    }
    return was;
  }

  assigned(): DepthUsage[] {
    return this.feeds.map((f) => ({ levels: f.levels, max: f.max, instruments: [...f.ids] }));
  }
}
