// `tickdesk db init` and `record --sink` through the real command, including kill -9 mid-replication.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Journal } from '../src/engine/store/journal';
import { Replicator } from '../src/engine/store/replicator';
import { recordThenKill } from './helpers';
import { cleanupDatabases, freshDatabase, journalChecksums, pgChecksums, withClient } from '../src/engine/store/testing';

const BIN = new URL('../bin/tickdesk.mjs', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'tickdesk-e2e-sink-'));
after(() => cleanupDatabases());

function run(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('db init applies the schema on plain PostgreSQL, says what is missing, and is safe to re-run', async () => {
  const url = await freshDatabase();
  for (let i = 0; i < 2; i++) {
    const r = run(['db', 'init', '--url', url]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /schema v1 applied \(plain PostgreSQL\)/);
    assert.match(r.stdout, /missing: TimescaleDB extension not available/);
  }
  assert.equal(run(['db', 'init']).code, 2);
  assert.match(run(['record', '--sink', 'mysql://x']).stderr, /--sink must be a postgres:\/\/ URL/);
});

test('kill -9 while replicating, restart: every journal row is in PostgreSQL exactly once', async () => {
  const url = await freshDatabase();
  assert.equal(run(['db', 'init', '--url', url]).code, 0);
  const journalPath = join(dir, 'crash.sqlite');
  const args = ['record', '--journal', journalPath, '--sink', url, '--source-id', 'crash-test', '--seed', '3'];
  await recordThenKill(args, 5000);

  const again = run([...args, '--duration', '3s']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /db connected/);
  assert.doesNotMatch(again.stderr, /worker thread (did not start|stopped)/, 'the CLI (bundled by bin/cli-bundle.mjs) replicates on its worker thread');

  // Whatever the second run left for the next start, a replicator on the same journal takes now.
  const journal = new Journal(journalPath);
  const rep = new Replicator({ journal, url, sourceId: 'crash-test', idleMs: 20 });
  rep.start();
  const deadline = Date.now() + 30_000;
  while (!(rep.stats.state === 'connected' && rep.snapshot().backlogRows === 0)) {
    if (Date.now() > deadline) throw new Error('backlog did not drain');
    await new Promise((r) => setTimeout(r, 50));
  }
  await rep.stop();
  const mine = journalChecksums(journal);
  const total = journal.countTicks();
  journal.close();
  const theirs = await withClient(url, (c) => pgChecksums(c, 'crash-test'));
  assert.deepEqual(theirs, mine);
  assert.ok(total > 8000, `${total} rows`);
  const progress = await withClient(url, (c) => c.query("SELECT last_id, rows FROM sink_progress WHERE source_id = 'crash-test' AND stream = 'ticks'"));
  assert.equal(Number(progress.rows[0].rows), total, 'the rows counted by the watermark equal the rows sent: nothing twice');
});
