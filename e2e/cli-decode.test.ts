// `tickdesk decode` on damaged captures and on files that are not captures: it never dies on bad
// bytes, prints every packet it could decode, counts the damage, and rounds Dhan's float32 prices
// to the paisa when it has no instrument list.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { encodeFeedPacket } from '../src/engine/brokers/dhan/codec';
import { encodeCaptureRecord } from '../src/engine/capture/capture';
import { Journal } from '../src/engine/store/journal';

const BIN = new URL('../bin/tickdesk.mjs', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'tickdesk-decode-'));
const run = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
const T = Date.parse('2026-11-20T04:00:00Z');

/** A Kite binary frame with one LTP packet (NSE token: price in paise). */
function ltpFrame(token: number, paise: number): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt16BE(1, 0);
  b.writeUInt16BE(8, 2);
  b.writeUInt32BE(token, 4);
  b.writeInt32BE(paise, 8);
  return b;
}

/** A record header with any time and length, the frame bytes after it (to write damage). */
function rawRecord(ts: bigint, len: number, frame: Buffer): Buffer {
  const h = Buffer.alloc(12);
  h.writeBigUInt64LE(ts, 0);
  h.writeUInt32LE(len, 8);
  return Buffer.concat([h, frame]);
}

test('decode kite: damage is counted and skipped, every good tick before and after it is printed', () => {
  const good: Buffer[] = [];
  const ltps: number[] = [];
  // 3,000 ticks before the damage (≈ 900 KB of NDJSON: more than one output chunk) and 3 after.
  for (let i = 0; i < 3000; i++) {
    good.push(encodeCaptureRecord(T + i, ltpFrame(408065, 150_000 + i)));
    ltps.push((150_000 + i) / 100);
  }
  const after = [1, 2, 3].map((i) => encodeCaptureRecord(T + 5000 + i, ltpFrame(408065, 160_000 + i)));
  const file = Buffer.concat([
    ...good,
    rawRecord(2n ** 62n, 12, ltpFrame(408065, 1)), // a time no clock gives (not an ISO 8601 date)
    after[0],
    after[1],
    rawRecord(BigInt(T), 0xffff_fff0, ltpFrame(408065, 2)), // a length ≥ 2³¹
    after[2],
    encodeCaptureRecord(T + 9000, ltpFrame(408065, 3)),
    encodeCaptureRecord(T + 9001, ltpFrame(408065, 4)).subarray(0, 20), // cut short by a kill
  ]);
  const path = join(dir, 'damaged.capture');
  writeFileSync(path, file);
  const r = run(['decode', 'kite', path]);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { ltp: number; tsReceived: string });
  assert.deepEqual(
    lines.map((l) => l.ltp),
    [...ltps, 1600.01, 1600.02, 1600.03, 0.03],
  );
  assert.equal(lines[0].tsReceived, '2026-11-20T04:00:00.000Z');
  assert.equal(
    r.stderr,
    `decoded 3004 frames: 3004 ticks, 0 heartbeats, 0 malformed, 0 unknown packets; 2 corrupt records skipped (48 bytes); file truncated at byte ${file.length - 20}\n`,
  );
});

test('decode: a file that is not a capture says so (exit 1), whatever it is', () => {
  const journalPath = join(dir, 'a-journal.sqlite');
  new Journal(journalPath).close();
  const text = join(dir, 'notes.txt');
  writeFileSync(text, 'these are my notes about NIFTY\n'.repeat(100));
  for (const [kind, path] of [
    ['kite', journalPath],
    ['dhan', text],
    ['dhan-depth20', dir],
  ]) {
    const r = run(['decode', kind, path]);
    assert.equal(r.status, 1, `${kind} ${path}: ${r.stderr}`);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, new RegExp(`^tickdesk decode: ${path.replace(/[.]/g, '\\.')} is not a capture file \\(written by record --capture\\)`));
  }
  const missing = run(['decode', 'kite', join(dir, 'nope.capture')]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /nope\.capture/);
});

test('decode dhan: float32 prices are rounded to the paisa (currencies to 4 decimals), not to 7 digits', () => {
  const path = join(dir, 'dhan-prices.capture');
  const ticker = (segment: number, securityId: number, ltp: number) => encodeFeedPacket({ code: 2, kind: 'ticker', segment, securityId, ltp, ltt: T });
  writeFileSync(
    path,
    Buffer.concat([
      encodeCaptureRecord(T, Buffer.concat([ticker(1, 1333, 134567.25), ticker(0, 51, 81234.55), ticker(3, 10093, 83.2525), ticker(2, 55796, 247.8)])),
    ]),
  );
  const r = run(['decode', 'dhan', path]);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { securityId: number; ltp: number });
  assert.deepEqual(
    lines.map((l) => [l.securityId, l.ltp]),
    [
      [1333, 134567.25],
      [51, 81234.55],
      [10093, 83.2525],
      [55796, 247.8],
    ],
  );
  assert.match(r.stdout, /"ltp":134567\.25,/, 'printed as ₹1,34,567.25, not 134567.3');
});
