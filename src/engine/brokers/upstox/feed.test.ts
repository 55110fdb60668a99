// The Upstox feed client against the simulator: authorize before every connect (one-shot codes),
// requests as JSON in binary frames, market_info first, initial_feed snapshots per subscription and
// live_feed deltas in each mode; reconnect and resubscribe with a fresh code; one connection per
// token; an expired token → login needed → resumed with a new one; a closed market's silence (pings
// only) left alone while a stall in market hours reconnects; caps, failure replies and malformed
// frames counted.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import WebSocket from 'ws';
import type { FeedState } from '../../../shared/model';
import { defaultUniverse } from '../../sim/market/market';
import { FEED_PATH, UpstoxSimulator } from '../../sim/upstox/server';
import { cleanupAfterEach, until } from '../../testing';
import { TokenExpired } from '../errors';
import { decodeFeedResponse, type Feed, type FeedType } from './codec';
import { capsProblem, UpstoxFeed, type UpstoxFeedOptions } from './feed';
import { authorizeUpstoxFeed } from './rest';

const cleanups = cleanupAfterEach();
const FAST = { initialMs: 50, maxMs: 200, jitter: 0 };

async function simulator(o: ConstructorParameters<typeof UpstoxSimulator>[0] = {}) {
  const sim = new UpstoxSimulator({ ticksPerSecond: 2000, seed: 3, instruments: defaultUniverse({ optionStrikes: 2 }), pingMs: 100, ...o });
  await sim.start();
  cleanups.push(() => sim.stop());
  return sim;
}

interface Seen {
  feeds: Array<{ key: string; feed: Feed; type: FeedType }>;
  states: FeedState[];
  notices: string[];
  marketInfos: number;
}

function feedOn(sim: UpstoxSimulator, token: string, o: Partial<UpstoxFeedOptions> = {}): { feed: UpstoxFeed; seen: Seen } {
  const seen: Seen = { feeds: [], states: [], notices: [], marketInfos: 0 };
  const feed = new UpstoxFeed({
    accessToken: token,
    authorize: (t) => authorizeUpstoxFeed({ apiRoot: sim.root, accessToken: t }),
    backoff: FAST,
    silenceMs: 60_000,
    onFeed: (key, f, type) => seen.feeds.push({ key, feed: f, type }),
    onMarketInfo: () => seen.marketInfos++,
    onState: (s) => seen.states.push(s),
    onNotice: (t) => seen.notices.push(t),
    ...o,
  });
  cleanups.push(() => feed.stop());
  return { feed, seen };
}

const key = (sim: UpstoxSimulator, symbol: string) => sim.listings.find((l) => l.ins.symbol === symbol)!.key;

test('authorize, then the socket: market_info first, an initial_feed per subscription in its mode, then live_feed deltas; requests are binary with a guid', async () => {
  const sim = await simulator();
  const { feed, seen } = feedOn(sim, sim.issueToken());
  const sbin = key(sim, 'SBIN');
  const nifty = key(sim, 'NIFTY 50');
  const fut = sim.listings.find((l) => l.ins.instrumentType === 'FUT' && l.ins.exchange === 'NFO')!.key;
  feed.subscribe([sbin, nifty], 'full');
  feed.subscribe([fut], 'ltpc');
  feed.start();
  await until(() => seen.feeds.filter((f) => f.type === 'live_feed').length > 30, 'live feeds');
  assert.equal(feed.state, 'connected');
  assert.equal(sim.hits.get('/v3/feed/market-data-feed/authorize'), 1);
  assert.equal(seen.marketInfos, 1);
  // Requests: binary frames, one sub per mode, each with its own guid.
  const reqs = sim.received.filter((r) => r.conn === 1);
  assert.deepEqual(
    reqs.map((r) => [r.binary, r.method, r.mode, r.keys]),
    [
      [true, 'sub', 'full', [sbin, nifty]],
      [true, 'sub', 'ltpc', [fut]],
    ],
  );
  assert.notEqual(reqs[0].guid, reqs[1].guid);
  // A snapshot per key before its deltas, in the subscription's mode.
  const first = (k: string) => seen.feeds.find((f) => f.key === k)!;
  assert.equal(first(sbin).type, 'initial_feed');
  assert.equal(first(sbin).feed.requestMode, 'full_d5');
  assert.equal(first(sbin).feed.marketFF!.marketLevel!.length, 5);
  assert.deepEqual(first(sbin).feed.marketFF!.marketOHLC!.map((b) => b.interval), ['1d', 'I1']);
  assert.ok(first(nifty).feed.indexFF?.ltpc && first(nifty).feed.marketFF === undefined, 'an index’s full feed is IndexFullFeed');
  assert.ok(first(fut).feed.ltpc && first(fut).feed.requestMode === 'ltpc');
  // Deltas leave out what did not change (the OHLC bars, most of the time).
  const deltas = seen.feeds.filter((f) => f.key === sbin && f.type === 'live_feed');
  assert.ok(deltas.some((d) => d.feed.marketFF!.marketOHLC === undefined), 'some deltas carry no bars');
  // A mode change goes as change_mode and is answered with a snapshot in the new mode.
  feed.subscribe([fut], 'full');
  await until(() => sim.received.some((r) => r.method === 'change_mode'), 'change_mode');
  await until(() => seen.feeds.some((f) => f.key === fut && f.feed.requestMode === 'full_d5' && f.type === 'initial_feed'), 'a full snapshot');
  feed.unsubscribe([nifty]);
  await until(() => sim.received.some((r) => r.method === 'unsub' && r.keys?.[0] === nifty), 'unsub');
  assert.equal(feed.malformed(), 0);
});

test('reconnect: a fresh code from authorize for every connect (a used one is refused), and every subscription again', async () => {
  const sim = await simulator();
  const token = sim.issueToken();
  const { feed, seen } = feedOn(sim, token);
  const sbin = key(sim, 'SBIN');
  const infy = key(sim, 'INFY');
  feed.subscribe([sbin], 'full');
  feed.subscribe([infy], 'ltpc');
  feed.start();
  await until(() => seen.feeds.some((f) => f.type === 'live_feed'), 'live');
  // A code is single-use: the URL this connection opened with is refused now.
  const used = await authorizeUpstoxFeed({ apiRoot: sim.root, accessToken: token });
  await new Promise<void>((resolve) => {
    const ws = new WebSocket(used);
    ws.on('open', () => ws.close());
    ws.on('close', () => resolve());
    ws.on('error', () => {});
  });
  const again = new WebSocket(used);
  const status = await new Promise<number>((resolve) => again.on('unexpected-response', (_q, res) => resolve(res.statusCode ?? 0)).on('error', () => {}));
  assert.equal(status, 401, 'a code opens one socket, once');

  const n = seen.feeds.length;
  sim.dropConnections();
  await until(() => sim.received.filter((r) => r.method === 'sub').length >= 4 && feed.state === 'connected', 'resubscribed');
  assert.equal(feed.connections[0].stats.reconnects, 1);
  assert.equal(sim.hits.get('/v3/feed/market-data-feed/authorize'), 3, 'the first connect, the socket opened by hand, the reconnect');
  const resub = sim.received.filter((r) => r.method === 'sub').slice(-2);
  assert.deepEqual(resub.map((r) => [r.mode, r.keys]), [
    ['full', [sbin]],
    ['ltpc', [infy]],
  ]);
  await until(() => seen.feeds.length > n + 10, 'data after the reconnect');
  assert.ok(seen.feeds.slice(n).some((f) => f.type === 'initial_feed' && f.key === sbin), 'a new snapshot after resubscribing');
});

test('one connection per token: a second client with the same token is refused (403) and says why; the first keeps its data', async () => {
  const sim = await simulator();
  const token = sim.issueToken();
  const a = feedOn(sim, token);
  a.feed.subscribe([key(sim, 'SBIN')], 'ltpc');
  a.feed.start();
  await until(() => a.feed.state === 'connected', 'first');
  const b = feedOn(sim, token);
  b.feed.subscribe([key(sim, 'INFY')], 'ltpc');
  b.feed.start();
  await until(() => b.seen.notices.some((t) => /one connection per token/.test(t)), 'the refusal told');
  assert.equal(b.feed.state, 'reconnecting');
  assert.equal(sim.connectionCount, 1);
  assert.ok(sim.stats.refusedUpgrades >= 1);
  const n = a.seen.feeds.length;
  await until(() => a.seen.feeds.length > n + 5, 'the first client still fed');
  // Once the first lets go, the second gets in (with a fresh code).
  a.feed.stop();
  await until(() => b.feed.state === 'connected', 'second connected');
});

test('an expired token: the socket closes, authorize answers 401 → login needed (no loop against authorize); a new token resumes with the subscriptions', async () => {
  const sim = await simulator();
  const token = sim.issueToken();
  const { feed, seen } = feedOn(sim, token);
  feed.subscribe([key(sim, 'SBIN')], 'full');
  feed.start();
  await until(() => feed.state === 'connected' && seen.feeds.length > 3, 'connected');
  sim.expireToken(token);
  await until(() => feed.state === 'login-needed', 'login needed');
  assert.match(feed.connections[0].detail, /Upstox feed authorize: HTTP 401 UDAPI100050 .*log in again/);
  const calls = sim.hits.get('/v3/feed/market-data-feed/authorize');
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(sim.hits.get('/v3/feed/market-data-feed/authorize'), calls, 'no authorize calls while waiting for a login');
  await assert.rejects(authorizeUpstoxFeed({ apiRoot: sim.root, accessToken: token }), TokenExpired);

  feed.setAccessToken(sim.issueToken());
  await until(() => feed.state === 'connected', 'resumed');
  const n = seen.feeds.length;
  await until(() => seen.feeds.length > n + 5, 'data with the new token');
  assert.deepEqual(sim.received.at(-1)!.keys, [key(sim, 'SBIN')]);

  // A token refused from the start: login needed before any socket.
  const dead = sim.issueToken();
  sim.expireToken(dead);
  const late = feedOn(sim, dead);
  late.feed.subscribe([key(sim, 'INFY')], 'ltpc');
  late.feed.start();
  await until(() => late.feed.state === 'login-needed', 'login needed at start');
});

test('silence: a closed market (market_info, then pings only) is left alone; a stall while it trades reconnects', async () => {
  const sim = await simulator();
  const { feed, seen } = feedOn(sim, sim.issueToken(), { silenceMs: 300, closedSilenceMs: 60_000 });
  feed.subscribe([key(sim, 'SBIN')], 'ltpc');
  feed.start();
  await until(() => seen.feeds.length > 3, 'data');
  assert.equal(feed.trading(), true);
  sim.setMarketStatus('NORMAL_CLOSE');
  await until(() => feed.marketStatus.get('NSE_EQ') === 'NORMAL_CLOSE', 'closed');
  assert.equal(feed.trading(), false);
  const pings = sim.stats.pings;
  await new Promise((r) => setTimeout(r, 1500));
  assert.ok(sim.stats.pings > pings + 3, 'the server pinged the idle socket');
  assert.deepEqual([feed.watch.silenceTimeouts, feed.connections[0].stats.reconnects, sim.stats.pongTimeouts, feed.state], [0, 0, 0, 'connected'], 'pings answered, no reconnect');

  sim.setMarketStatus('NORMAL_OPEN');
  const n = seen.feeds.length;
  await until(() => seen.feeds.length > n + 3, 'ticks again');
  sim.stall();
  await until(() => feed.watch.silenceTimeouts === 1 && feed.state === 'connected' && feed.connections[0].stats.reconnects === 1, 'reconnected after the stall');
  assert.match(feed.connections[0].stats.lastError + seen.states.join(','), /reconnecting/);
  const m = seen.feeds.length;
  await until(() => seen.feeds.length > m + 3, 'data on the new socket');
});

test('caps per mode (individual, combined) refuse a subscription whole; the server’s failure replies and malformed frames are counted, not thrown', async () => {
  assert.equal(capsProblem(new Map([['ltpc', 5000]])), undefined);
  assert.match(capsProblem(new Map([['ltpc', 5001]]))!, /5000 instruments in ltpc mode/);
  assert.match(capsProblem(new Map([['ltpc', 2001], ['full', 1]]))!, /2000 instruments in ltpc mode when modes are mixed/);
  assert.match(capsProblem(new Map([['full', 1501], ['ltpc', 1]]))!, /1500 instruments in full mode/);
  assert.match(capsProblem(new Map([['full_d30', 51]]))!, /50 instruments in full_d30 mode/);

  const sim = await simulator({ caps: { ltpc: { individual: 3, combined: 2 } } });
  const { feed, seen } = feedOn(sim, sim.issueToken(), { caps: { ltpc: { individual: 3, combined: 2 } } });
  const keys = sim.listings.slice(2, 6).map((l) => l.key);
  assert.throws(() => feed.subscribe(keys, 'ltpc'), /3 instruments in ltpc mode/);
  assert.equal(feed.subscriptions.size, 0, 'none of them');
  feed.subscribe([...keys.slice(0, 2), 'NSE_EQ|INE000000000'], 'ltpc');
  feed.start();
  await until(() => seen.notices.some((t) => /Invalid instrument key: NSE_EQ\|INE000000000/.test(t)), 'the failure reply told');
  assert.equal(feed.watch.failures, 1);
  await until(() => seen.feeds.length > 3, 'the known keys fed');
  sim.sendRaw(Buffer.from([0x08, 0x07]));
  sim.sendRaw(Buffer.from([0x12, 0xff, 0x01]));
  await until(() => feed.malformed() === 2, 'malformed counted');
  assert.equal(feed.state, 'connected');
});

test('the simulator’s bare endpoint answers a Bearer upgrade with a 307 to an authorized URL (the SDK’s way), and refuses one without', async () => {
  const sim = await simulator();
  const token = sim.issueToken();
  const frame = await new Promise<Buffer>((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${sim.port}${FEED_PATH}`, { headers: { Authorization: `Bearer ${token}` }, followRedirects: true });
    ws.on('message', (d: Buffer) => (ws.close(), resolve(d)));
    ws.on('error', reject);
  });
  assert.equal(decodeFeedResponse(frame)!.type, 'market_info');
  assert.equal(sim.stats.redirects, 1);
  const status = await new Promise<number>((resolve) => new WebSocket(`ws://127.0.0.1:${sim.port}${FEED_PATH}`).on('unexpected-response', (_q, res) => resolve(res.statusCode ?? 0)).on('error', () => {}));
  assert.equal(status, 401);
});
