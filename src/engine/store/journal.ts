// The SQLite journal: every tick appended (WAL, one transaction per flush), instruments, feed gaps,
// and the queries that charts, export and replay read. This class is the facade: it owns the write
// queue and the flush; each concern's SQL lives in ./journal/ (db, ticks, instruments, candles,
// depth, gaps, sync), every statement prepared once.
import type Database from 'better-sqlite3';
import { join } from 'node:path';
import { REPO_ROOT } from '../paths';
import type { Candle, CandleInterval, DepthSnapshot, FeedGap, Instrument, NewInstrument, Tick } from '../../shared/model';
import type { GapRecorder } from '../feed/connection';
import * as candles from './journal/candles';
import { journalId, openJournalDb, schemaVersion, type JournalDb } from './journal/db';
import * as depth from './journal/depth';
import * as gaps from './journal/gaps';
import type { StoredCandle } from './journal/history-merge';
import * as instruments from './journal/instruments';
import { lastIssued, type JournalStream } from './journal/sequences';
import * as sessionReads from './journal/session-reads';
import * as sync from './journal/sync';
import { JournalWorker } from './journal/journal-worker';
import { TickIndexer } from './journal/tick-index';
import * as ticks from './journal/ticks';

export { RECORDER_NOT_RUNNING } from './journal/gaps';
export type { JournalStream } from './journal/sequences';
export { INSERT_TICK_SQL, type TickRow } from './journal/ticks';

/**
 * The longest committed rows go without a checkpoint (which syncs the WAL, so that they survive a
 * power loss too), ms: the page threshold (journal/db.ts) alone would leave a slow trickle of
 * ticks unsynced for minutes.
 */
export const CHECKPOINT_MS = 1000;

/** SQLite's "database is locked" (any of its extended codes). */
const isBusy = (e: unknown): boolean => typeof (e as { code?: unknown })?.code === 'string' && (e as { code: string }).code.startsWith('SQLITE_BUSY');

export const SQLITE_MIGRATIONS_DIR = join(REPO_ROOT, 'db', 'sqlite');

export interface JournalOptions {
  /** Flush at least this often, ms. */
  flushMs?: number;
  /** Flush as soon as this many rows are waiting. */
  maxPendingRows?: number;
  readonly?: boolean;
  /** Where the numbered .sql migrations live (packaged apps ship them as resources). */
  migrationsDir?: string;
  /** Checkpoints and index batches on a worker thread (default); false: on this thread. */
  worker?: boolean;
}

export class Journal implements GapRecorder {
  readonly db: Database.Database;
  private readonly sql: JournalDb;
  /** Writes one flush: ticks, depth and (after a restart) the outage before them, in one transaction. */
  private readonly writeBatch: (rows: Tick[], depth: DepthSnapshot[]) => void;
  private pending: Tick[] = [];
  private pendingDepth: DepthSnapshot[] = [];
  /** Set by beginRecording(): when the journal last heard anything before this run. */
  private resumedFrom: number | null = null;
  private id: string | null | undefined;
  private timer: NodeJS.Timeout | null = null;
  private lastCheckpoint = Date.now();
  private readonly flushMs: number;
  private readonly maxPending: number;
  /** The highest tick id this process committed. */
  private lastTickId = 0;
  /** Keeps tick_index a few seconds behind this writer (null read-only). */
  readonly indexer: TickIndexer | null = null;
  /** Checkpoints and index batches on a worker thread (null read-only). */
  readonly worker: JournalWorker | null = null;
  /** Rows committed by this process since it opened the journal. */
  committed = 0;
  /** Depth snapshots committed by this process. */
  depthCommitted = 0;
  flushes = 0;
  /** Flushes that found the journal locked by another connection and kept their rows for the next. */
  busyRetries = 0;
  private retryAt = 0;
  private lastBusy: Error | null = null;
  /** Receive-to-commit time of the oldest row in the last flush, ms. */
  lastLagMs = 0;
  /** Called after each commit with the rows just made durable. */
  onCommit: ((rows: readonly Tick[], commitTs: number) => void) | null = null;

  constructor(
    readonly path: string,
    opts: JournalOptions = {},
  ) {
    this.sql = openJournalDb(path, { readonly: opts.readonly ?? false, migrationsDir: opts.migrationsDir ?? SQLITE_MIGRATIONS_DIR });
    this.db = this.sql.sqlite;
    this.flushMs = opts.flushMs ?? 100;
    this.maxPending = opts.maxPendingRows ?? 5000;
    if (opts.readonly) {
      this.writeBatch = () => {
        throw new Error('journal opened read-only');
      };
      return;
    }
    // IMMEDIATE: the ids are read and taken in one write transaction, even with another writer
    // (a backfill) on the same file.
    this.writeBatch = this.db.transaction((rows: Tick[], snapshots: DepthSnapshot[]) => {
      if (rows.length > 0) {
        this.lastTickId = ticks.insertTicks(this.sql, rows);
        this.indexer?.wrote(this.lastTickId - rows.length + 1, rows);
      }
      if (snapshots.length > 0) depth.insertDepth(this.sql, snapshots);
      if (this.resumedFrom !== null) {
        // The first rows of this run end the outage since the journal last heard anything.
        const first = Math.min(rows.length > 0 ? rows[0].tsReceived : Infinity, snapshots.length > 0 ? snapshots[0].ts : Infinity);
        gaps.insertGap(this.sql, 'recorder', 0, this.resumedFrom, Math.max(this.resumedFrom, first), gaps.RECORDER_NOT_RUNNING);
      }
    }).immediate;
    const worker = opts.worker !== false && path !== ':memory:' && path !== '' ? new JournalWorker(path) : null;
    this.worker = worker;
    // A journal migrated only so far (tests of older schemas) has no tick_index: nothing to keep up.
    if (this.sql.tickIndexed)
      this.indexer = new TickIndexer(
        this.sql,
        (fn) => this.db.transaction(fn).immediate(),
        worker && ((hi, done) => worker.index(hi, done)),
      );
  }

  /** The highest id (candles: seq) this journal ever gave in a stream; 0 when none. */
  lastIssued(stream: JournalStream): number {
    return lastIssued(this.sql, stream);
  }

  /**
   * This journal's identity: a UUID written when the journal was created (or first opened by a
   * version that knows identities). Null only for such an older journal opened read-only.
   */
  get journalId(): string | null {
    if (this.id === undefined) this.id = journalId(this.sql);
    return this.id;
  }

  get schemaVersion(): number {
    return schemaVersion(this.sql);
  }

  // --- instruments ----------------------------------------------------------------------------

  /** Inserts or updates by (broker, exchange, symbol); returns the stable local id. */
  upsertInstrument(i: NewInstrument, now = Date.now()): number {
    return instruments.upsertInstrument(this.sql, i, now);
  }

  upsertInstruments(list: readonly NewInstrument[]): number[] {
    const now = Date.now();
    return this.db.transaction(() => list.map((i) => instruments.upsertInstrument(this.sql, i, now)))();
  }

  instruments(): Instrument[] {
    return instruments.instruments(this.sql);
  }

  instrument(id: number): Instrument | undefined {
    return instruments.instrument(this.sql, id);
  }

  /** The same contract at other brokers (by the cross-broker key), this one excluded. */
  counterparts(id: number): Instrument[] {
    return instruments.counterparts(this.sql, id);
  }

  /** A broker's instrument by its segment and token (Dhan security ids are unique per segment only). */
  instrumentBySegmentToken(broker: string, segment: string, token: string): Instrument | undefined {
    return instruments.instrumentBySegmentToken(this.sql, broker, segment, token);
  }

  /** A broker's instruments with this token (Dhan: one per segment at most). */
  instrumentsByToken(broker: string, token: string): Instrument[] {
    return instruments.instrumentsByToken(this.sql, broker, token);
  }

  /** A broker's instrument by cross-broker key. */
  findByKey(xkey: string, broker: string): Instrument | undefined {
    return instruments.findByKey(this.sql, xkey, broker);
  }

  /** When a broker's instrument master was last imported. */
  masterImport(broker: string): instruments.MasterImport | undefined {
    return instruments.masterImport(this.sql, broker);
  }

  recordMasterImport(broker: string, m: instruments.MasterImport): void {
    instruments.recordMasterImport(this.sql, broker, m);
  }

  /** Finds an instrument by local id, "EXCHANGE:SYMBOL", or broker token. */
  findInstrument(ref: string, broker?: string): Instrument | undefined {
    return instruments.findInstrument(this.sql, ref, broker);
  }

  // --- ticks ----------------------------------------------------------------------------------

  /** Queues a tick; it is committed by the next flush (≤ flushMs, or at once past maxPendingRows). */
  append(t: Tick): void {
    this.pending.push(t);
    if (this.pending.length >= this.maxPending && Date.now() >= this.retryAt) this.flush();
    else if (!this.timer) this.timer = setTimeout(() => this.flush(), this.flushMs);
  }

  get pendingRows(): number {
    return this.pending.length + this.pendingDepth.length;
  }

  /** Queues one side of a book; committed with the next flush, like ticks. */
  appendDepth(d: DepthSnapshot): void {
    this.pendingDepth.push(d);
    if (this.pendingDepth.length >= this.maxPending && Date.now() >= this.retryAt) this.flush();
    else if (!this.timer) this.timer = setTimeout(() => this.flush(), this.flushMs);
  }

  /** Commits every queued tick in one transaction; returns the number of rows written. */
  flush(): number {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const rows = this.pending;
    const snapshots = this.pendingDepth;
    if (rows.length === 0 && snapshots.length === 0) return 0;
    this.pending = [];
    this.pendingDepth = [];
    try {
      this.writeBatch(rows, snapshots);
    } catch (e) {
      if (!isBusy(e)) throw e;
      this.lastBusy = e as Error;
      // Another connection held the write lock past the busy timeout: nothing was written (the
      // transaction, ids included, rolled back). Keep the rows, first in line, and try again.
      this.pending = rows.concat(this.pending);
      this.pendingDepth = snapshots.concat(this.pendingDepth);
      this.busyRetries++;
      // Not before then: a size-triggered flush would wait out the busy timeout again at once.
      this.retryAt = Date.now() + this.flushMs;
      this.timer = setTimeout(() => this.flush(), this.flushMs);
      return 0;
    }
    this.resumedFrom = null;
    this.depthCommitted += snapshots.length;
    const now = Date.now();
    if (rows.length > 0) {
      this.committed += rows.length;
      this.flushes++;
      this.lastLagMs = now - rows[0].tsReceived;
      this.indexer?.committed(this.lastTickId, now);
      this.onCommit?.(rows, now);
    }
    if (now - this.lastCheckpoint >= CHECKPOINT_MS) this.checkpoint(now);
    return rows.length > 0 ? rows.length : snapshots.length;
  }

  /**
   * A passive checkpoint: copies what it can of the WAL into the file (syncing both), never waits;
   * on the journal's worker, or on this thread when that cannot run.
   */
  private checkpoint(now: number): void {
    this.lastCheckpoint = now;
    if (this.worker?.checkpoint()) return;
    try {
      this.db.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // Another connection is checkpointing this file: the next flush tries again.
    }
  }

  countTicks(instrumentId?: number, fromMs = -Infinity, toMs = Infinity): number {
    return ticks.countTicks(this.sql, instrumentId, fromMs, toMs);
  }

  /** Ticks of one instrument in [fromMs, toMs], in time order, streamed (constant memory). */
  iterateTicks(instrumentId: number, fromMs: number, toMs: number): Generator<ticks.TickRow> {
    return ticks.iterateTicks(this.sql, instrumentId, fromMs, toMs);
  }

  ticks(instrumentId: number, fromMs: number, toMs: number): ticks.TickRow[] {
    return [...this.iterateTicks(instrumentId, fromMs, toMs)];
  }

  /** Time range of the journal's ticks for one instrument (or all), ms; null when empty. */
  tickRange(instrumentId?: number): { from: number; to: number } | null {
    return ticks.tickRange(this.sql, instrumentId);
  }

  /** The volume traded at each price by one instrument since `fromMs` (exchange time), from SQL. */
  sessionVolumeAtPrice(instrumentId: number, fromMs: number, tickSize: number): sessionReads.SessionVolume {
    return sessionReads.sessionVolumeAtPrice(this.sql, instrumentId, fromMs, tickSize);
  }

  /** The same through `cache`, which reads on from where its last answer for the instrument left off. */
  sessionVolume(cache: sessionReads.SessionVolumeCache, instrumentId: number, fromMs: number, tickSize: number): sessionReads.SessionVolume {
    return cache.read(this.sql, instrumentId, fromMs, tickSize);
  }

  /** The last OI journaled for each instrument with an exchange time in [fromMs, toMs). */
  lastOiBetween(instrumentIds: readonly number[], fromMs: number, toMs: number): Map<number, number> {
    return sessionReads.lastOiBetween(this.sql, instrumentIds, fromMs, toMs);
  }

  // --- candles --------------------------------------------------------------------------------

  /** Stores candles from a broker's history; a bucket fetched again is replaced (the later answer wins). */
  upsertCandles(instrumentId: number, interval: CandleInterval, list: readonly Candle[], source: string, fetchedAt = Date.now()): number {
    this.db.transaction(() => candles.upsertCandles(this.sql, instrumentId, interval, list, source, fetchedAt)).immediate();
    return list.length;
  }

  /** The newest backfill write (the candles stream's watermark); 0 when there is none. */
  maxCandleSeq(): number {
    return candles.maxCandleSeq(this.sql);
  }

  /** Backfilled candles written after `seq`, in write order: [seq, instrument_id, interval, t, o, h, l, c, v, oi, source, fetched_at]. */
  candlesAfter(seq: number, limit: number): unknown[][] {
    return candles.candlesAfter(this.sql, seq, limit);
  }

  /** Start (ms) of the `n`-th latest backfilled candle at or before toMs; undefined when there are none. */
  storedCandleStart(instrumentId: number, interval: CandleInterval, toMs: number, n: number): number | undefined {
    return candles.storedCandleStart(this.sql, instrumentId, interval, toMs, n);
  }

  /** Backfilled candles with bucket start in [fromMs, toMs], in time order. */
  storedCandles(instrumentId: number, interval: CandleInterval, fromMs: number, toMs: number): StoredCandle[] {
    return candles.storedCandles(this.sql, instrumentId, interval, fromMs, toMs);
  }

  /**
   * What the chart shows: backfilled history joined to candles built from recorded ticks, each
   * bucket once (the policy: mergeHistoryAndLive in ./journal/history-merge).
   */
  chartCandles(instrumentId: number, interval: CandleInterval, fromMs: number, toMs: number): Candle[] {
    return candles.chartCandles(this.sql, instrumentId, interval, fromMs, toMs);
  }

  /** Candles aggregated from the journal's ticks (same builder as live candles). */
  candles(instrumentId: number, interval: CandleInterval, fromMs: number, toMs: number): Candle[] {
    return candles.tickCandles(this.sql, instrumentId, interval, fromMs, toMs);
  }

  // --- depth ----------------------------------------------------------------------------------

  /** The book as of time `ts` (ms): the last bid and ask snapshots at or before it. */
  bookAsOf(instrumentId: number, ts: number): depth.Book {
    return depth.bookAsOf(this.sql, instrumentId, ts);
  }

  latestBook(instrumentId: number): depth.Book {
    return this.bookAsOf(instrumentId, Number.MAX_SAFE_INTEGER);
  }

  countDepth(instrumentId?: number): number {
    return depth.countDepth(this.sql, instrumentId);
  }

  /**
   * Heatmap cells: the largest resting quantity per (time bucket, price bucket) over [from, to],
   * both sides together; what a depth heatmap draws. Cells are sorted by time, then price.
   */
  depthHeatmap(instrumentId: number, fromMs: number, toMs: number, timeBucketMs: number, priceBucket: number): Array<{ t: number; price: number; maxQty: number }> {
    return depth.depthHeatmap(this.sql, instrumentId, fromMs, toMs, timeBucketMs, priceBucket);
  }

  // --- replication support -------------------------------------------------------------------

  /** Column order of ticksAfter() rows. */
  static readonly RAW_TICK_COLUMNS = ticks.RAW_TICK_COLUMNS;

  /** Up to `limit` tick rows with afterId < id ≤ upTo, oldest first, as positional arrays (fast). */
  ticksAfter(afterId: number, limit: number, upTo = Number.MAX_SAFE_INTEGER): unknown[][] {
    return ticks.ticksAfter(this.sql, afterId, limit, upTo);
  }

  /** Instruments referenced by the rows afterId < id ≤ upTo. */
  instrumentsBetween(afterId: number, upTo: number): number[] {
    return ticks.instrumentsBetween(this.sql, afterId, upTo);
  }

  /** The id of the `n`-th row after `afterId` (or the last row, if there are fewer). */
  idAfter(afterId: number, n: number): number {
    return ticks.idAfter(this.sql, afterId, n);
  }

  /** Depth rows after `afterId` as [id, instrument_id, ts, side, levels, price, qty, orders]. */
  depthAfter(afterId: number, limit: number): unknown[][] {
    return depth.depthAfter(this.sql, afterId, limit);
  }

  maxDepthId(): number {
    return depth.maxDepthId(this.sql);
  }

  maxTickId(): number {
    return ticks.maxTickId(this.sql);
  }

  /** Receive time of the first row after `afterId` (the oldest not yet replicated), or null. */
  firstReceivedAfter(afterId: number): number | null {
    return ticks.firstReceivedAfter(this.sql, afterId);
  }

  /** Gaps a sink must (re)send: new ones and those it last saw open. */
  gapsForSync(afterId: number, openIds: readonly number[]): FeedGap[] {
    return gaps.gapsForSync(this.sql, afterId, openIds);
  }

  setSynced(sink: string, stream: string, lastId: number): void {
    sync.setSynced(this.sql, sink, stream, lastId);
  }

  synced(sink: string, stream: string): number {
    return sync.synced(this.sql, sink, stream);
  }

  /** Every sink this journal has replicated to (sync_state names: `host/database#source`). */
  syncedSinks(): string[] {
    return sync.syncedSinks(this.sql);
  }

  /**
   * Deletes ticks and depth snapshots received before `olderThanMs` that every sink has confirmed;
   * rows a sink has not confirmed are never deleted. A sink that refused this journal (see
   * refuseSink) counts for nothing: rows wait for a sink that takes them. Returns the rows removed.
   */
  pruneSynced(olderThanMs: number): number {
    return sync.pruneSynced(this.sql, olderThanMs);
  }

  /** Marks a sink as never to be replicated to from this journal (kept across restarts). */
  refuseSink(sink: string, detail: string): void {
    sync.refuseSink(this.sql, sink, detail);
  }

  /** Why this journal refused a sink, if it did. */
  sinkRefusal(sink: string): string | undefined {
    return sync.sinkRefusal(this.sql, sink);
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
        const last = gaps.lastJournaledMoment(this.sql);
        if (last === null) return; // a new journal: nothing was missed
        gaps.closeOpenGaps(this.sql, last);
        this.resumedFrom = last;
      })
      .immediate();
  }

  /**
   * The latest moment (ms) the journal holds: the newest tick's and depth snapshot's receive time,
   * and gap starts and ends (a feed was being watched then). Null when it holds none.
   */
  lastJournaledMoment(): number | null {
    return gaps.lastJournaledMoment(this.sql);
  }

  // --- gaps -----------------------------------------------------------------------------------

  openGap(feed: string, connection: number, startTs: number, reason: string): number {
    return this.db.transaction(() => gaps.insertGap(this.sql, feed, connection, startTs, null, reason)).immediate();
  }

  closeGap(id: number, endTs: number): void {
    gaps.closeGap(this.sql, id, endTs);
  }

  gaps(): FeedGap[] {
    return gaps.gaps(this.sql);
  }

  integrityCheck(): string {
    return this.db.pragma('integrity_check', { simple: true }) as string;
  }

  /** Flushes what is queued and closes the database. */
  close(): void {
    if (!this.db.open) return;
    // A flush that finds the file locked keeps its rows: try again (each try waits the busy timeout).
    if (!this.db.readonly) for (let i = 0; i < 3 && this.pendingRows > 0; i++) this.flush();
    // Still locked: say so (the caller reports what could not be committed) rather than drop the rows.
    if (this.pendingRows > 0 && this.lastBusy) throw this.lastBusy;
    if (this.timer) clearTimeout(this.timer);
    this.indexer?.stop();
    this.worker?.close();
    this.db.close();
  }
}
