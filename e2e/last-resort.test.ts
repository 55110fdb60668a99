// A bug may end a long-running process, but it must never cost committed data: `tickdesk record`
// and the desktop engine process (src/engine/host.ts), each made to hit an error nothing catches
// from outside (a `node --import` preload that throws from a timer on SIGUSR2), commit what the
// journal had queued, say what happened and exit 70.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Journal } from '../src/engine/store/journal';

const BIN = new URL('../bin/tickdesk.mjs', import.meta.url).pathname;
const HOST = new URL('../src/engine/host.ts', import.meta.url).pathname;
const FAIL = new URL('./preload/fail-on-sigusr2.mjs', import.meta.url).pathname;
const PARENT_PORT = new URL('./preload/parent-port-over-ipc.mjs', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'tickdesk-last-resort-e2e-'));

// A failed assertion must not leave a child holding the test process open (an IPC channel does).
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

function watch(child: ChildProcess): { stderr: () => string; exit: Promise<number | null> } {
  children.push(child);
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { stderr: () => err, exit };
}

/**
 * Sends SIGUSR2 (the preload turns it into an uncaught error) and resolves with the exit code. If the
 * process is still up after 10 s the signal is sent again; after 30 s the test fails instead of
 * hanging (a stuck child would otherwise hold the whole suite).
 */
async function injectFailure(child: ChildProcess, run: ReturnType<typeof watch>): Promise<number | null> {
  for (let i = 0; i < 3; i++) {
    child.kill('SIGUSR2');
    const code = await Promise.race([run.exit, new Promise<'running'>((r) => setTimeout(() => r('running'), 10_000).unref())]);
    if (code !== 'running') return code;
  }
  child.kill('SIGKILL');
  throw new Error(`still running 30 s after the injected failure:\n${run.stderr().slice(-1500)}`);
}

async function until(cond: () => boolean, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Ticks in a journal another process is writing; 0 while it is still being made (no file yet, or
 * its tables not yet created: a read-only open then fails, and that is not the test's failure).
 */
function ticksIn(path: string): number {
  if (!existsSync(path)) return 0;
  let j: Journal;
  try {
    j = new Journal(path, { readonly: true });
  } catch {
    return 0;
  }
  try {
    return j.countTicks();
  } catch {
    return 0;
  } finally {
    j.close();
  }
}

/** The final account the handler prints: "committed N ticks … to PATH (Q ticks … were queued at the error)". */
function account(stderr: string, name: string, path: string): { committed: number; queued: number } {
  const m = new RegExp(`${name}: internal error: injected failure \\(\\w+\\); committed (\\d+) ticks.* to ${path} \\((\\d+) ticks and \\d+ depth snapshots of them were queued at the error\\) and closed it`).exec(stderr);
  assert.ok(m, stderr.slice(-1500));
  return { committed: Number(m[1]), queued: Number(m[2]) };
}

test('record: an uncaught exception commits the queued ticks, says so and exits 70', { timeout: 120_000 }, async () => {
  const path = join(dir, 'record.sqlite');
  const child = spawn(process.execPath, ['--import', FAIL, BIN, 'record', '--journal', path, '--seed', '7', '--rate', '2000'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const run = watch(child);
  const reported = () => [...run.stderr().matchAll(/\| committed (\d+) \|/g)].map((m) => Number(m[1]));
  await until(() => reported().filter((n) => n > 0).length >= 2, 'two progress lines with commits');
  const lastReported = reported().at(-1)!;
  assert.equal(await injectFailure(child, run), 70, run.stderr().slice(-1500));
  assert.match(run.stderr(), /tickdesk record: internal error \(uncaught exception\), stopping: Error: injected failure \(exception\)\n\s+at /);
  const { committed, queued } = account(run.stderr(), 'tickdesk record', path);
  assert.ok(committed >= lastReported, `${committed} committed at the end, ${lastReported} reported before`);
  assert.ok(queued >= 0 && queued <= committed);
  const j = new Journal(path, { readonly: true });
  assert.equal(j.integrityCheck(), 'ok');
  assert.equal(j.countTicks(), committed, 'every tick committed or queued before the failure is in the journal');
  j.close();
});

test('the desktop engine process: an unhandled rejection commits the queued ticks, says so and exits 70', { timeout: 120_000 }, async () => {
  const data = mkdtempSync(join(dir, 'engine-'));
  const path = join(data, 'tickdesk.sqlite');
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', PARENT_PORT, '--import', FAIL, HOST], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: { ...process.env, TICKDESK_DATA_DIR: data, TICKDESK_TEST_FAILURE: 'reject' },
  });
  const run = watch(child);
  child.send({ type: 'start', config: { broker: 'sim', instruments: 'all' } });
  await until(() => ticksIn(path) > 500, 'the engine records from the simulator');
  assert.equal(await injectFailure(child, run), 70, run.stderr().slice(-1500));
  assert.match(run.stderr(), /tickdesk engine: internal error \(unhandled promise rejection\), stopping: Error: injected failure \(rejection\)/);
  const { committed } = account(run.stderr(), 'tickdesk engine', path);
  assert.ok(committed > 500);
  const j = new Journal(path, { readonly: true });
  assert.equal(j.countTicks(), committed, 'every tick committed or queued before the failure is in the journal');
  j.close();
});
