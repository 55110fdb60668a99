import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bucketStart, type Tick } from '../../shared/model';
import { TickBus } from './bus';
import { candlesFromTicks } from './candles';
import { Pipeline } from './pipeline';

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
  assert.deepEqual(p.stats, { accepted: 3, rejected: { nonFinite: 3, nonPositive: 3, timestamp: 2, band: 1 } });
  assert.equal(got.length, 3);
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
