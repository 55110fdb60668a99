// Fyers API v3 market-data ("HSM") binary codec (specs/fyers-upstox-yahoo.md §1.4). Pure: bytes in,
// typed values out, no I/O. Encoders for both directions: our client's requests, and the replies and
// data frames the simulator sends.
//
// Every frame is big-endian: [u16 len][u8 type] then, for control frames, [u8 fieldCount] and fields
// [u8 id][u16 len][bytes]. A data frame (server type 6) is [u32 message number][u16 item count] then:
//   'S' (83) snapshot [u16 topicId][u8 n][topic name][u8 nFields][nFields × i32][2 bytes, skipped]
//                     [u16 multiplier][u8 precision] then exchange, exchange token and symbol, each
//                     [u8 n][bytes]; it binds topicId → topic (e.g. `sf|nse_cm|3045`).
//   'U' (85) update   [u16 topicId][u8 nFields][nFields × i32], positional; INT32_MIN = unchanged.
//   'L' (76) lite     [u16 topicId][i32 ltp].
// Items carry no length, so a bad item ends its frame: items before it are delivered, the rest is
// skipped and the frame counted malformed. Nothing here throws on bad input.
//
// codec.test.ts checks all of this against the official Node SDK's own parser and request encoder.
// Where the SDKs disagree:
// - The message number: Go, Python and openalgo always read it (item count at bytes 7–8); the Node
//   hslib reads it only when the auth reply advertised an ack count > 0. We follow Go/Python.
// - The ack request: Go sends [u16 5][u8 6][u32 n]; the Node hslib sends type 3 with one 4-byte field.
//   We send Go's; the parser accepts both.
// - The length field of client frames: SDKs write different values, the server ignores it; we write
//   the true length and the parser never reads it.
// - Yhigh/Ylow and the circuit limits are scaled like prices here (they are prices); Go drops or zeroes
//   them and the Node mapper has no names for them, so their scaling is not confirmed by any SDK.
// - Every value is an i32, as all SDKs read it: a day's volume above 2^31 − 1 would arrive negative.

/** On the wire: "no value" in a snapshot, "unchanged" in an update. */
export const INT32_MIN = -2147483648;

export const FYERS_REQUEST = { auth: 1, ackNode: 3, subscribe: 4, unsubscribe: 5, ack: 6, pause: 7, resume: 8, ping: 11, mode: 12 } as const;
export const FYERS_RESPONSE = { auth: 1, subscribe: 4, unsubscribe: 5, data: 6, pause: 7, resume: 8, mode: 12 } as const;
export const ITEM_SNAPSHOT = 83; // 'S'
export const ITEM_UPDATE = 85; // 'U'
export const ITEM_LITE = 76; // 'L'
export const MODE_LITE = 76; // 'L'
export const MODE_FULL = 70; // 'F'
/** The Go SDK's channel; the Node SDK takes 1–30, the HSM library 1–64. */
export const DEFAULT_CHANNEL = 11;
/** Across all channels of one connection. */
export const MAX_TOPICS_PER_CONNECTION = 5000;
/** The Node HSM library's cap per subscribe request. */
export const MAX_TOPICS_PER_REQUEST = 1500;
/** Client heartbeat, every 30 s (the Go SDK sends a text frame "ping" instead). */
export const PING_FRAME: Buffer = Buffer.from([0, 1, 11]);

type Value = number | undefined;

/** The `sf` (scrip) feed. Prices in rupees; sizes and volumes raw; times epoch seconds as sent. */
export interface FyersScripFields {
  ltp: Value;
  volTradedToday: Value;
  lastTradedTime: Value;
  exchFeedTime: Value;
  bidSize: Value;
  askSize: Value;
  bidPrice: Value;
  askPrice: Value;
  lastTradedQty: Value;
  totBuyQty: Value;
  totSellQty: Value;
  avgTradePrice: Value;
  oi: Value;
  lowPrice: Value;
  highPrice: Value;
  yearHigh: Value;
  yearLow: Value;
  lowerCircuit: Value;
  upperCircuit: Value;
  openPrice: Value;
  prevClosePrice: Value;
}

/** The `if` (index) feed. */
export interface FyersIndexFields {
  ltp: Value;
  prevClosePrice: Value;
  exchFeedTime: Value;
  highPrice: Value;
  lowPrice: Value;
  openPrice: Value;
}

/** The `dp` (5-level depth) feed: five entries per array, best first. */
export interface FyersDepthFields {
  bidPrice: Value[];
  askPrice: Value[];
  bidSize: Value[];
  askSize: Value[];
  bidOrders: Value[];
  askOrders: Value[];
}

/** Positional order of the `sf` fields (Go SDK map.json `data_val`). */
export const SCRIP_FIELDS = [
  'ltp',
  'volTradedToday',
  'lastTradedTime',
  'exchFeedTime',
  'bidSize',
  'askSize',
  'bidPrice',
  'askPrice',
  'lastTradedQty',
  'totBuyQty',
  'totSellQty',
  'avgTradePrice',
  'oi',
  'lowPrice',
  'highPrice',
  'yearHigh',
  'yearLow',
  'lowerCircuit',
  'upperCircuit',
  'openPrice',
  'prevClosePrice',
] as const satisfies readonly (keyof FyersScripFields)[];
/** Positional order of the `if` fields (`index_val`). */
export const INDEX_FIELDS = ['ltp', 'prevClosePrice', 'exchFeedTime', 'highPrice', 'lowPrice', 'openPrice'] as const satisfies readonly (keyof FyersIndexFields)[];
/** Positional order of the `dp` arrays (`depthvalue`: bid_price1..5, ask_price1..5, …). */
export const DEPTH_FIELDS = ['bidPrice', 'askPrice', 'bidSize', 'askSize', 'bidOrders', 'askOrders'] as const satisfies readonly (keyof FyersDepthFields)[];
export const DEPTH_LEVELS = 5;

export type FyersTopicKind = 'sf' | 'if' | 'dp';
export type FyersItemKind = 'snapshot' | 'update' | 'lite';

/** Wire positions per topic kind, and which of them are prices. */
export const FIELD_COUNT: Record<FyersTopicKind, number> = { sf: SCRIP_FIELDS.length, if: INDEX_FIELDS.length, dp: DEPTH_FIELDS.length * DEPTH_LEVELS };
const SCRIP_PRICES = new Set([0, 6, 7, 11, 13, 14, 15, 16, 17, 18, 19, 20]);
const INDEX_PRICES = new Set([0, 1, 3, 4, 5]);
export function isPricePosition(kind: FyersTopicKind, i: number): boolean {
  return kind === 'sf' ? SCRIP_PRICES.has(i) : kind === 'if' ? INDEX_PRICES.has(i) : i < 2 * DEPTH_LEVELS;
}

interface FyersQuoteHead {
  topicId: number;
  /** e.g. `sf|nse_cm|3045`, `if|nse_cm|Nifty 50`, `dp|nse_cm|3045`. */
  topic: string;
  /** The wire item that produced this quote; every quote carries the topic's whole merged state. */
  item: FyersItemKind;
  exchange: string;
  exchangeToken: string;
  symbol: string;
}
export interface FyersScripQuote extends FyersQuoteHead, FyersScripFields {
  kind: 'sf';
}
export interface FyersIndexQuote extends FyersQuoteHead, FyersIndexFields {
  kind: 'if';
}
export interface FyersDepthQuote extends FyersQuoteHead, FyersDepthFields {
  kind: 'dp';
}
export type FyersQuote = FyersScripQuote | FyersIndexQuote | FyersDepthQuote;

/** What a snapshot bound to a topic id, and the topic's last values. */
export interface FyersTopic {
  topicId: number;
  topic: string;
  kind: FyersTopicKind;
  multiplier: number;
  precision: number;
  /** Prices are raw / divisor, divisor = 10^precision × multiplier. */
  divisor: number;
  exchange: string;
  exchangeToken: string;
  symbol: string;
  /** Last raw value per position; INT32_MIN where none was ever sent. */
  raw: Int32Array;
}

/** Per connection: topic ids are the server's, valid until the socket closes. */
export interface FyersDecoderState {
  readonly topics: Map<number, FyersTopic>;
}
export const newFyersDecoderState = (): FyersDecoderState => ({ topics: new Map() });

export interface FyersDecodeStats {
  frames: number;
  /** Quotes delivered. */
  items: number;
  /** Too short, a truncated or unknown item, or bytes left over after the last item. */
  malformedFrames: number;
  /** Updates for a topic id no snapshot bound, and snapshots of a topic kind other than sf/if/dp. */
  unknownTopics: number;
  /** Well-formed items with nothing to apply: a lite update for a depth topic. */
  ignoredItems: number;
}
export const newFyersDecodeStats = (): FyersDecodeStats => ({ frames: 0, items: 0, malformedFrames: 0, unknownTopics: 0, ignoredItems: 0 });

export type FyersStatusType = 'subscribe' | 'unsubscribe' | 'pause' | 'resume' | 'mode';

/** A server frame, after its quotes (if any) went to the callback. */
export type FyersServerFrame =
  /** `ok` is a "K" status; `ackCount` > 0 asks for an ack every that many data frames. */
  | { type: 'auth'; ok: boolean; ackCount: number; streamConfig: string | undefined }
  | { type: FyersStatusType; ok: boolean }
  | { type: 'data'; messageNumber: number; items: number }
  /** A response type this codec does not know (openalgo logs a type 13 "master data"). */
  | { type: 'unknown'; code: number };

const STATUS_TYPES: Record<number, FyersStatusType> = { 4: 'subscribe', 5: 'unsubscribe', 7: 'pause', 8: 'resume', 12: 'mode' };
const utf8 = new TextDecoder();

const u16 = (b: Uint8Array, o: number) => (b[o] << 8) | b[o + 1];
const i32 = (b: Uint8Array, o: number) => (b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3];

function kindOf(topic: string): FyersTopicKind | null {
  const bar = topic.indexOf('|');
  const head = bar < 0 ? topic : topic.slice(0, bar);
  return head === 'sf' || head === 'if' || head === 'dp' ? head : null;
}

const px = (v: number, div: number): Value => (v === INT32_MIN ? undefined : v / div);
const int = (v: number): Value => (v === INT32_MIN ? undefined : v);

/** The topic's merged state as a quote (one object literal per kind: one hidden class each). */
export function quoteOf(t: FyersTopic, item: FyersItemKind): FyersQuote {
  const r = t.raw;
  const d = t.divisor;
  if (t.kind === 'sf') {
    return {
      kind: 'sf',
      topicId: t.topicId,
      topic: t.topic,
      item,
      exchange: t.exchange,
      exchangeToken: t.exchangeToken,
      symbol: t.symbol,
      ltp: px(r[0], d),
      volTradedToday: int(r[1]),
      lastTradedTime: int(r[2]),
      exchFeedTime: int(r[3]),
      bidSize: int(r[4]),
      askSize: int(r[5]),
      bidPrice: px(r[6], d),
      askPrice: px(r[7], d),
      lastTradedQty: int(r[8]),
      totBuyQty: int(r[9]),
      totSellQty: int(r[10]),
      avgTradePrice: px(r[11], d),
      oi: int(r[12]),
      lowPrice: px(r[13], d),
      highPrice: px(r[14], d),
      yearHigh: px(r[15], d),
      yearLow: px(r[16], d),
      lowerCircuit: px(r[17], d),
      upperCircuit: px(r[18], d),
      openPrice: px(r[19], d),
      prevClosePrice: px(r[20], d),
    };
  }
  if (t.kind === 'if') {
    return {
      kind: 'if',
      topicId: t.topicId,
      topic: t.topic,
      item,
      exchange: t.exchange,
      exchangeToken: t.exchangeToken,
      symbol: t.symbol,
      ltp: px(r[0], d),
      prevClosePrice: px(r[1], d),
      exchFeedTime: int(r[2]),
      highPrice: px(r[3], d),
      lowPrice: px(r[4], d),
      openPrice: px(r[5], d),
    };
  }
  const level = (from: number, price: boolean): Value[] => {
    const out: Value[] = new Array(DEPTH_LEVELS);
    for (let i = 0; i < DEPTH_LEVELS; i++) out[i] = price ? px(r[from + i], d) : int(r[from + i]);
    return out;
  };
  return {
    kind: 'dp',
    topicId: t.topicId,
    topic: t.topic,
    item,
    exchange: t.exchange,
    exchangeToken: t.exchangeToken,
    symbol: t.symbol,
    bidPrice: level(0, true),
    askPrice: level(5, true),
    bidSize: level(10, false),
    askSize: level(15, false),
    bidOrders: level(20, false),
    askOrders: level(25, false),
  };
}

type OnQuote = (q: FyersQuote) => void;

/** Item readers: the offset after the item, or -1 when it does not fit the frame. */
function readSnapshot(b: Uint8Array, o: number, state: FyersDecoderState, onQuote: OnQuote, stats: FyersDecodeStats): number {
  const n = b.length;
  if (o + 3 > n) return -1;
  const topicId = u16(b, o);
  const nameEnd = o + 3 + b[o + 2];
  if (nameEnd + 1 > n) return -1;
  const nFields = b[nameEnd];
  const valuesAt = nameEnd + 1;
  let p = valuesAt + 4 * nFields + 2;
  if (p + 3 > n) return -1;
  const multiplier = u16(b, p);
  const precision = b[p + 2];
  p += 3;
  const strings: string[] = [];
  for (let k = 0; k < 3; k++) {
    if (p + 1 > n || p + 1 + b[p] > n) return -1;
    strings.push(utf8.decode(b.subarray(p + 1, p + 1 + b[p])));
    p += 1 + b[p];
  }
  const topic = utf8.decode(b.subarray(o + 3, nameEnd));
  const kind = kindOf(topic);
  if (!kind) {
    // The id no longer means the topic it was bound to: its updates are unknown from now on.
    state.topics.delete(topicId);
    stats.unknownTopics++;
    return p;
  }
  const raw = new Int32Array(FIELD_COUNT[kind]).fill(INT32_MIN);
  for (let i = 0, v = valuesAt; i < nFields && i < raw.length; i++, v += 4) raw[i] = i32(b, v);
  // A multiplier of 0 would make every price infinite; no SDK guards it, we read it as 1.
  const m = multiplier || 1;
  const [exchange, exchangeToken, symbol] = strings;
  const t: FyersTopic = { topicId, topic, kind, multiplier: m, precision, divisor: 10 ** precision * m, exchange, exchangeToken, symbol, raw };
  state.topics.set(topicId, t);
  stats.items++;
  onQuote(quoteOf(t, 'snapshot'));
  return p;
}

function readUpdate(b: Uint8Array, o: number, state: FyersDecoderState, onQuote: OnQuote, stats: FyersDecodeStats): number {
  if (o + 3 > b.length) return -1;
  const nFields = b[o + 2];
  const end = o + 3 + 4 * nFields;
  if (end > b.length) return -1;
  const t = state.topics.get(u16(b, o));
  if (!t) {
    stats.unknownTopics++;
    return end;
  }
  const raw = t.raw;
  const m = nFields < raw.length ? nFields : raw.length;
  for (let i = 0, v = o + 3; i < m; i++, v += 4) {
    const x = i32(b, v);
    if (x !== INT32_MIN) raw[i] = x;
  }
  stats.items++;
  onQuote(quoteOf(t, 'update'));
  return end;
}

function readLite(b: Uint8Array, o: number, state: FyersDecoderState, onQuote: OnQuote, stats: FyersDecodeStats): number {
  if (o + 6 > b.length) return -1;
  const t = state.topics.get(u16(b, o));
  if (!t) stats.unknownTopics++;
  else if (t.kind === 'dp') stats.ignoredItems++;
  else {
    const x = i32(b, o + 2);
    if (x !== INT32_MIN) t.raw[0] = x;
    stats.items++;
    onQuote(quoteOf(t, 'lite'));
  }
  return o + 6;
}

/** Control-frame fields, [u8 id][u16 len][bytes] × count from byte 3; null when they overrun the frame. */
function readFields(b: Uint8Array): Array<{ id: number; at: number; len: number }> | null {
  if (b.length < 4) return null;
  const out: Array<{ id: number; at: number; len: number }> = [];
  let o = 4;
  for (let k = 0; k < b[3]; k++) {
    if (o + 3 > b.length) return null;
    const len = u16(b, o + 1);
    if (o + 3 + len > b.length) return null;
    out.push({ id: b[o], at: o + 3, len });
    o += 3 + len;
  }
  return out;
}

function readUInt(b: Uint8Array, at: number, len: number): number {
  let v = 0;
  for (let i = 0; i < len; i++) v = v * 256 + b[at + i];
  return v;
}

function readData(b: Uint8Array, state: FyersDecoderState, onQuote: OnQuote, stats: FyersDecodeStats): FyersServerFrame | null {
  if (b.length < 9) return null;
  const messageNumber = i32(b, 3) >>> 0;
  const count = u16(b, 7);
  const before = stats.items;
  let o = 9;
  for (let k = 0; k < count; k++) {
    if (o >= b.length) return null;
    const kind = b[o];
    if (kind === ITEM_UPDATE) o = readUpdate(b, o + 1, state, onQuote, stats);
    else if (kind === ITEM_LITE) o = readLite(b, o + 1, state, onQuote, stats);
    else if (kind === ITEM_SNAPSHOT) o = readSnapshot(b, o + 1, state, onQuote, stats);
    else return null;
    if (o < 0) return null;
  }
  // Bytes after the last item mean the layout is not the one we read: say so.
  if (o !== b.length) return null;
  return { type: 'data', messageNumber, items: stats.items - before };
}

/**
 * Decodes one server frame. Data frames hand each item's quote to `onQuote` (merging updates into
 * `state`); control frames come back as values. A malformed frame gives null and is counted (quotes
 * of items before the bad one were already delivered). Never throws on bad input.
 */
export function decodeServerFrame(buf: Uint8Array, state: FyersDecoderState, onQuote: OnQuote, stats: FyersDecodeStats = newFyersDecodeStats()): FyersServerFrame | null {
  stats.frames++;
  let out: FyersServerFrame | null = null;
  if (buf.length >= 3) {
    const type = buf[2];
    if (type === FYERS_RESPONSE.data) out = readData(buf, state, onQuote, stats);
    else if (type === FYERS_RESPONSE.auth || STATUS_TYPES[type]) {
      const fields = readFields(buf);
      const status = fields?.[0];
      if (status) {
        const ok = status.len === 1 && buf[status.at] === 75; // "K"
        if (type !== FYERS_RESPONSE.auth) out = { type: STATUS_TYPES[type], ok };
        else {
          const ack = fields[1];
          const config = fields[2];
          if (!ack || ack.len <= 4) {
            const ackCount = ack ? readUInt(buf, ack.at, ack.len) : 0;
            out = { type: 'auth', ok, ackCount, streamConfig: config ? utf8.decode(buf.subarray(config.at, config.at + config.len)) : undefined };
          }
        }
      }
    } else out = { type: 'unknown', code: type };
  }
  if (!out) stats.malformedFrames++;
  return out;
}

/** Convenience: a frame's quotes as an array (tests, tools). */
export function decodeServerQuotes(buf: Uint8Array, state: FyersDecoderState, stats?: FyersDecodeStats): FyersQuote[] {
  const out: FyersQuote[] = [];
  decodeServerFrame(buf, state, (q) => out.push(q), stats);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Client → server requests: our client encodes them, the simulator parses them.

export type FyersClientRequest =
  /** `mode` is one byte: 'P' (Python lineage, openalgo, the Node SDK) or '1' (Go); the server takes both. */
  | { type: 'auth'; hsmKey: string; mode: string; source: string }
  | { type: 'mode'; channels: number[]; mode: 'lite' | 'full' }
  | { type: 'subscribe' | 'unsubscribe'; topics: string[]; channel: number }
  | { type: 'pause' | 'resume'; channels: number[] }
  | { type: 'ping' }
  | { type: 'ack'; messageNumber: number };

type Field = readonly [id: number, bytes: Uint8Array];

/** [u16 len][u8 type][u8 count] fields; len is the true byte count after itself. */
function controlFrame(type: number, fields: readonly Field[]): Buffer {
  let size = 4;
  for (const [, bytes] of fields) {
    if (bytes.length > 0xffff) throw new RangeError(`field of ${bytes.length} bytes`);
    size += 3 + bytes.length;
  }
  if (size - 2 > 0xffff) throw new RangeError(`frame of ${size} bytes`);
  const out = Buffer.alloc(size);
  out.writeUInt16BE(size - 2, 0);
  out[2] = type;
  out[3] = fields.length;
  let o = 4;
  for (const [id, bytes] of fields) {
    out[o] = id;
    out.writeUInt16BE(bytes.length, o + 1);
    out.set(bytes, o + 3);
    o += 3 + bytes.length;
  }
  return out;
}

function channelMask(channels: readonly number[]): Buffer {
  let mask = 0n;
  for (const c of channels) {
    if (!Number.isInteger(c) || c < 1 || c > 63) throw new RangeError(`channel ${c} is not in 1–63`);
    mask |= 1n << BigInt(c);
  }
  const out = Buffer.alloc(8);
  out.writeBigUInt64BE(mask);
  return out;
}

function maskChannels(b: Uint8Array, at: number): number[] {
  const out: number[] = [];
  for (let bit = 0; bit < 64; bit++) if (b[at + 7 - (bit >> 3)] & (1 << (bit & 7))) out.push(bit);
  return out;
}

function topicList(topics: readonly string[]): Buffer {
  const parts: Buffer[] = [Buffer.from([topics.length >> 8, topics.length & 0xff])];
  for (const t of topics) {
    const bytes = Buffer.from(t, 'latin1');
    if (bytes.length > 255 || !/^[\x20-\x7e]*$/.test(t)) throw new RangeError(`topic ${JSON.stringify(t)} is not 0–255 ASCII characters`);
    parts.push(Buffer.from([bytes.length]), bytes);
  }
  return Buffer.concat(parts);
}

/** One client request as the server expects it. Throws RangeError on arguments no server would take. */
export function encodeClientRequest(r: FyersClientRequest): Buffer {
  switch (r.type) {
    case 'auth':
      if (r.mode.length !== 1) throw new RangeError('auth mode is one character');
      return controlFrame(FYERS_REQUEST.auth, [
        [1, Buffer.from(r.hsmKey, 'utf8')],
        [2, Buffer.from(r.mode, 'latin1')],
        [3, Buffer.from([1])],
        [4, Buffer.from(r.source, 'utf8')],
      ]);
    case 'mode':
      return controlFrame(FYERS_REQUEST.mode, [
        [1, channelMask(r.channels)],
        [2, Buffer.from([r.mode === 'lite' ? MODE_LITE : MODE_FULL])],
      ]);
    case 'subscribe':
    case 'unsubscribe':
      if (!Number.isInteger(r.channel) || r.channel < 0 || r.channel > 255) throw new RangeError(`channel ${r.channel}`);
      return controlFrame(r.type === 'subscribe' ? FYERS_REQUEST.subscribe : FYERS_REQUEST.unsubscribe, [
        [1, topicList(r.topics)],
        [2, Buffer.from([r.channel])],
      ]);
    case 'pause':
    case 'resume':
      return controlFrame(r.type === 'pause' ? FYERS_REQUEST.pause : FYERS_REQUEST.resume, [[1, channelMask(r.channels)]]);
    case 'ping':
      return Buffer.from(PING_FRAME);
    case 'ack': {
      const out = Buffer.alloc(7);
      out.writeUInt16BE(5, 0);
      out[2] = FYERS_REQUEST.ack;
      out.writeUInt32BE(r.messageNumber >>> 0, 3);
      return out;
    }
  }
}

function parseTopicList(b: Uint8Array, at: number, len: number): string[] | null {
  if (len < 2) return null;
  const count = u16(b, at);
  const end = at + len;
  const topics: string[] = [];
  let o = at + 2;
  for (let k = 0; k < count; k++) {
    if (o + 1 > end || o + 1 + b[o] > end) return null;
    topics.push(utf8.decode(b.subarray(o + 1, o + 1 + b[o])));
    o += 1 + b[o];
  }
  return o === end ? topics : null;
}

/**
 * A client frame as the simulator sees it, or null when it is not a well-formed request. The
 * leading length is never read (SDKs disagree on it); the fields must fill the frame exactly.
 */
export function parseClientFrame(buf: Uint8Array): FyersClientRequest | null {
  if (buf.length < 3) return null;
  const type = buf[2];
  if (type === FYERS_REQUEST.ping) return buf.length === 3 ? { type: 'ping' } : null;
  if (type === FYERS_REQUEST.ack) return buf.length === 7 ? { type: 'ack', messageNumber: i32(buf, 3) >>> 0 } : null;
  const fields = readFields(buf);
  if (!fields) return null;
  const last = fields.at(-1);
  if ((last ? last.at + last.len : 4) !== buf.length) return null;
  const field = (id: number) => fields.find((f) => f.id === id);
  const text = (f: { at: number; len: number }) => utf8.decode(buf.subarray(f.at, f.at + f.len));
  switch (type) {
    case FYERS_REQUEST.auth: {
      const key = field(1);
      const mode = field(2);
      const source = field(4);
      if (!key || mode?.len !== 1) return null;
      return { type: 'auth', hsmKey: text(key), mode: String.fromCharCode(buf[mode.at]), source: source ? text(source) : '' };
    }
    case FYERS_REQUEST.ackNode: {
      const n = field(1);
      return n?.len === 4 ? { type: 'ack', messageNumber: i32(buf, n.at) >>> 0 } : null;
    }
    case FYERS_REQUEST.subscribe:
    case FYERS_REQUEST.unsubscribe: {
      const list = field(1);
      const channel = field(2);
      const topics = list && parseTopicList(buf, list.at, list.len);
      if (!topics || channel?.len !== 1) return null;
      return { type: type === FYERS_REQUEST.subscribe ? 'subscribe' : 'unsubscribe', topics, channel: buf[channel.at] };
    }
    case FYERS_REQUEST.mode: {
      const mask = field(1);
      const mode = field(2);
      if (mask?.len !== 8 || mode?.len !== 1) return null;
      const m = buf[mode.at];
      if (m !== MODE_LITE && m !== MODE_FULL) return null;
      return { type: 'mode', channels: maskChannels(buf, mask.at), mode: m === MODE_LITE ? 'lite' : 'full' };
    }
    case FYERS_REQUEST.pause:
    case FYERS_REQUEST.resume: {
      const mask = field(1);
      if (mask?.len !== 8) return null;
      return { type: type === FYERS_REQUEST.pause ? 'pause' : 'resume', channels: maskChannels(buf, mask.at) };
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Server → client (the simulator's side).

/** The auth reply: "K" or "N", then the ack count and (Node SDK) the stream-data config JSON if given. */
export function encodeAuthReply(r: { ok: boolean; ackCount?: number; streamConfig?: string }): Buffer {
  const fields: Field[] = [[1, Buffer.from(r.ok ? 'K' : 'N')]];
  if (r.ackCount !== undefined || r.streamConfig !== undefined) {
    const ack = Buffer.alloc(4);
    ack.writeUInt32BE((r.ackCount ?? 0) >>> 0);
    fields.push([2, ack]);
  }
  if (r.streamConfig !== undefined) fields.push([3, Buffer.from(r.streamConfig, 'utf8')]);
  return controlFrame(FYERS_RESPONSE.auth, fields);
}

/** The "K"/"N" reply to a subscribe, unsubscribe, pause, resume or mode request. */
export function encodeStatusReply(type: FyersStatusType, ok: boolean): Buffer {
  return controlFrame(FYERS_RESPONSE[type], [[1, Buffer.from(ok ? 'K' : 'N')]]);
}

/** One data-frame item, raw wire integers (prices × divisor; INT32_MIN where nothing is sent). */
export type FyersWireItem =
  | {
      item: 'snapshot';
      topicId: number;
      topic: string;
      values: ArrayLike<number>;
      multiplier: number;
      precision: number;
      exchange: string;
      exchangeToken: string;
      symbol: string;
    }
  | { item: 'update'; topicId: number; values: ArrayLike<number> }
  | { item: 'lite'; topicId: number; ltp: number };

/**
 * What the server last sent per topic id, for `encodeDataFrame` to send INT32_MIN where a field did
 * not change (as the real server does). Snapshots reset it.
 */
export type FyersSentState = Map<number, Int32Array>;

function shortString(s: string): Buffer {
  const bytes = Buffer.from(s, 'utf8');
  if (bytes.length > 255) throw new RangeError(`string of ${bytes.length} bytes`);
  return Buffer.concat([Buffer.from([bytes.length]), bytes]);
}

/**
 * One data frame. With `sent`, update items send INT32_MIN for every field equal to the one last
 * sent for that topic, and `sent` is brought up to date (lite items update the ltp).
 */
export function encodeDataFrame(messageNumber: number, items: readonly FyersWireItem[], sent?: FyersSentState): Buffer {
  const parts: Buffer[] = [];
  const head = Buffer.alloc(9);
  head[2] = FYERS_RESPONSE.data;
  head.writeUInt32BE(messageNumber >>> 0, 3);
  head.writeUInt16BE(items.length, 7);
  parts.push(head);
  for (const it of items) {
    const id = Buffer.alloc(2);
    id.writeUInt16BE(it.topicId);
    if (it.item === 'lite') {
      const v = Buffer.alloc(4);
      v.writeInt32BE(it.ltp | 0);
      const last = sent?.get(it.topicId);
      if (last && it.ltp !== INT32_MIN) last[0] = it.ltp;
      parts.push(Buffer.from([ITEM_LITE]), id, v);
      continue;
    }
    let values = Int32Array.from(it.values);
    if (values.length > 255) throw new RangeError(`${values.length} fields`);
    if (it.item === 'snapshot') sent?.set(it.topicId, values.slice());
    else if (sent) {
      const last = sent.get(it.topicId);
      if (last) {
        const diff = values.slice();
        for (let i = 0; i < diff.length && i < last.length; i++) {
          if (diff[i] === INT32_MIN) continue;
          if (diff[i] === last[i]) diff[i] = INT32_MIN;
          else last[i] = diff[i];
        }
        values = diff;
      }
    }
    const body = Buffer.alloc(4 * values.length);
    for (let i = 0; i < values.length; i++) body.writeInt32BE(values[i], 4 * i);
    if (it.item === 'update') {
      parts.push(Buffer.from([ITEM_UPDATE]), id, Buffer.from([values.length]), body);
      continue;
    }
    const tail = Buffer.alloc(5);
    tail.writeUInt16BE(it.multiplier, 2);
    tail[4] = it.precision;
    parts.push(Buffer.from([ITEM_SNAPSHOT]), id, shortString(it.topic), Buffer.from([values.length]), body, tail);
    parts.push(shortString(it.exchange), shortString(it.exchangeToken), shortString(it.symbol));
  }
  const out = Buffer.concat(parts);
  out.writeUInt16BE(Math.min(out.length - 2, 0xffff), 0);
  return out;
}

type FieldsOf<K extends FyersTopicKind> = K extends 'sf' ? FyersScripFields : K extends 'if' ? FyersIndexFields : FyersDepthFields;

/**
 * Named values (prices in rupees) → the wire's positional integers for a topic kind; a field left
 * out (or undefined) becomes INT32_MIN. Prices are rounded to the nearest unit of 1/divisor.
 */
export function toWireValues<K extends FyersTopicKind>(kind: K, fields: Partial<FieldsOf<K>>, divisor: number): Int32Array {
  const out = new Int32Array(FIELD_COUNT[kind]).fill(INT32_MIN);
  const put = (i: number, v: Value) => {
    if (v !== undefined) out[i] = isPricePosition(kind, i) ? Math.round(v * divisor) : v;
  };
  if (kind === 'dp') {
    const f = fields as Partial<FyersDepthFields>;
    DEPTH_FIELDS.forEach((name, k) => {
      for (let i = 0; i < DEPTH_LEVELS; i++) put(k * DEPTH_LEVELS + i, f[name]?.[i]);
    });
  } else {
    const names: readonly string[] = kind === 'sf' ? SCRIP_FIELDS : INDEX_FIELDS;
    const f = fields as Record<string, Value>;
    names.forEach((name, i) => put(i, f[name]));
  }
  return out;
}
