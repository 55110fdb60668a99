import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { copyFileSync, existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CHECKPOINT_MS, Journal } from '../journal';
import { Checkpointer } from './checkpointer';

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
  await j.checkpointer!.idle();
  assert.equal(j.checkpointer!.done, 1, 'the worker checkpointed');
  assert.equal(j.checkpointer!.last?.error, undefined);
  assert.equal(j.checkpointer!.last?.checkpointed, j.checkpointer!.last?.log, 'every WAL frame is in the file');
  // The database file alone (what a power loss leaves if the WAL was never synced) has the rows.
  const copy = join(dir, 'copy.sqlite');
  copyFileSync(path, copy);
  assert.ok(!existsSync(`${copy}-wal`));
  const alone = new Database(copy, { readonly: true });
  assert.equal((alone.prepare('SELECT count(*) AS n FROM ticks').get() as { n: number }).n, 501);
  alone.close();
  j.close();
});

test('a checkpointer whose worker cannot open the journal says so, and the journal checkpoints on its own thread', async () => {
  const c = new Checkpointer('/nonexistent/dir/j.sqlite');
  assert.equal(c.request(), true, 'the worker starts');
  await c.idle();
  for (let i = 0; i < 50 && c.request(); i++) await sleep(20);
  assert.equal(c.request(), false, 'after its worker failed, the caller is told to checkpoint itself');
  c.close();
});
