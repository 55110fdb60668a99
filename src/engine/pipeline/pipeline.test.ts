import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bucketStart, type Tick } from '../../shared/model';
import { TickBus } from './bus';
import { candlesFromTicks } from './candles';
import { MAX_INSTRUMENTS_TRACKED, Pipeline } from './pipeline';
import { rejectsByInstrumentText, rejectsSummary } from './rejects';

const NOW = Date.parse('2026-11-20T04:00:00Z');
const tick = (over: Partial<Tick> = {}): Tick => ({ instrumentId: 1, tsExchange: NOW, tsReceived: NOW + 5, ltp: 100, ...over });

test('rejects non-finite, non-positive, far-off timestamps and band breaks; counts each; never throws', () => {
  const bus = new TickBus();
  const got: Tick[] = [];
  bus.onAny((t) => got.push(t));
  const p = new Pipeline(bus, { priceBand: 0.1, maxFutureMs: 1000, maxPastMs: 60_000 });
  const results = [
    p.ingest(tick()),
    p.ingest(tick({ ltp: NaN })),
    p.ingest(tick({ ltp: Infinity })),
    p.ingest(tick({ ltp: 0 })),
    p.ingest(tick({ ltp: -5 })),
    p.ingest(tick({ atp: -1 })),
    p.ingest(tick({ high: NaN })),
    p.ingest(tick({ tsExchange: NOW + 5000 })),
    p.ingest(tick({ tsExchange: NOW - 120_000 })),
    p.ingest(tick({ ltp: 111 })),
    p.ingest(tick({ ltp: 109.9 })),
    p.ingest(tick({ instrumentId: 2, ltp: 5000 })),
  ];
  assert.deepEqual(results, [true, false, false, false, false, false, false, false, false, false, true, true]);
  assert.deepEqual(p.stats, { accepted: 3, rejected: { nonFinite: 3, nonPositive: 3, timestamp: 2, band: 1 }, reanchored: 0 });
  assert.equal(got.length, 3);
});

test('the band is never narrower than 10 ticks: a ₹0.20 option moves a ₹0.05 tick at a time, a wild price is still refused', () => {
  const p = new Pipeline(new TickBus());
  // No tick size known: ₹0.05. Every step here is ≥ 25 % of the last price; 20 % alone refused them all.
  const prices = [0.2, 0.25, 0.2, 0.15, 0.1, 0.05, 0.1, 0.15, 0.65, 1.2, 1.15, 6];
  assert.deepEqual(
    prices.map((ltp) => p.ingest(tick({ ltp }))),
    // 0.15 → 0.65 is 10 ticks (in); 0.65 → 1.20 is 11 (out); 1.15 is 10 (in); 6 is out (20 % of 1.15 is 0.23).
    [true, true, true, true, true, true, true, true, true, false, true, false],
  );
  assert.deepEqual(p.stats.rejected, { nonFinite: 0, nonPositive: 0, timestamp: 0, band: 2 });
  // Above 10 ticks' worth the fraction rules: 20 % of 2000 is 400.
  assert.deepEqual([2000, 2400, 2900].map((ltp) => p.ingest(tick({ instrumentId: 7, ltp }))), [true, true, false]);
});

test("the band uses each instrument's own tick size; an unknown or unusable one counts as ₹0.05", () => {
  const ticks = new Map<number, number>([
    [1, 1], // MCX crude: ₹1 tick, so ₹10 of band at any price
    [2, 0.0025], // currency: 10 ticks = 0.025
    [3, 0], // nonsense from a bad master row
  ]);
  const p = new Pipeline(new TickBus(), {}, (id) => ticks.get(id));
  assert.deepEqual([20, 30, 41].map((ltp) => p.ingest(tick({ instrumentId: 1, ltp }))), [true, true, false]);
  assert.deepEqual([0.1, 0.125, 0.155].map((ltp) => p.ingest(tick({ instrumentId: 2, ltp }))), [true, true, false]);
  assert.deepEqual([1, 1.5, 2.05].map((ltp) => p.ingest(tick({ instrumentId: 3, ltp }))), [true, true, false]);
  assert.deepEqual([1, 1.5, 2.05].map((ltp) => p.ingest(tick({ instrumentId: 4, ltp }))), [true, true, false]);
});

test('a jump that the next prices agree on moves the band after 5 rejects; a lone outlier or disagreeing prices never do', () => {
  const p = new Pipeline(new TickBus());
  const feed = (id: number, prices: number[]) => prices.map((ltp) => p.ingest(tick({ instrumentId: id, ltp })));
  // A result: 100 → ~150 and it stays there. Five rejects, then the sixth agreeing price is the new level.
  assert.deepEqual(feed(1, [100, 150, 151, 149, 150.5, 152, 151, 153, 149]), [true, false, false, false, false, false, true, true, true]);
  // Lone outliers between good prices: each one is refused, and a good price in between starts the count again.
  assert.deepEqual(feed(1, [500, 150, 500, 500, 500, 500, 500, 151, 500]), [false, true, false, false, false, false, false, true, false]);
  // Out-of-band prices that disagree with each other (a corrupt feed) never move the band.
  assert.deepEqual(feed(2, [100, 10, 400, 10, 400, 10, 400, 10, 400, 10, 400, 101]), [true, ...Array<boolean>(10).fill(false), true]);
  // A run is counted from its first price: 60 then five of 150 is a run of five, so 150 is refused once more.
  assert.deepEqual(feed(3, [100, 60, 150, 150, 150, 150, 150, 150, 150]), [true, false, false, false, false, false, false, true, true]);
  assert.deepEqual(p.stats, { accepted: 11, rejected: { nonFinite: 0, nonPositive: 0, timestamp: 0, band: 28 }, reanchored: 2 });
  assert.deepEqual(p.rejectsByInstrument(), [
    { instrumentId: 1, total: 12, rejected: { nonFinite: 0, nonPositive: 0, timestamp: 0, band: 12 }, reanchored: 1 },
    { instrumentId: 2, total: 10, rejected: { nonFinite: 0, nonPositive: 0, timestamp: 0, band: 10 }, reanchored: 0 },
    { instrumentId: 3, total: 6, rejected: { nonFinite: 0, nonPositive: 0, timestamp: 0, band: 6 }, reanchored: 1 },
  ]);
  // A mis-scaled first price (100× off) anchors the band, but the true prices take it back.
  const fresh = new Pipeline(new TickBus());
  assert.deepEqual([10_000, 100, 100.5, 99.5, 100, 100, 100, 100.5].map((ltp) => fresh.ingest(tick({ ltp }))), [true, false, false, false, false, false, true, true]);
  // reanchorAfter 0: never.
  const strict = new Pipeline(new TickBus(), { reanchorAfter: 0 });
  assert.deepEqual([100, ...Array<number>(20).fill(150)].map((ltp) => strict.ingest(tick({ ltp }))), [true, ...Array<boolean>(20).fill(false)]);
});

test('rejects are counted per instrument and reason, worst first; memory is bounded by instruments, not ticks', () => {
  const p = new Pipeline(new TickBus(), { maxFutureMs: 1000 });
  p.ingest(tick({ instrumentId: 5, ltp: 100 }));
  p.ingest(tick({ instrumentId: 5, ltp: 1000 }));
  p.ingest(tick({ instrumentId: 5, tsExchange: NOW + 10_000 }));
  p.ingest(tick({ instrumentId: 5, ltp: NaN }));
  p.ingest(tick({ instrumentId: 9, ltp: -1 }));
  p.ingest(tick({ instrumentId: 9, ltp: 0 }));
  p.ingest(tick({ instrumentId: 2, tsExchange: NOW + 10_000 }));
  p.ingest(tick({ instrumentId: 2, ltp: 50 }));
  assert.equal(p.instrumentsWithRejects, 3, 'instrument 2 and 5 and 9');
  assert.deepEqual(p.rejectsByInstrument(2), [
    { instrumentId: 5, total: 3, rejected: { nonFinite: 1, nonPositive: 0, timestamp: 1, band: 1 }, reanchored: 0 },
    { instrumentId: 9, total: 2, rejected: { nonFinite: 0, nonPositive: 2, timestamp: 0, band: 0 }, reanchored: 0 },
  ]);
  // A copy: the caller cannot change the counts.
  p.rejectsByInstrument(1)[0].rejected.band = 99;
  assert.equal(p.rejectsByInstrument(1)[0].rejected.band, 1);

  const many = new Pipeline(new TickBus());
  for (let id = 0; id < MAX_INSTRUMENTS_TRACKED + 50; id++) many.ingest(tick({ instrumentId: id, ltp: NaN }));
  for (let k = 0; k < 1000; k++) many.ingest(tick({ instrumentId: 0, ltp: NaN }));
  assert.equal(many.instrumentsWithRejects, MAX_INSTRUMENTS_TRACKED);
  assert.equal(many.stats.rejected.nonFinite, MAX_INSTRUMENTS_TRACKED + 1050, 'the totals still count every reject');
  assert.deepEqual(many.rejectsByInstrument(1)[0], { instrumentId: 0, total: 1001, rejected: { nonFinite: 1001, nonPositive: 0, timestamp: 0, band: 0 }, reanchored: 0 });
});

test('rejects as text: by reason on the progress line, by instrument at the end of a run', () => {
  const none = { nonFinite: 0, nonPositive: 0, timestamp: 0, band: 0 };
  assert.equal(rejectsSummary(none, 0), 'rejects 0');
  assert.equal(rejectsSummary({ ...none, band: 2, timestamp: 1 }, 0), 'rejects 3 (band 2, timestamp 1)');
  assert.equal(rejectsSummary({ nonFinite: 4, nonPositive: 1, timestamp: 1, band: 9 }, 2), 'rejects 15 (band 9, non-finite 4, timestamp 1, non-positive 1; 2 band re-anchored)');
  assert.equal(rejectsByInstrumentText([], 0), null);
  assert.equal(
    rejectsByInstrumentText(
      [
        { instrumentId: 40, symbol: 'NFO:NIFTY26DEC23500PE', total: 63, byReason: { ...none, band: 63 }, reanchored: 2 },
        { instrumentId: 3, symbol: 'NSE:INFY', total: 2, byReason: { ...none, timestamp: 2 }, reanchored: 0 },
      ],
      5,
    ),
    'rejects by instrument: NFO:NIFTY26DEC23500PE 63 (band 63; 2 band re-anchored), NSE:INFY 2 (timestamp 2), and 3 more',
  );
});

test('enrich: best bid/ask, spread, mid, book imbalance, volume since the last tick', () => {
  const p = new Pipeline(new TickBus());
  // 2 levels: bids 99.9 x10, 99.85 x30; asks 100.05 x20, 100.1 x0
  const depth = new Float64Array([99.9, 99.85, 10, 30, 1, 2, 100.05, 100.1, 20, 0, 3, 0]);
  const a = tick({ volume: 1000, depth5: depth });
  p.ingest(a);
  assert.equal(a.bid, 99.9);
  assert.equal(a.ask, 100.05);
  assert.equal(a.bidQty, 10);
  assert.equal(a.askQty, 20);
  assert.equal(a.spread, 0.15);
  assert.equal(a.mid, 99.975);
  assert.equal(a.imbalance, (40 - 20) / 60);
  assert.equal(a.volDelta, 0, 'first tick seen: nothing to difference against');
  const b = tick({ volume: 1075 });
  p.ingest(b);
  assert.equal(b.volDelta, 75);
  const c = tick({ volume: 20 }); // a new session restarts the cumulative count
  p.ingest(c);
  assert.equal(c.volDelta, 20);
});

test('the bus routes per instrument and to catch-all listeners; unsubscribe works', () => {
  const bus = new TickBus();
  const one: number[] = [];
  const all: number[] = [];
  const off = bus.on(1, (t) => one.push(t.ltp));
  bus.onAny((t) => all.push(t.ltp));
  bus.publish(tick({ ltp: 1 }));
  bus.publish(tick({ instrumentId: 2, ltp: 2 }));
  off();
  bus.publish(tick({ ltp: 3 }));
  assert.deepEqual(one, [1]);
  assert.deepEqual(all, [1, 2, 3]);
});

test('candles align to IST boundaries and carry OHLC, volume and last OI', () => {
  const t0 = Date.parse('2026-11-20T09:15:00+05:30');
  assert.equal(bucketStart(t0 + 59_999, '1m'), t0 / 1000);
  assert.equal(bucketStart(t0, '1d'), Date.parse('2026-11-20T00:00:00+05:30') / 1000);
  // Intraday bars count from the 09:15 open, as Kite's 10/30/60-minute candles do.
  assert.equal(bucketStart(t0 + 59 * 60_000, '1h'), t0 / 1000);
  assert.equal(bucketStart(t0 + 60 * 60_000, '1h'), Date.parse('2026-11-20T10:15:00+05:30') / 1000);
  assert.equal(bucketStart(Date.parse('2026-11-20T15:29:59+05:30'), '1h'), Date.parse('2026-11-20T15:15:00+05:30') / 1000);
  assert.equal(bucketStart(Date.parse('2026-11-20T09:24:59+05:30'), '10m'), t0 / 1000);
  assert.equal(bucketStart(Date.parse('2026-11-20T09:25:00+05:30'), '10m'), Date.parse('2026-11-20T09:25:00+05:30') / 1000);
  assert.equal(bucketStart(Date.parse('2026-11-20T10:14:00+05:30'), '30m'), Date.parse('2026-11-20T09:45:00+05:30') / 1000);
  assert.equal(bucketStart(Date.parse('2026-11-20T15:29:00+05:30'), '1d'), Date.parse('2026-11-20T00:00:00+05:30') / 1000);
  // 25 minutes do not divide a day: each morning counts from 09:15 again (…, 15:05, 15:30 / 09:15).
  assert.equal(bucketStart(Date.parse('2026-11-20T09:39:59+05:30'), '25m'), t0 / 1000);
  assert.equal(bucketStart(Date.parse('2026-11-20T09:40:00+05:30'), '25m'), Date.parse('2026-11-20T09:40:00+05:30') / 1000);
  assert.equal(bucketStart(Date.parse('2026-11-20T15:29:59+05:30'), '25m'), Date.parse('2026-11-20T15:05:00+05:30') / 1000);
  assert.equal(bucketStart(Date.parse('2026-11-23T09:15:00+05:30'), '25m'), Date.parse('2026-11-23T09:15:00+05:30') / 1000);
  assert.equal(bucketStart(Date.parse('2026-11-23T09:14:59+05:30'), '25m'), Date.parse('2026-11-23T08:50:00+05:30') / 1000);
  assert.equal(bucketStart(t0 + 14 * 60_000, '15m'), t0 / 1000);
  const ticks = [
    { tsExchange: t0 + 1000, ltp: 100, volDelta: 5, oi: 10 },
    { tsExchange: t0 + 2000, ltp: 102, volDelta: 1, oi: 11 },
    { tsExchange: t0 + 3000, ltp: 99, volDelta: 2 },
    { tsExchange: t0 + 61_000, ltp: 101, volDelta: 4, oi: 12 },
  ];
  assert.deepEqual(candlesFromTicks(ticks, '1m'), [
    { t: t0 / 1000, o: 100, h: 102, l: 99, c: 99, v: 8, oi: 11 },
    { t: t0 / 1000 + 60, o: 101, h: 101, l: 101, c: 101, v: 4, oi: 12 },
  ]);
  assert.deepEqual(candlesFromTicks(ticks, '5m'), [{ t: t0 / 1000, o: 100, h: 102, l: 99, c: 101, v: 12, oi: 12 }]);
});
