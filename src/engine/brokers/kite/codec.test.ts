import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { depthToLevels } from '../../../shared/model';
import {
  decodeFrame,
  decodeFramePackets,
  encodeFrame,
  FrameKind,
  newDecodeStats,
  packetSize,
  parseTextFrame,
  type KiteMode,
  type KitePacket,
} from './codec';
import { mulberry32 } from '../../sim/market/random';

const FIXTURES = new URL('../../../../test/fixtures/kite/', import.meta.url);
const require = createRequire(import.meta.url);
// The official client is the oracle. parseBinary is a public instance method (specs/kite.md §7.2).
const { KiteTicker } = require('kiteconnect') as { KiteTicker: new (p: object) => { parseBinary(b: Buffer): any[] } };
const official = new KiteTicker({ api_key: 'k', access_token: 't', reconnect: false });

function framed(packet: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt16BE(1, 0);
  head.writeUInt16BE(packet.length, 2);
  return Buffer.concat([head, packet]);
}

function fixturePacket(name: string): Buffer {
  return Buffer.from(readFileSync(new URL(name, FIXTURES), 'utf8').trim(), 'base64');
}

test('decodes the official quote fixture to the documented values', () => {
  const [p] = decodeFramePackets(framed(fixturePacket('ticker_quote.packet')));
  assert.deepEqual(
    { ...p, change: undefined },
    {
      token: 408065,
      segment: 1,
      mode: 'quote',
      tradable: true,
      ltp: 1573.15,
      ltq: 1,
      atp: 1570.33,
      volume: 1175986,
      totalBuyQty: 256511,
      totalSellQty: 360503,
      open: 1569.15,
      high: 1575,
      low: 1561.05,
      close: 1567.8,
      change: undefined,
    },
  );
  assert.ok(Math.abs(p.change! - ((1573.15 - 1567.8) * 100) / 1567.8) < 1e-12);
});

test('decodes the official full fixture, depth included, like ticker_full.json', () => {
  const expected = JSON.parse(readFileSync(new URL('ticker_full.json', FIXTURES), 'utf8'));
  const [p] = decodeFramePackets(framed(fixturePacket('ticker_full.packet')));
  assert.equal(p.mode, 'full');
  assert.equal(p.token, expected.instrument_token);
  assert.equal(p.ltp, expected.last_price);
  assert.equal(p.ltq, expected.last_quantity);
  assert.equal(p.atp, expected.average_price);
  assert.equal(p.volume, expected.volume);
  assert.equal(p.totalBuyQty, expected.buy_quantity);
  assert.equal(p.totalSellQty, expected.sell_quantity);
  assert.deepEqual({ open: p.open, high: p.high, low: p.low, close: p.close }, expected.ohlc);
  assert.equal(p.lastTradeTime, Date.parse(expected.last_trade_time));
  assert.equal(p.tsExchange, Date.parse(expected.timestamp));
  assert.equal(p.oi, 0);
  const { bids, asks } = depthToLevels(p.depth!);
  assert.deepEqual(
    bids.map((l) => ({ price: l.price, quantity: l.qty, orders: l.orders })),
    expected.depth.buy,
  );
  assert.deepEqual(
    asks.map((l) => ({ price: l.price, quantity: l.qty, orders: l.orders })),
    expected.depth.sell,
  );
});

test('decodes the kiteconnectjs ltp frame (884737 @ 392.95)', () => {
  const frame = Buffer.from('00010008000d80010000997f', 'hex');
  assert.deepEqual(decodeFramePackets(frame), [
    { token: 884737, segment: 1, mode: 'ltp', tradable: true, ltp: 392.95 },
  ]);
});

test('applies per-segment divisors: CDS 1e7, BCD 1e4, others 100', () => {
  const mk = (seg: number, raw: number) => {
    const b = Buffer.alloc(8);
    b.writeInt32BE((1234 << 8) | seg, 0);
    b.writeInt32BE(raw, 4);
    return decodeFramePackets(framed(b))[0].ltp;
  };
  assert.equal(mk(3, 832512500), 83.25125);
  assert.equal(mk(6, 832512), 83.2512);
  assert.equal(mk(1, 832512), 8325.12);
  assert.equal(mk(7, 832512), 8325.12);
});

test('index packets read H, L, O, C in that order', () => {
  const b = Buffer.alloc(32);
  b.writeInt32BE(256265, 0); // NIFTY 50, seg 9
  b.writeInt32BE(2000000, 4);
  b.writeInt32BE(2010000, 8); // high
  b.writeInt32BE(1990000, 12); // low
  b.writeInt32BE(1995000, 16); // open
  b.writeInt32BE(1980000, 20); // close
  b.writeInt32BE(20000, 24);
  b.writeInt32BE(1700000000, 28);
  const [p] = decodeFramePackets(framed(b));
  assert.equal(p.tradable, false);
  assert.equal(p.mode, 'full');
  assert.deepEqual([p.high, p.low, p.open, p.close, p.netChange], [20100, 19900, 19950, 19800, 200]);
  assert.equal(p.tsExchange, 1700000000000);
});

test('depth orders are 2 bytes; the 2 padding bytes are ignored', () => {
  const pkt = fixturePacket('ticker_full.packet');
  for (let i = 0; i < 10; i++) pkt.writeUInt16BE(0xffff, 64 + 12 * i + 10);
  const [p] = decodeFramePackets(framed(pkt));
  const { bids } = depthToLevels(p.depth!);
  assert.deepEqual(bids[0], { price: 1573.4, qty: 5, orders: 1 });
});

test('heartbeats, malformed frames and unknown packet lengths are counted, never thrown', () => {
  const stats = newDecodeStats();
  const seen: KitePacket[] = [];
  const on = (p: KitePacket) => seen.push(p);
  assert.equal(decodeFrame(Buffer.from([0]), on, stats), FrameKind.Heartbeat);
  assert.equal(decodeFrame(Buffer.from([0, 0]), on, stats), FrameKind.Heartbeat);
  const good = framed(fixturePacket('ticker_full.packet'));
  assert.equal(decodeFrame(good.subarray(0, good.length - 1), on, stats), FrameKind.Malformed); // truncated
  assert.equal(decodeFrame(Buffer.concat([good, Buffer.from([1])]), on, stats), FrameKind.Malformed); // trailing junk
  assert.equal(decodeFrame(Buffer.from([0xff, 0xff, 0, 8, 1, 2]), on, stats), FrameKind.Malformed); // impossible count
  assert.equal(decodeFrame(Buffer.alloc(0), on, stats), FrameKind.Malformed);
  const odd = Buffer.from([0, 2, 0, 3, 1, 2, 3, 0, 8, 0, 0, 1, 1, 0, 0, 0, 100]);
  assert.equal(decodeFrame(odd, on, stats), FrameKind.Packets);
  assert.deepEqual(stats, { frames: 7, heartbeats: 2, packets: 1, unknownPackets: 1, malformedFrames: 4 });
  assert.deepEqual(seen, [{ token: 257, segment: 1, mode: 'ltp', tradable: true, ltp: 1 }]);
});

test('random garbage never throws and is counted', () => {
  const rnd = mulberry32(7);
  const stats = newDecodeStats();
  const kinds = [0, 0, 0];
  for (let i = 0; i < 20000; i++) {
    const len = Math.floor(rnd() * 400);
    const b = Buffer.alloc(len);
    for (let j = 0; j < len; j++) b[j] = Math.floor(rnd() * 256);
    if (len > 4 && rnd() < 0.5) b.writeUInt16BE(1 + Math.floor(rnd() * 3), 0);
    kinds[decodeFrame(b, () => {}, stats)]++;
  }
  assert.equal(stats.frames, 20000);
  assert.equal(stats.heartbeats, kinds[FrameKind.Heartbeat]);
  assert.equal(stats.malformedFrames, kinds[FrameKind.Malformed]);
  assert.ok(stats.malformedFrames > 15000);
});

test('text frames: order, error, message; unknown types and bad JSON ignored', () => {
  assert.deepEqual(parseTextFrame('{"type":"error","data":"Can\'t subscribe to more than 3000 instruments."}'), {
    type: 'error',
    data: "Can't subscribe to more than 3000 instruments.",
  });
  assert.deepEqual(parseTextFrame('{"type":"message","data":"hi"}'), { type: 'message', data: 'hi' });
  const postback = JSON.parse(readFileSync(new URL('postback.json', FIXTURES), 'utf8'));
  assert.deepEqual(parseTextFrame(JSON.stringify({ type: 'order', data: postback })), { type: 'order', data: postback });
  assert.equal(parseTextFrame('{"type":"instruments_meta","data":{"count":1}}'), null);
  assert.equal(parseTextFrame('{not json'), null);
  assert.equal(parseTextFrame('null'), null);
});

// --- oracle: the official parser and ours agree on every field both produce -------------------

function randomPacket(rnd: () => number): Buffer {
  const seg = 1 + Math.floor(rnd() * 9);
  const modes: KiteMode[] = ['ltp', 'quote', 'full'];
  const mode = modes[Math.floor(rnd() * 3)];
  const size = packetSize(mode, seg);
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i += 4) b.writeUInt32BE(Math.floor(rnd() * 2 ** 32) >>> 0, i);
  // Occasionally zero fields, so null timestamps and close = 0 are covered.
  for (let i = 8; i < size; i += 4) if (rnd() < 0.1) b.writeUInt32BE(0, i);
  const token = ((Math.floor(rnd() * 2 ** 23) << 8) | seg) >>> 0;
  b.writeUInt32BE(token, 0);
  return b;
}

function compareWithOfficial(ours: KitePacket, theirs: any, where: string): void {
  const eq = (a: unknown, b: unknown, field: string) => assert.deepEqual(a, b, `${where}: ${field}`);
  eq(ours.token, theirs.instrument_token, 'token');
  eq(ours.tradable, theirs.tradable, 'tradable');
  eq(ours.mode, theirs.mode, 'mode');
  eq(ours.ltp, theirs.last_price, 'last_price');
  if (ours.mode === 'ltp') return;
  eq(ours.open, theirs.ohlc.open, 'open');
  eq(ours.high, theirs.ohlc.high, 'high');
  eq(ours.low, theirs.ohlc.low, 'low');
  eq(ours.close, theirs.ohlc.close, 'close');
  // specs/kite.md §2.8: with close = 0 the official client leaves the raw index field in `change`
  // (undivided); ours keeps that raw field as `netChange` and reports a 0 % change.
  if (ours.close !== 0) eq(ours.change, theirs.change, 'change');
  else if (!ours.tradable && ours.netChange !== undefined) eq(Math.round(ours.netChange * 100), theirs.change, 'raw change');
  else eq(ours.change, theirs.change, 'change');
  const ts = (d: Date | null | undefined) => (d ? d.getTime() : d);
  if (theirs.exchange_timestamp !== undefined) eq(ours.tsExchange, ts(theirs.exchange_timestamp), 'exchange_timestamp');
  if (!ours.tradable) return;
  eq(ours.ltq, theirs.last_traded_quantity, 'last_traded_quantity');
  eq(ours.atp, theirs.average_traded_price, 'average_traded_price');
  eq(ours.volume, theirs.volume_traded, 'volume_traded');
  eq(ours.totalBuyQty, theirs.total_buy_quantity, 'total_buy_quantity');
  eq(ours.totalSellQty, theirs.total_sell_quantity, 'total_sell_quantity');
  if (ours.mode !== 'full') return;
  eq(ours.lastTradeTime, ts(theirs.last_trade_time), 'last_trade_time');
  eq(ours.oi, theirs.oi, 'oi');
  eq(ours.oiDayHigh, theirs.oi_day_high, 'oi_day_high');
  eq(ours.oiDayLow, theirs.oi_day_low, 'oi_day_low');
  const book = ours.depth!;
  for (let i = 0; i < 5; i++) {
    eq(
      { quantity: book[5 + i], price: book[i], orders: book[10 + i] },
      theirs.depth.buy[i],
      `depth.buy[${i}]`,
    );
    eq(
      { quantity: book[20 + i], price: book[15 + i], orders: book[25 + i] },
      theirs.depth.sell[i],
      `depth.sell[${i}]`,
    );
  }
}

test('oracle: 10,000+ random packets in multi-packet frames decode like KiteTicker#parseBinary', () => {
  const rnd = mulberry32(20261122);
  let total = 0;
  const seen = new Set<string>();
  while (total < 12000) {
    const n = 1 + Math.floor(rnd() * 12);
    const packets = Array.from({ length: n }, () => randomPacket(rnd));
    const parts: Buffer[] = [Buffer.from([n >> 8, n & 0xff])];
    for (const p of packets) parts.push(Buffer.from([p.length >> 8, p.length & 0xff]), p);
    const frame = Buffer.concat(parts);
    const ours = decodeFramePackets(frame);
    const theirs = official.parseBinary(frame);
    assert.equal(ours.length, theirs.length);
    for (let i = 0; i < ours.length; i++) {
      compareWithOfficial(ours[i], theirs[i], `frame@${total} packet ${i}`);
      seen.add(`${ours[i].segment}/${ours[i].mode}`);
    }
    total += n;
  }
  assert.equal(seen.size, 27, 'every segment × mode was exercised');
});

test('encode → decode round trip, and the official parser reads our encoder', () => {
  const depth = new Float64Array(30);
  for (let i = 0; i < 5; i++) {
    depth[i] = (10000 - 5 * i) / 100;
    depth[5 + i] = 10 * (i + 1);
    depth[10 + i] = i + 1;
    depth[15 + i] = (10005 + 5 * i) / 100;
    depth[20 + i] = 20 * (i + 1);
    depth[25 + i] = i + 2;
  }
  const quote = {
    token: (47164 << 8) | 2,
    ltp: 100.05,
    ltq: 75,
    atp: 99.5,
    volume: 123456,
    totalBuyQty: 1000,
    totalSellQty: 2000,
    open: 98,
    high: 101,
    low: 97.5,
    close: 99,
    lastTradeTime: 1700000000000,
    oi: 5000,
    oiDayHigh: 6000,
    oiDayLow: 4000,
    tsExchange: 1700000001000,
    depth,
  };
  const frame = encodeFrame([
    { quote, mode: 'full' },
    { quote, mode: 'quote' },
    { quote: { token: 256265, ltp: 20000.5, close: 19900, high: 20100, low: 19800, open: 19950, tsExchange: 1700000000000 }, mode: 'full' },
  ]);
  const ours = decodeFramePackets(frame);
  const { change, segment, tradable, mode, token, netChange, ...fields } = ours[0];
  void change;
  void netChange;
  assert.deepEqual({ token, segment, tradable, mode }, { token: quote.token, segment: 2, tradable: true, mode: 'full' });
  const { token: _token, ...expected } = quote;
  void _token;
  assert.deepEqual(fields, expected);
  assert.equal(ours[1].mode, 'quote');
  assert.equal(ours[2].ltp, 20000.5);
  assert.equal(ours[2].netChange, 100.5);
  const theirs = official.parseBinary(frame);
  for (let i = 0; i < 3; i++) compareWithOfficial(ours[i], theirs[i], `encoded packet ${i}`);
});
