// Kite historical candles: paging by each interval's span, the 3/s limiter, 429s retried, against
// the simulator whose history is a pure function of (instrument, minute).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { istDay } from '../../../shared/ist';
import { bucketStart, INTERVAL_SECONDS, type CandleInterval } from '../../../shared/model';
import { isTradingDay } from '../../../shared/nse-calendar';
import { simHistoryCandles } from '../../sim/market/history';
import { KiteSimulator, simHistoryPrice } from '../../sim/kite/server';
import { defaultUniverse } from '../../sim/market/market';
import { cleanupAfterEach } from '../../testing';
import { RateLimiter } from '../rate-limit';
import { TokenExpired } from '../errors';
import { fetchKiteHistory, kiteHistoryPages, kiteIstTime } from './history';

const cleanups = cleanupAfterEach();
const IST = (s: string) => Date.parse(`${s}+05:30`);

test('pages never exceed the span and never overlap; each ends a second before the next starts', () => {
  const from = IST('2026-01-01T09:15:00');
  const to = IST('2026-06-10T15:30:00');
  const pages = kiteHistoryPages(from, to, '1m');
  assert.equal(pages.length, 3);
  assert.equal(pages[0].from, from);
  assert.equal(pages.at(-1)!.to, to);
  for (const [i, p] of pages.entries()) {
    assert.ok(p.to - p.from <= 60 * 86400_000);
    if (i > 0) assert.equal(p.from, pages[i - 1].to + 1000);
  }
  assert.equal(kiteHistoryPages(from, to, '1d').length, 1);
  assert.equal(kiteHistoryPages(IST('2016-01-01T00:00:00'), IST('2026-01-01T00:00:00'), '1d').length, 2);
  assert.throws(() => kiteHistoryPages(from, to, '1s'), /Kite has no 1s candles/);
  assert.equal(kiteIstTime(IST('2026-11-20T09:15:00')), '2026-11-20 09:15:00');
});

test('the limiter spaces requests evenly and holds everyone back after a 429', async () => {
  let now = 0;
  const slept: number[] = [];
  const lim = new RateLimiter(3, () => now, async (ms) => {
    slept.push(ms);
    now += ms;
  });
  const at: number[] = [];
  for (let k = 0; k < 7; k++) {
    await lim.take();
    at.push(Math.round(now));
  }
  assert.deepEqual(at, [0, 333, 667, 1000, 1333, 1667, 2000]);
  lim.backOff(5000);
  await lim.take();
  assert.equal(Math.round(now), 7000);
});

test('150 days of minute candles in three pages: every trading minute once, values from the exchange history', async () => {
  const universe = defaultUniverse({ optionStrikes: 2 });
  const sim = new KiteSimulator({ instruments: universe, ticksPerSecond: 1 });
  await sim.start();
  cleanups.push(() => sim.stop());
  const infy = universe.find((i) => i.symbol === 'INFY')!;
  const from = IST('2026-03-02T00:00:00');
  const to = IST('2026-07-30T23:59:59');
  const pages: number[] = [];
  const candles = await fetchKiteHistory({ restRoot: sim.restUrl, apiKey: sim.apiKey, accessToken: 'sim_access_token', onPage: (p) => pages.push(p.page) }, String(infy.token), '1m', from, to);
  assert.deepEqual(pages, [1, 2, 3]);
  // NSE's trading days: weekdays less its holidays (eight in this range: Holi, Ram Navami, …).
  let tradingDays = 0;
  for (let d = from; d < to; d += 86400_000) if (isTradingDay(istDay(d))) tradingDays++;
  assert.equal(candles.length, tradingDays * 375, '09:15–15:30: 375 minutes a trading day');
  for (let i = 1; i < candles.length; i++) assert.ok(candles[i].t > candles[i - 1].t, 'strictly increasing: no bucket twice');
  // Page boundaries fall inside the range: the minutes around them are all there.
  for (const c of [candles[0], candles[20_000], candles.at(-1)!]) {
    const minute = c.t / 60;
    // A day's first minute (09:15) opens at the pre-open auction's 09:08 equilibrium price.
    const opensAt = c === candles[0] ? minute - 7 : minute;
    assert.equal(c.o, simHistoryPrice(infy.token, infy.basePrice, infy.tickSize, opensAt));
    assert.equal(c.c, simHistoryPrice(infy.token, infy.basePrice, infy.tickSize, minute + 1));
  }
  assert.equal(sim.historicalStats.served, 3);
});

test('under 429s (a limiter set too fast) every page is retried and the result is complete; a 403 is log in again', async () => {
  const universe = defaultUniverse({ optionStrikes: 2 });
  // One request a second: any two pages in the same second meet a 429.
  const sim = new KiteSimulator({ instruments: universe, ticksPerSecond: 1, historicalPerSecond: 1 });
  await sim.start();
  cleanups.push(() => sim.stop());
  const rel = universe.find((i) => i.symbol === 'RELIANCE' && i.exchange === 'NSE')!;
  const base = { restRoot: sim.restUrl, apiKey: sim.apiKey, accessToken: 'sim_access_token' };
  // Seven pages sent back to back: at least three fall in one second, so some must meet a 429
  // whichever way the second boundaries fall.
  const from = IST('2023-01-01T00:00:00');
  const to = IST('2026-10-30T00:00:00');
  let retries = 0;
  const fast = await fetchKiteHistory({ ...base, limiter: new RateLimiter(50), retryMs: 300, onPage: (p) => (retries = p.retries) }, String(rel.token), '15m', from, to);
  assert.ok(sim.historicalStats.rateLimited > 0, 'the simulator refused some requests');
  assert.ok(retries > 0);
  // Complete: exactly the exchange's history, each bucket once.
  const want = simHistoryCandles(rel, 15, from, to, Date.now());
  assert.deepEqual(fast, want);
  await assert.rejects(fetchKiteHistory({ ...base, accessToken: 'expired' }, String(rel.token), '1d', from, to), TokenExpired);
});

test('10-, 30- and 60-minute candles count from the 09:15 open, as the live candles do: the seam lines up', async () => {
  const universe = defaultUniverse({ optionStrikes: 2 });
  const sim = new KiteSimulator({ instruments: universe, ticksPerSecond: 1 });
  await sim.start();
  cleanups.push(() => sim.stop());
  const infy = universe.find((i) => i.symbol === 'INFY')!;
  const o = { restRoot: sim.restUrl, apiKey: sim.apiKey, accessToken: 'sim_access_token' };
  const day = (iv: CandleInterval) => fetchKiteHistory(o, String(infy.token), iv, IST('2026-11-20T00:00:00'), IST('2026-11-20T23:59:59'));
  const hhmm = (c: { t: number }) => new Date(c.t * 1000 + 19_800_000).toISOString().slice(11, 16);
  const ten = await day('10m');
  assert.equal(ten.length, 38, '375 minutes: 37 full bars and 15:25–15:30');
  assert.deepEqual(ten.slice(0, 3).map(hhmm), ['09:15', '09:25', '09:35']);
  assert.equal(hhmm(ten.at(-1)!), '15:25');
  assert.deepEqual((await day('30m')).slice(0, 2).map(hhmm), ['09:15', '09:45']);
  const hours = await day('1h');
  assert.deepEqual(hours.map(hhmm), ['09:15', '10:15', '11:15', '12:15', '13:15', '14:15', '15:15']);
  // Each bar is where the live candle builder puts the ticks of its first and last second.
  for (const [iv, bars] of [['10m', ten], ['1h', hours]] as const)
    for (const c of bars) {
      assert.equal(bucketStart(c.t * 1000, iv), c.t);
      assert.equal(bucketStart(c.t * 1000 + INTERVAL_SECONDS[iv] * 1000 - 1, iv), c.t);
    }
});
