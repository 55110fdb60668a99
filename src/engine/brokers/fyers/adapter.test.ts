// The Fyers adapter as the engine uses it: registered at run time against the simulated venue
// (sim/fyers/venue.ts), the real Recorder records its feed for ~2 s (the symbol masters imported
// through the shared import, tickers mapped with symbol-token, ticks with depth in the journal), the
// history comes in through openHistory and the recording's own source and is charted by the Engine
// API's getCandles, and the capture decodes with `tickdesk decode fyers` to what was recorded.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Requests } from '../../../shared/api';
import type { PageInterest } from '../../api/page';
import { EngineService } from '../../api/service';
import { encodeCaptureRecord } from '../../capture/capture';
import { decodeCommand } from '../../cli/decode';
import { storeContext } from '../../instruments/store-context';
import { Recorder } from '../../recorder';
import { FyersSimulator } from '../../sim/fyers/server';
import { FyersVenue, fyersSimVenue } from '../../sim/fyers/venue';
import { simHistoryCandles } from '../../sim/market/history';
import { defaultUniverse } from '../../sim/market/market';
import { captureOutput, cleanupAfterEach, until } from '../../testing';
import { findBroker } from '../registry';
import { fyersSession } from './auth';
import { encodeDataFrame, toWireValues } from './codec';
import { fyersAdapter } from './index';

const cleanups = cleanupAfterEach();
const DAY = 86400_000;


/** stdout and stderr of `tickdesk decode` as text. */
async function decode(args: string[]): Promise<{ out: string; err: string }> {
  const r = await captureOutput(() => decodeCommand(args));
  assert.equal(r.code, 0);
  return r;
}

test('capabilities as data: modes, no deeper depth feed, resolutions with their spans and rate, logins; simulated = none', () => {
  const real = fyersAdapter();
  assert.deepEqual(real.has, {
    live: { modes: ['ltp', 'quote', 'full'], maxInstruments: 5000, all: false },
    depth: [],
    history: {
      intervals: ['1m', '3m', '5m', '10m', '15m', '30m', '1h', '1d'],
      maxDaysPerRequest: { '1m': 60, '3m': 60, '5m': 60, '10m': 60, '15m': 60, '30m': 60, '1h': 60, '1d': 300 },
      ratePerSecond: 10,
    },
    master: true,
    login: ['oauth-popup', 'loopback'],
  });
  assert.equal(real.auth.tokenEnv, 'FYERS_ACCESS_TOKEN');
  assert.equal(real.auth.expiry(Date.now()), undefined, 'the JWT says');
  assert.deepEqual(Object.keys(real.captures!), ['fyers']);
  assert.ok(real.desktop);
  const sim = fyersAdapter({ id: 'sim-fyers', venue: fyersSimVenue });
  assert.deepEqual([sim.simulated, sim.has.login, sim.has.live.all, sim.captures, sim.desktop], [true, ['none'], true, undefined, undefined]);
  // A saved session is adopted only for its own app.
  const s = { broker: 'fyers', apiKey: 'XJ12345-100', accessToken: 't', loginAt: 0, expiresAt: 1 };
  assert.deepEqual(real.auth.adopt({}, s), { apiKey: 'XJ12345-100', accessToken: 't' });
  assert.equal(real.auth.adopt({ apiKey: 'OTHER-100' }, s), null);
  // A Kite api key filled in by the command line is no Fyers app id: it does not stand in the way.
  assert.deepEqual(real.auth.adopt({ apiKey: 'kitekey123' }, s), { apiKey: 'XJ12345-100', accessToken: 't' });
});

test('recorded through the real Recorder: masters, symbol-token, full ticks with depth; history charted; the capture decodes to what was recorded', { timeout: 30_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tickdesk-fyers-rec-'));
  const capturePath = join(dir, 'fyers.capture');
  const universe = defaultUniverse({ optionStrikes: 2 });
  const fut = universe.find((u) => u.instrumentType === 'FUT' && u.exchange === 'NFO')!;
  const rec = new Recorder({
    broker: 'sim-fyers',
    journalPath: join(dir, 'j.sqlite'),
    instruments: ['NSE:SBIN-EQ', 'NSE:NIFTY50-INDEX', `NFO:${fut.symbol}`],
    mode: 'full',
    flushMs: 20,
    capturePath,
    sim: { ticksPerSecond: 3000, seed: 11, instruments: universe },
  });
  cleanups.push(() => rec.stop());
  await rec.start();
  const j = rec.journal;
  const sbin = rec.adapter.resolve(j, 'NSE:SBIN-EQ')!;
  const nifty = rec.adapter.resolve(j, 'NSE:NIFTY 50')!;
  const future = rec.adapter.resolve(j, `NSE:${fut.symbol}`)!;
  assert.deepEqual(
    [sbin.token, sbin.exchange, sbin.symbol, nifty.token, nifty.segment, future.exchange, future.expiry, future.lotSize],
    ['NSE:SBIN-EQ', 'NSE', 'SBIN', 'NSE:NIFTY50-INDEX', 'INDICES', 'NFO', fut.expiry, fut.lotSize],
  );
  assert.equal(j.instruments().filter((i) => i.broker === 'fyers').length, universe.length - 1, 'every segment file but BSE_CD');
  await until(() => [sbin, nifty, future].every((i) => j.countTicks(i.id) >= 5), 'ticks of all three', 10_000);
  await new Promise((r) => setTimeout(r, 1500));
  const stats = rec.stats();
  assert.deepEqual([stats.instruments, stats.malformedFrames, stats.rejected, stats.state], [3, 0, 0, 'connected']);

  const now = Date.now();
  const sbinTicks = j.ticks(sbin.id, now - 60_000, now + 60_000);
  const last = sbinTicks.at(-1)!;
  assert.ok(last.depth5 && last.depth5.length === 30, 'five levels from the dp topic');
  assert.ok(last.bid! > 0 && last.ask! > last.bid!);
  assert.ok(sbinTicks.every((t, k) => k === 0 || t.volume! >= sbinTicks[k - 1].volume!), 'cumulative volume');
  assert.ok(Math.abs(Math.round(last.ltp / 0.05) * 0.05 - last.ltp) < 1e-9, 'on the tick');
  const futTicks = j.ticks(future.id, now - 60_000, now + 60_000);
  assert.ok(futTicks.some((t) => t.oi! > 0), 'open interest for the future');
  assert.ok(j.ticks(nifty.id, now - 60_000, now + 60_000).every((t) => t.volume === undefined || t.volume === null));

  // History through the adapter's own venue, and through the recording's source.
  const stops: Array<() => Promise<void>> = [];
  cleanups.push(async () => {
    for (const s of stops) await s();
  });
  const from = Date.parse('2026-06-01T00:00:00+05:30');
  const to = from + 3 * DAY - 1000;
  const job = await findBroker('sim-fyers')!.openHistory(storeContext(j), { ref: 'NSE:SBIN-EQ', credentials: {} }, stops);
  assert.equal(job.ins.id, sbin.id);
  const expected = simHistoryCandles(universe.find((u) => u.symbol === 'SBIN' && u.exchange === 'NSE')!, 5, from, to, Date.now());
  assert.deepEqual(await job.run({ instrument: job.ins, interval: '5m', from, to }), { candles: expected.length, first: expected[0].t, last: expected.at(-1)!.t });
  const daily = await rec.history!.backfill({ instrument: future, interval: '1d', from, to: from + 10 * DAY });
  assert.equal(daily.candles, 9);
  await assert.rejects(rec.history!.backfill({ instrument: sbin, interval: '25m', from, to }), /Fyers has no 25m candles/);

  const service = new EngineService(rec);
  service.start();
  cleanups.push(() => service.stop());
  const bars = await service.call({} as PageInterest, 'getCandles', Requests.getCandles.parse({ instrumentId: sbin.id, interval: '5m', from, to }));
  assert.deepEqual(bars, expected);

  await rec.stop();
  const { out, err } = await decode(['fyers', capturePath]);
  const lines = out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const sbinLines = lines.filter((l) => l.topic === 'sf|nse_cm|3045');
  const ltps = new Set(sbinLines.map((l) => l.ltp));
  for (const t of sbinTicks) assert.ok(ltps.has(t.ltp), `recorded ltp ${t.ltp} is in the capture`);
  assert.deepEqual(Object.keys(sbinLines[0]).slice(0, 9), ['topic', 'kind', 'item', 'token', 'symbol', 'ltp', 'ltq', 'atp', 'volume']);
  assert.deepEqual([sbinLines[0].item, sbinLines[0].token, sbinLines[0].symbol], ['snapshot', '3045', 'SBIN-EQ']);
  const dp = lines.find((l) => l.topic === 'dp|nse_cm|3045' && l.item === 'update')!;
  assert.equal((dp.bids as unknown[]).length, 5);
  assert.deepEqual(Object.keys((dp.bids as object[])[0]), ['price', 'qty', 'orders']);
  assert.ok(lines.some((l) => l.kind === 'if' && typeof l.ltp === 'number'));
  assert.match(err, /^decoded \d+ frames: \d+ quotes, 3 control frames, 0 malformed, 0 of unknown topics\n$/);
});

test('`tickdesk decode fyers FILE`: quotes of hand-made frames, topic ids bound by the captured snapshot, damage counted', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'tickdesk-fyers-capture-')), 'f.capture');
  const T = Date.UTC(2026, 11, 1, 4, 0);
  const values = toWireValues('sf', { ltp: 812.35, volTradedToday: 1200, exchFeedTime: T / 1000, lastTradedQty: 5, bidPrice: 812.3, bidSize: 40, askPrice: 812.4, askSize: 25, prevClosePrice: 805 }, 100);
  const snapshot = encodeDataFrame(1, [{ item: 'snapshot', topicId: 7, topic: 'sf|nse_cm|3045', values, multiplier: 1, precision: 2, exchange: 'nse_cm', exchangeToken: '3045', symbol: 'SBIN-EQ' }]);
  const lite = encodeDataFrame(2, [{ item: 'lite', topicId: 7, ltp: 81240 }]);
  writeFileSync(path, Buffer.concat([encodeCaptureRecord(T, snapshot), encodeCaptureRecord(T + 5, Buffer.from([0, 9, 6, 1])), encodeCaptureRecord(T + 10, lite)]));
  const { out, err } = await decode(['fyers', path]);
  const [a, b] = out.trim().split('\n').map((l) => JSON.parse(l));
  const iso = new Date(T).toISOString();
  assert.deepEqual(a, {
    topic: 'sf|nse_cm|3045',
    kind: 'sf',
    item: 'snapshot',
    token: '3045',
    symbol: 'SBIN-EQ',
    ltp: 812.35,
    ltq: 5,
    atp: null,
    volume: 1200,
    oi: null,
    totalBuyQty: null,
    totalSellQty: null,
    open: null,
    high: null,
    low: null,
    close: 805,
    lastTradeTime: null,
    tsExchange: iso,
    tsReceived: iso,
    bids: [{ price: 812.3, qty: 40, orders: null }],
    asks: [{ price: 812.4, qty: 25, orders: null }],
  });
  assert.deepEqual([b.item, b.ltp, b.volume, b.tsReceived], ['lite', 812.4, 1200, new Date(T + 10).toISOString()]);
  assert.equal(err, 'decoded 3 frames: 2 quotes, 0 control frames, 1 malformed, 0 of unknown topics\n');
});

test('the real adapter on the simulator’s hosts: a refused token → login needed; a new session of the same app resumes feed and history', { timeout: 20_000 }, async () => {
  const sim = new FyersSimulator({ ticksPerSecond: 2000, seed: 4, instruments: defaultUniverse({ optionStrikes: 2 }) });
  await sim.start();
  cleanups.push(() => sim.stop());
  const { accessToken } = sim.issueToken();
  const dir = mkdtempSync(join(tmpdir(), 'tickdesk-fyers-real-'));
  const rec = new Recorder({ broker: 'fyers', journalPath: join(dir, 'j.sqlite'), instruments: ['NSE:SBIN'], mode: 'quote', apiKey: sim.appId, accessToken, restRoot: sim.root, wsRoot: sim.wsUrl, flushMs: 20 });
  cleanups.push(() => rec.stop());
  await rec.start();
  const sbin = rec.adapter.resolve(rec.journal, 'NSE:SBIN-EQ')!;
  await until(() => rec.journal.countTicks(sbin.id) > 3, 'ticks');
  assert.ok(rec.loginTarget, 'a real broker can log in again from the UI');

  sim.revokeToken(accessToken);
  await until(() => rec.stats().state === 'login-needed', 'login needed');
  assert.ok(rec.notices.some((n) => /^login needed \(fyers\): Fyers refused the token on the data socket \(11001\)/.test(n)), rec.notices.join('\n'));
  await assert.rejects(rec.history!.backfill({ instrument: sbin, interval: '1d', from: Date.now() - 5 * DAY, to: Date.now() }), /HTTP 401 -15 .*: log in again/);

  const fresh = sim.issueToken().accessToken;
  assert.equal(rec.useSession(fyersSession('OTHER-100', fresh)), false, 'another app’s session is not this recording’s');
  assert.equal(rec.useSession(fyersSession(sim.appId, fresh)), true);
  const n = rec.journal.countTicks(sbin.id);
  await until(() => rec.stats().state === 'connected' && rec.journal.countTicks(sbin.id) > n + 3, 'ticks with the new token');
  const res = await rec.history!.backfill({ instrument: sbin, interval: '1d', from: Date.parse('2026-06-01T00:00:00+05:30'), to: Date.parse('2026-06-05T23:59:59+05:30') });
  assert.equal(res.candles, 5);
});

test('a venue of its own: the simulated Fyers starts with a token its REST and socket take, and stops', async () => {
  const venue = fyersSimVenue({ ticksPerSecond: 0, seed: 1 });
  assert.ok(venue instanceof FyersVenue);
  const { roots, credentials } = await venue.start();
  cleanups.push(() => venue.stop());
  assert.match(roots.ws, /^ws:\/\/127\.0\.0\.1:\d+\/hsm\/v1-5\/prod$/);
  assert.equal(credentials.apiKey, venue.simulator.appId);
  const res = await fetch(`${roots.rest}/api/v3/profile`, { headers: { Authorization: `${credentials.apiKey}:${credentials.accessToken}` } });
  assert.deepEqual(await res.json(), { s: 'ok', code: 200, message: '', data: { fy_id: 'XS00001', name: 'SIM TRADER', display_name: 'SIM TRADER' } });
});
