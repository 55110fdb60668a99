// PostgreSQL binary COPY encoding of journal tick rows: no number → text → number round trip on
// either side, which is where most of a text COPY's time goes.
//
// Format: signature, flags, extension length; per tuple an int16 field count and per field an
// int32 byte length (−1 = NULL) and the value in the type's binary send format; an int16 −1 trailer.

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const PG_EPOCH_MS = 946_684_800_000; // 2000-01-01T00:00:00Z
const OID_INT4 = 23;
const OID_INT8 = 20;
const OID_FLOAT8 = 701;
const FIELDS = 26;

export const COPY_TICKS_BINARY_HEADER = Buffer.concat([SIGNATURE, Buffer.alloc(8)]);
export const COPY_BINARY_TRAILER = Buffer.from([0xff, 0xff]);

/** Appends tuples to a growing buffer; `take()` hands out what is written so far. */
export class TickBinaryEncoder {
  private buf: Buffer;
  private view: DataView;
  private off = 0;
  private readonly source: Buffer;
  /** An aligned scratch copy of the row's depth blob (reading doubles from it beats readDoubleLE). */
  private scratch = new Float64Array(30);
  private scratchBytes = new Uint8Array(this.scratch.buffer);

  constructor(sourceId: string, initialBytes = 1 << 20) {
    this.source = Buffer.from(sourceId, 'utf8');
    this.buf = Buffer.allocUnsafe(initialBytes);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  private ensure(n: number): void {
    if (this.off + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.off + n));
    this.buf.copy(bigger, 0, 0, this.off);
    this.buf = bigger;
    this.view = new DataView(bigger.buffer, bigger.byteOffset, bigger.byteLength);
  }

  private int64(v: number): void {
    const hi = Math.floor(v / 4294967296);
    this.view.setInt32(this.off, hi);
    this.view.setUint32(this.off + 4, v - hi * 4294967296);
    this.off += 8;
  }

  private ts(ms: number): void {
    this.view.setInt32(this.off, 8);
    this.off += 4;
    this.int64((ms - PG_EPOCH_MS) * 1000);
  }

  private f8(v: unknown): void {
    if (v === null || v === undefined) {
      this.view.setInt32(this.off, -1);
      this.off += 4;
      return;
    }
    this.view.setInt32(this.off, 8);
    this.view.setFloat64(this.off + 4, v as number);
    this.off += 12;
  }

  private i8(v: unknown): void {
    if (v === null || v === undefined) {
      this.view.setInt32(this.off, -1);
      this.off += 4;
      return;
    }
    this.view.setInt32(this.off, 8);
    this.off += 4;
    this.int64(Math.trunc(v as number));
  }

  /** A one-dimensional array field of `n` elements of the scratch book from `base`. */
  private array(book: Float64Array, base: number, n: number, oid: number): void {
    const elem = oid === OID_INT4 ? 4 : 8;
    this.view.setInt32(this.off, 20 + n * (4 + elem));
    this.view.setInt32(this.off + 4, 1); // ndim
    this.view.setInt32(this.off + 8, 0); // no nulls
    this.view.setInt32(this.off + 12, oid);
    this.view.setInt32(this.off + 16, n);
    this.view.setInt32(this.off + 20, 1); // lower bound
    this.off += 24;
    for (let i = 0; i < n; i++) {
      const v = book[base + i];
      this.view.setInt32(this.off, elem);
      if (oid === OID_FLOAT8) this.view.setFloat64(this.off + 4, v);
      else if (oid === OID_INT4) this.view.setInt32(this.off + 4, v);
      else {
        this.off += 4;
        this.int64(Math.trunc(v));
        continue;
      }
      this.off += 4 + elem;
    }
  }

  /** One tuple from a journal row (Journal.RAW_TICK_COLUMNS order), columns as COPY_TICKS_SQL. */
  add(r: unknown[], remoteId: number): void {
    const blob = r[20] as Buffer | null;
    const n = blob ? blob.length / 48 : 0;
    this.ensure(2 + FIELDS * 12 + this.source.length + (blob ? 6 * (24 + n * 12) : 0));
    this.view.setInt16(this.off, FIELDS);
    this.off += 2;
    this.ts(r[2] as number);
    this.view.setInt32(this.off, 4);
    this.view.setInt32(this.off + 4, remoteId);
    this.off += 8;
    this.ts(r[3] as number);
    this.view.setInt32(this.off, this.source.length);
    this.off += 4;
    this.source.copy(this.buf, this.off);
    this.off += this.source.length;
    this.f8(r[4]); // ltp
    this.i8(r[5]); // ltq
    this.f8(r[6]); // atp
    this.i8(r[7]); // volume
    this.i8(r[8]); // vol_delta
    this.i8(r[9]); // oi
    this.i8(r[10]); // total_buy_qty
    this.i8(r[11]); // total_sell_qty
    this.f8(r[12]); // open
    this.f8(r[13]); // high
    this.f8(r[14]); // low
    this.f8(r[15]); // close
    this.f8(r[16]); // bid
    this.f8(r[17]); // ask
    this.i8(r[18]); // bid_qty
    this.i8(r[19]); // ask_qty
    if (!blob) {
      for (let k = 0; k < 6; k++) {
        this.view.setInt32(this.off, -1);
        this.off += 4;
      }
      return;
    }
    if (this.scratch.length < 6 * n) {
      this.scratch = new Float64Array(6 * n);
      this.scratchBytes = new Uint8Array(this.scratch.buffer);
    }
    this.scratchBytes.set(blob);
    const book = this.scratch;
    this.array(book, 0, n, OID_FLOAT8);
    this.array(book, n, n, OID_INT8);
    this.array(book, 2 * n, n, OID_INT4);
    this.array(book, 3 * n, n, OID_FLOAT8);
    this.array(book, 4 * n, n, OID_INT8);
    this.array(book, 5 * n, n, OID_INT4);
  }

  get bytes(): number {
    return this.off;
  }

  /** The tuples written since the last take (a copy; the encoder reuses its buffer). */
  take(): Buffer {
    const out = Buffer.from(this.buf.subarray(0, this.off));
    this.off = 0;
    return out;
  }
}
