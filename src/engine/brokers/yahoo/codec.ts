// Yahoo Finance streamer codec (specs/fyers-upstox-yahoo.md §3.2). Pure: text frames in, PricingData
// out, and the way back for the simulator. No I/O.
//
// A server text frame is `{"type":"pricing","message":"<base64>"}` (URL `?version=2`) or, on the
// legacy URL, the bare base64 string. The base64 holds one protobuf PricingData (proto/pricing.proto):
// proto3, so a field that is absent means 0 or "". The protobuf reader is written by hand (varints,
// zigzag sint64, float32/double little-endian, length-delimited strings, unknown fields skipped by
// wire type) so a frame costs one object and its strings; protobufjs is the tests' oracle only.
// A malformed frame (bad JSON, bad base64, truncated protobuf, a known field with the wrong wire
// type, an overlong varint) is counted and skipped, never thrown.

// ---------------------------------------------------------------------------------------------
// The message.

/** QuoteType values (field 6). proto3 enums are open: other numbers may arrive and are kept. */
export const QuoteType = {
  NONE: 0,
  ALTSYMBOL: 5,
  HEARTBEAT: 7,
  EQUITY: 8,
  INDEX: 9,
  MUTUALFUND: 11,
  MONEYMARKET: 12,
  OPTION: 13,
  CURRENCY: 14,
  WARRANT: 15,
  BOND: 17,
  FUTURE: 18,
  ETF: 20,
  COMMODITY: 23,
  ECNQUOTE: 28,
  CRYPTOCURRENCY: 41,
  INDICATOR: 42,
  INDUSTRY: 1000,
} as const;

/** MarketHours values (field 7). */
export const MarketHours = { PRE_MARKET: 0, REGULAR_MARKET: 1, POST_MARKET: 2, EXTENDED_HOURS_MARKET: 3 } as const;

/** OptionType values (the meaning of field 20, optionsType). */
export const OptionType = { CALL: 0, PUT: 1 } as const;

/**
 * One decoded PricingData. Every field is present with its proto3 default (0 or "") when the wire
 * left it out, so 0 means "not sent" for bid, ask, sizes and the like. Prices are the float32 the
 * wire carries, widened (2885.2 arrives as 2885.199951171875): show them with presentPrice().
 * The sint64 fields are numbers: exact up to 2^53 (epoch ms, volumes), beyond it rounded once,
 * as Long#toNumber rounds.
 */
export interface PricingData {
  id: string;
  price: number;
  /** Epoch ms. */
  time: number;
  currency: string;
  exchange: string;
  quoteType: number;
  marketHours: number;
  changePercent: number;
  /** Cumulative for the day. */
  dayVolume: number;
  dayHigh: number;
  dayLow: number;
  change: number;
  shortName: string;
  expireDate: number;
  openPrice: number;
  previousClose: number;
  strikePrice: number;
  underlyingSymbol: string;
  openInterest: number;
  /** Read as sint64, as yfinance declares it; see optionTypeOf(). */
  optionsType: number;
  miniOption: number;
  lastSize: number;
  bid: number;
  bidSize: number;
  ask: number;
  askSize: number;
  /** Decimals to show prices with (0 also means "not sent"). */
  priceHint: number;
  vol24hr: number;
  volAllCurrencies: number;
  fromCurrency: string;
  lastMarket: string;
  circulatingSupply: number;
  marketCap: number;
}

/** A PricingData with every field at its default; one object literal, so one hidden class. */
export function emptyPricingData(): PricingData {
  return {
    id: '',
    price: 0,
    time: 0,
    currency: '',
    exchange: '',
    quoteType: 0,
    marketHours: 0,
    changePercent: 0,
    dayVolume: 0,
    dayHigh: 0,
    dayLow: 0,
    change: 0,
    shortName: '',
    expireDate: 0,
    openPrice: 0,
    previousClose: 0,
    strikePrice: 0,
    underlyingSymbol: '',
    openInterest: 0,
    optionsType: 0,
    miniOption: 0,
    lastSize: 0,
    bid: 0,
    bidSize: 0,
    ask: 0,
    askSize: 0,
    priceHint: 0,
    vol24hr: 0,
    volAllCurrencies: 0,
    fromCurrency: '',
    lastMarket: '',
    circulatingSupply: 0,
    marketCap: 0,
  };
}

/**
 * 'CALL' or 'PUT' for an option's message, else undefined. yfinance declares optionsType sint64
 * (PUT = zigzag 2 on the wire, read here as 1); other protos an int32 enum (PUT = 1 on the wire,
 * which a sint64 read gives as -1). Both are accepted; a CALL is 0 either way (absent in proto3),
 * so it only means CALL when the quote type says OPTION.
 */
export function optionTypeOf(p: PricingData): 'CALL' | 'PUT' | undefined {
  if (p.optionsType === OptionType.PUT || p.optionsType === -1) return 'PUT';
  if (p.optionsType === OptionType.CALL && p.quoteType === QuoteType.OPTION) return 'CALL';
  return undefined;
}

/**
 * A wire price as a trader reads it. Prices travel as float32, which holds ₹2,885.20 as
 * 2885.199951171875. With `decimals` (the message's priceHint: 2 for NSE stocks and indices, 4 for
 * USDINR=X) the value is rounded to that many places, i.e. to the paisa for rupee prices. Without
 * it, to the shortest decimal that is the same float32 — not to 7 significant digits, which would
 * turn ₹1,34,567.25 (exact in float32) into 134567.3.
 */
export function presentPrice(v: number, decimals?: number): number {
  if (v === 0 || !Number.isFinite(v)) return v;
  if (decimals !== undefined && Number.isInteger(decimals) && decimals >= 0 && decimals <= 10) {
    const scale = 10 ** decimals;
    // An integer divided by an exact power of ten is the double nearest the decimal, e.g. 2885.2.
    return Math.round(v * scale) / scale;
  }
  const f = Math.fround(v);
  for (let digits = 1; digits <= 9; digits++) {
    const r = Number(f.toPrecision(digits));
    if (Math.fround(r) === f) return r;
  }
  return f;
}

// ---------------------------------------------------------------------------------------------
// The protobuf reader: one reused cursor, so a message costs its object and its new strings only.

const enum Wire {
  Varint = 0,
  I64 = 1,
  Len = 2,
  I32 = 5,
}

/**
 * The cursor over one message's bytes. One instance is reused; it keeps the last buffer it read
 * (and a DataView on it) until another comes.
 */
class Reader {
  buf: Uint8Array = new Uint8Array(0);
  /** A view on `buf` for floats, kept while the same buffer comes back (the base64 scratch always does). */
  view: DataView = new DataView(this.buf.buffer);
  pos = 0;
  end = 0;
  /** False once a read ran past `end` or met an overlong varint. */
  ok = true;
  /** The last varint, as two 32-bit halves (kept as int32: V8 stores those unboxed). */
  lo = 0;
  hi = 0;

  reset(bytes: Uint8Array, start: number, stop: number): void {
    if (bytes !== this.buf) {
      this.buf = bytes;
      this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    this.pos = start;
    this.end = stop;
    this.ok = true;
  }

  fail(): void {
    this.ok = false;
    this.pos = this.end;
  }

  /** Reads a varint of at most 10 bytes into lo/hi (as protobufjs does: bits past 64 are dropped). */
  varint(): void {
    const buf = this.buf;
    const end = this.end;
    let pos = this.pos;
    let l = 0;
    let b: number;
    for (let shift = 0; shift < 28; shift += 7) {
      if (pos >= end) return this.fail();
      b = buf[pos++];
      l |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = pos;
        this.lo = l;
        this.hi = 0;
        return;
      }
    }
    // Byte 5 straddles the halves: 4 bits to lo, 3 to hi.
    if (pos >= end) return this.fail();
    b = buf[pos++];
    this.lo = l | ((b & 0x0f) << 28);
    let h = (b & 0x7f) >> 4;
    if (b < 0x80) {
      this.pos = pos;
      this.hi = h;
      return;
    }
    for (let shift = 3; shift < 38; shift += 7) {
      if (pos >= end) return this.fail();
      b = buf[pos++];
      h |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = pos;
        this.hi = h;
        return;
      }
    }
    this.fail(); // an 11th byte: overlong
  }

  /** The next varint as a zigzag sint64, as a number. */
  sint64(): number {
    this.varint();
    const lo = this.lo;
    const hi = this.hi;
    const mask = -(lo & 1);
    const l = ((lo >>> 1) | (hi << 31)) ^ mask;
    const h = (hi >>> 1) ^ mask;
    return h * 4294967296 + (l >>> 0);
  }

  /** The next varint's low 32 bits as an int32 (enums, int32). */
  int32(): number {
    this.varint();
    return this.lo | 0;
  }

  float(): number {
    const pos = this.pos;
    if (this.end - pos < 4) {
      this.fail();
      return 0;
    }
    this.pos = pos + 4;
    return this.view.getFloat32(pos, true);
  }

  double(): number {
    const pos = this.pos;
    if (this.end - pos < 8) {
      this.fail();
      return 0;
    }
    this.pos = pos + 8;
    return this.view.getFloat64(pos, true);
  }

  /** The byte length of a length-delimited field; -1 (and failed) when it runs past the end. */
  length(): number {
    this.varint();
    if (!this.ok) return -1;
    if (this.hi !== 0 || this.lo < 0 || this.lo > this.end - this.pos) {
      this.fail();
      return -1;
    }
    return this.lo;
  }

  string(): string {
    const len = this.length();
    if (len <= 0) return '';
    const buf = this.buf;
    const start = this.pos;
    const stop = start + len;
    this.pos = stop;
    if (len > INTERN_MAX_LENGTH) return utf8Decoder.decode(buf.subarray(start, stop));
    // Symbols, exchanges and currencies are short ASCII and repeat every tick: hand back the string
    // made last time these bytes came (FNV-1a over the bytes picks the slot, whose bytes are kept).
    let h = 0x811c9dc5 | 0; // int32 from the start, or V8 runs the loop in doubles
    for (let i = start; i < stop; i++) {
      const c = buf[i];
      if (c >= 0x80) return utf8Decoder.decode(buf.subarray(start, stop));
      h = Math.imul(h ^ c, 0x01000193);
    }
    const slot = h & (INTERN_SLOTS - 1);
    const kept = internBytes;
    const base = slot * (INTERN_MAX_LENGTH + 1);
    if (kept[base] === len) {
      let same = true;
      for (let i = 0; i < len; i++) {
        if (kept[base + 1 + i] !== buf[start + i]) {
          same = false;
          break;
        }
      }
      if (same) return interned[slot];
    }
    let s = '';
    for (let i = 0; i < len; i++) {
      const c = buf[start + i];
      s += String.fromCharCode(c);
      kept[base + 1 + i] = c;
    }
    kept[base] = len;
    interned[slot] = s;
    return s;
  }

  /** Skips a field the schema does not name. Groups (wire types 3, 4) and 6, 7 do not occur in proto3: malformed. */
  skip(wire: number): void {
    switch (wire) {
      case Wire.Varint:
        this.varint();
        return;
      case Wire.I64:
        if (this.end - this.pos < 8) return this.fail();
        this.pos += 8;
        return;
      case Wire.Len: {
        const len = this.length();
        if (len >= 0) this.pos += len;
        return;
      }
      case Wire.I32:
        if (this.end - this.pos < 4) return this.fail();
        this.pos += 4;
        return;
      default:
        this.fail();
    }
  }
}

const utf8Decoder = new TextDecoder('utf-8');
const reader = new Reader();
/** Short ASCII strings already made, by hash slot: at most 4096 strings of up to 32 characters. */
const INTERN_SLOTS = 4096;
const INTERN_MAX_LENGTH = 32;
const interned: string[] = new Array<string>(INTERN_SLOTS).fill('');
/** Per slot: the length, then the bytes of the string in `interned`. */
const internBytes = new Uint8Array(INTERN_SLOTS * (INTERN_MAX_LENGTH + 1));

// The wire type each known field must arrive with (index = field number; -1 = unknown field).
const FIELD_WIRE: Int8Array = (() => {
  const w = new Int8Array(34).fill(-1);
  for (const f of [1, 4, 5, 13, 18, 30, 31]) w[f] = Wire.Len;
  for (const f of [2, 8, 10, 11, 12, 15, 16, 17, 23, 25]) w[f] = Wire.I32;
  for (const f of [32, 33]) w[f] = Wire.I64;
  for (const f of [3, 6, 7, 9, 14, 19, 20, 21, 22, 24, 26, 27, 28, 29]) w[f] = Wire.Varint;
  return w;
})();

/**
 * Decodes one PricingData from bytes [start, stop) of `bytes`; null when malformed. Later
 * occurrences of a field win, as protobuf specifies.
 */
export function decodePricingData(bytes: Uint8Array, start = 0, stop = bytes.length): PricingData | null {
  const r = reader;
  const wires = FIELD_WIRE;
  r.reset(bytes, start, stop);
  const m = emptyPricingData();
  while (r.pos < r.end) {
    r.varint();
    if (!r.ok || r.hi !== 0) return null;
    const field = r.lo >>> 3;
    const wire = r.lo & 7;
    if (field === 0) return null;
    if (field > 33 || wires[field] < 0) {
      r.skip(wire);
      if (!r.ok) return null;
      continue;
    }
    if (wire !== wires[field]) return null;
    switch (field) {
      case 1:
        m.id = r.string();
        break;
      case 2:
        m.price = r.float();
        break;
      case 3:
        m.time = r.sint64();
        break;
      case 4:
        m.currency = r.string();
        break;
      case 5:
        m.exchange = r.string();
        break;
      case 6:
        m.quoteType = r.int32();
        break;
      case 7:
        m.marketHours = r.int32();
        break;
      case 8:
        m.changePercent = r.float();
        break;
      case 9:
        m.dayVolume = r.sint64();
        break;
      case 10:
        m.dayHigh = r.float();
        break;
      case 11:
        m.dayLow = r.float();
        break;
      case 12:
        m.change = r.float();
        break;
      case 13:
        m.shortName = r.string();
        break;
      case 14:
        m.expireDate = r.sint64();
        break;
      case 15:
        m.openPrice = r.float();
        break;
      case 16:
        m.previousClose = r.float();
        break;
      case 17:
        m.strikePrice = r.float();
        break;
      case 18:
        m.underlyingSymbol = r.string();
        break;
      case 19:
        m.openInterest = r.sint64();
        break;
      case 20:
        m.optionsType = r.sint64();
        break;
      case 21:
        m.miniOption = r.sint64();
        break;
      case 22:
        m.lastSize = r.sint64();
        break;
      case 23:
        m.bid = r.float();
        break;
      case 24:
        m.bidSize = r.sint64();
        break;
      case 25:
        m.ask = r.float();
        break;
      case 26:
        m.askSize = r.sint64();
        break;
      case 27:
        m.priceHint = r.sint64();
        break;
      case 28:
        m.vol24hr = r.sint64();
        break;
      case 29:
        m.volAllCurrencies = r.sint64();
        break;
      case 30:
        m.fromCurrency = r.string();
        break;
      case 31:
        m.lastMarket = r.string();
        break;
      case 32:
        m.circulatingSupply = r.double();
        break;
      case 33:
        m.marketCap = r.double();
        break;
    }
    if (!r.ok) return null;
  }
  return m;
}

// ---------------------------------------------------------------------------------------------
// Base64, decoded by Node into a reused scratch buffer. Node skips characters outside the alphabet
// without a word, so the byte count is checked against the text's length: any skipped character
// (or an early "=") leaves fewer bytes than the length promises. Node also reads the URL-safe
// alphabet ("-", "_"); those decode, and the protobuf reader judges the bytes.

let scratch = Buffer.alloc(4096);

/** Decodes `b64` into `scratch`; the byte count, or -1 when it is not base64. */
function decodeBase64(b64: string): number {
  let n = b64.length;
  if (n > 0 && b64.charCodeAt(n - 1) === 61 /* = */) n--;
  if (n > 0 && b64.charCodeAt(n - 1) === 61) n--;
  if (n % 4 === 1) return -1;
  const bytes = (n * 3) >> 2;
  if (bytes > scratch.length) scratch = Buffer.alloc(Math.max(bytes, scratch.length * 2));
  return scratch.write(b64, 0, 'base64') === bytes ? bytes : -1;
}

// ---------------------------------------------------------------------------------------------
// Frames.

export const enum FrameKind {
  Pricing = 0,
  Ignored = 1,
  Malformed = 2,
}

export interface DecodeStats {
  frames: number;
  /** PricingData messages delivered. */
  messages: number;
  /** Bad JSON, bad base64, bad protobuf, an empty frame: skipped. */
  malformedFrames: number;
  /** Well-formed JSON frames of another type than "pricing": skipped. */
  ignoredFrames: number;
}

export function newDecodeStats(): DecodeStats {
  return { frames: 0, messages: 0, malformedFrames: 0, ignoredFrames: 0 };
}

// The envelope as the server writes it; anything else (other key order, spaces) goes through JSON.parse.
const ENVELOPE_HEAD = '{"type":"pricing","message":"';
const ENVELOPE_TAIL = '"}';

function decodeBase64Message(b64: string): PricingData | null {
  const n = decodeBase64(b64);
  return n < 0 ? null : decodePricingData(scratch, 0, n);
}

function decodeEnvelope(text: string): PricingData | null | undefined {
  const head = ENVELOPE_HEAD.length;
  const tail = ENVELOPE_TAIL.length;
  if (text.length >= head + tail && text.endsWith(ENVELOPE_TAIL) && text.slice(0, head) === ENVELOPE_HEAD) {
    // Anything but base64 between the quotes (another key, an escape) fails the byte count:
    // then JSON.parse decides.
    const n = decodeBase64(text.slice(head, text.length - tail));
    if (n >= 0) return decodePricingData(scratch, 0, n);
  }
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return null;
  const { type, message } = msg as { type?: unknown; message?: unknown };
  if (type !== 'pricing') return undefined;
  return typeof message === 'string' ? decodeBase64Message(message) : null;
}

/**
 * Decodes one server text frame (either framing) and hands its PricingData to `onMessage`. Returns
 * what the frame was; malformed and other-type frames are counted in `stats`, never thrown.
 */
export function decodeFrame(frame: string | Uint8Array, onMessage: (p: PricingData) => void, stats: DecodeStats = newDecodeStats()): FrameKind {
  stats.frames++;
  const text = typeof frame === 'string' ? frame : Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength).toString('utf8');
  let m: PricingData | null | undefined = null;
  if (text.length > 0) m = text.charCodeAt(0) === 123 /* { */ ? decodeEnvelope(text) : decodeBase64Message(text);
  if (m === undefined) {
    stats.ignoredFrames++;
    return FrameKind.Ignored;
  }
  if (m === null) {
    stats.malformedFrames++;
    return FrameKind.Malformed;
  }
  stats.messages++;
  onMessage(m);
  return FrameKind.Pricing;
}

/** Convenience: the frame's message, or null (tests, the `decode` command). */
export function decodeFrameMessage(frame: string | Uint8Array, stats?: DecodeStats): PricingData | null {
  let out: PricingData | null = null;
  decodeFrame(frame, (p) => (out = p), stats);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Encoding (the simulator's side, and tests): proto3, so default fields are left out.

let wbuf = Buffer.alloc(1024);
let wpos = 0;

function ensure(n: number): void {
  if (wpos + n <= wbuf.length) return;
  const grown = Buffer.alloc(Math.max(wbuf.length * 2, wpos + n));
  wbuf.copy(grown, 0, 0, wpos);
  wbuf = grown;
}

function writeVarint(l: number, h: number): void {
  ensure(10);
  while (h !== 0 || l > 0x7f) {
    wbuf[wpos++] = (l & 0x7f) | 0x80;
    l = ((l >>> 7) | (h << 25)) >>> 0;
    h >>>= 7;
  }
  wbuf[wpos++] = l;
}

function writeTag(field: number, wire: number): void {
  writeVarint(((field << 3) | wire) >>> 0, 0);
}

function writeSint64(field: number, v: number | undefined): void {
  if (!v || !Number.isFinite(v)) return;
  const a = Math.trunc(Math.abs(v));
  if (a === 0) return;
  // Two's complement halves of the integer, then zigzag.
  let l = a >>> 0;
  let h = ((a - l) / 4294967296) >>> 0;
  if (v < 0) {
    l = ~l >>> 0;
    h = ~h >>> 0;
    if (++l > 0xffffffff) {
      l = 0;
      h = (h + 1) >>> 0;
    }
  }
  const mask = h >> 31;
  writeTag(field, Wire.Varint);
  writeVarint(((l << 1) ^ mask) >>> 0, (((h << 1) | (l >>> 31)) ^ mask) >>> 0);
}

function writeInt32(field: number, v: number | undefined): void {
  if (!v) return;
  writeTag(field, Wire.Varint);
  // A negative int32 goes out sign-extended to 64 bits (10 bytes), as protobuf requires.
  writeVarint(v >>> 0, v < 0 ? 0xffffffff : 0);
}

function writeFloat(field: number, v: number | undefined): void {
  if (v === undefined || Object.is(v, 0)) return;
  writeTag(field, Wire.I32);
  ensure(4);
  wbuf.writeFloatLE(v, wpos);
  wpos += 4;
}

function writeDouble(field: number, v: number | undefined): void {
  if (v === undefined || Object.is(v, 0)) return;
  writeTag(field, Wire.I64);
  ensure(8);
  wbuf.writeDoubleLE(v, wpos);
  wpos += 8;
}

function writeString(field: number, v: string | undefined): void {
  if (!v) return;
  const len = Buffer.byteLength(v, 'utf8');
  writeTag(field, Wire.Len);
  writeVarint(len, 0);
  ensure(len);
  wpos += wbuf.write(v, wpos, 'utf8');
}

/** Writes the message into the shared write buffer; returns its length. */
function encodeInto(p: Partial<PricingData>): number {
  wpos = 0;
  writeString(1, p.id);
  writeFloat(2, p.price);
  writeSint64(3, p.time);
  writeString(4, p.currency);
  writeString(5, p.exchange);
  writeInt32(6, p.quoteType);
  writeInt32(7, p.marketHours);
  writeFloat(8, p.changePercent);
  writeSint64(9, p.dayVolume);
  writeFloat(10, p.dayHigh);
  writeFloat(11, p.dayLow);
  writeFloat(12, p.change);
  writeString(13, p.shortName);
  writeSint64(14, p.expireDate);
  writeFloat(15, p.openPrice);
  writeFloat(16, p.previousClose);
  writeFloat(17, p.strikePrice);
  writeString(18, p.underlyingSymbol);
  writeSint64(19, p.openInterest);
  writeSint64(20, p.optionsType);
  writeSint64(21, p.miniOption);
  writeSint64(22, p.lastSize);
  writeFloat(23, p.bid);
  writeSint64(24, p.bidSize);
  writeFloat(25, p.ask);
  writeSint64(26, p.askSize);
  writeSint64(27, p.priceHint);
  writeSint64(28, p.vol24hr);
  writeSint64(29, p.volAllCurrencies);
  writeString(30, p.fromCurrency);
  writeString(31, p.lastMarket);
  writeDouble(32, p.circulatingSupply);
  writeDouble(33, p.marketCap);
  return wpos;
}

/** The protobuf bytes of a PricingData (fields left out or at their default are not written). */
export function encodePricingData(p: Partial<PricingData>): Buffer {
  const n = encodeInto(p);
  return Buffer.from(wbuf.subarray(0, n));
}

/** The message as base64: the legacy streamer's whole text frame. */
export function encodeLegacyFrame(p: Partial<PricingData>): string {
  const n = encodeInto(p);
  return wbuf.toString('base64', 0, n);
}

/** The `?version=2` text frame: {"type":"pricing","message":"<base64>"}. */
export function encodePricingFrame(p: Partial<PricingData>): string {
  return `${ENVELOPE_HEAD}${encodeLegacyFrame(p)}${ENVELOPE_TAIL}`;
}

// ---------------------------------------------------------------------------------------------
// Client → server control frames.

export type ControlMessage = { action: 'subscribe' | 'unsubscribe'; symbols: string[] };

export const subscribeMessage = (symbols: readonly string[]): string => JSON.stringify({ subscribe: symbols });
export const unsubscribeMessage = (symbols: readonly string[]): string => JSON.stringify({ unsubscribe: symbols });

/**
 * A client's text frame (the simulator's side), or null when it is not one: exactly one of
 * `subscribe` / `unsubscribe`, a list of non-empty strings.
 */
export function parseControl(text: string): ControlMessage | null {
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return null;
  const { subscribe, unsubscribe } = msg as { subscribe?: unknown; unsubscribe?: unknown };
  if ((subscribe === undefined) === (unsubscribe === undefined)) return null;
  const action = subscribe !== undefined ? 'subscribe' : 'unsubscribe';
  const symbols = subscribe ?? unsubscribe;
  if (!Array.isArray(symbols) || !symbols.every((s) => typeof s === 'string' && s.length > 0)) return null;
  return { action, symbols };
}
