// Every statement of the journal is compiled once per journal, whatever the arguments.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Candle, Tick } from '../../../shared/model';
import { Journal } from '../journal';

const T0 = Date.parse('2026-11-20T10:00:00+05:30');

/** One call of every query and write the journal has; `k` varies the arguments between rounds. */
function workload(j: Journal, k: number): void {
  const [a, b] = j.upsertInstruments([
    { broker: 'kite', token: String(408065 + k), exchange: 'NSE', segment: 'NSE', symbol: `INFY${k}`, tickSize: 0.05, lotSize: 1 },
    { broker: 'dhan', token: String(1594 + k), exchange: 'NSE', segment: 'NSE_EQ', symbol: `INFY${k}`, tickSize: 0.05, lotSize: 1 },
  ]);
  j.upsertInstrument({ broker: 'kite', token: String(256265 + k), exchange: 'NSE', segment: 'INDICES', symbol: `NIFTY ${k}`, tickSize: 0.05, lotSize: 1 });
  const t = T0 + k * 600_000;
  const book = new Float64Array(30).map((_, i) => 100 + i);
  const tick = (dt: number, ltp: number): Tick => ({ instrumentId: a, tsExchange: t + dt, tsReceived: t + dt + 5, ltp, volDelta: 2, oi: 10, depth5: book });
  j.append(tick(1_000, 100));
  j.append(tick(40_000, 101));
  j.appendDepth({ instrumentId: a, ts: t + 1_000, side: 'bid', levels: 2, price: new Float64Array([99.9, 99.8]), qty: new Uint32Array([5, 6]), orders: new Uint32Array([1, 2]) });
  j.flush();
  const history: Candle[] = [{ t: t / 1000, o: 99, h: 102, l: 98, c: 100, v: 50 }];
  j.upsertCandles(a, '1m', history, 'kite', t + 30_000); // fetched mid-bucket: the seam query runs
  const gap = j.openGap('kite', k, t + 50_000, 'closed 1006');
  j.closeGap(gap, t + 55_000);
  for (const s of ['ticks', 'depth', 'feed_gaps', 'candles'] as const) j.lastIssued(s);
  void j.schemaVersion;
  j.instruments();
  j.instrument(a);
  j.counterparts(a);
  j.instrumentBySegmentToken('dhan', 'NSE_EQ', String(1594 + k));
  j.instrumentsByToken('kite', String(408065 + k));
  j.findByKey(`NSE:INFY${k}`, 'dhan');
  j.recordMasterImport('kite', { fetchedAt: t, istDay: '2026-11-20', rows: 3 + k, source: 'test' });
  j.masterImport('kite');
  for (const broker of [undefined, 'kite', 'dhan'])
    for (const ref of [`NSE:INFY${k}`, `INDICES:NIFTY ${k}`, `NSE:NOPE${k}`, String(408065 + k), String(b), 'nonsense']) j.findInstrument(ref, broker);
  j.countTicks();
  j.countTicks(a, t, t + 60_000);
  j.ticks(a, t, t + 60_000);
  j.tickRange();
  j.tickRange(a);
  j.maxCandleSeq();
  j.candlesAfter(k, 10);
  j.storedCandleStart(a, '1m', t + 60_000, 1);
  j.storedCandleStart(a, '1m', t - 3_600_000, 5);
  j.storedCandles(a, '1m', t, t + 60_000);
  j.chartCandles(a, '1m', t, t + 60_000);
  j.candles(a, '1m', t, t + 60_000);
  j.latestBook(a);
  j.bookAsOf(a, t + 2_000);
  j.countDepth();
  j.countDepth(a);
  j.depthHeatmap(a, t, t + 60_000, 1_000, 0.5);
  j.ticksAfter(k, 10);
  j.ticksAfter(0, 10 + k, 1 + k);
  j.instrumentsBetween(0, 2 + k);
  j.idAfter(k, 2);
  j.depthAfter(k, 10);
  j.maxDepthId();
  j.maxTickId();
  j.firstReceivedAfter(k);
  j.gapsForSync(k, []);
  j.gapsForSync(0, [gap]);
  j.gapsForSync(0, [1, gap, 7 + k]);
  j.setSynced(`pg/test#${k}`, 'ticks', 1);
  j.setSynced(`pg/test#${k}`, 'depth', 1);
  j.synced(`pg/test#${k}`, 'ticks');
  j.syncedSinks();
  j.refuseSink(`pg/other#${k}`, 'ids behind');
  j.sinkRefusal(`pg/other#${k}`);
  j.pruneSynced(t - 1);
  j.lastJournaledMoment();
  j.gaps();
  j.beginRecording(); // the next round's first flush writes the outage
}

test('every statement is prepared once: a second round of every call, other arguments, prepares nothing', () => {
  const j = new Journal(join(mkdtempSync(join(tmpdir(), 'tickdesk-stmt-')), 'j.sqlite'), { flushMs: 1_000_000 });
  const prepare = j.db.prepare.bind(j.db);
  const prepared: string[] = [];
  j.db.prepare = ((sql: string) => {
    prepared.push(sql);
    return prepare(sql);
  }) as typeof j.db.prepare;
  workload(j, 1);
  const first = [...prepared];
  assert.ok(first.length > 40, `the workload reaches the journal's statements (${first.length})`);
  assert.deepEqual(first.filter((sql, i) => first.indexOf(sql) !== i), [], 'no statement prepared twice in the first round');
  prepared.length = 0;
  workload(j, 2);
  workload(j, 3);
  assert.deepEqual(prepared, []);
  j.close();
});
