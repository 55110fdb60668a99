// The Yahoo streamer client against the simulated Yahoo (sim/yahoo): subscribe, the snapshot and
// the updates, both framings, the 15-s keep-alive against the server's idle drop, reconnect and
// resubscribe, the silence watchdog that stays quiet outside market hours, damaged frames, and no
// "login needed" (Yahoo has no login).
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { FeedState } from '../../../shared/model';
import { YahooSimulator, type YahooSimOptions } from '../../sim/yahoo/server';
import { Journal } from '../../store/journal';
import { cleanupAfterEach, until } from '../../testing';
import { encodeLegacyFrame, encodePricingFrame, MarketHours, QuoteType, type PricingData } from './codec';
import { streamerUrl, YahooFeed, type YahooFeedOptions } from './feed';
import { pricingToTick } from './normalize';

const FAST_BACKOFF = { initialMs: 50, maxMs: 400, jitter: 0.2 };
const cleanups = cleanupAfterEach();

async function setup(o: { sim?: YahooSimOptions; feed?: Partial<YahooFeedOptions> } = {}) {
  const sim = new YahooSimulator({ ticksPerSecond: 1000, seed: 5, batchMs: 20, ...o.sim });
  await sim.start();
  const journal = new Journal(join(mkdtempSync(join(tmpdir(), 'tickdesk-yahoo-feed-')), 'j.sqlite'));
  const messages: PricingData[] = [];
  const frames: Buffer[] = [];
  const states: Array<{ state: FeedState; detail: string }> = [];
  const feed = new YahooFeed({
    wsRoot: sim.wsUrl,
    gaps: journal,
    backoff: FAST_BACKOFF,
    silenceMs: 1500,
    onMessage: (p) => messages.push(p),
    onFrame: (f) => frames.push(f),
    onState: (state, detail) => states.push({ state, detail }),
    ...o.feed,
  });
  cleanups.push(
    () => sim.stop(),
    () => journal.close(),
    () => feed.stop(),
  );
  return { sim, journal, feed, messages, frames, states };
}

/** The symbols each subscribe message of a connection named, in order. */
const subscribesOf = (sim: YahooSimulator, conn: number) =>
  sim.received.filter((r) => r.conn === conn && (r.msg as { action?: string }).action === 'subscribe').map((r) => (r.msg as { symbols: string[] }).symbols);

test('the streamer URL asks for JSON envelopes with ?version=2; legacy is the bare root', () => {
  assert.equal(streamerUrl('wss://streamer.finance.yahoo.com/'), 'wss://streamer.finance.yahoo.com/?version=2');
  assert.equal(streamerUrl('ws://127.0.0.1:9/?x=1'), 'ws://127.0.0.1:9/?x=1&version=2');
  assert.equal(streamerUrl('wss://streamer.finance.yahoo.com/', 'legacy'), 'wss://streamer.finance.yahoo.com/');
});

test('subscribe: a snapshot of each symbol at once, then its changes; unknown symbols bring nothing; volume is cumulative', async () => {
  const { sim, feed, messages, frames } = await setup();
  feed.subscribe(['RELIANCE.NS', '^NSEI', 'NOSUCH.NS']);
  feed.start();
  await until(() => messages.filter((m) => m.id === 'RELIANCE.NS').length > 10 && messages.some((m) => m.id === '^NSEI'), 'ticks');
  assert.deepEqual(subscribesOf(sim, 1), [['RELIANCE.NS', '^NSEI', 'NOSUCH.NS']]);
  // The snapshot: the market's state at subscribe time, in the shape Yahoo sends (what is 0 left out).
  const first = messages.find((m) => m.id === '^NSEI')!;
  assert.equal(first.quoteType, QuoteType.INDEX);
  assert.equal(first.exchange, 'NSI');
  assert.equal(first.currency, 'INR');
  assert.equal(first.priceHint, 2);
  assert.equal(first.dayVolume, 0, 'an index has no volume');
  assert.ok(!messages.some((m) => m.id === 'NOSUCH.NS'));
  const rel = messages.filter((m) => m.id === 'RELIANCE.NS');
  assert.equal(rel[0].quoteType, QuoteType.EQUITY);
  assert.equal(rel[0].marketHours, MarketHours.REGULAR_MARKET);
  for (let i = 1; i < rel.length; i++) assert.ok(rel[i].dayVolume >= rel[i - 1].dayVolume, 'dayVolume never falls');
  assert.ok(rel.at(-1)!.dayVolume > rel[0].dayVolume);
  // float32 on the wire; the Tick carries the price on the paisa, and the day volume as it came.
  const q = sim.market.quote(sim.market.instruments.find((i) => i.symbol === 'RELIANCE' && i.exchange === 'NSE')!.token)!;
  const last = rel.at(-1)!;
  const tick = pricingToTick(last, 7, 123)!;
  assert.equal(tick.ltp * 100, Math.round(tick.ltp * 100), 'the price is on the paisa');
  assert.ok(Math.abs(tick.ltp - q.ltp) < 50, 'near the market model');
  assert.equal(tick.volume, last.dayVolume);
  assert.equal(tick.close, q.close, 'the previous close is the market model one');
  // Text frames are captured as their UTF-8 bytes, in the ?version=2 envelope.
  assert.match(frames[0].toString('utf8'), /^\{"type":"pricing","message":"[A-Za-z0-9+/=]+"\}$/);
  assert.equal(feed.malformed(), 0);
});

test('legacy framing: the bare root gets bare base64 frames, decoded the same way', async () => {
  const { feed, messages, frames } = await setup({ feed: { framing: 'legacy' } });
  feed.subscribe(['INFY.NS']);
  feed.start();
  await until(() => messages.length > 5, 'ticks');
  assert.ok(messages.every((m) => m.id === 'INFY.NS'));
  assert.match(frames[0].toString('utf8'), /^[A-Za-z0-9+/]+=*$/);
  assert.equal(feed.decodeStats.malformedFrames, 0);
});

test('keep-alive: the whole list every keepAliveMs holds an idle-dropping server; without it the socket is dropped, reconnected and resubscribed', async () => {
  // The server's idle limit is 20 keep-alive periods: only an event loop stalled for 1.9 s (not a
  // busy CI machine's timer lag) could let it fire, so a drop here means the keep-alive is broken.
  const { sim, feed, messages, journal } = await setup({ sim: { idleDropMs: 2000 }, feed: { keepAliveMs: 100 } });
  feed.subscribe(['TCS.NS', 'SBIN.NS']);
  feed.start();
  // Past the idle limit by more than one keep-alive period, so a client that did not talk is gone.
  await until(() => feed.watch.keepAlives >= 25, 'twenty-five keep-alives', 20_000);
  assert.equal(sim.stats.idleDrops, 0, 'a client that keeps talking is not dropped');
  assert.equal(feed.connections[0].stats.reconnects, 0);
  // The subscribe on open and every keep-alive reach the server (the last may still be in flight).
  await until(() => subscribesOf(sim, 1).length >= 26, 'the keep-alives at the server');
  const subs = subscribesOf(sim, 1);
  for (const s of subs) assert.deepEqual(s, ['TCS.NS', 'SBIN.NS'], 'each keep-alive is the full subscription');

  // Another client that never speaks after subscribing: dropped after the idle time, then back.
  const quiet = await setup({ sim: { idleDropMs: 300 }, feed: { keepAliveMs: 0 } });
  quiet.feed.subscribe(['TCS.NS', 'SBIN.NS']);
  quiet.feed.start();
  await until(() => quiet.sim.stats.idleDrops >= 1 && quiet.feed.connections[0].stats.reconnects >= 1 && quiet.feed.state === 'connected', 'dropped and back');
  // The new socket's subscribe reaches the server a moment after the feed calls itself connected.
  await until(() => subscribesOf(quiet.sim, 2).length >= 1, 'the subscribe on the new socket');
  assert.deepEqual(subscribesOf(quiet.sim, 2), [['TCS.NS', 'SBIN.NS']], 'resubscribed on the new socket');
  const n = quiet.messages.length;
  await until(() => quiet.messages.length > n + 3, 'ticks after the reconnect');
  await until(() => quiet.journal.gaps().some((g) => g.endTs !== null), 'the outage recorded and closed');
  assert.equal(quiet.journal.gaps()[0].feed, 'yahoo');
  assert.ok(messages.length > 0 && journal.gaps().length === 0);
});

test('the server drops the socket: reconnect with backoff, every symbol resubscribed, one closed gap', async () => {
  const { sim, feed, messages, journal } = await setup();
  feed.subscribe(['HDFCBANK.NS']);
  feed.subscribe(['^NSEBANK', 'HDFCBANK.NS']);
  feed.start();
  await until(() => messages.length > 10, 'first ticks');
  sim.dropConnections();
  await until(() => feed.connections[0].stats.reconnects === 1 && feed.state === 'connected', 'reconnect');
  assert.deepEqual(subscribesOf(sim, 2), [['HDFCBANK.NS', '^NSEBANK']]);
  const n = messages.length;
  await until(() => messages.slice(n).some((m) => m.id === '^NSEBANK') && messages.slice(n).some((m) => m.id === 'HDFCBANK.NS'), 'both again');
  const gaps = journal.gaps();
  assert.equal(gaps.length, 1);
  assert.match(gaps[0].reason, /closed 1006/);
  assert.ok(gaps[0].endTs! >= gaps[0].startTs);
  // Unsubscribing goes to the server at once and stays out of the next subscription.
  feed.unsubscribe(['^NSEBANK']);
  await until(() => sim.received.some((r) => (r.msg as { action?: string }).action === 'unsubscribe'), 'the unsubscribe');
  assert.deepEqual(feed.subscribed, ['HDFCBANK.NS']);
});

test('silence in market hours: reconnect; the same silence with the market closed: nothing', async () => {
  let open = true;
  const { sim, feed, messages, journal } = await setup({ feed: { silenceMs: 400, trading: () => open } });
  feed.subscribe(['ITC.NS', 'LT.NS', '^NSEI']);
  feed.start();
  await until(() => messages.length > 5, 'first ticks');
  sim.goSilent(900);
  await until(() => feed.watch.silenceTimeouts >= 1, 'silence noticed');
  await until(() => feed.state === 'connected' && feed.connections[0].stats.reconnects >= 1, 'reconnected');
  assert.match(journal.gaps()[0].reason, /no pricing for 400 ms in market hours/);
  await until(() => journal.gaps().every((g) => g.endTs !== null), 'gap closed');

  // After the close Yahoo sends nothing, and that is no fault: no watchdog, no reconnect.
  open = false;
  const before = { timeouts: feed.watch.silenceTimeouts, reconnects: feed.connections[0].stats.reconnects };
  sim.goSilent(60_000);
  await new Promise((r) => setTimeout(r, 1500));
  assert.deepEqual({ timeouts: feed.watch.silenceTimeouts, reconnects: feed.connections[0].stats.reconnects }, before);
  assert.equal(feed.state, 'connected');
  // The market opens again and still nothing comes: now it counts, from the open.
  open = true;
  await until(() => feed.watch.silenceTimeouts === before.timeouts + 1, 'silence in market hours again');
});

test('a market open but silent (a holiday): each silent reconnect waits twice as long as the one before', async () => {
  const { sim, feed, messages, journal } = await setup({ feed: { silenceMs: 150, trading: () => true } });
  feed.subscribe(['KOTAKBANK.NS']);
  feed.start();
  await until(() => messages.length > 3, 'first ticks');
  // One symbol's own ticks can be 150 ms apart now and then: count from the moment it goes silent.
  const [t0, g0] = [feed.watch.silenceTimeouts, journal.gaps().length];
  sim.goSilent(60_000);
  await until(() => feed.watch.silenceTimeouts >= t0 + 3, 'three silent reconnects');
  assert.deepEqual(
    journal.gaps().slice(g0, g0 + 3).map((g) => g.reason),
    ['no pricing for 150 ms in market hours', 'no pricing for 300 ms in market hours', 'no pricing for 600 ms in market hours'],
  );
});

test('a simulator keeping market hours sends nothing at night; a feed that knows the market is closed stays connected', async () => {
  const night = Date.UTC(2026, 11, 1, 16, 0); // 21:30 IST
  const { sim, feed, messages } = await setup({ sim: { marketHours: true, now: () => night }, feed: { silenceMs: 300, trading: () => false } });
  feed.subscribe(['INFY.NS']);
  feed.start();
  await until(() => feed.state === 'connected', 'connected');
  await new Promise((r) => setTimeout(r, 1200));
  assert.equal(messages.length, 0);
  assert.equal(sim.stats.framesSent, 0);
  assert.equal(feed.connections[0].stats.reconnects, 0);
  assert.equal(feed.watch.silenceTimeouts, 0);
});

test('damaged and foreign frames are counted and skipped; a legacy frame on a ?version=2 socket still decodes', async () => {
  const { sim, feed, messages } = await setup();
  feed.subscribe(['AXISBANK.NS']);
  feed.start();
  await until(() => messages.length > 3, 'first ticks');
  const own = { id: 'AXISBANK.NS', price: 123.45, time: Date.now(), priceHint: 2 };
  sim.sendText('not json at all{');
  sim.sendText('{"type":"pricing","message":"@@@"}');
  sim.sendText(encodePricingFrame(own).replace(/"\}$/, 'AAAA"}')); // bytes past the message: a truncated field
  sim.sendText('{"type":"heartbeat"}');
  sim.sendText(encodeLegacyFrame({ ...own, price: 123.5 }));
  await until(() => feed.decodeStats.malformedFrames === 3 && feed.decodeStats.ignoredFrames === 1, 'counted');
  await until(() => messages.some((m) => m.id === 'AXISBANK.NS' && Math.abs(m.price - 123.5) < 1e-4), 'the legacy frame');
  const n = messages.length;
  await until(() => messages.length > n + 3, 'ticks go on');
  assert.equal(feed.connections[0].stats.reconnects, 0, 'bad frames are no reason to reconnect');
});

test('a refused upgrade (403, 429) is retried, never "login needed": Yahoo has no login', async () => {
  const { sim, feed, messages, states } = await setup();
  sim.refuseUpgrades(2, 403);
  feed.subscribe(['MARUTI.NS']);
  feed.start();
  await until(() => messages.length > 3, 'ticks after two refusals');
  assert.ok(states.some((s) => s.state === 'reconnecting' && /HTTP 403 at upgrade/.test(s.detail)));
  assert.ok(!states.some((s) => s.state === 'login-needed'));
  assert.deepEqual(subscribesOf(sim, 1), [['MARUTI.NS']]);
});
