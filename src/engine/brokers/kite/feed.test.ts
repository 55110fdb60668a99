// Fault tests: the feed client against the simulator, each asserting the recovery.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cleanupAfterEach, until } from '../../testing';
import type { FeedState } from '../../../shared/model';
import { defaultUniverse, kiteToken } from '../../sim/market/market';
import { KiteSimulator } from '../../sim/kite/server';
import { Journal } from '../../store/journal';
import type { KitePacket } from './codec';
import { KiteFeed } from './feed';

const INFY = kiteToken(1594, 1);
const SBIN = kiteToken(3045, 1);
const FAST_BACKOFF = { initialMs: 50, maxMs: 400, jitter: 0.2 };

const cleanups = cleanupAfterEach();

async function setup(opts: { silenceMs?: number; sim?: ConstructorParameters<typeof KiteSimulator>[0] } = {}) {
  const sim = new KiteSimulator({ ticksPerSecond: 2000, seed: 3, ...opts.sim });
  await sim.start();
  const journal = new Journal(join(mkdtempSync(join(tmpdir(), 'tickdesk-feed-')), 'j.sqlite'));
  const packets: KitePacket[] = [];
  const states: Array<{ state: FeedState; detail: string; connection: number }> = [];
  const notices: string[] = [];
  const feed = new KiteFeed({
    apiKey: sim.apiKey,
    accessToken: 'sim_access_token',
    root: sim.wsUrl,
    gaps: journal,
    silenceMs: opts.silenceMs ?? 1500,
    backoff: FAST_BACKOFF,
    onPacket: (p) => packets.push(p),
    onState: (state, detail, connection) => states.push({ state, detail, connection }),
    onNotice: (_k, text) => notices.push(text),
  });
  cleanups.push(() => sim.stop(), () => journal.close(), () => feed.stop());
  return { sim, journal, feed, packets, states, notices };
}

function subscribesOf(sim: KiteSimulator, conn: number): unknown[] {
  return sim.received.filter((r) => r.conn === conn).map((r) => r.msg);
}

test('subscribes with modes and receives decoded packets for exactly its instruments', async () => {
  const { sim, feed, packets } = await setup();
  feed.subscribe([INFY], 'full');
  feed.subscribe([SBIN], 'ltp');
  feed.start();
  await until(() => packets.some((p) => p.token === INFY && p.mode === 'full') && packets.some((p) => p.token === SBIN), 'ticks');
  assert.ok(packets.every((p) => (p.token === INFY && p.mode === 'full') || (p.token === SBIN && p.mode === 'ltp')));
  const first = sim.received.map((r) => r.msg);
  // Subscriptions made before the socket opened are sent on open, grouped by mode.
  assert.deepEqual(first.slice(0, 3), [
    { a: 'subscribe', v: [INFY, SBIN] },
    { a: 'mode', v: ['full', [INFY]] },
    { a: 'mode', v: ['ltp', [SBIN]] },
  ]);
  assert.equal(feed.decodeStats.malformedFrames, 0);
});

test('server drops the socket mid-stream: reconnect, resubscribe every instrument in its mode, one closed gap', async () => {
  const { sim, feed, packets, journal } = await setup();
  feed.subscribe([INFY], 'full');
  feed.subscribe([SBIN], 'quote');
  feed.start();
  await until(() => packets.length > 20, 'first ticks');
  sim.dropConnections();
  await until(() => feed.connections[0].stats.reconnects === 1 && feed.state === 'connected', 'reconnect');
  const n = packets.length;
  await until(() => packets.slice(n).some((p) => p.token === INFY && p.mode === 'full'), 'ticks after reconnect');
  const conns = [...new Set(sim.received.map((r) => r.conn))];
  assert.equal(conns.length, 2);
  assert.deepEqual(subscribesOf(sim, conns[1]), [
    { a: 'subscribe', v: [INFY, SBIN] },
    { a: 'mode', v: ['full', [INFY]] },
    { a: 'mode', v: ['quote', [SBIN]] },
  ]);
  const gaps = journal.gaps();
  assert.equal(gaps.length, 1);
  assert.equal(gaps[0].feed, 'kite');
  assert.match(gaps[0].reason, /closed 1006/);
  assert.ok(gaps[0].endTs! >= gaps[0].startTs);
});

test('server goes silent without closing: the watchdog reconnects and records the gap', async () => {
  const { sim, feed, packets, journal } = await setup({ silenceMs: 600 });
  feed.subscribe([INFY], 'full');
  feed.start();
  await until(() => packets.length > 5, 'first ticks');
  sim.goSilent(1500);
  await until(() => feed.connections[0].stats.silenceTimeouts >= 1, 'silence detected', 4000);
  await until(() => journal.gaps().some((g) => g.endTs !== null), 'gap closed', 6000);
  const n = packets.length;
  await until(() => packets.length > n + 5, 'ticks resume');
  const gap = journal.gaps()[0];
  assert.match(gap.reason, /silent for 600 ms/);
  assert.ok(gap.endTs! - gap.startTs >= 0);
  assert.ok(feed.connections[0].stats.reconnects >= 1);
});

test('HTTP 403 at upgrade: "login needed", no retry storm; a new token resumes with subscriptions intact', async () => {
  const { sim, feed, packets, states, journal } = await setup();
  feed.subscribe([INFY], 'full');
  feed.start();
  await until(() => packets.length > 5, 'first ticks');
  sim.revokeAccessToken('sim_access_token');
  sim.dropConnections();
  await until(() => feed.state === 'login-needed', 'login-needed');
  await new Promise((r) => setTimeout(r, 800));
  assert.equal(sim.upgradesRejected.auth, 1, 'no retries after a 403');
  assert.equal(states.at(-1)!.state, 'login-needed');
  assert.match(states.at(-1)!.detail, /HTTP 403/);
  assert.equal(journal.gaps()[0].endTs, null, 'the outage lasts until re-login');

  sim.grantAccessToken('fresh_token');
  feed.setAccessToken('fresh_token');
  await until(() => feed.state === 'connected', 'connected again');
  const n = packets.length;
  await until(() => packets.slice(n).some((p) => p.token === INFY && p.mode === 'full'), 'ticks after re-login');
  assert.ok(journal.gaps()[0].endTs! > 0);
});

test('truncated and garbage frames are counted and skipped; good frames keep flowing', async () => {
  const { sim, feed, packets } = await setup();
  feed.subscribe([INFY], 'full');
  feed.start();
  await until(() => packets.length > 3, 'first ticks');
  const truncated = Buffer.from([0, 1, 0, 184, 0, 6, 58, 1]);
  sim.sendRaw(truncated);
  sim.sendRaw(Buffer.from('deadbeefcafe', 'hex'));
  sim.sendRaw(Buffer.from([0, 3, 0, 8]));
  sim.sendText('{"type":"error","data":"boom"}');
  sim.sendText('not json at all');
  const n = packets.length;
  await until(() => packets.length > n + 5 && feed.decodeStats.malformedFrames === 3, 'more ticks');
  assert.equal(feed.connections[0].stats.reconnects, 0, 'bad frames are not a reason to reconnect');
});

test('over 3000 instruments are sharded over connections of at most 3000', async () => {
  const universe = defaultUniverse({ optionStrikes: 1760 }); // ≈ 3,550 instruments
  const { sim, feed, packets, notices } = await setup({ sim: { instruments: universe, ticksPerSecond: 4000 } });
  const tokens = universe.map((i) => i.token);
  assert.ok(tokens.length > 3000);
  feed.subscribe(tokens, 'quote');
  feed.start();
  await until(() => sim.connectionCount === 2 && feed.state === 'connected', 'two connections');
  await until(() => new Set(packets.map((p) => p.token)).size === tokens.length, 'a snapshot for every instrument');
  const perConn = new Map<number, number>();
  for (const r of sim.received) {
    const m = r.msg as { a: string; v: number[] };
    if (m.a === 'subscribe') perConn.set(r.conn, (perConn.get(r.conn) ?? 0) + m.v.length);
  }
  assert.deepEqual([...perConn.values()].sort((a, b) => b - a), [3000, tokens.length - 3000]);
  assert.deepEqual(notices, []);
  assert.throws(() => {
    const small = new KiteFeed({ apiKey: 'k', accessToken: 't', maxConnections: 1, maxTokensPerConnection: 2, onPacket: () => {} });
    small.subscribe([1, 2, 3], 'ltp');
  }, /2 at most/);
});
