// Kite Connect v3 binary market-data codec (specs/kite.md §2). Pure: bytes in, packets out, no I/O.
//
// Frame:  [u16 N] ([u16 len][packet: len bytes]) × N, big-endian.
// Packet kind is chosen by length alone: 8 (ltp), 28/32 (index quote/full), 44/184 (quote/full).
// The docs type every 4-byte field as int32, so all 4-byte fields are read signed (as the official JS
// client effectively does); depth `orders` is a u16 followed by 2 bytes of padding.
import { newDepthBook, type DepthBook } from '../../../shared/model';

export type KiteMode = 'ltp' | 'quote' | 'full';

export const KITE_SEGMENT = {
  nse: 1,
  nfo: 2,
  cds: 3,
  bse: 4,
  bfo: 5,
  bcd: 6,
  mcx: 7,
  mcxsx: 8,
  indices: 9,
} as const;

export const KITE_EXCHANGE_OF_SEGMENT: Record<number, string> = {
  1: 'NSE',
  2: 'NFO',
  3: 'CDS',
  4: 'BSE',
  5: 'BFO',
  6: 'BCD',
  7: 'MCX',
  8: 'MCXSX',
  9: 'INDICES',
};

export const PACKET_LTP = 8;
export const PACKET_INDEX_QUOTE = 28;
export const PACKET_INDEX_FULL = 32;
export const PACKET_QUOTE = 44;
export const PACKET_FULL = 184;
export const DEPTH_LEVELS = 5;
export const MAX_TOKENS_PER_CONNECTION = 3000;
export const MAX_CONNECTIONS = 3;

export function segmentOf(token: number): number {
  return token & 0xff;
}

/** Price divisor per segment: CDS 1e7, BCD 1e4, everything else 100 (paise). */
export function priceDivisor(segment: number): number {
  return segment === 3 ? 10_000_000 : segment === 6 ? 10_000 : 100;
}

export function isTradable(segment: number): boolean {
  return segment !== KITE_SEGMENT.indices;
}

/** Wire size of a packet for a mode and segment (what the server sends). */
export function packetSize(mode: KiteMode, segment: number): number {
  if (mode === 'ltp') return PACKET_LTP;
  if (segment === KITE_SEGMENT.indices) return mode === 'quote' ? PACKET_INDEX_QUOTE : PACKET_INDEX_FULL;
  return mode === 'quote' ? PACKET_QUOTE : PACKET_FULL;
}

/** One decoded packet. Prices in rupees; times in ms UTC (null where the wire says 0). */
export interface KitePacket {
  token: number;
  segment: number;
  mode: KiteMode;
  tradable: boolean;
  ltp: number;
  ltq?: number;
  atp?: number;
  volume?: number;
  totalBuyQty?: number;
  totalSellQty?: number;
  open?: number;
  high?: number;
  low?: number;
  close?: number;
  /** Percent change of ltp over the previous close; 0 when close is 0. */
  change?: number;
  /** Index packets only: the raw "price change" field (bytes 24–28), divided like a price. */
  netChange?: number;
  lastTradeTime?: number | null;
  oi?: number;
  oiDayHigh?: number;
  oiDayLow?: number;
  tsExchange?: number | null;
  /** Full mode, tradable: 5 levels per side (see DepthBook layout). */
  depth?: DepthBook;
}

export const enum FrameKind {
  Heartbeat = 0,
  Packets = 1,
  Malformed = 2,
}

export interface DecodeStats {
  frames: number;
  heartbeats: number;
  packets: number;
  /** Packets of a length no mode produces: skipped, like the official clients do. */
  unknownPackets: number;
  /** Frames whose header or lengths do not add up: skipped whole. */
  malformedFrames: number;
}

export function newDecodeStats(): DecodeStats {
  return { frames: 0, heartbeats: 0, packets: 0, unknownPackets: 0, malformedFrames: 0 };
}

/**
 * Checks that a binary frame's packet count and lengths exactly cover its bytes.
 * Returns the packet count, 0 for a heartbeat/empty frame, or -1 when malformed.
 */
export function validateFrame(buf: Uint8Array): number {
  const len = buf.byteLength;
  if (len <= 2) return len === 2 && buf[0] === 0 && buf[1] === 0 ? 0 : len === 1 ? 0 : -1;
  const n = (buf[0] << 8) | buf[1];
  if (n === 0) return -1;
  let off = 2;
  for (let i = 0; i < n; i++) {
    if (off + 2 > len) return -1;
    const plen = (buf[off] << 8) | buf[off + 1];
    off += 2 + plen;
    if (off > len) return -1;
  }
  return off === len ? n : -1;
}

function readTime(view: DataView, off: number): number | null {
  const s = view.getInt32(off);
  return s === 0 ? null : s * 1000;
}

/** Decodes one packet of a known length at `off`. */
export function decodePacket(view: DataView, off: number, plen: number): KitePacket {
  const token = view.getInt32(off);
  const segment = token & 0xff;
  const div = priceDivisor(segment);
  const ltp = view.getInt32(off + 4) / div;
  if (plen === PACKET_LTP) return { token, segment, mode: 'ltp', tradable: segment !== 9, ltp };

  if (plen === PACKET_INDEX_QUOTE || plen === PACKET_INDEX_FULL) {
    const close = view.getInt32(off + 20) / div;
    const p: KitePacket = {
      token,
      segment,
      mode: plen === PACKET_INDEX_QUOTE ? 'quote' : 'full',
      tradable: segment !== 9,
      ltp,
      high: view.getInt32(off + 8) / div,
      low: view.getInt32(off + 12) / div,
      open: view.getInt32(off + 16) / div,
      close,
      netChange: view.getInt32(off + 24) / div,
      change: close !== 0 ? ((ltp - close) * 100) / close : 0,
    };
    if (plen === PACKET_INDEX_FULL) p.tsExchange = readTime(view, off + 28);
    return p;
  }

  const close = view.getInt32(off + 40) / div;
  const change = close !== 0 ? ((ltp - close) * 100) / close : 0;
  if (plen === PACKET_QUOTE) {
    return {
      token,
      segment,
      mode: 'quote',
      tradable: segment !== 9,
      ltp,
      ltq: view.getInt32(off + 8),
      atp: view.getInt32(off + 12) / div,
      volume: view.getInt32(off + 16),
      totalBuyQty: view.getInt32(off + 20),
      totalSellQty: view.getInt32(off + 24),
      open: view.getInt32(off + 28) / div,
      high: view.getInt32(off + 32) / div,
      low: view.getInt32(off + 36) / div,
      close,
      change,
    };
  }
  // Full packet: one object literal (one hidden class) and one typed array for the book.
  const book = newDepthBook(DEPTH_LEVELS);
  for (let i = 0, b = off + 64; i < DEPTH_LEVELS; i++, b += 12) {
    book[i + 5] = view.getInt32(b); // bid qty
    book[i] = view.getInt32(b + 4) / div; // bid price
    book[i + 10] = view.getUint16(b + 8); // bid orders
    book[i + 20] = view.getInt32(b + 60); // ask qty
    book[i + 15] = view.getInt32(b + 64) / div; // ask price
    book[i + 25] = view.getUint16(b + 68); // ask orders
  }
  const ltt = view.getInt32(off + 44);
  const ts = view.getInt32(off + 60);
  return {
    token,
    segment,
    mode: 'full',
    tradable: segment !== 9,
    ltp,
    ltq: view.getInt32(off + 8),
    atp: view.getInt32(off + 12) / div,
    volume: view.getInt32(off + 16),
    totalBuyQty: view.getInt32(off + 20),
    totalSellQty: view.getInt32(off + 24),
    open: view.getInt32(off + 28) / div,
    high: view.getInt32(off + 32) / div,
    low: view.getInt32(off + 36) / div,
    close,
    change,
    lastTradeTime: ltt === 0 ? null : ltt * 1000,
    oi: view.getInt32(off + 48),
    oiDayHigh: view.getInt32(off + 52),
    oiDayLow: view.getInt32(off + 56),
    tsExchange: ts === 0 ? null : ts * 1000,
    depth: book,
  };
}

/**
 * Decodes a whole binary frame, calling `onPacket` for each packet. A malformed frame is counted
 * and skipped whole (nothing emitted); this never throws on bad input.
 */
export function decodeFrame(
  buf: Uint8Array,
  onPacket: (p: KitePacket) => void,
  stats: DecodeStats = newDecodeStats(),
): FrameKind {
  stats.frames++;
  const n = validateFrame(buf);
  if (n < 0) {
    stats.malformedFrames++;
    return FrameKind.Malformed;
  }
  if (n === 0) {
    stats.heartbeats++;
    return FrameKind.Heartbeat;
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let off = 2;
  for (let i = 0; i < n; i++) {
    const plen = view.getUint16(off);
    off += 2;
    if (plen === PACKET_FULL || plen === PACKET_QUOTE || plen === PACKET_LTP || plen === PACKET_INDEX_FULL || plen === PACKET_INDEX_QUOTE) {
      stats.packets++;
      onPacket(decodePacket(view, off, plen));
    } else {
      stats.unknownPackets++;
    }
    off += plen;
  }
  return FrameKind.Packets;
}

/** Convenience: all packets of a frame as an array (tests, the `decode` command). */
export function decodeFramePackets(buf: Uint8Array, stats?: DecodeStats): KitePacket[] {
  const out: KitePacket[] = [];
  decodeFrame(buf, (p) => out.push(p), stats);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Encoding (used by the simulator and by tests to build frames).

/** Everything a packet of any mode may carry; missing fields are written as 0. */
export interface KiteQuote {
  token: number;
  ltp: number;
  ltq?: number;
  atp?: number;
  volume?: number;
  totalBuyQty?: number;
  totalSellQty?: number;
  open?: number;
  high?: number;
  low?: number;
  close?: number;
  lastTradeTime?: number | null;
  oi?: number;
  oiDayHigh?: number;
  oiDayLow?: number;
  tsExchange?: number | null;
  depth?: DepthBook;
}

function px(v: number | undefined, div: number): number {
  return v === undefined ? 0 : Math.round(v * div) | 0;
}
function int(v: number | undefined): number {
  return v === undefined ? 0 : v | 0;
}
function secs(ms: number | null | undefined): number {
  return ms ? Math.floor(ms / 1000) : 0;
}

/** Writes one packet in `mode` at `off` and returns its size. */
export function encodePacket(view: DataView, off: number, q: KiteQuote, mode: KiteMode): number {
  const segment = q.token & 0xff;
  const div = priceDivisor(segment);
  const size = packetSize(mode, segment);
  view.setInt32(off, q.token);
  view.setInt32(off + 4, px(q.ltp, div));
  if (size === PACKET_LTP) return size;
  if (size === PACKET_INDEX_QUOTE || size === PACKET_INDEX_FULL) {
    view.setInt32(off + 8, px(q.high, div));
    view.setInt32(off + 12, px(q.low, div));
    view.setInt32(off + 16, px(q.open, div));
    view.setInt32(off + 20, px(q.close, div));
    view.setInt32(off + 24, q.close ? px(q.ltp - q.close, div) : 0);
    if (size === PACKET_INDEX_FULL) view.setInt32(off + 28, secs(q.tsExchange));
    return size;
  }
  view.setInt32(off + 8, int(q.ltq));
  view.setInt32(off + 12, px(q.atp, div));
  view.setInt32(off + 16, int(q.volume));
  view.setInt32(off + 20, int(q.totalBuyQty));
  view.setInt32(off + 24, int(q.totalSellQty));
  view.setInt32(off + 28, px(q.open, div));
  view.setInt32(off + 32, px(q.high, div));
  view.setInt32(off + 36, px(q.low, div));
  view.setInt32(off + 40, px(q.close, div));
  if (size === PACKET_QUOTE) return size;
  view.setInt32(off + 44, secs(q.lastTradeTime));
  view.setInt32(off + 48, int(q.oi));
  view.setInt32(off + 52, int(q.oiDayHigh));
  view.setInt32(off + 56, int(q.oiDayLow));
  view.setInt32(off + 60, secs(q.tsExchange));
  const book = q.depth;
  for (let i = 0; i < DEPTH_LEVELS; i++) {
    const b = off + 64 + 12 * i;
    const a = b + 60;
    if (book) {
      view.setInt32(b, int(book[i + 5]));
      view.setInt32(b + 4, px(book[i], div));
      view.setUint16(b + 8, int(book[i + 10]) & 0xffff);
      view.setInt32(a, int(book[i + 20]));
      view.setInt32(a + 4, px(book[i + 15], div));
      view.setUint16(a + 8, int(book[i + 25]) & 0xffff);
    } else {
      view.setInt32(b, 0);
      view.setInt32(b + 4, 0);
      view.setUint32(b + 8, 0);
      view.setInt32(a, 0);
      view.setInt32(a + 4, 0);
      view.setUint32(a + 8, 0);
    }
    view.setUint16(b + 10, 0);
    view.setUint16(a + 10, 0);
  }
  return size;
}

/** Builds one frame carrying each quote in its mode. */
export function encodeFrame(items: ReadonlyArray<{ quote: KiteQuote; mode: KiteMode }>): Buffer {
  let total = 2;
  for (const it of items) total += 2 + packetSize(it.mode, it.quote.token & 0xff);
  const buf = Buffer.alloc(total);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  view.setUint16(0, items.length);
  let off = 2;
  for (const it of items) {
    const size = encodePacket(view, off + 2, it.quote, it.mode);
    view.setUint16(off, size);
    off += 2 + size;
  }
  return buf;
}

/** The 1-byte heartbeat frame the server sends when idle. */
export const HEARTBEAT_FRAME: Buffer = Buffer.from([0]);

// ---------------------------------------------------------------------------------------------
// Text frames (server → client): {"type": "order"|"error"|"message", "data": ...}.

export type KiteTextMessage =
  | { type: 'order'; data: Record<string, unknown> }
  | { type: 'error'; data: string }
  | { type: 'message'; data: string };

/** Parses a server text frame; unknown types and unparseable JSON give null (clients ignore them). */
export function parseTextFrame(text: string): KiteTextMessage | null {
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof msg !== 'object' || msg === null) return null;
  const { type, data } = msg as { type?: unknown; data?: unknown };
  if (type === 'order' && typeof data === 'object' && data !== null) return { type, data: data as Record<string, unknown> };
  if ((type === 'error' || type === 'message') && typeof data === 'string') return { type, data };
  return null;
}

/** Client → server control messages. */
export function subscribeMessage(tokens: readonly number[]): string {
  return JSON.stringify({ a: 'subscribe', v: tokens });
}
export function unsubscribeMessage(tokens: readonly number[]): string {
  return JSON.stringify({ a: 'unsubscribe', v: tokens });
}
export function modeMessage(mode: KiteMode, tokens: readonly number[]): string {
  return JSON.stringify({ a: 'mode', v: [mode, tokens] });
}
