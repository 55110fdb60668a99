// The engine's records in the Engine API's shapes: a tick as a quote, a trade or a 5-level book; the
// two latest sides of a full-depth book as one update. Pure, no state.
import type { DepthUpdate, Quote, Trade } from '../../shared/api';
import type { DepthSnapshot, Tick } from '../../shared/model';

export function toQuote(t: Tick): Quote {
  const q: Quote = { instrumentId: t.instrumentId, ts: t.tsExchange, ltp: t.ltp };
  if (t.close !== undefined && t.close > 0) {
    q.close = t.close;
    q.changePct = ((t.ltp - t.close) * 100) / t.close;
  }
  if (t.volume !== undefined) q.volume = t.volume;
  if (t.oi !== undefined) q.oi = t.oi;
  if (t.bid !== undefined) q.bid = t.bid;
  if (t.ask !== undefined) q.ask = t.ask;
  if (t.high !== undefined && t.high > 0) q.high = t.high;
  if (t.low !== undefined && t.low > 0) q.low = t.low;
  return q;
}

export function toTrade(t: Tick): Trade {
  const tr: Trade = { ts: t.tsExchange, ltp: t.ltp };
  if (t.ltq !== undefined) tr.ltq = t.ltq;
  if (t.volDelta !== undefined) tr.volDelta = t.volDelta;
  if (t.volume !== undefined) tr.volume = t.volume;
  return tr;
}

/** A tick's 5-level book as a depth update; null when the tick carries none. */
export function toDepth(t: Tick): DepthUpdate | null {
  return t.depth5 ? { instrumentId: t.instrumentId, ts: t.tsExchange, levels: t.depth5.length / 6, book: Array.from(t.depth5) } : null;
}

/** The two latest sides of a full-depth book as one DepthBook-layout update (zero-padded). */
export function mergeSides(instrumentId: number, bid: DepthSnapshot | undefined, ask: DepthSnapshot | undefined): DepthUpdate {
  const n = Math.max(bid?.levels ?? 0, ask?.levels ?? 0);
  const book = new Array<number>(6 * n).fill(0);
  for (const [side, base] of [
    [bid, 0],
    [ask, 3 * n],
  ] as const) {
    if (!side) continue;
    for (let i = 0; i < side.levels; i++) {
      book[base + i] = side.price[i];
      book[base + n + i] = side.qty[i];
      book[base + 2 * n + i] = side.orders[i];
    }
  }
  return { instrumentId, ts: Math.max(bid?.ts ?? 0, ask?.ts ?? 0), levels: n, book };
}
