import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mulberry32 } from '../../sim/market/random';
import { decodeFeedFrame, encodeFeedPacket, newDhanStats, roundPrice, type DhanPacket } from './codec';
import { decodeDepthFrame, encodeDepthDisconnect, encodeDepthSide, type DhanDepthDisconnect, type DhanDepthSide } from './depth-codec';

const collect = (buf: Buffer, tick?: number) => {
  const out: DhanPacket[] = [];
  const stats = newDhanStats();
  decodeFeedFrame(buf, (p) => out.push(p), stats, tick ? () => tick : undefined);
  return { out, stats };
};

test('the real 162-byte Full packet header from DhanHQ-py#90: NSE_FNO 55796 @ 152.30, LE, length = whole packet', () => {
  const frame = Buffer.alloc(162);
  Buffer.from('08a20002f4d90000cd4c1843', 'hex').copy(frame, 0);
  const { out, stats } = collect(frame, 0.05);
  assert.equal(stats.malformed, 0);
  assert.equal(out.length, 1);
  const p = out[0];
  assert.equal(p.kind, 'full');
  assert.equal(p.segment, 2);
  assert.equal(p.securityId, 55796);
  assert.equal(p.kind === 'full' && p.ltp, 152.3);
});

const T = Date.parse('2026-11-20T09:20:05Z');

test('every main-feed packet kind round-trips; LTT is IST-based seconds, converted to UTC', () => {
  const depth = new Float64Array(30);
  for (let i = 0; i < 5; i++) {
    depth[i] = Math.round((2450 - i * 0.05) * 100) / 100;
    depth[5 + i] = 100 + i;
    depth[10 + i] = 1 + i;
    depth[15 + i] = Math.round((2450.05 + i * 0.05) * 100) / 100;
    depth[20 + i] = 200 + i;
    depth[25 + i] = 2 + i;
  }
  const packets: DhanPacket[] = [
    { code: 2, kind: 'ticker', segment: 1, securityId: 1333, ltp: 1650.35, ltt: T },
    { code: 1, kind: 'ticker', segment: 0, securityId: 13, ltp: 24531.55, ltt: T },
    { code: 4, kind: 'quote', segment: 1, securityId: 1333, ltp: 1650.35, ltq: 25, ltt: T, atp: 1648.2, volume: 123456, totalSellQty: 5000, totalBuyQty: 6000, open: 1640, close: 1645.5, high: 1655, low: 1638.05 },
    { code: 5, kind: 'oi', segment: 2, securityId: 55796, oi: 1234567 },
    { code: 6, kind: 'prevClose', segment: 0, securityId: 13, prevClose: 24400.1, prevOi: 0 },
    { code: 7, kind: 'marketStatus', segment: 0, securityId: 0 },
    { code: 8, kind: 'full', segment: 2, securityId: 55796, ltp: 2450, ltq: 75, ltt: T, atp: 2449.5, volume: 987654, totalSellQty: 11, totalBuyQty: 22, oi: 333, oiDayHigh: 444, oiDayLow: 222, open: 2440, close: 2445, high: 2460, low: 2430.5, depth },
    { code: 50, kind: 'disconnect', segment: 0, securityId: 0, reason: 807 },
  ];
  // Stacked: all packets in one frame.
  const { out, stats } = collect(Buffer.concat(packets.map(encodeFeedPacket)), 0.05);
  assert.deepEqual(stats, { frames: 1, packets: 8, malformed: 0, unknown: 0 });
  assert.deepEqual(out, packets);
  // Split: one packet per frame gives the same.
  const split = packets.map((p) => collect(encodeFeedPacket(p), 0.05).out[0]);
  assert.deepEqual(split, packets);
  // Wire LTT is UTC seconds + 19800.
  assert.equal(encodeFeedPacket(packets[0]).readUInt32LE(12), T / 1000 + 19800);
});

test('float32 prices are rounded to the tick (or, without one, to the paisa; currencies to 4 decimals)', () => {
  const b = encodeFeedPacket({ code: 2, kind: 'ticker', segment: 1, securityId: 1, ltp: 247.8, ltt: null });
  assert.notEqual(b.readFloatLE(8), 247.8, 'float32 cannot hold 247.8 exactly');
  assert.equal((collect(b).out[0] as { ltp: number }).ltp, 247.8);
  assert.equal((collect(b, 0.05).out[0] as { ltp: number }).ltp, 247.8);
  const c = encodeFeedPacket({ code: 2, kind: 'ticker', segment: 3, securityId: 1, ltp: 84.2575, ltt: null });
  assert.equal((collect(c, 0.0025).out[0] as { ltp: number }).ltp, 84.2575);
  assert.equal((collect(c).out[0] as { ltp: number }).ltp, 84.2575, 'a currency without its tick keeps 4 decimals');
  // Above ₹1 lakh, 7 significant digits lose the paisa (134567.3); float32 holds .25 exactly.
  for (const [segment, price] of [
    [1, 134567.25],
    [0, 81234.55], // SENSEX-sized index
    [5, 245678.5], // MCX
    [2, 0.05],
  ] as const) {
    const full = encodeFeedPacket({ code: 4, kind: 'quote', segment, securityId: 1, ltp: price, ltq: 1, ltt: null, atp: price, volume: 1, totalSellQty: 0, totalBuyQty: 0, open: price, close: price, high: price, low: price });
    const q = collect(full).out[0] as { ltp: number; atp: number; open: number; close: number; high: number; low: number };
    assert.deepEqual([q.ltp, q.atp, q.open, q.close, q.high, q.low], [price, price, price, price, price, price], `segment ${segment} ${price}`);
  }
});

test('unknown codes are skipped by length; bad lengths and truncation are counted, earlier packets kept', () => {
  const good = encodeFeedPacket({ code: 5, kind: 'oi', segment: 2, securityId: 9, oi: 5 });
  const unknown = Buffer.from([0, 12, 0, 1, 9, 0, 0, 0, 1, 2, 3, 4]);
  const r1 = collect(Buffer.concat([unknown, good]));
  assert.deepEqual(r1.stats, { frames: 1, packets: 1, malformed: 0, unknown: 1 });
  const truncated = Buffer.concat([good, encodeFeedPacket({ code: 2, kind: 'ticker', segment: 1, securityId: 1, ltp: 1, ltt: null }).subarray(0, 10)]);
  const r2 = collect(truncated);
  assert.equal(r2.out.length, 1);
  assert.equal(r2.stats.malformed, 1);
  const lying = Buffer.from(good);
  lying.writeUInt16LE(9, 1); // says 9 bytes: too short for an OI packet (12)
  assert.equal(collect(lying).stats.malformed, 1);
});

const levels = (n: number, from: number, step: number) =>
  Array.from({ length: n }, (_, i) => ({ price: Math.round((from + step * i) * 100) / 100, qty: 10 * (i + 1), orders: i + 1 }));

test('20-level depth: 332-byte sides stacked per instrument, zero levels dropped, sides sorted best first', () => {
  const bid1 = encodeDepthSide(20, 'bid', 1, 1333, levels(20, 1650, -0.05), 7);
  const ask1 = encodeDepthSide(20, 'ask', 1, 1333, levels(12, 1650.05, 0.05).reverse(), 7);
  const bid2 = encodeDepthSide(20, 'bid', 2, 55796, levels(20, 2450, -0.05), 3);
  assert.equal(bid1.length, 332);
  const out: Array<DhanDepthSide | DhanDepthDisconnect> = [];
  const stats = newDhanStats();
  decodeDepthFrame(Buffer.concat([bid1, ask1, bid2]), 20, (p) => out.push(p), stats);
  assert.deepEqual(stats, { frames: 1, packets: 3, malformed: 0, unknown: 0 });
  const [b, a, b2] = out as DhanDepthSide[];
  assert.deepEqual([b.side, b.securityId, b.levels, b.seqOrRows, b.price[0], b.qty[0], b.orders[19]], ['bid', 1333, 20, 7, 1650, 10, 20]);
  assert.equal(a.levels, 12, 'the 8 empty levels are dropped');
  assert.deepEqual([...a.price.slice(0, 3)], [1650.05, 1650.1, 1650.15], 'asks ascending, best first');
  assert.ok(a.price.every((p, i) => i === 0 || p > a.price[i - 1]));
  assert.equal(b2.securityId, 55796);
});

test('200-level depth: variable rows, bid+ask in one frame or apart, rows > 200 rejected, disconnect reason', () => {
  const bid = encodeDepthSide(200, 'bid', 2, 55796, levels(200, 2450, -0.05));
  const ask = encodeDepthSide(200, 'ask', 2, 55796, levels(37, 2450.05, 0.05));
  assert.equal(bid.length, 12 + 200 * 16);
  assert.equal(ask.length, 12 + 37 * 16);
  const out: Array<DhanDepthSide | DhanDepthDisconnect> = [];
  const stats = newDhanStats();
  decodeDepthFrame(Buffer.concat([bid, ask]), 200, (p) => out.push(p), stats);
  decodeDepthFrame(ask, 200, (p) => out.push(p), stats);
  assert.deepEqual(out.map((p) => (p.kind === 'depth' ? [p.side, p.levels] : p.kind)), [['bid', 200], ['ask', 37], ['ask', 37]]);
  const tooMany = Buffer.from(bid);
  tooMany.writeUInt32LE(201, 8);
  decodeDepthFrame(tooMany, 200, (p) => out.push(p), stats);
  assert.equal(stats.malformed, 1);
  const bye: Array<DhanDepthSide | DhanDepthDisconnect> = [];
  decodeDepthFrame(Buffer.concat([encodeDepthDisconnect(2, 55796, 805), ask]), 200, (p) => bye.push(p));
  assert.deepEqual(bye[0], { kind: 'disconnect', segment: 2, securityId: 55796, reason: 805 });
  assert.equal(bye.length, 2, 'packets stacked after a disconnect are still read');
});

test('fuzz: 100,000 random and truncated frames per codec, nothing thrown, every bad frame counted', () => {
  const rnd = mulberry32(99);
  const byte = () => Math.floor(rnd() * 256);
  const samples = [
    encodeFeedPacket({ code: 8, kind: 'full', segment: 2, securityId: 1, ltp: 1, ltq: 1, ltt: T, atp: 1, volume: 1, totalSellQty: 1, totalBuyQty: 1, oi: 1, oiDayHigh: 1, oiDayLow: 1, open: 1, close: 1, high: 1, low: 1, depth: new Float64Array(30) }),
    encodeFeedPacket({ code: 4, kind: 'quote', segment: 1, securityId: 2, ltp: 1, ltq: 1, ltt: T, atp: 1, volume: 1, totalSellQty: 1, totalBuyQty: 1, open: 1, close: 1, high: 1, low: 1 }),
  ];
  const depthSamples = [encodeDepthSide(200, 'bid', 2, 1, levels(50, 100, -0.05)), encodeDepthSide(20, 'ask', 1, 1, levels(20, 100, 0.05))];
  for (const [name, run] of [
    ['feed', (b: Buffer, s: ReturnType<typeof newDhanStats>) => decodeFeedFrame(b, () => {}, s)],
    ['depth20', (b: Buffer, s: ReturnType<typeof newDhanStats>) => decodeDepthFrame(b, 20, () => {}, s)],
    ['depth200', (b: Buffer, s: ReturnType<typeof newDhanStats>) => decodeDepthFrame(b, 200, () => {}, s)],
  ] as const) {
    const stats = newDhanStats();
    let truncated = 0;
    for (let i = 0; i < 100_000; i++) {
      let b: Buffer;
      if (i % 2 === 0) {
        b = Buffer.alloc(1 + Math.floor(rnd() * 300));
        for (let k = 0; k < b.length; k++) b[k] = byte();
      } else {
        const src = (name === 'feed' ? samples : depthSamples)[i % 4 < 2 ? 0 : 1];
        b = src.subarray(0, 1 + Math.floor(rnd() * (src.length - 1))); // always short of a whole packet
        truncated++;
      }
      run(b, stats);
    }
    assert.equal(stats.frames, 100_000, name);
    assert.ok(stats.malformed >= truncated, `${name}: ${stats.malformed} malformed ≥ ${truncated} truncated`);
  }
});

test('prices round arithmetically exactly as toFixed did, for every float32 price a feed sends', () => {
  const rnd = mulberry32(77);
  const old = (v: number, tick: number | undefined, segment: number) => {
    if (v === 0 || !Number.isFinite(v)) return v;
    if (tick && tick > 0) {
      const decimals = Math.min(8, Math.max(0, Math.ceil(-Math.log10(tick) - 1e-9) + 1));
      return Number((Math.round(v / tick) * tick).toFixed(decimals));
    }
    return Number(v.toFixed(segment === 3 || segment === 7 ? 4 : 2));
  };
  const f32 = new Float32Array(1);
  for (let k = 0; k < 200_000; k++) {
    const tick = [0.05, 0.01, 0.0025, 1, 0.1, undefined][k % 6];
    const segment = [1, 2, 3, 5, 7][k % 5];
    const step = tick ?? (segment === 3 || segment === 7 ? 0.0025 : 0.05);
    f32[0] = Math.round((rnd() * 60_000) / step) * step;
    assert.equal(roundPrice(f32[0], tick, segment), old(f32[0], tick, segment), `${f32[0]} tick ${tick} segment ${segment}`);
  }
});
