import assert from 'node:assert/strict';
import { test } from 'node:test';
import { depthToLevels } from '../../../shared/model';
import { decodeFeedResponse, encodeFeedResponse, type Feed, type MarketFullFeed, type Ohlc, type Quote } from './codec';
import { depthSnapshotsOf, mergeFeed, newFeedCache, normalizeFeed, tickOf } from './normalize';

const T0 = Date.UTC(2026, 0, 5, 4, 0); // 09:30 IST
const RX = T0 + 40;
const DAY_BAR = Date.UTC(2026, 0, 4, 18, 30); // 00:00 IST

const rows = (n: number, top = 245.05): Quote[] =>
  Array.from({ length: n }, (_, i) => ({ bidQ: 75 * (i + 1), bidP: Math.round((top - 0.05 * i) * 100) / 100, askQ: 150 * (i + 1), askP: Math.round((top + 0.05 * (i + 1)) * 100) / 100 }));
const day: Ohlc = { interval: '1d', open: 240, high: 247.5, low: 238.05, close: 245.05, vol: 1234500, ts: DAY_BAR };
const minute: Ohlc = { interval: 'I1', open: 244.9, high: 245.1, low: 244.85, close: 245.05, vol: 4500, ts: T0 - 60_000 };

function marketFF(p: Partial<MarketFullFeed>): MarketFullFeed {
  return { atp: 0, vtt: 0, oi: 0, iv: 0, tbq: 0, tsq: 0, iep: 0, rp: 0, ieq: 0, iiqTotal: 0, iiqM: 0, casEligible: false, ...p };
}
const full = (p: Partial<MarketFullFeed>, requestMode: Feed['requestMode'] = 'full_d5'): Feed => ({ requestMode, marketFF: marketFF(p) });

const snapshotFull = (): Feed =>
  full({
    ltpc: { ltp: 245.05, ltt: T0 - 500, ltq: 75, cp: 238.4 },
    marketLevel: rows(5),
    optionGreeks: { delta: 0.51, theta: -12.7, gamma: 0.0007, vega: 13.2, rho: 2.1 },
    marketOHLC: [day, minute],
    atp: 243.87,
    vtt: 1234500,
    oi: 5678925,
    iv: 0.1432,
    tbq: 456000,
    tsq: 389250,
  });

test('a full_d5 snapshot becomes a Tick with depth5, bid/ask, the day bar and the previous close (from real bytes)', () => {
  const frame = encodeFeedResponse({ type: 'initial_feed', currentTs: T0, feeds: new Map([['NSE_FO|45450', snapshotFull()]]) });
  const r = decodeFeedResponse(frame)!;
  const cache = newFeedCache();
  const out = normalizeFeed(cache, 'NSE_FO|45450', r.feeds.get('NSE_FO|45450')!, r.type, 7, RX)!;
  const { depth5, ...rest } = out.tick;
  assert.deepEqual(rest, {
    instrumentId: 7,
    tsExchange: T0 - 500,
    tsReceived: RX,
    ltp: 245.05,
    ltq: 75,
    atp: 243.87,
    volume: 1234500,
    totalBuyQty: 456000,
    totalSellQty: 389250,
    oi: 5678925,
    open: 240,
    high: 247.5,
    low: 238.05,
    close: 238.4,
    bid: 245.05,
    bidQty: 75,
    ask: 245.1,
    askQty: 150,
  });
  assert.deepEqual(
    Array.from(depth5!),
    // [bidPrice×5, bidQty×5, bidOrders×5, askPrice×5, askQty×5, askOrders×5]
    [245.05, 245, 244.95, 244.9, 244.85, 75, 150, 225, 300, 375, 0, 0, 0, 0, 0, 245.1, 245.15, 245.2, 245.25, 245.3, 150, 300, 450, 600, 750, 0, 0, 0, 0, 0],
  );
  assert.equal(out.depth, null, 'no snapshots for a 5-level book');
  assert.deepEqual(depthToLevels(depth5!).bids[0], { price: 245.05, qty: 75, orders: 0 });
});

test('a cash-segment instrument carries no oi; tsExchange falls back to the receive time before the first trade', () => {
  const cache = newFeedCache();
  const s = mergeFeed(cache, 'NSE_EQ|INE062A01020', full({ ltpc: { ltp: 812.35, ltt: 0, ltq: 0, cp: 805.1 }, oi: 0, vtt: 0 }), 'initial_feed')!;
  const t = tickOf(s, 3, RX);
  assert.equal(t.oi, undefined);
  assert.equal(t.tsExchange, RX);
  assert.equal(t.ltq, undefined);
  assert.equal(t.volume, 0);
  assert.equal(t.close, 805.1);
});

test('live_feed deltas merge into the cached state: left-out sub-messages and zero scalars keep their values', () => {
  const cache = newFeedCache();
  mergeFeed(cache, 'NSE_FO|45450', snapshotFull(), 'initial_feed');
  // A trade: ltpc (no cp), volume, atp and the I1 bar; no book, no greeks, no tbq/tsq/oi.
  const s = mergeFeed(
    cache,
    'NSE_FO|45450',
    full({ ltpc: { ltp: 245.1, ltt: T0 + 100, ltq: 150, cp: 0 }, vtt: 1234650, atp: 243.88, marketOHLC: [{ ...minute, high: 245.1, close: 245.1, vol: 4650 }] }),
    'live_feed',
  )!;
  assert.equal(s.depthChanged, false);
  const t = tickOf(s, 7, RX);
  assert.deepEqual(
    { ltp: t.ltp, ltq: t.ltq, ts: t.tsExchange, close: t.close, vol: t.volume, atp: t.atp, tbq: t.totalBuyQty, tsq: t.totalSellQty, oi: t.oi, bid: t.bid, ask: t.ask },
    { ltp: 245.1, ltq: 150, ts: T0 + 100, close: 238.4, vol: 1234650, atp: 243.88, tbq: 456000, tsq: 389250, oi: 5678925, bid: 245.05, ask: 245.1 },
  );
  assert.equal(t.depth5![0], 245.05, 'the cached book still rides on the tick');
  assert.deepEqual(s.bars.find((b) => b.interval === 'I1'), { ...minute, high: 245.1, close: 245.1, vol: 4650 });
  assert.equal(s.optionGreeks!.delta, 0.51);

  // A new book replaces the old one whole; a greeks delta updates only what it sends.
  const s2 = mergeFeed(cache, 'NSE_FO|45450', full({ marketLevel: rows(5, 245.1), optionGreeks: { delta: 0.52, theta: 0, gamma: 0, vega: 0, rho: 0 } }), 'live_feed')!;
  assert.equal(s2.depthChanged, true);
  assert.deepEqual(s2.depth, rows(5, 245.1));
  assert.deepEqual(s2.optionGreeks, { delta: 0.52, theta: -12.7, gamma: 0.0007, vega: 13.2, rho: 2.1 });
  assert.equal(s2.ltpc.ltp, 245.1);

  // A new minute: the I1 bar with a new start replaces the old one (its volume starts afresh).
  const next: Ohlc = { interval: 'I1', open: 245.15, high: 245.15, low: 245.15, close: 245.15, vol: 75, ts: T0 };
  const s3 = mergeFeed(cache, 'NSE_FO|45450', full({ ltpc: { ltp: 245.15, ltt: T0 + 200, ltq: 75, cp: 0 }, marketOHLC: [next] }), 'live_feed')!;
  assert.deepEqual(s3.bars, [day, next]);
});

test('an initial_feed, or a feed in another mode, starts the key afresh', () => {
  const cache = newFeedCache();
  mergeFeed(cache, 'NSE_FO|45450', snapshotFull(), 'initial_feed');
  const again = mergeFeed(cache, 'NSE_FO|45450', full({ ltpc: { ltp: 250, ltt: T0, ltq: 75, cp: 238.4 } }), 'initial_feed')!;
  assert.equal(again.vtt, 0);
  assert.deepEqual(again.depth, []);
  assert.equal(tickOf(again, 7, RX).depth5, undefined);

  mergeFeed(cache, 'NSE_FO|45450', snapshotFull(), 'initial_feed');
  const ltpcOnly = mergeFeed(cache, 'NSE_FO|45450', { requestMode: 'ltpc', ltpc: { ltp: 246, ltt: T0 + 5, ltq: 75, cp: 238.4 } }, 'live_feed')!;
  assert.equal(ltpcOnly.kind, 'ltpc');
  assert.deepEqual(tickOf(ltpcOnly, 7, RX), { instrumentId: 7, tsExchange: T0 + 5, tsReceived: RX, ltp: 246, ltq: 75, close: 238.4 });
  assert.equal(cache.size, 1);
});

test('a full_d30 book: two 30-level DepthSnapshots when the book changes, and depth5 from its top', () => {
  const cache = newFeedCache();
  const book = rows(30);
  const out = normalizeFeed(cache, 'NSE_EQ|INE002A01018', full({ ltpc: { ltp: 245.05, ltt: T0, ltq: 10, cp: 240 }, marketLevel: book }, 'full_d30'), 'initial_feed', 9, RX)!;
  const [bid, ask] = out.depth!;
  assert.deepEqual(
    { side: bid.side, levels: bid.levels, ts: bid.ts, id: bid.instrumentId },
    { side: 'bid', levels: 30, ts: RX, id: 9 },
  );
  assert.deepEqual(Array.from(bid.price), book.map((q) => q.bidP));
  assert.deepEqual(Array.from(bid.qty), book.map((q) => q.bidQ));
  assert.deepEqual(Array.from(ask.price), book.map((q) => q.askP));
  assert.deepEqual(Array.from(ask.qty), book.map((q) => q.askQ));
  assert.deepEqual(Array.from(ask.orders), new Array(30).fill(0));
  assert.equal(ask.side, 'ask');
  assert.equal(bid.price[29], 243.6);
  assert.deepEqual(Array.from(out.tick.depth5!.subarray(0, 5)), [245.05, 245, 244.95, 244.9, 244.85]);
  assert.equal(out.tick.oi, undefined);
  // A delta without a book: a tick, no snapshots.
  const d = normalizeFeed(cache, 'NSE_EQ|INE002A01018', full({ ltpc: { ltp: 245.1, ltt: T0 + 1, ltq: 5, cp: 0 } }, 'full_d30'), 'live_feed', 9, RX + 1)!;
  assert.equal(d.depth, null);
  assert.equal(d.tick.ltp, 245.1);
  assert.equal(depthSnapshotsOf(mergeFeed(cache, 'X|1', snapshotFull(), 'initial_feed')!, 1, RX), null, 'full_d5 has none');
});

test('option_greeks: bid/ask from the one row, volume and oi, no depth5', () => {
  const cache = newFeedCache();
  const feed: Feed = {
    requestMode: 'option_greeks',
    firstLevelWithGreeks: {
      ltpc: { ltp: 101.5, ltt: T0, ltq: 25, cp: 99 },
      firstDepth: { bidQ: 50, bidP: 101.45, askQ: 75, askP: 101.55 },
      optionGreeks: { delta: 0.4, theta: -3, gamma: 0.001, vega: 5, rho: 0.1 },
      vtt: 877125,
      oi: 1250000,
      iv: 0.19,
    },
  };
  const out = normalizeFeed(cache, 'NSE_FO|45451', feed, 'initial_feed', 4, RX)!;
  assert.deepEqual(out.tick, {
    instrumentId: 4,
    tsExchange: T0,
    tsReceived: RX,
    ltp: 101.5,
    ltq: 25,
    volume: 877125,
    oi: 1250000,
    close: 99,
    bid: 101.45,
    bidQty: 50,
    ask: 101.55,
    askQty: 75,
  });
  assert.equal(out.depth, null);
  assert.equal(cache.get('NSE_FO|45451')!.iv, 0.19);
});

test('an index feed: ltp, the day bar and the previous close; no quantity, volume or oi', () => {
  const cache = newFeedCache();
  const feed: Feed = { requestMode: 'full_d5', indexFF: { ltpc: { ltp: 22550.75, ltt: T0, ltq: 0, cp: 22460.3 }, marketOHLC: [{ ...day, open: 22480, high: 22600, low: 22410.5 }] } };
  assert.deepEqual(normalizeFeed(cache, 'NSE_INDEX|Nifty 50', feed, 'initial_feed', 1, RX)!.tick, {
    instrumentId: 1,
    tsExchange: T0,
    tsReceived: RX,
    ltp: 22550.75,
    open: 22480,
    high: 22600,
    low: 22410.5,
    close: 22460.3,
  });
});

test('a delta without its RequestMode (0 on the wire reads as ltpc) merges; a sent change of mode starts afresh', () => {
  const cache = newFeedCache();
  mergeFeed(cache, 'NSE_FO|45450', snapshotFull(), 'initial_feed');
  const s = mergeFeed(cache, 'NSE_FO|45450', full({ ltpc: { ltp: 246, ltt: T0 + 9, ltq: 75, cp: 0 } }, 'ltpc'), 'live_feed')!;
  assert.deepEqual({ mode: s.requestMode, vtt: s.vtt, rows: s.depth.length, cp: s.ltpc.cp }, { mode: 'full_d5', vtt: 1234500, rows: 5, cp: 238.4 });
  const d30 = mergeFeed(cache, 'NSE_FO|45450', full({ ltpc: { ltp: 246, ltt: T0 + 9, ltq: 75, cp: 0 }, marketLevel: rows(30) }, 'full_d30'), 'live_feed')!;
  assert.deepEqual({ mode: d30.requestMode, vtt: d30.vtt, rows: d30.depth.length, cp: d30.ltpc.cp }, { mode: 'full_d30', vtt: 0, rows: 30, cp: 0 });
  // A 30-row book whose mode never came still gives snapshots.
  const bare = mergeFeed(cache, 'NSE_FO|1', full({ ltpc: { ltp: 1, ltt: T0, ltq: 1, cp: 1 }, marketLevel: rows(30) }, 'ltpc'), 'initial_feed')!;
  assert.equal(depthSnapshotsOf(bare, 2, RX)![0].levels, 30);
});

test('a feed with no payload changes nothing', () => {
  const cache = newFeedCache();
  assert.equal(normalizeFeed(cache, 'A|1', { requestMode: 'ltpc' }, 'live_feed', 1, RX), null);
  assert.equal(cache.size, 0);
});
