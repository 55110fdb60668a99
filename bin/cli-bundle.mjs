// The CLI's code, compiled once into out/cli/ and loaded from there: through tsx, Node resolves and
// transforms about 170 TypeScript modules one by one on every start (1.7-2 s before `--version`
// prints on a 2-core machine); one bundle loads in a fraction of that. esbuild compiles the engine
// (src/engine, src/shared) into out/cli/main.js and out/cli/replicator-worker.js, the packages in
// node_modules left as imports, whenever the bundle is missing or older than any source it is made
// from; two processes doing so at once each write whole files and rename them into place.
//
// `TICKDESK_CLI=tsx` runs the TypeScript sources through tsx instead (stack traces in .ts); so does
// a machine where the bundle cannot be written or esbuild is missing.
//
//   node bin/cli-bundle.mjs     builds the bundle now if it is stale (npm test does, before its tests)
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const CLI_OUT = join(ROOT, 'out', 'cli');
const ENTRIES = { main: 'src/engine/cli/main.ts', 'replicator-worker': 'src/engine/store/replicator-worker.ts' };
/** What the bundle is made from: a change to any of these makes it stale. */
const SOURCES = ['src/engine', 'src/shared'];
const INPUT_FILES = ['package.json', 'tsconfig.json', fileURLToPath(import.meta.url)];

function newestMtime(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * True when out/cli/main.js exists and is newer than every source; true without sources (a packaged
 * copy: use what is there). src/engine/paths.ts freshCliBundleFile applies the same rule from TypeScript.
 */
export function bundleIsFresh() {
  const main = join(CLI_OUT, 'main.js');
  if (!existsSync(main)) return false;
  if (!existsSync(join(ROOT, 'src', 'engine'))) return true;
  const built = statSync(main).mtimeMs;
  let newest = 0;
  for (const d of SOURCES) newest = Math.max(newest, newestMtime(join(ROOT, d)));
  for (const f of INPUT_FILES) newest = Math.max(newest, statSync(f.startsWith('/') ? f : join(ROOT, f)).mtimeMs);
  return built >= newest;
}

/**
 * Compiles `entries` (name → source path) as the engine ships outside Electron: one ES module per
 * entry in `outdir` (with a package.json saying so), node_modules left as imports (native
 * better-sqlite3, pg's optional parts, vite for the page build). The benches compile with it too.
 */
export async function compile(entries, outdir) {
  const { build } = await import('esbuild');
  await build({ entryPoints: entries, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', outdir, logLevel: 'silent' });
  writeFileSync(join(outdir, 'package.json'), '{ "type": "module" }\n');
}

/** Compiles the bundle into a directory of its own, then renames each file into out/cli (main.js last). */
export async function buildBundle() {
  const tmp = join(ROOT, 'out', `cli.tmp-${process.pid}-${Date.now()}`);
  try {
    await compile(Object.fromEntries(Object.entries(ENTRIES).map(([k, v]) => [k, join(ROOT, v)])), tmp);
    mkdirSync(CLI_OUT, { recursive: true });
    for (const f of ['package.json', 'replicator-worker.js', 'main.js']) renameSync(join(tmp, f), join(CLI_OUT, f));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** The CLI's main(): from the bundle (built first when stale), or from the TypeScript sources through tsx. */
export async function loadMain() {
  if (process.env.TICKDESK_CLI !== 'tsx') {
    try {
      if (!bundleIsFresh()) await buildBundle();
      return (await import(pathToFileURL(join(CLI_OUT, 'main.js')).href)).main;
    } catch {
      // No esbuild, a read-only checkout: the sources run as they are.
    }
  }
  (await import('tsx/esm/api')).register();
  return (await import(pathToFileURL(join(ROOT, 'src/engine/cli/main.ts')).href)).main;
}

// Run as a script (by its own name: a bench compiled with this module inside is not it).
if (basename(process.argv[1] ?? '') === 'cli-bundle.mjs') {
  if (!bundleIsFresh()) await buildBundle();
  console.log(`CLI bundle: ${dirname(join(CLI_OUT, 'main.js'))} (fresh)`);
}
