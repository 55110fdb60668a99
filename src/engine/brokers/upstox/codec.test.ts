import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import protobuf from 'protobufjs';
import { mulberry32 } from '../../sim/market/random';
import {
  changeModeRequest,
  decodeFeedResponse,
  encodeFeedFailure,
  encodeFeedRequest,
  encodeFeedResponse,
  FEED_TYPES,
  MARKET_STATUSES,
  newDecodeStats,
  parseFeedFailure,
  parseFeedRequest,
  REQUEST_MODES,
  requestModeOf,
  subscribeRequest,
  unsubscribeRequest,
  type Feed,
  type FeedResponse,
  type Ltpc,
  type MarketInfo,
  type Ohlc,
  type OptionGreeks,
  type Quote,
  type StatusInfo,
} from './codec';

const require = createRequire(import.meta.url);
const PKG = 'com.upstox.marketdatafeederv3udapi.rpc.proto';

// Independent encoder for hand-built frames: protobufjs reflection over the in-repo copy of the schema.
const repoRoot = protobuf.loadSync(new URL('./proto/MarketDataFeedV3.proto', import.meta.url).pathname);
const RepoFeedResponse = repoRoot.lookupType(`${PKG}.FeedResponse`);
const pbEncode = (obj: object): Buffer => Buffer.from(RepoFeedResponse.encode(RepoFeedResponse.fromObject(obj)).finish());

// ORACLE: upstox-js-sdk@2.31.0's own decoding path. dist/feeder/MarketDataFeederV3.js: the constructor
// calls initProtobuf(), which protobuf.load()s the SDK's own node_modules/upstox-js-sdk/dist/feeder/
// proto/MarketDataFeedV3.proto (asynchronously: we wait for protobufRoot); the ws 'message' handler
// calls this.decodeProtobuf(data) — lookupType(FeedResponse).decode(buffer) — and pushes
// JSON.stringify(decoded). We call that same decodeProtobuf method on a feeder instance (never
// connected) and JSON.stringify the result: exactly the payload the SDK's streamer emits.
const { MarketDataFeederV3 } = require('upstox-js-sdk/dist/feeder/MarketDataFeederV3.js') as {
  MarketDataFeederV3: new (keys: string[], mode: string) => {
    protobufRoot: unknown;
    decodeProtobuf(b: Uint8Array): object | null;
    buildRequest(keys: string[], method: string, mode?: string): Buffer;
  };
};
const sdk = new MarketDataFeederV3([], 'full');
for (let i = 0; i < 500 && !sdk.protobufRoot; i++) await new Promise((r) => setTimeout(r, 10));
assert.ok(sdk.protobufRoot, 'the SDK loaded its .proto');
const sdkJson = (b: Uint8Array): any => JSON.parse(JSON.stringify(sdk.decodeProtobuf(b)));

// The SDK's JSON (Message#toJSON: int64 and non-finite doubles as strings, enums as names, fields not on
// the wire left out) in our shape, with proto3 defaults for what it leaves out.
const num = (v: unknown): number => (v === undefined ? 0 : typeof v === 'string' ? Number(v) : (v as number));
const ltpcOf = (j: any): Ltpc | undefined =>
  j && { ltp: num(j.ltp), ltt: num(j.ltt), ltq: num(j.ltq), cp: num(j.cp), iep: j.iep === undefined ? undefined : num(j.iep.value) };
const quoteOf = (j: any): Quote => ({ bidQ: num(j.bidQ), bidP: num(j.bidP), askQ: num(j.askQ), askP: num(j.askP) });
const greeksOf = (j: any): OptionGreeks | undefined =>
  j && { delta: num(j.delta), theta: num(j.theta), gamma: num(j.gamma), vega: num(j.vega), rho: num(j.rho) };
const barsOf = (j: any): Ohlc[] | undefined =>
  j &&
  (j.ohlc ?? []).map((b: any) => ({
    interval: b.interval ?? '',
    open: num(b.open),
    high: num(b.high),
    low: num(b.low),
    close: num(b.close),
    vol: num(b.vol),
    ts: num(b.ts),
  }));
function feedFromSdk(j: any): Feed {
  const m = j.fullFeed?.marketFF;
  const x = j.fullFeed?.indexFF;
  const g = j.firstLevelWithGreeks;
  return {
    requestMode: j.requestMode ?? 'ltpc',
    ltpc: ltpcOf(j.ltpc),
    marketFF: m && {
      ltpc: ltpcOf(m.ltpc),
      marketLevel: m.marketLevel && (m.marketLevel.bidAskQuote ?? []).map(quoteOf),
      optionGreeks: greeksOf(m.optionGreeks),
      marketOHLC: barsOf(m.marketOHLC),
      atp: num(m.atp),
      vtt: num(m.vtt),
      oi: num(m.oi),
      iv: num(m.iv),
      tbq: num(m.tbq),
      tsq: num(m.tsq),
      iep: num(m.iep),
      rp: num(m.rp),
      ieq: num(m.ieq),
      iiqTotal: num(m.iiqTotal),
      iiqM: num(m.iiqM),
      casEligible: m.casEligible ?? false,
    },
    indexFF: x && { ltpc: ltpcOf(x.ltpc), marketOHLC: barsOf(x.marketOHLC) },
    firstLevelWithGreeks: g && {
      ltpc: ltpcOf(g.ltpc),
      firstDepth: g.firstDepth && quoteOf(g.firstDepth),
      optionGreeks: greeksOf(g.optionGreeks),
      vtt: num(g.vtt),
      oi: num(g.oi),
      iv: num(g.iv),
    },
  };
}
const statusMap = (j: any): Map<string, StatusInfo> =>
  new Map(Object.entries(j ?? {}).map(([k, v]: [string, any]) => [k, { status: v.status ?? '', updatedTime: num(v.updatedTime) }]));
function fromSdk(j: any): FeedResponse {
  return {
    type: j.type ?? 'initial_feed',
    feeds: new Map(Object.entries(j.feeds ?? {}).map(([k, f]) => [k, feedFromSdk(f)])),
    currentTs: num(j.currentTs),
    marketInfo: j.marketInfo && {
      segmentStatus: new Map(Object.entries(j.marketInfo.segmentStatus ?? {})) as MarketInfo['segmentStatus'],
      casMarketStatus: statusMap(j.marketInfo.casMarketStatus),
      preOpenSessionStatus: statusMap(j.marketInfo.preOpenSessionStatus),
    },
  };
}

// Tiny protobuf writer for frames the schema-driven encoders cannot produce (wrong wire types,
// unknown fields, bad varints).
const varint = (n: bigint | number): Buffer => {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return Buffer.from(out);
};
const key = (field: number, wt: number) => varint((field << 3) | wt);
const f64 = (field: number, x: number) => {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(x);
  return Buffer.concat([key(field, 1), b]);
};
const vint = (field: number, n: bigint | number) => Buffer.concat([key(field, 0), varint(n)]);
const ld = (field: number, ...parts: Buffer[]) => {
  const body = Buffer.concat(parts);
  return Buffer.concat([key(field, 2), varint(body.length), body]);
};
const str = (field: number, s: string) => ld(field, Buffer.from(s, 'utf8'));

const emptyFeed = (): Feed => ({ requestMode: 'ltpc', ltpc: undefined, marketFF: undefined, indexFF: undefined, firstLevelWithGreeks: undefined });
const decodeOk = (b: Uint8Array): FeedResponse => {
  const stats = newDecodeStats();
  const r = decodeFeedResponse(b, stats);
  assert.ok(r, 'decodes');
  assert.deepEqual(stats, { frames: 1, feeds: r.feeds.size, malformedFrames: 0 });
  return r;
};

test('decodes a hand-written ltpc frame byte for byte', () => {
  const frame = Buffer.from(
    [
      '0801', // type = 1 (live_feed)
      '1234', // feeds entry, 52 bytes
      '0a13' + Buffer.from('NSE_EQ|INE062A01020').toString('hex'), //   key
      '121d', //   value: Feed, 29 bytes
      '0a1b', //     ltpc, 27 bytes (requestMode 0 = ltpc, not written)
      '09cdcccccccc628940', //       ltp = 812.35 (double, little-endian)
      '10a0e5bcb3d332', //       ltt = 1740375012000 (varint)
      '1819', //       ltq = 25
      '21cdcccccccc288940', //       cp = 805.1
      '18f9e7bcb3d332', // currentTs = 1740375012345
    ].join(''),
    'hex',
  );
  assert.deepEqual(decodeOk(frame), {
    type: 'live_feed',
    feeds: new Map([['NSE_EQ|INE062A01020', { ...emptyFeed(), ltpc: { ltp: 812.35, ltt: 1740375012000, ltq: 25, cp: 805.1, iep: undefined } }]]),
    currentTs: 1740375012345,
    marketInfo: undefined,
  });
  assert.deepEqual(encodeFeedResponse(decodeOk(frame)), frame);
});

const ltpcA = { ltp: 24510.55, ltt: 1740375012000, ltq: 75, cp: 24400.1 };
const rows = (n: number): Quote[] =>
  Array.from({ length: n }, (_, i) => ({ bidQ: 75 * (i + 1), bidP: Math.round((245.05 - 0.05 * i) * 100) / 100, askQ: 150 * (i + 1), askP: Math.round((245.1 + 0.05 * i) * 100) / 100 }));
const greeksA = { delta: 0.5123, theta: -12.75, gamma: 0.00071, vega: 13.2, rho: 2.1 };
const barsA: Ohlc[] = [
  { interval: '1d', open: 240, high: 247.5, low: 238.05, close: 245.05, vol: 1234500, ts: 1740335400000 },
  { interval: 'I1', open: 244.9, high: 245.1, low: 244.85, close: 245.05, vol: 4500, ts: 1740374940000 },
];

test('decodes a full_d5 market feed (option, greeks, 1d and I1 bars, every scalar) exactly', () => {
  const frame = pbEncode({
    type: 'live_feed',
    currentTs: 1740375012345,
    feeds: {
      'NSE_FO|45450': {
        requestMode: 'full_d5',
        fullFeed: {
          marketFF: {
            ltpc: { ...ltpcA, iep: { value: 245.2 } },
            marketLevel: { bidAskQuote: rows(5) },
            optionGreeks: greeksA,
            marketOHLC: { ohlc: barsA },
            atp: 243.87,
            vtt: 1234500,
            oi: 5678925,
            iv: 0.1432,
            tbq: 456000,
            tsq: 389250,
            iep: 245.2,
            rp: 244.5,
            ieq: 1500,
            iiqTotal: 3000,
            iiqM: 1200,
            casEligible: true,
          },
        },
      },
    },
  });
  const r = decodeOk(frame);
  assert.deepEqual(r.feeds.get('NSE_FO|45450'), {
    ...emptyFeed(),
    requestMode: 'full_d5',
    marketFF: {
      ltpc: { ...ltpcA, iep: 245.2 },
      marketLevel: [
        { bidQ: 75, bidP: 245.05, askQ: 150, askP: 245.1 },
        { bidQ: 150, bidP: 245, askQ: 300, askP: 245.15 },
        { bidQ: 225, bidP: 244.95, askQ: 450, askP: 245.2 },
        { bidQ: 300, bidP: 244.9, askQ: 600, askP: 245.25 },
        { bidQ: 375, bidP: 244.85, askQ: 750, askP: 245.3 },
      ],
      optionGreeks: greeksA,
      marketOHLC: barsA,
      atp: 243.87,
      vtt: 1234500,
      oi: 5678925,
      iv: 0.1432,
      tbq: 456000,
      tsq: 389250,
      iep: 245.2,
      rp: 244.5,
      ieq: 1500,
      iiqTotal: 3000,
      iiqM: 1200,
      casEligible: true,
    },
  });
  assert.equal(r.type, 'live_feed');
  assert.equal(r.currentTs, 1740375012345);
  // Our encoder writes what protobufjs writes for the same (zero-free) message.
  assert.deepEqual(encodeFeedResponse(r), frame);
});

test('decodes a full_d30 book: 30 rows in order', () => {
  const frame = pbEncode({
    // type initial_feed is 0: not written
    feeds: { 'NSE_EQ|INE002A01018': { requestMode: 'full_d30', fullFeed: { marketFF: { ltpc: ltpcA, marketLevel: { bidAskQuote: rows(30) }, vtt: 99 } } } },
  });
  const r = decodeOk(frame);
  assert.equal(r.type, 'initial_feed');
  const f = r.feeds.get('NSE_EQ|INE002A01018')!;
  assert.equal(f.requestMode, 'full_d30');
  assert.deepEqual(f.marketFF!.marketLevel, rows(30));
  assert.equal(f.marketFF!.marketLevel![29].bidP, 243.6);
  assert.equal(f.marketFF!.vtt, 99);
  assert.equal(f.marketFF!.optionGreeks, undefined);
  assert.equal(f.marketFF!.marketOHLC, undefined);
  assert.deepEqual(encodeFeedResponse(r), frame);
});

test('decodes an index full feed and a firstLevelWithGreeks feed exactly', () => {
  const frame = pbEncode({
    type: 'live_feed',
    currentTs: 1740375012345,
    feeds: {
      'NSE_INDEX|Nifty 50': { requestMode: 'full_d5', fullFeed: { indexFF: { ltpc: { ltp: 22550.75, ltt: 1740375012000, cp: 22460.3 }, marketOHLC: { ohlc: barsA } } } },
      'NSE_FO|45451': {
        requestMode: 'option_greeks',
        firstLevelWithGreeks: { ltpc: ltpcA, firstDepth: rows(1)[0], optionGreeks: greeksA, vtt: 877125, oi: 1250000, iv: 0.1875 },
      },
    },
  });
  const r = decodeOk(frame);
  assert.deepEqual([...r.feeds.keys()], ['NSE_INDEX|Nifty 50', 'NSE_FO|45451']);
  assert.deepEqual(r.feeds.get('NSE_INDEX|Nifty 50'), {
    ...emptyFeed(),
    requestMode: 'full_d5',
    indexFF: { ltpc: { ltp: 22550.75, ltt: 1740375012000, ltq: 0, cp: 22460.3, iep: undefined }, marketOHLC: barsA },
  });
  assert.deepEqual(r.feeds.get('NSE_FO|45451'), {
    ...emptyFeed(),
    requestMode: 'option_greeks',
    firstLevelWithGreeks: {
      ltpc: { ...ltpcA, iep: undefined },
      firstDepth: { bidQ: 75, bidP: 245.05, askQ: 150, askP: 245.1 },
      optionGreeks: greeksA,
      vtt: 877125,
      oi: 1250000,
      iv: 0.1875,
    },
  });
  assert.deepEqual(encodeFeedResponse(r), frame);
});

test('decodes a market_info frame: segment status and both status-info maps', () => {
  const frame = pbEncode({
    type: 'market_info',
    currentTs: 1740373200000,
    marketInfo: {
      segmentStatus: { NSE_EQ: 'NORMAL_OPEN', NSE_FO: 'NORMAL_OPEN', MCX_FO: 'PRE_OPEN_START', BSE_EQ: 'CLOSING_END' },
      casMarketStatus: { NSE_EQ: { status: 'CAS_OPEN', updatedTime: 1740373500000 } },
      preOpenSessionStatus: { NSE_EQ: { status: 'PRE_OPEN_END', updatedTime: 1740372900000 } },
    },
  });
  const r = decodeOk(frame);
  assert.deepEqual(r, {
    type: 'market_info',
    feeds: new Map(),
    currentTs: 1740373200000,
    marketInfo: {
      segmentStatus: new Map([
        ['NSE_EQ', 'NORMAL_OPEN'],
        ['NSE_FO', 'NORMAL_OPEN'],
        ['MCX_FO', 'PRE_OPEN_START'],
        ['BSE_EQ', 'CLOSING_END'],
      ]),
      casMarketStatus: new Map([['NSE_EQ', { status: 'CAS_OPEN', updatedTime: 1740373500000 }]]),
      preOpenSessionStatus: new Map([['NSE_EQ', { status: 'PRE_OPEN_END', updatedTime: 1740372900000 }]]),
    },
  });
  assert.deepEqual(encodeFeedResponse(r), frame);
});

test('int64: negative and beyond 2^53 come out as Long#toNumber gives them', () => {
  const big = 2n ** 62n + 12345n; // not a double: rounds
  const frame = Buffer.concat([
    ld(2, str(1, 'K'), ld(2, ld(1, vint(2, -1), vint(3, big)))),
    vint(3, -(2n ** 63n)),
  ]);
  const r = decodeOk(frame);
  assert.deepEqual(r.feeds.get('K')!.ltpc, { ltp: 0, ltt: -1, ltq: Number(big), cp: 0, iep: undefined });
  assert.equal(r.currentTs, -(2 ** 63));
  const j = sdkJson(frame);
  assert.equal(Number(j.feeds.K.ltpc.ltq), r.feeds.get('K')!.ltpc!.ltq);
  assert.equal(Number(j.currentTs), r.currentTs);
});

test('unknown fields (varint, fixed32/64, bytes, groups) are skipped; a repeated oneof keeps the last member', () => {
  const ltpc = ld(1, f64(1, 101.5), vint(15, 7), key(16, 5), Buffer.alloc(4), key(17, 1), Buffer.alloc(8), str(18, 'x'), key(19, 3), vint(1, 5), key(19, 4));
  const frame = Buffer.concat([vint(1, 1), ld(2, str(1, 'A'), ld(2, ld(3, vint(4, 9)), ltpc, vint(9, 1))), vint(99, 1)]);
  const r = decodeOk(frame);
  assert.deepEqual(r.feeds.get('A'), { ...emptyFeed(), ltpc: { ltp: 101.5, ltt: 0, ltq: 0, cp: 0, iep: undefined } });
  assert.equal(sdkJson(frame).feeds.A.ltpc.ltp, 101.5);
});

test('malformed frames are counted and skipped, never thrown', () => {
  const good = ld(2, str(1, 'A'), ld(2, ld(1, f64(1, 1))));
  const bad: Array<[string, Buffer]> = [
    ['truncated double', good.subarray(0, good.length - 1)],
    ['known field, wrong wire type (type as length-delimited)', Buffer.from('0a00', 'hex')],
    ['known nested field, wrong wire type (ltp as varint)', ld(2, str(1, 'A'), ld(2, ld(1, vint(1, 5))))],
    ['field number 0', Buffer.from('0000', 'hex')],
    ['wire type 6', Buffer.from('0e', 'hex')],
    ['end-group without a start', key(5, 4)],
    ['group never closed', Buffer.concat([key(5, 3), vint(1, 1)])],
    ['11-byte varint', Buffer.concat([key(3, 0), Buffer.from('ffffffffffffffffffff01', 'hex')])],
    ['length past the end', Buffer.from('1205', 'hex')],
    // The Feed claims 3 bytes, its map entry holds 2; the frame goes on (currentTs), so only the parent's end catches it.
    ['sub-message overruns its parent', Buffer.concat([ld(2, str(1, 'A'), Buffer.from('1203', 'hex'), ld(1)), vint(3, 5)])],
    ['unknown Type enum value', vint(1, 3)],
    ['unknown RequestMode', ld(2, str(1, 'A'), ld(2, vint(4, 4)))],
    ['unknown MarketStatus', ld(4, ld(1, str(1, 'NSE_EQ'), vint(2, 6)))],
    ['negative enum', vint(1, -1)],
  ];
  const stats = newDecodeStats();
  for (const [what, b] of bad) assert.equal(decodeFeedResponse(b, stats), null, what);
  assert.deepEqual(stats, { frames: bad.length, feeds: 0, malformedFrames: bad.length });
  // Still a decoder after all that.
  assert.equal(decodeFeedResponse(good, stats)!.feeds.get('A')!.ltpc!.ltp, 1);
  // An empty frame is a valid (empty) FeedResponse, as for the SDK.
  assert.deepEqual(decodeOk(new Uint8Array(0)), { type: 'initial_feed', feeds: new Map(), currentTs: 0, marketInfo: undefined });
});

// ---------------------------------------------------------------------------------------------
// Randomized frames against the SDK.

const KEYS = ['NSE_EQ|INE062A01020', 'NSE_FO|45450', 'NSE_INDEX|Nifty 50', 'BSE_INDEX|SENSEX', 'MCX_FO|426268', 'NSE_COM|1', '', 'BSE_EQ|Ünïcødé ✓', 'NSE_FO|📈', '\ufeffBOM', '12345'];

function generator(seed: number) {
  const rnd = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const dbl = (): number => {
    const r = rnd();
    if (r < 0.2) return 0;
    if (r < 0.5) return Math.round(rnd() * 2_000_000) / 20; // a price in paise steps
    if (r < 0.8) return (rnd() - 0.5) * 10 ** (rnd() * 16 - 6);
    return pick([NaN, Infinity, -Infinity, Number.MAX_VALUE, Number.MIN_VALUE, -1e-300, 0.1 + 0.2]);
  };
  const i64 = (): number => {
    const r = rnd();
    if (r < 0.2) return 0;
    if (r < 0.5) return Math.floor(rnd() * 100_000);
    if (r < 0.7) return 1_700_000_000_000 + Math.floor(rnd() * 1e11); // ms timestamps
    if (r < 0.85) return -Math.floor(rnd() * 2 ** 40);
    return Math.floor((rnd() * 2 - 1) * 2 ** 63); // beyond 2^53: whole doubles, |v| < 2^63
  };
  const maybe = <T>(p: number, f: () => T): T | undefined => (rnd() < p ? f() : undefined);
  const ltpc = (): Ltpc => ({ ltp: dbl(), ltt: i64(), ltq: i64(), cp: dbl(), iep: maybe(0.3, dbl) });
  const quote = (): Quote => ({ bidQ: i64(), bidP: dbl(), askQ: i64(), askP: dbl() });
  const greeks = (): OptionGreeks => ({ delta: dbl(), theta: dbl(), gamma: dbl(), vega: dbl(), rho: dbl() });
  const bars = (): Ohlc[] =>
    Array.from({ length: Math.floor(rnd() * 4) }, () => ({
      interval: pick(['1d', 'I1', 'I30', '', 'x✓']),
      open: dbl(),
      high: dbl(),
      low: dbl(),
      close: dbl(),
      vol: i64(),
      ts: i64(),
    }));
  const feed = (): Feed => {
    const f: Feed = { requestMode: pick(REQUEST_MODES), ltpc: undefined, marketFF: undefined, indexFF: undefined, firstLevelWithGreeks: undefined };
    const kind = Math.floor(rnd() * 5);
    if (kind === 1) f.ltpc = ltpc();
    else if (kind === 2)
      f.marketFF = {
        ltpc: maybe(0.9, ltpc),
        marketLevel: maybe(0.9, () => Array.from({ length: pick([0, 1, 5, 5, 30]) }, quote)),
        optionGreeks: maybe(0.5, greeks),
        marketOHLC: maybe(0.8, bars),
        atp: dbl(),
        vtt: i64(),
        oi: dbl(),
        iv: dbl(),
        tbq: dbl(),
        tsq: dbl(),
        iep: dbl(),
        rp: dbl(),
        ieq: i64(),
        iiqTotal: i64(),
        iiqM: i64(),
        casEligible: rnd() < 0.5,
      };
    else if (kind === 3) f.indexFF = { ltpc: maybe(0.9, ltpc), marketOHLC: maybe(0.8, bars) };
    else if (kind === 4)
      f.firstLevelWithGreeks = { ltpc: maybe(0.9, ltpc), firstDepth: maybe(0.9, quote), optionGreeks: maybe(0.8, greeks), vtt: i64(), oi: dbl(), iv: dbl() };
    return f;
  };
  const statusInfos = () => new Map(Array.from({ length: Math.floor(rnd() * 3) }, () => [pick(['NSE_EQ', 'NSE_FO', 'BSE_EQ', '']), { status: pick(['', 'OPEN', 'CLOSED']), updatedTime: i64() }] as const));
  return (): FeedResponse => ({
    type: pick(FEED_TYPES),
    feeds: new Map(Array.from({ length: Math.floor(rnd() * 7) }, () => [pick(KEYS), feed()] as const)),
    currentTs: i64(),
    marketInfo: maybe(0.2, () => ({
      segmentStatus: new Map(Array.from({ length: Math.floor(rnd() * 5) }, () => [pick(['NSE_EQ', 'NSE_FO', 'MCX_FO', 'NCD_FO', '']), pick(MARKET_STATUSES)] as const)),
      casMarketStatus: statusInfos(),
      preOpenSessionStatus: statusInfos(),
    })),
  });
}

test('3,000 random FeedResponses: our decode equals the original and the SDK decode, field by field', () => {
  const next = generator(20260105);
  const stats = newDecodeStats();
  let feeds = 0;
  for (let i = 0; i < 3000; i++) {
    const original = next();
    feeds += original.feeds.size;
    const frame = encodeFeedResponse(original);
    const ours = decodeFeedResponse(frame, stats);
    assert.ok(ours, `frame ${i} decodes`);
    assert.deepStrictEqual(ours, original, `frame ${i}: round trip`);
    assert.deepStrictEqual(ours, fromSdk(sdkJson(frame)), `frame ${i}: against the SDK`);
  }
  assert.deepEqual(stats, { frames: 3000, feeds, malformedFrames: 0 });
  assert.ok(feeds > 7000, `feeds ${feeds}`);
});

// protobufjs 7.6.6 reader.js readLongVarint: when at most 4 bytes are left in the buffer it reads a
// 4th byte without checking its continuation bit or the buffer's end, so an int64 varint cut off at
// the end of a frame decodes to a value instead of failing. We reject such frames: the varint is
// unterminated. Counted by wrapping Reader#int64 (which the SDK's generated decoders call): a varint
// read correctly always ends on a byte below 0x80, inside the buffer.
let sdkReadUnterminated = 0;
let unterminatedInThisDecode = false;
const readerProto = protobuf.Reader.prototype as unknown as { int64(this: { pos: number; len: number; buf: Uint8Array }): unknown };
const int64Read = readerProto.int64;
readerProto.int64 = function (this: { pos: number; len: number; buf: Uint8Array }) {
  const v = int64Read.call(this);
  if (this.pos > this.len || this.buf[this.pos - 1] >= 0x80) unterminatedInThisDecode = true;
  return v;
};

test('an int64 cut off at the end of the frame: the SDK (protobufjs) reads a value, we count it malformed', () => {
  const whole = Buffer.from('1880eee9b4dfecffffff01', 'hex'); // currentTs = -661582612736
  assert.equal(decodeOk(whole).currentTs, -661582612736);
  assert.equal(Number(sdkJson(whole).currentTs), -661582612736);
  const cut = whole.subarray(0, 5); // 18 | 80 ee e9 b4 — the last byte still says "more follows"
  assert.equal(decodeFeedResponse(cut), null);
  unterminatedInThisDecode = false;
  assert.deepEqual(sdkJson(cut), { currentTs: '110786304' });
  assert.ok(unterminatedInThisDecode, 'the wrapper sees the unterminated read');
});

test('120,000 random, truncated and corrupted frames never throw; each is counted; truncations fail exactly when the SDK does', () => {
  const rnd = mulberry32(7);
  const next = generator(99);
  const stats = newDecodeStats();
  let decoded = 0;
  const run = (b: Uint8Array) => {
    if (decodeFeedResponse(b, stats)) decoded++;
  };
  // Random bytes, short enough that some parse.
  for (let i = 0; i < 60_000; i++) {
    const b = new Uint8Array(Math.floor(rnd() * 48));
    for (let k = 0; k < b.length; k++) b[k] = Math.floor(rnd() * 256);
    run(b);
  }
  // Truncations of valid frames: the SDK throws on exactly those we reject.
  let agreed = 0;
  for (let i = 0; i < 400; i++) {
    const frame = encodeFeedResponse(next());
    for (let t = 0; t < 100; t++) {
      const cut = frame.subarray(0, Math.floor(rnd() * frame.length));
      const before = stats.malformedFrames;
      const ours = decodeFeedResponse(cut, stats);
      let theirs: any;
      unterminatedInThisDecode = false;
      try {
        theirs = sdkJson(cut);
      } catch {
        theirs = null;
      }
      // The one known disagreement: the protobufjs defect above (the SDK accepts, we reject).
      if (theirs !== null && unterminatedInThisDecode) {
        sdkReadUnterminated++;
        theirs = null;
      }
      assert.equal(ours === null, theirs === null, `truncation at ${cut.length} of ${frame.toString('hex')}`);
      assert.equal(stats.malformedFrames - before, ours === null ? 1 : 0);
      if (ours) {
        decoded++;
        assert.deepStrictEqual(ours, fromSdk(theirs));
      }
      agreed++;
    }
  }
  // Corruptions: a few random bytes of a valid frame overwritten (wrong wire types, bad lengths...).
  for (let i = 0; i < 20_000; i++) {
    const b = Uint8Array.from(encodeFeedResponse(next()).subarray(0, 400));
    for (let k = 0; k < 3; k++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
    run(b);
  }
  assert.equal(agreed, 40_000);
  assert.equal(stats.frames, 120_000);
  assert.equal(stats.frames, decoded + stats.malformedFrames);
  assert.ok(stats.malformedFrames > 60_000, `malformed ${stats.malformedFrames}`);
  assert.ok(sdkReadUnterminated > 0, 'the protobufjs int64 defect showed up (see the test above)');
});

// ---------------------------------------------------------------------------------------------
// Requests and failure replies.

test('requests are the bytes the SDK sends (same guid), and parse back to themselves', () => {
  const keys = ['NSE_EQ|INE062A01020', 'NSE_INDEX|Nifty 50'];
  const withGuid = (b: Buffer, guid: string) => Buffer.from(JSON.stringify({ ...JSON.parse(b.toString()), guid }));
  assert.deepEqual(subscribeRequest('g-1', 'full', keys), withGuid(sdk.buildRequest(keys, 'sub', 'full'), 'g-1'));
  assert.deepEqual(unsubscribeRequest('g-2', keys), withGuid(sdk.buildRequest(keys, 'unsub'), 'g-2'));
  assert.deepEqual(changeModeRequest('g-3', 'ltpc', keys), withGuid(sdk.buildRequest(keys, 'change_mode', 'ltpc'), 'g-3'));
  assert.equal(subscribeRequest('g-1', 'full_d30', ['A']).toString(), '{"guid":"g-1","method":"sub","data":{"instrumentKeys":["A"],"mode":"full_d30"}}');

  assert.deepEqual(parseFeedRequest(subscribeRequest('g-1', 'option_greeks', keys)), { guid: 'g-1', method: 'sub', mode: 'option_greeks', instrumentKeys: keys });
  assert.deepEqual(parseFeedRequest(unsubscribeRequest('g-2', keys)), { guid: 'g-2', method: 'unsub', instrumentKeys: keys });
  assert.deepEqual(parseFeedRequest(changeModeRequest('g-3', 'full', keys).toString()), { guid: 'g-3', method: 'change_mode', mode: 'full', instrumentKeys: keys });
  // The SDK's own bytes parse too (its uuid4 guid).
  const sdkSub = parseFeedRequest(sdk.buildRequest(keys, 'sub', 'ltpc'));
  assert.equal(sdkSub?.method, 'sub');
  assert.match(sdkSub!.guid, /^[0-9a-f-]{36}$/);
  // An unsub's mode is dropped.
  assert.deepEqual(parseFeedRequest('{"guid":"g","method":"unsub","data":{"mode":"full","instrumentKeys":["A"]}}'), { guid: 'g', method: 'unsub', instrumentKeys: ['A'] });
  for (const m of ['ltpc', 'full', 'option_greeks', 'full_d30'] as const) assert.deepEqual(parseFeedRequest(encodeFeedRequest({ guid: 'x', method: 'sub', mode: m, instrumentKeys: ['A'] }))?.mode, m);
  assert.deepEqual([requestModeOf('ltpc'), requestModeOf('full'), requestModeOf('option_greeks'), requestModeOf('full_d30')], ['ltpc', 'full_d5', 'option_greeks', 'full_d30']);
});

test('junk requests parse to null', () => {
  const junk: Array<string | Uint8Array> = [
    '',
    'sub',
    'null',
    '[]',
    '"x"',
    Uint8Array.from([0xff, 0xfe, 0x7b, 0x7d]),
    '{"method":"sub","data":{"mode":"full","instrumentKeys":["A"]}}',
    '{"guid":"","method":"sub","data":{"mode":"full","instrumentKeys":["A"]}}',
    '{"guid":7,"method":"sub","data":{"mode":"full","instrumentKeys":["A"]}}',
    '{"guid":"g","method":"subscribe","data":{"mode":"full","instrumentKeys":["A"]}}',
    '{"guid":"g","method":"sub","data":{"mode":"full_d5","instrumentKeys":["A"]}}',
    '{"guid":"g","method":"sub","data":{"instrumentKeys":["A"]}}',
    '{"guid":"g","method":"change_mode","data":{"instrumentKeys":["A"]}}',
    '{"guid":"g","method":"sub","data":{"mode":"full","instrumentKeys":[]}}',
    '{"guid":"g","method":"sub","data":{"mode":"full","instrumentKeys":"A"}}',
    '{"guid":"g","method":"sub","data":{"mode":"full","instrumentKeys":["A",""]}}',
    '{"guid":"g","method":"sub","data":{"mode":"full","instrumentKeys":["A",3]}}',
    '{"guid":"g","method":"sub","data":null}',
    '{"guid":"g","method":"sub"}',
  ];
  for (const j of junk) assert.equal(parseFeedRequest(j), null, String(j));
});

test('failure replies: parsed from text JSON with status "failed"; anything else is null', () => {
  assert.deepEqual(parseFeedFailure('{"status":"failed","method":"sub","error":"Invalid mode"}'), { error: 'Invalid mode', method: 'sub' });
  assert.deepEqual(parseFeedFailure('{"status":"failed","guid":"g1","error":{"errorCode":"UDAPI100050","message":"Invalid token used to access API"}}'), {
    error: 'Invalid token used to access API',
    code: 'UDAPI100050',
    guid: 'g1',
  });
  assert.deepEqual(parseFeedFailure('{"status":"failed","error":{"detail":1}}'), { error: '{"detail":1}' });
  assert.deepEqual(parseFeedFailure('{"status":"failed"}'), { error: '' });
  for (const t of ['{"status":"success"}', '{"error":"x"}', 'failed', '', '[1]', 'null']) assert.equal(parseFeedFailure(t), null, t);
  const f = { guid: 'g9', method: 'change_mode', error: 'Invalid instrument key' };
  assert.equal(encodeFeedFailure(f), '{"status":"failed","guid":"g9","method":"change_mode","error":"Invalid instrument key"}');
  assert.deepEqual(parseFeedFailure(encodeFeedFailure(f)), f);
});
