// Is Electron's binary installed? Used after install (postinstall.mjs) and before `npm run dev`/`start`.
// Electron's package downloads its binary only when asked (`install-electron`), never on its own.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

/** The electron package's directory, or null when the package is not installed. */
export function electronPackageDir() {
  try {
    return dirname(require.resolve('electron/package.json'));
  } catch {
    return null;
  }
}

/** { ok: true, path } when the binary is there, else { ok: false, reason }. */
export function electronBinaryStatus() {
  const dir = electronPackageDir();
  if (!dir) return { ok: false, reason: 'the electron package is not installed' };
  try {
    const bin = join(dir, 'dist', readFileSync(join(dir, 'path.txt'), 'utf8'));
    if (existsSync(bin)) return { ok: true, path: bin };
  } catch {
    // no path.txt: the download never finished
  }
  return { ok: false, reason: 'not downloaded' };
}

// `node scripts/electron-check.mjs`: exit 1 with the one command that fixes it.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const status = electronBinaryStatus();
  if (!status.ok) {
    console.error(`Electron's binary is not installed (${status.reason}). Fetch it with: npm run electron:fetch`);
    process.exit(1);
  }
}
