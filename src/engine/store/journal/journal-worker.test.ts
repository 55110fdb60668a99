import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { copyFileSync, existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CHECKPOINT_MS, Journal } from '../journal';
import { compiled, JournalWorker } from './journal-worker';

const INFY = { broker: 'kite', token: '408065', exchange: 'NSE', segment: 'NSE', symbol: 'INFY', name: 'INFOSYS', tickSize: 0.05, lotSize: 1 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('committed ticks reach the database file itself within about a second, checkpointed off the writer’s thread', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tickdesk-ckpt-'));
  const path = join(dir, 'j.sqlite');
  const j = new Journal(path, { flushMs: 1e9 });
  const id = j.upsertInstrument(INFY);
  const t0 = Date.now();
  for (let k = 0; k < 500; k++) j.append({ instrumentId: id, tsExchange: t0 + k, tsReceived: t0 + k, ltp: 1500 + k / 20 });
  j.flush();
  await sleep(CHECKPOINT_MS + 100);
  j.append({ instrumentId: id, tsExchange: t0 + 900, tsReceived: t0 + 900, ltp: 1600 });
  const walBefore = statSync(`${path}-wal`).size;
  j.flush();
  assert.ok(walBefore > 0, 'the commits sit in the WAL before the checkpoint');
  await j.worker!.idle();
  assert.equal(j.worker!.checkpoints, 1, 'the worker checkpointed');
  assert.equal(j.worker!.lastCheckpoint?.error, undefined);
  assert.equal(j.worker!.lastCheckpoint?.checkpointed, j.worker!.lastCheckpoint?.log, 'every WAL frame is in the file');
  // The database file alone (what a power loss leaves if the WAL was never synced) has the rows.
  const copy = join(dir, 'copy.sqlite');
  copyFileSync(path, copy);
  assert.ok(!existsSync(`${copy}-wal`));
  const alone = new Database(copy, { readonly: true });
  assert.equal((alone.prepare('SELECT count(*) AS n FROM ticks').get() as { n: number }).n, 501);
  alone.close();
  j.close();
});

test('a worker that cannot open the journal says so, and the journal does the work on its own thread', async () => {
  const c = new JournalWorker('/nonexistent/dir/j.sqlite');
  assert.equal(c.checkpoint(), true, 'the worker starts');
  let answered: number | null | undefined;
  assert.equal(
    c.index(10, (u) => (answered = u)),
    true,
  );
  await c.idle();
  for (let i = 0; i < 50 && c.checkpoint(); i++) await sleep(20);
  assert.equal(c.checkpoint(), false, 'after its worker failed, the caller is told to checkpoint itself');
  assert.equal(
    c.index(10, () => {}),
    false,
  );
  assert.equal(answered, null, 'a batch asked of a worker that died is answered as not done');
  c.close();
});

test('a flush that finds the journal locked by another connection keeps its rows and commits them once the lock is gone', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tickdesk-busy-'));
  const path = join(dir, 'j.sqlite');
  const j = new Journal(path, { flushMs: 20, worker: false });
  const id = j.upsertInstrument(INFY);
  j.db.pragma('busy_timeout = 50');
  const other = new Database(path);
  other.exec('BEGIN IMMEDIATE');
  const t0 = Date.now();
  for (let k = 0; k < 10; k++) j.append({ instrumentId: id, tsExchange: t0 + k, tsReceived: t0 + k, ltp: 1500 + k });
  assert.equal(j.flush(), 0, 'nothing written while the other connection holds the lock');
  assert.equal(j.busyRetries, 1);
  assert.equal(j.pendingRows, 10, 'the rows are kept');
  j.append({ instrumentId: id, tsExchange: t0 + 10, tsReceived: t0 + 10, ltp: 1510 });
  other.exec('COMMIT');
  other.close();
  await sleep(60);
  assert.equal(j.pendingRows, 0, 'the retry committed them');
  assert.deepEqual(
    j.ticks(id, t0, t0 + 100).map((t) => [t.id, t.ltp]),
    Array.from({ length: 11 }, (_, k) => [k + 1, 1500 + k]),
    'every row once, in order, ids without a hole',
  );
  j.close();
});

test('closing while another connection still holds the lock says so instead of dropping the queued rows', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tickdesk-busy-close-'));
  const path = join(dir, 'j.sqlite');
  const j = new Journal(path, { flushMs: 1e9, worker: false });
  const id = j.upsertInstrument(INFY);
  j.db.pragma('busy_timeout = 20');
  const other = new Database(path);
  other.exec('BEGIN IMMEDIATE');
  j.append({ instrumentId: id, tsExchange: Date.now(), tsReceived: Date.now(), ltp: 1500 });
  assert.throws(() => j.close(), /database is locked/);
  assert.equal(j.pendingRows, 1, 'the row is still queued, not dropped');
  other.exec('COMMIT');
  other.close();
  j.close();
  const again = new Journal(path, { readonly: true });
  assert.equal(again.countTicks(id), 1, 'committed once the lock was gone');
  again.close();
});

test("the worker's functions keep the name their compiled callers use, when a bundler renamed them", () => {
  // A bundler that meets two sortForIndex renames one: its callers' compiled source calls the new name.
  const renamed = { sortForIndex2: (n: number) => n * 2 }.sortForIndex2;
  const caller = { collect: (n: number) => renamed(n) + 1 }.collect;
  const source = `${compiled('sortForIndex', renamed)}\nconst collect = (${caller.toString().replace('renamed', 'sortForIndex2')});\nreturn [sortForIndex(5), collect(5)];`;
  assert.deepEqual(new Function(source)(), [10, 11]);
  assert.match(compiled('f', function f() {}), /^const f = \(function f\(\) ?\{\s*\}\);$/, 'no alias when the name is kept');
});
