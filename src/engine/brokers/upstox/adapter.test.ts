// The Upstox adapter as the engine uses it: registered at run time against the simulated venue
// (sim/upstox/venue.ts), the real Recorder records its feed for ~2 s (the instrument file imported
// through the shared import, full ticks with 5 levels, the 30-level book as depth snapshots, an
// index and a future), the history comes in through openHistory and the recording's own source and
// is charted by the Engine API's getCandles, and the capture decodes with `tickdesk decode upstox`
// to what was recorded. Then the real adapter on the simulator's hosts: an expired token → login
// needed → a new session of the same user resumes feed and history.
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
import { simHistoryCandles } from '../../sim/market/history';
import { defaultUniverse } from '../../sim/market/market';
import { UpstoxSimulator } from '../../sim/upstox/server';
import { UpstoxVenue, upstoxSimVenue } from '../../sim/upstox/venue';
import { captureOutput, cleanupAfterEach, until } from '../../testing';
import { findBroker } from '../registry';
import { upstoxExpiry, upstoxSession } from './auth';
import { encodeFeedResponse, type Feed, type MarketFullFeed } from './codec';
import { upstoxAdapter } from './index';

const cleanups = cleanupAfterEach();
const DAY = 86400_000;


/** stdout and stderr of `tickdesk decode` as text. */
async function decode(args: string[]): Promise<{ out: string; err: string }> {
  const r = await captureOutput(() => decodeCommand(args));
  assert.equal(r.code, 0);
  return r;
}

test('capabilities as data: modes, the 30-level book, v3 intervals with their spans and rate, logins; simulated = none', () => {
  const real = upstoxAdapter();
  assert.deepEqual(real.has, {
    live: { modes: ['ltp', 'quote', 'full'], maxInstruments: 5000, all: false },
    depth: [{ levels: 30, maxInstruments: 50 }],
    history: {
      intervals: ['1m', '3m', '5m', '10m', '15m', '25m', '30m', '1h', '1d'],
      maxDaysPerRequest: { '1m': 28, '3m': 28, '5m': 28, '10m': 28, '15m': 28, '25m': 89, '30m': 89, '1h': 89, '1d': 3650 },
      ratePerSecond: 10,
    },
    master: true,
    login: ['oauth-popup', 'loopback', 'pasted-token'],
  });
  assert.deepEqual([real.auth.tokenEnv, real.auth.env], ['UPSTOX_ACCESS_TOKEN', { apiKey: 'UPSTOX_API_KEY', apiSecret: 'UPSTOX_API_SECRET' }]);
  const at = Date.parse('2026-06-03T02:30:00+05:30');
  assert.equal(real.auth.expiry(at), Date.parse('2026-06-03T03:30:00+05:30'));
  assert.deepEqual(Object.keys(real.captures!), ['upstox']);
  assert.ok(real.desktop && real.form!.credentials.some((c) => c.key === 'accessToken'));
  const sim = upstoxAdapter({ id: 'sim-upstox', venue: upstoxSimVenue });
  assert.deepEqual([sim.simulated, sim.has.login, sim.has.live.all, sim.captures, sim.desktop], [true, ['none'], true, undefined, undefined]);
  // A saved session is adopted only for its own user (and app, where both name one).
  const s = { broker: 'upstox', apiKey: 'app1', clientId: '7AB123', accessToken: 't', loginAt: 0, expiresAt: 1 };
  assert.deepEqual(real.auth.adopt({}, s), { apiKey: 'app1', clientId: '7AB123', accessToken: 't' });
  assert.equal(real.auth.adopt({ clientId: '7ZZ999' }, s), null);
  assert.equal(real.auth.adopt({ apiKey: 'app2' }, s), null);
  assert.deepEqual(real.auth.adopt({ apiKey: 'app2' }, { ...s, apiKey: undefined }), { apiKey: 'app2', clientId: '7AB123', accessToken: 't' }, 'an analytics token belongs to no app');
});

test('recorded through the real Recorder: the instrument file, full ticks, the 30-level book as depth snapshots; history charted; the capture decodes to what was recorded', { timeout: 30_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tickdesk-upstox-rec-'));
  const capturePath = join(dir, 'upstox.capture');
  const universe = defaultUniverse({ optionStrikes: 2 });
  const fut = universe.find((u) => u.instrumentType === 'FUT' && u.exchange === 'NFO')!;
  // The future as Upstox's file names it: NIFTY FUT 24 DEC 26.
  const [y, m, d] = fut.expiry!.split('-');
  const futSymbol = `NIFTY FUT ${d} ${['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'][Number(m) - 1]} ${y.slice(2)}`;
  const rec = new Recorder({
    broker: 'sim-upstox',
    journalPath: join(dir, 'j.sqlite'),
    instruments: ['NSE:SBIN', 'NSE:NIFTY 50', `NFO:${futSymbol}`],
    mode: 'full',
    depth: 30,
    flushMs: 20,
    capturePath,
    sim: { ticksPerSecond: 3000, seed: 11, instruments: universe },
  });
  cleanups.push(() => rec.stop());
  await rec.start();
  const j = rec.journal;
  const sbin = rec.adapter.resolve(j, 'NSE:SBIN')!;
  const nifty = rec.adapter.resolve(j, 'NSE:NIFTY')!;
  const future = rec.adapter.resolve(j, `NFO:${futSymbol}`)!;
  assert.deepEqual(
    [sbin.exchange, sbin.symbol, sbin.tickSize, nifty.token, nifty.segment, nifty.symbol, future.exchange, future.expiry, future.lotSize, future.underlying],
    ['NSE', 'SBIN', 0.05, 'NSE_INDEX|Nifty 50', 'INDICES', 'NIFTY 50', 'NFO', fut.expiry, fut.lotSize, 'NIFTY'],
  );
  assert.match(sbin.token, /^NSE_EQ\|INE[0-9A-Z]{6}010$/);
  await until(() => [sbin, nifty, future].every((i) => j.countTicks(i.id) >= 5), 'ticks of all three', 10_000);
  await new Promise((r) => setTimeout(r, 1500));
  const stats = rec.stats();
  assert.deepEqual([stats.instruments, stats.malformedFrames, stats.rejected, stats.state], [3, 0, 0, 'connected']);

  const now = Date.now();
  const sbinTicks = j.ticks(sbin.id, now - 60_000, now + 60_000);
  const last = sbinTicks.at(-1)!;
  assert.ok(last.depth5 && last.depth5.length === 30, 'five levels with every full tick');
  assert.ok(last.bid! > 0 && last.ask! > last.bid!);
  assert.ok(sbinTicks.every((t, k) => k === 0 || t.volume! >= sbinTicks[k - 1].volume!), 'cumulative volume');
  assert.ok(Math.abs(Math.round(last.ltp / 0.05) * 0.05 - last.ltp) < 1e-9, 'on the tick');
  assert.ok(j.ticks(future.id, now - 60_000, now + 60_000).some((t) => t.oi! > 0), 'open interest for the future');
  assert.ok(j.ticks(nifty.id, now - 60_000, now + 60_000).every((t) => t.volume === undefined || t.volume === null), 'an index has no volume');
  // The 30-level book: both sides as depth snapshots, for the instruments with a book (not the index).
  assert.ok(j.countDepth(sbin.id) > 4 && j.countDepth(future.id) > 4);
  assert.equal(j.countDepth(nifty.id), 0);
  const book = j.latestBook(sbin.id);
  assert.deepEqual([book.bid!.levels, book.ask!.levels], [30, 30]);
  assert.ok(book.bid!.price[0] > book.bid!.price[29] && book.ask!.price[0] < book.ask!.price[29], 'best first on each side');
  assert.ok(stats.depthCommitted > 0);

  // History through the adapter's own venue, and through the recording's source.
  const stops: Array<() => Promise<void>> = [];
  cleanups.push(async () => {
    for (const s of stops) await s();
  });
  const from = Date.parse('2026-06-01T00:00:00+05:30');
  const to = from + 3 * DAY - 1000;
  const job = await findBroker('sim-upstox')!.openHistory(storeContext(j), { ref: 'NSE:SBIN', credentials: {} }, stops);
  assert.equal(job.ins.id, sbin.id);
  const expected = simHistoryCandles(universe.find((u) => u.symbol === 'SBIN' && u.exchange === 'NSE')!, 5, from, to, Date.now());
  assert.deepEqual(await job.run({ instrument: job.ins, interval: '5m', from, to }), { candles: expected.length, first: expected[0].t, last: expected.at(-1)!.t });
  const daily = await rec.history!.backfill({ instrument: future, interval: '1d', from, to: from + 10 * DAY });
  assert.equal(daily.candles, 9);
  await assert.rejects(rec.history!.backfill({ instrument: sbin, interval: '1s', from, to }), /Upstox has no 1s candles/);

  const service = new EngineService(rec);
  service.start();
  cleanups.push(() => service.stop());
  const bars = await service.call({} as PageInterest, 'getCandles', Requests.getCandles.parse({ instrumentId: sbin.id, interval: '5m', from, to }));
  assert.deepEqual(bars, expected);

  await rec.stop();
  const { out, err } = await decode(['upstox', capturePath]);
  const lines = out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const sbinLines = lines.filter((l) => l.token === sbin.token);
  const ltps = new Set(sbinLines.map((l) => l.ltp));
  for (const t of sbinTicks) assert.ok(ltps.has(t.ltp), `recorded ltp ${t.ltp} is in the capture`);
  assert.deepEqual(Object.keys(sbinLines[0]).slice(0, 8), ['token', 'type', 'mode', 'kind', 'ltp', 'ltq', 'atp', 'volume']);
  assert.deepEqual([sbinLines[0].type, sbinLines[0].mode, (sbinLines[0].bids as unknown[]).length], ['initial_feed', 'full_d30', 30]);
  assert.deepEqual(Object.keys((sbinLines[0].bids as object[])[0]), ['price', 'qty', 'orders']);
  assert.ok(lines.some((l) => l.token === nifty.token && l.kind === 'index' && typeof l.ltp === 'number' && l.volume === null));
  assert.match(err, /^decoded \d+ frames: \d+ instrument feeds, 1 market_info frames, 0 malformed\n$/);
});

test('`tickdesk decode upstox FILE`: hand-made frames, each feed merged on its key’s snapshot, damage counted', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'tickdesk-upstox-capture-')), 'u.capture');
  const T = Date.UTC(2026, 11, 1, 4, 0);
  const ff = (p: Partial<MarketFullFeed>): Feed => ({
    requestMode: 'full_d5',
    marketFF: { atp: 0, vtt: 0, oi: 0, iv: 0, tbq: 0, tsq: 0, iep: 0, rp: 0, ieq: 0, iiqTotal: 0, iiqM: 0, casEligible: false, ...p },
  });
  const key = 'NSE_FO|45450';
  const snapshot = encodeFeedResponse({
    type: 'initial_feed',
    currentTs: T,
    feeds: new Map([
      [
        key,
        ff({
          ltpc: { ltp: 245.05, ltt: T - 500, ltq: 75, cp: 238.4 },
          marketLevel: [
            { bidQ: 75, bidP: 245, askQ: 150, askP: 245.1 },
            { bidQ: 300, bidP: 244.95, askQ: 0, askP: 0 },
          ],
          marketOHLC: [{ interval: '1d', open: 240, high: 247.5, low: 238.05, close: 245.05, vol: 1234500, ts: T - 4 * 3600_000 }],
          atp: 243.87,
          vtt: 1234500,
          oi: 5678925,
          tbq: 456000,
          tsq: 389250,
        }),
      ],
    ]),
  });
  // A delta: a new price and volume; the book, the bars and the rest are kept from the snapshot.
  const delta = encodeFeedResponse({ type: 'live_feed', currentTs: T + 10, feeds: new Map([[key, ff({ ltpc: { ltp: 245.1, ltt: T + 5, ltq: 25, cp: 0 }, vtt: 1234525 })]]) });
  writeFileSync(path, Buffer.concat([encodeCaptureRecord(T, snapshot), encodeCaptureRecord(T + 5, Buffer.from([0x12, 0x09])), encodeCaptureRecord(T + 10, delta)]));
  const { out, err } = await decode(['upstox', path]);
  const [a, b] = out.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(a, {
    token: key,
    type: 'initial_feed',
    mode: 'full_d5',
    kind: 'market',
    ltp: 245.05,
    ltq: 75,
    atp: 243.87,
    volume: 1234500,
    oi: 5678925,
    iv: null,
    totalBuyQty: 456000,
    totalSellQty: 389250,
    open: 240,
    high: 247.5,
    low: 238.05,
    close: 238.4,
    greeks: null,
    lastTradeTime: new Date(T - 500).toISOString(),
    tsExchange: new Date(T - 500).toISOString(),
    tsReceived: new Date(T).toISOString(),
    bids: [
      { price: 245, qty: 75, orders: null },
      { price: 244.95, qty: 300, orders: null },
    ],
    asks: [{ price: 245.1, qty: 150, orders: null }],
  });
  assert.deepEqual(
    [b.type, b.ltp, b.ltq, b.volume, b.oi, b.close, b.open, b.bids.length, b.tsExchange, b.tsReceived],
    ['live_feed', 245.1, 25, 1234525, 5678925, 238.4, 240, 2, new Date(T + 5).toISOString(), new Date(T + 10).toISOString()],
  );
  assert.equal(err, 'decoded 3 frames: 2 instrument feeds, 0 market_info frames, 1 malformed\n');
});

test('the real adapter on the simulator’s hosts: an expired token → login needed; a new session of the same user resumes feed and history', { timeout: 20_000 }, async () => {
  const sim = new UpstoxSimulator({ ticksPerSecond: 2000, seed: 4, instruments: defaultUniverse({ optionStrikes: 2 }) });
  await sim.start();
  cleanups.push(() => sim.stop());
  const token = sim.issueToken();
  const dir = mkdtempSync(join(tmpdir(), 'tickdesk-upstox-real-'));
  const rec = new Recorder({ broker: 'upstox', journalPath: join(dir, 'j.sqlite'), instruments: ['NSE:SBIN'], mode: 'quote', accessToken: token, restRoot: sim.root, flushMs: 20 });
  cleanups.push(() => rec.stop());
  await rec.start();
  const sbin = rec.adapter.resolve(rec.journal, 'NSE:SBIN')!;
  await until(() => rec.journal.countTicks(sbin.id) > 3, 'ticks');
  assert.ok(rec.loginTarget?.pasted, 'a real broker can log in again from the UI, or take a pasted token');
  assert.equal(rec.notices.filter((n) => /Upstox instruments: \d+ imported/.test(n)).length, 1);

  sim.expireToken(token);
  await until(() => rec.stats().state === 'login-needed', 'login needed');
  assert.ok(rec.notices.some((n) => /^login needed \(upstox\): Upstox feed authorize: HTTP 401 UDAPI100050/.test(n)), rec.notices.join('\n'));
  await assert.rejects(rec.history!.backfill({ instrument: sbin, interval: '1d', from: Date.now() - 5 * DAY, to: Date.now() }), /HTTP 401 UDAPI100050 .*log in again/);

  const fresh = sim.issueToken();
  assert.equal(rec.useSession(upstoxSession({ accessToken: fresh, userId: '7OTHER' })), false, 'another user’s session is not this recording’s');
  const session = upstoxSession({ apiKey: sim.apiKey, accessToken: fresh });
  assert.equal(session.expiresAt, upstoxExpiry(session.loginAt));
  assert.equal(rec.useSession(session), true);
  const n = rec.journal.countTicks(sbin.id);
  await until(() => rec.stats().state === 'connected' && rec.journal.countTicks(sbin.id) > n + 3, 'ticks with the new token');
  const res = await rec.history!.backfill({ instrument: sbin, interval: '1d', from: Date.parse('2026-06-01T00:00:00+05:30'), to: Date.parse('2026-06-05T23:59:59+05:30') });
  assert.equal(res.candles, 5);
});

test('a venue of its own: the simulated Upstox starts with a token its REST and feed authorize take, and stops', async () => {
  const venue = upstoxSimVenue({ ticksPerSecond: 0, seed: 1 });
  assert.ok(venue instanceof UpstoxVenue);
  const { roots, credentials } = await venue.start();
  cleanups.push(() => venue.stop());
  assert.match(roots.rest, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(credentials.apiKey, venue.simulator.apiKey);
  const res = await fetch(`${roots.rest}/v3/feed/market-data-feed/authorize`, { headers: { Authorization: `Bearer ${credentials.accessToken}`, Accept: 'application/json' } });
  const body = (await res.json()) as { status: string; data: { authorized_redirect_uri: string } };
  assert.equal(body.status, 'success');
  assert.match(body.data.authorized_redirect_uri, /^ws:\/\/127\.0\.0\.1:\d+\/feeds\?requestId=[0-9a-f-]{36}&code=[0-9a-f]{32}$/);
});
