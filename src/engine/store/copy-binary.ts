// PostgreSQL binary COPY encoding of journal tick rows: no number → text → number round trip on
// either side, which is where most of a text COPY's time goes.
//
// Format: signature, flags, extension length; per tuple an int16 field count and per field an
// int32 byte length (−1 = NULL) and the value in the type's binary send format; an int16 −1 trailer.
import { SINK_TICK_COLUMNS, TICK_COLUMNS, type SinkType } from './tick-columns';

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const PG_EPOCH_MS = 946_684_800_000; // 2000-01-01T00:00:00Z
const OID_INT4 = 23;
const OID_INT8 = 20;
const OID_FLOAT8 = 701;
const FIELDS = SINK_TICK_COLUMNS.length;

// Each journal column's encoding (its SinkType), as small ints for the per-field switch.
const INSTRUMENT = 0;
const TIMESTAMP = 1;
const FLOAT8 = 2;
const INT8 = 3;
const DEPTH = 4;
const KIND: Record<SinkType, number> = { instrument: INSTRUMENT, timestamptz: TIMESTAMP, float8: FLOAT8, int8: INT8, depth: DEPTH };
const KINDS = Uint8Array.from(TICK_COLUMNS, (c) => KIND[c.sinkType]);
/** Where the book's blob sits in a journal row ([id, ...TICK_COLUMNS]). */
const DEPTH_INDEX = TICK_COLUMNS.findIndex((c) => c.sinkType === 'depth') + 1;

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

  /** One tuple from a journal row (Journal.RAW_TICK_COLUMNS order), columns as COPY_TICKS_SQL (SINK_TICK_COLUMNS). */
  add(r: unknown[], remoteId: number): void {
    const blob = r[DEPTH_INDEX] as Buffer | null;
    const n = blob ? blob.length / 48 : 0;
    this.ensure(2 + FIELDS * 12 + this.source.length + (blob ? 6 * (24 + n * 12) : 0));
    this.view.setInt16(this.off, FIELDS);
    this.off += 2;
    // The journal row is [id, ...TICK_COLUMNS]: column k is at k + 1.
    for (let k = 0; k < KINDS.length; k++) {
      const v = r[k + 1];
      switch (KINDS[k]) {
        case INSTRUMENT:
          this.view.setInt32(this.off, 4);
          this.view.setInt32(this.off + 4, remoteId);
          this.off += 8;
          break;
        case TIMESTAMP:
          this.ts(v as number);
          break;
        case FLOAT8:
          this.f8(v);
          break;
        case INT8:
          this.i8(v);
          break;
        case DEPTH:
          this.depth(blob, n);
      }
    }
    this.view.setInt32(this.off, this.source.length);
    this.off += 4;
    this.source.copy(this.buf, this.off);
    this.off += this.source.length;
  }

  /** The book's six array fields (DEPTH_SINK_COLUMNS), or six NULLs without a book. */
  private depth(blob: Buffer | null, n: number): void {
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

  /**
   * The tuples written since the last clear, without a copy: the view is valid until clear() (or
   * the next add after it), so a caller hands it to a socket and clears once it is written.
   */
  written(): Buffer {
    return this.buf.subarray(0, this.off);
  }

  clear(): void {
    this.off = 0;
  }
}
