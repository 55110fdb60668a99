import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { NewInstrument, Tick } from '../../../shared/model';
import { Journal, SQLITE_MIGRATIONS_DIR } from '../journal';
import { collectForIndex, INDEX_MS, INDEX_ROWS, instrumentRange, sortForIndex, writeIndexSlices } from './tick-index';

const tmp = () => join(mkdtempSync(join(tmpdir(), 'tickdesk-tick-index-')), 'j.sqlite');
const T0 = Date.parse('2026-11-30T04:00:00Z');
const instrument = (i: number): NewInstrument => ({ broker: 'kite', token: String(1000 + i), exchange: 'NSE', segment: 'NSE', symbol: `S${i}`, name: `S${i}`, tickSize: 0.05, lotSize: 1 });
const tick = (instrumentId: number, ts: number, ltp: number): Tick => ({ instrumentId, tsExchange: ts, tsReceived: ts + 3, ltp, volDelta: 1, volume: ts - T0 });

/** A journal with `n` ticks over `ins` instruments, exchange times deliberately not in id order. */
function filled(n: number, ins = 7, worker = true): { j: Journal; ids: number[] } {
  const j = new Journal(tmp(), { flushMs: 1e9, maxPendingRows: 1e9, worker });
  const ids = j.upsertInstruments(Array.from({ length: ins }, (_, i) => instrument(i)));
  for (let k = 0; k < n; k++) {
    j.append(tick(ids[(k * 5) % ins], T0 + k * 10 + (k % 3 === 0 ? 25 : 0), 100 + (k % 97) / 20));
    if (k % 50 === 49) j.flush();
  }
  j.flush();
  return { j, ids };
}

const count = (j: Journal, sql: string) => (j.db.prepare(sql).get() as { n: number }).n;
const upto = (j: Journal) => count(j, 'SELECT upto AS n FROM tick_index_state');

/** What a plain scan of the table says an instrument's ticks are: the oracle. */
function scanned(j: Journal, id: number, from: number, to: number): Array<[number, number]> {
  return (
    j.db.prepare('SELECT id, ts_exchange AS ts FROM ticks NOT INDEXED WHERE instrument_id = ? AND ts_exchange BETWEEN ? AND ? ORDER BY ts_exchange, id').all(id, from, to) as Array<{
      id: number;
      ts: number;
    }>
  ).map((r) => [r.id, r.ts]);
}

function assertReadsMatchScan(j: Journal, ids: number[], what: string): void {
  for (const id of ids)
    for (const [from, to] of [
      [T0, T0 + 100_000],
      [T0 + 1_000, T0 + 2_345],
    ]) {
      const want = scanned(j, id, from, to);
      assert.deepEqual(
        j.ticks(id, from, to).map((t) => [t.id, t.tsExchange]),
        want,
        `${what}: instrument ${id} [${from - T0}, ${to - T0}]`,
      );
      assert.equal(j.countTicks(id, from, to), want.length, `${what}: count`);
    }
  const want = scanned(j, ids[2], -Infinity, Infinity);
  assert.deepEqual(j.tickRange(ids[2]), { from: want.map((w) => w[1]).sort((a, b) => a - b)[0], to: Math.max(...want.map((w) => w[1])) }, `${what}: range`);
  // Candles from the ticks: every tick's volume once, one bar per second that has ticks.
  const rows = scanned(j, ids[3], T0, T0 + 100_000);
  const bars = j.candles(ids[3], '1s', T0, T0 + 100_000);
  assert.equal(bars.reduce((v, b) => v + b.v, 0), rows.length, `${what}: candle volume`);
  assert.equal(bars.length, new Set(rows.map((w) => Math.floor(w[1] / 1000))).size, `${what}: candle count`);
}

test('reads by instrument are the same with nothing, part or all of the ticks indexed, and mid-batch', () => {
  const { j, ids } = filled(2_000);
  assert.equal(count(j, 'SELECT count(*) AS n FROM tick_index'), 0, 'a young tail waits for its batch');
  assertReadsMatchScan(j, ids, 'unindexed');
  j.indexer!.indexNow();
  assert.equal(count(j, 'SELECT count(*) AS n FROM tick_index'), 2_000);
  assert.equal(upto(j), 2_000);
  assertReadsMatchScan(j, ids, 'indexed');
  // More rows after the batch: a tail again.
  for (let k = 0; k < 300; k++) j.append(tick(ids[k % 7], T0 + 20_000 + k * 7, 200));
  j.flush();
  assertReadsMatchScan(j, ids, 'indexed + tail');
  // A batch cut short (a crash between slices): entries written past upto must not be read twice.
  j.db.prepare('INSERT INTO tick_index (instrument_id, ts_exchange, id) SELECT instrument_id, ts_exchange, id FROM ticks WHERE id > 2000 AND id <= 2150').run();
  assertReadsMatchScan(j, ids, 'mid-batch');
  j.indexer!.indexNow();
  assert.equal(count(j, 'SELECT count(*) AS n FROM tick_index'), 2_300, 'the next batch skips what is there');
  assertReadsMatchScan(j, ids, 'after the next batch');
  j.close();
});

for (const worker of [false, true])
  test(`a batch starts once enough rows wait or the oldest has waited long enough, and runs ${worker ? "on the journal's worker" : 'between other work'}`, async () => {
    const { j, ids } = filled(100, 7, worker);
    const ix = j.indexer!;
    const t = Date.now();
    ix.committed(100, t + 10);
    assert.equal(ix.batches, 0, 'young and few: waits');
    ix.committed(100, t + INDEX_MS + 1);
    for (let i = 0; i < 200 && ix.batches === 0; i++) await new Promise((r) => (worker ? setTimeout(r, 10) : setImmediate(r)));
    assert.equal(ix.batches, 1);
    assert.equal(ix.offloaded, worker ? 1 : 0);
    assert.equal(upto(j), 100);
    // Many rows at once: a batch without waiting, while appends go on (between its slices, or beside it).
    const many = INDEX_ROWS + 20_000;
    for (let k = 0; k < many; k++) j.append(tick(ids[k % 7], T0 + 200_000 + k, 300));
    j.flush();
    assert.equal(ix.batches, 1, 'the batch has started, not finished');
    let between = 0;
    while (ix.batches < 2) {
      j.append(tick(ids[0], T0 + 900_000 + between, 301));
      j.flush();
      between++;
      await new Promise((r) => setImmediate(r));
    }
    assert.ok(between >= 10, `commits went on during the batch (${between})`);
    assert.equal(ix.offloaded, worker ? 2 : 0);
    assert.ok(upto(j) >= 100 + many, 'upto covers the batch');
    assertReadsMatchScan(j, ids, 'after a batch with commits during it');
    j.close();
  });

test("a batch comes from the writer's own memory, and is read back when another writer's rows are among it", () => {
  const { j, ids } = filled(1_000);
  j.indexer!.indexNow();
  assert.equal(j.indexer!.readBack, 0, 'all rows were this writer\'s');
  // A second writer on the same file (a second recorder) commits between this one's commits.
  const other = new Journal(j.path, { flushMs: 1e9 });
  for (let k = 0; k < 30; k++) {
    j.append(tick(ids[k % 7], T0 + 50_000 + k, 111));
    j.flush();
    other.append(tick(ids[(k + 3) % 7], T0 + 50_000 + k, 222));
    other.flush();
  }
  j.append(tick(ids[0], T0 + 60_000, 111));
  j.flush();
  j.indexer!.indexNow();
  assert.equal(j.indexer!.readBack, 1);
  assert.equal(count(j, 'SELECT count(*) AS n FROM tick_index'), 1_061);
  assert.equal(count(j, 'SELECT count(*) AS n FROM tick_index x JOIN ticks t ON t.id = x.id AND t.instrument_id = x.instrument_id AND t.ts_exchange = x.ts_exchange'), 1_061);
  assertReadsMatchScan(j, ids, 'two writers');
  // A rolled-back commit leaves nothing behind in memory that the next batch would trust.
  assert.throws(() =>
    j.db.transaction(() => {
      j.append(tick(ids[1], T0 + 70_000, 1));
      j.flush();
      throw new Error('rolled back');
    })(),
  );
  j.append(tick(ids[2], T0 + 70_001, 2));
  j.flush();
  j.indexer!.indexNow();
  assert.equal(count(j, 'SELECT count(*) AS n FROM tick_index x JOIN ticks t ON t.id = x.id AND t.instrument_id = x.instrument_id AND t.ts_exchange = x.ts_exchange'), count(j, 'SELECT count(*) AS n FROM ticks'));
  assert.equal(count(j, 'SELECT count(*) AS n FROM tick_index WHERE id NOT IN (SELECT id FROM ticks)'), 0);
  other.close();
  j.close();
});

test('pruning removes the index entries of the rows it deletes, and nothing else', () => {
  const { j, ids } = filled(1_000);
  j.indexer!.indexNow();
  j.setSynced('db#a', 'ticks', 600);
  const cut = (j.db.prepare('SELECT ts_received AS n FROM ticks WHERE id = 400').get() as { n: number }).n;
  const doomed = count(j, `SELECT count(*) AS n FROM ticks WHERE id <= 600 AND ts_received < ${cut + 1}`);
  assert.ok(doomed >= 400 && doomed < 1000);
  const removed = j.pruneSynced(cut + 1);
  assert.equal(removed, doomed);
  assert.equal(count(j, 'SELECT count(*) AS n FROM tick_index'), 1000 - doomed);
  assert.equal(count(j, 'SELECT count(*) AS n FROM tick_index WHERE id NOT IN (SELECT id FROM ticks)'), 0);
  assertReadsMatchScan(j, ids, 'after pruning');
  j.close();
});

test('migration 008 indexes an existing journal and drops the per-insert index', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tickdesk-008-'));
  const old = join(dir, 'migrations');
  mkdirSync(old);
  for (const f of readdirSync(SQLITE_MIGRATIONS_DIR).filter((f) => f < '008')) copyFileSync(join(SQLITE_MIGRATIONS_DIR, f), join(old, f));
  const path = join(dir, 'j.sqlite');
  const before = new Journal(path, { migrationsDir: old, flushMs: 1e9 });
  const ids = before.upsertInstruments([instrument(0), instrument(1)]);
  for (let k = 0; k < 500; k++) before.append(tick(ids[k % 2], T0 + k, 100));
  before.flush();
  const want = before.ticks(ids[1], T0, T0 + 1000).map((t) => t.id);
  before.close();
  const j = new Journal(path);
  assert.equal(count(j, 'SELECT count(*) AS n FROM tick_index'), 500);
  assert.equal(upto(j), 500);
  assert.equal(count(j, "SELECT count(*) AS n FROM sqlite_master WHERE name = 'ticks_instrument_ts'"), 0);
  assert.deepEqual(
    j.ticks(ids[1], T0, T0 + 1000).map((t) => t.id),
    want,
  );
  j.close();
});

test('the instrument range reads through tick_index and scans only the tail by id', () => {
  const { j, ids } = filled(500);
  j.indexer!.indexNow();
  const detail = (j.db.prepare(`EXPLAIN QUERY PLAN ${instrumentRange('t.*', true)}`).all({ ins: ids[1], from: T0, to: T0 + 1e6 }) as Array<{ detail: string }>).map((r) => r.detail);
  assert.ok(detail.some((d) => /SEARCH x USING PRIMARY KEY \(instrument_id=\? AND ts_exchange>\? AND ts_exchange<\?\)/.test(d)), detail.join('\n'));
  assert.ok(detail.some((d) => /SEARCH t USING INTEGER PRIMARY KEY \(rowid>\?\)/.test(d)), detail.join('\n'));
  assert.ok(!detail.some((d) => /^SCAN t\b/.test(d)), detail.join('\n'));
  j.close();
});

test('sortForIndex orders by instrument, then id, for packed and for wide instrument ids', () => {
  const ids = [10, 11, 12, 13, 14, 15];
  const ts = [5, 4, 3, 2, 1, 0];
  for (const ins of [
    [3, 1, 3, 2, 1, 2],
    [2 ** 22, 1, 2 ** 22, 2, 1, 2],
  ]) {
    const s = sortForIndex(ids, ins, ts);
    assert.deepEqual(
      [...s.order].map((p) => [ins[p], ids[p]]),
      [
        [1, 11],
        [1, 14],
        [2, 13],
        [2, 15],
        [ins[0], 10],
        [ins[0], 12],
      ],
    );
  }
});

test('collectForIndex reads a batch in slices into flat arrays, growing them past its first guess, and sorts it', () => {
  // Ids with holes (rolled-back transactions): 1.2 M rows over an id range of 3 M, more than the first
  // guess of 2^20 rows, read 16,384 at a time as the tail statement would return them.
  const from = 1000;
  const hi = from + 3_000_000;
  const rows: Array<[number, number, number]> = [];
  for (let id = from + 1; id <= hi; id++) if (id % 5 < 2) rows.push([id, (id * 7919) % 3001, 1_700_000_000_000 + id]);
  let reads = 0;
  const tail = {
    all(after: unknown, upTo: unknown, limit: unknown) {
      reads++;
      let lo = 0;
      while (lo < rows.length && rows[lo][0] <= (after as number)) lo += 65536;
      lo = Math.max(0, lo - 65536);
      while (lo < rows.length && rows[lo][0] <= (after as number)) lo++;
      const out: Array<[number, number, number]> = [];
      for (let k = lo; k < rows.length && out.length < (limit as number) && rows[k][0] <= (upTo as number); k++) out.push(rows[k]);
      return out;
    },
  };
  const s = collectForIndex(tail, from, hi, 16_384);
  assert.ok(rows.length > 2 ** 20);
  assert.equal(s.order.length, rows.length);
  assert.equal(rows.at(-1)![0], hi);
  assert.equal(reads, Math.ceil(rows.length / 16_384), 'slices of 16,384, ending at hi without an empty read');
  // Every row exactly once, in (instrument, id) order, with its own values.
  let prev: [number, number] = [-1, -1];
  const seen = new Set<number>();
  for (const p of s.order) {
    const [ins, id] = [s.ins[p], s.ids[p]];
    assert.ok(ins > prev[0] || (ins === prev[0] && id > prev[1]));
    assert.equal(s.ts[p], 1_700_000_000_000 + id);
    assert.equal(ins, (id * 7919) % 3001);
    seen.add(id);
    prev = [ins, id];
  }
  assert.equal(seen.size, rows.length);
});

test('writeIndexSlices commits a slice per transaction, yields each count, and advances upto only with the last', () => {
  const sorted = sortForIndex([7, 8, 9, 10, 11], [2, 1, 2, 1, 3], [70, 80, 90, 100, 110]);
  const log: string[] = [];
  const slices = writeIndexSlices(
    sorted,
    11,
    2,
    (fn) => {
      log.push('begin');
      fn();
      log.push('commit');
    },
    { run: (ins, ts, id) => log.push(`${ins}/${ts}/${id}`) },
    { run: (hi) => log.push(`upto ${hi}`) },
  );
  assert.deepEqual([...slices], [2, 2, 1]);
  assert.deepEqual(log, ['begin', '1/80/8', '1/100/10', 'commit', 'begin', '2/70/7', '2/90/9', 'commit', 'begin', '3/110/11', 'upto 11', 'commit']);
});
