// DhanHQ v2 main binary feed (specs/dhan.md §2–§3), little-endian, pure: bytes in, packets out.
// 8-byte header [code u8][length u16 (whole packet)][segment u8][securityId u32], several packets
// per frame walked by the length field. The 20/200-level depth feeds are depth-codec.ts.

// LTT counts seconds from 1970-01-01 00:00 IST, not UTC (§2.8).
import { IST_OFFSET_S } from '../../../shared/ist';
import { newDepthBook } from '../../../shared/model';

export const DHAN_SEGMENTS: Record<number, string> = {
  0: 'IDX_I',
  1: 'NSE_EQ',
  2: 'NSE_FNO',
  3: 'NSE_CURRENCY',
  4: 'BSE_EQ',
  5: 'MCX_COMM',
  7: 'BSE_CURRENCY',
  8: 'BSE_FNO',
};

export const FEED_HEADER = 8;

const SIZES: Record<number, number> = { 1: 16, 2: 16, 4: 50, 5: 12, 6: 16, 7: 8, 8: 162, 50: 10 };

export type DhanPacket =
  | { code: 1 | 2; kind: 'ticker'; segment: number; securityId: number; ltp: number; ltt: number | null }
  | {
      code: 4;
      kind: 'quote';
      segment: number;
      securityId: number;
      ltp: number;
      ltq: number;
      ltt: number | null;
      atp: number;
      volume: number;
      totalSellQty: number;
      totalBuyQty: number;
      open: number;
      close: number;
      high: number;
      low: number;
    }
  | { code: 5; kind: 'oi'; segment: number; securityId: number; oi: number }
  | { code: 6; kind: 'prevClose'; segment: number; securityId: number; prevClose: number; prevOi: number }
  | { code: 7; kind: 'marketStatus'; segment: number; securityId: number }
  | {
      code: 8;
      kind: 'full';
      segment: number;
      securityId: number;
      ltp: number;
      ltq: number;
      ltt: number | null;
      atp: number;
      volume: number;
      totalSellQty: number;
      totalBuyQty: number;
      oi: number;
      oiDayHigh: number;
      oiDayLow: number;
      open: number;
      close: number;
      high: number;
      low: number;
      /** DepthBook layout, 5 levels. */
      depth: Float64Array;
    }
  | { code: 50; kind: 'disconnect'; segment: number; securityId: number; reason: number };

export interface DhanDecodeStats {
  frames: number;
  packets: number;
  /** Frames with a bad length, truncated packets or an impossible row count (the rest of the frame is skipped). */
  malformed: number;
  /** Packets with a code this decoder does not know (skipped by their length). */
  unknown: number;
}

export function newDhanStats(): DhanDecodeStats {
  return { frames: 0, packets: 0, malformed: 0, unknown: 0 };
}

/**
 * Prices arrive as float32 (e.g. 247.8000030517578). With the instrument's tick size they are
 * rounded to the tick; without one (`decode` has no instrument list), to the paisa, or to 4
 * decimals on the currency segments (ticks of ₹0.0025). Not to 7 significant digits: a float32
 * holds ₹1,34,567.25 exactly, and 7 digits would print it as 134567.3.
 */
export type TickSizeOf = (segment: number, securityId: number) => number | undefined;

/** Segments quoted to 4 decimals: NSE_CURRENCY, BSE_CURRENCY. */
const CURRENCY_SEGMENTS = new Set([3, 7]);

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8];
/** Decimals of a tick size (0.05 → 2, 0.0025 → 4), cached: a feed has few distinct ticks. */
const tickDecimals = new Map<number, number>();

/**
 * A float32 price from the wire as the exchange quoted it: on the instrument's tick when known,
 * else to the paisa (currencies: 4 decimals). Arithmetic, not toFixed (13 % of a 20-level decode):
 * the same result for every price a feed sends (codec.test.ts compares the two over random prices).
 */
export function roundPrice(v: number, tick: number | undefined, segment: number): number {
  if (v === 0 || !Number.isFinite(v)) return v;
  if (tick && tick > 0) {
    let d = tickDecimals.get(tick);
    if (d === undefined) tickDecimals.set(tick, (d = Math.min(8, Math.max(0, Math.ceil(-Math.log10(tick) - 1e-9) + 1))));
    const p = POW10[d];
    return Math.round(Math.round(v / tick) * tick * p) / p;
  }
  const p = CURRENCY_SEGMENTS.has(segment) ? 1e4 : 100;
  return Math.round(v * p) / p;
}

function ltt(seconds: number): number | null {
  return seconds === 0 ? null : (seconds - IST_OFFSET_S) * 1000;
}

function decodeFeedPacket(v: DataView, o: number, code: number, tickOf?: TickSizeOf): DhanPacket | null {
  const segment = v.getUint8(o + 3);
  const securityId = v.getUint32(o + 4, true);
  const tick = tickOf?.(segment, securityId);
  const px = (off: number) => roundPrice(v.getFloat32(o + off, true), tick, segment);
  switch (code) {
    case 1:
    case 2:
      return { code, kind: 'ticker', segment, securityId, ltp: px(8), ltt: ltt(v.getUint32(o + 12, true)) };
    case 4:
      return {
        code,
        kind: 'quote',
        segment,
        securityId,
        ltp: px(8),
        ltq: v.getUint16(o + 12, true),
        ltt: ltt(v.getUint32(o + 14, true)),
        atp: px(18),
        volume: v.getUint32(o + 22, true),
        totalSellQty: v.getUint32(o + 26, true),
        totalBuyQty: v.getUint32(o + 30, true),
        open: px(34),
        close: px(38),
        high: px(42),
        low: px(46),
      };
    case 5:
      return { code, kind: 'oi', segment, securityId, oi: v.getUint32(o + 8, true) };
    case 6:
      return { code, kind: 'prevClose', segment, securityId, prevClose: px(8), prevOi: v.getUint32(o + 12, true) };
    case 7:
      return { code, kind: 'marketStatus', segment, securityId };
    case 8: {
      const depth = newDepthBook(5);
      for (let i = 0; i < 5; i++) {
        const b = o + 62 + 20 * i;
        depth[5 + i] = v.getUint32(b, true); // bid qty
        depth[20 + i] = v.getUint32(b + 4, true); // ask qty
        depth[10 + i] = v.getUint16(b + 8, true); // bid orders
        depth[25 + i] = v.getUint16(b + 10, true); // ask orders
        depth[i] = roundPrice(v.getFloat32(b + 12, true), tick, segment); // bid price
        depth[15 + i] = roundPrice(v.getFloat32(b + 16, true), tick, segment); // ask price
      }
      return {
        code,
        kind: 'full',
        segment,
        securityId,
        ltp: px(8),
        ltq: v.getUint16(o + 12, true),
        ltt: ltt(v.getUint32(o + 14, true)),
        atp: px(18),
        volume: v.getUint32(o + 22, true),
        totalSellQty: v.getUint32(o + 26, true),
        totalBuyQty: v.getUint32(o + 30, true),
        oi: v.getUint32(o + 34, true),
        oiDayHigh: v.getUint32(o + 38, true),
        oiDayLow: v.getUint32(o + 42, true),
        open: px(46),
        close: px(50),
        high: px(54),
        low: px(58),
        depth,
      };
    }
    case 50:
      return { code, kind: 'disconnect', segment, securityId, reason: v.getUint16(o + 8, true) };
  }
  return null;
}

/**
 * Walks a main-feed frame packet by packet. A packet whose declared length is shorter than its
 * kind needs, or runs past the frame, makes the rest of the frame malformed (counted, skipped);
 * packets before it are still delivered. Never throws on bad input.
 */
export function decodeFeedFrame(buf: Uint8Array, onPacket: (p: DhanPacket) => void, stats = newDhanStats(), tickOf?: TickSizeOf): void {
  stats.frames++;
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let o = 0;
  while (o < buf.byteLength) {
    if (buf.byteLength - o < FEED_HEADER) {
      stats.malformed++;
      return;
    }
    const code = v.getUint8(o);
    const len = v.getUint16(o + 1, true);
    if (len < FEED_HEADER || o + len > buf.byteLength) {
      stats.malformed++;
      return;
    }
    const need = SIZES[code];
    if (need === undefined) stats.unknown++;
    else if (len < need) {
      stats.malformed++;
      return;
    } else {
      stats.packets++;
      onPacket(decodeFeedPacket(v, o, code, tickOf)!);
    }
    o += len;
  }
}

// --- encoders (the simulators use them; tests build frames with them) ------------------------

export function encodeFeedPacket(p: DhanPacket): Buffer {
  const size = SIZES[p.code];
  const b = Buffer.alloc(size);
  b.writeUInt8(p.code, 0);
  b.writeUInt16LE(size, 1);
  b.writeUInt8(p.segment, 3);
  b.writeUInt32LE(p.securityId, 4);
  const ist = (ms: number | null) => (ms === null ? 0 : Math.floor(ms / 1000) + IST_OFFSET_S);
  switch (p.kind) {
    case 'ticker':
      b.writeFloatLE(p.ltp, 8);
      b.writeUInt32LE(ist(p.ltt), 12);
      break;
    case 'quote':
    case 'full': {
      b.writeFloatLE(p.ltp, 8);
      b.writeUInt16LE(p.ltq & 0xffff, 12);
      b.writeUInt32LE(ist(p.ltt), 14);
      b.writeFloatLE(p.atp, 18);
      b.writeUInt32LE(p.volume, 22);
      b.writeUInt32LE(p.totalSellQty, 26);
      b.writeUInt32LE(p.totalBuyQty, 30);
      const base = p.kind === 'quote' ? 34 : 46;
      if (p.kind === 'full') {
        b.writeUInt32LE(p.oi, 34);
        b.writeUInt32LE(p.oiDayHigh, 38);
        b.writeUInt32LE(p.oiDayLow, 42);
        for (let i = 0; i < 5; i++) {
          const o = 62 + 20 * i;
          b.writeUInt32LE(p.depth[5 + i], o);
          b.writeUInt32LE(p.depth[20 + i], o + 4);
          b.writeUInt16LE(p.depth[10 + i], o + 8);
          b.writeUInt16LE(p.depth[25 + i], o + 10);
          b.writeFloatLE(p.depth[i], o + 12);
          b.writeFloatLE(p.depth[15 + i], o + 16);
        }
      }
      b.writeFloatLE(p.open, base);
      b.writeFloatLE(p.close, base + 4);
      b.writeFloatLE(p.high, base + 8);
      b.writeFloatLE(p.low, base + 12);
      break;
    }
    case 'oi':
      b.writeUInt32LE(p.oi, 8);
      break;
    case 'prevClose':
      b.writeFloatLE(p.prevClose, 8);
      b.writeUInt32LE(p.prevOi, 12);
      break;
    case 'disconnect':
      b.writeUInt16LE(p.reason, 8);
      break;
  }
  return b;
}
