// Yahoo history fetched from the simulated chart API: paged by each interval's span (1m: 8 days),
// cut to its lookback (1m: 30 days), null bars skipped, 429 waves retried with doubling waits,
// Yahoo's result:null errors onto the one hierarchy. The expected candles are read from the raw
// JSON the simulator sent for the same windows, so the test checks that nothing was lost,
// duplicated or misread across page boundaries.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Candle } from '../../../shared/model';
import { YahooSimulator } from '../../sim/yahoo/server';
import { cleanupAfterEach } from '../../testing';
import { InputError, NetworkError, RateLimited } from '../errors';
import { RateLimiter } from '../rate-limit';
import { BROWSER_USER_AGENT, YahooSession, yahooRoots } from './auth';
import { chartResultError, chartUrl, fetchYahooHistory, parseChart, YAHOO_HISTORY_INTERVALS, YAHOO_MAX_DAYS, type YahooHistoryOptions } from './history';
import { yahooGet } from './rest';

const cleanups = cleanupAfterEach();

/** Friday 27 Nov 2026, 12:00 IST: the market is open. */
const NOW = Date.UTC(2026, 10, 27, 6, 30);
const DAY = 86400_000;
/** 00:00 IST of a day `n` days before NOW's. */
const istMidnight = (n: number) => Date.UTC(2026, 10, 27 - n) - 19_800_000;

async function setup(nullBarRate = 0.05) {
  const sim = new YahooSimulator({ ticksPerSecond: 0, now: () => NOW, nullBarRate, chartPerSecond: 1000 });
  await sim.start();
  cleanups.push(() => sim.stop());
  const roots = yahooRoots(sim.restUrl);
  const pages: number[] = [];
  const sleeps: number[] = [];
  const o: YahooHistoryOptions = {
    restRoot: roots.rest,
    session: new YahooSession({ roots, crumb: false }),
    now: () => NOW,
    // No real waiting: the limiter's and the retries' sleeps are recorded instead.
    limiter: new RateLimiter(1000, Date.now, async () => {}),
    sleep: async (ms) => void sleeps.push(ms),
    onPage: (p) => pages.push(p.retries),
  };
  return { sim, o, pages, sleeps };
}

/** What the simulator sent for each window it was asked for, read from its raw JSON: non-null rows, prices on the paisa. */
async function servedRows(sim: YahooSimulator, interval: string) {
  const rows: Array<{ t: number; o: number; h: number; l: number; c: number; v: number }> = [];
  let nulls = 0;
  for (const w of sim.chartRequests.filter((r) => r.interval === interval)) {
    const url = `${sim.restUrl}/v8/finance/chart/${encodeURIComponent(w.symbol)}?period1=${w.period1}&period2=${w.period2}&interval=${interval}`;
    const { status, body } = await yahooGet(url, { 'User-Agent': BROWSER_USER_AGENT }, 'raw');
    assert.equal(status, 200);
    const r = JSON.parse(body).chart.result[0];
    assert.equal(r.meta.gmtoffset, 19800);
    const q = r.indicators.quote[0];
    (r.timestamp ?? []).forEach((t: number, i: number) => {
      if (q.close[i] === null) return void nulls++;
      const p = (v: number) => Math.round(v * 100) / 100;
      rows.push({ t, o: p(q.open[i]), h: p(q.high[i]), l: p(q.low[i]), c: p(q.close[i]), v: q.volume[i] });
    });
  }
  return { rows, nulls };
}

test('what the adapter offers: 1m/5m/15m/1h/1d, spans per request; 30m is refused (Yahoo may answer it with 60m bars)', async () => {
  assert.deepEqual(YAHOO_HISTORY_INTERVALS, ['1m', '5m', '15m', '1h', '1d']);
  assert.deepEqual(YAHOO_MAX_DAYS, { '1m': 8, '5m': 60, '15m': 60, '1h': 730 });
  const { o, sim } = await setup();
  await assert.rejects(fetchYahooHistory(o, 'INFY.NS', '30m', NOW - DAY, NOW), (e) => e instanceof InputError && /no 30m candles here \(it offers 1m, 5m, 15m, 1h, 1d\)/.test(e.message));
  assert.equal(sim.chartRequests.length, 0);
});

test('1m over 20 days: three contiguous requests of at most 8 days, every served bar once, null bars skipped', async () => {
  const { sim, o, pages } = await setup();
  const from = istMidnight(20);
  const got = await fetchYahooHistory(o, 'RELIANCE.NS', '1m', from, NOW);
  const asked = sim.chartRequests.map((r) => [r.period1, r.period2]);
  assert.deepEqual(asked, [
    [from / 1000, from / 1000 + 8 * 86400],
    [from / 1000 + 8 * 86400, from / 1000 + 16 * 86400],
    [from / 1000 + 16 * 86400, NOW / 1000 + 1],
  ]);
  assert.ok(sim.chartRequests.every((r) => r.interval === '1m' && r.crumb === undefined));
  const { rows, nulls } = await servedRows(sim, '1m');
  assert.ok(nulls > 20, `the simulator served null bars (${nulls})`);
  // 14 whole weekdays less two exchange holidays (Diwali Balipratipada on 10 Nov, Guru Nanak
  // Jayanti on 24 Nov): 12 days of 375 minutes, then Friday 09:15–12:00 IST (166 bars: 12:00 is forming).
  assert.equal(rows.length + nulls, 12 * 375 + 166);
  assert.deepEqual(got, rows satisfies Candle[]);
  for (let i = 1; i < got.length; i++) assert.ok(got[i].t > got[i - 1].t);
  assert.deepEqual(pages, [0, 0, 0]);
});

test('1m reaches back 30 days: an older start is cut to the lookback; a range wholly older is an InputError, not a request', async () => {
  const { sim, o } = await setup();
  const got = await fetchYahooHistory(o, 'INFY.NS', '1m', NOW - 45 * DAY, NOW);
  assert.equal(sim.chartRequests[0].period1, NOW / 1000 - 30 * 86400 + 60);
  assert.equal(sim.chartRequests.length, 4);
  assert.equal(sim.stats.chart.errors, 0, 'no request beyond what Yahoo keeps');
  assert.ok(got[0].t >= NOW / 1000 - 30 * 86400);
  await assert.rejects(fetchYahooHistory(o, 'INFY.NS', '1m', NOW - 60 * DAY, NOW - 40 * DAY), (e) => e instanceof InputError && /Yahoo keeps 1m candles for the last 30 days only/.test(e.message));
  assert.equal(sim.chartRequests.length, 4);
});

test('daily: one request; bars stamped at the 09:15 IST open land on their IST date; today\'s live row folds into today', async () => {
  const { sim, o } = await setup(0);
  const got = await fetchYahooHistory(o, '^NSEI', '1d', istMidnight(30), NOW);
  assert.equal(sim.chartRequests.length, 1);
  const { rows } = await servedRows(sim, '1d');
  // The live row: a second row for today, at the moment asked.
  assert.equal(rows.at(-1)!.t, NOW / 1000);
  assert.equal(rows.at(-2)!.t, istMidnight(0) / 1000 + 33300);
  const daily = rows.slice(0, -1).map((r) => ({ ...r, t: r.t - 33300 }));
  assert.deepEqual(got, daily);
  assert.equal(got.at(-1)!.t, istMidnight(0) / 1000);
  assert.equal(got.length, 21, 'the trading days from Wednesday 28 Oct to Friday 27 Nov: 23 weekdays less 10 and 24 Nov, holidays');
  assert.ok(got.every((c) => c.v === 0), 'an index has no volume');
});

test('429 waves: plain-text 429s retried with doubling waits, everyone held back; past the attempts, RateLimited', async () => {
  const { sim, o, sleeps, pages } = await setup();
  sim.rateLimitNext(3);
  const got = await fetchYahooHistory(o, 'TCS.NS', '5m', istMidnight(2), NOW);
  assert.ok(got.length > 0);
  assert.deepEqual(sleeps, [2000, 4000, 8000]);
  assert.deepEqual(pages, [3]);
  assert.equal(sim.stats.chart.rateLimited, 3);

  sim.rateLimitNext(10);
  await assert.rejects(fetchYahooHistory({ ...o, attempts: 3 }, 'TCS.NS', '5m', istMidnight(2), NOW), (e) => e instanceof RateLimited && e.message === 'Yahoo chart TCS.NS: too many requests (HTTP 429)');
});

test('result:null errors: a 500 is retried; "Not Found" (an unknown symbol) and a 422 are the caller\'s, not retried', async () => {
  const { sim, o, pages } = await setup();
  sim.failNext(2);
  assert.ok((await fetchYahooHistory(o, 'SBIN.NS', '15m', istMidnight(3), NOW)).length > 0);
  assert.deepEqual(pages, [2]);

  const before = sim.chartRequests.length;
  await assert.rejects(
    fetchYahooHistory(o, 'RELIANC.NS', '15m', istMidnight(3), NOW),
    (e) => e instanceof InputError && e.message === 'Yahoo chart RELIANC.NS: Not Found: No data found, symbol may be delisted',
  );
  assert.equal(sim.chartRequests.length, before + 1, 'asked once');

  sim.failNext(2, { status: 503, code: 'Service Unavailable', description: 'busy' });
  await assert.rejects(fetchYahooHistory({ ...o, attempts: 2 }, 'SBIN.NS', '15m', istMidnight(3), NOW), NetworkError);

  // Asked directly for more than Yahoo serves in one request: its 422, an InputError.
  const p2 = NOW / 1000;
  const { status, body } = await yahooGet(chartUrl({ symbol: 'SBIN.NS', interval: '1m', period1: p2 - 10 * 86400, period2: p2 }, `${sim.restUrl}/v8/finance/chart`), { 'User-Agent': BROWSER_USER_AGENT }, 'x');
  assert.equal(status, 422);
  const err = chartResultError(parseChart(status, body, '1m'), 'SBIN.NS')!;
  assert.ok(err instanceof InputError);
  assert.equal(err.message, 'Yahoo chart SBIN.NS: Unprocessable Entity: Only 8 days worth of 1m granularity data are allowed to be fetched per request.');
});
