// `npm run dist:check`: electron-builder builds the Linux `dir` target (no installer, no signing) from
// Electron's installed binary into dist/check/, then e2e/desktop/dist.spec.ts checks the fuses, what
// app.asar holds, the migrations beside it, and that the packaged app starts with --version.
// Without Electron's binary, on another platform, or when electron-builder cannot download what it
// needs (Electron's headers for the native rebuild), it prints one "skipped" line and exits 0.
// `--no-build`: use out/ as it is (npm test has just built it).
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { desktopMachine, desktopPlan, downloadFailure, runPlanned, skipLine } from './desktop-common.mjs';
import { nativeProductionModules, ROOT } from './desktop-stage.mjs';

const COMMAND = 'dist:check';
const OUTPUT = join(ROOT, 'dist', 'check');

async function main() {
  const machine = desktopMachine();
  const plan = desktopPlan(machine);
  if (plan.skip) return skipped(plan.skip);
  if (machine.platform !== 'linux') return skipped(`the Linux dir target is built and checked on Linux (this is ${machine.platform})`);

  if (!process.argv.includes('--no-build')) {
    const b = spawnSync('npx', ['electron-vite', 'build', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit' });
    if (b.status !== 0) return failed(`electron-vite build exited with ${b.status ?? b.signal}`);
  }
  const require = createRequire(import.meta.url);
  const electronDir = join(require.resolve('electron/package.json'), '..');
  const electronVersion = require('electron/package.json').version;

  // electron-builder rebuilds native production modules for Electron in the project's node_modules;
  // the Node builds are put back afterwards, so `npm test` and the CLI keep working.
  const saved = saveNativeBuilds();
  let result;
  try {
    rmSync(OUTPUT, { recursive: true, force: true });
    result = await runBuilder(['--linux', 'dir', '--publish', 'never', `-c.electronDist=${join(electronDir, 'dist')}`, `-c.electronVersion=${electronVersion}`, `-c.directories.output=${relative(ROOT, OUTPUT)}`]);
  } finally {
    saved.restore();
  }
  if (result.status !== 0) {
    const why = downloadFailure(result.output);
    if (why) return skipped(`electron-builder could not download what it needs (${why})`);
    process.stderr.write(result.output);
    return failed(`electron-builder exited with ${result.status}`);
  }
  const dir = join(OUTPUT, 'linux-unpacked');
  if (!existsSync(dir)) return failed(`electron-builder made no ${relative(ROOT, dir)}`);
  const status = runPlanned(plan, process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', join(ROOT, 'e2e', 'desktop', 'dist.spec.ts')], {
    cwd: ROOT,
    env: { ...process.env, TICKDESK_DIST_DIR: dir },
  });
  if (status !== 0) return failed(`the package checks failed (exit ${status})`);
  console.log(`${COMMAND}: passed (${relative(ROOT, dir)})`);
  return 0;
}

function skipped(reason) {
  console.log(skipLine(COMMAND, reason));
  return 0;
}

function failed(reason) {
  console.error(`${COMMAND}: failed: ${reason}`);
  return 1;
}

/** electron-builder, its output kept: shown when it fails, searched for a failed download. */
function runBuilder(args) {
  console.error(`${COMMAND}: electron-builder ${args.join(' ')}…`);
  const child = spawn('npx', ['electron-builder', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  return new Promise((resolve) => child.on('close', (status) => resolve({ status: status ?? 1, output })));
}

/** Copies every compiled .node file of the native production modules aside; restore() puts them back. */
function saveNativeBuilds() {
  const backup = mkdtempSync(join(tmpdir(), 'tickdesk-native-'));
  const files = [];
  for (const name of nativeProductionModules()) {
    const build = join(ROOT, 'node_modules', name, 'build');
    if (!existsSync(build)) continue;
    for (const f of walk(build)) if (f.endsWith('.node')) files.push(f);
  }
  files.forEach((f, i) => copyFileSync(f, join(backup, String(i))));
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    files.forEach((f, i) => {
      mkdirSync(join(f, '..'), { recursive: true });
      copyFileSync(join(backup, String(i)), f);
    });
    rmSync(backup, { recursive: true, force: true });
  };
  // Ctrl-C during the build must not leave node_modules with Electron's builds.
  const onSignal = (signal) => {
    restore();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  return { restore };
}

function walk(dir) {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exit(await main());
