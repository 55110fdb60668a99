// Raw frame capture files: repeated [u64le receive ms][u32le length][frame bytes].
import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';

export const CAPTURE_HEADER_BYTES = 12;

export function encodeCaptureRecord(tsReceived: number, frame: Uint8Array): Buffer {
  const head = Buffer.alloc(CAPTURE_HEADER_BYTES);
  head.writeBigUInt64LE(BigInt(Math.max(0, Math.floor(tsReceived))), 0);
  head.writeUInt32LE(frame.byteLength, 8);
  return Buffer.concat([head, frame]);
}

/** Appends frames to a capture file; buffered, written out by flush() (the recorder's cadence). */
export class CaptureWriter {
  private readonly fd: number;
  private chunks: Buffer[] = [];
  bytes = 0;
  frames = 0;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'a');
  }

  write(tsReceived: number, frame: Uint8Array): void {
    this.chunks.push(encodeCaptureRecord(tsReceived, frame));
    this.frames++;
    if (this.chunks.length >= 256) this.flush();
  }

  flush(): void {
    if (this.chunks.length === 0) return;
    const buf = Buffer.concat(this.chunks);
    this.chunks = [];
    writeSync(this.fd, buf);
    this.bytes += buf.length;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

export interface CaptureRecord {
  tsReceived: number;
  frame: Buffer;
}

/** Receive times are ms since 1970, before the year 10000 (ISO 8601's four-digit years). */
const MAX_TS = 253_402_300_800_000;
/** A length field with the top bit set is damage, whatever the file's size. */
const MAX_FRAME = 2 ** 31 - 1;

/** What `readCapture` found besides good records. */
export interface CaptureDamage {
  /** Where a last record cut short starts (the recorder was killed mid-write); -1 if none. */
  truncatedAt: number;
  /** Stretches that are not records (a length ≥ 2³¹ or past the end, an absurd timestamp), skipped. */
  corrupt: number;
  corruptBytes: number;
}

export function newCaptureDamage(): CaptureDamage {
  return { truncatedAt: -1, corrupt: 0, corruptBytes: 0 };
}

export class NotACaptureError extends Error {}

/** A read window over a file of known size: sequential reads are buffered, far reads are single. */
class FileWindow {
  private buf = Buffer.alloc(1 << 20);
  private start = 0;
  private len = 0;

  constructor(
    private readonly fd: number,
    readonly size: number,
  ) {}

  private readonly scratch = Buffer.alloc(CAPTURE_HEADER_BYTES);

  /** Bytes [pos, pos + n) of the file (pos + n ≤ size); valid until the next call. */
  get(pos: number, n: number): Buffer {
    if (pos < this.start || pos + n > this.start + this.len) this.fill(pos, n);
    return this.buf.subarray(pos - this.start, pos - this.start + n);
  }

  /** A header's bytes anywhere, without moving the window (a look ahead while resynchronizing). */
  peekHeader(pos: number): Buffer {
    if (pos >= this.start && pos + CAPTURE_HEADER_BYTES <= this.start + this.len) return this.buf.subarray(pos - this.start, pos - this.start + CAPTURE_HEADER_BYTES);
    if (readSync(this.fd, this.scratch, 0, CAPTURE_HEADER_BYTES, pos) !== CAPTURE_HEADER_BYTES) throw new Error(`the file shrank while it was read (at byte ${pos} of ${this.size})`);
    return this.scratch;
  }

  private fill(pos: number, n: number): void {
    // Keep what is already read past pos (the usual case: the next record starts in the buffer).
    const keep = pos >= this.start && pos < this.start + this.len ? this.start + this.len - pos : 0;
    if (n > this.buf.length) {
      const bigger = Buffer.alloc(n);
      this.buf.copy(bigger, 0, pos - this.start, pos - this.start + keep);
      this.buf = bigger;
    } else if (keep) this.buf.copy(this.buf, 0, pos - this.start, pos - this.start + keep);
    this.start = pos;
    this.len = keep;
    const want = Math.min(this.buf.length, this.size - pos);
    while (this.len < want) {
      const got = readSync(this.fd, this.buf, this.len, want - this.len, pos + this.len);
      if (got === 0) throw new Error(`the file shrank while it was read (at byte ${pos + this.len} of ${this.size})`);
      this.len += got;
    }
  }
}

/** The record header in `h` at file offset `pos` if it is one: a sane time, a length that ends in the file. */
function header(h: Buffer, pos: number, size: number): { ts: number; len: number } | null {
  const ts = Number(h.readBigUInt64LE(0));
  const len = h.readUInt32LE(8);
  if (!(ts >= 1 && ts < MAX_TS) || len > MAX_FRAME || pos + CAPTURE_HEADER_BYTES + len > size) return null;
  return { ts, len };
}

function headerAt(w: FileWindow, pos: number): { ts: number; len: number } | null {
  return w.size - pos < CAPTURE_HEADER_BYTES ? null : header(w.get(pos, CAPTURE_HEADER_BYTES), pos, w.size);
}

/** A header whose record ends at the end of the file or at another header: where records resume. */
function resumesAt(w: FileWindow, pos: number): boolean {
  const h = headerAt(w, pos);
  if (!h) return false;
  const next = pos + CAPTURE_HEADER_BYTES + h.len;
  return next === w.size || (w.size - next >= CAPTURE_HEADER_BYTES && header(w.peekHeader(next), next, w.size) !== null);
}

/**
 * Reads a capture file record by record in constant memory (plus the largest frame). Damage never
 * throws: a truncated last record (the recorder was killed mid-write) ends the stream; a record
 * with an absurd timestamp is skipped; after a length that cannot be right, reading resumes at the
 * next place where two records follow each other (or one ends the file). All of it is counted in
 * `damage`. A file whose first record is not one is not a capture: NotACaptureError.
 */
export function* readCapture(path: string, damage: CaptureDamage = newCaptureDamage()): Generator<CaptureRecord> {
  const fd = openSync(path, 'r');
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new NotACaptureError(`${path} is not a capture file (written by record --capture): not a regular file`);
    const w = new FileWindow(fd, stat.size);
    let pos = 0;
    while (pos < w.size) {
      if (w.size - pos < CAPTURE_HEADER_BYTES) {
        damage.truncatedAt = pos;
        return;
      }
      const h = headerAt(w, pos);
      if (h) {
        const frame = Buffer.from(w.get(pos + CAPTURE_HEADER_BYTES, h.len));
        pos += CAPTURE_HEADER_BYTES + h.len;
        yield { tsReceived: h.ts, frame };
        continue;
      }
      if (pos === 0) throw new NotACaptureError(`${path} is not a capture file (written by record --capture): it does not start with a [u64le ms][u32le length] record header`);
      const raw = w.get(pos, CAPTURE_HEADER_BYTES);
      const ts = Number(raw.readBigUInt64LE(0));
      const len = raw.readUInt32LE(8);
      const tsOk = ts >= 1 && ts < MAX_TS;
      const end = pos + CAPTURE_HEADER_BYTES + len;
      // A sane length but an absurd time: that one record is skipped, if records follow it.
      if (!tsOk && len <= MAX_FRAME && (end === w.size || (end < w.size && w.size - end >= CAPTURE_HEADER_BYTES && header(w.peekHeader(end), end, w.size)))) {
        damage.corrupt++;
        damage.corruptBytes += end - pos;
        pos = end;
        continue;
      }
      let next = pos + 1;
      while (next <= w.size - CAPTURE_HEADER_BYTES && !resumesAt(w, next)) next++;
      if (next > w.size - CAPTURE_HEADER_BYTES) {
        // Nothing after it is a record. A plausible header running past the end is the last
        // write cut short; anything else is damage up to the end.
        if (tsOk && len <= MAX_FRAME) damage.truncatedAt = pos;
        else {
          damage.corrupt++;
          damage.corruptBytes += w.size - pos;
        }
        return;
      }
      damage.corrupt++;
      damage.corruptBytes += next - pos;
      pos = next;
    }
  } finally {
    closeSync(fd);
  }
}
