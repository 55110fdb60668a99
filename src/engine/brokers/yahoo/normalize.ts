// A decoded PricingData → the shared Tick (the adapter's "normalize" step). Pure: the caller maps
// the message's `id` (the Yahoo symbol) to an instrument and passes the receive time.
//
// proto3 sends no field at its default, so 0 means "not sent": bid, ask, their sizes, the last
// size, OI and the day's OHLC are only set when non-zero. `close` is the previous session's close,
// as in every other adapter's Tick (Kite's and Dhan's "close" field), so it comes from
// previousClose; open/high/low are the day's. Prices are float32 on the wire and are shown at the
// message's priceHint decimals (presentPrice), e.g. ₹2,885.20 rather than 2885.199951171875.
import type { Tick } from '../../../shared/model';
import { presentPrice, QuoteType, type PricingData } from './codec';

/** The decimals a message asks its prices to be shown with; undefined when it sent none. */
function decimalsOf(p: PricingData): number | undefined {
  return p.priceHint > 0 && p.priceHint <= 10 ? p.priceHint : undefined;
}

/**
 * The Tick a message carries, or null when it carries no price (a heartbeat, a message without a
 * last price): a Tick always has an ltp. Prices may be negative (a futures contract can trade
 * below zero); quantities below zero mean nothing and are left out like zeros.
 */
export function pricingToTick(p: PricingData, instrumentId: number, tsReceived: number): Tick | null {
  if (p.quoteType === QuoteType.HEARTBEAT || p.price === 0 || !Number.isFinite(p.price)) return null;
  const d = decimalsOf(p);
  const t: Tick = { instrumentId, tsExchange: p.time > 0 ? p.time : tsReceived, tsReceived, ltp: presentPrice(p.price, d) };
  if (p.lastSize > 0) t.ltq = p.lastSize;
  if (p.dayVolume > 0) t.volume = p.dayVolume;
  if (p.openInterest > 0) t.oi = p.openInterest;
  if (p.openPrice !== 0) t.open = presentPrice(p.openPrice, d);
  if (p.dayHigh !== 0) t.high = presentPrice(p.dayHigh, d);
  if (p.dayLow !== 0) t.low = presentPrice(p.dayLow, d);
  if (p.previousClose !== 0) t.close = presentPrice(p.previousClose, d);
  if (p.bid !== 0) t.bid = presentPrice(p.bid, d);
  if (p.ask !== 0) t.ask = presentPrice(p.ask, d);
  if (p.bidSize > 0) t.bidQty = p.bidSize;
  if (p.askSize > 0) t.askQty = p.askSize;
  return t;
}
