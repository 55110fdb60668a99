// bin/cli-bundle.mjs: the CLI compiled once into out/cli and loaded from there, rebuilt when a source
// changes, the TypeScript sources through tsx on request, and a real recording through the bundle
// (migrations found from out/cli, the journal's worker running its compiled functions). Run on a
// copy of the repository so that this checkout's own out/cli is left alone.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Journal } from '../src/engine/store/journal';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const copy = mkdtempSync(join(tmpdir(), 'tickdesk-cli-bundle-'));
for (const p of ['bin', 'src/engine', 'src/shared', 'db', 'package.json', 'tsconfig.json']) cpSync(join(REPO, p), join(copy, p), { recursive: true });
symlinkSync(join(REPO, 'node_modules'), join(copy, 'node_modules'));
after(() => rmSync(copy, { recursive: true, force: true }));

const BIN = join(copy, 'bin', 'tickdesk.mjs');
const MAIN = join(copy, 'out', 'cli', 'main.js');
const VERSION = (await import(join(REPO, 'package.json'), { with: { type: 'json' } })).default.version as string;

function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const t = performance.now();
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, ms: performance.now() - t };
}

test('the first run builds out/cli; later runs load it as it is; a changed source rebuilds it', () => {
  assert.ok(!existsSync(MAIN));
  const first = run(['--version']);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.stdout.trim(), VERSION);
  assert.ok(existsSync(MAIN) && existsSync(join(copy, 'out', 'cli', 'replicator-worker.js')));
  const built = statSync(MAIN).mtimeMs;

  const again = run(['--version']);
  assert.equal(again.stdout.trim(), VERSION);
  assert.equal(statSync(MAIN).mtimeMs, built, 'fresh: not rebuilt');

  // A source newer than the bundle (a test file is not one of its sources).
  const later = new Date(built + 60_000);
  utimesSync(join(copy, 'src/engine/store/journal.test.ts'), later, later);
  run(['--version']);
  assert.equal(statSync(MAIN).mtimeMs, built, 'a test file changed: still fresh');
  utimesSync(join(copy, 'src/engine/store/journal/ticks.ts'), later, later);
  const rebuilt = run(['--version']);
  assert.equal(rebuilt.stdout.trim(), VERSION);
  assert.ok(statSync(MAIN).mtimeMs > built, 'a source changed: rebuilt');
});

test('TICKDESK_CLI=tsx runs the TypeScript sources and writes no bundle', () => {
  rmSync(join(copy, 'out'), { recursive: true, force: true });
  const r = run(['--version'], { TICKDESK_CLI: 'tsx' });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), VERSION);
  assert.ok(!existsSync(MAIN));
});

test('two first runs at once both work, and leave one whole bundle', async () => {
  rmSync(join(copy, 'out'), { recursive: true, force: true });
  const once = () =>
    new Promise<{ code: number | null; out: string }>((resolve) => {
      const c = spawn(process.execPath, [BIN, '--version'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      c.stdout.on('data', (d) => (out += d));
      c.on('exit', (code) => resolve({ code, out }));
    });
  const rs = await Promise.all([once(), once()]);
  for (const r of rs) assert.deepEqual(r, { code: 0, out: `${VERSION}\n` });
  assert.equal(run(['--version']).stdout.trim(), VERSION);
});

test('a recording through the bundle: migrations found from out/cli, ticks committed and indexed by the journal worker', () => {
  const journalPath = join(copy, 'j.sqlite');
  const r = run(['record', '--journal', journalPath, '--duration', '4s', '--seed', '2']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(existsSync(MAIN));
  // PostgreSQL's driver loads when a sink connects (or `db init` runs), not with every command (~0.1 s).
  assert.doesNotMatch(readFileSync(MAIN, 'utf8'), /^import\s[^;]*from\s*"pg(-copy-streams)?";/m);
  assert.match(readFileSync(MAIN, 'utf8'), /import\("pg"\)/);
  const j = new Journal(journalPath, { readonly: true });
  try {
    const n = j.countTicks();
    assert.ok(n > 100, `${n} ticks`);
    // The worker's index batches (its functions compiled into the bundle) ran: entries for committed rows.
    const upto = (j.db.prepare('SELECT upto FROM tick_index_state').get() as { upto: number }).upto;
    const entries = (j.db.prepare('SELECT count(*) AS n FROM tick_index').get() as { n: number }).n;
    assert.ok(upto > 0, 'an index batch ran');
    assert.equal(entries, (j.db.prepare('SELECT count(*) AS n FROM ticks WHERE id <= ?').get(upto) as { n: number }).n);
  } finally {
    j.close();
  }
});

test("the tickdesk command runs with its shebang's Node flags (V8's smaller young generation), run directly or through npx", async () => {
  const first = readFileSync(join(REPO, 'bin', 'tickdesk.mjs'), 'utf8').split('\n', 1)[0];
  assert.equal(first, '#!/usr/bin/env -S node --max-semi-space-size=8');
  for (const [cmd, args] of [
    [join(REPO, 'bin', 'tickdesk.mjs'), []],
    ['npx', ['tickdesk']],
  ] as const) {
    const journal = join(copy, `flags-${basename(cmd)}.sqlite`);
    const child = spawn(cmd, [...args, 'record', '--journal', journal, '--duration', '20s'], { cwd: REPO, stdio: 'ignore' });
    try {
      // The recording process: node running the command (env execs it; npx starts it as a child).
      let cmdline = '';
      for (const end = Date.now() + 15_000; !cmdline && Date.now() < end; await new Promise((r) => setTimeout(r, 50))) {
        for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
          let line = '';
          try {
            line = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
          } catch {
            continue; // gone
          }
          const argv = line.split('\0');
          if (argv.includes(journal) && basename(argv[0]) === 'node' && /\/tickdesk(\.mjs)?$/.test(argv[2] ?? '')) cmdline = line;
        }
      }
      assert.ok(cmdline, `no node process recording to ${journal}`);
      // node --max-semi-space-size=8 …/bin/tickdesk.mjs (or npx's link to it, node_modules/.bin/tickdesk) record …
      assert.equal(cmdline.split('\0')[1], '--max-semi-space-size=8');
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  }
});
