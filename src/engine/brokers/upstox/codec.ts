// Upstox Market Data Feed V3 codec (specs §2.4), both ways. Pure: bytes in, objects out, no I/O.
//
// Server → client: binary frames, each one protobuf `FeedResponse` (schema: proto/MarketDataFeedV3.proto).
// Client → server: UTF-8 JSON {guid, method: sub|unsub|change_mode, data: {mode?, instrumentKeys}} sent
// as a *binary* frame. The server answers a bad request with a text JSON frame {status: "failed", error}.
//
// The protobuf reader and writer are written by hand for this one schema: no .proto is loaded at run
// time (the official SDK loads its .proto asynchronously and decodes early frames to null), int64 comes
// out as a JS number (hi·2³² + lo, the value Long#toNumber gives), and decoding is 3–4× faster than
// protobufjs reflection + toObject (bench/upstox.ts). codec.test.ts checks both directions against the
// SDK's own decoder.
//
// proto3 semantics: a scalar absent from the wire is 0 (false, ""); here it is 0 too, so decoded objects
// always have every field. Sub-messages are `undefined` when absent. A frame is malformed — counted and
// skipped, never thrown — when it is not valid protobuf (truncated, bad varint, length past the end,
// wire type 6/7, stray end-group), when a known field arrives with the wrong wire type, or when an enum
// holds a value this schema does not name. Unknown fields are skipped, as protobuf requires.

// ---------------------------------------------------------------------------------------------
// Decoded shapes (field names as in the .proto).

/** `Type`: initial_feed is the snapshot after a subscribe, live_feed a delta, market_info segment status. */
export type FeedType = 'initial_feed' | 'live_feed' | 'market_info';
export const FEED_TYPES: readonly FeedType[] = ['initial_feed', 'live_feed', 'market_info'];

/** `RequestMode` as the server reports it per feed (a `full` subscription reports `full_d5`). */
export type RequestMode = 'ltpc' | 'full_d5' | 'option_greeks' | 'full_d30';
export const REQUEST_MODES: readonly RequestMode[] = ['ltpc', 'full_d5', 'option_greeks', 'full_d30'];

/** `MarketStatus` of an exchange segment in a market_info frame. */
export type MarketStatus = 'PRE_OPEN_START' | 'PRE_OPEN_END' | 'NORMAL_OPEN' | 'NORMAL_CLOSE' | 'CLOSING_START' | 'CLOSING_END';
export const MARKET_STATUSES: readonly MarketStatus[] = ['PRE_OPEN_START', 'PRE_OPEN_END', 'NORMAL_OPEN', 'NORMAL_CLOSE', 'CLOSING_START', 'CLOSING_END'];

/** Last traded price, time (ms UTC), quantity, and the previous close. */
export interface Ltpc {
  ltp: number;
  ltt: number;
  ltq: number;
  cp: number;
  /** Indicative equilibrium price (pre-open); a `DoubleValue`, so undefined when not sent. */
  iep?: number;
}

/** One depth row: a bid level and an ask level side by side. */
export interface Quote {
  bidQ: number;
  bidP: number;
  askQ: number;
  askP: number;
}

export interface OptionGreeks {
  delta: number;
  theta: number;
  gamma: number;
  vega: number;
  rho: number;
}

/** A bar: interval "1d" (today), "I1" (the current minute); ts is the bar start, ms UTC. */
export interface Ohlc {
  interval: string;
  open: number;
  high: number;
  low: number;
  close: number;
  vol: number;
  ts: number;
}

export interface MarketFullFeed {
  ltpc?: Ltpc;
  /** `marketLevel.bidAskQuote`: 5 rows (full_d5) or 30 (full_d30), best first. */
  marketLevel?: Quote[];
  optionGreeks?: OptionGreeks;
  /** `marketOHLC.ohlc`. */
  marketOHLC?: Ohlc[];
  atp: number;
  /** Volume traded today. */
  vtt: number;
  oi: number;
  iv: number;
  /** Total buy / sell quantity. */
  tbq: number;
  tsq: number;
  iep: number;
  rp: number;
  ieq: number;
  iiqTotal: number;
  iiqM: number;
  casEligible: boolean;
}

export interface IndexFullFeed {
  ltpc?: Ltpc;
  marketOHLC?: Ohlc[];
}

export interface FirstLevelWithGreeks {
  ltpc?: Ltpc;
  firstDepth?: Quote;
  optionGreeks?: OptionGreeks;
  vtt: number;
  oi: number;
  iv: number;
}

/**
 * One instrument's `Feed`. At most one payload is set (the `FeedUnion` oneof; `fullFeed` is flattened
 * into `marketFF` / `indexFF`, its own oneof).
 */
export interface Feed {
  requestMode: RequestMode;
  ltpc?: Ltpc;
  marketFF?: MarketFullFeed;
  indexFF?: IndexFullFeed;
  firstLevelWithGreeks?: FirstLevelWithGreeks;
}

export interface StatusInfo {
  status: string;
  updatedTime: number;
}

export interface MarketInfo {
  /** Exchange segment ("NSE_EQ", "NSE_FO", ...) → status. */
  segmentStatus: Map<string, MarketStatus>;
  casMarketStatus: Map<string, StatusInfo>;
  preOpenSessionStatus: Map<string, StatusInfo>;
}

export interface FeedResponse {
  type: FeedType;
  /** Instrument key ("NSE_EQ|INE062A01020") → feed. */
  feeds: Map<string, Feed>;
  /** Server time of the frame, ms UTC. */
  currentTs: number;
  marketInfo?: MarketInfo;
}

export interface DecodeStats {
  frames: number;
  /** Instrument feeds in the frames that decoded. */
  feeds: number;
  malformedFrames: number;
}

export const newDecodeStats = (): DecodeStats => ({ frames: 0, feeds: 0, malformedFrames: 0 });

// ---------------------------------------------------------------------------------------------
// Reader. Module state: decoding is synchronous and never re-entered.

// Thrown inside the reader only (a preallocated object: no stack trace to build); decodeFeedResponse
// catches it and everything else.
const MALFORMED = { malformed: true };

let buf: Uint8Array = new Uint8Array(0);
let view: DataView = new DataView(buf.buffer);
let pos = 0;
let lim = 0;

/** A varint that must fit 32 bits unsigned (tags, lengths, enums); longer encodings keep the low 32 bits. */
function uint32(): number {
  if (pos >= lim) throw MALFORMED;
  let b = buf[pos++];
  if (b < 0x80) return b;
  let v = b & 0x7f;
  for (let shift = 7; shift < 28; shift += 7) {
    if (pos >= lim) throw MALFORMED;
    b = buf[pos++];
    v |= (b & 0x7f) << shift;
    if (b < 0x80) return v;
  }
  if (pos >= lim) throw MALFORMED;
  b = buf[pos++];
  v = (v | ((b & 0x0f) << 28)) >>> 0;
  if (b < 0x80) return v;
  // Bytes 6–10 of a 64-bit varint (a negative int32 enum is sign-extended to 10 bytes).
  for (let i = 0; i < 5; i++) {
    if (pos >= lim) throw MALFORMED;
    if (buf[pos++] < 0x80) return v;
  }
  throw MALFORMED;
}

/** int64 as a JS number: exact up to 2⁵³, rounded beyond (as Long#toNumber). */
function int64(): number {
  if (pos >= lim) throw MALFORMED;
  let b = buf[pos++];
  if (b < 0x80) return b;
  let lo = b & 0x7f;
  for (let shift = 7; shift < 28; shift += 7) {
    if (pos >= lim) throw MALFORMED;
    b = buf[pos++];
    lo |= (b & 0x7f) << shift;
    if (b < 0x80) return lo;
  }
  if (pos >= lim) throw MALFORMED;
  b = buf[pos++];
  lo |= (b & 0x0f) << 28;
  let hi = (b & 0x7f) >> 4;
  if (b >= 0x80) {
    for (let shift = 3; ; shift += 7) {
      if (pos >= lim) throw MALFORMED;
      b = buf[pos++];
      hi |= (b & 0x7f) << shift;
      if (b < 0x80) break;
      if (shift === 31) throw MALFORMED; // an 11th byte
    }
  }
  return (hi | 0) * 4294967296 + (lo >>> 0);
}

function double(): number {
  if (pos + 8 > lim) throw MALFORMED;
  const v = view.getFloat64(pos, true);
  pos += 8;
  return v;
}

/** Reads a length prefix and returns the end of the field it covers. */
function sub(): number {
  const n = uint32();
  const end = pos + n;
  if (end > lim) throw MALFORMED;
  return end;
}

function string(): string {
  const end = sub();
  const n = end - pos;
  // The OHLC intervals repeat in every full frame.
  if (n === 2) {
    const a = buf[pos];
    const b = buf[pos + 1];
    if (a === 0x31 && b === 0x64) return ((pos = end), '1d');
    if (a === 0x49 && b === 0x31) return ((pos = end), 'I1');
  }
  // Instrument keys repeat in every frame: an ASCII string seen before is returned from a cache
  // keyed by an FNV-1a hash of its bytes (checked byte by byte; a collision just replaces the entry).
  let h = 0x811c9dc5;
  for (let i = pos; i < end; i++) {
    const c = buf[i];
    if (c >= 0x80) {
      const s = utf8.decode(buf.subarray(pos, end));
      pos = end;
      return s;
    }
    h = Math.imul(h ^ c, 0x01000193);
  }
  const seen = interned.get(h);
  if (seen !== undefined && sameAscii(seen, pos, end)) {
    pos = end;
    return seen;
  }
  let s = '';
  for (let i = pos; i < end; i++) s += String.fromCharCode(buf[i]);
  pos = end;
  if (interned.size >= MAX_INTERNED) interned.clear();
  interned.set(h, s);
  return s;
}

const MAX_INTERNED = 50_000;
const interned = new Map<number, string>();

function sameAscii(s: string, from: number, to: number): boolean {
  if (s.length !== to - from) return false;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) !== buf[from + i]) return false;
  return true;
}
// ignoreBOM: a key that starts with U+FEFF keeps it (the default would strip it).
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/** Skips the value of an unknown field whose tag was just read. */
function skip(tag: number): void {
  switch (tag & 7) {
    case 0:
      int64();
      return;
    case 1:
      pos += 8;
      break;
    case 2:
      pos = sub();
      return;
    case 3: {
      // A group: fields up to the end-group tag with the same field number.
      for (;;) {
        const t = uint32();
        if ((t & 7) === 4) {
          if (t >>> 3 !== tag >>> 3) throw MALFORMED;
          return;
        }
        skip(t);
      }
    }
    case 5:
      pos += 4;
      break;
    default:
      throw MALFORMED; // 4: end-group without a start; 6, 7: no such wire type
  }
  if (pos > lim) throw MALFORMED;
}

/** A tag no `case` matched: a known field (1..maxField) with the wrong wire type is malformed. */
function unknown(tag: number, maxField: number): void {
  const field = tag >>> 3;
  if (field === 0 || field <= maxField) throw MALFORMED;
  skip(tag);
}

function done(end: number): void {
  if (pos !== end) throw MALFORMED;
}

function enumOf<T>(names: readonly T[]): T {
  const v = uint32();
  if (v >= names.length) throw MALFORMED;
  return names[v];
}

function readLtpc(end: number): Ltpc {
  let ltp = 0;
  let ltt = 0;
  let ltq = 0;
  let cp = 0;
  let iep: number | undefined;
  while (pos < end) {
    const tag = uint32();
    switch (tag) {
      case 0x09:
        ltp = double();
        break;
      case 0x10:
        ltt = int64();
        break;
      case 0x18:
        ltq = int64();
        break;
      case 0x21:
        cp = double();
        break;
      case 0x2a:
        iep = readDoubleValue(sub());
        break;
      default:
        unknown(tag, 5);
    }
  }
  done(end);
  return { ltp, ltt, ltq, cp, iep };
}

function readDoubleValue(end: number): number {
  let value = 0;
  while (pos < end) {
    const tag = uint32();
    if (tag === 0x09) value = double();
    else unknown(tag, 1);
  }
  done(end);
  return value;
}

function readQuote(end: number): Quote {
  let bidQ = 0;
  let bidP = 0;
  let askQ = 0;
  let askP = 0;
  while (pos < end) {
    const tag = uint32();
    switch (tag) {
      case 0x08:
        bidQ = int64();
        break;
      case 0x11:
        bidP = double();
        break;
      case 0x18:
        askQ = int64();
        break;
      case 0x21:
        askP = double();
        break;
      default:
        unknown(tag, 4);
    }
  }
  done(end);
  return { bidQ, bidP, askQ, askP };
}

function readMarketLevel(end: number): Quote[] {
  const rows: Quote[] = [];
  while (pos < end) {
    const tag = uint32();
    if (tag === 0x0a) rows.push(readQuote(sub()));
    else unknown(tag, 1);
  }
  done(end);
  return rows;
}

function readGreeks(end: number): OptionGreeks {
  let delta = 0;
  let theta = 0;
  let gamma = 0;
  let vega = 0;
  let rho = 0;
  while (pos < end) {
    const tag = uint32();
    switch (tag) {
      case 0x09:
        delta = double();
        break;
      case 0x11:
        theta = double();
        break;
      case 0x19:
        gamma = double();
        break;
      case 0x21:
        vega = double();
        break;
      case 0x29:
        rho = double();
        break;
      default:
        unknown(tag, 5);
    }
  }
  done(end);
  return { delta, theta, gamma, vega, rho };
}

function readOhlc(end: number): Ohlc {
  let interval = '';
  let open = 0;
  let high = 0;
  let low = 0;
  let close = 0;
  let vol = 0;
  let ts = 0;
  while (pos < end) {
    const tag = uint32();
    switch (tag) {
      case 0x0a:
        interval = string();
        break;
      case 0x11:
        open = double();
        break;
      case 0x19:
        high = double();
        break;
      case 0x21:
        low = double();
        break;
      case 0x29:
        close = double();
        break;
      case 0x30:
        vol = int64();
        break;
      case 0x38:
        ts = int64();
        break;
      default:
        unknown(tag, 7);
    }
  }
  done(end);
  return { interval, open, high, low, close, vol, ts };
}

function readMarketOhlc(end: number): Ohlc[] {
  const bars: Ohlc[] = [];
  while (pos < end) {
    const tag = uint32();
    if (tag === 0x0a) bars.push(readOhlc(sub()));
    else unknown(tag, 1);
  }
  done(end);
  return bars;
}

function readMarketFF(end: number): MarketFullFeed {
  let ltpc: Ltpc | undefined;
  let marketLevel: Quote[] | undefined;
  let optionGreeks: OptionGreeks | undefined;
  let marketOHLC: Ohlc[] | undefined;
  let atp = 0;
  let vtt = 0;
  let oi = 0;
  let iv = 0;
  let tbq = 0;
  let tsq = 0;
  let iep = 0;
  let rp = 0;
  let ieq = 0;
  let iiqTotal = 0;
  let iiqM = 0;
  let casEligible = false;
  while (pos < end) {
    const tag = uint32();
    switch (tag) {
      case 0x0a:
        ltpc = readLtpc(sub());
        break;
      case 0x12:
        marketLevel = readMarketLevel(sub());
        break;
      case 0x1a:
        optionGreeks = readGreeks(sub());
        break;
      case 0x22:
        marketOHLC = readMarketOhlc(sub());
        break;
      case 0x29:
        atp = double();
        break;
      case 0x30:
        vtt = int64();
        break;
      case 0x39:
        oi = double();
        break;
      case 0x41:
        iv = double();
        break;
      case 0x49:
        tbq = double();
        break;
      case 0x51:
        tsq = double();
        break;
      case 0x59:
        iep = double();
        break;
      case 0x61:
        rp = double();
        break;
      case 0x68:
        ieq = int64();
        break;
      case 0x70:
        iiqTotal = int64();
        break;
      case 0x78:
        iiqM = int64();
        break;
      case 0x80: // field 16, varint (a two-byte tag: 0x80 0x01)
        casEligible = int64() !== 0;
        break;
      default:
        unknown(tag, 16);
    }
  }
  done(end);
  return { ltpc, marketLevel, optionGreeks, marketOHLC, atp, vtt, oi, iv, tbq, tsq, iep, rp, ieq, iiqTotal, iiqM, casEligible };
}

function readIndexFF(end: number): IndexFullFeed {
  let ltpc: Ltpc | undefined;
  let marketOHLC: Ohlc[] | undefined;
  while (pos < end) {
    const tag = uint32();
    if (tag === 0x0a) ltpc = readLtpc(sub());
    else if (tag === 0x12) marketOHLC = readMarketOhlc(sub());
    else unknown(tag, 2);
  }
  done(end);
  return { ltpc, marketOHLC };
}

function readFirstLevel(end: number): FirstLevelWithGreeks {
  let ltpc: Ltpc | undefined;
  let firstDepth: Quote | undefined;
  let optionGreeks: OptionGreeks | undefined;
  let vtt = 0;
  let oi = 0;
  let iv = 0;
  while (pos < end) {
    const tag = uint32();
    switch (tag) {
      case 0x0a:
        ltpc = readLtpc(sub());
        break;
      case 0x12:
        firstDepth = readQuote(sub());
        break;
      case 0x1a:
        optionGreeks = readGreeks(sub());
        break;
      case 0x20:
        vtt = int64();
        break;
      case 0x29:
        oi = double();
        break;
      case 0x31:
        iv = double();
        break;
      default:
        unknown(tag, 6);
    }
  }
  done(end);
  return { ltpc, firstDepth, optionGreeks, vtt, oi, iv };
}

/** `FullFeed` into `f`: its oneof, last member wins. */
function readFullFeed(end: number, f: Feed): void {
  while (pos < end) {
    const tag = uint32();
    if (tag === 0x0a) {
      f.marketFF = readMarketFF(sub());
      f.indexFF = undefined;
    } else if (tag === 0x12) {
      f.indexFF = readIndexFF(sub());
      f.marketFF = undefined;
    } else unknown(tag, 2);
  }
  done(end);
}

function readFeed(end: number): Feed {
  const f: Feed = { requestMode: 'ltpc', ltpc: undefined, marketFF: undefined, indexFF: undefined, firstLevelWithGreeks: undefined };
  while (pos < end) {
    const tag = uint32();
    switch (tag) {
      case 0x0a:
        f.marketFF = f.indexFF = f.firstLevelWithGreeks = undefined;
        f.ltpc = readLtpc(sub());
        break;
      case 0x12:
        f.ltpc = f.firstLevelWithGreeks = f.marketFF = f.indexFF = undefined;
        readFullFeed(sub(), f);
        break;
      case 0x1a:
        f.ltpc = f.marketFF = f.indexFF = undefined;
        f.firstLevelWithGreeks = readFirstLevel(sub());
        break;
      case 0x20:
        f.requestMode = enumOf(REQUEST_MODES);
        break;
      default:
        unknown(tag, 4);
    }
  }
  done(end);
  return f;
}

function readFeedsEntry(end: number, feeds: Map<string, Feed>): void {
  let key = '';
  let feed: Feed | undefined;
  while (pos < end) {
    const tag = uint32();
    if (tag === 0x0a) key = string();
    else if (tag === 0x12) feed = readFeed(sub());
    else unknown(tag, 2);
  }
  done(end);
  feeds.set(key, feed ?? { requestMode: 'ltpc', ltpc: undefined, marketFF: undefined, indexFF: undefined, firstLevelWithGreeks: undefined });
}

function readStatusInfo(end: number): StatusInfo {
  let status = '';
  let updatedTime = 0;
  while (pos < end) {
    const tag = uint32();
    if (tag === 0x0a) status = string();
    else if (tag === 0x10) updatedTime = int64();
    else unknown(tag, 2);
  }
  done(end);
  return { status, updatedTime };
}

function readSegmentStatusEntry(end: number, into: Map<string, MarketStatus>): void {
  let key = '';
  let value: MarketStatus = MARKET_STATUSES[0];
  while (pos < end) {
    const tag = uint32();
    if (tag === 0x0a) key = string();
    else if (tag === 0x10) value = enumOf(MARKET_STATUSES);
    else unknown(tag, 2);
  }
  done(end);
  into.set(key, value);
}

function readStatusInfoEntry(end: number, into: Map<string, StatusInfo>): void {
  let key = '';
  let value: StatusInfo | undefined;
  while (pos < end) {
    const tag = uint32();
    if (tag === 0x0a) key = string();
    else if (tag === 0x12) value = readStatusInfo(sub());
    else unknown(tag, 2);
  }
  done(end);
  into.set(key, value ?? { status: '', updatedTime: 0 });
}

function readMarketInfo(end: number): MarketInfo {
  const info: MarketInfo = { segmentStatus: new Map(), casMarketStatus: new Map(), preOpenSessionStatus: new Map() };
  while (pos < end) {
    const tag = uint32();
    if (tag === 0x0a) readSegmentStatusEntry(sub(), info.segmentStatus);
    else if (tag === 0x12) readStatusInfoEntry(sub(), info.casMarketStatus);
    else if (tag === 0x1a) readStatusInfoEntry(sub(), info.preOpenSessionStatus);
    else unknown(tag, 3);
  }
  done(end);
  return info;
}

function readFeedResponse(): FeedResponse {
  const r: FeedResponse = { type: 'initial_feed', feeds: new Map(), currentTs: 0, marketInfo: undefined };
  while (pos < lim) {
    const tag = uint32();
    switch (tag) {
      case 0x08:
        r.type = enumOf(FEED_TYPES);
        break;
      case 0x12:
        readFeedsEntry(sub(), r.feeds);
        break;
      case 0x18:
        r.currentTs = int64();
        break;
      case 0x22:
        r.marketInfo = readMarketInfo(sub());
        break;
      default:
        unknown(tag, 4);
    }
  }
  done(lim);
  return r;
}

/**
 * Decodes one binary frame. Returns null for a malformed frame (counted in `stats.malformedFrames`);
 * never throws. The result shares nothing with the input or with other results.
 */
export function decodeFeedResponse(frame: Uint8Array, stats: DecodeStats = newDecodeStats()): FeedResponse | null {
  stats.frames++;
  buf = frame;
  view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  pos = 0;
  lim = frame.byteLength;
  let r: FeedResponse | null = null;
  try {
    r = readFeedResponse();
    stats.feeds += r.feeds.size;
  } catch {
    stats.malformedFrames++;
  }
  buf = EMPTY; // don't keep the frame alive
  view = EMPTY_VIEW;
  return r;
}
const EMPTY = new Uint8Array(0);
const EMPTY_VIEW = new DataView(EMPTY.buffer);

// ---------------------------------------------------------------------------------------------
// Writer (the simulator's side, and tests). proto3 style, as the server's encoder writes: scalars
// equal to +0 / false / "" are left out, fields in number order, sub-messages written when present
// (even if empty), map entries with both key and value.

let out = new Uint8Array(64 * 1024);
let outView = new DataView(out.buffer);
let w = 0;

function ensure(n: number): void {
  if (w + n <= out.length) return;
  let size = out.length * 2;
  while (size < w + n) size *= 2;
  const next = new Uint8Array(size);
  next.set(out.subarray(0, w));
  out = next;
  outView = new DataView(out.buffer);
}

function putVarint32(v: number): void {
  ensure(5);
  while (v > 0x7f) {
    out[w++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  out[w++] = v;
}

/** int64 from a JS number (an integer; two's complement for negatives, 10 bytes). */
function putInt64(v: number): void {
  ensure(10);
  let lo = v >>> 0;
  let hi = Math.floor(v / 4294967296) >>> 0;
  while (hi !== 0) {
    out[w++] = (lo & 0x7f) | 0x80;
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi >>>= 7;
  }
  while (lo > 0x7f) {
    out[w++] = (lo & 0x7f) | 0x80;
    lo >>>= 7;
  }
  out[w++] = lo;
}

function putDouble(tag: number, v: number): void {
  if (Object.is(v, 0)) return; // -0 and NaN are written
  putVarint32(tag);
  ensure(8);
  outView.setFloat64(w, v, true);
  w += 8;
}

function putInt64Field(tag: number, v: number): void {
  if (v === 0) return;
  putVarint32(tag);
  putInt64(v);
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

function putString(tag: number, s: string): void {
  putVarint32(tag);
  if (isAscii(s)) {
    putVarint32(s.length);
    ensure(s.length);
    for (let i = 0; i < s.length; i++) out[w++] = s.charCodeAt(i);
  } else {
    const bytes = Buffer.from(s, 'utf8');
    putVarint32(bytes.length);
    ensure(bytes.length);
    out.set(bytes, w);
    w += bytes.length;
  }
}

function putStringField(tag: number, s: string): void {
  if (s !== '') putString(tag, s);
}

/** Starts a length-delimited field: one byte is reserved for the length, `closeField` widens it if needed. */
function openField(tag: number): number {
  putVarint32(tag);
  ensure(1);
  return w++;
}

function closeField(mark: number): void {
  const len = w - mark - 1;
  if (len < 0x80) {
    out[mark] = len;
    return;
  }
  let n = 1;
  for (let v = len; v > 0x7f; v >>>= 7) n++;
  ensure(n - 1);
  out.copyWithin(mark + n, mark + 1, w);
  w += n - 1;
  let v = len;
  let p = mark;
  while (v > 0x7f) {
    out[p++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  out[p] = v;
}

function putLtpc(tag: number, l: Ltpc): void {
  const m = openField(tag);
  putDouble(0x09, l.ltp);
  putInt64Field(0x10, l.ltt);
  putInt64Field(0x18, l.ltq);
  putDouble(0x21, l.cp);
  if (l.iep !== undefined) {
    const v = openField(0x2a);
    putDouble(0x09, l.iep);
    closeField(v);
  }
  closeField(m);
}

function putQuote(tag: number, q: Quote): void {
  const m = openField(tag);
  putInt64Field(0x08, q.bidQ);
  putDouble(0x11, q.bidP);
  putInt64Field(0x18, q.askQ);
  putDouble(0x21, q.askP);
  closeField(m);
}

function putGreeks(tag: number, g: OptionGreeks): void {
  const m = openField(tag);
  putDouble(0x09, g.delta);
  putDouble(0x11, g.theta);
  putDouble(0x19, g.gamma);
  putDouble(0x21, g.vega);
  putDouble(0x29, g.rho);
  closeField(m);
}

function putMarketOhlc(tag: number, bars: readonly Ohlc[]): void {
  const m = openField(tag);
  for (const b of bars) {
    const e = openField(0x0a);
    putStringField(0x0a, b.interval);
    putDouble(0x11, b.open);
    putDouble(0x19, b.high);
    putDouble(0x21, b.low);
    putDouble(0x29, b.close);
    putInt64Field(0x30, b.vol);
    putInt64Field(0x38, b.ts);
    closeField(e);
  }
  closeField(m);
}

function putMarketFF(f: MarketFullFeed): void {
  const m = openField(0x0a);
  if (f.ltpc) putLtpc(0x0a, f.ltpc);
  if (f.marketLevel) {
    const l = openField(0x12);
    for (const q of f.marketLevel) putQuote(0x0a, q);
    closeField(l);
  }
  if (f.optionGreeks) putGreeks(0x1a, f.optionGreeks);
  if (f.marketOHLC) putMarketOhlc(0x22, f.marketOHLC);
  putDouble(0x29, f.atp);
  putInt64Field(0x30, f.vtt);
  putDouble(0x39, f.oi);
  putDouble(0x41, f.iv);
  putDouble(0x49, f.tbq);
  putDouble(0x51, f.tsq);
  putDouble(0x59, f.iep);
  putDouble(0x61, f.rp);
  putInt64Field(0x68, f.ieq);
  putInt64Field(0x70, f.iiqTotal);
  putInt64Field(0x78, f.iiqM);
  if (f.casEligible) {
    putVarint32(0x80);
    putVarint32(1);
  }
  closeField(m);
}

function putFeed(f: Feed): void {
  if (f.ltpc) putLtpc(0x0a, f.ltpc);
  else if (f.marketFF || f.indexFF) {
    const m = openField(0x12);
    if (f.marketFF) putMarketFF(f.marketFF);
    else if (f.indexFF) {
      const i = openField(0x12);
      if (f.indexFF.ltpc) putLtpc(0x0a, f.indexFF.ltpc);
      if (f.indexFF.marketOHLC) putMarketOhlc(0x12, f.indexFF.marketOHLC);
      closeField(i);
    }
    closeField(m);
  } else if (f.firstLevelWithGreeks) {
    const g = f.firstLevelWithGreeks;
    const m = openField(0x1a);
    if (g.ltpc) putLtpc(0x0a, g.ltpc);
    if (g.firstDepth) putQuote(0x12, g.firstDepth);
    if (g.optionGreeks) putGreeks(0x1a, g.optionGreeks);
    putInt64Field(0x20, g.vtt);
    putDouble(0x29, g.oi);
    putDouble(0x31, g.iv);
    closeField(m);
  }
  const mode = REQUEST_MODES.indexOf(f.requestMode);
  if (mode > 0) {
    putVarint32(0x20);
    putVarint32(mode);
  }
}

function putStatusInfoMap(tag: number, map: ReadonlyMap<string, StatusInfo>): void {
  for (const [key, s] of map) {
    const e = openField(tag);
    putString(0x0a, key);
    const v = openField(0x12);
    putStringField(0x0a, s.status);
    putInt64Field(0x10, s.updatedTime);
    closeField(v);
    closeField(e);
  }
}

/** Encodes a FeedResponse as the server sends it (a fresh Buffer). */
export function encodeFeedResponse(r: FeedResponse): Buffer {
  w = 0;
  const type = FEED_TYPES.indexOf(r.type);
  if (type > 0) {
    putVarint32(0x08);
    putVarint32(type);
  }
  for (const [key, feed] of r.feeds) {
    const e = openField(0x12);
    putString(0x0a, key);
    const v = openField(0x12);
    putFeed(feed);
    closeField(v);
    closeField(e);
  }
  putInt64Field(0x18, r.currentTs);
  if (r.marketInfo) {
    const m = openField(0x22);
    for (const [segment, status] of r.marketInfo.segmentStatus) {
      const e = openField(0x0a);
      putString(0x0a, segment);
      putVarint32(0x10);
      putVarint32(MARKET_STATUSES.indexOf(status));
      closeField(e);
    }
    putStatusInfoMap(0x12, r.marketInfo.casMarketStatus);
    putStatusInfoMap(0x1a, r.marketInfo.preOpenSessionStatus);
    closeField(m);
  }
  return Buffer.from(out.subarray(0, w));
}

// ---------------------------------------------------------------------------------------------
// Requests (client → server): JSON sent as a binary frame.

/** Subscription modes a client asks for (the server reports `full` as RequestMode `full_d5`). */
export type FeedMode = 'ltpc' | 'full' | 'option_greeks' | 'full_d30';
export const FEED_MODES: readonly FeedMode[] = ['ltpc', 'full', 'option_greeks', 'full_d30'];
export type FeedMethod = 'sub' | 'unsub' | 'change_mode';

export interface FeedRequest {
  guid: string;
  method: FeedMethod;
  /** Absent for unsub. */
  mode?: FeedMode;
  instrumentKeys: string[];
}

/** The RequestMode the server stamps on feeds of a subscription in `mode`. */
export function requestModeOf(mode: FeedMode): RequestMode {
  return mode === 'full' ? 'full_d5' : mode;
}

/**
 * A request as the bytes of the binary frame: {"guid","method","data":{"instrumentKeys","mode"?}}, in
 * the official SDK's key order (so the bytes equal its buildRequest's for the same guid).
 */
export function encodeFeedRequest(r: FeedRequest): Buffer {
  const data = r.mode === undefined || r.method === 'unsub' ? { instrumentKeys: r.instrumentKeys } : { instrumentKeys: r.instrumentKeys, mode: r.mode };
  return Buffer.from(JSON.stringify({ guid: r.guid, method: r.method, data }), 'utf8');
}

export const subscribeRequest = (guid: string, mode: FeedMode, keys: readonly string[]): Buffer =>
  encodeFeedRequest({ guid, method: 'sub', mode, instrumentKeys: [...keys] });
export const unsubscribeRequest = (guid: string, keys: readonly string[]): Buffer => encodeFeedRequest({ guid, method: 'unsub', instrumentKeys: [...keys] });
export const changeModeRequest = (guid: string, mode: FeedMode, keys: readonly string[]): Buffer =>
  encodeFeedRequest({ guid, method: 'change_mode', mode, instrumentKeys: [...keys] });

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A client's request (the simulator's side), from the frame's bytes or text; null for anything that
 * is not one: not UTF-8 JSON, an unknown method, no keys, a key that is not a non-empty string, or a
 * sub / change_mode without a known mode. An unsub's mode, if any, is ignored.
 */
export function parseFeedRequest(frame: Uint8Array | string): FeedRequest | null {
  let msg: unknown;
  try {
    msg = JSON.parse(typeof frame === 'string' ? frame : strictUtf8.decode(frame));
  } catch {
    return null;
  }
  if (typeof msg !== 'object' || msg === null) return null;
  const { guid, method, data } = msg as { guid?: unknown; method?: unknown; data?: unknown };
  if (typeof guid !== 'string' || guid === '') return null;
  if (method !== 'sub' && method !== 'unsub' && method !== 'change_mode') return null;
  if (typeof data !== 'object' || data === null) return null;
  const { mode, instrumentKeys } = data as { mode?: unknown; instrumentKeys?: unknown };
  if (!Array.isArray(instrumentKeys) || instrumentKeys.length === 0) return null;
  if (!instrumentKeys.every((k) => typeof k === 'string' && k !== '')) return null;
  if (method === 'unsub') return { guid, method, instrumentKeys: instrumentKeys as string[] };
  if (!FEED_MODES.includes(mode as FeedMode)) return null;
  return { guid, method, mode: mode as FeedMode, instrumentKeys: instrumentKeys as string[] };
}

// ---------------------------------------------------------------------------------------------
// Failure replies (server → client text frames). Shape from client code that handles them
// ({status: "failed", error, method?}), not from a vendor doc page: parse leniently.

export interface FeedFailure {
  error: string;
  /** An error code, when the error came as an object carrying one. */
  code?: string;
  method?: string;
  guid?: string;
}

/** A text frame with status "failed", or null for anything else (other JSON, not JSON). */
export function parseFeedFailure(text: string): FeedFailure | null {
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof msg !== 'object' || msg === null) return null;
  const m = msg as { status?: unknown; error?: unknown; method?: unknown; guid?: unknown };
  if (m.status !== 'failed') return null;
  const f: FeedFailure = { error: '' };
  if (typeof m.error === 'string') f.error = m.error;
  else if (typeof m.error === 'object' && m.error !== null) {
    const e = m.error as { message?: unknown; errorCode?: unknown; code?: unknown };
    f.error = typeof e.message === 'string' ? e.message : JSON.stringify(m.error);
    const code = e.errorCode ?? e.code;
    if (typeof code === 'string' || typeof code === 'number') f.code = String(code);
  } else if (m.error !== undefined) f.error = String(m.error);
  if (typeof m.method === 'string') f.method = m.method;
  if (typeof m.guid === 'string') f.guid = m.guid;
  return f;
}

/** The failure reply the simulator sends for a bad request. */
export function encodeFeedFailure(f: FeedFailure): string {
  const msg: Record<string, string> = { status: 'failed' };
  if (f.guid !== undefined) msg.guid = f.guid;
  if (f.method !== undefined) msg.method = f.method;
  msg.error = f.error;
  return JSON.stringify(msg);
}
