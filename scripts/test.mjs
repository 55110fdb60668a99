// `npm test`: lint, typecheck, build, then every *.test.ts under src/ and e2e/, then the desktop checks
// (npm run test:desktop, npm run dist:check: skipped, in one line each, without Electron).
//
// Each test file runs in its own process group under Node's test runner, two at a time, with a time
// limit: a file that hangs (a child process left holding it open, a wait that never ends) is killed
// with everything it started and reported by name, instead of holding the whole run until CI's limit.
// A file's output is printed whole when it ends, in the order files end, with a progress line.
//
//   node scripts/test.mjs [files...]       only these files (no lint/typecheck/build/desktop)
//   TICKDESK_TEST_FILE_TIMEOUT_S=600       the per-file limit (default 600 s)
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { clearTimeout, setTimeout } from 'node:timers';

const FILE_TIMEOUT_MS = Number(process.env.TICKDESK_TEST_FILE_TIMEOUT_S || 600) * 1000;
// One test that never ends fails by name after this (its own { timeout } wins); the file then ends.
const TEST_TIMEOUT_MS = Math.min(240_000, FILE_TIMEOUT_MS / 2);
const CONCURRENCY = 2;

function findTests(dir, out = []) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    if (name === 'node_modules') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) findTests(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

function run(label, cmd, args) {
  console.log(`\n▶ ${label}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`✖ ${label} failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status || 1);
  }
}

/** Kills a process group, ignoring one that is already gone. */
function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** The counts the spec reporter prints at the end of a file ("ℹ pass 12"). */
function counts(output) {
  const n = (name) => Number(new RegExp(`^ℹ ${name} (\\d+)$`, 'm').exec(output)?.[1] ?? 0);
  return { tests: n('tests'), pass: n('pass'), fail: n('fail') + n('cancelled'), skipped: n('skipped') + n('todo') };
}

/** Runs one test file; resolves with its outcome. Never rejects. */
function runFile(file) {
  return new Promise((resolve) => {
    const start = Date.now();
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-force-exit', `--test-timeout=${TEST_TIMEOUT_MS}`, file],
      { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' } },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    let timedOut = false;
    let killer;
    const timer = setTimeout(() => {
      timedOut = true;
      // The runner reports the tests it interrupts on SIGINT (which one hung); then the whole group goes.
      try {
        child.kill('SIGINT');
      } catch {
        // already gone
      }
      killer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), 5000);
    }, FILE_TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(killer);
      // Whatever the file started and left behind (a recorder, a browser) goes with it.
      killGroup(child.pid, 'SIGKILL');
      resolve({ file, code, signal, timedOut, out, ms: Date.now() - start, ...counts(out) });
    });
  });
}

async function runTests(files) {
  console.log(`\n▶ tests (${files.length} files, ${CONCURRENCY} at a time, ${FILE_TIMEOUT_MS / 1000} s limit per file)`);
  const queue = [...files];
  const results = [];
  let done = 0;
  async function worker() {
    for (let file = queue.shift(); file; file = queue.shift()) {
      const r = await runFile(file);
      results.push(r);
      done++;
      process.stdout.write(r.out.endsWith('\n') || r.out === '' ? r.out : `${r.out}\n`);
      const ok = r.code === 0 && !r.timedOut;
      const why = r.timedOut
        ? `still running after ${FILE_TIMEOUT_MS / 1000} s: killed with every process it started`
        : ok
          ? `${r.pass} passed`
          : `exit ${r.code ?? r.signal}, ${r.fail} failed`;
      console.log(`${ok ? '✔' : '✖'} [${done}/${files.length}] ${r.file} — ${why} (${(r.ms / 1000).toFixed(1)} s)\n`);
    }
  }
  const t0 = Date.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const bad = results.filter((r) => r.code !== 0 || r.timedOut);
  const sum = (k) => results.reduce((a, r) => a + r[k], 0);
  console.log(`tests ${sum('tests')} · pass ${sum('pass')} · fail ${sum('fail')} · skipped ${sum('skipped')} · files ${files.length} · ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  if (bad.length) {
    console.error(`✖ ${bad.length} test file(s) failed:`);
    for (const r of bad) console.error(`  ${r.file}${r.timedOut ? ' (timed out)' : ''}`);
    process.exit(1);
  }
}

const only = process.argv.slice(2);
if (only.length === 0) {
  run('lint', 'npx', ['eslint', '.', '--max-warnings=0']);
  run('typecheck', 'npm', ['run', '-s', 'typecheck']);
  // Electron's binary is not needed to build main, preload and renderer bundles.
  run('build (electron-vite)', 'npx', ['electron-vite', 'build', '--logLevel', 'warn']);
  // The CLI the e2e tests spawn, compiled now rather than by whichever test starts it first.
  run('build (CLI bundle)', process.execPath, ['bin/cli-bundle.mjs']);
}
// The slowest files first, so that two workers end together rather than one waiting on a long tail.
const files = only.length ? only : [...findTests('src'), ...findTests('e2e')].sort((a, b) => Number(b.startsWith('e2e')) - Number(a.startsWith('e2e')) || a.localeCompare(b));
await runTests(files);
if (only.length === 0) {
  // The desktop app in Electron and the package electron-builder makes, after everything else (the
  // package check swaps native builds in node_modules while it runs). Where Electron cannot run
  // (no binary, no display) each prints one "skipped: why" line and exits 0.
  run('desktop app (npm run test:desktop)', process.execPath, ['scripts/desktop-test.mjs', '--no-build']);
  run('package (npm run dist:check)', process.execPath, ['scripts/desktop-dist-check.mjs', '--no-build']);
}
