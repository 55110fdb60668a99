import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { mulberry32 } from '../sim/market/random';
import { CaptureWriter, newCaptureDamage, NotACaptureError, readCapture } from './capture';

test('records round-trip with exact bytes, including frames larger than the read buffer', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'tickdesk-cap-')), 'f.capture');
  const w = new CaptureWriter(path);
  const big = Buffer.alloc(3 << 20, 7);
  w.write(1700000000123, Buffer.from([0]));
  w.write(1700000000456, Buffer.from('000100080006', 'hex'));
  w.write(1700000000789, big);
  w.close();
  const file = readFileSync(path);
  assert.equal(file.readBigUInt64LE(0), 1700000000123n);
  assert.equal(file.readUInt32LE(8), 1);
  assert.equal(file[12], 0);
  const recs = [...readCapture(path)];
  assert.deepEqual(recs.map((r) => r.tsReceived), [1700000000123, 1700000000456, 1700000000789]);
  assert.deepEqual(recs[1].frame, Buffer.from('000100080006', 'hex'));
  assert.ok(recs[2].frame.equals(big));
});

test('a truncated last record ends the stream and is reported', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'tickdesk-cap-')), 't.capture');
  const w = new CaptureWriter(path);
  w.write(1, Buffer.from([1, 2, 3]));
  w.close();
  appendFileSync(path, Buffer.from([9, 0, 0, 0, 0, 0, 0, 0, 50, 0, 0, 0, 1]));
  const damage = newCaptureDamage();
  const recs = [...readCapture(path, damage)];
  assert.equal(recs.length, 1);
  assert.deepEqual(damage, { truncatedAt: 15, corrupt: 0, corruptBytes: 0 });
});

/** One record's bytes, with any timestamp and length field (to write damaged ones). */
function record(ts: bigint, frame: number[], len = frame.length): Buffer {
  const b = Buffer.alloc(12 + frame.length);
  b.writeBigUInt64LE(ts, 0);
  b.writeUInt32LE(len, 8);
  Buffer.from(frame).copy(b, 12);
  return b;
}

const T = 1763610300000n;

test('damage is counted and skipped, never thrown: lengths ≥ 2³¹ or past the end, absurd timestamps', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'tickdesk-cap-')), 'd.capture');
  const parts = [
    record(T, [1, 2, 3]),
    record(T + 1n, [9, 9, 9, 9], 0xffffffff), // a length of 4 GB − 1: 16 bytes skipped
    record(T + 2n, [4]),
    record(T + 3n, [5, 5]),
    record(2n ** 63n, [7, 7]), // a time no clock gives, with a sane length: 14 bytes skipped
    record(T + 4n, [6]),
    record(T + 5n, [8, 8, 8], 1_000_000), // runs past the end of the file: 15 bytes skipped
    record(T + 6n, [0x11, 0x22]),
    record(T + 7n, [0x33]),
    Buffer.alloc(32), // zero-filled, as a crash can leave a file: 32 bytes skipped
    record(T + 8n, [0x44]),
    record(T + 9n, [0x55, 0x66]),
    record(T + 10n, [1, 2, 3, 4, 5, 6], 50).subarray(0, 14), // the last write cut short
  ];
  const file = Buffer.concat(parts);
  writeFileSync(path, file);
  const damage = newCaptureDamage();
  const recs = [...readCapture(path, damage)];
  assert.deepEqual(
    recs.map((r) => [r.tsReceived - Number(T), [...r.frame]]),
    [
      [0, [1, 2, 3]],
      [2, [4]],
      [3, [5, 5]],
      [4, [6]],
      [6, [0x11, 0x22]],
      [7, [0x33]],
      [8, [0x44]],
      [9, [0x55, 0x66]],
    ],
  );
  assert.deepEqual(damage, { truncatedAt: file.length - 14, corrupt: 4, corruptBytes: 16 + 14 + 15 + 32 });
});

test('a file that does not start with a record is not a capture; a directory neither', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tickdesk-cap-'));
  const text = join(dir, 'notes.txt');
  writeFileSync(text, 'SQLite format 3\0 and then some more bytes');
  assert.throws(() => [...readCapture(text)], (e: Error) => e instanceof NotACaptureError && e.message.startsWith(`${text} is not a capture file`));
  assert.throws(() => [...readCapture(dir)], (e: Error) => e instanceof NotACaptureError && e.message.startsWith(`${dir} is not a capture file`));
  const empty = join(dir, 'empty.capture');
  writeFileSync(empty, '');
  assert.deepEqual([...readCapture(empty)], [], 'an empty capture has no records');
});

test('reading across the 1 MB read window: every record exact, damage in the middle skipped', () => {
  const random = mulberry32(42);
  const frames = Array.from({ length: 3000 }, (_, i) => Buffer.from(Array.from({ length: 1 + Math.floor(random() * 4000) }, (_, j) => (i + j) & 0xff)));
  const parts: Buffer[] = [];
  frames.forEach((f, i) => {
    parts.push(record(T + BigInt(i), [...f]));
    if (i === 1500) parts.push(record(T, [1, 2, 3, 4], 0x8000_0000)); // the smallest length that is damage
    if (i === 2500) parts.push(Buffer.alloc(1000));
  });
  const path = join(mkdtempSync(join(tmpdir(), 'tickdesk-cap-')), 'big.capture');
  writeFileSync(path, Buffer.concat(parts));
  const damage = newCaptureDamage();
  let n = 0;
  for (const r of readCapture(path, damage)) {
    assert.equal(r.tsReceived, Number(T) + n);
    assert.ok(r.frame.equals(frames[n]), `frame ${n}`);
    n++;
  }
  assert.equal(n, 3000);
  assert.deepEqual(damage, { truncatedAt: -1, corrupt: 2, corruptBytes: 16 + 1000 });
});
