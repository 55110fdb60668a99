// The Dhan live feed client against the simulator: message limits, modes, normalization, 807.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { DhanFeedSimulator, dhanSegmentOf } from '../../sim/dhan-feed-server';
import { defaultUniverse } from '../../sim/market';
import type { DhanPacket } from './codec';
import { DhanFeed, DhanNormalizer, dhanSubscribeMessages } from './feed';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function until(cond: () => boolean, what: string, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('subscribe messages carry at most 100 instruments, with string security ids', () => {
  const list = Array.from({ length: 250 }, (_, i) => ({ securityId: i + 1, segment: 'NSE_FNO' }));
  const msgs = dhanSubscribeMessages(list, 'full').map((m) => JSON.parse(m));
  assert.deepEqual(msgs.map((m) => [m.RequestCode, m.InstrumentCount, m.InstrumentList.length]), [[21, 100, 100], [21, 100, 100], [21, 50, 50]]);
  assert.deepEqual(msgs[0].InstrumentList[0], { ExchangeSegment: 'NSE_FNO', SecurityId: '1' });
});

test('ticks in each mode from the simulator, normalized with UTC times; an expired token stops retries', async () => {
  const universe = defaultUniverse({ optionStrikes: 70 }); // > 100 instruments: several messages
  const sim = new DhanFeedSimulator({ instruments: universe, ticksPerSecond: 3000 });
  await sim.start();
  const packets: DhanPacket[] = [];
  const feed = new DhanFeed({ clientId: sim.clientId, accessToken: 'sim-dhan-token', root: sim.root, backoff: { initialMs: 50, maxMs: 200, jitter: 0 }, onPacket: (p) => packets.push(p) });
  cleanups.push(() => sim.stop(), () => feed.stop());
  const refs = universe.map((i) => ({ securityId: i.exchangeToken, segment: dhanSegmentOf(i) }));
  const infy = refs.find((r) => r.securityId === 1594)!;
  feed.subscribe(refs.filter((r) => r !== infy), 'full');
  feed.subscribe([infy], 'quote');
  feed.start();
  await until(() => new Set(packets.map((p) => p.securityId)).size === refs.length, 'a packet for every instrument');
  assert.ok(sim.received.length >= 3, 'several subscribe messages');
  assert.ok((sim.received as Array<{ InstrumentCount: number }>).every((m) => m.InstrumentCount <= 100));
  assert.ok(packets.filter((p) => p.segment === 0).every((p) => p.kind === 'ticker' && p.code === 1), 'indices: index packets only');
  const full = packets.find((p) => p.kind === 'full' && p.securityId === 2885)!;
  assert.equal(full.kind, 'full');
  const quote = packets.find((p) => p.securityId === 1594 && p.kind === 'quote');
  assert.ok(quote);
  const norm = new DhanNormalizer();
  const t = norm.toTick(full, 7, Date.now())!;
  assert.ok(Math.abs(t.tsExchange - Date.now()) < 10_000, 'LTT converted from IST seconds to UTC');
  assert.equal(t.depth5!.length, 30);
  assert.ok(t.depth5![0] < t.depth5![15], 'best bid below best ask');
  assert.equal(feed.stats.malformed, 0);

  sim.expireToken('sim-dhan-token');
  await until(() => feed.state === 'login-needed', 'login needed');
  assert.ok(feed.disconnects.includes(807));
});
