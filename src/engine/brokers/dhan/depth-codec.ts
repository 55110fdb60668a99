// DhanHQ v2 20- and 200-level depth feeds (specs/dhan.md §4), little-endian, pure: a 12-byte header
// [length u16][code u8][segment u8][securityId u32][seq|rows u32], then 16-byte levels
// [price f64][qty u32][orders u32], one side of a book per packet, packets stacked.
import { newDhanStats } from './codec';

export const DEPTH_HEADER = 12;
export const DEPTH_LEVEL = 16;
export const MAX_DEPTH_ROWS = 200;

export interface DhanDepthSide {
  kind: 'depth';
  side: 'bid' | 'ask';
  segment: number;
  securityId: number;
  /** 20-level feed: the message sequence; 200-level feed: the row count. */
  seqOrRows: number;
  levels: number;
  price: Float64Array;
  qty: Uint32Array;
  orders: Uint32Array;
}

export interface DhanDepthDisconnect {
  kind: 'disconnect';
  segment: number;
  securityId: number;
  reason: number;
}

/**
 * Walks a 20- or 200-level depth frame. 20-level packets are 332 bytes with 20 levels; 200-level
 * packets carry `rows` (≤ 200) levels. Zero-price levels are dropped; bids come out best (highest)
 * first and asks best (lowest) first whatever the server's order. The disconnect reason is read
 * as a u16 at offset 12 (the documented place), falling back to the u32 at offset 8.
 */
export function decodeDepthFrame(
  buf: Uint8Array,
  feed: 20 | 200,
  onPacket: (p: DhanDepthSide | DhanDepthDisconnect) => void,
  stats = newDhanStats(),
): void {
  stats.frames++;
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let o = 0;
  while (o < buf.byteLength) {
    if (buf.byteLength - o < DEPTH_HEADER) {
      stats.malformed++;
      return;
    }
    const len = v.getUint16(o, true);
    const code = v.getUint8(o + 2);
    const segment = v.getUint8(o + 3);
    const securityId = v.getUint32(o + 4, true);
    const word = v.getUint32(o + 8, true);
    if (len < DEPTH_HEADER || o + len > buf.byteLength) {
      stats.malformed++;
      return;
    }
    if (code === 50) {
      const reason = len >= 14 ? v.getUint16(o + 12, true) : word;
      stats.packets++;
      onPacket({ kind: 'disconnect', segment, securityId, reason: reason || word });
    } else if (code === 41 || code === 51) {
      const rows = feed === 20 ? 20 : word;
      if (rows > MAX_DEPTH_ROWS || DEPTH_HEADER + rows * DEPTH_LEVEL > len) {
        stats.malformed++;
        return;
      }
      const side = code === 41 ? 'bid' : 'ask';
      let price = new Float64Array(rows);
      let qty = new Uint32Array(rows);
      let orders = new Uint32Array(rows);
      let n = 0;
      let ordered = true;
      for (let i = 0; i < rows; i++) {
        const b = o + DEPTH_HEADER + DEPTH_LEVEL * i;
        const p = v.getFloat64(b, true);
        if (!(p > 0) || !Number.isFinite(p)) continue; // empty level
        if (n > 0 && (side === 'bid' ? p > price[n - 1] : p < price[n - 1])) ordered = false;
        price[n] = p;
        qty[n] = v.getUint32(b + 8, true);
        orders[n] = v.getUint32(b + 12, true);
        n++;
      }
      price = price.subarray(0, n);
      qty = qty.subarray(0, n);
      orders = orders.subarray(0, n);
      if (!ordered) {
        // The server's order is not promised: put the best level first.
        const idx = Array.from({ length: n }, (_, i) => i).sort((x, y) => (side === 'bid' ? price[y] - price[x] : price[x] - price[y]));
        price = Float64Array.from(idx, (i) => price[i]);
        qty = Uint32Array.from(idx, (i) => qty[i]);
        orders = Uint32Array.from(idx, (i) => orders[i]);
      }
      stats.packets++;
      onPacket({ kind: 'depth', side, segment, securityId, seqOrRows: word, levels: n, price, qty, orders });
    } else {
      stats.unknown++;
    }
    o += len;
  }
}

// --- encoders (the simulator uses them; tests build frames with them) ---------------------------

/** One side of a book as a depth packet: 20-level (fixed 332 bytes) or 200-level (12 + 16·rows). */
export function encodeDepthSide(
  feed: 20 | 200,
  side: 'bid' | 'ask',
  segment: number,
  securityId: number,
  levels: ReadonlyArray<{ price: number; qty: number; orders: number }>,
  seq = 0,
): Buffer {
  const rows = feed === 20 ? 20 : levels.length;
  const b = Buffer.alloc(DEPTH_HEADER + rows * DEPTH_LEVEL);
  b.writeUInt16LE(b.length, 0);
  b.writeUInt8(side === 'bid' ? 41 : 51, 2);
  b.writeUInt8(segment, 3);
  b.writeUInt32LE(securityId, 4);
  b.writeUInt32LE(feed === 20 ? seq : levels.length, 8);
  levels.slice(0, rows).forEach((l, i) => {
    const o = DEPTH_HEADER + DEPTH_LEVEL * i;
    b.writeDoubleLE(l.price, o);
    b.writeUInt32LE(l.qty, o + 8);
    b.writeUInt32LE(l.orders, o + 12);
  });
  return b;
}

/** The 14-byte depth disconnect packet; the reason is written at offset 12 (u16) and 8 (u32). */
export function encodeDepthDisconnect(segment: number, securityId: number, reason: number): Buffer {
  const b = Buffer.alloc(14);
  b.writeUInt16LE(14, 0);
  b.writeUInt8(50, 2);
  b.writeUInt8(segment, 3);
  b.writeUInt32LE(securityId, 4);
  b.writeUInt32LE(reason, 8);
  b.writeUInt16LE(reason, 12);
  return b;
}
