import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { NewInstrument, Tick } from '../../shared/model';
import { Journal, RECORDER_NOT_RUNNING, SQLITE_MIGRATIONS_DIR } from './journal';

const tmp = () => join(mkdtempSync(join(tmpdir(), 'tickdesk-journal-')), 'j.sqlite');
const INFY: NewInstrument = { broker: 'kite', token: '408065', exchange: 'NSE', segment: 'NSE', symbol: 'INFY', name: 'INFOSYS', tickSize: 0.05, lotSize: 1 };
const OPT: NewInstrument = {
  broker: 'kite',
  token: '12073986',
  exchange: 'NFO',
  segment: 'NFO-OPT',
  symbol: 'BANKNIFTY18JAN23500CE',
  expiry: '2018-01-25',
  strike: 23500,
  optionType: 'CE',
  tickSize: 0.05,
  lotSize: 40,
};

test('migrates once, in WAL mode; reopening applies nothing twice', () => {
  const path = tmp();
  const j = new Journal(path);
  const files = readdirSync(SQLITE_MIGRATIONS_DIR).filter((f) => f.endsWith('.sql'));
  assert.ok(files.length >= 3);
  assert.equal(j.schemaVersion, Math.max(...files.map((f) => parseInt(f, 10))));
  assert.equal(j.db.pragma('journal_mode', { simple: true }), 'wal');
  j.close();
  const again = new Journal(path);
  assert.equal((again.db.prepare('SELECT count(*) AS n FROM schema_migrations').get() as { n: number }).n, files.length);
  again.close();
});

test('instruments: stable ids keyed by exchange + symbol; a reused token updates in place', () => {
  const j = new Journal(tmp());
  const [a, b] = j.upsertInstruments([INFY, OPT]);
  assert.equal(j.upsertInstrument({ ...INFY, name: 'INFOSYS LTD' }), a);
  assert.equal(j.instrument(a)!.name, 'INFOSYS LTD');
  assert.deepEqual(j.instrument(b), { id: b, ...OPT });
  assert.equal(j.findInstrument('NSE:INFY')!.id, a);
  assert.equal(j.findInstrument('408065')!.id, a);
  assert.equal(j.findInstrument('NFO:BANKNIFTY18JAN23500CE')!.strike, 23500);
  assert.equal(j.findInstrument('NSE:NOPE'), undefined);
  j.close();
});

test('ticks: queued, committed in one transaction per flush, read back field for field with depth', () => {
  const j = new Journal(tmp(), { flushMs: 10_000, maxPendingRows: 1000 });
  const id = j.upsertInstrument(INFY);
  const depth = new Float64Array(30).map((_, i) => i + 0.5);
  const t0 = Date.parse('2026-11-20T04:00:00Z');
  const full: Tick = {
    instrumentId: id,
    tsExchange: t0,
    tsReceived: t0 + 7,
    ltp: 1573.7,
    ltq: 7,
    atp: 1570.37,
    volume: 1192471,
    volDelta: 0,
    totalBuyQty: 256443,
    totalSellQty: 363009,
    open: 1569.15,
    high: 1575,
    low: 1561.05,
    close: 1567.8,
    bid: 0.5,
    ask: 15.5,
    bidQty: 5.5,
    askQty: 20.5,
    depth5: depth,
  };
  const ltpOnly: Tick = { instrumentId: id, tsExchange: t0 + 1000, tsReceived: t0 + 1001, ltp: 1574 };
  j.append(full);
  j.append(ltpOnly);
  assert.equal(j.countTicks(), 0, 'nothing visible before the flush');
  assert.equal(j.pendingRows, 2);
  assert.equal(j.flush(), 2);
  assert.equal(j.flushes, 1);
  const rows = j.ticks(id, t0, t0 + 1000);
  assert.deepEqual(rows, [{ id: 1, ...full }, { id: 2, ...ltpOnly }]);
  assert.equal(j.countTicks(id, t0 + 1, t0 + 5000), 1);
  assert.deepEqual(j.tickRange(id), { from: t0, to: t0 + 1000 });
  j.close();
});

test('flushes on its own within flushMs, and at once past maxPendingRows', async () => {
  const j = new Journal(tmp(), { flushMs: 30, maxPendingRows: 3 });
  const id = j.upsertInstrument(INFY);
  const now = Date.now();
  j.append({ instrumentId: id, tsExchange: now, tsReceived: now, ltp: 1 });
  await new Promise((r) => setTimeout(r, 80));
  assert.equal(j.countTicks(), 1);
  for (let i = 0; i < 3; i++) j.append({ instrumentId: id, tsExchange: now, tsReceived: now, ltp: 2 });
  assert.equal(j.countTicks(), 4, 'the third queued row triggered a flush');
  assert.equal(j.committed, 4);
  j.close();
});

test('candles read back from the journal; gaps open and close; close() commits what is queued', () => {
  const path = tmp();
  const j = new Journal(path, { flushMs: 10_000 });
  const id = j.upsertInstrument(OPT);
  const t0 = Date.parse('2026-11-20T09:15:00+05:30');
  const prices = [100, 101, 99, 102, 98];
  prices.forEach((ltp, i) => j.append({ instrumentId: id, tsExchange: t0 + i * 30_000, tsReceived: t0 + i * 30_000, ltp, volDelta: 10 * (i + 1), oi: 1000 + i }));
  j.flush();
  assert.deepEqual(j.candles(id, '1m', t0, t0 + 300_000), [
    { t: t0 / 1000, o: 100, h: 101, l: 100, c: 101, v: 30, oi: 1001 },
    { t: t0 / 1000 + 60, o: 99, h: 102, l: 99, c: 102, v: 70, oi: 1003 },
    { t: t0 / 1000 + 120, o: 98, h: 98, l: 98, c: 98, v: 50, oi: 1004 },
  ]);
  const g = j.openGap('kite', 0, t0, 'closed 1006');
  assert.deepEqual(j.gaps(), [{ id: g, feed: 'kite', connection: 0, startTs: t0, endTs: null, reason: 'closed 1006' }]);
  j.closeGap(g, t0 + 500);
  j.closeGap(g, t0 + 900); // a closed gap stays as it was
  assert.equal(j.gaps()[0].endTs, t0 + 500);
  j.append({ instrumentId: id, tsExchange: t0 + 400_000, tsReceived: t0 + 400_000, ltp: 97 });
  j.close();
  const ro = new Journal(path, { readonly: true });
  assert.equal(ro.countTicks(id), 6);
  assert.equal(ro.integrityCheck(), 'ok');
  ro.close();
});

test('pruning removes only old rows every sink has confirmed; unconfirmed rows are never pruned', () => {
  const j = new Journal(tmp(), { flushMs: 10_000 });
  const id = j.upsertInstrument(INFY);
  const old = Date.now() - 10 * 86400_000;
  for (let i = 0; i < 10; i++) j.append({ instrumentId: id, tsExchange: old + i, tsReceived: old + i, ltp: 100 + i });
  j.append({ instrumentId: id, tsExchange: Date.now(), tsReceived: Date.now(), ltp: 200 });
  j.flush();
  assert.equal(j.pruneSynced(Date.now() - 86400_000), 0, 'no sink has confirmed anything');
  j.setSynced('db-a', 'ticks', 6);
  j.setSynced('db-b', 'ticks', 4);
  assert.equal(j.pruneSynced(Date.now() - 86400_000), 4, 'only what both sinks confirmed');
  j.setSynced('db-b', 'ticks', 11);
  assert.equal(j.pruneSynced(Date.now() - 86400_000), 2, 'rows 5-6; 7-10 unconfirmed by db-a, 11 too new');
  assert.deepEqual(j.ticks(id, 0, Date.now() + 1000).map((t) => t.id), [7, 8, 9, 10, 11]);
  j.close();
});

const snap = (instrumentId: number, ts: number, side: 'bid' | 'ask', prices: number[], qtys: number[]) => ({
  instrumentId,
  ts,
  side,
  levels: prices.length,
  price: Float64Array.from(prices),
  qty: Uint32Array.from(qtys),
  orders: Uint32Array.from(qtys.map((q) => Math.ceil(q / 10))),
});

test('depth snapshots: one row per side, committed with the ticks; the book as of T; heatmap cells', () => {
  const j = new Journal(tmp(), { flushMs: 10_000 });
  const id = j.upsertInstrument(OPT);
  const t0 = Date.parse('2026-11-20T09:15:00+05:30');
  j.appendDepth(snap(id, t0, 'bid', [100, 99.95, 99.9], [10, 20, 30]));
  j.appendDepth(snap(id, t0, 'ask', [100.05, 100.1], [5, 15]));
  j.appendDepth(snap(id, t0 + 500, 'bid', [100.05, 100], [40, 12]));
  j.append({ instrumentId: id, tsExchange: t0, tsReceived: t0, ltp: 100 });
  assert.equal(j.countDepth(), 0);
  j.flush();
  assert.equal(j.countDepth(id), 3);
  assert.equal(j.depthCommitted, 3);
  const early = j.bookAsOf(id, t0 + 499);
  assert.deepEqual([...early.bid!.price], [100, 99.95, 99.9]);
  assert.deepEqual([...early.ask!.qty], [5, 15]);
  const late = j.latestBook(id);
  assert.deepEqual([...late.bid!.price], [100.05, 100]);
  assert.deepEqual([...late.bid!.orders], [4, 2]);
  assert.equal(late.ask!.ts, t0, 'the ask side did not change');
  assert.deepEqual(j.bookAsOf(id, t0 - 1), { bid: null, ask: null });
  // 1 s × 0.10 rupee cells: max quantity seen in each.
  assert.deepEqual(j.depthHeatmap(id, t0, t0 + 1000, 1000, 0.1), [
    { t: t0, price: 99.9, maxQty: 30 },
    { t: t0, price: 100, maxQty: 40 },
    { t: t0, price: 100.1, maxQty: 15 },
  ]);
  j.close();
});

const tickAt = (instrumentId: number, ts: number, ltp: number): Tick => ({ instrumentId, tsExchange: ts, tsReceived: ts, ltp });

test('ids never go back: after every row is pruned or deleted, ticks, depth, gaps and candles are numbered above the old ones', () => {
  const j = new Journal(tmp(), { flushMs: 10_000 });
  const id = j.upsertInstrument(INFY);
  const old = Date.now() - 10 * 86400_000;
  for (let i = 0; i < 5; i++) {
    j.append(tickAt(id, old + i, 100 + i));
    j.appendDepth(snap(id, old + i, 'bid', [100], [10]));
  }
  j.flush();
  for (let i = 0; i < 3; i++) j.closeGap(j.openGap('kite', 0, old + i, 'closed 1006'), old + i + 1);
  j.upsertCandles(id, '1m', [1, 2, 3, 4].map((k) => ({ t: k * 60, o: 1, h: 1, l: 1, c: 1, v: 1 })), 'kite');
  // A sink confirmed everything: pruning empties ticks and depth. Nothing prunes gaps or backfilled
  // candles, but their numbers must not depend on that either.
  j.setSynced('db', 'ticks', 5);
  j.setSynced('db', 'depth', 5);
  assert.equal(j.pruneSynced(Date.now() - 86400_000), 10);
  assert.equal(j.countTicks() + j.countDepth(), 0);
  j.db.exec('DELETE FROM feed_gaps; DELETE FROM candles');

  j.append(tickAt(id, Date.now(), 200));
  j.appendDepth(snap(id, Date.now(), 'ask', [101], [5]));
  j.flush();
  assert.deepEqual(j.ticks(id, 0, Date.now() + 1000).map((t) => t.id), [6]);
  assert.deepEqual(j.depthAfter(0, 10).map((r) => r[0]), [6]);
  assert.equal(j.openGap('kite', 0, Date.now(), 'closed 1006'), 4);
  j.upsertCandles(id, '1m', [{ t: 600, o: 2, h: 2, l: 2, c: 2, v: 2 }], 'kite');
  assert.deepEqual(j.candlesAfter(0, 10).map((r) => r[0]), [5]);
  assert.deepEqual((['ticks', 'depth', 'feed_gaps', 'candles'] as const).map((s) => j.lastIssued(s)), [6, 6, 4, 5]);
  j.close();
});

test('an existing journal keeps its ids and rows; one that pruning emptied goes on above what its sinks confirmed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tickdesk-ids-'));
  const old = join(dir, 'migrations');
  mkdirSync(old);
  for (const f of readdirSync(SQLITE_MIGRATIONS_DIR).filter((f) => f < '007')) copyFileSync(join(SQLITE_MIGRATIONS_DIR, f), join(old, f));
  const t0 = Date.parse('2026-11-20T04:00:00Z');
  // One journal with rows (ids 1-3, then 2 deleted), one whose rows a sink confirmed (up to 40) and pruning removed.
  const kept = join(dir, 'kept.sqlite');
  const emptied = join(dir, 'emptied.sqlite');
  for (const path of [kept, emptied]) {
    const j = new Journal(path, { migrationsDir: old });
    const id = j.upsertInstrument(INFY);
    for (let i = 0; i < 3; i++) j.db.prepare('INSERT INTO ticks (instrument_id, ts_exchange, ts_received, ltp) VALUES (?, ?, ?, ?)').run(id, t0 + i, t0 + i, 100 + i);
    j.db.exec('DELETE FROM ticks WHERE id = 2');
    if (path === emptied) {
      j.setSynced('db#a', 'ticks', 40);
      j.setSynced('db#b', 'ticks', 35);
      j.setSynced('db#a', 'depth', 12);
      j.db.exec('DELETE FROM ticks');
    }
    j.db.close();
  }
  const k = new Journal(kept);
  assert.match(k.journalId!, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.deepEqual(k.ticks(1, 0, t0 + 10).map((t) => [t.id, t.ltp]), [[1, 100], [3, 102]]);
  k.append(tickAt(1, t0 + 5, 105));
  k.flush();
  assert.deepEqual(k.ticks(1, 0, t0 + 10).map((t) => t.id), [1, 3, 4]);
  const e = new Journal(emptied);
  assert.notEqual(e.journalId, k.journalId, 'every journal has its own id');
  e.append(tickAt(1, t0 + 5, 105));
  e.appendDepth(snap(1, t0 + 5, 'bid', [100], [1]));
  e.flush();
  assert.deepEqual(e.ticks(1, 0, t0 + 10).map((t) => t.id), [41]);
  assert.deepEqual(e.depthAfter(0, 10).map((r) => r[0]), [13]);
  const id = e.journalId;
  k.close();
  e.close();
  const ro = new Journal(emptied, { readonly: true });
  assert.equal(ro.journalId, id, 'the id is kept');
  ro.close();
});

test('a restart after a crash: open gaps end at the last journaled moment; the outage until the first new row is a gap', () => {
  const path = tmp();
  const before = new Journal(path, { flushMs: 10_000 });
  const id = before.upsertInstrument(INFY);
  const t0 = Date.parse('2026-11-20T04:00:00Z');
  before.append(tickAt(id, t0, 100));
  before.flush();
  const open = before.openGap('kite', 1, t0 + 1_000, 'closed 1006'); // connection 1 drops
  before.append(tickAt(id, t0 + 2_000, 101)); // connection 0 goes on
  before.flush();
  // The process dies here: no close, the gap stays open. The next run opens the same file.
  const after = new Journal(path, { flushMs: 10_000 });
  after.beginRecording();
  assert.deepEqual(after.gaps(), [{ id: open, feed: 'kite', connection: 1, startTs: t0 + 1_000, endTs: t0 + 2_000, reason: 'closed 1006' }]);
  after.append(tickAt(id, t0 + 60_000, 102));
  after.append(tickAt(id, t0 + 60_001, 103));
  after.flush();
  assert.deepEqual(after.gaps().slice(1), [{ id: open + 1, feed: 'recorder', connection: 0, startTs: t0 + 2_000, endTs: t0 + 60_000, reason: RECORDER_NOT_RUNNING }]);
  after.append(tickAt(id, t0 + 61_000, 104));
  after.flush();
  assert.equal(after.gaps().length, 2, 'one outage per start');
  after.close();
  before.close();

  // A clean stop closes its gaps; the time until the next start is an outage all the same. A new
  // journal has missed nothing.
  const again = new Journal(path, { flushMs: 10_000 });
  again.beginRecording();
  again.appendDepth(snap(id, t0 + 90_000, 'bid', [100], [1]));
  again.flush();
  assert.deepEqual(again.gaps().slice(2).map((g) => [g.startTs, g.endTs, g.reason]), [[t0 + 61_000, t0 + 90_000, RECORDER_NOT_RUNNING]]);
  again.close();
  const fresh = new Journal(tmp(), { flushMs: 10_000 });
  fresh.beginRecording();
  fresh.append(tickAt(fresh.upsertInstrument(INFY), t0, 100));
  fresh.flush();
  assert.deepEqual(fresh.gaps(), []);
  fresh.close();
});

test('pruning: depth goes like ticks, only what every sink confirmed; a sink that refused the journal confirms nothing', () => {
  const j = new Journal(tmp(), { flushMs: 10_000 });
  const id = j.upsertInstrument(INFY);
  const old = Date.now() - 10 * 86400_000;
  for (let i = 0; i < 6; i++) {
    j.append(tickAt(id, old + i, 100 + i));
    j.appendDepth(snap(id, old + i, 'bid', [100], [10]));
  }
  j.flush();
  j.setSynced('db#a', 'ticks', 6);
  j.setSynced('db#a', 'depth', 4);
  j.setSynced('db#b', 'ticks', 6); // connected, sent no depth yet: it has none confirmed
  assert.equal(j.pruneSynced(Date.now()), 6, 'all ticks; no depth');
  j.setSynced('db#b', 'depth', 2);
  assert.equal(j.pruneSynced(Date.now()), 2, 'depth 1-2');
  // A refused sink will never take these rows: they wait for the sinks that do, and with none, stay.
  j.refuseSink('db#b', 'ids below its watermark');
  assert.equal(j.sinkRefusal('db#b'), 'ids below its watermark');
  assert.equal(j.pruneSynced(Date.now()), 2, 'depth 3-4, confirmed by db#a');
  j.refuseSink('db#a', 'ids below its watermark');
  j.append(tickAt(id, old + 10, 110));
  j.flush();
  j.setSynced('db#a', 'ticks', 7);
  assert.equal(j.pruneSynced(Date.now()), 0);
  assert.deepEqual([j.countTicks(), j.countDepth()], [1, 2]);
  j.close();
});
