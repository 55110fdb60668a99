// Dhan depth feeds against the simulator: sharding, 200-level recording reproduced from the
// journal, 805 eviction, a silent stall, and an expired token.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cleanupAfterEach, until } from '../../testing';
import WebSocket from 'ws';
import { DhanDepthSimulator } from '../../sim/dhan/depth-server';
import { Journal } from '../../store/journal';
import type { DhanDepthSide } from './depth-codec';
import { DhanDepthFeed, depthSnapshotOf, type DhanDepthFeedOptions } from './depth-feed';

const cleanups = cleanupAfterEach();

const FAST = { initialMs: 50, maxMs: 300, jitter: 0.2 };

function instruments(n: number) {
  return Array.from({ length: n }, (_, i) => ({ securityId: 1000 + i, segment: (i % 2 ? 'NSE_FNO' : 'NSE_EQ') as 'NSE_EQ' | 'NSE_FNO', mid: 500 + i * 10, tick: 0.05, lot: 1 + (i % 3) * 24 }));
}

async function setup(
  simOpts: Partial<ConstructorParameters<typeof DhanDepthSimulator>[0]>,
  levels: 20 | 200,
  n: number,
  silenceMs = 3000,
  record?: (journal: Journal, side: DhanDepthSide, ts: number) => void,
  feedOpts: Partial<DhanDepthFeedOptions> = {},
) {
  const sim = new DhanDepthSimulator({ instruments: instruments(n), updatesPerSecond: 20, ...simOpts });
  await sim.start();
  const journal = new Journal(join(mkdtempSync(join(tmpdir(), 'tickdesk-dhan-')), 'j.sqlite'), { flushMs: 50 });
  const sides: Array<{ side: DhanDepthSide; ts: number }> = [];
  const feed = new DhanDepthFeed({
    levels,
    clientId: sim.clientId,
    accessToken: 'sim-dhan-token',
    root: sim.root,
    gaps: journal,
    silenceMs,
    backoff: FAST,
    onSide: (side, ts) => {
      sides.push({ side, ts });
      record?.(journal, side, ts);
    },
    ...feedOpts,
  });
  cleanups.push(() => sim.stop(), () => journal.close(), () => feed.stop());
  return { sim, journal, feed, sides };
}

test('60 instruments at 20 levels: two sockets, every instrument streams both sides of 20 levels', async () => {
  const { sim, feed, sides } = await setup({}, 20, 60);
  feed.subscribe(instruments(60).map(({ securityId, segment }) => ({ securityId, segment })));
  feed.start();
  await until(() => new Set(sides.map((s) => `${s.side.securityId}/${s.side.side}`)).size === 120, 'both sides of all 60');
  assert.equal(sim.connectionCount, 2);
  assert.ok(sides.every((s) => s.side.levels === 20));
  const subs = sim.received.map((r) => r.msg as { InstrumentCount: number });
  assert.deepEqual(subs.map((m) => m.InstrumentCount).sort((a, b) => b - a), [50, 10]);
  assert.equal(feed.stats.malformed, 0);
});

test('a recorded 200-level session read back from the journal reproduces the books the simulator sent', async () => {
  // Record every side into the journal as the recorder does.
  const { sim, feed, journal } = await setup({ keepSent: true }, 200, 1, 3000, (j, side, ts) => j.appendDepth(depthSnapshotOf(side, 1, ts)));
  feed.subscribe([{ securityId: 1000, segment: 'NSE_EQ' }]);
  feed.start();
  await new Promise((r) => setTimeout(r, 2000));
  feed.stop();
  journal.flush();
  const sent = sim.sent.get(1000)!;
  assert.ok(sent.length >= 20, `${sent.length} books sent`);
  // Every bid snapshot in the journal, in order, equals what the simulator sent, in order.
  const rows = journal.db.prepare('SELECT ts FROM depth WHERE instrument_id = 1 AND side = 0 ORDER BY id').all() as Array<{ ts: number }>;
  assert.equal(rows.length, sent.length);
  for (const k of [0, 5, Math.floor(sent.length / 2), sent.length - 1]) {
    const book = journal.bookAsOf(1, rows[k].ts);
    assert.equal(book.bid!.levels, 200);
    assert.deepEqual([...book.bid!.price], sent[k].bids.map((l) => l.price), `bids at snapshot ${k}`);
    assert.deepEqual([...book.bid!.qty], sent[k].bids.map((l) => l.qty));
    assert.deepEqual([...book.ask!.price], sent[k].asks.map((l) => l.price), `asks at snapshot ${k}`);
    assert.deepEqual([...book.ask!.orders], sent[k].asks.map((l) => l.orders));
    assert.ok(rows[k].ts >= sent[k].ts, 'recorded at or after it was sent');
  }
});

test('805 eviction: the evicted socket reconnects and resubscribes; the outage is a gap', async () => {
  const { sim, feed, sides, journal } = await setup({ maxSocketsPerFeed: 2 }, 200, 2);
  feed.subscribe([
    { securityId: 1000, segment: 'NSE_EQ' },
    { securityId: 1001, segment: 'NSE_FNO' },
  ]);
  feed.start();
  await until(() => sides.length > 10 && sim.connectionCount === 2, 'both sockets streaming');
  // Another app of the same user opens a third socket: the oldest one (ours) is evicted.
  const intruder = new WebSocket(`${sim.root}/twohundreddepth?token=sim-dhan-token&clientId=${sim.clientId}&authType=2`);
  intruder.on('error', () => {});
  cleanups.push(() => intruder.terminate());
  await until(() => feed.disconnects.includes(805), 'an 805');
  await until(() => feed.connections.every((c) => c.state === 'connected') && feed.connections.some((c) => c.stats.reconnects > 0), 'reconnected');
  const n = sides.length;
  await until(() => sides.slice(n).some((s) => s.side.securityId === 1000) && sides.slice(n).some((s) => s.side.securityId === 1001), 'both instruments again');
  assert.ok(sim.evictions >= 1);
  assert.ok(journal.gaps().some((g) => /805/.test(g.reason) && g.endTs !== null));
});

test('a silent stall trips the watchdog; data resumes', async () => {
  const { sim, feed, sides, journal } = await setup({}, 20, 3, 600);
  feed.subscribe(instruments(3).map(({ securityId, segment }) => ({ securityId, segment })));
  feed.start();
  await until(() => sides.length > 5, 'data');
  sim.goSilent(1500);
  await until(() => feed.connections[0].stats.silenceTimeouts > 0, 'watchdog');
  const n = sides.length;
  await until(() => sides.length > n + 5, 'data after the stall');
  assert.ok(journal.gaps().some((g) => /silent/.test(g.reason)));
});

test('an expired token (807) means "login needed", no reconnect storm; a new token resumes', async () => {
  const { sim, feed, sides } = await setup({}, 20, 2);
  feed.subscribe(instruments(2).map(({ securityId, segment }) => ({ securityId, segment })));
  feed.start();
  await until(() => sides.length > 3, 'data');
  sim.expireToken('sim-dhan-token');
  await until(() => feed.state === 'login-needed', 'login needed');
  assert.deepEqual(feed.disconnects, [807]);
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(sim.connectionCount, 0, 'no retries with the dead token');
  sim.grantToken('fresh');
  feed.setAccessToken('fresh');
  const n = sides.length;
  await until(() => feed.state === 'connected' && sides.length > n + 3, 'streaming again');
});

test('wire faults (§5): truncated trailing packet, unknown code, rows > 200, one side only — counted, skipped, streaming goes on', async () => {
  const { sim, feed, sides } = await setup({}, 200, 1);
  feed.subscribe([{ securityId: 1000, segment: 'NSE_EQ' }]);
  feed.start();
  await until(() => sides.length > 4, 'data');
  const waitFor = async (what: string, cond: () => boolean) => until(cond, what);

  let n = sides.length;
  sim.injectFault('truncated');
  await waitFor('the truncated frame', () => feed.stats.malformed === 1);
  // The whole bid in front of the cut ask was delivered.
  assert.ok(sides.slice(n).some((s) => s.side.side === 'bid' && s.side.levels === 200));

  sim.injectFault('unknown-code');
  await waitFor('the unknown code', () => feed.stats.unknown === 1);

  sim.injectFault('rows-over-200');
  await waitFor('rows > 200', () => feed.stats.malformed === 2);

  n = sides.length;
  const frames = feed.connections[0].stats.framesIn;
  sim.injectFault('one-side');
  await waitFor('more data', () => feed.connections[0].stats.framesIn > frames + 3 && sides.length > n + 4);
  assert.equal(feed.stats.malformed, 2, 'a frame with one side is not malformed');
  assert.equal(feed.state, 'connected');
  assert.equal(feed.connections[0].stats.reconnects, 0, 'no fault cost a reconnect');
  // Every side delivered is a sound book: best first, no empty levels, at most 200.
  for (const { side } of sides) {
    assert.ok(side.levels > 0 && side.levels <= 200);
    for (let i = 1; i < side.levels; i++) assert.ok(side.side === 'bid' ? side.price[i] < side.price[i - 1] : side.price[i] > side.price[i - 1]);
  }
});

test('pings every interval: our client answers and stays; a client that never pongs is dropped without a close frame', async () => {
  const { sim, feed, sides } = await setup({ pingMs: 100, pongTimeoutMs: 400 }, 20, 1);
  feed.subscribe([{ securityId: 1000, segment: 'NSE_EQ' }]);
  feed.start();
  const mute = new WebSocket(`${sim.root}/twentydepth?token=sim-dhan-token&clientId=${sim.clientId}&authType=2`, { autoPong: false });
  let closeCode = 0;
  let pings = 0;
  mute.on('ping', () => pings++);
  mute.on('close', (code) => (closeCode = code));
  mute.on('error', () => {});
  cleanups.push(() => mute.terminate());
  await until(() => closeCode !== 0, 'the mute client dropped');
  assert.ok(pings >= 2, `${pings} pings seen`);
  assert.equal(closeCode, 1006, 'abnormal closure: no close frame');
  assert.equal(sim.pongTimeouts, 1);
  const n = sides.length;
  await until(() => sides.length > n + 5, 'our feed still streaming');
  assert.equal(feed.connections[0].stats.reconnects, 0);
});

test('an APP-type token reset by the 200-level server (§4.5) ends in "login needed" with the reason, not endless retries', async () => {
  const jwt = (type: string) =>
    ['e30', Buffer.from(JSON.stringify({ dhanClientId: '1000000001', tokenConsumerType: type, exp: Math.floor(Date.now() / 1000) + 86400 })).toString('base64url'), 'sig'].join('.');
  const app = jwt('APP');
  const self = jwt('SELF');
  const sim = new DhanDepthSimulator({ instruments: instruments(1), tokens: [app, self], rejectAppTokens: true });
  await sim.start();
  const sides: DhanDepthSide[] = [];
  const feed = new DhanDepthFeed({ levels: 200, clientId: sim.clientId, accessToken: app, root: sim.root, backoff: FAST, silenceMs: 3000, onSide: (s) => sides.push(s) });
  cleanups.push(() => sim.stop(), () => feed.stop());
  feed.subscribe([{ securityId: 1000, segment: 'NSE_EQ' }]);
  feed.start();
  await until(() => feed.state === 'login-needed', 'login needed');
  assert.equal(sim.appResets, 3);
  assert.match(feed.connections[0].detail, /APP-type token.*web\.dhan\.co/);
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(sim.appResets, 3, 'no further attempts');
  assert.equal(sides.length, 0);
  // A web-generated (SELF) token streams.
  feed.setAccessToken(self);
  await until(() => sides.length > 2, 'data with a SELF token');
});

test('20 levels: each (security, side) counts its own messages; with market hours on, nothing outside 09:15–15:30 IST', async () => {
  let now = Date.UTC(2026, 10, 22, 5, 0); // Sunday 10:30 IST
  const { sim, feed, sides } = await setup({ marketHours: true, now: () => now }, 20, 2);
  feed.subscribe(instruments(2).map(({ securityId, segment }) => ({ securityId, segment })));
  feed.start();
  await until(() => feed.state === 'connected', 'connected');
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(sides.length, 0, 'closed market: no depth');
  now = Date.UTC(2026, 10, 23, 5, 0); // Monday 10:30 IST
  await until(() => sides.length > 40, 'depth once the market opens');
  for (const id of [1000, 1001])
    for (const side of ['bid', 'ask'] as const) {
      const seqs = sides.filter((s) => s.side.securityId === id && s.side.side === side).map((s) => s.side.seqOrRows);
      assert.deepEqual(seqs, seqs.map((_, i) => seqs[0] + i), `${id} ${side}: consecutive`);
    }
  assert.equal(sim.connectionCount, 1);
});

test('connection pools: a shared pool evicts across feeds; a reconnect storm gets HTTP 429 and the client slows down', async () => {
  const { DhanSocketPool } = await import('../../sim/dhan/pool');
  const { DhanFeedSimulator } = await import('../../sim/dhan/feed-server');
  const { defaultUniverse } = await import('../../sim/market/market');
  const { DhanFeed } = await import('./feed');
  const pool = new DhanSocketPool({ model: 'shared', max: 2, storm: { connects: 3, windowMs: 1000 } });
  const universe = defaultUniverse({ optionStrikes: 2 });
  const feedSim = new DhanFeedSimulator({ instruments: universe, pool });
  await feedSim.start();
  const { sim, feed: depth, sides } = await setup({ pool }, 200, 2);
  cleanups.push(() => feedSim.stop());
  const main = new DhanFeed({ clientId: feedSim.clientId, accessToken: 'sim-dhan-token', root: feedSim.root, backoff: FAST, onPacket: () => {} });
  cleanups.push(() => main.stop());
  main.subscribe([{ securityId: 2885, segment: 'NSE_EQ' }], 'ticker');
  main.start();
  await until(() => main.state === 'connected', 'main feed up');
  // Two 200-level sockets join the shared pool of 2: the main feed's socket, the oldest, goes.
  depth.subscribe([
    { securityId: 1000, segment: 'NSE_EQ' },
    { securityId: 1001, segment: 'NSE_FNO' },
  ]);
  depth.start();
  await until(() => main.disconnects.includes(805), 'the main feed evicted by depth sockets');
  assert.ok(pool.evictions >= 1);
  main.stop();
  await until(() => sides.length > 4, 'depth streaming');
  // A storm: more than 3 upgrades in a second are refused with 429; the client waits ≥ 2 s.
  const t0 = Date.now();
  const storm = Array.from({ length: 4 }, () => new WebSocket(`${sim.root}/twentydepth?token=sim-dhan-token&clientId=${sim.clientId}&authType=2`));
  const statuses = await Promise.all(
    storm.map(
      (ws) =>
        new Promise<number>((resolve) => {
          ws.on('open', () => resolve(101));
          ws.on('unexpected-response', (_q, res) => resolve(res.statusCode ?? 0));
          ws.on('error', () => {});
        }),
    ),
  );
  storm.forEach((ws) => ws.terminate());
  assert.ok(statuses.includes(429), `statuses ${statuses}`);
  assert.ok(pool.stormRejections >= 1);
  const late = new DhanDepthFeed({ levels: 20, clientId: sim.clientId, accessToken: 'sim-dhan-token', root: sim.root, backoff: FAST, onSide: () => {} });
  cleanups.push(() => late.stop());
  late.subscribe([{ securityId: 1000, segment: 'NSE_EQ' }]);
  late.start();
  await until(() => late.connections[0].detail.includes('HTTP 429'), 'a 429 at the upgrade');
  assert.match(late.connections[0].detail, /retry in (\d{4,}) ms/);
  assert.ok(Number(/retry in (\d+) ms/.exec(late.connections[0].detail)![1]) >= 2000, 'rate limited: at least 2 s');
  await until(() => late.state === 'connected', 'connected after the storm', 6000);
  assert.ok(Date.now() - t0 >= 1000);
});

/** The instruments a set of sides covers, from index `from` on. */
const idsIn = (sides: Array<{ side: DhanDepthSide }>, from = 0) => [...new Set(sides.slice(from).map((s) => s.side.securityId))].sort((a, b) => a - b);

test('20 levels, unsubscribe while running: code 25 in the list shape, the server stops it; a dropped socket resubscribes exactly what is left', async () => {
  const { sim, feed, sides } = await setup({}, 20, 4);
  const refs = instruments(4).map(({ securityId, segment }) => ({ securityId, segment }));
  feed.subscribe(refs.slice(0, 3));
  feed.subscribe(refs.slice(0, 1)); // subscribed already: nothing is sent
  feed.start();
  await until(() => idsIn(sides).length === 3, 'all three streaming');
  assert.deepEqual(sim.received.map((r) => r.msg), [
    { RequestCode: 23, InstrumentCount: 3, InstrumentList: refs.slice(0, 3).map((r) => ({ ExchangeSegment: r.segment, SecurityId: String(r.securityId) })) },
  ]);

  feed.unsubscribe([refs[1]]);
  await until(() => sim.received.length === 2, 'the unsubscribe');
  assert.deepEqual(sim.received.at(-1)!.msg, { RequestCode: 25, InstrumentCount: 1, InstrumentList: [{ ExchangeSegment: 'NSE_FNO', SecurityId: '1001' }] });
  await until(() => sim.subscribed().length === 2, 'the server dropped 1001');
  assert.deepEqual(sim.subscribed().sort(), [1000, 1002]);
  let n = sides.length;
  await until(() => sides.length > n + 20, 'more data');
  n = sides.length;
  await until(() => sides.length > n + 20, 'more data');
  assert.deepEqual(idsIn(sides, n), [1000, 1002], 'nothing of 1001 after the unsubscribe');
  assert.deepEqual(feed.instruments(), [refs[0], refs[2]]);

  // A new instrument joins the open socket; then the network drops every socket.
  feed.subscribe([refs[3]]);
  await until(() => sim.received.length === 3, 'the subscribe');
  assert.deepEqual(sim.received.at(-1)!.msg, { RequestCode: 23, InstrumentCount: 1, InstrumentList: [{ ExchangeSegment: 'NSE_FNO', SecurityId: '1003' }] });
  await until(() => sim.subscribed().length === 3, '1003 subscribed');
  const before = sim.received.length;
  assert.equal(sim.dropConnections(), 1);
  await until(() => feed.connections[0].stats.reconnects === 1 && feed.state === 'connected' && sim.subscribed().length === 3, 'reconnected');
  assert.deepEqual(
    sim.received.slice(before).map((r) => r.msg),
    [{ RequestCode: 23, InstrumentCount: 3, InstrumentList: [refs[0], refs[2], refs[3]].map((r) => ({ ExchangeSegment: r.segment, SecurityId: String(r.securityId) })) }],
    'one subscribe of exactly the instruments held, none of the one dropped',
  );
  n = sides.length;
  await until(() => idsIn(sides, n).length === 3, 'all three again');
  assert.deepEqual(idsIn(sides, n), [1000, 1002, 1003]);
});

test('the unsubscribe code is the client\'s choice (24 or 25); a server taking only 24 honours a client sending 24', async () => {
  const { sim, sides } = await setup({ unsubscribeCodes: [24] }, 20, 2);
  const f24 = new DhanDepthFeed({ levels: 20, clientId: sim.clientId, accessToken: 'sim-dhan-token', root: sim.root, backoff: FAST, unsubscribeCode: 24, onSide: (side, ts) => sides.push({ side, ts }) });
  cleanups.push(() => f24.stop());
  const refs = instruments(2).map(({ securityId, segment }) => ({ securityId, segment }));
  f24.subscribe(refs);
  f24.start();
  await until(() => sim.subscribed().length === 2, 'subscribed');
  const k = sim.received.length;
  f24.unsubscribe([refs[0]]);
  await until(() => sim.received.length === k + 1, 'the unsubscribe');
  assert.equal((sim.received.at(-1)!.msg as { RequestCode: number }).RequestCode, 24);
  await until(() => sim.subscribed().length === 1, 'the server dropped it');
  assert.deepEqual(sim.subscribed(), [1001]);
});

test('200 levels: an instrument dropped closes its socket (no unsubscribe sent); the number is reused; the feed idle with none', async () => {
  const states: Array<[number, string]> = [];
  const { sim, feed, sides } = await setup({}, 200, 3, 3000, undefined, { onState: (state, _d, conn) => states.push([conn, state]) });
  const refs = instruments(3).map(({ securityId, segment }) => ({ securityId, segment }));
  feed.subscribe(refs.slice(0, 2));
  feed.start();
  await until(() => sim.connectionCount === 2 && idsIn(sides).length === 2, 'two sockets streaming');
  const sent = sim.received.length;
  feed.unsubscribe([refs[0]]);
  assert.equal(sim.received.length, sent, 'a 200-level socket is closed, not asked to unsubscribe');
  await until(() => sim.connectionCount === 1, 'its socket closed');
  assert.deepEqual(sim.subscribed(200), [1001]);
  assert.equal(feed.connections.length, 1);
  feed.subscribe([refs[2]]);
  await until(() => sim.connectionCount === 2 && sim.subscribed(200).length === 2, 'a socket for 1002');
  // Sockets 0 and 1 opened; closing socket 0 on purpose is no state to report; 1002 opens as socket 0 again.
  const of = (conn: number) => states.filter(([c]) => c === conn).map(([, st]) => st);
  assert.deepEqual(of(0), ['connecting', 'connected', 'connecting', 'connected']);
  assert.deepEqual(of(1), ['connecting', 'connected']);
  assert.deepEqual(sim.subscribed(200).sort(), [1001, 1002]);
  assert.deepEqual(sim.received.at(-1)!.msg, { RequestCode: 23, ExchangeSegment: 'NSE_EQ', SecurityId: '1002' });
  feed.unsubscribe(refs);
  await until(() => sim.connectionCount === 0, 'every socket closed');
  assert.equal(feed.connections.length, 0);
  assert.equal(feed.state, 'connected', 'an idle feed is no outage');
  assert.deepEqual([of(0).length, of(1).length], [4, 2], 'nor is closing the rest');
});
