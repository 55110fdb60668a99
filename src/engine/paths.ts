// Where the repository's files are (db/ migrations and schema, out/renderer, package.json) for code
// that may run from src/ under tsx or bundled into out/cli/ (bin/cli-bundle.mjs): the nearest folder
// above this module that holds both package.json and db/sqlite. Elsewhere (the desktop app's asar,
// whose callers pass their folders explicitly) the folder two levels above this module's own, as it
// is from src/engine/.
import { existsSync } from 'node:fs';
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
