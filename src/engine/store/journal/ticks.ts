// The journal's ticks: the batched insert (the recorder's hot path) and the queries that read them.
import type { DepthBook, Tick } from '../../../shared/model';
import type { CandleInput } from '../../pipeline/candles';
import { JOURNAL_TICK_COLUMNS, TICK_COLUMNS } from '../tick-columns';
import type { JournalDb, Row } from './db';
import { reserveIds } from './sequences';
import { instrumentRange } from './tick-index';

/** A tick row as stored (depth decoded back to a book). */
export interface TickRow extends Tick {
  id: number;
}

export const INSERT_TICK_SQL = `INSERT INTO ticks (${JOURNAL_TICK_COLUMNS.join(', ')}) VALUES (${JOURNAL_TICK_COLUMNS.map(() => '?').join(', ')})`;
/** The journal's own insert: the id comes from its sequence (see reserveIds), not from SQLite. */
const INSERT_TICK_WITH_ID_SQL = `INSERT INTO ticks (id, ${JOURNAL_TICK_COLUMNS.join(', ')}) VALUES (?, ${JOURNAL_TICK_COLUMNS.map(() => '?').join(', ')})`;
const TICKS_AFTER_SQL = `SELECT id, ${JOURNAL_TICK_COLUMNS.join(', ')} FROM ticks WHERE id > ? AND id <= ? ORDER BY id LIMIT ?`;

/** Column order of ticksAfter() rows. */
export const RAW_TICK_COLUMNS: readonly string[] = ['id', ...JOURNAL_TICK_COLUMNS];

function depthBlob(book: DepthBook | undefined): Buffer | null {
  return book ? Buffer.from(book.buffer, book.byteOffset, book.byteLength) : null;
}

/**
 * Inserts `rows` with ids from the ticks sequence; call inside a write transaction. Each tick is
 * bound positionally in TICK_COLUMNS order, written out rather than looped over the descriptor and
 * with no per-row parameter array: this is the hot path. Returns the last id given.
 */
export function insertTicks(db: JournalDb, rows: readonly Tick[]): number {
  const stmt = db.stmt(INSERT_TICK_WITH_ID_SQL);
  let id = reserveIds(db, 'ticks', rows.length);
  for (const t of rows)
    stmt.run(
      id++,
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
  return id - 1;
}

/** The columns read back into Tick fields as they are (all but the book). */
const PLAIN = TICK_COLUMNS.filter((c) => c.field !== 'depth5');

export function rowToTick(r: Row): TickRow {
  const t = { id: r.id as number } as TickRow;
  const fields = t as unknown as Record<string, unknown>;
  for (const c of PLAIN) {
    const v = r[c.column];
    if (v !== null && v !== undefined) fields[c.field] = v;
  }
  const blob = r.depth as Buffer | null;
  if (blob) {
    // Copy: the row's buffer may not be 8-byte aligned.
    const copy = new Uint8Array(blob.byteLength);
    copy.set(blob);
    t.depth5 = new Float64Array(copy.buffer);
  }
  return t;
}

/** Bounds for an open range: SQLite compares integers, not infinities. */
const lo = (ms: number) => (Number.isFinite(ms) ? ms : Number.MIN_SAFE_INTEGER);
const hi = (ms: number) => (Number.isFinite(ms) ? ms : Number.MAX_SAFE_INTEGER);

/** One statement per journal for an instrument-range query (its text depends on tick_index). */
const ranged = (db: JournalDb, outer: (range: (cols: string) => string) => string) => db.stmt(outer((cols) => instrumentRange(cols, db.tickIndexed)));

export function countTicks(db: JournalDb, instrumentId: number | undefined, fromMs: number, toMs: number): number {
  const r =
    instrumentId === undefined
      ? db.stmt('SELECT count(*) AS n FROM ticks WHERE ts_exchange BETWEEN ? AND ?').get(lo(fromMs), hi(toMs))
      : ranged(db, (range) => `SELECT count(*) AS n FROM (${range('t.id')})`).get({ ins: instrumentId, from: lo(fromMs), to: hi(toMs) });
  return (r as Row).n as number;
}

/** Ticks of one instrument in [fromMs, toMs], in time order, streamed (constant memory). */
export function* iterateTicks(db: JournalDb, instrumentId: number, fromMs: number, toMs: number): Generator<TickRow> {
  const stmt = ranged(db, (range) => `SELECT * FROM (${range('t.*')}) ORDER BY ts_exchange, id`);
  for (const r of stmt.iterate({ ins: instrumentId, from: lo(fromMs), to: hi(toMs) })) yield rowToTick(r as Row);
}

/** Time range of the journal's ticks for one instrument (or all), ms; null when empty. */
export function tickRange(db: JournalDb, instrumentId?: number): { from: number; to: number } | null {
  const r = (
    instrumentId === undefined
      ? db.stmt('SELECT min(ts_exchange) AS a, max(ts_exchange) AS b FROM ticks').get()
      : ranged(db, (range) => `SELECT min(ts_exchange) AS a, max(ts_exchange) AS b FROM (${range('t.ts_exchange')})`).get({ ins: instrumentId, from: lo(-Infinity), to: hi(Infinity) })
  ) as Row;
  return r.a === null ? null : { from: r.a as number, to: r.b as number };
}

type CandleRow = { tsExchange: number; ltp: number; volDelta: number | null; oi: number | null };

const candleInput = (r: CandleRow): CandleInput => ({ tsExchange: r.tsExchange, ltp: r.ltp, volDelta: r.volDelta ?? 0, oi: r.oi ?? undefined });

const CANDLE_COLS = 't.id, t.ts_exchange, t.ts_received, t.ltp, t.vol_delta, t.oi';

/** What the candle builder needs of each tick of one instrument in [fromMs, toMs], in time order, streamed. */
export function* candleInputs(db: JournalDb, instrumentId: number, fromMs: number, toMs: number): Generator<CandleInput> {
  const stmt = ranged(db, (range) => `SELECT ts_exchange AS tsExchange, ltp, vol_delta AS volDelta, oi FROM (${range(CANDLE_COLS)}) ORDER BY ts_exchange, ts_received, id`);
  for (const r of stmt.iterate({ ins: instrumentId, from: lo(fromMs), to: hi(toMs) })) yield candleInput(r as CandleRow);
}

/** The same for ticks in [fromMs, toMs) received after `receivedAfter` (ms). */
export function candleInputsReceivedAfter(db: JournalDb, instrumentId: number, fromMs: number, toMs: number, receivedAfter: number): CandleInput[] {
  const rows = ranged(
    db,
    (range) => `SELECT ts_exchange AS tsExchange, ltp, vol_delta AS volDelta, oi FROM (${range(CANDLE_COLS)}) WHERE ts_exchange < @to AND ts_received > @after ORDER BY ts_exchange, ts_received, id`,
  ).all({ ins: instrumentId, from: lo(fromMs), to: hi(toMs), after: receivedAfter }) as CandleRow[];
  return rows.map(candleInput);
}

// --- replication ----------------------------------------------------------------------------

/** Up to `limit` tick rows with afterId < id ≤ upTo, oldest first, as positional arrays (RAW_TICK_COLUMNS). */
export function ticksAfter(db: JournalDb, afterId: number, limit: number, upTo: number): unknown[][] {
  return db.stmt(TICKS_AFTER_SQL).raw().all(afterId, upTo, limit) as unknown[][];
}

/** Instruments referenced by the rows afterId < id ≤ upTo. */
export function instrumentsBetween(db: JournalDb, afterId: number, upTo: number): number[] {
  return (db.stmt('SELECT DISTINCT instrument_id AS id FROM ticks WHERE id > ? AND id <= ?').all(afterId, upTo) as Row[]).map((r) => r.id as number);
}

export function maxTickId(db: JournalDb): number {
  return ((db.stmt('SELECT max(id) AS m FROM ticks').get() as Row).m as number) ?? 0;
}

/** The id of the `n`-th row after `afterId` (or the last row, if there are fewer). */
export function idAfter(db: JournalDb, afterId: number, n: number): number {
  const r = db.stmt('SELECT id FROM ticks WHERE id > ? ORDER BY id LIMIT 1 OFFSET ?').get(afterId, n - 1) as Row | undefined;
  return r ? (r.id as number) : maxTickId(db);
}

/** Receive time of the first row after `afterId` (the oldest not yet replicated), or null. */
export function firstReceivedAfter(db: JournalDb, afterId: number): number | null {
  const r = db.stmt('SELECT ts_received AS t FROM ticks WHERE id > ? ORDER BY id LIMIT 1').get(afterId) as Row | undefined;
  return r ? (r.t as number) : null;
}
