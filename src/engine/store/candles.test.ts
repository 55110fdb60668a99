// History and live candles joined at the seam: each bucket once, nothing counted twice or missed.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Candle } from '../../shared/model';
import { Journal, SQLITE_MIGRATIONS_DIR } from './journal';

const T0 = Date.parse('2026-11-20T10:00:00+05:30'); // a minute bucket start
const S = T0 / 1000;

function setup() {
  const j = new Journal(join(mkdtempSync(join(tmpdir(), 'tickdesk-seam-')), 'j.sqlite'), { flushMs: 1_000_000 });
  const id = j.upsertInstrument({ broker: 'kite', token: '408065', exchange: 'NSE', segment: 'NSE', symbol: 'INFY', tickSize: 0.05, lotSize: 1 });
  return { j, id };
}

const bar = (t: number, o: number, h: number, l: number, c: number, v: number): Candle => ({ t, o, h, l, c, v });

test('the seam bucket: history open, high/low of both, last tick close, fetched volume + volume traded after the fetch', () => {
  const { j, id } = setup();
  // History fetched at T0+30s: three whole minutes before, and the minute T0 still forming.
  j.upsertCandles(id, '1m', [bar(S - 180, 100, 101, 99, 100.5, 500), bar(S - 120, 100.5, 102, 100, 101, 400), bar(S - 60, 101, 101.5, 100.5, 101.2, 300), bar(S, 101.2, 101.8, 101, 101.6, 120)], 'kite', T0 + 30_000);
  // The recorder started at T0+20s: ticks at +20 s and +25 s were in the fetched volume already;
  // those after +30 s were not. Then the next minute, whole.
  const ticks: Array<[number, number, number]> = [
    [20_000, 101.5, 0],
    [25_000, 101.6, 10],
    [35_000, 102.4, 7],
    [50_000, 100.9, 5],
    [59_000, 101.1, 3],
    [60_000, 101.2, 4],
    [90_000, 101.4, 6],
  ];
  for (const [dt, ltp, volDelta] of ticks) j.append({ instrumentId: id, tsExchange: T0 + dt, tsReceived: T0 + dt + 50, ltp, volDelta });
  j.flush();
  const got = j.chartCandles(id, '1m', T0 - 180_000, T0 + 120_000);
  assert.deepEqual(got, [
    bar(S - 180, 100, 101, 99, 100.5, 500),
    bar(S - 120, 100.5, 102, 100, 101, 400),
    bar(S - 60, 101, 101.5, 100.5, 101.2, 300),
    bar(S, 101.2, 102.4, 100.9, 101.1, 120 + 7 + 5 + 3),
    bar(S + 60, 101.2, 101.4, 101.2, 101.4, 4 + 6),
  ]);
  // A bucket fetched after it ended is taken as fetched, even with ticks in it.
  j.upsertCandles(id, '1m', [bar(S, 101.2, 102.5, 100.8, 101.1, 150)], 'kite', T0 + 61_000);
  assert.deepEqual(j.chartCandles(id, '1m', T0, T0 + 59_000), [bar(S, 101.2, 102.5, 100.8, 101.1, 150)]);
  j.close();
});

test('buckets the recorder saw whole come from ticks; a feed gap hands its buckets back to history', () => {
  const { j, id } = setup();
  for (let k = -2; k < 6; k++) j.append({ instrumentId: id, tsExchange: T0 + k * 60_000 + 1000, tsReceived: T0 + k * 60_000 + 1000, ltp: 200 + k, volDelta: 10 });
  j.flush();
  // History for every minute, fetched later (complete).
  j.upsertCandles(id, '1m', Array.from({ length: 8 }, (_, i) => bar(S + (i - 2) * 60, 300, 300, 300, 300, 999)), 'kite', T0 + 3_600_000);
  // The feed was down from T0+2m30s to T0+3m10s.
  const gap = j.openGap('kite', 0, T0 + 150_000, 'closed 1006');
  j.closeGap(gap, T0 + 190_000);
  const got = j.chartCandles(id, '1m', T0 - 120_000, T0 + 359_000);
  assert.deepEqual(
    got.map((c) => [c.t - S, c.v]),
    [
      [-120, 999], // the first bucket with ticks: recording began inside it → history
      [-60, 10],
      [0, 10],
      [60, 10],
      [120, 999], // touched by the gap → history
      [180, 999],
      [240, 10],
      [300, 10],
    ],
  );
  assert.equal(new Set(got.map((c) => c.t)).size, got.length, 'each bucket once');
  j.close();
});

test('candles written before the replication sequence existed get one each, oldest fetch first', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tickdesk-seq-'));
  const old = join(dir, 'migrations');
  mkdirSync(old);
  for (const f of readdirSync(SQLITE_MIGRATIONS_DIR).filter((f) => f < '006')) copyFileSync(join(SQLITE_MIGRATIONS_DIR, f), join(old, f));
  const path = join(dir, 'j.sqlite');
  const before = new Journal(path, { migrationsDir: old });
  const id = before.upsertInstrument({ broker: 'kite', token: '408065', exchange: 'NSE', segment: 'NSE', symbol: 'INFY', tickSize: 0.05, lotSize: 1 });
  const ins = before.db.prepare('INSERT INTO candles (instrument_id, interval, t, o, h, l, c, v, source, fetched_at) VALUES (?, ?, ?, 1, 1, 1, 1, 1, ?, ?)');
  ins.run(id, '1m', S + 60, 'kite', 2000);
  ins.run(id, '1m', S, 'kite', 2000);
  ins.run(id, '1d', S, 'kite', 1000);
  before.close();
  const after = new Journal(path);
  assert.deepEqual(
    after.candlesAfter(0, 10).map((r) => [r[0], r[2], r[3]]),
    [
      [1, '1d', S],
      [2, '1m', S],
      [3, '1m', S + 60],
    ],
  );
  // New writes continue the sequence.
  after.upsertCandles(id, '1m', [bar(S + 120, 1, 1, 1, 1, 1)], 'kite');
  assert.equal(after.maxCandleSeq(), 4);
  after.close();
});
