import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { mulberry32 } from '../../sim/market/random';
import {
  decodeFrame,
  decodeFrameMessage,
  decodePricingData,
  emptyPricingData,
  encodeLegacyFrame,
  encodePricingData,
  encodePricingFrame,
  FrameKind,
  newDecodeStats,
  optionTypeOf,
  parseControl,
  presentPrice,
  QuoteType,
  subscribeMessage,
  unsubscribeMessage,
  type PricingData,
} from './codec';
import { pricingToTick } from './normalize';

// The oracle: protobufjs reflection over proto/pricing.proto, a path independent of the hand reader.
const PricingType = protobuf.loadSync(fileURLToPath(new URL('./proto/pricing.proto', import.meta.url))).lookupType('tickdesk.yahoo.PricingData');
type LongLike = { low: number; high: number; toNumber(): number };
const Long = protobuf.util.Long as unknown as { fromBits(low: number, high: number, unsigned: boolean): LongLike };

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

/** ₹2,885.20 as float32, little-endian: 0x45345333 (= 2885.199951171875). */
const F32_2885_20 = '33533445';

// RELIANCE.NS at ₹2,885.20, 2024-11-25 05:25:45.678 UTC, in field order as Yahoo sends it.
const RELIANCE = hex(
  [
    '0a 0b 52454c49414e43452e4e53', // id = "RELIANCE.NS"
    `15 ${F32_2885_20}`, // price (float32)
    '18 9cb9c39cec64', // time: sint64, zigzag(1732512345678) = 3465024691356
    '22 03 494e52', // currency = "INR"
    '2a 03 4e5349', // exchange = "NSI"
    '30 08', // quoteType = EQUITY (8)
    '38 01', // marketHours = REGULAR_MARKET (1)
    '45 0000a0bf', // changePercent = -1.25 (float32)
    '48 a08bd103', // dayVolume: zigzag(3,810,000) = 7,620,000
    'b0 01 32', // lastSize (field 22): zigzag(25) = 50
    'd8 01 04', // priceHint (field 27): zigzag(2) = 4
  ].join(''),
);

test('decodes a hand-built RELIANCE.NS message: bytes in, exact values out', () => {
  const p = decodePricingData(RELIANCE)!;
  assert.deepEqual(p, {
    ...emptyPricingData(),
    id: 'RELIANCE.NS',
    // float32 holds ₹2,885.20 as 2885.199951171875: the codec keeps what the wire says ...
    price: 2885.199951171875,
    time: 1732512345678,
    currency: 'INR',
    exchange: 'NSI',
    quoteType: QuoteType.EQUITY,
    marketHours: 1,
    changePercent: -1.25,
    dayVolume: 3_810_000,
    lastSize: 25,
    priceHint: 2,
  });
  // ... and a trader is shown it at priceHint decimals, to the paisa.
  assert.equal(presentPrice(p.price, p.priceHint), 2885.2);
});

test('sint64: zigzag negatives, the 64-bit extremes, and int32 enums sent sign-extended', () => {
  const p = decodePricingData(
    hex(
      [
        '48 09', // dayVolume = zigzag 9 → -5
        '70 ffffffffffffffffff01', // expireDate = zigzag 2^64-1 → -2^63, exact as a double
        '98 01 feffffffffffffffff01', // openInterest (19) = zigzag 2^64-2 → 2^63-1, rounded once to 2^63
        'a0 01 01', // optionsType (20) = zigzag 1 → -1 (how an int32-enum PUT reads as sint64)
        '30 fbffffffffffffffff01', // quoteType = -5: an int32 goes out as 10 bytes
        '18 8080808010', // time = zigzag 2^32 → 2^31 (a 5-byte varint crossing the 32-bit halves)
      ].join(''),
    ),
  )!;
  assert.equal(p.dayVolume, -5);
  assert.equal(p.expireDate, -(2 ** 63));
  assert.equal(p.openInterest, 2 ** 63);
  assert.equal(p.optionsType, -1);
  assert.equal(p.quoteType, -5);
  assert.equal(p.time, 2 ** 31);
  // A varint may take more bytes than it needs (up to 10): marketHours = 1 in 6 bytes, the tag in 2.
  // Valid protobuf; protobufjs misreads it (see hasLooseVarint32 below).
  assert.equal(decodePricingData(hex('b8 00 818080808000'))!.marketHours, 1);
});

test('float32 prices are shown as a trader reads them (presentPrice)', () => {
  const f = Math.fround;
  // priceHint 2 (NSE stocks, indices): to the paisa.
  assert.equal(f(2885.2), 2885.199951171875);
  assert.equal(presentPrice(f(2885.2), 2), 2885.2);
  assert.equal(presentPrice(f(24850.35), 2), 24850.35); // NIFTY 50: 24850.349609375 on the wire
  assert.equal(presentPrice(f(0.05), 2), 0.05);
  // priceHint 4 (USDINR=X).
  assert.equal(presentPrice(f(83.2512), 4), 83.2512);
  // No hint: the shortest decimal that is the same float32 — 7 significant digits would turn
  // ₹1,34,567.25 (exact in float32) into 134567.3.
  assert.equal(presentPrice(f(2885.2)), 2885.2);
  assert.equal(presentPrice(134567.25), 134567.25);
  assert.equal(presentPrice(f(-37.63)), -37.63);
  assert.equal(presentPrice(0), 0);
  assert.ok(Number.isNaN(presentPrice(NaN)));
});

test('unknown fields are skipped by wire type; later occurrences of a field win', () => {
  const p = decodePricingData(
    hex(
      [
        '0a 03 414243', // id = "ABC"
        'c0 02 96 01', // field 40, varint 150: skipped
        'ca 02 03 010203', // field 41, 3 bytes: skipped
        'd1 02 0102030405060708', // field 42, fixed64: skipped
        'dd 02 01020304', // field 43, fixed32: skipped
        '0a 03 58595a', // id again = "XYZ": the last wins
        `15 ${F32_2885_20}`,
      ].join(''),
    ),
  )!;
  assert.equal(p.id, 'XYZ');
  assert.equal(p.price, Math.fround(2885.2));
});

test('malformed protobuf is null, never thrown: truncation, wrong wire types, overlong varints, field 0, groups', () => {
  const bad = [
    RELIANCE.subarray(0, 5), // inside id
    RELIANCE.subarray(0, 15), // inside price
    RELIANCE.subarray(0, 20), // inside time's varint
    hex('10 01'), // price (float) sent as a varint
    hex('0d 01020304'), // id sent as fixed32
    hex('18 ffffffffffffffffffff01'), // an 11-byte varint
    hex('02 00'), // field 0
    hex('0b 0c'), // a group (wire type 3)
    hex('0e'), // wire type 6
    hex('0a 05 4142'), // length past the end
    hex('0a ffffffff0f'), // a 4 GB length
    hex('c2 02 ff'), // unknown field with a length past the end
    hex('ff'), // a tag cut short
  ];
  for (const b of bad) assert.equal(decodePricingData(b), null, b.toString('hex'));
  // A message of no bytes is valid proto3: every field at its default.
  assert.deepEqual(decodePricingData(new Uint8Array(0)), emptyPricingData());
});

test('frames: the version=2 JSON envelope and the legacy bare base64 give the same message', () => {
  const stats = newDecodeStats();
  const seen: PricingData[] = [];
  const on = (p: PricingData) => seen.push(p);
  const payload = b64(RELIANCE);
  assert.equal(decodeFrame(`{"type":"pricing","message":"${payload}"}`, on, stats), FrameKind.Pricing);
  assert.equal(decodeFrame(payload, on, stats), FrameKind.Pricing);
  // Other key order, spaces, a \u escape and an extra key: JSON.parse decides.
  const escaped = `\\u${payload.charCodeAt(0).toString(16).padStart(4, '0')}${payload.slice(1)}`;
  assert.equal(decodeFrame(`{ "message" : "${escaped}", "type": "pricing", "v": 2 }`, on, stats), FrameKind.Pricing);
  assert.equal(decodeFrame(`{"type":"pricing","message":"${payload}","v":2}`, on, stats), FrameKind.Pricing);
  // A text frame as bytes (ws hands them over as Buffers).
  assert.equal(decodeFrame(Buffer.from(`{"type":"pricing","message":"${payload}"}`), on, stats), FrameKind.Pricing);
  assert.equal(seen.length, 5);
  for (const p of seen) assert.deepEqual(p, decodePricingData(RELIANCE));
  // Unpadded base64: "MAg" is 30 08 (quoteType = EQUITY), "MAg=" padded.
  assert.equal(decodeFrameMessage('MAg', stats)!.quoteType, QuoteType.EQUITY);
  assert.equal(decodeFrameMessage('{"type":"pricing","message":"MAg="}', stats)!.quoteType, QuoteType.EQUITY);
  assert.deepEqual(stats, { frames: 7, messages: 7, malformedFrames: 0, ignoredFrames: 0 });
});

test('frames: other JSON types are ignored; bad JSON, bad base64 and bad protobuf are malformed; all counted', () => {
  const stats = newDecodeStats();
  const seen: PricingData[] = [];
  const on = (p: PricingData) => seen.push(p);
  const ignored = ['{"type":"heartbeat"}', '{"type":"error","message":"x"}', '{"message":"AAAA"}'];
  const malformed = [
    '{"type":"pricing","message":"',
    '{"type":"pricing"',
    '{"type":"pricing","message":42}',
    '{"type":"pricing"}',
    '{"type":"pricing","message":"QU!D"}', // not base64
    '{"type":"pricing","message":"QUJDR"}', // a length base64 cannot have
    `{"type":"pricing","message":"${b64(RELIANCE.subarray(0, 20))}"}`, // truncated protobuf
    '["pricing"]',
    'null',
    '{',
    '',
    'QUJ=RA==', // "=" inside
    `${b64(RELIANCE)}\n`,
    b64(hex('10 01')), // wrong wire type
  ];
  for (const f of ignored) assert.equal(decodeFrame(f, on, stats), FrameKind.Ignored, f);
  for (const f of malformed) assert.equal(decodeFrame(f, on, stats), FrameKind.Malformed, f);
  assert.deepEqual(seen, []);
  assert.deepEqual(stats, { frames: ignored.length + malformed.length, messages: 0, malformedFrames: malformed.length, ignoredFrames: ignored.length });
});

test('encoder: proto3 defaults are left out, both framings carry the same bytes', () => {
  assert.equal(encodePricingData({}).length, 0);
  assert.equal(encodePricingData({ id: '', price: 0, time: 0, quoteType: 0, bid: 0, marketCap: 0 }).length, 0);
  const msg = decodePricingData(RELIANCE)!;
  // Our encoder writes the hand-built bytes exactly (same field order, same varints).
  assert.deepEqual(encodePricingData(msg), RELIANCE);
  assert.equal(encodeLegacyFrame(msg), b64(RELIANCE));
  assert.equal(encodePricingFrame(msg), `{"type":"pricing","message":"${b64(RELIANCE)}"}`);
  assert.deepEqual(decodeFrameMessage(encodePricingFrame(msg)), msg);
  assert.deepEqual(decodeFrameMessage(encodeLegacyFrame(msg)), msg);
  // Non-ASCII and long strings, negative sint64, doubles.
  const odd: Partial<PricingData> = { id: 'BTC-USD', shortName: 'Bitcoin ₿ — a name longer than thirty-two characters 📈', dayVolume: -7, marketCap: 1.9e12, circulatingSupply: 19_800_000.5 };
  assert.deepEqual(decodePricingData(encodePricingData(odd)), { ...emptyPricingData(), ...odd });
});

test('optionTypeOf reads PUT in both encodings; CALL only for options', () => {
  const opt = (optionsType: number, quoteType: number = QuoteType.OPTION) => optionTypeOf({ ...emptyPricingData(), optionsType, quoteType });
  assert.equal(opt(1), 'PUT'); // sint64 (yfinance): zigzag 2 on the wire
  assert.equal(opt(-1), 'PUT'); // int32 enum: 1 on the wire, read as sint64
  assert.equal(opt(0), 'CALL');
  assert.equal(opt(0, QuoteType.EQUITY), undefined);
  assert.equal(decodePricingData(hex('30 0d a0 01 02'))!.optionsType, 1);
  assert.equal(optionTypeOf(decodePricingData(hex('30 0d a0 01 01'))!), 'PUT');
});

test('control frames: builders, and the simulator-side parser returns null on junk', () => {
  assert.equal(subscribeMessage(['AAPL', '^NSEI', 'RELIANCE.NS']), '{"subscribe":["AAPL","^NSEI","RELIANCE.NS"]}');
  assert.equal(unsubscribeMessage(['^NSEI']), '{"unsubscribe":["^NSEI"]}');
  assert.deepEqual(parseControl(subscribeMessage(['AAPL', '^NSEI'])), { action: 'subscribe', symbols: ['AAPL', '^NSEI'] });
  assert.deepEqual(parseControl('{"unsubscribe":[]}'), { action: 'unsubscribe', symbols: [] });
  for (const junk of ['', 'subscribe', '{', 'null', '[]', '{"subscribe":"AAPL"}', '{"subscribe":[1]}', '{"subscribe":[""]}', '{"subscribe":["A"],"unsubscribe":["B"]}', '{"sub":["A"]}']) {
    assert.equal(parseControl(junk), null, junk);
  }
});

// --- oracle: protobufjs reflection and the hand-written path agree on every field ------------

const FIELDS = PricingType.fieldsArray.map((f) => ({ name: f.name, ours: f.name.replace('_24', '24') as keyof PricingData, type: f.type }));

const STRINGS = ['RELIANCE.NS', '^NSEI', 'USDINR=X', 'BTC-USD', 'INR', 'NSI', 'NIFTY24D1924500CE.NS', 'Ünïcødé ₹', '📈 up', 'x'.repeat(32), 'y'.repeat(33), 'a longer short name, well past the intern limit of 32 bytes'];
const ENUMS = [0, 5, 7, 8, 9, 11, 12, 13, 14, 15, 17, 18, 20, 23, 28, 41, 42, 1000, 1, 2, 3];

function randomFloat(rnd: () => number): number {
  const r = rnd();
  if (r < 0.05) return [NaN, Infinity, -Infinity, -0, 1e-45, 3.4e38, 1e39][Math.floor(rnd() * 7)];
  if (r < 0.5) return Math.round(rnd() * 5_000_000) / 100; // prices to the paisa
  return (rnd() - 0.5) * 10 ** Math.floor(rnd() * 16 - 6);
}

function randomSint64(rnd: () => number): LongLike | number {
  const r = rnd();
  if (r < 0.3) return Math.floor(rnd() * 1000) - 100;
  if (r < 0.55) return 1_600_000_000_000 + Math.floor(rnd() * 200_000_000_000); // epoch ms
  if (r < 0.75) return Math.floor(rnd() * 2 ** 40);
  // Any 64-bit value, as two random halves (beyond 2^53 the number is rounded once, both sides alike).
  return Long.fromBits(Math.floor(rnd() * 2 ** 32) | 0, Math.floor(rnd() * 2 ** 32) | 0, false);
}

function randomObject(rnd: () => number): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const f of FIELDS) {
    if (rnd() < 0.35) continue;
    if (f.type === 'string') o[f.name] = rnd() < 0.05 ? '' : STRINGS[Math.floor(rnd() * STRINGS.length)];
    else if (f.type === 'float') o[f.name] = randomFloat(rnd);
    else if (f.type === 'double') o[f.name] = rnd() < 0.1 ? randomFloat(rnd) : rnd() * 1e13;
    else if (f.type === 'sint64') o[f.name] = randomSint64(rnd);
    else o[f.name] = rnd() < 0.9 ? ENUMS[Math.floor(rnd() * ENUMS.length)] : (Math.floor(rnd() * 2 ** 32) | 0); // enums: any int32
  }
  return o;
}

/** What protobufjs decoded, as plain numbers and strings (Long → Long#toNumber, one rounding). */
function theirValue(v: unknown): unknown {
  return typeof v === 'object' && v !== null && 'low' in v ? (v as LongLike).toNumber() : v;
}

function compareWithOracle(ours: PricingData | null, theirs: Record<string, unknown>, where: string): void {
  assert.ok(ours, `${where}: the hand reader rejected what protobufjs encoded`);
  for (const f of FIELDS) {
    const expected = theirValue(theirs[f.name]) ?? (f.type === 'string' ? '' : 0);
    assert.ok(Object.is(ours[f.ours], expected), `${where}: ${f.name}: ours ${String(ours[f.ours])}, protobufjs ${String(expected)}`);
  }
}

test('oracle: 2,500 random messages encoded by protobufjs reflection decode the same by hand, field by field', () => {
  const rnd = mulberry32(20261120);
  for (let i = 0; i < 2500; i++) {
    const bytes = PricingType.encode(PricingType.create(randomObject(rnd))).finish();
    const theirs = PricingType.decode(bytes) as unknown as Record<string, unknown>;
    compareWithOracle(decodePricingData(bytes), theirs, `message ${i}`);
    // Concatenated messages merge (the later scalar wins) — and arrive as a base64 frame.
    if (i % 5 === 0) {
      const more = PricingType.encode(PricingType.create(randomObject(rnd))).finish();
      const both = Buffer.concat([bytes, more]);
      compareWithOracle(decodeFrameMessage(`{"type":"pricing","message":"${b64(both)}"}`), PricingType.decode(both) as unknown as Record<string, unknown>, `merged ${i}`);
    }
  }
});

test('oracle: 2,500 random messages from our encoder: the bytes protobufjs writes, and read back by it as sent', () => {
  const rnd = mulberry32(77);
  const isDefault = (v: unknown) => v === '' || Object.is(v, 0);
  for (let i = 0; i < 2500; i++) {
    const o = randomObject(rnd);
    const input: Partial<PricingData> = {};
    const theirInput: Record<string, unknown> = {};
    for (const f of FIELDS) {
      // Our encoder takes numbers: a sint64 beyond 2^53 is the (integer) double nearest it.
      const v = theirValue(o[f.name]);
      if (v === undefined) continue;
      (input as Record<string, unknown>)[f.ours] = v;
      if (!isDefault(v)) theirInput[f.name] = v; // proto3: defaults are not written
    }
    const bytes = encodePricingData(input);
    assert.deepEqual(bytes, Buffer.from(PricingType.encode(PricingType.create(theirInput)).finish()), `message ${i}: bytes`);
    const theirs = PricingType.decode(bytes) as unknown as Record<string, unknown>;
    for (const f of FIELDS) {
      const v = input[f.ours];
      const sent = v === undefined ? (f.type === 'string' ? '' : 0) : f.type === 'float' ? Math.fround(v as number) : v;
      const got = theirValue(theirs[f.name]) ?? (f.type === 'string' ? '' : 0);
      // 2^63 (a rounded 2^63 − 1) does not fit a sint64: both encoders wrap it to −2^63.
      assert.ok(Object.is(got, sent) || (sent === 2 ** 63 && got === -(2 ** 63)), `message ${i}: ${f.name}: sent ${String(sent)}, protobufjs read ${String(got)}`);
    }
  }
});

/**
 * Whether a well-formed message has a varint of 6 to 9 bytes where protobufjs reads 32 bits (a tag,
 * a length, an int32/enum field). Such varints are valid protobuf, but protobufjs's Reader#uint32
 * takes 5 bytes and then skips 5 more, assuming a sign-extended 10-byte varint, so it misreads them;
 * the hand reader reads the varint to its end, as the protobuf spec asks.
 */
function hasLooseVarint32(b: Uint8Array): boolean {
  let pos = 0;
  const varint = (): { value: number; size: number } => {
    let value = 0;
    let size = 0;
    while (b[pos + size] >= 0x80) size++;
    for (let k = 0; k <= size && k < 4; k++) value += (b[pos + k] & 0x7f) * 2 ** (7 * k);
    pos += ++size;
    return { value, size };
  };
  const loose = (size: number) => size > 5 && size < 10;
  while (pos < b.length) {
    const tag = varint();
    if (loose(tag.size)) return true;
    const field = tag.value >>> 3;
    const wire = tag.value & 7;
    if (wire === 0) {
      if (loose(varint().size) && (field === 6 || field === 7)) return true;
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else {
      const len = varint();
      if (loose(len.size)) return true;
      pos += len.value;
    }
  }
  return false;
}

test('100,000 random, truncated and mutated frames never throw; whatever decodes, protobufjs decodes the same', () => {
  const rnd = mulberry32(4242);
  const stats = newDecodeStats();
  const kinds = [0, 0, 0];
  const valid = Array.from({ length: 200 }, () => PricingType.encode(PricingType.create(randomObject(rnd))).finish());
  let checked = 0;
  for (let i = 0; i < 100_000; i++) {
    const kind = i % 5;
    let frame: string;
    let bytes: Uint8Array | null = null;
    const base = valid[Math.floor(rnd() * valid.length)];
    if (kind === 0) {
      bytes = base.subarray(0, Math.floor(rnd() * base.length)); // truncated
    } else if (kind === 1) {
      const b = Buffer.from(base); // mutated bytes
      for (let k = 1 + Math.floor(rnd() * 4); k > 0 && b.length; k--) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
      bytes = b;
    } else if (kind === 2) {
      const b = Buffer.alloc(Math.floor(rnd() * 120)); // random bytes
      for (let j = 0; j < b.length; j++) b[j] = Math.floor(rnd() * 256);
      bytes = b;
    }
    if (bytes) frame = rnd() < 0.5 ? b64(bytes) : `{"type":"pricing","message":"${b64(bytes)}"}`;
    else if (kind === 3) {
      const text = `{"type":"pricing","message":"${b64(base)}"}`; // a cut text frame
      frame = text.slice(0, Math.floor(rnd() * text.length));
    } else {
      frame = Array.from({ length: Math.floor(rnd() * 80) }, () => String.fromCharCode(32 + Math.floor(rnd() * 95))).join(''); // printable junk
    }
    const kindOf = decodeFrame(frame, () => {}, stats);
    kinds[kindOf]++;
    if (bytes && kindOf === FrameKind.Pricing && checked < 20_000 && !hasLooseVarint32(bytes)) {
      // The hand reader is stricter than protobufjs (wire types, groups, field 0); what it accepts,
      // protobufjs reads to the same values. Strings are compared where the bytes are valid UTF-8
      // (where not, ours has U+FFFD as TextDecoder makes it; protobufjs decodes loosely).
      const ours = decodePricingData(bytes)!;
      const theirs = PricingType.decode(bytes) as unknown as Record<string, unknown>;
      for (const f of FIELDS) {
        const expected = theirValue(theirs[f.name]) ?? (f.type === 'string' ? '' : 0);
        if (f.type === 'string' && (ours[f.ours] as string).includes('\ufffd')) continue;
        assert.ok(Object.is(ours[f.ours], expected), `frame ${i}: ${f.name}: ours ${String(ours[f.ours])}, protobufjs ${String(expected)}`);
      }
      checked++;
    }
  }
  assert.equal(stats.frames, 100_000);
  assert.equal(stats.messages, kinds[FrameKind.Pricing]);
  assert.equal(stats.malformedFrames, kinds[FrameKind.Malformed]);
  assert.equal(stats.ignoredFrames, kinds[FrameKind.Ignored]);
  assert.equal(stats.messages + stats.malformedFrames + stats.ignoredFrames, stats.frames);
  assert.ok(stats.malformedFrames > 40_000, `malformed ${stats.malformedFrames}`);
  assert.ok(checked > 5_000, `checked ${checked}`);
});

// --- normalize: PricingData → Tick -------------------------------------------------------------

test('normalize: a full message becomes a Tick at priceHint decimals; zeros (proto3 "not sent") are left out', () => {
  const p: PricingData = {
    ...emptyPricingData(),
    id: 'RELIANCE.NS',
    price: Math.fround(2885.2),
    time: 1732512345678,
    quoteType: QuoteType.EQUITY,
    dayVolume: 3_810_000,
    lastSize: 25,
    openPrice: Math.fround(2860.05),
    dayHigh: Math.fround(2891.9),
    dayLow: Math.fround(2855.1),
    previousClose: Math.fround(2921.7),
    bid: Math.fround(2885.15),
    bidSize: 120,
    ask: Math.fround(2885.25),
    askSize: 80,
    priceHint: 2,
  };
  assert.deepEqual(pricingToTick(p, 7, 1732512345900), {
    instrumentId: 7,
    tsExchange: 1732512345678,
    tsReceived: 1732512345900,
    ltp: 2885.2,
    ltq: 25,
    volume: 3_810_000,
    open: 2860.05,
    high: 2891.9,
    low: 2855.1,
    close: 2921.7, // the previous session's close, as Kite's and Dhan's ticks carry it
    bid: 2885.15,
    ask: 2885.25,
    bidQty: 120,
    askQty: 80,
  });
  // An index: no volume, no quote, no time → receive time; no priceHint → shortest float32 decimal.
  const nifty = { ...emptyPricingData(), id: '^NSEI', price: Math.fround(24850.35), quoteType: QuoteType.INDEX, previousClose: Math.fround(24768.3) };
  assert.deepEqual(pricingToTick(nifty, 1, 5), { instrumentId: 1, tsExchange: 5, tsReceived: 5, ltp: 24850.35, close: 24768.3 });
  // An option's open interest.
  assert.equal(pricingToTick({ ...p, quoteType: QuoteType.OPTION, openInterest: 4_500_000 }, 7, 0)!.oi, 4_500_000);
});

test('normalize: heartbeats and messages without a price are no Tick', () => {
  assert.equal(pricingToTick({ ...emptyPricingData(), id: 'X', quoteType: QuoteType.HEARTBEAT, price: 1 }, 1, 0), null);
  assert.equal(pricingToTick({ ...emptyPricingData(), id: 'X', dayVolume: 10 }, 1, 0), null);
  assert.equal(pricingToTick({ ...emptyPricingData(), id: 'CL=F', price: Math.fround(-37.63), priceHint: 2 }, 1, 0)!.ltp, -37.63);
});
