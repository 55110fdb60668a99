// `npm test`: lint, typecheck, then every *.test.ts under src/ and e2e/ with Node's test runner.
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
