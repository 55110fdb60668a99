// Every Engine API method has a handler, proven twice: by the compiler (the map's type, below) and
// by calling each one through the bridge against a recording simulator.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Requests, type Method, type RequestParams } from '../../shared/api';
import { black76, blackScholes } from '../analytics/options';
import { serveBridge } from '../bridge/server';
import { brokerInfo } from '../brokers/catalog';
import { templateAdapter } from '../brokers/_template';
import { brokers, registerBroker } from '../brokers/registry';
import { Recorder } from '../recorder';
import { until } from '../testing';
import { engineHandlers, type EngineHandlers, type Handler } from './handlers';
import type { PageInterest } from './page';
import { EngineService } from './service';

/** The price of an option under the model the chain says it used. */
function black76Or(model: string, right: 'CE' | 'PE', F: number, K: number, years: number, vol: number, rate: number): number {
  return model === 'black76' ? black76(right, F, K, years, vol, rate) : blackScholes(right, F, K, years, vol, rate);
}

let recorder: Recorder;
let service: EngineService;

before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tickdesk-handlers-'));
  recorder = new Recorder({ broker: 'sim', journalPath: join(dir, 'j.sqlite'), instruments: 'all', mode: 'full', flushMs: 50, sim: { ticksPerSecond: 2000, seed: 3 } });
  await recorder.start();
  service = new EngineService(recorder);
  service.start();
});
after(async () => {
  service.stop();
  await recorder.stop();
});

// Type-level: these lines compile only while the compiler holds every method to its handler.
function typeChecks(handlers: EngineHandlers): void {
  const { getTicks: _dropped, ...withoutGetTicks } = handlers;
  // @ts-expect-error a map missing a method (getTicks) is not the Engine API's handlers
  const _incomplete: EngineHandlers = withoutGetTicks;
  // @ts-expect-error unwatch answers { ok: true }, and nothing else
  const _wrongAnswer: Handler<'unwatch'> = () => ({ ok: false });
  // @ts-expect-error getInstrument's instrumentId is a number
  const _wrongParams: Handler<'getInstrument'> = (page, p: { instrumentId: string }) => handlers.getInstrument(page, { instrumentId: Number(p.instrumentId) });
}
void typeChecks;

/** serveBridge over an in-memory port: requests by id, answers and events as they come back. */
function memoryBridge() {
  const answers = new Map<number, any>();
  const events: Array<{ event: string; data: any }> = [];
  let deliver!: (text: string) => void;
  let closePort!: () => void;
  const conn = serveBridge(
    service,
    {
      send: (text) => {
        const msg = JSON.parse(text);
        if (msg.events) for (const [event, data] of msg.events) events.push({ event, data });
        else if (msg.event) events.push(msg);
        else answers.set(msg.id, msg);
      },
      onMessage: (fn) => (deliver = fn),
      onClose: (fn) => (closePort = fn),
    },
    { statusMs: 60_000, frameMs: 20 },
  );
  let id = 0;
  const call = async <M extends Method>(method: M, params: RequestParams<M>): Promise<any> => {
    const my = ++id;
    deliver(JSON.stringify({ id: my, method, params }));
    await until(() => answers.has(my), `the answer to ${method}`, 20_000);
    return answers.get(my);
  };
  return { conn, call, events, close: () => closePort() };
}

test('every method answers through the bridge from its own handler', { timeout: 60_000 }, async () => {
  const b = memoryBridge();
  try {
    const [infy] = (await b.call('searchInstruments', { query: 'INFY', limit: 1 })).result;
    assert.equal(infy.symbol, 'INFY');
    await until(() => service.quote(infy.id) !== undefined && recorder.journal.countTicks(infy.id) >= 5, 'INFY ticks');
    const nifty = (await b.call('optionUnderlyings', {})).result.find((u: any) => u.underlying === 'NIFTY' && u.exchange === 'NFO');
    assert.ok(nifty?.expiries.length >= 1, 'the simulator lists NIFTY options');

    // One call per method, typed per method: a method added to the contract without a line here does not compile.
    const calls: { [M in Method]: RequestParams<M> } = {
      status: {},
      brokers: {},
      searchInstruments: { query: 'INFY', limit: 1 },
      getInstrument: { instrumentId: infy.id },
      subscribe: { instrumentIds: [infy.id] },
      unsubscribe: { instrumentIds: [infy.id] },
      getCandles: { instrumentId: infy.id, interval: '1m' },
      watch: { instrumentId: infy.id, interval: '1m' },
      unwatch: {},
      charts: { streams: [{ instrumentId: infy.id, interval: '5m' }] },
      backfill: { instrumentId: infy.id, interval: '1d', days: 5 },
      loginStart: { broker: 'kite' },
      loginToken: { broker: 'dhan', accessToken: 'x'.repeat(20) },
      optionUnderlyings: {},
      refreshInstruments: {},
      optionChain: { underlying: 'nifty', exchange: 'NFO', expiry: nifty.expiries[0], around: 2 },
      volumeAtPrice: { instrumentId: infy.id },
      setDepth: { instrumentId: infy.id, levels: 20 },
      depthOf: { instrumentId: infy.id },
      getTicks: { instrumentId: infy.id, limit: 5 },
    };
    assert.deepEqual(Object.keys(calls).sort(), Object.keys(Requests).sort());
    const a: Record<string, any> = {};
    for (const method of Object.keys(calls) as Method[]) a[method] = await b.call(method, calls[method]);

    assert.deepEqual(a.brokers.result, brokers().map(brokerInfo), 'the registry’s adapters, through the bridge as they are');
    assert.equal(a.status.result.feeds[0].feed, 'kite');
    assert.equal(a.status.result.feeds[0].state, 'connected');
    assert.equal(a.status.result.simulated, true, 'a simulated venue: the page says its market is always open');
    assert.deepEqual(a.searchInstruments.result, [infy]);
    assert.deepEqual(a.getInstrument.result, infy);
    assert.deepEqual(a.subscribe.result.subscribed, [infy.id]);
    assert.deepEqual(
      a.subscribe.result.quotes.map((q: any) => q.instrumentId),
      [infy.id],
    );
    const qt = a.subscribe.result.quotes[0];
    assert.ok(qt.high >= qt.ltp && qt.low <= qt.ltp && qt.low > 0, `the day's range around the price: ${qt.low}…${qt.high} (${qt.ltp})`);
    assert.deepEqual(a.unsubscribe.result, { unsubscribed: [infy.id] });
    const bars = a.getCandles.result as Array<{ t: number }>;
    assert.ok(bars.length >= 1 && bars.every((bar, i) => bar.t % 60 === 0 && (i === 0 || bar.t > bars[i - 1].t)), 'minute bars, oldest first');
    const w = a.watch.result;
    assert.deepEqual([w.instrumentId, w.interval, w.depth.instrumentId, w.depth.levels], [infy.id, '1m', infy.id, 5]);
    assert.deepEqual(w.candles.slice(0, -1), bars.slice(0, w.candles.length - 1), 'the same history as getCandles (the newest bar may have grown)');
    assert.ok(w.tape.length >= 1);
    assert.deepEqual(a.unwatch.result, { ok: true });
    assert.deepEqual(
      a.charts.result.streams.map((c: any) => [c.instrumentId, c.interval, c.candles.length >= 1 && c.candles.every((bar: any) => bar.t % 300 === 0)]),
      [[infy.id, '5m', true]],
    );
    assert.equal(a.backfill.result.label, 'NSE:INFY 1d');
    assert.ok(Number.isInteger(a.backfill.result.id) && a.backfill.result.id > 0);
    assert.deepEqual(a.loginStart.error, { code: 'bad-request', message: 'this engine records from a simulator: there is nothing to log in to' });
    assert.deepEqual(a.loginToken.error, { code: 'bad-request', message: 'this engine does not record from Dhan or Upstox' });
    assert.deepEqual(a.optionUnderlyings.result, (await b.call('optionUnderlyings', {})).result);
    assert.deepEqual(a.refreshInstruments.result, { instruments: recorder.journal.instruments().length });
    const chain = a.optionChain.result;
    assert.deepEqual([chain.underlying, chain.exchange, chain.expiry], ['NIFTY', 'NFO', nifty.expiries[0]]);
    assert.ok(chain.rows.length >= 1 && chain.rows.every((r: any) => r.ce?.instrument.optionType === 'CE' && r.pe?.instrument.optionType === 'PE'));
    // Analytics from the live stream: the model and the price it is on, and each IV reprices the LTP.
    const an = chain.analytics;
    assert.ok(an && ['black76', 'bs'].includes(an.model) && an.underlyingPrice > 0 && an.years > 0 && an.rate === 0.065, JSON.stringify(an));
    let solved = 0;
    for (const r of chain.rows)
      for (const [right, s] of [['CE', r.ce], ['PE', r.pe]] as const) {
        if (!s || s.ltp === undefined) continue;
        if (s.iv === null) {
          assert.ok(s.ivReason, `${s.instrument.symbol}: no IV and no reason`);
          continue;
        }
        solved++;
        const price = black76Or(an.model, right, an.underlyingPrice, r.strike, an.years, s.iv, an.rate);
        assert.ok(Math.abs(price - s.ltp) < 1e-6 * Math.max(1, s.ltp), `${s.instrument.symbol}: IV ${s.iv} prices ${price}, LTP ${s.ltp}`);
        assert.ok(right === 'CE' ? s.greeks.delta > 0 && s.greeks.delta < 1 : s.greeks.delta < 0 && s.greeks.delta > -1);
        assert.equal(s.itm, right === 'CE' ? r.strike < an.underlyingPrice : r.strike > an.underlyingPrice);
      }
    assert.ok(solved >= 1, 'at least one option priced');
    assert.equal(a.getTicks.result.length, 5);
    assert.ok(a.getTicks.result.every((t: any) => t.ltp > 0));

    // The long tasks report through every page's stream: the backfill and the instrument list, each to its end.
    await until(() => b.events.some((e) => e.event === 'progress' && e.data.id === a.backfill.result.id && e.data.done), 'the backfill finished');
    assert.ok(b.events.some((e) => e.event === 'progress' && e.data.task === 'instruments' && e.data.done));
    // The Kite simulator has no full-depth feed: no choice to make, said as such.
    assert.deepEqual(a.setDepth.error, { code: 'bad-request', message: 'Simulator (Kite protocol) streams no full depth' });
    assert.deepEqual(a.depthOf.result, { instrumentId: infy.id, levels: 0, refusal: 'Simulator (Kite protocol) streams no full depth', usage: [] });
    assert.equal(a.status.result.depth, null);
    assert.equal(b.conn.badRequests, 3, 'loginStart, loginToken and setDepth, refused as bad requests');
  } finally {
    b.close();
  }
});

test('call: a name that is no method of the API is a bad request, even one every object has', () => {
  const page: PageInterest = { subscribe: () => {}, unsubscribe: () => {}, watch: () => {}, unwatch: () => {}, charts: () => {} };
  for (const name of ['constructor', 'toString', '__proto__', 'dropTables']) {
    assert.throws(
      () => service.call(page, name as Method, {} as never),
      (e: Error & { code?: string }) => e.code === 'bad-request' && e.message === `unknown method ${name}`,
    );
  }
});

test('login methods take any registered broker id (no closed list to add a broker to) and refuse an unknown one by name', async () => {
  const b = memoryBridge();
  const unregister = registerBroker(templateAdapter());
  try {
    const unknown = { code: 'bad-request', message: `unknown broker "zerodha" (${brokers().map((x) => x.id).join(', ')})` };
    assert.deepEqual((await b.call('loginStart', { broker: 'zerodha' })).error, unknown);
    assert.deepEqual((await b.call('loginToken', { broker: 'zerodha', accessToken: 'x'.repeat(20) })).error, unknown);
    // A broker only the registry names reaches the engine's own checks, not a schema's refusal.
    assert.deepEqual((await b.call('loginStart', { broker: 'template' })).error, { code: 'bad-request', message: 'this engine records from a simulator: there is nothing to log in to' });
    assert.deepEqual((await b.call('loginToken', { broker: 'template', accessToken: 'x'.repeat(20) })).error, { code: 'bad-request', message: 'Template broker takes no pasted access token' });
    // An id is still a name, never a path (sessions are saved as session-<id>.json).
    assert.equal((await b.call('loginStart', { broker: '../kite' })).error.code, 'bad-request');
  } finally {
    unregister();
    b.close();
  }
});

test('loginToken: the broker is checked against the registry’s capabilities (a pasted token only where has.login says so)', async () => {
  const b = memoryBridge();
  try {
    assert.deepEqual((await b.call('loginToken', { broker: 'kite', accessToken: 'x'.repeat(20) })).error, { code: 'bad-request', message: 'Kite takes no pasted access token' });
    assert.deepEqual((await b.call('loginToken', { broker: 'dhan', accessToken: 'x'.repeat(20) })).error, { code: 'bad-request', message: 'this engine does not record from Dhan or Upstox' });
    assert.equal((await b.call('loginToken', { broker: 'zerodha' as never, accessToken: 'x'.repeat(20) })).error.code, 'bad-request', 'a broker outside the list is refused by the schema');
  } finally {
    b.close();
  }
});

test('watch: a trade ingested a moment before, not yet committed, is in the tape and the candles it answers with', () => {
  const infy = recorder.journal.findInstrument('NSE:INFY')!;
  const last = service.lastTick(infy.id)!;
  const ltq = 987_654;
  const now = Date.now();
  // Straight into the pipeline: queued for the journal's next flush (up to flushMs away), and the
  // page is not watching yet, so the live stream will not carry it either.
  recorder.pipeline.ingest({ instrumentId: infy.id, tsExchange: now, tsReceived: now, ltp: last.ltp, ltq, volume: (last.volume ?? 0) + ltq });
  const page: PageInterest = { subscribe: () => {}, unsubscribe: () => {}, watch: () => {}, unwatch: () => {}, charts: () => {} };
  const r = engineHandlers(service).watch(page, { instrumentId: infy.id, interval: '1m', limit: 10 }) as Awaited<ReturnType<EngineHandlers['watch']>>;
  assert.ok(r.tape.some((t) => t.ltq === ltq && t.volDelta === ltq), 'the trade is in the tape');
  assert.ok(r.candles.at(-1)!.v >= ltq, 'and in the last candle\'s volume');
});

test('charts: two more streams at two intervals stream their bars beside the watch; dropping one stops it; bad sets are refused', { timeout: 60_000 }, async () => {
  const b = memoryBridge();
  try {
    const infy = recorder.journal.findInstrument('NSE:INFY')!;
    const rel = recorder.journal.findInstrument('NSE:RELIANCE')!;
    await b.call('watch', { instrumentId: infy.id, interval: '1m' });
    const r = (await b.call('charts', { streams: [{ instrumentId: infy.id, interval: '5m' }, { instrumentId: rel.id, interval: '15m' }], limit: 50 })).result;
    assert.deepEqual(
      r.streams.map((s: any) => [s.instrumentId, s.interval]),
      [
        [infy.id, '5m'],
        [rel.id, '15m'],
      ],
    );
    const [h5, h15]: Array<Array<{ t: number; o: number; v: number }>> = r.streams.map((s: any) => s.candles);
    assert.ok(h5.length >= 1 && h5.length <= 50 && h5.every((bar) => bar.t % 300 === 0), '5-minute history');
    assert.ok(h15.length >= 1 && h15.every((bar) => bar.t % 900 === 0), '15-minute history');

    const candles = (from: number, id: number, iv: string) => b.events.slice(from).filter((e) => e.event === 'candles' && e.data.instrumentId === id && e.data.interval === iv).flatMap((e) => e.data.bars);
    await until(() => candles(0, infy.id, '5m').length > 0 && candles(0, rel.id, '15m').length > 0 && candles(0, infy.id, '1m').length > 0, 'bars of the watch and of both charts');
    // Live bars continue the history they were answered with: the open bar grows from the last one.
    for (const [hist, live, sec] of [
      [h5, candles(0, infy.id, '5m'), 300],
      [h15, candles(0, rel.id, '15m'), 900],
    ] as const) {
      const first = live[0];
      const last = hist.at(-1)!;
      assert.ok(first.t >= last.t && first.t % sec === 0, `the first live bar (${first.t}) is not before the history's last (${last.t})`);
      if (first.t === last.t) assert.ok(first.o === last.o && first.v >= last.v, 'the same bar, grown');
      assert.ok(live.every((bar: any) => bar.h >= Math.max(bar.o, bar.c) && bar.l <= Math.min(bar.o, bar.c)));
    }

    // RELIANCE 15m dropped: its bars stop; INFY 5m and the watch go on.
    assert.deepEqual((await b.call('charts', { streams: [{ instrumentId: infy.id, interval: '5m' }], limit: 5 })).result.streams.length, 1);
    const mark = b.events.length;
    await until(() => b.events.slice(mark).filter((e) => e.event === 'candles' && e.data.instrumentId === infy.id && e.data.interval === '5m').length >= 3, 'three more frames of INFY 5m');
    await until(() => recorder.journal.countTicks(rel.id) > 0 && service.quote(rel.id) !== undefined, 'RELIANCE still ticking');
    assert.deepEqual(candles(mark, rel.id, '15m'), [], 'no RELIANCE 15m bars after it was dropped');
    assert.ok(candles(mark, infy.id, '1m').length > 0, 'the watch goes on');
    await b.call('charts', { streams: [] });
    const mark2 = b.events.length;
    await until(() => candles(mark2, infy.id, '1m').length >= 3, 'the watch alone');
    assert.deepEqual(candles(mark2, infy.id, '5m'), [], '[] stops every chart stream');

    // Refused, each as a bad request, and the page's streams are left as they were.
    const bad: Array<[unknown, RegExp]> = [
      [{ streams: Array.from({ length: 5 }, (_, i) => ({ instrumentId: infy.id, interval: ['1m', '3m', '5m', '15m', '1h'][i] })) }, /expected array to have <=4 items/],
      [{ streams: [{ instrumentId: infy.id, interval: '5m' }, { instrumentId: infy.id, interval: '5m' }] }, /each instrument and interval at most once/],
      [{ streams: [{ instrumentId: infy.id, interval: '7m' }] }, /at streams\[0\]\.interval/],
      [{ streams: [{ instrumentId: 987_654_321, interval: '5m' }] }, /no instrument with id 987654321/],
      [{ streams: [{ instrumentId: infy.id, interval: '5m', depth: true }] }, /Unrecognized key: "depth"/],
      [{ streams: 'all' }, /expected array, received string/],
    ];
    for (const [params, message] of bad) {
      const e = (await b.call('charts', params as never)).error;
      assert.equal(e?.code, 'bad-request', JSON.stringify(params));
      assert.match(e.message, message);
    }
    const mark3 = b.events.length;
    await until(() => candles(mark3, infy.id, '1m').length >= 2, 'the watch after the refusals');
    assert.deepEqual(candles(mark3, infy.id, '5m'), [], 'a refused set starts nothing');
  } finally {
    b.close();
  }
});
