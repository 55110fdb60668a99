// Traded volume at price for the watched instrument, accumulated in the page from the trades the
// tape receives (the page has no other source): since the instrument was opened, reset when the
// instrument changes and at the IST day change. Bounded: at most MAX_PRICES prices are kept (the
// ones farthest from the last trade go first). Pure bookkeeping, no DOM.
import type { Trade } from '../../../../shared/api';
import { IST_MS } from '../../../../shared/ist';

const DAY_MS = 86_400_000;
/** Distinct prices kept; beyond this the farthest from the last trade are dropped. */
export const MAX_PRICES = 20_000;
function istDayNumber(ms: number): number {
  return Math.floor((ms + IST_MS) / DAY_MS);
}

function tradeKey(t: Trade): string {
  return `${t.ts}|${t.ltp}|${t.volDelta ?? t.ltq ?? 0}`;
}

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
  private day = NaN;
  /** A watch's trades still expected again from the live stream (key → count), up to seededTs. */
  private readonly seeded = new Map<string, number>();
  private seededTs = -Infinity;

  /** Starts afresh for an instrument (a no-op when it is the current one at the same tick size). */
  select(instrumentId: number | null, tickSize: number): void {
    const tick = tickSize > 0 ? tickSize : 0.05;
    if (instrumentId === this.instrumentId && tick === this.tickSize) return;
    this.instrumentId = instrumentId;
    this.tickSize = tick;
    this.clear();
  }

  clear(): void {
    this.byTick.clear();
    this.maxVolume = 0;
    this.total = 0;
    this.lastPrice = this.lastTick = this.lastTs = this.since = this.day = NaN;
    this.seeded.clear();
    this.seededTs = -Infinity;
    this.version++;
  }

  /**
   * A watch's recent trades (oldest first): the ones newer than what was counted are added, and all
   * are remembered so that the same trades arriving again from the live stream count once.
   */
  seed(trades: readonly Trade[]): void {
    for (const t of trades) {
      if (!(t.ts > this.lastTs) && !Number.isNaN(this.lastTs)) continue;
      if (this.addOne(t)) {
        const k = tradeKey(t);
        this.seeded.set(k, (this.seeded.get(k) ?? 0) + 1);
        if (t.ts > this.seededTs) this.seededTs = t.ts;
      }
    }
  }

  /** Live trades (oldest first). */
  add(trades: readonly Trade[]): void {
    for (const t of trades) this.addLive(t);
  }

  /** One live trade (the next after those already added). */
  addLive(t: Trade): void {
    if (this.seeded.size > 0) {
      if (t.ts > this.seededTs) this.seeded.clear();
      else {
        const k = tradeKey(t);
        const n = this.seeded.get(k);
        if (n !== undefined) {
          if (n > 1) this.seeded.set(k, n - 1);
          else this.seeded.delete(k);
          return;
        }
      }
    }
    this.addOne(t);
  }

  private addOne(t: Trade): boolean {
    const vol = t.volDelta ?? t.ltq ?? 0;
    if (!(t.ltp > 0) || !Number.isFinite(t.ts) || !(vol >= 0) || !Number.isFinite(vol)) {
      this.skipped++;
      return false;
    }
    const day = istDayNumber(t.ts);
    if (day < this.day) return false; // yesterday's trade after today's began: not this session
    if (Number.isNaN(this.day)) this.day = day;
    else if (day > this.day) {
      this.clear();
      this.day = day;
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

  /** At the IST day change (with or without a trade), yesterday's volume goes. */
  rollDay(nowMs: number): void {
    if (!Number.isNaN(this.day) && istDayNumber(nowMs) > this.day) this.clear();
  }

  /** Volume traded at a tick index (0 when none). */
  at(tick: number): number {
    return this.byTick.get(tick) ?? 0;
  }
}
