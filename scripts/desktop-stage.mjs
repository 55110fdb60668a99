// The built app (out/, db/) staged for Electron's binary in node_modules/.cache/tickdesk-desktop/app.
//
// Why a stage: the engine's native modules (better-sqlite3) in node_modules are built for Node, whose
// ABI differs from Electron's, and they must stay so for `npm test` and the CLI. The stage holds a
// copy of each native production dependency rebuilt for Electron (@electron/rebuild, once per
// Electron and module version) and links every other package to the project's node_modules, so
// the app runs unpacked (as `npm start` runs it) without touching the project's own modules.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { downloadFailure } from './desktop-common.mjs';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const STAGE = join(ROOT, 'node_modules', '.cache', 'tickdesk-desktop', 'app');

const readJson = (p) => JSON.parse(readFileSync(p, 'utf8'));

/** Production dependencies (per package-lock) with a native part (binding.gyp), top-level ones. */
export function nativeProductionModules(root = ROOT) {
  const lock = readJson(join(root, 'package-lock.json'));
  const out = [];
  for (const [path, info] of Object.entries(lock.packages ?? {})) {
    const m = /^node_modules\/((?:@[^/]+\/)?[^/]+)$/.exec(path);
    if (!m || info.dev || info.devOptional) continue;
    if (existsSync(join(root, path, 'binding.gyp'))) out.push(m[1]);
  }
  return out.sort();
}

/**
 * Stages out/ and db/ with a package.json and node_modules as described above; returns the stage's
 * directory. Throws when a native module cannot be built for Electron (the message says why).
 */
export async function stageApp({ electronVersion, log = console.error } = {}) {
  const pkg = readJson(join(ROOT, 'package.json'));
  if (!existsSync(join(ROOT, 'out', 'main', 'index.js'))) throw new Error('out/ is not built (npx electron-vite build)');
  mkdirSync(join(STAGE, 'node_modules'), { recursive: true });
  for (const dir of ['out', 'db']) {
    rmSync(join(STAGE, dir), { recursive: true, force: true });
    cpSync(join(ROOT, dir), join(STAGE, dir), { recursive: true });
  }
  const natives = nativeProductionModules();
  const dependencies = Object.fromEntries(natives.map((n) => [n, pkg.dependencies?.[n] ?? '*']));
  writeFileSync(
    join(STAGE, 'package.json'),
    JSON.stringify({ name: pkg.name, version: pkg.version, description: pkg.description, type: pkg.type, main: pkg.main, dependencies }, null, 2),
  );
  // Every other package: a link to the project's copy (scopes linked whole).
  const nm = join(ROOT, 'node_modules');
  const nativeScopes = new Set(natives.filter((n) => n.startsWith('@')).map((n) => n.split('/')[0]));
  for (const name of readdirSync(nm)) {
    if (name.startsWith('.') || natives.includes(name) || nativeScopes.has(name)) continue;
    const link = join(STAGE, 'node_modules', name);
    if (!isPresent(link)) symlinkSync(join(nm, name), link, 'junction');
  }
  const stale = [];
  for (const name of natives) {
    const version = readJson(join(nm, name, 'package.json')).version;
    const marker = join(STAGE, 'node_modules', name, `.built-for-electron-${electronVersion}-${version}`);
    if (existsSync(marker)) continue;
    rmSync(join(STAGE, 'node_modules', name), { recursive: true, force: true });
    cpSync(join(nm, name), join(STAGE, 'node_modules', name), { recursive: true, dereference: true });
    stale.push({ name, marker });
  }
  if (stale.length) {
    log(`building ${stale.map((s) => s.name).join(', ')} for Electron ${electronVersion} (once; cached in ${STAGE})`);
    const require = createRequire(import.meta.url);
    const { rebuild } = require('@electron/rebuild');
    await rebuild({ buildPath: STAGE, electronVersion, onlyModules: stale.map((s) => s.name), force: true, mode: 'sequential' });
    for (const s of stale) writeFileSync(s.marker, `${new Date().toISOString()}\n`);
  }
  return STAGE;
}

function isPresent(p) {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * Stages the app in a child process (@electron/rebuild's workers print what went wrong to its
 * output, not into the error): { dir } once staged; { offline: line } when a download failed
 * (Electron's headers or a prebuilt module); otherwise { error } with the output.
 */
export function stageInChild(electronVersion) {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), electronVersion], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (r.status === 0) return { dir: r.stdout.trim().split('\n').at(-1) };
  const offline = downloadFailure(output);
  return offline ? { offline } : { error: output.trim() || `exit ${r.status ?? r.signal}` };
}

// `node scripts/desktop-stage.mjs ELECTRON_VERSION`: stage, print the directory.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    console.log(await stageApp({ electronVersion: process.argv[2] }));
  } catch (e) {
    console.error(e?.stack ?? String(e));
    process.exit(1);
  }
}
