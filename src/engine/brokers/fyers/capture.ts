// Fyers' capture format for `tickdesk decode fyers`: every quote of a captured HSM data frame as
// one JSON object (times ISO 8601; the `dp` topic's five levels, or an `sf` topic's best bid and
// ask, as bids/asks). Topic ids are bound by the snapshots in the capture itself; control frames
// (auth, subscribe acks) are counted, not printed.
import type { CaptureFormat } from '../types';
import { decodeServerFrame, newFyersDecodeStats, newFyersDecoderState, type FyersQuote } from './codec';

const iso = (seconds: number | undefined) => (seconds ? new Date(seconds * 1000).toISOString() : null);
const n = (v: number | undefined) => v ?? null;

type Level = { price: number; qty: number; orders: number | null };

function levels(price: ReadonlyArray<number | undefined>, qty: ReadonlyArray<number | undefined>, orders: ReadonlyArray<number | undefined> | null): Level[] {
  const out: Level[] = [];
  for (let i = 0; i < price.length; i++) {
    const p = price[i];
    // A level never sent, or a zero price (an empty side), is no level.
    if (p === undefined || p <= 0) continue;
    out.push({ price: p, qty: qty[i] ?? 0, orders: orders ? (orders[i] ?? 0) : null });
  }
  return out;
}

export function fyersQuoteJson(q: FyersQuote, tsReceived: number): Record<string, unknown> {
  const head = { topic: q.topic, kind: q.kind, item: q.item, token: q.exchangeToken, symbol: q.symbol };
  const received = new Date(tsReceived).toISOString();
  if (q.kind === 'dp') {
    return {
      ...head,
      ltp: null,
      volume: null,
      oi: null,
      tsExchange: null,
      tsReceived: received,
      bids: levels(q.bidPrice, q.bidSize, q.bidOrders),
      asks: levels(q.askPrice, q.askSize, q.askOrders),
    };
  }
  if (q.kind === 'if') {
    return { ...head, ltp: n(q.ltp), volume: null, oi: null, open: n(q.openPrice), high: n(q.highPrice), low: n(q.lowPrice), close: n(q.prevClosePrice), tsExchange: iso(q.exchFeedTime), tsReceived: received, bids: [], asks: [] };
  }
  return {
    ...head,
    ltp: n(q.ltp),
    ltq: n(q.lastTradedQty),
    atp: n(q.avgTradePrice),
    volume: n(q.volTradedToday),
    oi: n(q.oi),
    totalBuyQty: n(q.totBuyQty),
    totalSellQty: n(q.totSellQty),
    open: n(q.openPrice),
    high: n(q.highPrice),
    low: n(q.lowPrice),
    close: n(q.prevClosePrice),
    lastTradeTime: iso(q.lastTradedTime),
    tsExchange: iso(q.exchFeedTime),
    tsReceived: received,
    // The scrip topic carries the best level only, without order counts.
    bids: levels([q.bidPrice], [q.bidSize], null),
    asks: levels([q.askPrice], [q.askSize], null),
  };
}

export const FYERS_CAPTURES: Readonly<Record<string, CaptureFormat>> = {
  fyers: {
    describe:
      'quotes with topic, kind (sf|if|dp), item (snapshot|update|lite), token (exchange token), symbol, ltp, volume, oi, tsExchange (ISO 8601 or null), bids/asks [{price, qty, orders}] (sf: best level, orders null); topic ids as the captured snapshots bound them',
    decoder() {
      const stats = newFyersDecodeStats();
      const state = newFyersDecoderState();
      let control = 0;
      return {
        decode: (frame, tsReceived, emit) => {
          const f = decodeServerFrame(frame, state, (q) => emit(fyersQuoteJson(q, tsReceived)), stats);
          if (f && f.type !== 'data') control++;
        },
        summary: () =>
          `decoded ${stats.frames} frames: ${stats.items} quotes, ${control} control frames, ${stats.malformedFrames} malformed, ${stats.unknownTopics} of unknown topics`,
      };
    },
  },
};
