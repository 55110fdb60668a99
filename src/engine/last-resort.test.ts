// The last-resort handler in a real child process: rows queued (not yet committed) when an error
// nothing caught ends the process are committed before it exits 70; the message says so.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Journal } from './store/journal';

const here = (p: string) => new URL(p, import.meta.url).href;

/**
 * Runs a script that queues 7 ticks and 2 depth sides in a journal flushed only every minute,
 * installs the handler, then fails as `failure` says.
 */
function runFailing(failure: string, before = ''): { path: string; code: number | null; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tickdesk-last-resort-'));
  const path = join(dir, 'j.sqlite');
  const script = join(dir, 'fail.mts');
  writeFileSync(
    script,
    `import { Journal } from ${JSON.stringify(here('./store/journal.ts'))};
import { installLastResort } from ${JSON.stringify(here('./last-resort.ts'))};
const journal = new Journal(${JSON.stringify(path)}, { flushMs: 60_000 });
const id = journal.upsertInstrument({ broker: 'kite', token: '408065', exchange: 'NSE', segment: 'NSE', symbol: 'INFY', name: 'INFOSYS', tickSize: 0.05, lotSize: 1 });
for (let i = 0; i < 7; i++) journal.append({ instrumentId: id, tsExchange: 1763610300000 + i, tsReceived: 1763610300005 + i, ltp: 1500 + i / 20 });
const side = (s) => ({ instrumentId: id, ts: 1763610300000, side: s, levels: 1, price: new Float64Array([1500]), qty: new Uint32Array([10]), orders: new Uint32Array([2]) });
journal.appendDepth(side('bid'));
journal.appendDepth(side('ask'));
if (journal.committed !== 0 || journal.pendingRows !== 9) throw new Error('the rows should be queued, not committed');
installLastResort({ name: 'test-proc', journal: () => journal });
${before}
${failure}
`,
  );
  const r = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 30_000 });
  return { path, code: r.status, stderr: r.stderr };
}

test('an uncaught exception: the queued rows are committed, the error printed, exit 70', () => {
  const r = runFailing(`setTimeout(() => { throw new TypeError('boom in a timer'); }, 10);`);
  assert.equal(r.code, 70, r.stderr);
  assert.match(r.stderr, /^test-proc: internal error \(uncaught exception\), stopping: TypeError: boom in a timer\n\s+at /m);
  assert.match(r.stderr, new RegExp(`test-proc: internal error: boom in a timer; committed 7 ticks and 2 depth snapshots to ${r.path} \\(7 ticks and 2 depth snapshots of them were queued at the error\\) and closed it`));
  const j = new Journal(r.path, { readonly: true });
  assert.deepEqual(
    (j.db.prepare('SELECT ltp FROM ticks ORDER BY ts_exchange').all() as Array<{ ltp: number }>).map((x) => x.ltp),
    [1500, 1500.05, 1500.1, 1500.15, 1500.2, 1500.25, 1500.3],
  );
  assert.equal((j.db.prepare('SELECT count(*) AS n FROM depth').get() as { n: number }).n, 2);
  j.close();
});

test('an unhandled rejection, even of a non-Error: the same', () => {
  const r = runFailing(`void Promise.reject({ reason: 'not an Error' });`);
  assert.equal(r.code, 70, r.stderr);
  assert.match(r.stderr, /test-proc: internal error \(unhandled promise rejection\), stopping: \{ reason: 'not an Error' \}/);
  assert.match(r.stderr, /committed 7 ticks and 2 depth snapshots to .* and closed it/);
  const j = new Journal(r.path, { readonly: true });
  assert.equal(j.countTicks(), 7);
  j.close();
});

test('when the commit itself fails, it says so and still exits 70 (no hang, no loop)', () => {
  // Another connection holds the write lock and the journal does not wait for it.
  const r = runFailing(
    `setTimeout(() => { throw new Error('boom'); }, 10);`,
    `const other = new journal.db.constructor(journal.path);
other.exec('BEGIN EXCLUSIVE');
globalThis.lockHolder = other; // kept alive: a collected connection lets its lock go
journal.db.pragma('busy_timeout = 0');`,
  );
  assert.equal(r.code, 70, r.stderr);
  assert.match(r.stderr, /test-proc: internal error: boom; the journal .*j\.sqlite could not commit what was queued \(database is locked\); the 0 ticks committed before stay/);
});
