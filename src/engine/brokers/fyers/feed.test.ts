// The Fyers data-socket client against the simulator: symbol-token, auth → mode → subscribe, the
// snapshots and updates decoded to the market's values, and each fault with its recovery
// (dropped and stalled sockets, the silent Authorization header, the 5000-topic cap, expired and
// refused tokens → login needed → resume with a new token).
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import WebSocket from 'ws';
import type { FeedState } from '../../../shared/model';
import { defaultUniverse } from '../../sim/market/market';
import { FyersSimulator, type FyersSimOptions } from '../../sim/fyers/server';
import { Journal } from '../../store/journal';
import { cleanupAfterEach, until } from '../../testing';
import { decodeFyersToken } from './auth';
import { DEFAULT_CHANNEL, encodeClientRequest, type FyersIndexQuote, type FyersQuote, type FyersScripQuote, type FyersDepthQuote } from './codec';
import { EXPIRED_DETAIL, FyersFeed, type FyersFeedMode } from './feed';
import { fyersTopics } from './instruments';
import { fetchSymbolTokens } from './rest';

const cleanups = cleanupAfterEach();
const FAST_BACKOFF = { initialMs: 50, maxMs: 300, jitter: 0.2 };
const TICKERS = ['NSE:SBIN-EQ', 'NSE:INFY-EQ', 'NSE:NIFTY50-INDEX'];

async function setup(o: { sim?: FyersSimOptions; mode?: FyersFeedMode; silenceMs?: number; feed?: Partial<ConstructorParameters<typeof FyersFeed>[0]> } = {}) {
  const sim = new FyersSimulator({ ticksPerSecond: 2000, seed: 3, instruments: defaultUniverse({ optionStrikes: 2 }), ...o.sim });
  await sim.start();
  const { accessToken } = sim.issueToken();
  const journal = new Journal(join(mkdtempSync(join(tmpdir(), 'tickdesk-fyers-feed-')), 'j.sqlite'));
  const quotes: FyersQuote[] = [];
  const states: Array<{ state: FeedState; detail: string }> = [];
  const notices: string[] = [];
  const feed = new FyersFeed({
    accessToken,
    root: sim.wsUrl,
    mode: o.mode ?? 'full',
    gaps: journal,
    silenceMs: o.silenceMs ?? 1500,
    backoff: FAST_BACKOFF,
    onQuote: (q) => quotes.push(q),
    onState: (state, detail) => states.push({ state, detail }),
    onNotice: (t) => notices.push(t),
    ...o.feed,
  });
  cleanups.push(() => sim.stop(), () => journal.close(), () => feed.stop());
  return { sim, accessToken, journal, feed, quotes, states, notices };
}

/** The topics of tickers, through symbol-token as the adapter does. */
async function topicsOf(sim: FyersSimulator, accessToken: string, tickers: string[], depth = true): Promise<string[]> {
  const { valid, invalid } = await fetchSymbolTokens({ dataRoot: `${sim.root}/data`, appId: sim.appId, accessToken }, tickers);
  assert.deepEqual(invalid, []);
  return [...valid].flatMap(([ticker, fytoken]) => {
    const t = fyersTopics(ticker, fytoken);
    return depth && t.depth ? [t.quote, t.depth] : [t.quote];
  });
}

const requestsOf = (sim: FyersSimulator, conn: number) => sim.received.filter((r) => r.conn === conn).map((r) => r.req);
const connsOf = (sim: FyersSimulator) => [...new Set(sim.received.map((r) => r.conn))];

test('symbol-token → topics; auth (hsm_key), mode, subscribe in that order; snapshots carry the market’s values, updates merge into them', async () => {
  const { sim, accessToken, feed, quotes } = await setup({ sim: { ticksPerSecond: 0 } });
  const topics = await topicsOf(sim, accessToken, TICKERS);
  assert.deepEqual(topics, ['sf|nse_cm|3045', 'dp|nse_cm|3045', 'sf|nse_cm|1594', 'dp|nse_cm|1594', 'if|nse_cm|Nifty 50']);
  feed.subscribe(topics);
  feed.start();
  await until(() => quotes.length === 5, 'five snapshots');
  assert.deepEqual(requestsOf(sim, 1), [
    { type: 'auth', hsmKey: decodeFyersToken(accessToken).hsmKey, mode: 'P', source: 'tickdesk' },
    { type: 'mode', channels: [DEFAULT_CHANNEL], mode: 'full' },
    { type: 'subscribe', topics, channel: DEFAULT_CHANNEL },
  ]);
  assert.ok(quotes.every((q) => q.item === 'snapshot'));
  assert.deepEqual(quotes.map((q) => q.topic).sort(), [...topics].sort());

  const sbin = sim.listing('NSE:SBIN-EQ')!.ins.token;
  const q0 = sim.market.quote(sbin)!;
  const snap = quotes.find((q) => q.topic === 'sf|nse_cm|3045') as FyersScripQuote;
  const n = sim.market.levels;
  assert.deepEqual(
    [snap.ltp, snap.volTradedToday, snap.prevClosePrice, snap.bidPrice, snap.askPrice, snap.bidSize, snap.exchFeedTime, snap.symbol, snap.exchangeToken],
    [q0.ltp, 0, q0.close, q0.depth[0], q0.depth[3 * n], q0.depth[n], Math.floor(q0.tsExchange / 1000), 'SBIN-EQ', '3045'],
  );
  const dp = quotes.find((q) => q.topic === 'dp|nse_cm|3045') as FyersDepthQuote;
  assert.deepEqual(dp.bidPrice, Array.from(q0.depth.subarray(0, 5)));
  assert.deepEqual(dp.askOrders, Array.from(q0.depth.subarray(5 * n, 5 * n + 5)));
  const nifty = quotes.find((q) => q.kind === 'if') as FyersIndexQuote;
  assert.equal(nifty.ltp, sim.market.quote(sim.listing('NSE:NIFTY50-INDEX')!.ins.token)!.ltp);

  // Market events: updates with INT32_MIN for what did not change, merged into the topic's values.
  const before = q0.seq;
  while (sim.market.quote(sbin)!.seq === before) sim.step(50);
  await until(() => quotes.some((q) => q.topic === 'sf|nse_cm|3045' && q.item === 'update'), 'an SBIN update');
  const upd = quotes.filter((q) => q.topic === 'sf|nse_cm|3045').at(-1) as FyersScripQuote;
  const q1 = sim.market.quote(sbin)!;
  assert.deepEqual([upd.ltp, upd.volTradedToday, upd.lastTradedQty, upd.prevClosePrice, upd.avgTradePrice], [q1.ltp, q1.volume, q1.ltq, q1.close, q1.atp]);
  assert.equal(feed.decodeStats.malformedFrames, 0);
  assert.equal(sim.hits.get('/data/symbol-token'), 1);
});

test('lite mode: one snapshot per topic, then L items with the ltp alone', async () => {
  const { sim, accessToken, feed, quotes } = await setup({ mode: 'lite' });
  feed.subscribe(await topicsOf(sim, accessToken, ['NSE:SBIN-EQ', 'NSE:NIFTY50-INDEX'], false));
  feed.start();
  await until(() => quotes.filter((q) => q.item === 'lite').length >= 5, 'lite updates');
  assert.deepEqual(requestsOf(sim, 1)[1], { type: 'mode', channels: [DEFAULT_CHANNEL], mode: 'lite' });
  assert.equal(quotes.filter((q) => q.item === 'snapshot').length, 2);
  assert.ok(quotes.every((q) => q.item !== 'update'));
});

test('a dropped socket: reconnect, the same auth/mode/subscribe from the cached topics (no symbol-token call), one closed gap', async () => {
  const { sim, accessToken, feed, quotes, journal } = await setup();
  const topics = await topicsOf(sim, accessToken, TICKERS);
  feed.subscribe(topics);
  feed.start();
  await until(() => quotes.length > 20, 'first quotes');
  // symbol-token would fail now (as the SDKs saw after reconnects): the feed never asks.
  sim.failSymbolToken(5);
  sim.dropConnections();
  await until(() => connsOf(sim).length === 2 && feed.state === 'connected', 'reconnected');
  const n = quotes.length;
  await until(() => quotes.slice(n).some((q) => q.item === 'update'), 'updates after the reconnect');
  const [first, second] = connsOf(sim).map((c) => requestsOf(sim, c).filter((r) => r.type !== 'ping'));
  assert.deepEqual(second.slice(0, 3), first.slice(0, 3));
  assert.equal(sim.hits.get('/data/symbol-token'), 1);
  // Topic ids are per socket: the new socket's snapshots bound them again.
  assert.equal(quotes.filter((q) => q.item === 'snapshot').length, 2 * topics.length);
  const gaps = journal.gaps();
  assert.equal(gaps.length, 1);
  assert.equal(gaps[0].feed, 'fyers');
  assert.ok(gaps[0].endTs! >= gaps[0].startTs);
  assert.equal(feed.decodeStats.malformedFrames, 0);
});

test('a stall without close: the silence watchdog reconnects and resubscribes; the gap says why', async () => {
  const { sim, accessToken, feed, quotes, journal } = await setup({ silenceMs: 600 });
  feed.subscribe(await topicsOf(sim, accessToken, TICKERS));
  feed.start();
  await until(() => quotes.length > 10, 'first quotes');
  sim.stall();
  await until(() => feed.connections[0].stats.silenceTimeouts === 1, 'silence detected', 4000);
  const n = quotes.length;
  await until(() => quotes.length > n + 10, 'quotes again');
  assert.equal(connsOf(sim).length, 2);
  assert.equal(requestsOf(sim, 2).filter((r) => r.type === 'subscribe').length, 1);
  assert.match(journal.gaps()[0].reason, /silent for 600 ms/);
});

test('an Authorization header on the upgrade: the socket opens and its auth is never answered; the client sends none', async () => {
  const { sim, accessToken, feed, quotes } = await setup();
  feed.subscribe(await topicsOf(sim, accessToken, ['NSE:SBIN-EQ']));
  feed.start();
  await until(() => quotes.length > 0, 'quotes without the header');
  const auth = encodeClientRequest({ type: 'auth', hsmKey: decodeFyersToken(accessToken).hsmKey!, mode: 'P', source: 'test' });
  const talk = async (headers: Record<string, string>) => {
    const ws = new WebSocket(sim.wsUrl, { headers });
    cleanups.push(() => ws.terminate());
    const got: Buffer[] = [];
    ws.on('message', (d: Buffer) => got.push(d));
    await new Promise((r) => ws.once('open', r));
    ws.send(auth);
    await new Promise((r) => setTimeout(r, 400));
    return got;
  };
  const silent = await talk({ Authorization: `${sim.appId}:${accessToken}` });
  assert.deepEqual(silent, [], 'no answer at all, and no close');
  assert.equal(sim.stats.ignoredAuth, 1);
  const answered = await talk({});
  assert.equal(answered[0]?.[2], 1, 'an auth reply');
  assert.deepEqual(sim.upgrades.map((u) => u.authorization), [undefined, `${sim.appId}:${accessToken}`, undefined]);
});

test('the topic cap: the server refuses a subscription past it; the client spreads topics over its connections and refuses what does not fit', async () => {
  const refused = await setup({ sim: { maxTopicsPerConnection: 3 } });
  const topics = await topicsOf(refused.sim, refused.accessToken, TICKERS);
  refused.feed.subscribe(topics);
  refused.feed.start();
  await until(() => refused.feed.refusals === 1, 'the refusal');
  assert.match(refused.notices[0], /Fyers refused a subscribe request on connection 0 \(5 topics on it\)/);
  assert.equal(refused.sim.stats.refusedSubscriptions, 1);

  const { sim, accessToken, feed, quotes } = await setup({ feed: { maxTopicsPerConnection: 3, maxConnections: 2 } });
  const five = await topicsOf(sim, accessToken, TICKERS);
  feed.subscribe(five);
  feed.start();
  await until(() => new Set(quotes.map((q) => q.topic)).size === 5, 'quotes of all five topics');
  assert.equal(feed.connections.length, 2);
  assert.deepEqual(connsOf(sim).map((c) => requestsOf(sim, c).find((r) => r.type === 'subscribe')), [
    { type: 'subscribe', topics: five.slice(0, 3), channel: DEFAULT_CHANNEL },
    { type: 'subscribe', topics: five.slice(3), channel: DEFAULT_CHANNEL },
  ]);
  assert.throws(() => feed.subscribe(['sf|nse_cm|1', 'sf|nse_cm|2']), /Fyers allows 3 topics a connection \(2 connections here\): 7 asked for/);
  assert.equal(feed.topicCount, 5, 'nothing of a refused request is kept');
});

test('a token ended server-side: auth refused → login needed, no retry storm; a new token resumes with the topics', async () => {
  const { sim, accessToken, feed, quotes, states, journal } = await setup();
  const topics = await topicsOf(sim, accessToken, TICKERS);
  feed.subscribe(topics);
  feed.start();
  await until(() => quotes.length > 10, 'first quotes');
  sim.revokeToken(accessToken);
  await until(() => feed.state === 'login-needed', 'login needed');
  assert.match(states.at(-1)!.detail, /Fyers refused the token on the data socket \(11001\): log in again/);
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(connsOf(sim).length, 2, 'one refused attempt, no retries');
  // The socket opens before its auth is refused, so the outage is the gap opened then: it lasts until a new login.
  const outage = journal.gaps().at(-1)!;
  assert.equal(outage.endTs, null);
  assert.match(outage.reason, /^login needed: Fyers refused the token/);

  const fresh = sim.issueToken().accessToken;
  feed.setAccessToken(fresh);
  await until(() => feed.state === 'connected' && connsOf(sim).length === 3, 'connected with the new token');
  const n = quotes.length;
  await until(() => quotes.length > n + 10, 'quotes again');
  const third = requestsOf(sim, connsOf(sim)[2]);
  assert.deepEqual(third.slice(0, 3), [
    { type: 'auth', hsmKey: decodeFyersToken(fresh).hsmKey, mode: 'P', source: 'tickdesk' },
    { type: 'mode', channels: [DEFAULT_CHANNEL], mode: 'full' },
    { type: 'subscribe', topics, channel: DEFAULT_CHANNEL },
  ]);
  assert.notEqual(journal.gaps().at(-1)!.endTs, null);
});

test('a token past its exp (-99): the socket ends, the client sees the expiry itself and asks for a login without sending it', async () => {
  const { sim, accessToken, feed, quotes, states } = await setup({ sim: { tokenTtlMs: 1200 } });
  feed.subscribe(await topicsOf(sim, accessToken, ['NSE:SBIN-EQ']));
  feed.start();
  await until(() => quotes.length > 0, 'first quotes');
  await until(() => feed.state === 'login-needed', 'login needed after the expiry', 5000);
  assert.equal(states.at(-1)!.detail, EXPIRED_DETAIL);
  // The sim ended the first socket at the expiry; the client opened a second and sent it nothing.
  assert.equal(sim.upgrades.length, 2);
  assert.deepEqual(requestsOf(sim, 2), [], 'no auth frame with an expired token');
  assert.equal(feed.connections[0].stats.opens, 2);
});

test('garbage frames are counted and skipped; pings go out on the timer', async () => {
  const { sim, accessToken, feed, quotes } = await setup({ feed: { pingMs: 100 } });
  feed.subscribe(await topicsOf(sim, accessToken, ['NSE:SBIN-EQ']));
  feed.start();
  await until(() => quotes.length > 0, 'first quotes');
  sim.sendRaw(Buffer.from([0, 9, 6, 0, 0, 0, 1, 0, 2, 85, 0]));
  sim.sendRaw(Buffer.from([1]));
  await until(() => feed.decodeStats.malformedFrames === 2, 'two malformed frames');
  const n = quotes.length;
  await until(() => quotes.length > n + 5 && sim.stats.pings >= 2, 'quotes and pings go on');
  assert.equal(feed.state, 'connected');
});
