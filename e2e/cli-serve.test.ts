// `tickdesk serve` as a process: a taken port is an error (not a recorder running without its UI),
// and `serve --demo` leaves no temporary journal behind, however it ends.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const BIN = new URL('../bin/tickdesk.mjs', import.meta.url).pathname;
const FAIL = new URL('./preload/fail-on-sigusr2.mjs', import.meta.url).pathname;

/** The demo journals in a temporary directory (each demo makes tickdesk-demo-XXXX/demo.sqlite there). */
const demoDirs = (tmp: string) => readdirSync(tmp).filter((n) => n.startsWith('tickdesk-demo-'));

test('serve exits 1 and says so when its port is taken, before recording anything', async () => {
  const squatter = createServer();
  await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', () => r()));
  const port = (squatter.address() as { port: number }).port;
  const tmp = mkdtempSync(join(tmpdir(), 'tickdesk-serve-'));
  try {
    const r = spawnSync(process.execPath, [BIN, 'serve', '--demo', '--port', String(port)], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, TMPDIR: tmp } });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`^tickdesk serve: 127\\.0\\.0\\.1:${port} is in use \\(another tickdesk serve\\?\\): pick another --port, or --port 0 for a free one$`, 'm'));
    assert.doesNotMatch(r.stdout, /Tickdesk UI/);
    assert.doesNotMatch(r.stderr, /committed/, 'nothing was recorded');
    assert.deepEqual(demoDirs(tmp), [], 'and the demo journal is gone');
  } finally {
    squatter.close();
  }
});

/** Starts `serve --demo` with its own TMPDIR; resolves once the UI is up and ticks are committed. */
async function startDemo(extra: string[], env: Record<string, string> = {}) {
  const tmp = mkdtempSync(join(tmpdir(), 'tickdesk-serve-'));
  const child = spawn(process.execPath, [...extra, BIN, 'serve', '--demo', '--port', '0', '--rate', '500'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env, TMPDIR: tmp },
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const end = Date.now() + 120_000; // the first serve may build the UI
  while (!(/Tickdesk UI: http/.test(out) && /committed [1-9]/.test(err))) {
    if (Date.now() > end || child.exitCode !== null) throw new Error(`serve --demo did not start:\n${out}\n${err}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const dirs = demoDirs(tmp);
  assert.equal(dirs.length, 1, 'the demo journal is in the temporary directory while it runs');
  assert.ok(existsSync(join(tmp, dirs[0], 'demo.sqlite')));
  return { child, tmp, exit, stderr: () => err };
}

test('serve --demo deletes its temporary journal on SIGINT, SIGTERM, at the end of --duration and after a crash', async () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    const demo = await startDemo([]);
    demo.child.kill(signal);
    assert.equal(await demo.exit, 0, demo.stderr());
    assert.match(demo.stderr(), signal === 'SIGINT' ? /interrupted: committed \d+ ticks/ : /terminated: committed \d+ ticks/);
    assert.deepEqual(demoDirs(demo.tmp), [], `${signal}: the demo journal is gone`);
  }

  const tmp = mkdtempSync(join(tmpdir(), 'tickdesk-serve-'));
  const r = spawnSync(process.execPath, [BIN, 'serve', '--demo', '--port', '0', '--rate', '500', '--duration', '2s'], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, TMPDIR: tmp } });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /done: committed [1-9]\d* ticks to \S+demo\.sqlite/);
  assert.deepEqual(demoDirs(tmp), [], '--duration: the demo journal is gone');

  const crash = await startDemo(['--import', FAIL]);
  crash.child.kill('SIGUSR2');
  assert.equal(await crash.exit, 70, crash.stderr());
  assert.match(crash.stderr(), /tickdesk serve: internal error: injected failure \(exception\); committed \d+ ticks to \S+demo\.sqlite/);
  assert.deepEqual(demoDirs(crash.tmp), [], 'crash: the demo journal is gone');
});
