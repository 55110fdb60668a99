import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CaptureWriter, readCapture } from './capture';

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
  let truncatedAt = -1;
  const recs = [...readCapture(path, (o) => (truncatedAt = o))];
  assert.equal(recs.length, 1);
  assert.equal(truncatedAt, 15);
});
