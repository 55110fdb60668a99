// Fyers history against the simulator: paged by span, each candle as the shared history model
// makes it, open interest for derivatives, no_data, 429s retried under the app's budget, and
// refusals mapped onto the error hierarchy.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { simHistoryCandles } from '../../sim/market/history';
import { defaultUniverse } from '../../sim/market/market';
import { FyersSimulator } from '../../sim/fyers/server';
import { cleanupAfterEach } from '../../testing';
import { AuthError, InputError, RateLimited, TokenExpired } from '../errors';
import { RateLimiter } from '../rate-limit';
import { fetchFyersHistory, fyersHistoryPages, type FyersHistoryOptions } from './history';
import { FyersRateLimiter, fyersRequest } from './rest';

const cleanups = cleanupAfterEach();
const DAY = 86400_000;
/** 2026-06-01 00:00 IST. */
const JUNE = Date.parse('2026-06-01T00:00:00+05:30');

async function setup(opts: ConstructorParameters<typeof FyersSimulator>[0] = {}) {
  const sim = new FyersSimulator({ ticksPerSecond: 0, instruments: defaultUniverse({ optionStrikes: 2 }), ...opts });
  await sim.start();
  cleanups.push(() => sim.stop());
  const { accessToken } = sim.issueToken();
  const o: FyersHistoryOptions = { dataRoot: `${sim.root}/data`, appId: sim.appId, accessToken, limiter: new FyersRateLimiter(), retryMs: 20 };
  return { sim, accessToken, o };
}

test('pages: at most 60 days intraday and 300 daily, each ending a second before the next; intervals Fyers lacks are refused', () => {
  const to = JUNE + 150 * DAY - 1000;
  assert.deepEqual(fyersHistoryPages(JUNE, to, '1m'), [
    { from: JUNE, to: JUNE + 60 * DAY - 1000 },
    { from: JUNE + 60 * DAY, to: JUNE + 120 * DAY - 1000 },
    { from: JUNE + 120 * DAY, to },
  ]);
  assert.equal(fyersHistoryPages(JUNE, JUNE + 365 * DAY, '1d').length, 2);
  assert.equal(fyersHistoryPages(JUNE, JUNE + 299 * DAY, '1d').length, 1);
  assert.throws(() => fyersHistoryPages(JUNE, to, '1s'), (e) => e instanceof InputError && /Fyers has no 1s candles \(it offers 1m, 3m, 5m, 10m, 15m, 30m, 1h, 1d\)/.test(e.message));
  assert.throws(() => fyersHistoryPages(JUNE, to, '25m'), InputError);
});

test('75 days of 1m candles: two requests, every candle as the market’s history has it, in order, each once', async () => {
  const { sim, o } = await setup();
  const from = JUNE;
  const to = JUNE + 75 * DAY;
  const pages: number[] = [];
  const got = await fetchFyersHistory({ ...o, onPage: (p) => pages.push(p.page) }, 'NSE:SBIN-EQ', '1m', from, to);
  assert.deepEqual(pages, [1, 2]);
  assert.equal(sim.hits.get('/data/history'), 2);
  const ins = sim.listing('NSE:SBIN-EQ')!.ins;
  assert.deepEqual(got, simHistoryCandles(ins, 1, from, to, Date.now()));
  assert.equal(got.length, 54 * 375, '55 weekdays (June 1 is a Monday) less Muharram on 26 June: 54 trading days of 375 minutes');
});

test('daily candles with open interest for a future; a weekend range is no_data, not an error', async () => {
  const { sim, o } = await setup();
  const fut = sim.listings.find((l) => l.ins.instrumentType === 'FUT' && l.ins.exchange === 'NFO')!;
  const got = await fetchFyersHistory({ ...o, oi: true }, fut.ticker, '1d', JUNE, JUNE + 14 * DAY - 1000);
  assert.equal(got.length, 10);
  assert.deepEqual(got[0], { ...simHistoryCandles(fut.ins, 1440, JUNE, JUNE + DAY, Date.now())[0], oi: 10_000 * fut.ins.lotSize });
  // 2026-06-06/07 is a weekend.
  assert.deepEqual(await fetchFyersHistory(o, 'NSE:SBIN-EQ', '5m', JUNE + 5 * DAY, JUNE + 7 * DAY - 1000), []);
});

test('429s beyond the app’s budget are retried (and counted); with no retries left they are RateLimited', async () => {
  const { sim, o } = await setup({ restPerSecond: 2 });
  const retries: number[] = [];
  // A limiter looser than the server's budget (another app on the same key, say).
  const got = await fetchFyersHistory({ ...o, limiter: new RateLimiter(50), retryMs: 300, onPage: (p) => retries.push(p.retries) }, 'NSE:INFY-EQ', '15m', JUNE, JUNE + 200 * DAY);
  assert.equal(retries.length, 4);
  assert.ok(retries.at(-1)! > 0 && sim.stats.rateLimited === retries.at(-1), `${retries} ${sim.stats.rateLimited}`);
  assert.equal(got.at(-1)!.t, simHistoryCandles(sim.listing('NSE:INFY-EQ')!.ins, 15, JUNE, JUNE + 200 * DAY, Date.now()).at(-1)!.t);
  await new Promise((r) => setTimeout(r, 1100));
  await assert.rejects(
    Promise.all([1, 2, 3].map(() => fetchFyersHistory({ ...o, limiter: new RateLimiter(1000), attempts: 1 }, 'NSE:INFY-EQ', '1d', JUNE, JUNE + DAY))),
    (e) => e instanceof RateLimited && /HTTP 429 \(request limit reached\)/.test(e.message),
  );
});

test('refusals: an expired token is TokenExpired (-8), another app’s AuthError (-15), an unknown symbol InputError (-300), a span past Fyers’ cap InputError (-50)', async () => {
  const { sim, accessToken, o } = await setup();
  await assert.rejects(fetchFyersHistory(o, 'NSE:NOSUCH-EQ', '1m', JUNE, JUNE + DAY), (e) => e instanceof InputError && /HTTP 400 -300 \(Invalid symbol\)/.test(e.message));
  const url = `${sim.root}/data/history?symbol=NSE:SBIN-EQ&resolution=1&date_format=0&range_from=${JUNE / 1000}&range_to=${JUNE / 1000 + 120 * 86400}&cont_flag=1`;
  await assert.rejects(fyersRequest(url, { headers: { Authorization: `${sim.appId}:${accessToken}` } }, 'raw'), (e) => e instanceof InputError && /range exceeds 100 days/.test(e.message));
  sim.expireToken(accessToken);
  await assert.rejects(fetchFyersHistory(o, 'NSE:SBIN-EQ', '1m', JUNE, JUNE + DAY), (e) => e instanceof TokenExpired && /HTTP 401 -8 .*: log in again$/.test(e.message));
  await assert.rejects(fetchFyersHistory({ ...o, appId: 'OTHER-100' }, 'NSE:SBIN-EQ', '1m', JUNE, JUNE + DAY), (e) => e instanceof AuthError && !(e instanceof TokenExpired) && /HTTP 401 -15 \(Could not authenticate the user\)/.test(e.message));
});

test('the budget: 10 a second spaced evenly, and never more than 200 in any minute', async () => {
  let now = 0;
  const turns: number[] = [];
  const limiter = new FyersRateLimiter(10, 200, () => now, async (ms) => void (now += ms));
  for (let i = 0; i < 230; i++) {
    await limiter.take();
    turns.push(now);
  }
  assert.deepEqual(turns.slice(0, 3), [0, 100, 200]);
  assert.equal(turns[199], 19_900);
  // The 201st waits for the first to leave the minute.
  assert.equal(turns[200], 60_000);
  for (let i = 200; i < turns.length; i++) assert.ok(turns[i] - turns[i - 200] >= 60_000, String(i));
});
