// After `npm ci` / `npm install`: fetch Electron's binary for the desktop app where the download
// works; where it does not (no access to GitHub's releases), say so once and succeed anyway — the
// headless commands and `npm test` never need it. ELECTRON_SKIP_BINARY_DOWNLOAD=1 skips the attempt.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { electronBinaryStatus, electronPackageDir } from './electron-check.mjs';

let reason = electronBinaryStatus().ok ? '' : 'not downloaded';
if (reason && process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) reason = 'ELECTRON_SKIP_BINARY_DOWNLOAD is set';
else if (reason && electronPackageDir()) {
  // Electron's own downloader (checksums verified); its stack trace is kept out of the install log.
  const r = spawnSync(process.execPath, [join(electronPackageDir(), 'install.js')], { encoding: 'utf8', timeout: 10 * 60_000, stdio: ['ignore', 'inherit', 'pipe'] });
  const status = electronBinaryStatus();
  if (status.ok) reason = '';
  else {
    const err = r.error?.message ?? r.stderr ?? '';
    const first = err.split('\n').find((l) => l.trim())?.trim() ?? `exit ${r.status}`;
    // fetch() says only "fetch failed"; the network's own words sit further down the trace.
    const cause = /getaddrinfo \w+ \S+|connect E[A-Z]+ \S+|E(?:CONNRESET|TIMEDOUT|NETUNREACH|HOSTUNREACH)\b/.exec(err)?.[0];
    reason = `download failed: ${first}${cause && !first.includes(cause) ? ` (${cause})` : ''}`;
  }
}
if (reason) {
  console.log(
    `tickdesk: Electron's binary is not installed (${reason}). The desktop app cannot start here; the headless ` +
      'commands (npx tickdesk record|serve|...) and npm test do not need it. Fetch it later with: npm run electron:fetch',
  );
}
