// Adding a broker, shown: the template broker (this folder, and its simulator in sim/_template) is
// registered at run time and goes through the same code every broker does — the real Recorder
// records its feed into the journal, its history comes in through the adapter, the Engine API's
// getCandles joins history to live, and the CSV export writes both out. Nothing outside the two
// template folders names it. Copy this test with the folder.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { Requests } from '../../../shared/api';
import type { Candle } from '../../../shared/model';
import type { PageInterest } from '../../api/page';
import { EngineService } from '../../api/service';
import { CANDLE_CSV_HEADER, exportCandlesCsv, exportTicksCsv, TICK_CSV_HEADER } from '../../export/csv';
import { storeContext } from '../../instruments/store-context';
import { Recorder } from '../../recorder';
import { TemplateVenue } from '../../sim/_template/venue';
import type { TemplateSimInstrument } from '../../sim/_template/server';
import { encodeCaptureRecord } from '../../capture/capture';
import { decodeCommand } from '../../cli/decode';
import { captureOutput, cleanupAfterEach, until } from '../../testing';
import { InputError, TokenExpired } from '../errors';
import { brokerIds, findBroker, registerBroker } from '../registry';
import { decodeFrame, encodeFrame, newDecodeStats, type TemplatePacket } from './codec';
import { fetchTemplateHistory } from './history';
import { templateAdapter } from './index';

const cleanups = cleanupAfterEach();

/** 2026-11-30 09:15 IST: five minutes of history, then the recording from 09:20. */
const T0 = Date.UTC(2026, 10, 30, 3, 45);
const S0 = T0 / 1000;
const T1 = T0 + 5 * 60_000;

const HISTORY: Candle[] = [
  { t: S0, o: 100, h: 100.5, l: 99.5, c: 100.2, v: 1000 },
  { t: S0 + 60, o: 100.2, h: 100.8, l: 100, c: 100.6, v: 800 },
  { t: S0 + 120, o: 100.6, h: 100.6, l: 99.8, c: 99.9, v: 1200 },
  { t: S0 + 180, o: 99.9, h: 100.3, l: 99.7, c: 100.1, v: 600 },
  { t: S0 + 240, o: 100.1, h: 100.4, l: 99.9, c: 100, v: 900 },
];

const ALPHA: TemplateSimInstrument = {
  token: 101,
  exchange: 'TOY',
  symbol: 'ALPHA',
  name: 'Alpha Toys',
  tickSize: 0.05,
  lotSize: 1,
  ticks: [
    { ts: T1, price: 100, qty: 10 },
    { ts: T1 + 15_000, price: 100.5, qty: 5 },
    { ts: T1 + 30_000, price: 99.75, qty: 20 },
    { ts: T1 + 45_000, price: 101, qty: 5 },
    { ts: T1 + 60_000, price: 101.25, qty: 10 },
    { ts: T1 + 90_000, price: 100.9, qty: 15 },
  ],
  candles: HISTORY,
};
const BETA: TemplateSimInstrument = { token: 102, exchange: 'TOY', symbol: 'BETA', tickSize: 0.05, lotSize: 50, ticks: [{ ts: T1, price: 55, qty: 1 }], candles: [] };

/** Everything written to a stream, as text. */
function sink(): { out: Writable; text: () => string } {
  let s = '';
  return { out: new Writable({ write: (c, _e, cb) => ((s += c), cb()) }), text: () => s };
}

test('the codec: packets round-trip; a frame whose length disagrees with its count is counted, not thrown', () => {
  const p: TemplatePacket = { token: 101, ltp: 99.75, ltq: 20, volume: 35, tsExchange: T1 + 30_000 };
  const got: TemplatePacket[] = [];
  const stats = newDecodeStats();
  const frame = encodeFrame([p, { ...p, token: 102 }]);
  assert.equal(frame.length, 2 + 2 * 24);
  decodeFrame(frame, (x) => got.push(x), stats);
  decodeFrame(frame.subarray(0, 30), (x) => got.push(x), stats);
  decodeFrame(Buffer.from([1]), (x) => got.push(x), stats);
  decodeFrame(encodeFrame([]), (x) => got.push(x), stats);
  assert.deepEqual(got, [p, { ...p, token: 102 }]);
  assert.deepEqual(stats, { frames: 4, packets: 2, malformedFrames: 2 });
});

test('a broker from brokers/_template: registered, recorded, its history charted and exported', { timeout: 60_000 }, async () => {
  const unregister = registerBroker(
    templateAdapter({ id: 'toy', name: 'Toy broker (simulated)', venue: () => new TemplateVenue({ instruments: [ALPHA, BETA], frameMs: 10 }) }),
  );
  cleanups.push(unregister);
  assert.equal(brokerIds().at(-1), 'toy');
  assert.throws(() => registerBroker(templateAdapter({ id: 'toy' })), /a broker "toy" is registered already/);

  const dir = mkdtempSync(join(tmpdir(), 'tickdesk-template-'));
  const rec = new Recorder({
    broker: 'toy',
    journalPath: join(dir, 'j.sqlite'),
    instruments: ['TOY:ALPHA'],
    mode: 'ltp',
    flushMs: 20,
    // The simulated prices are of a fixed day, whenever this runs.
    validation: { maxPastMs: Number.MAX_SAFE_INTEGER },
  });
  cleanups.push(() => rec.stop());
  await rec.start();
  const j = rec.journal;
  const alpha = j.findInstrument('TOY:ALPHA')!;
  const beta = j.findInstrument('TOY:BETA')!;
  assert.deepEqual(
    [alpha.broker, alpha.token, alpha.name, alpha.tickSize, beta.token, beta.lotSize],
    [rec.adapter.protocol, '101', 'Alpha Toys', 0.05, '102', 50],
    'the instrument list, imported through the shared master import',
  );
  await until(() => j.countTicks(alpha.id) === ALPHA.ticks.length, 'the six simulated ticks');
  const rows = j.ticks(alpha.id, T0, T1 + 120_000).map((t) => [t.tsExchange, t.ltp, t.ltq, t.volume, t.volDelta]);
  assert.deepEqual(rows, [
    [T1, 100, 10, 10, 0],
    [T1 + 15_000, 100.5, 5, 15, 5],
    [T1 + 30_000, 99.75, 20, 35, 20],
    [T1 + 45_000, 101, 5, 40, 5],
    [T1 + 60_000, 101.25, 10, 50, 10],
    [T1 + 90_000, 100.9, 15, 65, 15],
  ]);
  assert.equal(j.countTicks(beta.id), 0, 'only what was asked for is subscribed');
  assert.equal(rec.stats().malformedFrames, 0);

  // History through the adapter (its own venue, its REST), into the journal.
  const stops: Array<() => Promise<void>> = [];
  cleanups.push(async () => {
    for (const s of stops) await s();
  });
  const job = await findBroker('toy')!.openHistory(storeContext(j), { ref: 'toy:alpha', credentials: {} }, stops);
  assert.equal(job.ins.id, alpha.id);
  const got = await job.run({ instrument: job.ins, interval: '1m', from: T0 - 3600_000, to: T1 - 1 });
  assert.deepEqual(got, { candles: 5, first: S0, last: S0 + 240 });
  await assert.rejects(job.run({ instrument: job.ins, interval: '1d', from: T0, to: T1 }), /the template broker has no 1d candles \(it offers 1m\)/);
  // The broker's error answers land in the one hierarchy through its code table (rest.ts).
  const { restRoot } = rec.history!.opts;
  await assert.rejects(fetchTemplateHistory({ restRoot, accessToken: 'not-a-token' }, '101', '1m', T0, T1), (e) => e instanceof TokenExpired && /HTTP 403 TokenInvalid/.test(e.message));
  await assert.rejects(fetchTemplateHistory({ restRoot, accessToken: rec.history!.opts.accessToken }, '999', '1m', T0, T1), (e) => e instanceof InputError && /HTTP 400 NoSuchInstrument/.test(e.message));

  // The chart, through the Engine API: history for 09:15–09:19, then the recorded ticks' candles.
  const service = new EngineService(rec);
  service.start();
  cleanups.push(() => service.stop());
  const page = {} as PageInterest; // getCandles reads no page state
  const bars = await service.call(page, 'getCandles', Requests.getCandles.parse({ instrumentId: alpha.id, interval: '1m', from: T0, to: T1 + 120_000 }));
  const live = [
    { t: S0 + 300, o: 100, h: 101, l: 99.75, c: 101, v: 30 },
    { t: S0 + 360, o: 101.25, h: 101.25, l: 100.9, c: 100.9, v: 25 },
  ];
  assert.deepEqual(bars, [...HISTORY, ...live]);

  // And out as CSV: the ticks, and the candles as the chart joins them.
  const ticks = sink();
  assert.equal(await exportTicksCsv(j, alpha, T0, T1 + 120_000, ticks.out), 6);
  const candles = sink();
  assert.equal(await exportCandlesCsv(j, alpha, '1m', T0, T1 + 120_000, candles.out), 7);
  // Every column but the receive time (the recorder's clock) is known in advance.
  // With the receive time taken out: 8 columns written, then the empty ones (oi, totals, OHLC, depth).
  const empty = ','.repeat(TICK_CSV_HEADER.length - 9);
  const tickLines = ticks.text().trimEnd().split('\n');
  assert.equal(tickLines[0], TICK_CSV_HEADER.join(','));
  for (const l of tickLines.slice(1)) assert.match(l.split(',')[1], /^2\d{3}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+05:30$/);
  assert.deepEqual(
    tickLines.slice(1).map((l) => l.split(',').toSpliced(1, 1).join(',')),
    [
      `2026-11-30T09:20:00.000+05:30,TOY,ALPHA,100,10,,10,0${empty}`,
      `2026-11-30T09:20:15.000+05:30,TOY,ALPHA,100.5,5,,15,5${empty}`,
      `2026-11-30T09:20:30.000+05:30,TOY,ALPHA,99.75,20,,35,20${empty}`,
      `2026-11-30T09:20:45.000+05:30,TOY,ALPHA,101,5,,40,5${empty}`,
      `2026-11-30T09:21:00.000+05:30,TOY,ALPHA,101.25,10,,50,10${empty}`,
      `2026-11-30T09:21:30.000+05:30,TOY,ALPHA,100.9,15,,65,15${empty}`,
    ],
  );
  assert.equal(
    candles.text(),
    [
      CANDLE_CSV_HEADER.join(','),
      '2026-11-30T09:15:00.000+05:30,TOY,ALPHA,1m,100,100.5,99.5,100.2,1000,',
      '2026-11-30T09:16:00.000+05:30,TOY,ALPHA,1m,100.2,100.8,100,100.6,800,',
      '2026-11-30T09:17:00.000+05:30,TOY,ALPHA,1m,100.6,100.6,99.8,99.9,1200,',
      '2026-11-30T09:18:00.000+05:30,TOY,ALPHA,1m,99.9,100.3,99.7,100.1,600,',
      '2026-11-30T09:19:00.000+05:30,TOY,ALPHA,1m,100.1,100.4,99.9,100,900,',
      '2026-11-30T09:20:00.000+05:30,TOY,ALPHA,1m,100,101,99.75,101,30,',
      '2026-11-30T09:21:00.000+05:30,TOY,ALPHA,1m,101.25,101.25,100.9,100.9,25,',
      '',
    ].join('\n'),
  );

  unregister();
  assert.equal(findBroker('toy'), undefined, 'the undo removes it again');
  assert.deepEqual(brokerIds(), ['sim', 'kite', 'sim-dhan', 'dhan', 'sim-fyers', 'fyers', 'sim-yahoo', 'yahoo', 'sim-upstox', 'upstox']);
});

test('its capture format: `tickdesk decode template FILE` prints each captured packet, damage counted', async () => {
  cleanups.push(registerBroker(templateAdapter({ id: 'toy-live' })));
  const dir = mkdtempSync(join(tmpdir(), 'tickdesk-template-capture-'));
  const path = join(dir, 'toy.capture');
  const p: TemplatePacket = { token: 7, ltp: 101.25, ltq: 3, volume: 900, tsExchange: T1 };
  writeFileSync(path, Buffer.concat([encodeCaptureRecord(T1, encodeFrame([p])), encodeCaptureRecord(T1 + 1, Buffer.from([0, 5, 1])), encodeCaptureRecord(T1 + 2, encodeFrame([{ ...p, ltp: 101.3 }, { ...p, token: 8 }]))]));
  const { code, out, err } = await captureOutput(() => decodeCommand(['template', path]));
  assert.equal(code, 0);
  const iso = new Date(T1).toISOString();
  assert.deepEqual(
    out.trim().split('\n').map((l) => JSON.parse(l)),
    [
      { token: 7, ltp: 101.25, ltq: 3, volume: 900, tsExchange: iso },
      { token: 7, ltp: 101.3, ltq: 3, volume: 900, tsExchange: iso },
      { token: 8, ltp: 101.25, ltq: 3, volume: 900, tsExchange: iso },
    ],
  );
  assert.equal(err, 'decoded 3 frames: 3 packets, 1 malformed\n');
});
