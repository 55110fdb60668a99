// The SQLite journal: every tick appended (WAL, one transaction per flush), instruments, feed gaps,
// and the queries that charts, export and replay read.
import Database from 'better-sqlite3';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { INTERVAL_SECONDS, bucketStart, type Candle, type CandleInterval, type DepthBook, type DepthSnapshot, type FeedGap, type Instrument, type NewInstrument, type Side, type Tick } from '../../shared/model';
import { crossBrokerKey } from '../instruments/xkey';
import type { GapRecorder } from '../feed/connection';
import { candlesFromTicks, type CandleInput } from '../pipeline/candles';

export const SQLITE_MIGRATIONS_DIR = fileURLToPath(new URL('../../../db/sqlite/', import.meta.url));

export interface JournalOptions {
  /** Flush at least this often, ms. */
  flushMs?: number;
  /** Flush as soon as this many rows are waiting. */
  maxPendingRows?: number;
  readonly?: boolean;
  /** Where the numbered .sql migrations live (packaged apps ship them as resources). */
  migrationsDir?: string;
}

/** A tick row as stored (depth decoded back to a book). */
export interface TickRow extends Tick {
  id: number;
}

type Row = Record<string, number | string | null | Buffer>;

const TICK_COLUMNS = [
  'instrument_id',
  'ts_exchange',
  'ts_received',
  'ltp',
  'ltq',
  'atp',
  'volume',
  'vol_delta',
  'oi',
  'total_buy_qty',
  'total_sell_qty',
  'open',
  'high',
  'low',
  'close',
  'bid',
  'ask',
  'bid_qty',
  'ask_qty',
  'depth',
] as const;

export const INSERT_TICK_SQL = `INSERT INTO ticks (${TICK_COLUMNS.join(', ')}) VALUES (${TICK_COLUMNS.map(() => '?').join(', ')})`;
/** The journal's own insert: the id comes from its sequence (see reserveIds), not from SQLite. */
const INSERT_TICK_WITH_ID_SQL = `INSERT INTO ticks (id, ${TICK_COLUMNS.join(', ')}) VALUES (?, ${TICK_COLUMNS.map(() => '?').join(', ')})`;

/** The streams a sink replicates, each numbered by its own sequence. */
export type JournalStream = 'ticks' | 'depth' | 'feed_gaps' | 'candles';

/** The highest id a stream ever gave: its counter, or the table's own maximum if that is higher. */
const LAST_ISSUED_SQL: Record<JournalStream, string> = {
  ticks: "SELECT max(coalesce((SELECT last FROM sequences WHERE name = 'ticks'), 0), coalesce((SELECT max(id) FROM ticks), 0)) AS n",
  depth: "SELECT max(coalesce((SELECT last FROM sequences WHERE name = 'depth'), 0), coalesce((SELECT max(id) FROM depth), 0)) AS n",
  feed_gaps: "SELECT max(coalesce((SELECT last FROM sequences WHERE name = 'feed_gaps'), 0), coalesce((SELECT max(id) FROM feed_gaps), 0)) AS n",
  candles: "SELECT max(coalesce((SELECT last FROM sequences WHERE name = 'candles'), 0), coalesce((SELECT max(seq) FROM candles), 0)) AS n",
};

/** The reason of the outage written when a recorder starts again on a journal. */
export const RECORDER_NOT_RUNNING = 'recorder not running';

function depthBlob(book: DepthBook | undefined): Buffer | null {
  return book ? Buffer.from(book.buffer, book.byteOffset, book.byteLength) : null;
}

/** Binds one tick to INSERT_TICK_WITH_ID_SQL positionally (no per-row parameter array: this is the hot path). */
function insertTick(stmt: Database.Statement, id: number, t: Tick): void {
  stmt.run(
    id,
    t.instrumentId,
    t.tsExchange,
    t.tsReceived,
    t.ltp,
    t.ltq,
    t.atp,
    t.volume,
    t.volDelta,
    t.oi,
    t.totalBuyQty,
    t.totalSellQty,
    t.open,
    t.high,
    t.low,
    t.close,
    t.bid,
    t.ask,
    t.bidQty,
    t.askQty,
    depthBlob(t.depth5),
  );
}

function rowToTick(r: Row): TickRow {
  const t: TickRow = {
    id: r.id as number,
    instrumentId: r.instrument_id as number,
    tsExchange: r.ts_exchange as number,
    tsReceived: r.ts_received as number,
    ltp: r.ltp as number,
  };
  const opt = (k: keyof Tick, col: string) => {
    const v = r[col];
    if (v !== null && v !== undefined) (t as unknown as Record<string, unknown>)[k] = v;
  };
  opt('ltq', 'ltq');
  opt('atp', 'atp');
  opt('volume', 'volume');
  opt('volDelta', 'vol_delta');
  opt('oi', 'oi');
  opt('totalBuyQty', 'total_buy_qty');
  opt('totalSellQty', 'total_sell_qty');
  opt('open', 'open');
  opt('high', 'high');
  opt('low', 'low');
  opt('close', 'close');
  opt('bid', 'bid');
  opt('ask', 'ask');
  opt('bidQty', 'bid_qty');
  opt('askQty', 'ask_qty');
  const blob = r.depth as Buffer | null;
  if (blob) {
    // Copy: the row's buffer may not be 8-byte aligned.
    const copy = new Uint8Array(blob.byteLength);
    copy.set(blob);
    t.depth5 = new Float64Array(copy.buffer);
  }
  return t;
}

function rowToInstrument(r: Row): Instrument {
  const i: Instrument = {
    id: r.id as number,
    broker: r.broker as Instrument['broker'],
    token: r.token as string,
    exchange: r.exchange as string,
    segment: r.segment as string,
    symbol: r.symbol as string,
    tickSize: r.tick_size as number,
    lotSize: r.lot_size as number,
  };
  if (r.name !== null) i.name = r.name as string;
  if (r.expiry !== null) i.expiry = r.expiry as string;
  if (r.strike !== null) i.strike = r.strike as number;
  if (r.option_type !== null) i.optionType = r.option_type as 'CE' | 'PE';
  if (r.underlying !== null && r.underlying !== undefined) i.underlying = r.underlying as string;
  return i;
}

export class Journal implements GapRecorder {
  readonly db: Database.Database;
  private readonly insertTick: Database.Statement;
  private readonly insertDepthStmt: Database.Statement;
  /** Writes one flush: ticks, depth and (after a restart) the outage before them, in one transaction. */
  private readonly writeBatch: (rows: Tick[], depth: DepthSnapshot[]) => void;
  private pending: Tick[] = [];
  private pendingDepth: DepthSnapshot[] = [];
  /** Set by beginRecording(): when the journal last heard anything before this run. */
  private resumedFrom: number | null = null;
  private id: string | null | undefined;
  private timer: NodeJS.Timeout | null = null;
  private readonly flushMs: number;
  private readonly maxPending: number;
  /** Rows committed by this process since it opened the journal. */
  committed = 0;
  /** Depth snapshots committed by this process. */
  depthCommitted = 0;
  flushes = 0;
  /** Receive-to-commit time of the oldest row in the last flush, ms. */
  lastLagMs = 0;
  /** Called after each commit with the rows just made durable. */
  onCommit: ((rows: readonly Tick[], commitTs: number) => void) | null = null;

  constructor(
    readonly path: string,
    opts: JournalOptions = {},
  ) {
    this.db = new Database(path, { readonly: opts.readonly ?? false });
    this.flushMs = opts.flushMs ?? 100;
    this.maxPending = opts.maxPendingRows ?? 5000;
    if (!opts.readonly) {
      this.db.pragma('journal_mode = WAL');
      // NORMAL in WAL mode: a committed transaction survives a process crash; only an OS crash or
      // power loss can roll back the last few commits.
      this.db.pragma('synchronous = NORMAL');
      this.migrate(opts.migrationsDir ?? SQLITE_MIGRATIONS_DIR);
    }
    this.db.pragma('busy_timeout = 5000');
    if (opts.readonly) {
      this.insertTick = this.insertDepthStmt = undefined as unknown as Database.Statement;
      this.writeBatch = () => {
        throw new Error('journal opened read-only');
      };
      return;
    }
    this.insertDepthStmt = this.db.prepare('INSERT INTO depth (id, instrument_id, ts, side, levels, price, qty, orders) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    this.insertTick = this.db.prepare(INSERT_TICK_WITH_ID_SQL);
    // IMMEDIATE: the ids are read and taken in one write transaction, even with another writer
    // (a backfill) on the same file.
    this.writeBatch = this.db.transaction((rows: Tick[], depth: DepthSnapshot[]) => {
      if (rows.length > 0) {
        let id = this.reserveIds('ticks', rows.length);
        for (const t of rows) insertTick(this.insertTick, id++, t);
      }
      if (depth.length > 0) {
        let id = this.reserveIds('depth', depth.length);
        for (const d of depth) {
          const n = d.levels;
          this.insertDepthStmt.run(
            id++,
            d.instrumentId,
            d.ts,
            d.side === 'bid' ? 0 : 1,
            n,
            Buffer.from(d.price.buffer, d.price.byteOffset, n * 8),
            Buffer.from(d.qty.buffer, d.qty.byteOffset, n * 4),
            Buffer.from(d.orders.buffer, d.orders.byteOffset, n * 4),
          );
        }
      }
      if (this.resumedFrom !== null) {
        // The first rows of this run end the outage since the journal last heard anything.
        const first = Math.min(rows.length > 0 ? rows[0].tsReceived : Infinity, depth.length > 0 ? depth[0].ts : Infinity);
        this.insertGap('recorder', 0, this.resumedFrom, Math.max(this.resumedFrom, first), RECORDER_NOT_RUNNING);
      }
    }).immediate;
  }

  private readonly statements = new Map<string, Database.Statement>();

  /** A prepared statement, compiled once per journal (queries run on every replication cycle and frame). */
  private stmt(sql: string): Database.Statement {
    let st = this.statements.get(sql);
    if (!st) this.statements.set(sql, (st = this.db.prepare(sql)));
    return st;
  }

  private migrate(dir: string): void {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
    const applied = new Set((this.stmt('SELECT version FROM schema_migrations').all() as Row[]).map((r) => r.version as number));
    const files = readdirSync(dir)
      .filter((f) => /^\d+_.*\.sql$/.test(f))
      .sort();
    for (const f of files) {
      const version = parseInt(f, 10);
      if (applied.has(version)) continue;
      const sql = readFileSync(join(dir, f), 'utf8');
      this.db.transaction(() => {
        this.db.exec(sql);
        this.stmt('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(version, f, Date.now());
      })();
    }
  }

  /**
   * Hands out `n` consecutive ids of a stream: one above the highest it ever gave, even after
   * pruning (or anyone) deleted every row. Call inside a write transaction.
   */
  private reserveIds(stream: JournalStream, n: number): number {
    const first = this.lastIssued(stream) + 1;
    this.stmt('UPDATE sequences SET last = ? WHERE name = ?').run(first + n - 1, stream);
    return first;
  }

  /** The highest id (candles: seq) this journal ever gave in a stream; 0 when none. */
  lastIssued(stream: JournalStream): number {
    return (this.stmt(LAST_ISSUED_SQL[stream]).get() as Row).n as number;
  }

  /**
   * This journal's identity: a UUID written when the journal was created (or first opened by a
   * version that knows identities). Null only for such an older journal opened read-only.
   */
  get journalId(): string | null {
    if (this.id === undefined) {
      const has = this.stmt("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'journal_meta'").get();
      this.id = has ? (((this.stmt("SELECT value FROM journal_meta WHERE key = 'journal_id'").get() as Row | undefined)?.value as string | undefined) ?? null) : null;
    }
    return this.id;
  }

  get schemaVersion(): number {
    return ((this.stmt('SELECT max(version) AS v FROM schema_migrations').get() as Row).v as number) ?? 0;
  }

  // --- instruments ----------------------------------------------------------------------------

  /** Inserts or updates by (broker, exchange, symbol); returns the stable local id. */
  upsertInstrument(i: NewInstrument, now = Date.now()): number {
    // Positional parameters: a master import runs this 100,000 times.
    const r = this.stmt(
      `INSERT INTO instruments (broker, token, exchange, segment, symbol, name, expiry, strike, option_type, underlying, xkey, tick_size, lot_size, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (broker, exchange, symbol) DO UPDATE SET token = excluded.token, segment = excluded.segment,
         name = excluded.name, expiry = excluded.expiry, strike = excluded.strike, option_type = excluded.option_type,
         underlying = excluded.underlying, xkey = excluded.xkey,
         tick_size = excluded.tick_size, lot_size = excluded.lot_size, updated_at = excluded.updated_at
       RETURNING id`,
    )
      .raw()
      .get(
        i.broker,
        i.token,
        i.exchange,
        i.segment,
        i.symbol,
        i.name ?? null,
        i.expiry ?? null,
        i.strike ?? null,
        i.optionType ?? null,
        i.underlying ?? (i.expiry ? (i.name ?? null) : null),
        crossBrokerKey(i),
        i.tickSize,
        i.lotSize,
        now,
      ) as [number];
    return r[0];
  }

  upsertInstruments(list: readonly NewInstrument[]): number[] {
    const now = Date.now();
    return this.db.transaction(() => list.map((i) => this.upsertInstrument(i, now)))();
  }

  instruments(): Instrument[] {
    return (this.stmt('SELECT * FROM instruments ORDER BY id').all() as Row[]).map(rowToInstrument);
  }

  instrument(id: number): Instrument | undefined {
    const r = this.stmt('SELECT * FROM instruments WHERE id = ?').get(id) as Row | undefined;
    return r && rowToInstrument(r);
  }

  /** The same contract at other brokers (by the cross-broker key), this one excluded. */
  counterparts(id: number): Instrument[] {
    return (
      this.stmt('SELECT b.* FROM instruments a JOIN instruments b ON b.xkey = a.xkey AND b.id <> a.id WHERE a.id = ? ORDER BY b.id').all(id) as Row[]
    ).map(rowToInstrument);
  }

  /** A broker's instrument by its segment and token (Dhan security ids are unique per segment only). */
  instrumentBySegmentToken(broker: string, segment: string, token: string): Instrument | undefined {
    const r = this.stmt('SELECT * FROM instruments WHERE broker = ? AND segment = ? AND token = ? ORDER BY updated_at DESC LIMIT 1').get(broker, segment, token) as Row | undefined;
    return r && rowToInstrument(r);
  }

  /** A broker's instruments with this token (Dhan: one per segment at most). */
  instrumentsByToken(broker: string, token: string): Instrument[] {
    return (this.stmt('SELECT * FROM instruments WHERE broker = ? AND token = ? ORDER BY id').all(broker, token) as Row[]).map(rowToInstrument);
  }

  /** A broker's instrument by cross-broker key. */
  findByKey(xkey: string, broker: string): Instrument | undefined {
    const r = this.stmt('SELECT * FROM instruments WHERE xkey = ? AND broker = ? ORDER BY updated_at DESC LIMIT 1').get(xkey, broker) as Row | undefined;
    return r && rowToInstrument(r);
  }

  /** When a broker's instrument master was last imported. */
  masterImport(broker: string): { fetchedAt: number; istDay: string; rows: number; source: string } | undefined {
    const r = this.stmt('SELECT fetched_at, ist_day, rows, source FROM instrument_masters WHERE broker = ?').get(broker) as Row | undefined;
    return r && { fetchedAt: r.fetched_at as number, istDay: r.ist_day as string, rows: r.rows as number, source: r.source as string };
  }

  recordMasterImport(broker: string, m: { fetchedAt: number; istDay: string; rows: number; source: string }): void {
    this.stmt(
      `INSERT INTO instrument_masters (broker, fetched_at, ist_day, rows, source) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (broker) DO UPDATE SET fetched_at = excluded.fetched_at, ist_day = excluded.ist_day, rows = excluded.rows, source = excluded.source`,
    ).run(broker, m.fetchedAt, m.istDay, m.rows, m.source);
  }

  /** Finds an instrument by local id, "EXCHANGE:SYMBOL", or broker token. */
  findInstrument(ref: string, broker?: string): Instrument | undefined {
    const bySymbol = /^([A-Z]+):(.+)$/.exec(ref);
    let r: Row | undefined;
    if (bySymbol) {
      r = this.db
        .prepare(`SELECT * FROM instruments WHERE exchange = ? AND symbol = ? ${broker ? 'AND broker = ?' : ''} ORDER BY id LIMIT 1`)
        .get(...[bySymbol[1], bySymbol[2], ...(broker ? [broker] : [])]) as Row | undefined;
      // Kite lists indices under exchange NSE/BSE but with segment INDICES; accept either.
      r ??= (
        broker
          ? this.stmt('SELECT * FROM instruments WHERE segment = ? AND symbol = ? AND broker = ? ORDER BY id LIMIT 1').get(bySymbol[1], bySymbol[2], broker)
          : this.stmt('SELECT * FROM instruments WHERE segment = ? AND symbol = ? ORDER BY id LIMIT 1').get(bySymbol[1], bySymbol[2])
      ) as Row | undefined;
    } else if (/^\d+$/.test(ref)) {
      r = this.stmt(`SELECT * FROM instruments WHERE token = ? ${broker ? 'AND broker = ?' : ''} ORDER BY id LIMIT 1`).get(...[ref, ...(broker ? [broker] : [])]) as Row | undefined;
      r ??= this.stmt('SELECT * FROM instruments WHERE id = ?').get(Number(ref)) as Row | undefined;
    }
    return r && rowToInstrument(r);
  }

  // --- ticks ----------------------------------------------------------------------------------

  /** Queues a tick; it is committed by the next flush (≤ flushMs, or at once past maxPendingRows). */
  append(t: Tick): void {
    this.pending.push(t);
    if (this.pending.length >= this.maxPending) this.flush();
    else if (!this.timer) this.timer = setTimeout(() => this.flush(), this.flushMs);
  }

  get pendingRows(): number {
    return this.pending.length + this.pendingDepth.length;
  }

  /** Queues one side of a book; committed with the next flush, like ticks. */
  appendDepth(d: DepthSnapshot): void {
    this.pendingDepth.push(d);
    if (this.pendingDepth.length >= this.maxPending) this.flush();
    else if (!this.timer) this.timer = setTimeout(() => this.flush(), this.flushMs);
  }

  /** Commits every queued tick in one transaction; returns the number of rows written. */
  flush(): number {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const rows = this.pending;
    const depth = this.pendingDepth;
    if (rows.length === 0 && depth.length === 0) return 0;
    this.pending = [];
    this.pendingDepth = [];
    this.writeBatch(rows, depth);
    this.resumedFrom = null;
    this.depthCommitted += depth.length;
    if (rows.length === 0) return depth.length;
    const now = Date.now();
    this.committed += rows.length;
    this.flushes++;
    this.lastLagMs = now - rows[0].tsReceived;
    this.onCommit?.(rows, now);
    return rows.length;
  }

  countTicks(instrumentId?: number, fromMs = -Infinity, toMs = Infinity): number {
    const lo = Number.isFinite(fromMs) ? fromMs : Number.MIN_SAFE_INTEGER;
    const hi = Number.isFinite(toMs) ? toMs : Number.MAX_SAFE_INTEGER;
    const r =
      instrumentId === undefined
        ? this.stmt('SELECT count(*) AS n FROM ticks WHERE ts_exchange BETWEEN ? AND ?').get(lo, hi)
        : this.stmt('SELECT count(*) AS n FROM ticks WHERE instrument_id = ? AND ts_exchange BETWEEN ? AND ?').get(instrumentId, lo, hi);
    return (r as Row).n as number;
  }

  /** Ticks of one instrument in [fromMs, toMs], in time order, streamed (constant memory). */
  *iterateTicks(instrumentId: number, fromMs: number, toMs: number): Generator<TickRow> {
    const stmt = this.stmt('SELECT * FROM ticks WHERE instrument_id = ? AND ts_exchange BETWEEN ? AND ? ORDER BY ts_exchange, id');
    for (const r of stmt.iterate(instrumentId, fromMs, toMs)) yield rowToTick(r as Row);
  }

  ticks(instrumentId: number, fromMs: number, toMs: number): TickRow[] {
    return [...this.iterateTicks(instrumentId, fromMs, toMs)];
  }

  /** Time range of the journal's ticks for one instrument (or all), ms; null when empty. */
  tickRange(instrumentId?: number): { from: number; to: number } | null {
    const r = (
      instrumentId === undefined
        ? this.stmt('SELECT min(ts_exchange) AS a, max(ts_exchange) AS b FROM ticks').get()
        : this.stmt('SELECT min(ts_exchange) AS a, max(ts_exchange) AS b FROM ticks WHERE instrument_id = ?').get(instrumentId)
    ) as Row;
    return r.a === null ? null : { from: r.a as number, to: r.b as number };
  }

  /** Candles aggregated from the journal's ticks (same builder as live candles). */
  // --- backfilled candles -----------------------------------------------------------------------

  /** Stores candles from a broker's history; a bucket fetched again is replaced (the later answer wins). */
  upsertCandles(instrumentId: number, interval: CandleInterval, candles: readonly Candle[], source: string, fetchedAt = Date.now()): number {
    const stmt = this.stmt(
      `INSERT INTO candles (instrument_id, interval, t, o, h, l, c, v, oi, source, fetched_at, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (instrument_id, interval, t) DO UPDATE SET o = excluded.o, h = excluded.h, l = excluded.l, c = excluded.c,
         v = excluded.v, oi = excluded.oi, source = excluded.source, fetched_at = excluded.fetched_at, seq = excluded.seq`,
    );
    this.db
      .transaction(() => {
        let seq = this.reserveIds('candles', candles.length);
        for (const c of candles) stmt.run(instrumentId, interval, c.t, c.o, c.h, c.l, c.c, c.v, c.oi ?? null, source, fetchedAt, seq++);
      })
      .immediate();
    return candles.length;
  }

  /** The newest backfill write (the candles stream's watermark); 0 when there is none. */
  maxCandleSeq(): number {
    return (this.stmt('SELECT coalesce(max(seq), 0) AS s FROM candles').get() as Row).s as number;
  }

  /** Backfilled candles written after `seq`, in write order: [seq, instrument_id, interval, t, o, h, l, c, v, oi, source, fetched_at]. */
  candlesAfter(seq: number, limit: number): unknown[][] {
    return this.stmt('SELECT seq, instrument_id, interval, t, o, h, l, c, v, oi, source, fetched_at FROM candles WHERE seq > ? ORDER BY seq LIMIT ?')
      .raw()
      .all(seq, limit) as unknown[][];
  }

  /** Start (ms) of the `n`-th latest backfilled candle at or before toMs; undefined when there are none. */
  storedCandleStart(instrumentId: number, interval: CandleInterval, toMs: number, n: number): number | undefined {
    const r = this.stmt('SELECT t FROM candles WHERE instrument_id = ? AND interval = ? AND t <= ? ORDER BY t DESC LIMIT 1 OFFSET ?').get(instrumentId, interval, Math.floor(toMs / 1000), n - 1) as Row | undefined;
    if (r) return (r.t as number) * 1000;
    const first = this.stmt('SELECT min(t) AS t FROM candles WHERE instrument_id = ? AND interval = ? AND t <= ?').get(instrumentId, interval, Math.floor(toMs / 1000)) as Row;
    return first.t === null ? undefined : (first.t as number) * 1000;
  }

  /** Backfilled candles with bucket start in [fromMs, toMs], in time order. */
  storedCandles(instrumentId: number, interval: CandleInterval, fromMs: number, toMs: number): Array<Candle & { fetchedAt: number }> {
    const rows = this.stmt('SELECT t, o, h, l, c, v, oi, fetched_at FROM candles WHERE instrument_id = ? AND interval = ? AND t BETWEEN ? AND ? ORDER BY t').all(
      instrumentId,
      interval,
      Math.floor(fromMs / 1000),
      Math.floor(toMs / 1000),
    ) as Row[];
    return rows.map((r) => {
      const c: Candle & { fetchedAt: number } = { t: r.t as number, o: r.o as number, h: r.h as number, l: r.l as number, c: r.c as number, v: r.v as number, fetchedAt: r.fetched_at as number };
      if (r.oi !== null) c.oi = r.oi as number;
      return c;
    });
  }

  /**
   * What the chart shows: backfilled history joined to candles built from recorded ticks, each
   * bucket once. A bucket the recorder saw whole (recording since before it began, no feed gap in
   * it) comes from ticks. Otherwise history decides: a bucket that was over when fetched is taken as
   * fetched; one still forming then (the seam) is the fetched part extended by the ticks received
   * after the fetch — open from history, high/low from both, close from the last tick, volume
   * fetched + traded since, so nothing is counted twice or missed.
   */
  chartCandles(instrumentId: number, interval: CandleInterval, fromMs: number, toMs: number): Candle[] {
    const lenMs = INTERVAL_SECONDS[interval] * 1000;
    const lo = bucketStart(fromMs, interval) * 1000;
    const stored = this.storedCandles(instrumentId, interval, lo, toMs);
    const live = this.candles(instrumentId, interval, lo, toMs);
    if (stored.length === 0) return live;
    const range = this.tickRange(instrumentId);
    // Only the outages that overlap the range (the table grows for as long as the journal lives).
    const gaps = range
      ? (this.stmt('SELECT start_ts, end_ts FROM feed_gaps WHERE start_ts < ? AND (end_ts IS NULL OR end_ts > ?)').all(toMs, lo) as Array<{ start_ts: number; end_ts: number | null }>)
      : [];
    const covered = (t: number) => range !== null && range.from <= t * 1000 && !gaps.some((g) => g.start_ts < t * 1000 + lenMs && (g.end_ts ?? Infinity) > t * 1000);
    const byT = new Map(live.map((c) => [c.t, c]));
    const out: Candle[] = [];
    for (const h of stored) {
      const l = byT.get(h.t);
      const { fetchedAt, ...bar } = h;
      if (l && covered(h.t)) continue; // the ticks' candle goes in below
      byT.delete(h.t);
      if (!l || fetchedAt >= (h.t * 1000 + lenMs)) {
        out.push(bar);
        continue;
      }
      const after = this.ticksReceivedAfter(instrumentId, h.t * 1000, h.t * 1000 + lenMs, fetchedAt);
      const post = candlesFromTicks(after, interval)[0];
      if (!post) out.push(bar);
      else {
        const m: Candle = { t: h.t, o: h.o, h: Math.max(h.h, post.h), l: Math.min(h.l, post.l), c: post.c, v: h.v + post.v };
        const oi = post.oi ?? h.oi;
        if (oi !== undefined) m.oi = oi;
        out.push(m);
      }
    }
    for (const c of byT.values()) out.push(c);
    return out.sort((a, b) => a.t - b.t);
  }

  private ticksReceivedAfter(instrumentId: number, fromMs: number, toMs: number, receivedAfter: number): CandleInput[] {
    const rows = this.stmt(
      'SELECT ts_exchange AS tsExchange, ltp, vol_delta AS volDelta, oi FROM ticks WHERE instrument_id = ? AND ts_exchange >= ? AND ts_exchange < ? AND ts_received > ? ORDER BY ts_exchange, ts_received, id',
    ).all(instrumentId, fromMs, toMs, receivedAfter) as Array<{ tsExchange: number; ltp: number; volDelta: number | null; oi: number | null }>;
    return rows.map((r) => ({ tsExchange: r.tsExchange, ltp: r.ltp, volDelta: r.volDelta ?? 0, oi: r.oi ?? undefined }));
  }

  candles(instrumentId: number, interval: CandleInterval, fromMs: number, toMs: number): Candle[] {
    const stmt = this.stmt(
      'SELECT ts_exchange AS tsExchange, ltp, vol_delta AS volDelta, oi FROM ticks WHERE instrument_id = ? AND ts_exchange BETWEEN ? AND ? ORDER BY ts_exchange, ts_received, id',
    );
    const rows = stmt.iterate(instrumentId, fromMs, toMs) as IterableIterator<{ tsExchange: number; ltp: number; volDelta: number | null; oi: number | null }>;
    function* clean() {
      for (const r of rows) yield { tsExchange: r.tsExchange, ltp: r.ltp, volDelta: r.volDelta ?? 0, oi: r.oi ?? undefined };
    }
    return candlesFromTicks(clean(), interval);
  }

  // --- depth ----------------------------------------------------------------------------------

  private static rowToSnapshot(r: Row): DepthSnapshot {
    const n = r.levels as number;
    const copy = (b: Buffer, bytes: number) => {
      const out = new Uint8Array(bytes);
      out.set(b.subarray(0, bytes));
      return out.buffer;
    };
    return {
      instrumentId: r.instrument_id as number,
      ts: r.ts as number,
      side: (r.side === 0 ? 'bid' : 'ask') as Side,
      levels: n,
      price: new Float64Array(copy(r.price as Buffer, n * 8)),
      qty: new Uint32Array(copy(r.qty as Buffer, n * 4)),
      orders: new Uint32Array(copy(r.orders as Buffer, n * 4)),
    };
  }

  /** The book as of time `ts` (ms): the last bid and ask snapshots at or before it. */
  bookAsOf(instrumentId: number, ts: number): { bid: DepthSnapshot | null; ask: DepthSnapshot | null } {
    const stmt = this.stmt('SELECT * FROM depth WHERE instrument_id = ? AND side = ? AND ts <= ? ORDER BY ts DESC, id DESC LIMIT 1');
    const side = (k: number) => {
      const r = stmt.get(instrumentId, k, ts) as Row | undefined;
      return r ? Journal.rowToSnapshot(r) : null;
    };
    return { bid: side(0), ask: side(1) };
  }

  latestBook(instrumentId: number): { bid: DepthSnapshot | null; ask: DepthSnapshot | null } {
    return this.bookAsOf(instrumentId, Number.MAX_SAFE_INTEGER);
  }

  countDepth(instrumentId?: number): number {
    const r = instrumentId === undefined ? this.stmt('SELECT count(*) AS n FROM depth').get() : this.stmt('SELECT count(*) AS n FROM depth WHERE instrument_id = ?').get(instrumentId);
    return (r as Row).n as number;
  }

  /**
   * Heatmap cells: the largest resting quantity per (time bucket, price bucket) over [from, to],
   * both sides together; what a depth heatmap draws. Cells are sorted by time, then price.
   */
  depthHeatmap(instrumentId: number, fromMs: number, toMs: number, timeBucketMs: number, priceBucket: number): Array<{ t: number; price: number; maxQty: number }> {
    const cells = new Map<string, { t: number; price: number; maxQty: number }>();
    const stmt = this.stmt('SELECT * FROM depth WHERE instrument_id = ? AND ts BETWEEN ? AND ? ORDER BY ts, id');
    for (const r of stmt.iterate(instrumentId, fromMs, toMs)) {
      const d = Journal.rowToSnapshot(r as Row);
      const t = Math.floor(d.ts / timeBucketMs) * timeBucketMs;
      for (let i = 0; i < d.levels; i++) {
        const price = Number((Math.floor(d.price[i] / priceBucket + 1e-9) * priceBucket).toFixed(8));
        const key = `${t}|${price}`;
        const c = cells.get(key);
        if (!c) cells.set(key, { t, price, maxQty: d.qty[i] });
        else if (d.qty[i] > c.maxQty) c.maxQty = d.qty[i];
      }
    }
    return [...cells.values()].sort((a, b) => a.t - b.t || a.price - b.price);
  }

  // --- replication support -------------------------------------------------------------------

  /** Column order of ticksAfter() rows. */
  static readonly RAW_TICK_COLUMNS = ['id', ...TICK_COLUMNS] as const;

  /** Up to `limit` tick rows with afterId < id ≤ upTo, oldest first, as positional arrays (fast). */
  ticksAfter(afterId: number, limit: number, upTo = Number.MAX_SAFE_INTEGER): unknown[][] {
    return this.db
      .prepare('SELECT id, ' + TICK_COLUMNS.join(', ') + ' FROM ticks WHERE id > ? AND id <= ? ORDER BY id LIMIT ?')
      .raw()
      .all(afterId, upTo, limit) as unknown[][];
  }

  /** Instruments referenced by the rows afterId < id ≤ upTo. */
  instrumentsBetween(afterId: number, upTo: number): number[] {
    return (this.stmt('SELECT DISTINCT instrument_id AS id FROM ticks WHERE id > ? AND id <= ?').all(afterId, upTo) as Row[]).map((r) => r.id as number);
  }

  /** The id of the `n`-th row after `afterId` (or the last row, if there are fewer). */
  idAfter(afterId: number, n: number): number {
    const r = this.stmt('SELECT id FROM ticks WHERE id > ? ORDER BY id LIMIT 1 OFFSET ?').get(afterId, n - 1) as Row | undefined;
    return r ? (r.id as number) : this.maxTickId();
  }

  /** Depth rows after `afterId` as [id, instrument_id, ts, side, levels, price, qty, orders]. */
  depthAfter(afterId: number, limit: number): unknown[][] {
    return this.stmt('SELECT id, instrument_id, ts, side, levels, price, qty, orders FROM depth WHERE id > ? ORDER BY id LIMIT ?').raw().all(afterId, limit) as unknown[][];
  }

  maxDepthId(): number {
    return ((this.stmt('SELECT max(id) AS m FROM depth').get() as Row).m as number) ?? 0;
  }

  maxTickId(): number {
    return ((this.stmt('SELECT max(id) AS m FROM ticks').get() as Row).m as number) ?? 0;
  }

  /** Receive time of the first row after `afterId` (the oldest not yet replicated), or null. */
  firstReceivedAfter(afterId: number): number | null {
    const r = this.stmt('SELECT ts_received AS t FROM ticks WHERE id > ? ORDER BY id LIMIT 1').get(afterId) as Row | undefined;
    return r ? (r.t as number) : null;
  }

  /** Gaps a sink must (re)send: new ones and those it last saw open. */
  gapsForSync(afterId: number, openIds: readonly number[]): FeedGap[] {
    const open = openIds.length ? ` OR id IN (${openIds.map(Number).join(',')})` : '';
    return (this.stmt(`SELECT * FROM feed_gaps WHERE id > ?${open} ORDER BY id`).all(afterId) as Row[]).map((r) => ({
      id: r.id as number,
      feed: r.feed as string,
      connection: r.connection as number,
      startTs: r.start_ts as number,
      endTs: r.end_ts as number | null,
      reason: r.reason as string,
    }));
  }

  setSynced(sink: string, stream: string, lastId: number): void {
    this.db
      .prepare(
        'INSERT INTO sync_state (sink, stream, last_id, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (sink, stream) DO UPDATE SET last_id = excluded.last_id, updated_at = excluded.updated_at',
      )
      .run(sink, stream, lastId, Date.now());
  }

  synced(sink: string, stream: string): number {
    const r = this.stmt('SELECT last_id FROM sync_state WHERE sink = ? AND stream = ?').get(sink, stream) as Row | undefined;
    return r ? (r.last_id as number) : 0;
  }

  /** Every sink this journal has replicated to (sync_state names: `host/database#source`). */
  syncedSinks(): string[] {
    return (this.stmt('SELECT DISTINCT sink FROM sync_state ORDER BY sink').all() as Row[]).map((r) => r.sink as string);
  }

  /**
   * Deletes ticks and depth snapshots received before `olderThanMs` that every sink has confirmed;
   * rows a sink has not confirmed are never deleted. A sink that refused this journal (see
   * refuseSink) counts for nothing: rows wait for a sink that takes them. Returns the rows removed.
   */
  pruneSynced(olderThanMs: number): number {
    // Every sink that connected has a 'ticks' row; one that has sent no depth yet has confirmed none.
    const upTo = (stream: 'ticks' | 'depth') =>
      this.stmt(
        `SELECT count(*) AS n, min(coalesce(s.last_id, 0)) AS m FROM sync_state t
         LEFT JOIN sync_state s ON s.sink = t.sink AND s.stream = ?
         WHERE t.stream = 'ticks' AND t.sink NOT IN (SELECT sink FROM sink_refusals)`,
      ).get(stream) as Row;
    const ticks = upTo('ticks');
    if (!ticks.n) return 0;
    const depth = upTo('depth');
    return this.db
      .transaction(
        () =>
          this.stmt('DELETE FROM ticks WHERE id <= ? AND ts_received < ?').run(ticks.m as number, olderThanMs).changes +
          this.stmt('DELETE FROM depth WHERE id <= ? AND ts < ?').run(depth.m as number, olderThanMs).changes,
      )
      .immediate();
  }

  /** Marks a sink as never to be replicated to from this journal (kept across restarts). */
  refuseSink(sink: string, detail: string): void {
    this.stmt('INSERT INTO sink_refusals (sink, detail, at) VALUES (?, ?, ?) ON CONFLICT (sink) DO UPDATE SET detail = excluded.detail, at = excluded.at').run(sink, detail, Date.now());
  }

  /** Why this journal refused a sink, if it did. */
  sinkRefusal(sink: string): string | undefined {
    return (this.stmt('SELECT detail FROM sink_refusals WHERE sink = ?').get(sink) as Row | undefined)?.detail as string | undefined;
  }

  /**
   * A recorder starts on this journal. A crash leaves the outages it saw open and writes nothing
   * about the time it was down: open gaps end at the last moment the journal heard anything (their
   * own start at the earliest), and the time from that moment to this run's first row becomes an
   * outage (RECORDER_NOT_RUNNING), written in the same transaction as that row. A clean stop
   * closes its gaps; the time until the next start is an outage all the same.
   */
  beginRecording(): void {
    this.db
      .transaction(() => {
        const last = this.lastJournaledMoment();
        if (last === null) return; // a new journal: nothing was missed
        this.stmt('UPDATE feed_gaps SET end_ts = max(start_ts, ?) WHERE end_ts IS NULL').run(last);
        this.resumedFrom = last;
      })
      .immediate();
  }

  /**
   * The latest moment (ms) the journal holds: the newest tick's and depth snapshot's receive time,
   * and gap starts and ends (a feed was being watched then). Null when it holds none.
   */
  lastJournaledMoment(): number | null {
    const r = this.stmt(
      `SELECT max(coalesce((SELECT ts_received FROM ticks ORDER BY id DESC LIMIT 1), -1),
                  coalesce((SELECT ts FROM depth ORDER BY id DESC LIMIT 1), -1),
                  coalesce((SELECT max(max(start_ts), coalesce(max(end_ts), -1)) FROM feed_gaps), -1)) AS t`,
    ).get() as Row;
    return (r.t as number) < 0 ? null : (r.t as number);
  }

  // --- gaps -----------------------------------------------------------------------------------

  openGap(feed: string, connection: number, startTs: number, reason: string): number {
    return this.db.transaction(() => this.insertGap(feed, connection, startTs, null, reason)).immediate();
  }

  /** One feed_gaps row, its id from the sequence (call inside a write transaction). */
  private insertGap(feed: string, connection: number, startTs: number, endTs: number | null, reason: string): number {
    const id = this.reserveIds('feed_gaps', 1);
    this.stmt('INSERT INTO feed_gaps (id, feed, connection, start_ts, end_ts, reason) VALUES (?, ?, ?, ?, ?, ?)').run(id, feed, connection, startTs, endTs, reason);
    return id;
  }

  closeGap(id: number, endTs: number): void {
    this.stmt('UPDATE feed_gaps SET end_ts = ? WHERE id = ? AND end_ts IS NULL').run(endTs, id);
  }

  gaps(): FeedGap[] {
    return (this.stmt('SELECT * FROM feed_gaps ORDER BY id').all() as Row[]).map((r) => ({
      id: r.id as number,
      feed: r.feed as string,
      connection: r.connection as number,
      startTs: r.start_ts as number,
      endTs: r.end_ts as number | null,
      reason: r.reason as string,
    }));
  }

  integrityCheck(): string {
    return this.db.pragma('integrity_check', { simple: true }) as string;
  }

  /** Flushes what is queued and closes the database. */
  close(): void {
    if (!this.db.open) return;
    if (!this.db.readonly) this.flush();
    if (this.timer) clearTimeout(this.timer);
    this.db.close();
  }
}
