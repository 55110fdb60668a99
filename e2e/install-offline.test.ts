// Issue 10, "npm ci fails on a machine that cannot download Electron's binary": the README's install
// command succeeds there, says so once with the one command that fetches the binary later, and
// fetches it where the download works. The Electron package's own install.js runs against a mirror
// that refuses every connection (a machine without GitHub's releases), in a copy of scripts/ with
// its own node_modules/electron: nothing here downloads anything or changes this checkout.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const REPO = new URL('..', import.meta.url).pathname;
const ELECTRON = join(REPO, 'node_modules/electron');

/** A tree with scripts/postinstall.mjs and an electron package whose install.js is `installJs` (default: Electron's own). */
function tree(installJs?: string): { root: string; electron: string } {
  const root = mkdtempSync(join(tmpdir(), 'tickdesk-postinstall-'));
  mkdirSync(join(root, 'scripts'));
  for (const f of ['postinstall.mjs', 'electron-check.mjs']) copyFileSync(join(REPO, 'scripts', f), join(root, 'scripts', f));
  const electron = join(root, 'node_modules/electron');
  mkdirSync(electron, { recursive: true });
  for (const f of ['package.json', 'checksums.json', 'install.js']) copyFileSync(join(ELECTRON, f), join(electron, f));
  if (installJs !== undefined) writeFileSync(join(electron, 'install.js'), installJs);
  // Electron's downloader and what it needs, from this checkout.
  symlinkSync(join(REPO, 'node_modules/@electron'), join(root, 'node_modules/@electron'));
  return { root, electron };
}

/** Runs the postinstall step as npm does (cwd = the package), with no ELECTRON_* variables unless given. */
function postinstall(root: string, env: Record<string, string> = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(ELECTRON_|electron_|npm_config_electron)/i.test(k)));
  const r = spawnSync(process.execPath, [join(root, 'scripts/postinstall.mjs')], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...clean, electron_config_cache: join(root, 'cache'), ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A loopback port nothing listens on: connections to it are refused at once. */
async function refusedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const { port } = s.address() as { port: number };
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** An install.js standing in for a download that works: it leaves a binary where Electron's would be. */
const DOWNLOADS = `const fs = require('fs'), path = require('path');
fs.appendFileSync(path.join(__dirname, 'ran'), 'x');
fs.mkdirSync(path.join(__dirname, 'dist'), { recursive: true });
fs.writeFileSync(path.join(__dirname, 'dist', 'electron'), '#!/bin/sh\\n', { mode: 0o755 });
fs.writeFileSync(path.join(__dirname, 'path.txt'), 'electron');
`;

test("npm ci needs no Electron download: the electron package installs nothing itself; ours runs after install", () => {
  const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as { packages: Record<string, { hasInstallScript?: boolean }> };
  assert.ok(lock.packages['node_modules/electron'], 'electron is locked');
  assert.equal(lock.packages['node_modules/electron'].hasInstallScript, undefined, "electron's package has no install script that could fail npm ci");
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  assert.equal(pkg.scripts.postinstall, 'node scripts/postinstall.mjs');
  assert.equal(pkg.scripts['electron:fetch'], 'install-electron');
});

test("the download refused: exit 0, one line saying so and 'npm run electron:fetch', no stack trace", async () => {
  const { root, electron } = tree();
  const port = await refusedPort();
  const r = postinstall(root, { ELECTRON_MIRROR: `http://127.0.0.1:${port}/` });
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, r.stdout);
  assert.match(
    lines[0],
    new RegExp(
      // Electron's install.js prints only err.stack: from fetch() that is "TypeError: fetch failed", the cause not in it.
      "^tickdesk: Electron's binary is not installed \\(download failed: [^\\n]*fetch failed[^\\n]*\\)\\. The desktop app cannot start here; " +
        'the headless commands \\(npx tickdesk record\\|serve\\|\\.\\.\\.\\) and npm test do not need it\\. Fetch it later with: npm run electron:fetch$',
    ),
  );
  assert.doesNotMatch(r.stdout + r.stderr, /^\s+at /m, 'no stack trace');
  assert.equal(existsSync(join(electron, 'path.txt')), false);
});

test('where the download works it is fetched and nothing is said; an installed binary is not fetched again', () => {
  const { root, electron } = tree(DOWNLOADS);
  const first = postinstall(root);
  assert.deepEqual([first.code, first.stdout], [0, ''], first.stderr);
  assert.equal(readFileSync(join(electron, 'ran'), 'utf8'), 'x');
  assert.ok(existsSync(join(electron, 'dist/electron')));
  const again = postinstall(root);
  assert.deepEqual([again.code, again.stdout], [0, ''], again.stderr);
  assert.equal(readFileSync(join(electron, 'ran'), 'utf8'), 'x', 'not run a second time');
});

test('ELECTRON_SKIP_BINARY_DOWNLOAD: no attempt, and it says why once', () => {
  const { root, electron } = tree(DOWNLOADS);
  const r = postinstall(root, { ELECTRON_SKIP_BINARY_DOWNLOAD: '1' });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    "tickdesk: Electron's binary is not installed (ELECTRON_SKIP_BINARY_DOWNLOAD is set). The desktop app cannot start here; " +
      'the headless commands (npx tickdesk record|serve|...) and npm test do not need it. Fetch it later with: npm run electron:fetch\n',
  );
  assert.equal(existsSync(join(electron, 'ran')), false);
});
