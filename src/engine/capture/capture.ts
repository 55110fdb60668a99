// Raw frame capture files: repeated [u64le receive ms][u32le length][frame bytes].
import { closeSync, openSync, readSync, writeSync } from 'node:fs';

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

/**
 * Reads a capture file record by record in constant memory. A truncated last record (the recorder
 * was killed mid-write) ends the stream and is reported through `onTruncated`.
 */
export function* readCapture(path: string, onTruncated?: (offset: number) => void): Generator<CaptureRecord> {
  const fd = openSync(path, 'r');
  try {
    let buf = Buffer.alloc(1 << 20);
    let len = 0;
    let fileOffset = 0;
    let eof = false;
    while (true) {
      if (!eof && len < buf.length) {
        const n = readSync(fd, buf, len, buf.length - len, null);
        if (n === 0) eof = true;
        len += n;
      }
      let off = 0;
      while (len - off >= CAPTURE_HEADER_BYTES) {
        const size = buf.readUInt32LE(off + 8);
        if (len - off < CAPTURE_HEADER_BYTES + size) break;
        const tsReceived = Number(buf.readBigUInt64LE(off));
        const frame = Buffer.from(buf.subarray(off + CAPTURE_HEADER_BYTES, off + CAPTURE_HEADER_BYTES + size));
        off += CAPTURE_HEADER_BYTES + size;
        yield { tsReceived, frame };
      }
      // Keep the partial record at the front; grow the buffer if one record is larger than it.
      buf.copy(buf, 0, off, len);
      len -= off;
      fileOffset += off;
      if (eof) {
        if (len > 0) onTruncated?.(fileOffset);
        return;
      }
      if (len >= CAPTURE_HEADER_BYTES && CAPTURE_HEADER_BYTES + buf.readUInt32LE(8) > buf.length) {
        const bigger = Buffer.alloc(CAPTURE_HEADER_BYTES + buf.readUInt32LE(8));
        buf.copy(bigger, 0, 0, len);
        buf = bigger;
      }
    }
  } finally {
    closeSync(fd);
  }
}
