// Where the repository's files are (db/ migrations and schema, out/renderer, package.json) for code
// that may run from src/ under tsx or bundled into out/cli/ (bin/cli-bundle.mjs): the nearest folder
// above this module that holds both package.json and db/sqlite. Elsewhere (the desktop app's asar,
// whose callers pass their folders explicitly) the folder two levels above this module's own, as it
// is from src/engine/.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function findRepoRoot(from: string): string | null {
  for (let d = from; ; d = dirname(d)) {
    if (existsSync(join(d, 'package.json')) && existsSync(join(d, 'db', 'sqlite'))) return d;
    if (dirname(d) === d) return null;
  }
}

const here = fileURLToPath(new URL('.', import.meta.url));
export const REPO_ROOT = findRepoRoot(here) ?? join(here, '..', '..');

/** Everything under `dir` but its folders (files, links), depth first; throws if `dir` cannot be read. */
export function* filesUnder(dir: string): Generator<{ path: string; name: string; isFile: boolean }> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) yield* filesUnder(path);
    else yield { path, name: e.name, isFile: e.isFile() };
  }
}

/** The newest modification time of the files under `dir` that `keep` accepts (all by default), ms. */
export function newestMtime(dir: string, keep: (name: string) => boolean = () => true): number {
  let newest = 0;
  for (const f of filesUnder(dir)) if (keep(f.name)) newest = Math.max(newest, statSync(f.path).mtimeMs);
  return newest;
}

/**
 * A file of the CLI's bundle (out/cli, made by bin/cli-bundle.mjs from src/engine and src/shared)
 * when the bundle is newer than every one of those sources, else null: code running from the
 * sources can then start the same compiled worker the CLI and the desktop app start. The rule is
 * bin/cli-bundle.mjs's bundleIsFresh (which runs before any TypeScript can, so it cannot be this).
 */
export function freshCliBundleFile(name: string, root: string = REPO_ROOT): string | null {
  const main = join(root, 'out', 'cli', 'main.js');
  const file = join(root, 'out', 'cli', name);
  if (!existsSync(main) || !existsSync(file)) return null;
  const source = (n: string) => n.endsWith('.ts') && !n.endsWith('.test.ts');
  const newest = Math.max(newestMtime(join(root, 'src', 'engine'), source), newestMtime(join(root, 'src', 'shared'), source));
  return statSync(main).mtimeMs >= newest ? file : null;
}
