// Upstox's capture format for `tickdesk decode upstox`: every instrument feed of a captured
// FeedResponse frame as one JSON object, merged into its key's state as the recorder merges it (a
// live_feed is a delta on the key's last snapshot), so each line is the instrument as it stood:
// times ISO 8601, the book as bids/asks level objects (5 or 30 rows; Upstox sends no order counts:
// orders null). market_info frames are counted as control frames, not printed.
import type { CaptureFormat } from '../types';
import { decodeFeedResponse, newDecodeStats, type FeedType } from './codec';
import { mergeFeed, newFeedCache, type KeyState } from './normalize';

const iso = (ms: number) => (ms > 0 ? new Date(ms).toISOString() : null);
const n = (v: number) => (Number.isFinite(v) ? v : null);

type Level = { price: number; qty: number; orders: null };

export function upstoxFeedJson(key: string, type: FeedType, s: KeyState, tsReceived: number): Record<string, unknown> {
  const day = s.bars.find((b) => b.interval === '1d');
  const market = s.kind === 'market';
  const traded = s.kind === 'market' || s.kind === 'greeks';
  const bids: Level[] = [];
  const asks: Level[] = [];
  for (const q of s.depth) {
    // A row with a zero price on a side is no level there.
    if (q.bidP > 0) bids.push({ price: q.bidP, qty: q.bidQ, orders: null });
    if (q.askP > 0) asks.push({ price: q.askP, qty: q.askQ, orders: null });
  }
  return {
    token: key,
    type,
    mode: s.requestMode,
    kind: s.kind,
    ltp: n(s.ltpc.ltp),
    ltq: s.kind === 'index' ? null : n(s.ltpc.ltq),
    atp: market ? n(s.atp) : null,
    volume: traded ? n(s.vtt) : null,
    oi: traded && !s.cash ? n(s.oi) : null,
    iv: traded && s.iv ? s.iv : null,
    totalBuyQty: market ? n(s.tbq) : null,
    totalSellQty: market ? n(s.tsq) : null,
    open: day ? day.open : null,
    high: day ? day.high : null,
    low: day ? day.low : null,
    close: s.ltpc.cp > 0 ? s.ltpc.cp : null,
    greeks: s.optionGreeks ?? null,
    lastTradeTime: iso(s.ltpc.ltt),
    // The feed's only exchange time is the last trade's.
    tsExchange: iso(s.ltpc.ltt),
    tsReceived: new Date(tsReceived).toISOString(),
    bids,
    asks,
  };
}

export const UPSTOX_CAPTURES: Readonly<Record<string, CaptureFormat>> = {
  upstox: {
    describe:
      'instrument feeds with token (instrument key), type (initial_feed|live_feed), mode, ltp, volume, oi, tsExchange (last trade, ISO 8601 or null), bids/asks [{price, qty, orders: null}] (5 or 30 rows), each merged on its key’s snapshot',
    decoder() {
      const stats = newDecodeStats();
      const cache = newFeedCache();
      let feeds = 0;
      let control = 0;
      return {
        decode: (frame, tsReceived, emit) => {
          const r = decodeFeedResponse(frame, stats);
          if (!r) return;
          if (r.type === 'market_info') control++;
          for (const [key, feed] of r.feeds) {
            const s = mergeFeed(cache, key, feed, r.type);
            if (!s) continue;
            feeds++;
            emit(upstoxFeedJson(key, r.type, s, tsReceived));
          }
        },
        summary: () => `decoded ${stats.frames} frames: ${feeds} instrument feeds, ${control} market_info frames, ${stats.malformedFrames} malformed`,
      };
    },
  },
};
