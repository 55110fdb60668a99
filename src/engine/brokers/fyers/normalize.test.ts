import assert from 'node:assert/strict';
import { test } from 'node:test';
import { depthToLevels } from '../../../shared/model';
import { decodeServerQuotes, encodeDataFrame, newFyersDecoderState, toWireValues, type FyersDepthQuote, type FyersIndexQuote, type FyersScripQuote } from './codec';
import { fyersDepthBook, fyersIndexToTick, fyersLiteToTick, fyersScripToTick, FyersNormalizer } from './normalize';

const FEED = 1795146605; // 2026-11-20 09:20:05 IST
const RECEIVED = FEED * 1000 + 180;

function decodeOne<Q>(kind: 'sf' | 'if' | 'dp', topic: string, fields: object, precision = 2, multiplier = 1): Q {
  const values = toWireValues(kind, fields, 10 ** precision * multiplier);
  const frame = encodeDataFrame(1, [{ item: 'snapshot', topicId: 1, topic, values, multiplier, precision, exchange: topic.split('|')[1], exchangeToken: topic.split('|')[2], symbol: 'X' }]);
  return decodeServerQuotes(frame, newFyersDecoderState())[0] as Q;
}

const SBIN_FO = {
  ltp: 812.35,
  volTradedToday: 4567890,
  lastTradedTime: FEED - 5,
  exchFeedTime: FEED,
  bidSize: 1200,
  askSize: 900,
  bidPrice: 812.3,
  askPrice: 812.4,
  lastTradedQty: 25,
  totBuyQty: 350000,
  totSellQty: 410000,
  avgTradePrice: 811.02,
  oi: 98765,
  lowPrice: 805,
  highPrice: 818,
  openPrice: 808,
  prevClosePrice: 805.1,
};

test('a full sf quote with its dp topic → Tick: rupees, ms UTC from the feed time, cumulative volume, OHLC with close = previous close, depth5', () => {
  const sf = decodeOne<FyersScripQuote>('sf', 'sf|nse_fo|35001', SBIN_FO);
  const dp = decodeOne<FyersDepthQuote>('dp', 'dp|nse_fo|35001', {
    bidPrice: [812.3, 812.25, 812.2, 812.15, 812.1],
    askPrice: [812.4, 812.45, 812.5, 812.55],
    bidSize: [1200, 800, 650, 400, 300],
    askSize: [900, 700, 500, 100],
    bidOrders: [12, 9, 7, 4, 3],
    askOrders: [10, 8, 6, 1],
  });
  const { depth5, ...tick } = fyersScripToTick(sf, 42, RECEIVED, dp)!;
  assert.deepEqual(tick, {
    instrumentId: 42,
    tsExchange: FEED * 1000,
    tsReceived: RECEIVED,
    ltp: 812.35,
    ltq: 25,
    atp: 811.02,
    volume: 4567890,
    oi: 98765,
    totalBuyQty: 350000,
    totalSellQty: 410000,
    open: 808,
    high: 818,
    low: 805,
    close: 805.1,
    bid: 812.3,
    ask: 812.4,
    bidQty: 1200,
    askQty: 900,
  });
  assert.deepEqual(depthToLevels(depth5!), {
    bids: [
      { price: 812.3, qty: 1200, orders: 12 },
      { price: 812.25, qty: 800, orders: 9 },
      { price: 812.2, qty: 650, orders: 7 },
      { price: 812.15, qty: 400, orders: 4 },
      { price: 812.1, qty: 300, orders: 3 },
    ],
    // The fifth ask level was never sent: zeros, dropped by depthToLevels.
    asks: [
      { price: 812.4, qty: 900, orders: 10 },
      { price: 812.45, qty: 700, orders: 8 },
      { price: 812.5, qty: 500, orders: 6 },
      { price: 812.55, qty: 100, orders: 1 },
    ],
  });
  assert.deepEqual(Array.from(fyersDepthBook(dp)), Array.from(depth5!));
});

test('fields never sent stay off the Tick; time falls back to the last trade time, then to the receive time; cash topics carry no OI', () => {
  const cash = decodeOne<FyersScripQuote>('sf', 'sf|nse_cm|3045', { ltp: 812.35, lastTradedTime: FEED - 5, oi: 0, bidPrice: 0, askPrice: 812.4 });
  assert.deepEqual(fyersScripToTick(cash, 7, RECEIVED), { instrumentId: 7, tsExchange: (FEED - 5) * 1000, tsReceived: RECEIVED, ltp: 812.35, ask: 812.4 });
  const bare = decodeOne<FyersScripQuote>('sf', 'sf|mcx_fo|2345', { ltp: 6123, exchFeedTime: 0 });
  assert.deepEqual(fyersScripToTick(bare, 8, RECEIVED), { instrumentId: 8, tsExchange: RECEIVED, tsReceived: RECEIVED, ltp: 6123 });
  const noLtp = decodeOne<FyersScripQuote>('sf', 'sf|nse_cm|3045', { volTradedToday: 5 });
  assert.equal(fyersScripToTick(noLtp, 7, RECEIVED), null);
});

test('an index quote → Tick with ltp and OHLC (close = previous close), exchange time from the feed time', () => {
  const nifty = decodeOne<FyersIndexQuote>('if', 'if|nse_cm|Nifty 50', { ltp: 24531.55, prevClosePrice: 24400.1, exchFeedTime: FEED, highPrice: 24600, lowPrice: 24380.45, openPrice: 24410 });
  assert.deepEqual(fyersIndexToTick(nifty, 3, RECEIVED), { instrumentId: 3, tsExchange: FEED * 1000, tsReceived: RECEIVED, ltp: 24531.55, open: 24410, high: 24600, low: 24380.45, close: 24400.1 });
  const lite = decodeOne<FyersIndexQuote>('if', 'if|nse_cm|Nifty Bank', { ltp: 52011.3 });
  assert.deepEqual(fyersIndexToTick(lite, 4, RECEIVED), { instrumentId: 4, tsExchange: RECEIVED, tsReceived: RECEIVED, ltp: 52011.3 });
  assert.equal(fyersIndexToTick(decodeOne<FyersIndexQuote>('if', 'if|nse_cm|Nifty 50', {}), 3, RECEIVED), null);
});

test('prices keep the precision/multiplier scaling of the codec (4-decimal currency, multiplier 100)', () => {
  const usd = decodeOne<FyersScripQuote>('sf', 'sf|cde_fo|1234', { ltp: 83.1234, bidPrice: 83.1225, askPrice: 83.125, exchFeedTime: FEED }, 4);
  assert.deepEqual(fyersScripToTick(usd, 9, RECEIVED), { instrumentId: 9, tsExchange: FEED * 1000, tsReceived: RECEIVED, ltp: 83.1234, bid: 83.1225, ask: 83.125 });
  const crude = decodeOne<FyersScripQuote>('sf', 'sf|mcx_fo|2345', { ltp: 6123.45, exchFeedTime: FEED }, 2, 100);
  assert.equal(fyersScripToTick(crude, 10, RECEIVED)!.ltp, 6123.45);
});

test('FyersNormalizer: an instrument’s dp levels ride on its sf ticks, a depth change re-sends the last quote, lite updates carry the ltp alone', () => {
  const state = newFyersDecoderState();
  const one = (f: Buffer) => decodeServerQuotes(f, state);
  const sfValues = toWireValues('sf', { ltp: 812.35, volTradedToday: 100, exchFeedTime: FEED, bidPrice: 812.3, bidSize: 10, askPrice: 812.4, askSize: 5 }, 100);
  const dpValues = toWireValues('dp', { bidPrice: [812.3, 812.25], bidSize: [10, 20], bidOrders: [1, 2], askPrice: [812.4], askSize: [5], askOrders: [1] }, 100);
  const [sf, dp] = one(
    encodeDataFrame(1, [
      { item: 'snapshot', topicId: 1, topic: 'sf|nse_cm|3045', values: sfValues, multiplier: 1, precision: 2, exchange: 'nse_cm', exchangeToken: '3045', symbol: 'SBIN-EQ' },
      { item: 'snapshot', topicId: 2, topic: 'dp|nse_cm|3045', values: dpValues, multiplier: 1, precision: 2, exchange: 'nse_cm', exchangeToken: '3045', symbol: 'SBIN-EQ' },
    ]),
  );
  const n = new FyersNormalizer();
  const first = n.toTick(sf, 5, RECEIVED)!;
  assert.equal(first.depth5, undefined, 'no depth before its topic spoke');
  const withDepth = n.toTick(dp, 5, RECEIVED + 1)!;
  assert.deepEqual([withDepth.ltp, withDepth.volume, withDepth.tsReceived], [812.35, 100, RECEIVED + 1]);
  assert.deepEqual(depthToLevels(withDepth.depth5!).bids, [
    { price: 812.3, qty: 10, orders: 1 },
    { price: 812.25, qty: 20, orders: 2 },
  ]);
  const [lite] = one(encodeDataFrame(2, [{ item: 'lite', topicId: 1, ltp: 81240 }]));
  assert.deepEqual(n.toTick(lite, 5, RECEIVED + 2), { instrumentId: 5, tsExchange: RECEIVED + 2, tsReceived: RECEIVED + 2, ltp: 812.4 });
  assert.deepEqual(fyersLiteToTick({ ...(lite as FyersScripQuote), ltp: undefined }, 5, RECEIVED), null);
  // A depth topic heard before any quote of its instrument gives no tick.
  assert.equal(new FyersNormalizer().toTick(dp, 6, RECEIVED), null);
});
