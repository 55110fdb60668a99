// The desktop engine process (host.ts) under Node, with a stand-in for Electron's parentPort and
// MessagePortMain: main says what to record, windows get a bridge, a re-login's session resumes the
// feeds, a dead token falls back to the simulator with the reason, bad messages are refused.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { EngineStatus } from '../shared/api';
import { Reassembler } from '../shared/bridge';
import { KiteSimulator } from './sim/kite/server';
import { defaultUniverse } from './sim/market/market';
import { until } from './testing';

/** One loaded host.ts (a module runs once; the query makes each load its own instance). */
async function loadHost(n: number) {
  const fromHost: Array<{ type: string; message?: string }> = [];
  const parent = new EventEmitter();
  (process as unknown as { parentPort: unknown }).parentPort = { on: (ev: string, fn: (e: unknown) => void) => parent.on(ev, fn), postMessage: (m: { type: string }) => fromHost.push(m) };
  await import(`./host.ts?instance=${n}`);
  const post = (data: unknown, ports: unknown[] = []) => parent.emit('message', { data, ports });
  /** A window: a port to the engine; status() asks over the bridge. */
  const window = () => {
    // Like MessagePortMain, messages wait in a queue until start().
    const port = new EventEmitter() as EventEmitter & { postMessage(t: string): void; start(): void };
    const queue: string[] = [];
    let started = false;
    const deliver = (text: string) => (started ? port.emit('message', { data: text }) : queue.push(text));
    const replies = new Map<number, unknown>();
    const re = new Reassembler();
    port.postMessage = (text: string) => {
      const m = re.accept(text) as { id?: number; result?: unknown } | undefined;
      if (m && typeof m.id === 'number') replies.set(m.id, m.result);
    };
    port.start = () => {
      started = true;
      for (const text of queue.splice(0)) port.emit('message', { data: text });
    };
    post({ type: 'port' }, [port]);
    let id = 0;
    return {
      async status(): Promise<EngineStatus> {
        const my = ++id;
        deliver(JSON.stringify({ id: my, method: 'status', params: {} }));
        await until(() => replies.has(my), 'status answer', 30_000);
        return replies.get(my) as EngineStatus;
      },
    };
  };
  return { fromHost, post, window };
}

async function stop(h: Awaited<ReturnType<typeof loadHost>>): Promise<void> {
  const exit = process.exit;
  let code: number | undefined;
  process.exit = ((c?: number) => void (code = c ?? 0)) as never;
  try {
    h.post({ type: 'stop' });
    await until(() => code !== undefined, 'the engine stops (journal committed) and exits');
    assert.equal(code, 0);
  } finally {
    process.exit = exit;
  }
}

test('records from the broker main names; a new session from main resumes the feeds; bad messages are refused', async () => {
  const sim = new KiteSimulator({ instruments: defaultUniverse({ optionStrikes: 2 }), ticksPerSecond: 300, accessTokens: ['t1'] });
  await sim.start();
  process.env.TICKDESK_DATA_DIR = mkdtempSync(join(tmpdir(), 'tickdesk-host-'));
  try {
    const h = await loadHost(1);
    h.post({ type: 'start', config: { broker: 'nope', instruments: 'all' } });
    assert.match(h.fromHost[0]?.message ?? '', /unreadable message from main/);
    h.post({ type: 'start', config: { broker: 'kite', apiKey: sim.apiKey, accessToken: 't1', instruments: ['NSE:INFY', 'NSE:SBIN'], restRoot: sim.restUrl, wsRoot: sim.wsUrl } });
    const w = h.window();
    const feedState = async () => (await w.status()).feeds.find((f) => f.feed === 'kite')?.state;
    const connected = async () => (await feedState()) === 'connected';
    await until(connected, 'kite connected').catch(() => undefined);
    assert.equal(await feedState(), 'connected');
    const before = (await w.status()).journalRows;

    // The token dies; main logs in again in its popup and hands over the new session.
    sim.revokeAccessToken('t1');
    sim.dropConnections();
    await until(async () => (await feedState()) === 'login-needed', 'login needed').catch(() => undefined);
    assert.equal(await feedState(), 'login-needed');
    sim.grantAccessToken('t2');
    h.post({ type: 'session', session: { broker: 'kite', apiKey: sim.apiKey, accessToken: 't2', loginAt: Date.now(), expiresAt: Date.now() + 3600_000 } });
    await until(connected, 'connected again').catch(() => undefined);
    assert.equal(await feedState(), 'connected');
    const after = (await w.status()).journalRows;
    await until(async () => (await w.status()).journalRows > after, 'more rows').catch(() => undefined);
    assert.ok((await w.status()).journalRows > after && after >= before, 'recording goes on');
    assert.ok(!h.fromHost.some((m) => /does not fit/.test(m.message ?? '')));
    await stop(h);
  } finally {
    await sim.stop();
  }
});

test('a token the broker refuses at start: the simulator meanwhile, and main hears why', async () => {
  const sim = new KiteSimulator({ instruments: defaultUniverse({ optionStrikes: 2 }), ticksPerSecond: 50, accessTokens: ['good'] });
  await sim.start();
  process.env.TICKDESK_DATA_DIR = mkdtempSync(join(tmpdir(), 'tickdesk-host-'));
  try {
    const h = await loadHost(2);
    h.post({ type: 'start', config: { broker: 'kite', apiKey: sim.apiKey, accessToken: 'dead', instruments: ['NSE:INFY'], restRoot: sim.restUrl, wsRoot: sim.wsUrl } });
    await until(() => h.fromHost.length > 0, 'a message to main', 10_000);
    assert.match(h.fromHost[0].message!, /^kite did not start \(.*\): connect again; recording from the simulator meanwhile$/);
    const w = h.window();
    const s = await w.status();
    assert.ok(s.notices.some((n) => /kite did not start/.test(n)), 'the page says so too');
    assert.ok(s.feeds.some((f) => f.feed === 'kite'), 'the simulator streams');
    await stop(h);
  } finally {
    await sim.stop();
  }
});
