import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { compileFunction } from 'node:vm';
import { mulberry32 } from '../../sim/market/random';
import {
  decodeServerFrame,
  decodeServerQuotes,
  DEPTH_FIELDS,
  encodeAuthReply,
  encodeClientRequest,
  encodeDataFrame,
  encodeStatusReply,
  FIELD_COUNT,
  INDEX_FIELDS,
  isPricePosition,
  newFyersDecodeStats,
  newFyersDecoderState,
  parseClientFrame,
  PING_FRAME,
  SCRIP_FIELDS,
  toWireValues,
  type FyersClientRequest,
  type FyersDecoderState,
  type FyersQuote,
  type FyersSentState,
  type FyersTopicKind,
  type FyersWireItem,
} from './codec';

const require = createRequire(import.meta.url);

// ---------------------------------------------------------------------------------------------
// Bytes built by hand, big-endian, independently of the codec's encoders.

const NA = -2147483648;
const u8 = (...v: number[]) => Buffer.from(v);
const u16 = (v: number) => Buffer.from([v >> 8, v & 0xff]);
const u32 = (v: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v);
  return b;
};
const i32s = (...v: number[]) => {
  const b = Buffer.alloc(4 * v.length);
  v.forEach((x, i) => b.writeInt32BE(x, 4 * i));
  return b;
};
const str8 = (s: string) => Buffer.concat([u8(s.length), Buffer.from(s, 'latin1')]);
/** [u16 length of the rest][u8 type] rest. */
const frame = (type: number, ...body: Buffer[]) => {
  const rest = Buffer.concat([u8(type), ...body]);
  return Buffer.concat([u16(rest.length), rest]);
};
const data = (messageNumber: number, ...items: Buffer[]) => frame(6, u32(messageNumber), u16(items.length), ...items);
const snapshotItem = (id: number, topic: string, values: number[], multiplier: number, precision: number, exchange: string, token: string, symbol: string) =>
  Buffer.concat([u8(83), u16(id), str8(topic), u8(values.length), i32s(...values), u16(0), u16(multiplier), u8(precision), str8(exchange), str8(token), str8(symbol)]);
const updateItem = (id: number, values: number[]) => Buffer.concat([u8(85), u16(id), u8(values.length), i32s(...values)]);
const liteItem = (id: number, ltp: number) => Buffer.concat([u8(76), u16(id), i32s(ltp)]);

const FEED = 1795146605; // 2026-11-20 09:20:05 IST, epoch seconds as on the wire

const SF_EMPTY = Object.fromEntries(SCRIP_FIELDS.map((k) => [k, undefined]));
const sbinHead = { kind: 'sf', topicId: 0x1234, topic: 'sf|nse_cm|3045', exchange: 'nse_cm', exchangeToken: '3045', symbol: 'SBIN-EQ' };
// ltp, vol, ltt, feed, bidSize, askSize, bid, ask, ltq, totBuy, totSell, atp, OI, low, high, yHigh, yLow, lowerCkt, upperCkt, open, prevClose
const SBIN = [81235, 4567890, FEED - 5, FEED, 1200, 900, 81230, 81240, 25, 350000, 410000, 81102, NA, 80500, 81800, 91245, 68010, 72900, 89100, 80800, 80510];
const SBIN_QUOTE = {
  ...SF_EMPTY,
  ...sbinHead,
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
  oi: undefined,
  lowPrice: 805,
  highPrice: 818,
  yearHigh: 912.45,
  yearLow: 680.1,
  lowerCircuit: 729,
  upperCircuit: 891,
  openPrice: 808,
  prevClosePrice: 805.1,
};
const SBIN_SNAPSHOT = snapshotItem(0x1234, 'sf|nse_cm|3045', SBIN, 1, 2, 'nse_cm', '3045', 'SBIN-EQ');
const SBIN_UPDATE = updateItem(0x1234, [81250, 4567990, FEED + 1, FEED + 1, NA, 850, NA, NA, 100, NA, NA, NA, NA, NA, NA, NA, NA, NA, NA, NA, NA]);
const SBIN_SHORT_UPDATE = updateItem(0x1234, [NA, 4568000]);
const SBIN_LITE = liteItem(0x1234, 81255);

const NIFTY_SNAPSHOT = snapshotItem(0x0201, 'if|nse_cm|Nifty 50', [2453155, 2440010, FEED, 2460000, 2438045, 2441000], 1, 2, 'nse_cm', 'Nifty 50', 'NIFTY50-INDEX');
const NIFTY_LITE = liteItem(0x0201, 2453500);

const DEPTH = [
  ...[81230, 81225, 81220, 81215, 81210],
  ...[81240, 81245, 81250, 81255, 81260],
  ...[1200, 800, 650, 400, 300],
  ...[900, 700, 500, NA, 100],
  ...[12, 9, 7, 4, 3],
  ...[10, 8, 6, NA, 1],
];
const DEPTH_SNAPSHOT = snapshotItem(0x0302, 'dp|nse_cm|3045', DEPTH, 1, 2, 'nse_cm', '3045', 'SBIN-EQ');
// Best bid price (position 0), best bid size (10), 4th ask size (18) and 4th ask order count (28).
const DEPTH_UPDATE = updateItem(0x0302, Array.from({ length: 30 }, (_, i) => ({ 0: 81235, 10: 1500, 18: 650, 28: 15 })[i] ?? NA));

const head = (topicId: number, topic: string, exchange: string, exchangeToken: string, symbol: string) => ({ topicId, topic, exchange, exchangeToken, symbol });

test('auth reply "K" with an ack count, the Node lib\'s third field, and the K/N acks to subscribe, unsubscribe, pause, resume and mode', () => {
  const state = newFyersDecoderState();
  const stats = newFyersDecodeStats();
  const dec = (b: Buffer) => decodeServerFrame(b, state, () => assert.fail('no quotes'), stats);
  assert.deepEqual(dec(frame(1, u8(2), u8(1), u16(1), Buffer.from('K'), u8(2), u16(4), u32(25))), { type: 'auth', ok: true, ackCount: 25, streamConfig: undefined });
  assert.deepEqual(dec(frame(1, u8(1), u8(1), u16(1), Buffer.from('N'))), { type: 'auth', ok: false, ackCount: 0, streamConfig: undefined });
  assert.deepEqual(dec(frame(1, u8(3), u8(1), u16(1), Buffer.from('K'), u8(2), u16(4), u32(0), u8(3), u16(8), Buffer.from('{"a":[]}'))), { type: 'auth', ok: true, ackCount: 0, streamConfig: '{"a":[]}' });
  for (const [code, type] of [[4, 'subscribe'], [5, 'unsubscribe'], [7, 'pause'], [8, 'resume'], [12, 'mode']] as const) {
    assert.deepEqual(dec(frame(code, u8(1), u8(1), u16(1), Buffer.from('K'))), { type, ok: true });
    assert.deepEqual(dec(frame(code, u8(1), u8(1), u16(1), Buffer.from('N'))), { type, ok: false });
    assert.deepEqual(encodeStatusReply(type, true), frame(code, u8(1), u8(1), u16(1), Buffer.from('K')));
  }
  assert.deepEqual(dec(frame(13, Buffer.from('master'))), { type: 'unknown', code: 13 });
  assert.deepEqual(encodeAuthReply({ ok: true, ackCount: 25 }), frame(1, u8(2), u8(1), u16(1), Buffer.from('K'), u8(2), u16(4), u32(25)));
  assert.deepEqual(encodeAuthReply({ ok: false }), frame(1, u8(1), u8(1), u16(1), Buffer.from('N')));
  assert.deepEqual(stats, { frames: 14, items: 0, malformedFrames: 0, unknownTopics: 0, ignoredItems: 0 });
});

test('scrip snapshot (precision 2, multiplier 1), then a full update with INT32_MIN, a short update and a lite update merge into the last values', () => {
  const state = newFyersDecoderState();
  const stats = newFyersDecodeStats();
  const [snap] = decodeServerQuotes(data(1, SBIN_SNAPSHOT), state, stats);
  assert.deepEqual(snap, { ...SBIN_QUOTE, item: 'snapshot' });
  const [upd, short, lite] = decodeServerQuotes(data(2, SBIN_UPDATE, SBIN_SHORT_UPDATE, SBIN_LITE), state, stats);
  const afterUpdate = { ...SBIN_QUOTE, item: 'update', ltp: 812.5, volTradedToday: 4567990, lastTradedTime: FEED + 1, exchFeedTime: FEED + 1, askSize: 850, lastTradedQty: 100 };
  assert.deepEqual(upd, afterUpdate);
  assert.deepEqual(short, { ...afterUpdate, volTradedToday: 4568000 });
  assert.deepEqual(lite, { ...afterUpdate, volTradedToday: 4568000, item: 'lite', ltp: 812.55 });
  assert.deepEqual(stats, { frames: 2, items: 4, malformedFrames: 0, unknownTopics: 0, ignoredItems: 0 });
  assert.equal(state.topics.get(0x1234)?.topic, 'sf|nse_cm|3045');
});

test('index snapshot `if|nse_cm|Nifty 50` and its lite update', () => {
  const state = newFyersDecoderState();
  const [snap, lite] = decodeServerQuotes(data(9, NIFTY_SNAPSHOT, NIFTY_LITE), state);
  const expected = { kind: 'if', ...head(0x0201, 'if|nse_cm|Nifty 50', 'nse_cm', 'Nifty 50', 'NIFTY50-INDEX'), ltp: 24531.55, prevClosePrice: 24400.1, exchFeedTime: FEED, highPrice: 24600, lowPrice: 24380.45, openPrice: 24410 };
  assert.deepEqual(snap, { ...expected, item: 'snapshot' });
  assert.deepEqual(lite, { ...expected, item: 'lite', ltp: 24535 });
});

test('5-level depth snapshot and update: prices scaled, sizes and order counts raw, INT32_MIN levels absent then kept', () => {
  const state = newFyersDecoderState();
  const stats = newFyersDecodeStats();
  const [snap, upd] = decodeServerQuotes(data(3, DEPTH_SNAPSHOT, DEPTH_UPDATE), state, stats);
  const expected = {
    kind: 'dp',
    ...head(0x0302, 'dp|nse_cm|3045', 'nse_cm', '3045', 'SBIN-EQ'),
    bidPrice: [812.3, 812.25, 812.2, 812.15, 812.1],
    askPrice: [812.4, 812.45, 812.5, 812.55, 812.6],
    bidSize: [1200, 800, 650, 400, 300],
    askSize: [900, 700, 500, undefined, 100],
    bidOrders: [12, 9, 7, 4, 3],
    askOrders: [10, 8, 6, undefined, 1],
  };
  assert.deepEqual(snap, { ...expected, item: 'snapshot' });
  assert.deepEqual(upd, {
    ...expected,
    item: 'update',
    bidPrice: [812.35, 812.25, 812.2, 812.15, 812.1],
    bidSize: [1500, 800, 650, 400, 300],
    askSize: [900, 700, 500, 650, 100],
    askOrders: [10, 8, 6, 15, 1],
  });
  // A lite item for a depth topic has nothing to update.
  assert.deepEqual(decodeServerQuotes(data(4, liteItem(0x0302, 81300)), state, stats), []);
  assert.deepEqual(stats, { frames: 2, items: 2, malformedFrames: 0, unknownTopics: 0, ignoredItems: 1 });
});

test('price = raw / (10^precision × multiplier) for odd precision/multiplier combinations', () => {
  const cases: Array<[precision: number, multiplier: number, raw: number, price: number]> = [
    [4, 1, 831234, 83.1234], // currency, 4 decimals
    [2, 100, 123456789, 12345.6789],
    [0, 1, 5, 5],
    [3, 10, 1234567, 123.4567],
    [2, 1, -250, -2.5], // spreads and some indices go negative
    [2, 0, 81235, 812.35], // a multiplier of 0 is read as 1
    [7, 1, 831234567, 83.1234567],
  ];
  for (const [precision, multiplier, raw, price] of cases) {
    const state = newFyersDecoderState();
    const [q] = decodeServerQuotes(data(1, snapshotItem(7, 'sf|cde_fo|1234', [raw, 10, FEED, FEED], multiplier, precision, 'cde_fo', '1234', 'USDINR')), state);
    assert.equal(q.kind === 'sf' && q.ltp, price, `precision ${precision}, multiplier ${multiplier}`);
    assert.equal(q.kind === 'sf' && q.volTradedToday, 10, 'sizes are never scaled');
    assert.equal(q.kind === 'sf' && q.prevClosePrice, undefined, 'positions past nFields were never sent');
  }
});

test('bad frames: truncated items keep the quotes before them, unknown topic ids are skipped by length, leftovers and unknown item kinds count', () => {
  const state = newFyersDecoderState();
  const stats = newFyersDecodeStats();
  decodeServerQuotes(data(1, SBIN_SNAPSHOT), state, stats);
  const quotes = (b: Buffer) => decodeServerQuotes(b, state, stats).map((q) => q.item);
  // Unknown topic ids: the update's field count still says how long it is.
  assert.deepEqual(quotes(data(2, updateItem(0x9999, [1, 2, 3]), liteItem(0x9998, 5), SBIN_LITE)), ['lite']);
  // A snapshot of a topic kind that is not sf/if/dp is read past, not bound.
  assert.deepEqual(quotes(data(3, snapshotItem(44, 'xx|nse_cm|1', [1, 2], 1, 2, 'nse_cm', '1', 'X'), SBIN_LITE)), ['lite']);
  assert.equal(state.topics.has(44), false);
  const good = data(4, SBIN_UPDATE, SBIN_LITE);
  assert.deepEqual(quotes(good.subarray(0, good.length - 3)), ['update'], 'truncated: the first item is delivered');
  assert.deepEqual(quotes(Buffer.concat([good, u8(0)])), ['update', 'lite'], 'a byte left over');
  assert.deepEqual(quotes(data(5, SBIN_LITE, Buffer.concat([u8(99), u16(0x1234)]), SBIN_LITE)), ['lite'], 'unknown item kind');
  assert.deepEqual(quotes(frame(6, u32(6), u16(3), SBIN_LITE)), ['lite'], 'item count larger than the items');
  assert.deepEqual(quotes(Buffer.from([0, 1])), []);
  assert.deepEqual(quotes(frame(6, u32(1))), [], 'no item count');
  assert.deepEqual(quotes(frame(4, u8(1), u8(1), u16(5), Buffer.from('K'))), [], 'status field longer than the frame');
  assert.deepEqual(stats, { frames: 10, items: 8, malformedFrames: 7, unknownTopics: 3, ignoredItems: 0 });
});

// ---------------------------------------------------------------------------------------------
// The oracle: the official Node SDK's HSM library (fyers-api-v3@1.9.0, HSM_Package/hslib.js, which
// the SDK's data socket uses). It is loaded with a stand-in for `ws`, so no socket opens, and driven
// through the `onmessage` it installs, with ArrayBuffers as a real socket delivers them.
//
// The Node library names and types its fields from a JSON "stream data config" that the server
// sends as the auth reply's third field (the Go and Python SDKs use a fixed table instead). The
// config below lays the fields out in the spec's positional order (Go SDK map.json), which the
// library itself corroborates: its SCRIP_INDEX enum has LTP 0, VOLUME 1, VWAP 11, CLOSE 20 and its
// INDEX_INDEX LTP 0, CLOSE 1. Short names are those of the SDK's HSM/mapper.js (OI, 52-week high/low
// and circuits have none there; they get made-up names). Prices are "ConvNumber" (the library prints
// raw / (multiplier × 10^precision) with toFixed(precision)); everything else, times included, is
// "Number" (printed raw) so values compare exactly rather than as local-time date strings.
//
// Two things the library does differently, which the tests avoid rather than paper over:
// - it reads the message number only when the auth reply's ack count is > 0 (Go and Python always
//   read it, and we follow them), so it is fed an ack count of 3;
// - a lite item for a depth topic makes it read no value (it would desynchronise), and an update for
//   an unknown topic id throws inside it; random frames contain neither.

const OFFICIAL_NAMES: Record<FyersTopicKind, string[]> = {
  sf: ['ltp', 'v', 'ltt', 'fdtm', 'bq', 'bs', 'bp', 'sp', 'ltq', 'tbq', 'tsq', 'ap', 'oi', 'lo', 'h', 'yh', 'yl', 'lc', 'uc', 'op', 'c'],
  if: ['iv', 'ic', 'tvalue', 'highPrice', 'lowPrice', 'openingPrice'],
  dp: ['bp', 'sp', 'bq', 'bs'].flatMap((p) => [p, `${p}1`, `${p}2`, `${p}3`, `${p}4`]).concat(['bno', 'sno'].flatMap((p) => [1, 2, 3, 4, 5].map((i) => `${p}${i}`))),
};
// Field ids: the library finds ltp/volume/vwap/close by these (SCRIPFID_MAP, INDEXFID_MAP).
const KNOWN_FID: Record<string, string> = { 'sf.ltp': 's105', 'sf.v': 's104', 'sf.ap': 's113', 'sf.c': 's121', 'if.iv': 'i102', 'if.ic': 'i103' };
const fidOf = (kind: FyersTopicKind, i: number) => KNOWN_FID[`${kind}.${OFFICIAL_NAMES[kind][i]}`] ?? `${kind}${200 + i}`;
const STREAM_CONFIG = JSON.stringify({
  fields: [
    ...(['sf', 'if', 'dp'] as const).flatMap((kind) =>
      OFFICIAL_NAMES[kind].map((fld, i) => ({ fid: fidOf(kind, i), fld, dataType: isPricePosition(kind, i) ? 'ConvNumber' : 'Number', details: fld })),
    ),
    // Change, % change and turnover, which the library computes and appends itself.
    ...['f101', 'f102', 'f103', 'f104', 'f105'].map((fid) => ({ fid, fld: fid, dataType: 'ConvNumber', details: fid })),
  ],
  scrip: OFFICIAL_NAMES.sf.map((_, i) => fidOf('sf', i)),
  index: OFFICIAL_NAMES.if.map((_, i) => fidOf('if', i)),
  depth: OFFICIAL_NAMES.dp.map((_, i) => fidOf('dp', i)),
  scrip_lite: { hfid: 1 },
  index_lite: { hfid: 1 },
});

interface OfficialHsm {
  /** The objects the library emits for one binary frame. */
  feed(frame: Buffer): Array<Record<string, unknown>>;
  /** Bytes the library sends for one of its JSON requests (`{type: 'mws', scrips, channelnum}`…). */
  request(json: Record<string, unknown>): Buffer;
  ping(): Buffer;
  /** Everything the library sent (its acks among them). */
  sent: Buffer[];
}

function officialHsm(ackCount: number): OfficialHsm {
  const path = require.resolve('fyers-api-v3/HSM_Package/hslib.js');
  const sockets: FakeSocket[] = [];
  class FakeSocket {
    static OPEN = 1;
    readyState = 1;
    binaryType = '';
    sent: Buffer[] = [];
    onmessage?: (e: { data: unknown }) => void;
    constructor() {
      sockets.push(this);
    }
    send(b: Uint8Array) {
      this.sent.push(Buffer.from(b));
    }
    close() {}
  }
  const mod = { exports: {} as any };
  compileFunction(readFileSync(path, 'utf8'), ['require', 'module', 'exports'], { filename: path })((id: string) => (id === 'ws' ? FakeSocket : require(id)), mod, mod.exports);
  const hs = new mod.exports();
  let out: Array<Record<string, unknown>> = [];
  hs.onOpen = hs.onClose = hs.onError = () => {};
  hs.onMessage = (s: string) => out.push(...JSON.parse(s));
  hs.connect('ws://oracle.invalid', 30);
  const ws = sockets[0];
  const feed = (b: Buffer) => {
    out = [];
    ws.onmessage!({ data: b.buffer.slice(b.byteOffset, b.byteOffset + b.length) });
    return out;
  };
  assert.deepEqual(feed(encodeAuthReply({ ok: true, ackCount, streamConfig: STREAM_CONFIG })), [{ stat: 'Ok', type: 'cn', msg: 'successful', stCode: 200 }]);
  clearInterval(hs.hsParser.intervalId); // its 30 s heartbeat
  return {
    feed,
    sent: ws.sent,
    request(json) {
      const n = ws.sent.length;
      hs.send(JSON.stringify(json));
      assert.equal(ws.sent.length, n + 1);
      return ws.sent[n];
    },
    ping() {
      hs.hsParser.pingFunction(hs.hsParser);
      return ws.sent.at(-1)!;
    },
  };
}

function valueAt(q: FyersQuote, i: number): number | undefined {
  if (q.kind === 'sf') return q[SCRIP_FIELDS[i]];
  if (q.kind === 'if') return q[INDEX_FIELDS[i]];
  return q[DEPTH_FIELDS[Math.floor(i / 5)]][i % 5];
}

/**
 * Decodes `frames` with our codec and with the official library and compares field by field. The
 * library emits, per item, only the fields whose value changed, as strings; so for each of our
 * quotes the fields that changed since the topic's previous quote are formatted the same way.
 */
function compareWithOfficial(frames: Buffer[], official: OfficialHsm, state: FyersDecoderState = newFyersDecoderState()): number {
  const stats = newFyersDecodeStats();
  const last = new Map<number, Int32Array>();
  let compared = 0;
  frames.forEach((f, n) => {
    const expected: Array<Record<string, string>> = [];
    decodeServerFrame(
      f,
      state,
      (q) => {
        const t = state.topics.get(q.topicId)!;
        const prev = q.item === 'snapshot' ? new Int32Array(t.raw.length).fill(NA) : last.get(q.topicId)!;
        const fields: Record<string, string> = {};
        for (let i = 0; i < t.raw.length; i++) {
          if (t.raw[i] === prev[i]) continue;
          const v = valueAt(q, i)!;
          fields[OFFICIAL_NAMES[q.kind][i]] = isPricePosition(q.kind, i) ? v.toFixed(t.precision) : String(v);
        }
        last.set(q.topicId, t.raw.slice());
        if (Object.keys(fields).length) expected.push({ ...fields, name: q.kind, tk: q.exchangeToken, e: q.exchange });
      },
      stats,
    );
    // Drop what the library adds: the trading symbol on a topic's first message, change/%change/turnover.
    const theirs = official.feed(f).map((o) => Object.fromEntries(Object.entries(o).filter(([k]) => k !== 'ts' && !/^f10[1-5]$/.test(k))));
    assert.deepEqual(theirs, expected, `frame ${n}`);
    compared += expected.length;
  });
  assert.equal(stats.malformedFrames, 0);
  return compared;
}

test('ORACLE: the official HSM library decodes the hand-built frames to the same values', () => {
  const official = officialHsm(3);
  const frames = [
    data(1, SBIN_SNAPSHOT, NIFTY_SNAPSHOT, DEPTH_SNAPSHOT),
    data(2, SBIN_UPDATE, SBIN_SHORT_UPDATE, SBIN_LITE),
    data(3, DEPTH_UPDATE, NIFTY_LITE),
    data(4, snapshotItem(7, 'sf|cde_fo|1234', [831234, 10, FEED, FEED], 1, 4, 'cde_fo', '1234', 'USDINR')),
    data(5, snapshotItem(8, 'sf|mcx_fo|2345', [123456789, 10, FEED, FEED], 100, 2, 'mcx_fo', '2345', 'CRUDEOIL')),
  ];
  assert.equal(compareWithOfficial(frames, official), 10);
  // Its acks (every 3rd data frame) are a request our simulator understands.
  assert.deepEqual(official.sent.map(parseClientFrame), [{ type: 'ack', messageNumber: 3 }]);
});

interface SimTopic {
  id: number;
  kind: FyersTopicKind;
  topic: string;
  exchange: string;
  token: string;
  symbol: string;
  multiplier: number;
  precision: number;
  last: Int32Array | null;
}

/** A seeded session of data frames: snapshots binding topics, then updates (some partial) and lite items. */
function randomSession(seed: number, frames: number): { frames: Buffer[]; messageNumbers: number[] } {
  const rnd = mulberry32(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)];
  const ids = new Set<number>();
  const scales: Array<[number, number]> = [[1, 2], [1, 2], [1, 2], [1, 4], [100, 2], [10, 3], [1, 0], [3, 1], [1000, 2]];
  const defs: Array<[FyersTopicKind, string, string, string]> = [
    ['sf', 'nse_cm', '3045', 'SBIN-EQ'],
    ['sf', 'nse_cm', '2885', 'RELIANCE-EQ'],
    ['sf', 'nse_fo', '35001', 'NIFTY26NOVFUT'],
    ['sf', 'cde_fo', '1234', 'USDINR26NOVFUT'],
    ['sf', 'mcx_fo', '2345', 'CRUDEOIL26NOVFUT'],
    ['sf', 'bse_cm', '500325', 'RELIANCE-A'],
    ['if', 'nse_cm', 'Nifty 50', 'NIFTY50-INDEX'],
    ['if', 'nse_cm', 'Nifty Bank', 'NIFTYBANK-INDEX'],
    ['if', 'bse_cm', 'SENSEX', 'SENSEX-INDEX'],
    ['dp', 'nse_cm', '3045', 'SBIN-EQ'],
    ['dp', 'nse_fo', '35001', 'NIFTY26NOVFUT'],
    ['dp', 'cde_fo', '1234', 'USDINR26NOVFUT'],
  ];
  const topics: SimTopic[] = defs.map(([kind, exchange, token, symbol]) => {
    let id: number;
    do id = Math.floor(rnd() * 65536);
    while (ids.has(id));
    ids.add(id);
    const [multiplier, precision] = pick(scales);
    return { id, kind, topic: `${kind}|${exchange}|${token}`, exchange, token, symbol, multiplier, precision, last: null };
  });
  const value = (last: number | undefined): number => {
    const r = rnd();
    if (r < 0.1) return NA;
    if (r < 0.3 && last !== undefined && last !== NA) return last; // unchanged, but sent again
    if (r < 0.75) return Math.floor(rnd() * 10_000_000);
    if (r < 0.8) return -Math.floor(rnd() * 100_000);
    const v = (rnd() * 2 ** 32) | 0;
    return v === NA ? 0 : v;
  };
  const out: Buffer[] = [];
  const messageNumbers: number[] = [];
  let messageNumber = Math.floor(rnd() * 2 ** 31);
  for (let f = 0; f < frames; f++) {
    const items: FyersWireItem[] = [];
    const n = 1 + Math.floor(rnd() * 6);
    for (let k = 0; k < n; k++) {
      const t = f === 0 ? topics[k % topics.length] : pick(topics);
      const width = FIELD_COUNT[t.kind];
      const r = rnd();
      if (!t.last || r < 0.08) {
        const values = Int32Array.from({ length: width }, () => value(undefined));
        items.push({ item: 'snapshot', topicId: t.id, topic: t.topic, values, multiplier: t.multiplier, precision: t.precision, exchange: t.exchange, exchangeToken: t.token, symbol: t.symbol });
        t.last = values.map((v) => v);
      } else if (t.kind !== 'dp' && r < 0.3) {
        const ltp = value(t.last[0]);
        items.push({ item: 'lite', topicId: t.id, ltp });
        if (ltp !== NA) t.last[0] = ltp;
      } else {
        const count = rnd() < 0.85 ? width : 1 + Math.floor(rnd() * width);
        const values = Array.from({ length: count }, (_, i) => value(t.last![i]));
        values.forEach((v, i) => v !== NA && (t.last![i] = v));
        items.push({ item: 'update', topicId: t.id, values });
      }
    }
    messageNumbers.push(messageNumber);
    out.push(encodeDataFrame(messageNumber++, items));
  }
  return { frames: out, messageNumbers };
}

test('ORACLE: 2,500 seeded random frames (snapshots, full and partial updates, lite; 9 precision/multiplier pairs) decode field by field like the official library', () => {
  const official = officialHsm(3);
  const { frames, messageNumbers } = randomSession(12, 2500);
  const compared = compareWithOfficial(frames, official);
  assert.ok(compared > 7000, `${compared} quotes compared`);
  // It acks every 3rd data frame with that frame's message number.
  assert.deepEqual(
    official.sent.map(parseClientFrame),
    messageNumbers.filter((_, i) => i % 3 === 2).map((messageNumber) => ({ type: 'ack', messageNumber })),
  );
});

test("ORACLE: the official library's requests (auth, subscribe/unsubscribe sf/if/dp, lite/full mode, pause, resume, ping, ack) parse, and our encoder writes its exact bytes", () => {
  const official = officialHsm(1);
  const topics = (prefix: string, scrips: string) => scrips.split('&').map((s) => `${prefix}|${s}`);
  const cases: Array<[Record<string, unknown>, FyersClientRequest]> = [
    // The Node SDK's data socket authenticates with {type: 'cn', sessionid: <hsm_key>, mode: 'P'}.
    [{ type: 'cn', sessionid: 'a1b2c3d4e5f6', mode: 'P' }, { type: 'auth', hsmKey: 'a1b2c3d4e5f6', mode: 'P', source: 'JS_API' }],
    [{ type: 'mws', scrips: 'nse_cm|3045&nse_cm|2885', channelnum: 11 }, { type: 'subscribe', topics: topics('sf', 'nse_cm|3045&nse_cm|2885'), channel: 11 }],
    [{ type: 'ifs', scrips: 'nse_cm|Nifty 50&bse_cm|SENSEX', channelnum: 11 }, { type: 'subscribe', topics: topics('if', 'nse_cm|Nifty 50&bse_cm|SENSEX'), channel: 11 }],
    [{ type: 'dps', scrips: 'nse_fo|35001', channelnum: 2 }, { type: 'subscribe', topics: ['dp|nse_fo|35001'], channel: 2 }],
    [{ type: 'mwu', scrips: 'nse_cm|3045', channelnum: 11 }, { type: 'unsubscribe', topics: ['sf|nse_cm|3045'], channel: 11 }],
    [{ type: 'ifu', scrips: 'nse_cm|Nifty Bank', channelnum: 11 }, { type: 'unsubscribe', topics: ['if|nse_cm|Nifty Bank'], channel: 11 }],
    [{ type: 'dpu', scrips: 'nse_cm|3045', channelnum: 30 }, { type: 'unsubscribe', topics: ['dp|nse_cm|3045'], channel: 30 }],
    [{ type: 'lit', channelnums: [11] }, { type: 'mode', channels: [11], mode: 'lite' }],
    [{ type: 'ful', channelnums: [1, 11, 30] }, { type: 'mode', channels: [1, 11, 30], mode: 'full' }],
    [{ type: 'cp', channelnums: [5] }, { type: 'pause', channels: [5] }],
    [{ type: 'cr', channelnums: [5, 6] }, { type: 'resume', channels: [5, 6] }],
  ];
  for (const [json, expected] of cases) {
    const bytes = official.request(json);
    assert.deepEqual(parseClientFrame(bytes), expected, JSON.stringify(json));
    assert.deepEqual(encodeClientRequest(expected), bytes, `${json.type}: same bytes`);
  }
  const ping = official.ping();
  assert.deepEqual(ping, Buffer.from('00010b', 'hex'));
  assert.deepEqual(parseClientFrame(ping), { type: 'ping' });
  assert.deepEqual(encodeClientRequest({ type: 'ping' }), ping);
  assert.deepEqual(PING_FRAME, ping);
  // Its ack is type 3 with one 4-byte field (Go's is type 6, bare): both mean "ack message n".
  official.feed(data(77, SBIN_SNAPSHOT));
  const ack = official.sent.at(-1)!;
  assert.deepEqual(ack, Buffer.from('000903010100040000004d', 'hex'));
  assert.deepEqual(parseClientFrame(ack), { type: 'ack', messageNumber: 77 });
});

test("the Go SDK's and openalgo's frames parse whatever their length field says (Go auth '1', Go mode, Go subscribe and ack; openalgo auth 'P' and subscribe)", () => {
  const key = 'a1b2c3d4e5f6a7b8c9d0';
  const goSource = 'GoSDK-1.0.0';
  const field = (id: number, b: Buffer) => Buffer.concat([u8(id), u16(b.length), b]);
  const withLength = (len: number, ...rest: Buffer[]) => Buffer.concat([u16(len), ...rest]);
  const auth = (mode: string, source: string) => [u8(1, 4), field(1, Buffer.from(key)), field(2, Buffer.from(mode)), field(3, u8(1)), field(4, Buffer.from(source))];
  // Go: length = 18 + key + source − 2, the true length.
  assert.deepEqual(parseClientFrame(withLength(16 + key.length + goSource.length, ...auth('1', goSource))), { type: 'auth', hsmKey: key, mode: '1', source: goSource });
  assert.deepEqual(parseClientFrame(withLength(16 + key.length + 12, ...auth('P', 'OpenAlgo-HSM'))), { type: 'auth', hsmKey: key, mode: 'P', source: 'OpenAlgo-HSM' });
  const scrips = Buffer.concat([u16(2), str8('sf|nse_cm|3045'), str8('if|nse_cm|Nifty 50')]);
  const sub = [u8(4, 2), field(1, scrips), field(2, u8(11))];
  const expected = { type: 'subscribe', topics: ['sf|nse_cm|3045', 'if|nse_cm|Nifty 50'], channel: 11 };
  // Go: 18 + scrips + access token + source (not the frame's length); openalgo: 6 + scrips.
  assert.deepEqual(parseClientFrame(withLength(18 + scrips.length + 'XJ12345-100:eyJhbGciOi'.length + goSource.length, ...sub)), expected);
  assert.deepEqual(parseClientFrame(withLength(6 + scrips.length, ...sub)), expected);
  const mask = Buffer.alloc(8);
  mask.writeBigUInt64BE(1n << 11n);
  assert.deepEqual(parseClientFrame(withLength(16, u8(12, 2), field(1, mask), field(2, u8(70)))), { type: 'mode', channels: [11], mode: 'full' });
  assert.deepEqual(parseClientFrame(withLength(5, u8(6), u32(4294967295))), { type: 'ack', messageNumber: 4294967295 });
  assert.deepEqual(encodeClientRequest({ type: 'ack', messageNumber: 4294967295 }), withLength(5, u8(6), u32(4294967295)));
});

const REQUESTS: FyersClientRequest[] = [
  { type: 'auth', hsmKey: 'a1b2c3d4e5f6', mode: 'P', source: 'Tickdesk' },
  { type: 'auth', hsmKey: 'k', mode: '1', source: '' },
  { type: 'mode', channels: [11], mode: 'lite' },
  { type: 'mode', channels: [1, 11, 32, 63], mode: 'full' },
  { type: 'subscribe', topics: ['sf|nse_cm|3045', 'if|nse_cm|Nifty 50', 'dp|nse_fo|35001'], channel: 11 },
  { type: 'subscribe', topics: [], channel: 1 },
  { type: 'unsubscribe', topics: ['sf|nse_cm|3045'], channel: 30 },
  { type: 'pause', channels: [11, 12] },
  { type: 'resume', channels: [11] },
  { type: 'ping' },
  { type: 'ack', messageNumber: 0 },
  { type: 'ack', messageNumber: 123456789 },
];

test('every client request round-trips through encode and parse with the true length; truncations and junk parse to null', () => {
  for (const r of REQUESTS) {
    const bytes = encodeClientRequest(r);
    assert.equal(bytes.readUInt16BE(0), bytes.length - 2, `${r.type}: true length`);
    assert.deepEqual(parseClientFrame(bytes), r);
    for (let n = 0; n < bytes.length; n++) assert.equal(parseClientFrame(bytes.subarray(0, n)), null, `${r.type} cut to ${n}`);
    if (r.type !== 'ping' && r.type !== 'ack') assert.equal(parseClientFrame(Buffer.concat([bytes, u8(0)])), null, `${r.type} + a stray byte`);
  }
  const sub = encodeClientRequest(REQUESTS[4]);
  const lying = Buffer.from(sub);
  lying[sub.length - 4 - 16] = 200; // the last topic's length byte, now running past its field
  assert.equal(parseClientFrame(lying), null);
  const mode = encodeClientRequest({ type: 'mode', channels: [11], mode: 'lite' });
  mode[mode.length - 1] = 88;
  assert.equal(parseClientFrame(mode), null, "mode byte neither 'L' nor 'F'");
  assert.throws(() => encodeClientRequest({ type: 'mode', channels: [64], mode: 'full' }), RangeError);
  assert.throws(() => encodeClientRequest({ type: 'pause', channels: [0] }), RangeError);
  assert.throws(() => encodeClientRequest({ type: 'subscribe', topics: ['x'.repeat(256)], channel: 11 }), RangeError);
  assert.throws(() => encodeClientRequest({ type: 'subscribe', topics: ['sf|nse_cm|₹'], channel: 11 }), RangeError);
});

test('encodeDataFrame sends INT32_MIN for fields unchanged since the last values sent, and its frames decode back', () => {
  const sent: FyersSentState = new Map();
  const quote = { ltp: 812.35, volTradedToday: 100, prevClosePrice: 805.1 };
  const snapshot: FyersWireItem = { item: 'snapshot', topicId: 5, topic: 'sf|nse_cm|3045', values: toWireValues('sf', quote, 100), multiplier: 1, precision: 2, exchange: 'nse_cm', exchangeToken: '3045', symbol: 'SBIN-EQ' };
  const sfRaw = (at: Record<number, number>) => Array.from({ length: 21 }, (_, i) => at[i] ?? NA);
  const frames = [
    encodeDataFrame(1, [snapshot], sent),
    encodeDataFrame(2, [{ item: 'update', topicId: 5, values: toWireValues('sf', { ...quote, ltp: 812.4 }, 100) }], sent),
    encodeDataFrame(3, [{ item: 'lite', topicId: 5, ltp: 81245 }], sent),
    encodeDataFrame(4, [{ item: 'update', topicId: 5, values: toWireValues('sf', { ...quote, ltp: 812.45, volTradedToday: 150 }, 100) }], sent),
  ];
  assert.deepEqual(frames, [
    data(1, snapshotItem(5, 'sf|nse_cm|3045', sfRaw({ 0: 81235, 1: 100, 20: 80510 }), 1, 2, 'nse_cm', '3045', 'SBIN-EQ')),
    data(2, updateItem(5, sfRaw({ 0: 81240 }))),
    data(3, liteItem(5, 81245)),
    data(4, updateItem(5, sfRaw({ 1: 150 }))),
  ]);
  const state = newFyersDecoderState();
  const last = frames.flatMap((f) => decodeServerQuotes(f, state)).at(-1)!;
  assert.deepEqual([last.kind, last.kind === 'sf' && [last.ltp, last.volTradedToday, last.prevClosePrice]], ['sf', [812.45, 150, 805.1]]);
  // Without `sent`, values go out as given.
  assert.deepEqual(encodeDataFrame(9, [{ item: 'update', topicId: 5, values: [81245, 150] }]), data(9, updateItem(5, [81245, 150])));
  assert.deepEqual(
    Array.from(toWireValues('dp', { bidPrice: [812.3, 812.25], askSize: [undefined, 5], askOrders: [1, 2, 3, 4, 5] }, 100)),
    Array.from({ length: 30 }, (_, i) => ({ 0: 81230, 1: 81225, 16: 5, 25: 1, 26: 2, 27: 3, 28: 4, 29: 5 })[i] ?? NA),
  );
  assert.deepEqual(Array.from(toWireValues('if', { ltp: 24531.55, exchFeedTime: FEED }, 100)), [2453155, NA, FEED, NA, NA, NA]);
});

test('fuzz: 100,000 random, mutated and truncated server frames never throw and are counted; client frames likewise', () => {
  const rnd = mulberry32(99);
  const byte = () => Math.floor(rnd() * 256);
  const serverSamples = [
    data(1, SBIN_SNAPSHOT, NIFTY_SNAPSHOT, DEPTH_SNAPSHOT),
    data(2, SBIN_UPDATE, SBIN_SHORT_UPDATE, SBIN_LITE),
    data(3, DEPTH_UPDATE, NIFTY_LITE),
    encodeAuthReply({ ok: true, ackCount: 5, streamConfig: '{}' }),
    encodeStatusReply('subscribe', true),
  ];
  const state = newFyersDecoderState();
  decodeServerQuotes(serverSamples[0], state);
  const stats = newFyersDecodeStats();
  let truncated = 0;
  const types = [1, 4, 5, 6, 6, 6, 7, 8, 12];
  for (let i = 0; i < 100_000; i++) {
    let b: Buffer;
    const src = serverSamples[i % serverSamples.length];
    if (i % 3 === 0) {
      b = Buffer.alloc(1 + Math.floor(rnd() * 300));
      for (let k = 0; k < b.length; k++) b[k] = byte();
      if (b.length > 2) b[2] = types[i % types.length];
    } else if (i % 3 === 1) {
      b = Buffer.from(src);
      for (let k = 1 + Math.floor(rnd() * 3); k > 0; k--) b[Math.floor(rnd() * b.length)] = byte();
    } else {
      b = src.subarray(0, Math.floor(rnd() * src.length)); // always short of the whole frame
      truncated++;
    }
    decodeServerFrame(b, state, () => {}, stats);
  }
  assert.equal(stats.frames, 100_000);
  assert.ok(stats.malformedFrames >= truncated, `${stats.malformedFrames} malformed ≥ ${truncated} truncated`);
  assert.ok(stats.items > 10_000, `${stats.items} quotes from mutated frames`);

  const clientSamples = REQUESTS.map(encodeClientRequest);
  let nulls = 0;
  for (let i = 0; i < 100_000; i++) {
    const src = clientSamples[i % clientSamples.length];
    if (i % 2 === 0) {
      const b = Buffer.from(src);
      b[Math.floor(rnd() * b.length)] = byte();
      parseClientFrame(b);
    } else {
      nulls += parseClientFrame(src.subarray(0, Math.floor(rnd() * src.length))) === null ? 1 : 0;
    }
  }
  assert.equal(nulls, 50_000, 'every truncated request is rejected');
});
