// The Dhan live feed client against the simulator: message limits, modes, normalization, 807.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cleanupAfterEach, until } from '../../testing';
import { DhanFeedSimulator, dhanSegmentOf } from '../../sim/dhan/feed-server';
import { defaultUniverse } from '../../sim/market/market';
import type { DhanPacket } from './codec';
import { DhanFeed, dhanSubscribeMessages } from './feed';
import { DhanNormalizer } from './normalize';

const cleanups = cleanupAfterEach();

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
  assert.ok(packets.filter((p) => p.segment === 0 && p.kind !== 'prevClose').every((p) => p.kind === 'ticker' && p.code === 1), 'indices: index packets (and the prev close) only');
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

test('the live feed simulator: prev close once per subscription, OI with quotes for derivatives, 805 for a 6th socket, wire faults skipped, pings answered', async () => {
  const universe = defaultUniverse({ optionStrikes: 2 });
  const sim = new DhanFeedSimulator({ instruments: universe, ticksPerSecond: 2000, pingMs: 100, pongTimeoutMs: 400, maxSockets: 1 });
  await sim.start();
  const packets: DhanPacket[] = [];
  const feed = new DhanFeed({ clientId: sim.clientId, accessToken: 'sim-dhan-token', root: sim.root, backoff: { initialMs: 50, maxMs: 200, jitter: 0 }, onPacket: (p) => packets.push(p) });
  cleanups.push(() => sim.stop(), () => feed.stop());
  const fut = universe.find((i) => i.instrumentType === 'FUT' && i.exchange === 'NFO')!;
  const eq = universe.find((i) => i.symbol === 'INFY')!;
  feed.subscribe([{ securityId: fut.exchangeToken, segment: 'NSE_FNO' }, { securityId: eq.exchangeToken, segment: 'NSE_EQ' }], 'quote');
  feed.start();
  await until(() => packets.filter((p) => p.kind === 'quote').length > 20, 'quotes');
  const prev = packets.filter((p) => p.kind === 'prevClose');
  assert.deepEqual(prev.map((p) => p.securityId).sort(), [eq.exchangeToken, fut.exchangeToken].sort(), 'code 6 once per instrument');
  assert.ok(packets.some((p) => p.kind === 'oi' && p.securityId === fut.exchangeToken), 'code 5 with quotes of a future');
  assert.ok(!packets.some((p) => p.kind === 'oi' && p.securityId === eq.exchangeToken), 'no OI for an equity');

  sim.injectFault('truncated');
  await until(() => feed.stats.malformed === 1, 'the truncated frame counted');
  sim.injectFault('unknown-code');
  await until(() => feed.stats.unknown === 1, 'the unknown code counted');
  let n = packets.length;
  await until(() => packets.length > n + 10, 'data goes on');
  assert.equal(feed.connections[0].stats.reconnects, 0);
  await new Promise((r) => setTimeout(r, 600)); // several ping intervals, longer than the pong timeout
  assert.equal(sim.pongTimeouts, 0, 'our client answers pings');

  // Another socket of the same client id over the limit evicts ours with 805; we come back.
  const { default: WebSocket } = await import('ws');
  const intruder = new WebSocket(`${sim.root}/?version=2&token=sim-dhan-token&clientId=${sim.clientId}&authType=2`);
  intruder.on('error', () => {});
  cleanups.push(() => intruder.terminate());
  await until(() => feed.disconnects.includes(805), 'an 805');
  assert.equal(sim.evictions, 1);
  await until(() => feed.connections[0].stats.reconnects > 0 && feed.state === 'connected', 'reconnected');
  n = packets.length;
  await until(() => packets.slice(n).some((p) => p.kind === 'quote'), 'quotes again after the eviction');
});
