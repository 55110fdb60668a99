// What `npm run dist` ships, checked on electron-builder's Linux `dir` output (TICKDESK_DIST_DIR, made
// by scripts/desktop-dist-check.mjs): the binary's fuses are the ones electron-builder.yml asks for;
// app.asar holds the build (out/, no source maps, no tests), package.json and production
// dependencies only; the journal migrations sit beside it in resources/db; and the packaged app
// starts (`--version`) and exits 0. Named .spec.ts so `npm test` leaves it to `npm run dist:check`.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, sep } from 'node:path';
import { test } from 'node:test';

const DIR = process.env.TICKDESK_DIST_DIR;
const ROOT = new URL('../../', import.meta.url).pathname;
const require = createRequire(import.meta.url);

// electron-builder's own YAML parser (as src/main/packaging.test.ts reads the config) and the
// asar/fuses libraries electron-builder packs with.
const fromBuilder = createRequire(require.resolve('electron-builder/package.json'));
const fromLib = createRequire(fromBuilder.resolve('app-builder-lib/package.json'));
const yaml = fromLib('js-yaml') as { load(text: string): unknown };
const asar = require('@electron/asar') as { listPackage(archive: string, o: { isPack: boolean }): string[]; extractFile(archive: string, file: string): Buffer };
const fuses = require('@electron/fuses') as { getCurrentFuseWire(exe: string): Promise<Record<string, number>>; FuseV1Options: Record<string, number> };
// A fuse's byte in the wire: '1' on, '0' off (@electron/fuses' FuseState, not exported from its index).
const { FuseState } = require('@electron/fuses/dist/constants') as { FuseState: { ENABLE: number; DISABLE: number } };

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
const config = yaml.load(readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8')) as { productName?: string; executableName?: string; electronFuses: Record<string, boolean> };

/** The app's executable in the `dir` output (electron-builder names it after the package). */
function executable(dir: string): string {
  const names = [config.executableName, pkg.name, config.productName, config.productName?.toLowerCase()].filter((n): n is string => !!n);
  const found = names.map((n) => join(dir, n)).find((p) => existsSync(p));
  assert.ok(found, `no executable named ${names.join(' or ')} in ${dir} (${readdirSync(dir).join(', ')})`);
  return found;
}

/** Package names npm installs for production (package-lock.json, dev-only ones excluded). */
function productionPackages(): Set<string> {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
  const names = new Set<string>();
  for (const [path, info] of Object.entries(lock.packages)) {
    const m = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)$/.exec(path);
    if (m && !info.dev) names.add(m[1]);
  }
  return names;
}

/** Every file under `dir`, relative, with '/' separators. */
function filesUnder(dir: string, prefix = ''): string[] {
  return readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? filesUnder(join(dir, name), `${prefix}${name}/`) : [`${prefix}${name}`]));
}

const skip = DIR ? false : 'run by npm run dist:check (it builds the dir target first)';

test('the packaged binary has the fuses electron-builder.yml flips', { skip }, async () => {
  const wire = await fuses.getCurrentFuseWire(executable(DIR!));
  for (const [name, on] of Object.entries(config.electronFuses)) {
    const index = fuses.FuseV1Options[name[0].toUpperCase() + name.slice(1)];
    assert.equal(typeof index, 'number', `@electron/fuses knows ${name}`);
    assert.equal(wire[index], on ? FuseState.ENABLE : FuseState.DISABLE, `${name} is ${on ? 'on' : 'off'}`);
  }
});

test('app.asar holds out/ (no maps), package.json and production dependencies only; no sources, tests or maps', { skip }, () => {
  const archive = join(DIR!, 'resources', 'app.asar');
  const entries = asar
    .listPackage(archive, { isPack: false })
    .map((e) => e.split(sep).join('/').replace(/^\//, ''))
    .filter(Boolean);
  const top = new Set(entries.map((e) => e.split('/')[0]));
  assert.deepEqual([...top].filter((t) => !['out', 'package.json', 'node_modules'].includes(t)), [], 'nothing beside out/, package.json and node_modules');
  // Exactly the build's files (directories are entries too: compare files only).
  // out/cli and out/bench are the CLI's and the benches' compiled copies (electron-builder.yml leaves them out).
  const notApp = (f: string) => f.endsWith('.map') || f.startsWith('cli/') || f.startsWith('bench/');
  const built = filesUnder(join(ROOT, 'out'))
    .filter((f) => !notApp(f))
    .map((f) => `out/${f}`)
    .sort();
  const packed = entries.filter((e) => e.startsWith('out/') && built.includes(e)).sort();
  assert.deepEqual(packed, built, 'every file of out/ except source maps and the CLI/bench copies');
  assert.deepEqual(entries.filter((e) => e.startsWith('out/cli/') || e.startsWith('out/bench/')), [], 'no CLI or bench copies');
  for (const f of ['out/main/index.js', 'out/main/engine-host.js', 'out/preload/index.cjs', 'out/renderer/index.html']) assert.ok(entries.includes(f), f);
  assert.deepEqual(entries.filter((e) => e.endsWith('.map')), [], 'no source maps');
  assert.deepEqual(entries.filter((e) => /\.(test|spec)\.[cm]?[jt]sx?$/.test(e) || e.split('/').includes('__tests__')), [], 'no test files');
  assert.ok(!entries.some((e) => e.startsWith('db/')), 'migrations are not inside the asar (they are resources)');
  const prod = productionPackages();
  const foreign = new Set<string>();
  for (const e of entries) for (const m of e.matchAll(/(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)/g)) if (!prod.has(m[1]) && !m[1].startsWith('.')) foreign.add(m[1]);
  assert.deepEqual([...foreign].sort(), [], 'only production dependencies (no electron, builders or test tools)');
  const packedPkg = JSON.parse(asar.extractFile(archive, 'package.json').toString('utf8')) as { main?: string; version?: string };
  assert.deepEqual([packedPkg.main, packedPkg.version], ['out/main/index.js', pkg.version], 'the packed package.json starts out/main');
});

test('the journal migrations ship beside the asar, as in the repository', { skip }, () => {
  const shipped = join(DIR!, 'resources', 'db', 'sqlite');
  const repo = join(ROOT, 'db', 'sqlite');
  const files = readdirSync(repo).sort();
  assert.ok(files.length > 0);
  assert.deepEqual(readdirSync(shipped).sort(), files);
  for (const f of files) assert.ok(readFileSync(join(shipped, f)).equals(readFileSync(join(repo, f))), `${f} is the repository's`);
  // better-sqlite3's native module is unpacked (asarUnpack: **/*.node): dlopen cannot read inside an asar.
  const unpacked = join(DIR!, 'resources', 'app.asar.unpacked');
  assert.ok(existsSync(unpacked) && filesUnder(unpacked).some((f) => f.endsWith('better_sqlite3.node')), 'better_sqlite3.node in app.asar.unpacked');
});

test('the packaged app starts with --version and exits 0', { skip }, () => {
  const electronVersion = (require('electron/package.json') as { version: string }).version;
  // --no-sandbox: a `dir` output's chrome-sandbox is not setuid root, and Chromium refuses to run as
  // root with its sandbox; the smoke is about the binary loading the app, not the OS sandbox.
  const args = ['--version', ...(process.platform === 'linux' ? ['--no-sandbox'] : [])];
  const r = spawnSync(executable(DIR!), args, { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ELECTRON_ENABLE_LOGGING: '' } });
  assert.equal(r.error, undefined, String(r.error));
  assert.equal(r.status, 0, `exit ${r.status ?? r.signal}\n${r.stdout}\n${r.stderr}`);
  assert.equal(r.stdout.trim().split('\n').at(-1), `Tickdesk ${pkg.version} (Electron ${electronVersion})`);
});
