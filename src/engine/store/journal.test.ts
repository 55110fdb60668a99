import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { NewInstrument, Tick } from '../../shared/model';
import { Journal, SQLITE_MIGRATIONS_DIR } from './journal';

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
