// The Yahoo adapter end to end, registered at run time as the lead's registry line will register
// it: the real Recorder records the simulated streamer into the journal (cumulative day volume
// turned into deltas by the pipeline), history comes in through the adapter and joins the live
// candles in getCandles, the capture decodes to what was recorded; and what the real adapter
// declares (no login, no master, no derivatives).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Requests } from '../../../shared/api';
import { bucketStart } from '../../../shared/model';
import { crossBrokerKey } from '../../../shared/xkey';
import type { PageInterest } from '../../api/page';
import { EngineService } from '../../api/service';
import { decodeCommand } from '../../cli/decode';
import { storeContext } from '../../instruments/store-context';
import { Recorder } from '../../recorder';
import { yahooSimVenue } from '../../sim/yahoo/venue';
import { captureOutput, cleanupAfterEach, until } from '../../testing';
import { AuthError, brokerError, InputError, NetworkError, RateLimited } from '../errors';
import { findBroker, registerBroker } from '../registry';
import { encodeLegacyFrame, encodePricingFrame, MarketHours, QuoteType } from './codec';
import { yahooAdapter } from './index';

const cleanups = cleanupAfterEach();
const DAY = 86400_000;

/** Runs the decode command, its stdout and stderr captured. */
async function decode(args: string[]): Promise<{ out: string; err: string }> {
  const r = await captureOutput(() => decodeCommand(args));
  assert.equal(r.code, 0);
  return r;
}

test('what the real adapter declares: quotes only, no depth, chart intervals, no master, no login, its capture format', () => {
  const real = yahooAdapter();
  assert.deepEqual([real.id, real.protocol, real.simulated, real.name], ['yahoo', 'yahoo', false, 'Yahoo Finance']);
  assert.deepEqual(real.has, {
    live: { modes: ['quote'], maxInstruments: 1000, all: false },
    depth: [],
    history: { intervals: ['1m', '5m', '15m', '1h', '1d'], maxDaysPerRequest: { '1m': 8, '5m': 60, '15m': 60, '1h': 730 }, ratePerSecond: 2 },
    master: false,
    login: [],
  });
  assert.equal(real.desktop, undefined, 'no popup login');
  assert.equal(real.auth.login, undefined, 'nothing for `tickdesk login`');
  assert.deepEqual(real.form, { title: 'Yahoo Finance', credentials: [] });
  assert.equal(real.auth.tokenEnv, 'YAHOO_COOKIE');
  assert.equal(real.auth.expiry(Date.now()), undefined);
  assert.equal(real.auth.adopt({}, { broker: 'yahoo', accessToken: 'x', loginAt: 0, expiresAt: 1 }), null);
  assert.deepEqual(Object.keys(real.captures!), ['yahoo']);
  assert.match(real.instrumentsHint, /RELIANCE\.NS.*\^NSEI.*no Indian futures or options/);
  // Yahoo's codes onto the one hierarchy.
  const kind = (code: string) => brokerError(real.errors[code], 'x', 'yahoo');
  assert.ok(kind('Not Found') instanceof InputError);
  assert.ok(kind('404') instanceof InputError);
  assert.ok(kind('Too Many Requests') instanceof RateLimited);
  assert.ok(kind('429') instanceof RateLimited);
  assert.ok(kind('Invalid Crumb') instanceof AuthError);
  assert.ok(kind('503') instanceof NetworkError);
  const sim = yahooAdapter({ id: 'sim-yahoo-x', venue: yahooSimVenue });
  assert.deepEqual([sim.simulated, sim.has.login, sim.has.live.all, sim.captures], [true, ['none'], true, undefined]);
  // The folder has the shape every broker's has (brokers/shape.test.ts), and no desktop.ts.
  for (const f of ['index', 'auth', 'rest', 'instruments', 'history', 'feed', 'codec', 'normalize', 'capture']) assert.ok(existsSync(new URL(`./${f}.ts`, import.meta.url)), f);
  assert.ok(!existsSync(new URL('./desktop.ts', import.meta.url)));
});

test('sim-yahoo through the real Recorder: ticks with day-volume deltas, cross-broker keys, history joined to live, capture decoded', { timeout: 60_000 }, async () => {
  cleanups.push(registerBroker(yahooAdapter({ id: 'sim-yahoo-test', name: 'Simulator (Yahoo protocol)', venue: yahooSimVenue })));
  cleanups.push(registerBroker(yahooAdapter({ id: 'yahoo-capture-test' })));
  const dir = mkdtempSync(join(tmpdir(), 'tickdesk-yahoo-rec-'));
  const capturePath = join(dir, 'yahoo.capture');
  const rec = new Recorder({
    broker: 'sim-yahoo-test',
    journalPath: join(dir, 'j.sqlite'),
    instruments: ['RELIANCE.NS', 'NSE:INFY', '^NSEI', 'BSE:RELIANCE'],
    mode: 'quote',
    flushMs: 20,
    capturePath,
    sim: { ticksPerSecond: 3000, seed: 7 },
  });
  let stopped = false;
  cleanups.push(() => (stopped ? undefined : rec.stop()));
  await rec.start();
  const j = rec.journal;
  const protocol = rec.adapter.protocol;
  const rel = j.findByKey(crossBrokerKey({ exchange: 'NSE', symbol: 'RELIANCE' }), protocol)!;
  const bo = j.findByKey(crossBrokerKey({ exchange: 'BSE', symbol: 'RELIANCE' }), protocol)!;
  const infy = j.findInstrument('NSE:INFY', protocol)!;
  const nifty = j.findByKey(crossBrokerKey({ exchange: 'NSE', segment: 'INDICES', symbol: 'NIFTY 50' }), protocol)!;
  assert.deepEqual([rel.token, bo.token, infy.token, nifty.token], ['RELIANCE.NS', 'RELIANCE.BO', 'INFY.NS', '^NSEI']);
  assert.equal(j.masterImport(protocol)!.rows, 23, "the venue's universe: its NSE/BSE shares and two indices");
  assert.equal(rec.stats().instruments, 4);

  await until(() => [rel, bo, infy].every((i) => j.countTicks(i.id) >= 10) && j.countTicks(nifty.id) >= 5, 'ticks of all four', 15_000);
  // History through the recording's source while ticks flow (in market hours the forming bar is
  // then the seam: fetched, then extended by the ticks received after the fetch).
  const from = Date.now() - 5 * DAY;
  const got = await rec.history!.backfill({ instrument: rel, interval: '5m', from, to: Date.now() });
  assert.ok(got.candles > 0);
  const fetched = Date.now();
  await until(() => j.ticks(rel.id, 0, Date.now() + DAY).some((t) => t.tsReceived > fetched), 'ticks after the fetch');
  // Freeze the venue so that the journal, the chart and the capture hold the same ticks.
  const venue = rec.venue as unknown as ReturnType<typeof yahooSimVenue>;
  venue.simulator.goSilent(120_000);
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(
    venue.simulator.received.map((r) => r.msg),
    [{ action: 'subscribe', symbols: ['RELIANCE.NS', 'INFY.NS', '^NSEI', 'RELIANCE.BO'] }],
  );
  const relTicks = j.ticks(rel.id, 0, Date.now() + DAY);
  assert.equal(relTicks[0].volDelta, 0, 'the first tick has no delta');
  for (let i = 1; i < relTicks.length; i++) {
    assert.ok(relTicks[i].volume! >= relTicks[i - 1].volume!, 'cumulative');
    assert.equal(relTicks[i].volDelta, relTicks[i].volume! - relTicks[i - 1].volume!, 'the delta, from the cumulative day volume');
  }
  assert.ok(relTicks.at(-1)!.volume! > relTicks[0].volume!);
  for (const t of relTicks) assert.equal(Math.round(t.ltp * 20), t.ltp * 20, `on the 0.05 tick of the market model: ${t.ltp}`);
  assert.ok(j.ticks(nifty.id, 0, Date.now() + DAY).every((t) => t.volume === null || t.volume === undefined), 'an index has no volume');
  const stats = rec.stats();
  assert.deepEqual([stats.malformedFrames, stats.state, stats.rejected], [0, 'connected', 0]);

  // The chart: history as fetched up to the recording, then the recorded minutes.
  const service = new EngineService(rec);
  service.start();
  cleanups.push(() => service.stop());
  const bars = await service.call({} as PageInterest, 'getCandles', Requests.getCandles.parse({ instrumentId: rel.id, interval: '5m', from, to: Date.now() + 60_000 }));
  const first = relTicks[0].tsExchange;
  const history = j.storedCandles(rel.id, '5m', from, Date.now());
  const before = history.filter((c) => (c.t + 300) * 1000 <= first).map(({ fetchedAt: _f, ...c }) => c);
  assert.ok(before.length > 0);
  assert.deepEqual(bars.slice(0, before.length), before, 'history as fetched before the recording began');
  const lastBar = bars.at(-1)!;
  assert.equal(lastBar.t, bucketStart(relTicks.at(-1)!.tsExchange, '5m'));
  assert.equal(lastBar.c, relTicks.at(-1)!.ltp, 'the forming bar closes at the last recorded price');

  // `tickdesk backfill`'s path: the adapter's own history job, on its own venue.
  const stops: Array<() => Promise<void>> = [];
  cleanups.push(async () => {
    for (const s of stops) await s();
  });
  const job = await findBroker('sim-yahoo-test')!.openHistory(storeContext(j), { ref: 'nse:reliance', credentials: {} }, stops);
  assert.equal(job.ins.id, rel.id);
  const daily = await job.run({ instrument: job.ins, interval: '1d', from: Date.now() - 30 * DAY, to: Date.now() });
  assert.ok(daily.candles >= 15);
  await assert.rejects(job.run({ instrument: job.ins, interval: '30m', from: Date.now() - DAY, to: Date.now() }), /Yahoo has no 30m candles here/);

  // The capture: every frame as received, decoded by `tickdesk decode yahoo` to what was recorded.
  const recorded = [rel, bo, infy, nifty].map((i) => j.ticks(i.id, 0, Date.now() + DAY).map((t) => [t.ltp, t.volume ?? null, new Date(t.tsExchange).toISOString()]));
  await rec.stop();
  stopped = true;
  const { out, err } = await decode(['yahoo', capturePath]);
  const lines = out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const decoded = ['RELIANCE.NS', 'RELIANCE.BO', 'INFY.NS', '^NSEI'].map((s) => lines.filter((l) => l.token === s).map((l) => [l.ltp, l.volume, l.tsExchange]));
  assert.deepEqual(decoded, recorded);
  assert.deepEqual(Object.keys(lines[0]), ['token', 'exchange', 'quoteType', 'marketHours', 'ltp', 'ltq', 'volume', 'oi', 'open', 'high', 'low', 'close', 'change', 'changePercent', 'tsExchange', 'tsReceived', 'bids', 'asks']);
  assert.match(err, new RegExp(`^decoded ${lines.length} frames: ${lines.length} messages, 0 other frames, 0 malformed\\n$`));
});

test('the real adapter: named symbols only (no "all"), and no Indian derivatives', async () => {
  cleanups.push(registerBroker(yahooAdapter({ id: 'yahoo-refs-test' })));
  const dir = mkdtempSync(join(tmpdir(), 'tickdesk-yahoo-refs-'));
  const all = new Recorder({ broker: 'yahoo-refs-test', journalPath: join(dir, 'a.sqlite'), instruments: 'all', mode: 'quote' });
  await assert.rejects(all.start(), /--broker yahoo needs --instruments \(e\.g\. RELIANCE\.NS,\^NSEI\)/);
  const fno = new Recorder({ broker: 'yahoo-refs-test', journalPath: join(dir, 'b.sqlite'), instruments: ['^NSEI', 'NFO:NIFTY26DEC24000CE'], mode: 'quote' });
  await assert.rejects(fno.start(), /unknown instrument "NFO:NIFTY26DEC24000CE" \(use a Yahoo symbol.*Yahoo has no Indian futures or options\)/);
});

test('the capture format: a message per frame in either framing, the best bid/ask as levels when sent, damage counted', () => {
  const dec = yahooAdapter().captures!.yahoo.decoder();
  const t = Date.UTC(2026, 10, 24, 5, 30, 1, 250);
  const msg = { id: 'RELIANCE.NS', price: 2885.2, time: t, exchange: 'NSI', quoteType: QuoteType.EQUITY, marketHours: MarketHours.REGULAR_MARKET, dayVolume: 3_810_000, priceHint: 2, previousClose: 2900, bid: 2885.15, bidSize: 40, ask: 2885.25 };
  const out: object[] = [];
  for (const f of [encodePricingFrame(msg), encodeLegacyFrame({ id: '^NSEI', price: 24512.35, time: t, quoteType: QuoteType.INDEX, priceHint: 2 }), '{"type":"pricing","message":"AAA"}', '{"type":"x"}'])
    dec.decode(Buffer.from(f, 'utf8'), t + 40, (l) => out.push(l));
  assert.deepEqual(out, [
    {
      token: 'RELIANCE.NS',
      exchange: 'NSI',
      quoteType: 'EQUITY',
      marketHours: 'REGULAR_MARKET',
      ltp: 2885.2,
      ltq: null,
      volume: 3_810_000,
      oi: null,
      open: null,
      high: null,
      low: null,
      close: 2900,
      change: null,
      changePercent: null,
      tsExchange: '2026-11-24T05:30:01.250Z',
      tsReceived: '2026-11-24T05:30:01.290Z',
      bids: [{ price: 2885.15, qty: 40, orders: null }],
      asks: [{ price: 2885.25, qty: null, orders: null }],
    },
    {
      token: '^NSEI',
      exchange: null,
      quoteType: 'INDEX',
      marketHours: 'PRE_MARKET',
      ltp: 24512.35,
      ltq: null,
      volume: null,
      oi: null,
      open: null,
      high: null,
      low: null,
      close: null,
      change: null,
      changePercent: null,
      tsExchange: '2026-11-24T05:30:01.250Z',
      tsReceived: '2026-11-24T05:30:01.290Z',
      bids: [],
      asks: [],
    },
  ]);
  assert.equal(dec.summary(), 'decoded 4 frames: 2 messages, 1 other frames, 1 malformed');
});
