// The replicator's worker seam: where its entry is found (TypeScript under tsx, the built entry
// beside the bundled engine), and the built entry replicating under plain Node, without tsx.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, test } from 'node:test';
import { Journal } from './journal';
import { REPLICATOR_WORKER_BOOT, replicatorWorkerEntry } from './replicator';
import { cleanupDatabases, freshDatabase, journalChecksums, pgChecksums, withClient } from './testing';
import { initSchema } from './timescale';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const cleanups: Array<() => void> = [];
after(async () => {
  for (const f of cleanups.splice(0)) f();
  await cleanupDatabases();
});

test('the worker entry: under tsx the CLI-compiled worker while it is up to date, else the TypeScript beside the replicator; bundled, the built entry beside the engine, from its file or a chunk', () => {
  // A checkout whose CLI bundle (out/cli) is newer than its sources, then older than one of them.
  const repo = mkdtempSync(join(tmpdir(), 'tickdesk-entry-'));
  for (const d of ['src/engine/store', 'src/shared', 'out/cli']) mkdirSync(join(repo, d), { recursive: true });
  for (const f of ['src/engine/store/replication.ts', 'src/shared/model.ts', 'out/cli/main.js', 'out/cli/replicator-worker.js']) writeFileSync(join(repo, f), '');
  const t = Date.now() / 1000;
  for (const f of ['src/engine/store/replication.ts', 'src/shared/model.ts']) utimesSync(join(repo, f), t - 60, t - 60);
  assert.deepEqual(replicatorWorkerEntry(import.meta.url, repo), { entry: pathToFileURL(join(repo, 'out/cli/replicator-worker.js')).href, tsx: null });
  utimesSync(join(repo, 'src/engine/store/replication.ts'), t + 60, t + 60);
  const dev = replicatorWorkerEntry(import.meta.url, repo);
  assert.equal(dev.entry, new URL('./replicator-worker.ts', import.meta.url).href);
  assert.ok(existsSync(fileURLToPath(dev.entry)));
  assert.match(dev.tsx!, /^file:\/\/.*\/node_modules\/tsx\/dist\/esm\/api\/index\.mjs$/);
  assert.ok(existsSync(fileURLToPath(dev.tsx!)));
  // A test file newer than the bundle is not one of its sources.
  utimesSync(join(repo, 'src/engine/store/replication.ts'), t - 60, t - 60);
  writeFileSync(join(repo, 'src/engine/store/replication.test.ts'), '');
  assert.equal(replicatorWorkerEntry(import.meta.url, repo).tsx, null);
  cleanups.push(() => rmSync(repo, { recursive: true, force: true }));

  const out = join(mkdtempSync(join(tmpdir(), 'tickdesk-bundle-')), 'main');
  mkdirSync(join(out, 'chunks'), { recursive: true });
  for (const f of ['engine-host.js', 'replicator-worker.js', 'chunks/replication-x1.js']) writeFileSync(join(out, f), '');
  const built = pathToFileURL(join(out, 'replicator-worker.js')).href;
  assert.deepEqual(replicatorWorkerEntry(pathToFileURL(join(out, 'engine-host.js')).href), { entry: built, tsx: null });
  assert.deepEqual(replicatorWorkerEntry(pathToFileURL(join(out, 'chunks/replication-x1.js')).href), { entry: built, tsx: null });
});

test('the built engine: electron-vite emits replicator-worker.js, and under plain Node (no tsx) it replicates a journal exactly once', { timeout: 180_000 }, async () => {
  // Built inside the repository (node_modules/.cache) so that its imports (pg, better-sqlite3) resolve as in out/.
  const cache = join(ROOT, 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  const outDir = mkdtempSync(join(cache, 'tickdesk-replicator-build-'));
  cleanups.push(() => rmSync(outDir, { recursive: true, force: true }));
  const b = spawnSync(process.execPath, [join(ROOT, 'node_modules/electron-vite/bin/electron-vite.js'), 'build', '--outDir', outDir, '--logLevel', 'error'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(b.status, 0, b.stderr);
  const entry = join(outDir, 'main', 'replicator-worker.js');
  assert.ok(existsSync(entry), 'the worker is an entry of the main build');

  const url = await freshDatabase();
  await withClient(url, (c) => initSchema(c));
  const dir = mkdtempSync(join(tmpdir(), 'tickdesk-built-worker-'));
  const journal = new Journal(join(dir, 'j.sqlite'), { flushMs: 1e9 });
  const ids = ['INFY', 'TCS', 'SBIN'].map((symbol, k) => journal.upsertInstrument({ broker: 'kite', token: String(500 + k), exchange: 'NSE', segment: 'NSE', symbol, tickSize: 0.05, lotSize: 1 }));
  const t0 = Date.now() - 60_000;
  for (let k = 0; k < 12_000; k++) journal.append({ instrumentId: ids[k % 3], tsExchange: t0 + k, tsReceived: t0 + k, ltp: 100 + k * 0.05, volume: k, depth5: new Float64Array(30).fill(k) });
  journal.flush();
  const last = journal.maxTickId();

  // What Replicator does with the worker, in plain JavaScript: start it, answer nothing, stop it once the database has every row.
  const script = join(dir, 'run.mjs');
  writeFileSync(
    script,
    `import { Worker } from 'node:worker_threads';
     const w = new Worker(${JSON.stringify(REPLICATOR_WORKER_BOOT)}, { eval: true, workerData: {
       replicator: { path: ${JSON.stringify(journal.path)}, settings: { url: ${JSON.stringify(url)}, sourceId: 'built', batchRows: 5000, idleMs: 20 } },
       entry: ${JSON.stringify(pathToFileURL(entry).href)}, tsx: null } });
     const seen = [];
     w.on('message', (m) => {
       seen.push(m);
       if (m.t === 'progress' && m.lastTickId === ${last}) w.postMessage({ t: 'stop' });
     });
     w.on('error', (e) => { console.error(e); process.exit(3); });
     w.on('exit', (code) => { console.log(JSON.stringify({ code, seen })); });
     setTimeout(() => { console.error('timed out', JSON.stringify(seen)); process.exit(4); }, 60_000).unref();`,
  );
  const r = spawnSync(process.execPath, [script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const { code, seen } = JSON.parse(r.stdout) as { code: number; seen: Array<{ t: string; state?: string; sent?: number; stream?: string; lastId?: number }> };
  assert.equal(code, 0);
  assert.equal(seen[0].t, 'ready');
  assert.deepEqual(seen.filter((m) => m.t === 'state').map((m) => m.state), ['connecting', 'connected']);
  assert.equal(seen.filter((m) => m.t === 'progress').reduce((n, m) => n + m.sent!, 0), 12_000, 'in batches of 5,000: every row once');
  assert.deepEqual(seen.filter((m) => m.t === 'synced' && m.stream === 'ticks').at(-1), { t: 'synced', sink: `${new URL(url).host}${new URL(url).pathname}#built`, stream: 'ticks', lastId: last });
  assert.deepEqual(await withClient(url, (c) => pgChecksums(c, 'built')), journalChecksums(journal));
  journal.close();
});
