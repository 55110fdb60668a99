// `npm test`: lint, typecheck, then every *.test.ts under src/ and e2e/ with Node's test runner, then the
// desktop checks (npm run test:desktop, npm run dist:check: skipped, in one line each, without Electron).
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

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

const only = process.argv.slice(2);
if (only.length === 0) {
  run('lint', 'npx', ['eslint', '.', '--max-warnings=0']);
  run('typecheck', 'npm', ['run', '-s', 'typecheck']);
  // Electron's binary is not needed to build main, preload and renderer bundles.
  run('build (electron-vite)', 'npx', ['electron-vite', 'build', '--logLevel', 'warn']);
}
const files = only.length ? only : [...findTests('src'), ...findTests('e2e')].sort();
run(`tests (${files.length} files)`, process.execPath, [
  '--import',
  'tsx',
  '--test',
  '--test-reporter=spec',
  '--test-concurrency=2',
  ...files,
]);
if (only.length === 0) {
  // The desktop app in Electron and the package electron-builder makes, after everything else (the
  // package check swaps native builds in node_modules while it runs). Where Electron cannot run
  // (no binary, no display) each prints one "skipped: why" line and exits 0.
  run('desktop app (npm run test:desktop)', process.execPath, ['scripts/desktop-test.mjs', '--no-build']);
  run('package (npm run dist:check)', process.execPath, ['scripts/desktop-dist-check.mjs', '--no-build']);
}
