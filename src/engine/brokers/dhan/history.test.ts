// Dhan charts against the REST simulator: 90-day intraday pages, daily with an exclusive toDate,
// column arrays, 429s retried; and the same contract's history agrees with Kite's.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { importDhanScripMaster } from '../../instruments/master';
import { DhanRestSimulator } from '../../sim/dhan/rest-server';
import { simHistoryCandles } from '../../sim/market/history';
import { KiteSimulator } from '../../sim/kite/server';
import { defaultUniverse } from '../../sim/market/market';
import { Journal } from '../../store/journal';
import { cleanupAfterEach } from '../../testing';
import { fetchKiteHistory } from '../kite/history';
import { RateLimiter } from '../rate-limit';
import { AuthError, TokenExpired } from '../errors';
import { bucketStart } from '../../../shared/model';
import { dhanHistoryPages, dhanInstrumentType, fetchDhanHistory } from './history';

const cleanups = cleanupAfterEach();
const IST = (s: string) => Date.parse(`${s}+05:30`);

test('pages: intraday by 90 days, a second apart; daily in one request with the day after as toDate', () => {
  const pages = dhanHistoryPages(IST('2026-01-01T00:00:00'), IST('2026-07-15T15:30:00'), '5m');
  assert.deepEqual(pages.map((p) => p.fromDate), ['2026-01-01 00:00:00', '2026-04-01 00:00:00', '2026-06-30 00:00:00']);
  assert.equal(pages[0].toDate, '2026-03-31 23:59:59');
  assert.equal(pages.at(-1)!.toDate, '2026-07-15 15:30:00');
  assert.deepEqual(dhanHistoryPages(IST('2020-01-01T00:00:00'), IST('2026-11-20T10:00:00'), '1d'), [{ fromDate: '2020-01-01', toDate: '2026-11-21' }]);
  assert.throws(() => dhanHistoryPages(0, 1, '3m'), /Dhan has no 3m candles/);
});

test('Dhan history from the scrip master instrument: complete, each bucket once, 429s retried, equal to Kite history of the same contract', async () => {
  const universe = defaultUniverse({ optionStrikes: 2 });
  const rest = new DhanRestSimulator({ instruments: universe, dataPerSecond: 1 });
  await rest.start();
  const kite = new KiteSimulator({ instruments: universe, ticksPerSecond: 1 });
  await kite.start();
  cleanups.push(() => rest.stop(), () => kite.stop());
  const j = new Journal(join(mkdtempSync(join(tmpdir(), 'tickdesk-dhanhist-')), 'j.sqlite'));
  cleanups.push(() => j.close());
  await importDhanScripMaster(j, { url: rest.scripMasterUrl });
  const fut = j.instruments().find((i) => i.broker === 'dhan' && i.segment === 'NSE_FNO' && !i.optionType)!;
  assert.equal(dhanInstrumentType(fut), 'FUTIDX');
  const infy = j.findInstrument('NSE:INFY', 'dhan')!;
  assert.equal(dhanInstrumentType(infy), 'EQUITY');
  assert.equal(dhanInstrumentType(j.findInstrument('NSE:NIFTY', 'dhan')!), 'INDEX');
  const token = rest.issueToken('SELF');
  const o = { clientId: rest.clientId, accessToken: token, apiRoot: rest.apiRoot, limiter: new RateLimiter(50), retryMs: 300 };
  // Seven 90-day pages sent back to back at one request a second allowed: at least three fall in
  // one second, so some must meet a 429 whichever way the second boundaries fall.
  const from = IST('2025-01-01T00:00:00');
  const to = IST('2026-08-28T23:59:59');
  let retries = 0;
  let pages = 0;
  const got = await fetchDhanHistory({ ...o, onPage: (p) => ((retries = p.retries), (pages = p.pages)) }, infy, '15m', from, to);
  assert.equal(pages, 7);
  assert.ok(rest.chartStats.rateLimited > 0 && retries > 0, 'pages went too fast for 1/s and were retried');
  const sim = universe.find((i) => i.symbol === 'INFY')!;
  assert.deepEqual(got, simHistoryCandles(sim, 15, from, to, Date.now()));
  // The same contract from Kite: the same candles (one exchange behind both brokers).
  const fromKite = await fetchKiteHistory({ restRoot: kite.restUrl, apiKey: kite.apiKey, accessToken: 'sim_access_token' }, String(sim.token), '15m', from, to);
  assert.deepEqual(got, fromKite);
  // 25 minutes (Dhan only): 15 bars a day from 09:15, where the live candle builder puts them.
  const quarter = await fetchDhanHistory(o, infy, '25m', IST('2026-11-19T00:00:00'), IST('2026-11-20T23:59:59'));
  assert.equal(quarter.length, 30, 'two days of 375 minutes');
  const hhmm = (c: { t: number }) => new Date(c.t * 1000 + 19_800_000).toISOString().slice(11, 16);
  assert.deepEqual([quarter[0], quarter[1], quarter[14], quarter[15]].map(hhmm), ['09:15', '09:40', '15:05', '09:15']);
  for (const c of quarter) assert.equal(bucketStart(c.t * 1000 + 1499_000, '25m'), c.t);
  // Daily: toDate exclusive, bars stamped 00:00 IST; a future's OI column comes along.
  const days = await fetchDhanHistory(o, fut, '1d', IST('2026-11-16T00:00:00'), IST('2026-11-20T00:00:00'));
  assert.equal(days.length, 5, 'Monday to Friday');
  assert.equal(new Date(days[0].t * 1000 + 19_800_000).toISOString().slice(11, 16), '00:00');
  assert.ok(days.every((d) => d.oi !== undefined));
  await assert.rejects(fetchDhanHistory({ ...o, accessToken: 'nope' }, infy, '1d', from, to), AuthError);
});

test('an expired token on the charts (HTTP 400 DH-906 "Invalid Token") is "log in again" at once, never retried', async () => {
  let now = Date.now();
  const universe = defaultUniverse({ optionStrikes: 2 });
  const rest = new DhanRestSimulator({ instruments: universe, now: () => now });
  await rest.start();
  cleanups.push(() => rest.stop());
  const j = new Journal(join(mkdtempSync(join(tmpdir(), 'tickdesk-dhanhist-')), 'j.sqlite'));
  cleanups.push(() => j.close());
  await importDhanScripMaster(j, { url: rest.scripMasterUrl });
  const token = rest.issueToken('SELF');
  now += 25 * 3600_000; // past the token's 24 hours
  const infy = j.findInstrument('NSE:INFY', 'dhan')!;
  await assert.rejects(
    fetchDhanHistory({ clientId: rest.clientId, accessToken: token, apiRoot: rest.apiRoot, retryMs: 10 }, infy, '1d', IST('2026-11-16T00:00:00'), IST('2026-11-20T00:00:00')),
    (e: Error) => e instanceof TokenExpired && /^Dhan historical .*: HTTP 400 DH-906 \(Invalid Token\): log in again$/.test(e.message),
  );
  assert.equal(rest.hits.get('/v2/charts/historical'), 1, 'no retry');
});
