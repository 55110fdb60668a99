// Upstox v3 candles: pages by each unit's span (a month for 1–15 minutes, a quarter beyond and for
// hours, a decade for days), backwards from the to_date, none before the unit's history begins, the
// intraday endpoint for today; rows newest first with +05:30 times, reversed; against the simulator
// (its candles are the shared history's), with 429s and 5xx retried and errors of the one hierarchy.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { simHistoryCandles } from '../../sim/market/history';
import { defaultUniverse } from '../../sim/market/market';
import { UpstoxSimulator } from '../../sim/upstox/server';
import { cleanupAfterEach } from '../../testing';
import { InputError, NetworkError, TokenExpired } from '../errors';
import { fetchUpstoxHistory, parseUpstoxCandle, upstoxHistoryPages } from './history';
import { upstoxRequest, UpstoxRateLimiter } from './rest';

const cleanups = cleanupAfterEach();
const ist = (s: string) => Date.parse(`${s}+05:30`);
/** The simulated now: Wednesday 2026-06-03, 12:00 IST. */
const NOW = ist('2026-06-03T12:00:00');

async function simulator() {
  const sim = new UpstoxSimulator({ ticksPerSecond: 0, instruments: defaultUniverse({ optionStrikes: 2 }), now: () => NOW });
  await sim.start();
  cleanups.push(() => sim.stop());
  const opts = { apiRoot: sim.root, accessToken: sim.issueToken(), now: () => NOW, retryMs: 1 };
  return { sim, opts };
}

test('pages: backwards from the last day by the unit’s span, both ends inclusive; today from the intraday endpoint; nothing before 2022 for minutes', () => {
  const today = '2026-06-03';
  assert.deepEqual(upstoxHistoryPages(ist('2026-04-01T00:00:00'), ist('2026-05-31T23:59:59'), '1m', today), [
    { kind: 'historical', from: '2026-04-01', to: '2026-04-05' },
    { kind: 'historical', from: '2026-04-06', to: '2026-05-03' },
    { kind: 'historical', from: '2026-05-04', to: '2026-05-31' },
  ]);
  // A quarter for 30 minutes and hours, up to yesterday, then today.
  assert.deepEqual(upstoxHistoryPages(ist('2026-01-01T00:00:00'), NOW, '30m', today), [
    { kind: 'historical', from: '2026-01-01', to: '2026-03-05' },
    { kind: 'historical', from: '2026-03-06', to: '2026-06-02' },
    { kind: 'intraday' },
  ]);
  assert.deepEqual(upstoxHistoryPages(ist('2026-06-03T09:15:00'), NOW, '1h', today), [{ kind: 'intraday' }]);
  assert.deepEqual(upstoxHistoryPages(ist('2010-01-01T00:00:00'), ist('2026-05-29T00:00:00'), '1d', today), [
    { kind: 'historical', from: '2010-01-01', to: '2016-05-31' },
    { kind: 'historical', from: '2016-06-01', to: '2026-05-29' },
  ]);
  assert.deepEqual(upstoxHistoryPages(ist('2021-12-20T00:00:00'), ist('2022-01-10T00:00:00'), '5m', today), [{ kind: 'historical', from: '2022-01-01', to: '2022-01-10' }], 'minutes begin in January 2022');
  assert.deepEqual(upstoxHistoryPages(ist('2020-01-01T00:00:00'), ist('2021-01-01T00:00:00'), '5m', today), []);
  assert.throws(() => upstoxHistoryPages(0, 1, '1s', today), (e) => e instanceof InputError && /Upstox has no 1s candles/.test(e.message));
});

test('a row: ISO time +05:30 → epoch seconds; open interest only where asked; unreadable rows are null', () => {
  assert.deepEqual(parseUpstoxCandle(['2023-10-19T15:15:00+05:30', 2305.3, 2307.05, 2301, 2304.65, 559982, 0], false), { t: 1697708700, o: 2305.3, h: 2307.05, l: 2301, c: 2304.65, v: 559982 });
  assert.deepEqual(parseUpstoxCandle(['2023-10-01T00:00:00+05:30', 53.1, 53.95, 51.6, 52.05, 235519861, 75000], true), { t: 1696098600, o: 53.1, h: 53.95, l: 51.6, c: 52.05, v: 235519861, oi: 75000 });
  for (const bad of [null, [], ['x', 1, 2, 3, 4, 5], [1697708700, 1, 2, 3, 4, 5], ['2023-10-19T15:15:00+05:30', 'a', 2, 3, 4, 5], ['2023-10-19T15:15:00.500+05:30', 1, 2, 3, 4, 5]]) assert.equal(parseUpstoxCandle(bad, false), null, JSON.stringify(bad));
});

test('from the simulator: 5-minute candles over two months and today, paged, reversed into time order, each bucket once — the shared history exactly', async () => {
  const { sim, opts } = await simulator();
  const sbin = sim.listings.find((l) => l.ins.symbol === 'SBIN' && l.ins.exchange === 'NSE')!;
  const from = ist('2026-04-01T00:00:00');
  const pages: number[] = [];
  const got = await fetchUpstoxHistory({ ...opts, onPage: (p) => pages.push(p.page) }, sbin.key, '5m', from, NOW);
  assert.deepEqual(got, simHistoryCandles(sbin.ins, 5, from, NOW, NOW));
  assert.deepEqual(pages, [1, 2, 3, 4]);
  assert.ok(got.some((c) => c.t * 1000 >= ist('2026-06-03T09:15:00')), 'today’s, from the intraday endpoint');
  assert.equal(sim.hits.get(`/v3/historical-candle/intraday/${encodeURIComponent(sbin.key)}/minutes/5`), 1);
  // Daily, with open interest for a future.
  const fut = sim.listings.find((l) => l.ins.instrumentType === 'FUT' && l.ins.exchange === 'NFO')!;
  const days = await fetchUpstoxHistory({ ...opts, oi: true }, fut.key, '1d', ist('2026-05-01T00:00:00'), ist('2026-05-31T23:59:59'));
  assert.deepEqual(days.map((c) => [c.t, c.oi]), simHistoryCandles(fut.ins, 1440, ist('2026-05-01T00:00:00'), ist('2026-05-31T23:59:59'), NOW).map((c) => [c.t, 10_000 * fut.ins.lotSize]));
});

test('429 and 5xx are retried; 401 is TokenExpired and 400 an InputError, not retried; the simulator refuses a span past the unit’s limit', async () => {
  const { sim, opts } = await simulator();
  const key = sim.listings.find((l) => l.ins.symbol === 'INFY')!.key;
  const range = [ist('2026-05-25T00:00:00'), ist('2026-05-29T23:59:59')] as const;
  sim.failRest(1, 429, 'UDAPI10005', 'Too Many Request Sent');
  sim.failRest(1, 503, 'UDAPI100500', 'Something went wrong');
  const retries: number[] = [];
  const got = await fetchUpstoxHistory({ ...opts, onPage: (p) => retries.push(p.retries) }, key, '15m', ...range);
  assert.deepEqual([got.length > 0, retries], [true, [2]]);
  sim.failRest(1, 401, 'UDAPI100050', 'Invalid token used to access API');
  await assert.rejects(fetchUpstoxHistory(opts, key, '15m', ...range), (e) => e instanceof TokenExpired && /HTTP 401 UDAPI100050 .*log in again/.test(e.message));
  sim.failRest(1, 400, 'UDAPI100036', 'Invalid Input');
  await assert.rejects(fetchUpstoxHistory(opts, key, '15m', ...range), InputError);
  // Five attempts, then the network's error stands.
  sim.failRest(5, 502, 'UDAPI100500');
  await assert.rejects(fetchUpstoxHistory(opts, key, '15m', ...range), NetworkError);
  // Past the span: a month is the most for 1-minute candles.
  await assert.rejects(
    upstoxRequest(`${sim.root}/v3/historical-candle/${encodeURIComponent(key)}/minutes/1/2026-05-29/2026-03-01`, { headers: { Authorization: `Bearer ${opts.accessToken}` } }, 'x'),
    (e) => e instanceof InputError && /exceeds 1 month/.test(e.message),
  );
  // An expired token.
  const expired = sim.issueToken();
  sim.expireToken(expired);
  await assert.rejects(fetchUpstoxHistory({ ...opts, accessToken: expired }, key, '1d', ...range), TokenExpired);
});

test('the REST budget: requests spaced by the per-second rate, and held back when a window (a minute, 30 minutes) is full', async () => {
  let now = 1_000_000;
  const waits: number[] = [];
  const limiter = new UpstoxRateLimiter(
    10,
    [
      { ms: 60_000, max: 3 },
      { ms: 1_800_000, max: 5 },
    ],
    () => now,
    async (ms) => {
      waits.push(ms);
      now += ms;
    },
  );
  const at: number[] = [];
  for (let i = 0; i < 6; i++) {
    await limiter.take();
    at.push(now - 1_000_000);
  }
  // 100 ms apart; the 4th then waits for the minute's first turn to age out, the 5th for its
  // second, the 6th for the half hour's first.
  assert.deepEqual(at, [0, 100, 200, 60_000, 60_100, 1_800_000]);
  assert.deepEqual(waits, [100, 100, 100, 59_700, 100, 1_739_900]);
});
