// Candles from ticks: one pass, constant memory per interval. Used for live candles and for
// candles read back from the journal, so both agree by construction.
import { bucketStart, type Candle, type CandleInterval } from '../../shared/model';

export interface CandleInput {
  tsExchange: number;
  ltp: number;
  volDelta?: number;
  oi?: number;
}

export class CandleBuilder {
  private current: Candle | null = null;

  constructor(readonly interval: CandleInterval) {}

  /**
   * Adds a tick (in time order) and returns the candle that this tick closed, if any.
   * The candle being built is available as `open`.
   */
  add(t: CandleInput): Candle | null {
    const b = bucketStart(t.tsExchange, this.interval);
    const c = this.current;
    if (c && b === c.t) {
      if (t.ltp > c.h) c.h = t.ltp;
      if (t.ltp < c.l) c.l = t.ltp;
      c.c = t.ltp;
      c.v += t.volDelta ?? 0;
      if (t.oi !== undefined) c.oi = t.oi;
      return null;
    }
    if (c && b < c.t) return null; // out of order: the bucket has closed; drop rather than reorder
    this.current = { t: b, o: t.ltp, h: t.ltp, l: t.ltp, c: t.ltp, v: t.volDelta ?? 0 };
    if (t.oi !== undefined) this.current.oi = t.oi;
    return c;
  }

  /** Continues from a bar built elsewhere (the journal's current bar) so live updates extend it. */
  seed(bar: Candle | null): void {
    this.current = bar ? { ...bar } : null;
  }

  get open(): Candle | null {
    return this.current;
  }
}

export function candlesFromTicks(ticks: Iterable<CandleInput>, interval: CandleInterval): Candle[] {
  const b = new CandleBuilder(interval);
  const out: Candle[] = [];
  for (const t of ticks) {
    const done = b.add(t);
    if (done) out.push(done);
  }
  if (b.open) out.push(b.open);
  return out;
}
