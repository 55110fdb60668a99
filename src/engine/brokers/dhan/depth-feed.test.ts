// Dhan depth feeds against the simulator: sharding, 200-level recording reproduced from the
// journal, 805 eviction, a silent stall, and an expired token.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import WebSocket from 'ws';
import { DhanDepthSimulator } from '../../sim/dhan-depth-server';
import { Journal } from '../../store/journal';
import type { DhanDepthSide } from './codec';
import { DhanDepthFeed, depthSnapshotOf } from './depth-feed';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const FAST = { initialMs: 50, maxMs: 300, jitter: 0.2 };

async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function instruments(n: number) {
  return Array.from({ length: n }, (_, i) => ({ securityId: 1000 + i, segment: (i % 2 ? 'NSE_FNO' : 'NSE_EQ') as 'NSE_EQ' | 'NSE_FNO', mid: 500 + i * 10, tick: 0.05, lot: 1 + (i % 3) * 24 }));
}

async function setup(
  simOpts: Partial<ConstructorParameters<typeof DhanDepthSimulator>[0]>,
  levels: 20 | 200,
  n: number,
  silenceMs = 3000,
  record?: (journal: Journal, side: DhanDepthSide, ts: number) => void,
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
