// Decoded Fyers quotes → the shared Tick (the adapter's "normalize" step). Pure: the caller passes the
// instrument id and the receive time. The codec already scaled prices to rupees; times arrive as epoch
// seconds and leave as ms UTC.
import { newDepthBook, type DepthBook, type Tick } from '../../../shared/model';
import { DEPTH_LEVELS, type FyersDepthFields, type FyersDepthQuote, type FyersIndexQuote, type FyersQuote, type FyersScripQuote } from './codec';

const ms = (seconds: number | undefined) => (seconds !== undefined && seconds > 0 ? seconds * 1000 : undefined);

/** The `dp` topic's five levels in the shared DepthBook layout; a level never sent is zeros. */
export function fyersDepthBook(dp: FyersDepthFields): DepthBook {
  const n = DEPTH_LEVELS;
  const book = newDepthBook(n);
  for (let i = 0; i < n; i++) {
    book[i] = dp.bidPrice[i] ?? 0;
    book[n + i] = dp.bidSize[i] ?? 0;
    book[2 * n + i] = dp.bidOrders[i] ?? 0;
    book[3 * n + i] = dp.askPrice[i] ?? 0;
    book[4 * n + i] = dp.askSize[i] ?? 0;
    book[5 * n + i] = dp.askOrders[i] ?? 0;
  }
  return book;
}

/** Cash-market topics (`sf|nse_cm|…`) carry no open interest whatever the OI field says. */
function isCash(topic: string): boolean {
  const seg = topic.split('|')[1];
  return seg !== undefined && seg.endsWith('_cm');
}

/**
 * An `sf` quote (and, when the instrument's `dp` topic is subscribed, its depth) as a Tick; null
 * before any ltp arrived. tsExchange is the exchange feed time, else the last trade time, else the
 * receive time. `close` is the previous session's close, as on every other broker's Tick.
 */
export function fyersScripToTick(q: FyersScripQuote, instrumentId: number, tsReceived: number, depth?: FyersDepthFields): Tick | null {
  if (q.ltp === undefined) return null;
  const t: Tick = { instrumentId, tsExchange: ms(q.exchFeedTime) ?? ms(q.lastTradedTime) ?? tsReceived, tsReceived, ltp: q.ltp };
  if (q.lastTradedQty !== undefined) t.ltq = q.lastTradedQty;
  if (q.avgTradePrice !== undefined) t.atp = q.avgTradePrice;
  if (q.volTradedToday !== undefined) t.volume = q.volTradedToday;
  if (q.oi !== undefined && !isCash(q.topic)) t.oi = q.oi;
  if (q.totBuyQty !== undefined) t.totalBuyQty = q.totBuyQty;
  if (q.totSellQty !== undefined) t.totalSellQty = q.totSellQty;
  if (q.openPrice !== undefined) t.open = q.openPrice;
  if (q.highPrice !== undefined) t.high = q.highPrice;
  if (q.lowPrice !== undefined) t.low = q.lowPrice;
  if (q.prevClosePrice !== undefined) t.close = q.prevClosePrice;
  // A zero price is an empty side, not a quote at ₹0.
  if (q.bidPrice !== undefined && q.bidPrice > 0) {
    t.bid = q.bidPrice;
    if (q.bidSize !== undefined) t.bidQty = q.bidSize;
  }
  if (q.askPrice !== undefined && q.askPrice > 0) {
    t.ask = q.askPrice;
    if (q.askSize !== undefined) t.askQty = q.askSize;
  }
  if (depth) t.depth5 = fyersDepthBook(depth);
  return t;
}

/** An `if` quote as a Tick (ltp and the day's OHLC; indices trade no volume); null before any ltp. */
export function fyersIndexToTick(q: FyersIndexQuote, instrumentId: number, tsReceived: number): Tick | null {
  if (q.ltp === undefined) return null;
  const t: Tick = { instrumentId, tsExchange: ms(q.exchFeedTime) ?? tsReceived, tsReceived, ltp: q.ltp };
  if (q.openPrice !== undefined) t.open = q.openPrice;
  if (q.highPrice !== undefined) t.high = q.highPrice;
  if (q.lowPrice !== undefined) t.low = q.lowPrice;
  if (q.prevClosePrice !== undefined) t.close = q.prevClosePrice;
  return t;
}

/**
 * A lite-mode update (`L`: the ltp alone) as a Tick: the rest of the topic's values are the
 * snapshot's, stale by now, so only the price goes out, stamped when it arrived.
 */
export function fyersLiteToTick(q: FyersScripQuote | FyersIndexQuote, instrumentId: number, tsReceived: number): Tick | null {
  if (q.ltp === undefined) return null;
  return { instrumentId, tsExchange: tsReceived, tsReceived, ltp: q.ltp };
}

/**
 * Quotes of an instrument's topics → its ticks. The `dp` topic is a topic of its own: its levels
 * are kept and go out with the instrument's quotes (a depth change alone sends the last quote
 * again with the new levels, as a full-mode tick does elsewhere).
 */
export class FyersNormalizer {
  private readonly scrip = new Map<number, FyersScripQuote>();
  private readonly depth = new Map<number, FyersDepthQuote>();

  toTick(q: FyersQuote, instrumentId: number, tsReceived: number): Tick | null {
    if (q.kind === 'dp') {
      this.depth.set(instrumentId, q);
      const last = this.scrip.get(instrumentId);
      return last ? fyersScripToTick(last, instrumentId, tsReceived, q) : null;
    }
    if (q.item === 'lite') return fyersLiteToTick(q, instrumentId, tsReceived);
    if (q.kind === 'if') return fyersIndexToTick(q, instrumentId, tsReceived);
    this.scrip.set(instrumentId, q);
    return fyersScripToTick(q, instrumentId, tsReceived, this.depth.get(instrumentId));
  }
}
