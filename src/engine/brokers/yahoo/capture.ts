// Yahoo's capture format for `tickdesk decode yahoo`: each captured streamer frame (its text, in
// either framing) as one JSON object, in the fields every broker's decode prints. Prices are shown
// at the message's priceHint decimals; proto3 sends no field at 0, so an absent value is null.
import type { CaptureFormat } from '../types';
import { decodeFrame, MarketHours, newDecodeStats, presentPrice, QuoteType, type PricingData } from './codec';

const iso = (ms: number) => (ms > 0 ? new Date(ms).toISOString() : null);
const nameOf = (table: Record<string, number>, v: number) => Object.keys(table).find((k) => table[k] === v) ?? v;

export function pricingJson(p: PricingData, tsReceived: number): Record<string, unknown> {
  const d = p.priceHint > 0 && p.priceHint <= 10 ? p.priceHint : undefined;
  const price = (v: number) => (v !== 0 ? presentPrice(v, d) : null);
  const level = (px: number, qty: number) => (px !== 0 ? [{ price: presentPrice(px, d), qty: qty > 0 ? qty : null, orders: null }] : []);
  return {
    token: p.id,
    exchange: p.exchange || null,
    quoteType: nameOf(QuoteType, p.quoteType),
    marketHours: nameOf(MarketHours, p.marketHours),
    ltp: price(p.price),
    ltq: p.lastSize > 0 ? p.lastSize : null,
    volume: p.dayVolume > 0 ? p.dayVolume : null,
    oi: p.openInterest > 0 ? p.openInterest : null,
    open: price(p.openPrice),
    high: price(p.dayHigh),
    low: price(p.dayLow),
    close: price(p.previousClose),
    change: p.change !== 0 ? presentPrice(p.change, d) : null,
    changePercent: p.changePercent !== 0 ? presentPrice(p.changePercent) : null,
    tsExchange: iso(p.time),
    tsReceived: new Date(tsReceived).toISOString(),
    // Yahoo's best bid and ask, when it sends them (it has no deeper book, and no order counts).
    bids: level(p.bid, p.bidSize),
    asks: level(p.ask, p.askSize),
  };
}

export const YAHOO_CAPTURES: Readonly<Record<string, CaptureFormat>> = {
  yahoo: {
    describe: 'pricing messages with token (the Yahoo symbol), ltp, volume (cumulative for the day), oi, tsExchange (ISO 8601 or null), bids/asks (best level only, when sent), ...',
    decoder() {
      const stats = newDecodeStats();
      return {
        decode: (frame, tsReceived, emit) => void decodeFrame(frame, (p) => emit(pricingJson(p, tsReceived)), stats),
        summary: () => `decoded ${stats.frames} frames: ${stats.messages} messages, ${stats.ignoredFrames} other frames, ${stats.malformedFrames} malformed`,
      };
    },
  },
};
