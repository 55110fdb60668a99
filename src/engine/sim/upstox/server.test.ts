// The simulated Upstox on its own terms: tokens by the 03:30 IST rule, the feed's one-shot codes,
// text requests and bad ones answered with a failure frame, per-mode caps, every mode's snapshot
// shape, and a client that leaves pings unanswered closed — the faults the adapter is tested against.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import WebSocket from 'ws';
import { decodeUpstoxToken, upstoxExpiry } from '../../brokers/upstox/auth';
import { decodeFeedResponse, parseFeedFailure, subscribeRequest, type FeedResponse } from '../../brokers/upstox/codec';
import { authorizeUpstoxFeed } from '../../brokers/upstox/rest';
import { defaultUniverse } from '../market/market';
import { cleanupAfterEach, until } from '../../testing';
import { isoIstSeconds, upstoxSegmentStatus, UpstoxSimulator } from './server';

const cleanups = cleanupAfterEach();

async function simulator(o: ConstructorParameters<typeof UpstoxSimulator>[0] = {}) {
  const sim = new UpstoxSimulator({ ticksPerSecond: 0, instruments: defaultUniverse({ optionStrikes: 2 }), ...o });
  await sim.start();
  cleanups.push(() => sim.stop());
  return sim;
}

/** A socket on a fresh authorized URL, collecting decoded frames and text replies. */
async function socket(sim: UpstoxSimulator, token: string, o: WebSocket.ClientOptions = {}) {
  const ws = new WebSocket(await authorizeUpstoxFeed({ apiRoot: sim.root, accessToken: token }), o);
  const frames: FeedResponse[] = [];
  const texts: string[] = [];
  ws.on('message', (d: Buffer, binary) => (binary ? frames.push(decodeFeedResponse(d)!) : texts.push(d.toString('utf8'))));
  await new Promise((r, j) => ws.once('open', r).once('error', j));
  cleanups.push(() => ws.terminate());
  return { ws, frames, texts };
}

test('tokens: issued at 02:30 IST they die at 03:30 the same day, at 20:00 the next day’s 03:30; analytics tokens a year on', async () => {
  const sim = await simulator();
  const at = Date.parse('2026-06-03T02:30:00+05:30');
  assert.equal(decodeUpstoxToken(sim.issueToken({ at })).expiresAt, Date.parse('2026-06-03T03:30:00+05:30'));
  const evening = Date.parse('2026-06-02T20:00:00+05:30');
  assert.equal(decodeUpstoxToken(sim.issueToken({ at: evening })).expiresAt, upstoxExpiry(evening));
  assert.equal(decodeUpstoxToken(sim.issueToken({ at, kind: 'analytics' })).expiresAt, at + 365 * 86400_000);
  // A token of a past night is refused (UDAPI100050, HTTP 401).
  const res = await fetch(`${sim.root}/v3/feed/market-data-feed/authorize`, { headers: { Authorization: `Bearer ${sim.issueToken({ at })}` } });
  assert.equal(res.status, 401);
  assert.equal(isoIstSeconds(Date.parse('2026-06-03T09:15:00+05:30')), '2026-06-03T09:15:00+05:30');
});

test('the socket: market_info first; a text request and a malformed one are answered with failure frames; caps per mode; each mode’s snapshot', async () => {
  const sim = await simulator({ caps: { full: { individual: 2, combined: 1 } } });
  const { ws, frames, texts } = await socket(sim, sim.issueToken());
  await until(() => frames.length === 1, 'market_info');
  assert.equal(frames[0].type, 'market_info');
  assert.equal(frames[0].marketInfo!.segmentStatus.get('NSE_EQ'), 'NORMAL_OPEN');
  const k = (symbol: string) => sim.listings.find((l) => l.ins.symbol === symbol)!.key;
  ws.send(subscribeRequest('g1', 'ltpc', [k('SBIN')]).toString('utf8'));
  ws.send(Buffer.from('{"guid":"g2","method":"sub"}'));
  await until(() => texts.length === 2, 'two failures');
  assert.deepEqual(texts.map((t) => parseFeedFailure(t)!.error), ['requests are sent as binary frames', 'Invalid request']);
  ws.send(subscribeRequest('g3', 'full', [k('SBIN'), k('INFY'), k('TCS')]));
  await until(() => texts.length === 3, 'over the cap');
  assert.deepEqual(parseFeedFailure(texts[2]), { error: 'Upstox allows 2 instruments in full mode (one connection a token): 3 asked for', guid: 'g3', method: 'sub' });
  const opt = sim.listings.find((l) => l.ins.instrumentType === 'CE')!.key;
  ws.send(subscribeRequest('g4', 'full_d30', [k('SBIN')]));
  ws.send(subscribeRequest('g5', 'option_greeks', [opt]));
  await until(() => frames.filter((f) => f.type === 'initial_feed').length === 2, 'snapshots');
  const [d30, greeks] = frames.filter((f) => f.type === 'initial_feed');
  const f = d30.feeds.get(k('SBIN'))!;
  assert.deepEqual([f.requestMode, f.marketFF!.marketLevel!.length, f.marketFF!.marketOHLC!.length], ['full_d30', 30, 2]);
  const g = greeks.feeds.get(opt)!;
  assert.equal(g.requestMode, 'option_greeks');
  assert.ok(g.firstLevelWithGreeks!.optionGreeks!.delta > 0 && g.firstLevelWithGreeks!.firstDepth!.bidP > 0 && g.firstLevelWithGreeks!.oi > 0);
  // Live deltas for what is subscribed, once the market moves.
  sim.step(400);
  await until(() => frames.some((x) => x.type === 'live_feed'), 'a live feed');
});

test("on NSE's clock the segments' status follows the calendar, each change a market_info frame", async () => {
  const ist = (s: string) => Date.parse(`${s}+05:30`);
  assert.deepEqual(
    ['09:05', '09:10', '10:00', '15:35', '15:45', '16:30'].map((t) => upstoxSegmentStatus('NSE_EQ', ist(`2026-03-04T${t}:00`))),
    ['PRE_OPEN_START', 'PRE_OPEN_END', 'NORMAL_OPEN', 'NORMAL_CLOSE', 'CLOSING_START', 'CLOSING_END'],
  );
  assert.deepEqual(['09:05', '09:10', '15:45'].map((t) => upstoxSegmentStatus('NSE_FO', ist(`2026-03-04T${t}:00`))), ['PRE_OPEN_START', 'PRE_OPEN_END', 'NORMAL_CLOSE']);
  assert.equal(upstoxSegmentStatus('NCD_FO', ist('2026-03-04T16:30:00')), 'NORMAL_OPEN', 'currency trades to 17:00');
  let now = ist('2026-03-03T11:00:00'); // Holi
  const sim = await simulator({ clock: 'nse', now: () => now });
  const { frames } = await socket(sim, sim.issueToken({ at: ist('2026-03-04T04:00:00') })); // good to Thursday 03:30
  const statuses = () => frames.filter((f) => f.type === 'market_info').map((f) => f.marketInfo!.segmentStatus.get('NSE_EQ'));
  await until(() => statuses().length === 1, 'market_info');
  assert.deepEqual(statuses(), ['CLOSING_END'], "a holiday: Monday's session has ended");
  for (const [t, want] of [['2026-03-04T09:01:00', 'PRE_OPEN_START'], ['2026-03-04T09:08:00', 'PRE_OPEN_END'], ['2026-03-04T09:15:00', 'NORMAL_OPEN']] as const) {
    now = ist(t);
    await until(() => statuses().at(-1) === want, want);
  }
  assert.deepEqual(statuses(), ['CLOSING_END', 'PRE_OPEN_START', 'PRE_OPEN_END', 'NORMAL_OPEN'], 'one frame a change');
});

test('a client that leaves pings unanswered is closed; one that answers is kept while idle', async () => {
  const sim = await simulator({ pingMs: 60 });
  const token = sim.issueToken();
  const mute = await socket(sim, token, { autoPong: false });
  const closed = new Promise((r) => mute.ws.once('close', r));
  await closed;
  assert.ok(sim.stats.pongTimeouts >= 1);
  const polite = await socket(sim, token);
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(polite.ws.readyState, WebSocket.OPEN);
  assert.ok(sim.stats.pings >= 4);
});
