// `tickdesk record` killed with SIGKILL and started again: the time it was not running is a feed gap,
// in the journal and in the database.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Journal } from '../src/engine/store/journal';
import { recordThenKill } from './helpers';
import { cleanupDatabases, freshDatabase, withClient } from '../src/engine/store/testing';

const BIN = new URL('../bin/tickdesk.mjs', import.meta.url).pathname;
after(() => cleanupDatabases());

function run(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('kill -9, then record again: the outage from the last tick to the first new one is a gap, replicated', async () => {
  const url = await freshDatabase();
  assert.equal(run(['db', 'init', '--url', url]).code, 0);
  const path = join(mkdtempSync(join(tmpdir(), 'tickdesk-e2e-gap-')), 'j.sqlite');
  const args = ['record', '--journal', path, '--sink', url, '--source-id', 'crash-gap', '--rate', '1000'];
  await recordThenKill(args, 500);

  const crashed = new Journal(path, { readonly: true });
  const last = crashed.db.prepare('SELECT id, ts_received AS t FROM ticks ORDER BY id DESC LIMIT 1').get() as { id: number; t: number };
  assert.deepEqual(crashed.gaps(), []);
  crashed.close();

  const again = run([...args, '--duration', '3s']);
  assert.equal(again.code, 0, again.stderr);
  const j = new Journal(path, { readonly: true });
  const first = j.db.prepare('SELECT ts_received AS t FROM ticks WHERE id > ? ORDER BY id LIMIT 1').get(last.id) as { t: number };
  const gaps = j.gaps();
  j.close();
  assert.ok(first.t > last.t);
  assert.deepEqual(gaps, [{ id: 1, feed: 'recorder', connection: 0, startTs: last.t, endTs: first.t, reason: 'recorder not running' }]);
  const db = await withClient(url, (c) =>
    c.query("SELECT gap_id, feed, connection, (extract(epoch from start_ts) * 1000)::bigint AS s, (extract(epoch from end_ts) * 1000)::bigint AS e, reason FROM feed_gaps WHERE source_id = 'crash-gap'"),
  );
  assert.deepEqual(
    db.rows.map((g) => ({ id: Number(g.gap_id), feed: g.feed, connection: g.connection, startTs: Number(g.s), endTs: Number(g.e), reason: g.reason })),
    gaps,
  );
});
