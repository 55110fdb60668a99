// The ticks' per-instrument index (tick_index, migration 008), filled in sorted batches a few
// seconds behind the writer, and the SQL that reads one instrument's ticks through it.
//
// Why batches: an index updated on every insert, in id order, dirties one page per row once a few
// thousand instruments each have their own tail page; written in instrument order, a batch of N
// rows dirties about one page per instrument. The batch is read back from the table (rows of any
// writer, or of a run that crashed, are covered the same way), sorted here, and inserted a slice at
// a time, each slice its own short transaction, so that the writer's commits go on between them.
import type { JournalDb, Row } from './db';

/** Index once this many rows wait… */
export const INDEX_ROWS = 200_000;
/** …or once the oldest waiting row is this old, ms. */
export const INDEX_MS = 2_000;
/** Index entries per transaction: one turn of the event loop, ~5-10 ms (the feeds go on between). */
const SLICE = 2_048;
/** Rows read back per query while collecting a batch (each an array until copied out). */
export const READ_SLICE = 16_384;

/** The statements of an index batch (here, and in the journal's worker: journal-worker.ts). */
export const INDEX_SQL = {
  upto: 'SELECT upto FROM tick_index_state',
  tail: 'SELECT id, instrument_id, ts_exchange FROM ticks WHERE id > ? AND id <= ? ORDER BY id LIMIT ?',
  insert: 'INSERT OR IGNORE INTO tick_index (instrument_id, ts_exchange, id) VALUES (?, ?, ?)',
  advance: 'UPDATE tick_index_state SET upto = max(upto, ?)',
} as const;
const UPTO_SQL = INDEX_SQL.upto;
const TAIL_SQL = INDEX_SQL.tail;
const INSERT_SQL = INDEX_SQL.insert;
const ADVANCE_SQL = INDEX_SQL.advance;

/** Every tick with id ≤ this is in tick_index. */
export function indexedUpTo(db: JournalDb): number {
  return (db.stmt(UPTO_SQL).get() as Row).upto as number;
}

/**
 * One instrument's ticks with exchange time in [@from, @to] — the indexed rows through tick_index,
 * the tail after `upto` by a scan of its id range — as one compound SELECT of `cols` (columns of
 * `ticks` qualified with `t.`), in no particular order. Parameters are named: @ins, @from, @to, and
 * @after with `afterId` (only rows with a larger id: a reader that remembers what it has read).
 * Read in one statement, the two parts see the same `upto`, so no row is read twice or missed
 * while the writer indexes. Without tick_index (an older journal, read-only), the plain query.
 */
export function instrumentRange(cols: string, indexed: boolean, opts: { afterId?: boolean } = {}): string {
  const after = (alias: string) => (opts.afterId ? ` AND ${alias}.id > @after` : '');
  if (!indexed) return `SELECT ${cols} FROM ticks t WHERE t.instrument_id = @ins AND t.ts_exchange BETWEEN @from AND @to${after('t')}`;
  return `SELECT ${cols} FROM tick_index x CROSS JOIN ticks t ON t.id = x.id
      WHERE x.instrument_id = @ins AND x.ts_exchange BETWEEN @from AND @to AND x.id <= (${UPTO_SQL})${after('x')}
    UNION ALL
    SELECT ${cols} FROM ticks t
      WHERE t.id > (${UPTO_SQL}) AND t.instrument_id = @ins AND t.ts_exchange BETWEEN @from AND @to${after('t')}`;
}

/** Deletes the index entries of the ticks a prune is about to delete (same conditions). */
export function unindexPruned(db: JournalDb, upToId: number, receivedBefore: number): void {
  db.stmt(
    `DELETE FROM tick_index WHERE (instrument_id, ts_exchange, id) IN
       (SELECT instrument_id, ts_exchange, id FROM ticks WHERE id <= ? AND id <= (${UPTO_SQL}) AND ts_received < ?)`,
  ).run(upToId, receivedBefore);
}

/** Runs an index batch elsewhere (the journal's worker); false when it cannot. */
export type IndexOffload = (hi: number, done: (upto: number | null) => void) => boolean;

/**
 * Keeps tick_index up with a writer: `committed(lastId)` after each commit starts a batch when
 * enough rows wait (or the oldest has waited long enough). The batch runs on the journal's worker
 * when there is one (`offload`), else here in slices between other work. One batch at a time;
 * `stop()` abandons one in flight (entries already written stay: the next batch skips them).
 */
export class TickIndexer {
  private upto: number;
  private last = 0;
  private since = 0;
  private running = false;
  private stopped = false;
  /**
   * What this writer committed since the last batch, in id order from `first`: the batch is
   * taken from here instead of read back from the table when it covers the whole range (no other
   * writer's rows in between); `broken` when a commit did not follow on.
   */
  private mine: { first: number; ins: number[]; ts: number[]; broken: boolean } = { first: 0, ins: [], ts: [], broken: false };
  private timer: NodeJS.Timeout | null = null;
  /** Batches finished and entries written by this process (for tests and the bench). */
  batches = 0;
  entries = 0;
  /** Batches that had to read their rows back from the table (another writer's rows among them). */
  readBack = 0;

  /** Batches the worker did (the rest ran on this thread). */
  offloaded = 0;

  constructor(
    private readonly db: JournalDb,
    private readonly inTransaction: <T>(fn: () => T) => T,
    private readonly offload: IndexOffload | null = null,
  ) {
    this.upto = indexedUpTo(db);
    this.last = this.upto;
  }

  /** Rows committed but not yet indexed, as far as this writer knows. */
  get waiting(): number {
    return Math.max(0, this.last - this.upto);
  }

  /** The rows a commit of this writer just wrote, with ids from `firstId` up (call before committed()). */
  wrote(firstId: number, rows: readonly { instrumentId: number; tsExchange: number }[]): void {
    // The worker reads its batches back from the table: nothing to remember while it does them.
    if (this.offloaded > 0 && this.offload) return;
    const m = this.mine;
    if (m.ins.length === 0) m.first = firstId;
    else if (firstId !== m.first + m.ins.length) m.broken = true;
    for (const r of rows) {
      m.ins.push(r.instrumentId);
      m.ts.push(r.tsExchange);
    }
  }

  committed(lastId: number, now = Date.now()): void {
    if (this.stopped) return;
    if (this.last <= this.upto) this.since = now;
    this.last = Math.max(this.last, lastId);
    if (this.running) return;
    if (this.waiting >= INDEX_ROWS || now - this.since >= INDEX_MS) this.start();
    else if (!this.timer && this.waiting > 0) {
      this.timer = setTimeout(() => {
        this.timer = null;
        if (!this.running && this.waiting > 0) this.start();
      }, INDEX_MS);
      this.timer.unref();
    }
  }

  /** Indexes everything committed now, at once (tests; a writer that is about to stop need not). */
  indexNow(): void {
    this.clearTimer();
    const hi = this.maxId();
    const from = indexedUpTo(this.db);
    if (hi > from) this.writeSlices(this.batch(from, hi), hi, false);
  }

  stop(): void {
    this.stopped = true;
    this.clearTimer();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private maxId(): number {
    return ((this.db.stmt('SELECT max(id) AS m FROM ticks').get() as Row).m as number) ?? 0;
  }

  private start(): void {
    this.clearTimer();
    this.running = true;
    const from = indexedUpTo(this.db);
    const hi = this.maxId();
    if (hi <= from) {
      this.upto = Math.max(this.upto, from);
      this.running = false;
      return;
    }
    const accepted =
      this.offload?.(hi, (upto) => {
        if (this.stopped) return;
        this.running = false;
        if (upto !== null) {
          this.offloaded++;
          this.batches++;
          this.upto = Math.max(this.upto, upto);
          // What this writer remembered is covered (or will be read back): start afresh.
          this.mine = { first: 0, ins: [], ts: [], broken: false };
        }
        if (this.last > this.upto) this.committed(this.last);
      }) ?? false;
    if (!accepted) this.writeSlices(this.batch(from, hi), hi, true);
  }

  /** The rows (from, hi] in index order: from what this writer remembers when that is all of them. */
  private batch(from: number, hi: number): Sorted {
    const m = this.mine;
    this.mine = { first: 0, ins: [], ts: [], broken: false };
    const end = m.first + m.ins.length - 1;
    if (m.broken || m.ins.length === 0 || m.first > from + 1 || end !== hi) {
      this.readBack++;
      return collectForIndex(this.db.stmt(TAIL_SQL).raw(), from, hi, READ_SLICE);
    }
    const skip = from + 1 - m.first;
    const n = m.ins.length - skip;
    const ids = new Float64Array(n);
    for (let i = 0; i < n; i++) ids[i] = from + 1 + i;
    return sortForIndex(ids, skip > 0 ? m.ins.slice(skip) : m.ins, skip > 0 ? m.ts.slice(skip) : m.ts);
  }

  /** Writes the sorted entries a slice per transaction (yielding to the event loop between them, or not), then advances upto to `hi`. */
  private writeSlices(s: Sorted, hi: number, yieldBetween: boolean): void {
    const slices = writeIndexSlices(s, hi, SLICE, this.inTransaction, this.db.stmt(INSERT_SQL), this.db.stmt(ADVANCE_SQL));
    const step = (): void => {
      for (;;) {
        if (this.stopped && yieldBetween) {
          this.running = false;
          return;
        }
        const r = slices.next();
        if (r.done) break;
        this.entries += r.value;
        if (yieldBetween) return void setImmediate(step);
      }
      this.batches++;
      this.upto = Math.max(this.upto, hi);
      this.running = false;
      if (yieldBetween && this.last > this.upto) this.committed(this.last);
    };
    step();
  }
}

/** A batch's rows (parallel arrays) and the order they go into the index. */
export interface Sorted {
  ids: ArrayLike<number>;
  ins: ArrayLike<number>;
  ts: ArrayLike<number>;
  /** Positions into the arrays above, in index order. */
  order: Uint32Array;
}

// The three functions below are the whole index batch, here and in the journal's worker, which runs
// their source as compiled (journal-worker.ts): they use nothing but their parameters and each other.

/**
 * The rows (from, hi] read back from the table (INDEX_SQL.tail, raw) into flat typed arrays, then
 * sorted: about 36 bytes a row for the batch's life, where arrays of row arrays held 5 MB a read.
 */
export function collectForIndex(tail: { all(...args: unknown[]): unknown[] }, from: number, hi: number, readSlice: number): Sorted {
  // Ids are unique, so (from, hi] holds at most hi − from rows (fewer where a transaction rolled back).
  let cap = Math.max(16, Math.min(hi - from, 1 << 20));
  let ids = new Float64Array(cap);
  let ins = new Float64Array(cap);
  let ts = new Float64Array(cap);
  let n = 0;
  for (let after = from; after < hi; ) {
    const rows = tail.all(after, hi, readSlice) as Array<[number, number, number]>;
    if (rows.length === 0) break;
    if (n + rows.length > cap) {
      cap = Math.max(cap * 2, n + rows.length);
      const grow = (a: Float64Array) => {
        const b = new Float64Array(cap);
        b.set(a.subarray(0, n));
        return b;
      };
      ids = grow(ids);
      ins = grow(ins);
      ts = grow(ts);
    }
    for (const r of rows) {
      ids[n] = r[0];
      ins[n] = r[1];
      ts[n] = r[2];
      n++;
    }
    after = rows[rows.length - 1][0];
  }
  return sortForIndex(ids.subarray(0, n), ins.subarray(0, n), ts.subarray(0, n));
}

/**
 * Writes a sorted batch into tick_index, `slice` entries per transaction, the last one also
 * advancing tick_index_state.upto to `hi`; yields each slice's entry count after its commit, so the
 * caller chooses what runs between slices (the worker: nothing; the writer's thread: its feeds).
 */
export function* writeIndexSlices(
  s: Sorted,
  hi: number,
  slice: number,
  transaction: (fn: () => void) => void,
  insert: { run(...args: unknown[]): unknown },
  advance: { run(...args: unknown[]): unknown },
): Generator<number, void> {
  const n = s.order.length;
  for (let at = 0; ; at += slice) {
    const end = Math.min(n, at + slice);
    transaction(() => {
      for (let k = at; k < end; k++) {
        const p = s.order[k];
        insert.run(s.ins[p], s.ts[p], s.ids[p]);
      }
      if (end === n) advance.run(hi);
    });
    yield end - at;
    if (end === n) return;
  }
}

/**
 * Orders rows by (instrument, id). Ids rise with arrival, so within an instrument this is exchange
 * time order up to the feed's own reorderings: close enough to the index's order for its pages to
 * be written once per batch. One numeric sort of packed keys (instrument × 2^32 + position) when
 * instrument ids fit 2^21, else a comparator.
 */
export function sortForIndex(ids: ArrayLike<number>, ins: ArrayLike<number>, ts: ArrayLike<number>): Sorted {
  const n = ids.length;
  const order = new Uint32Array(n);
  let maxIns = 0;
  for (let i = 0; i < n; i++) if (ins[i] > maxIns) maxIns = ins[i];
  if (maxIns < 2 ** 21 && n < 2 ** 32) {
    const keys = new Float64Array(n);
    for (let i = 0; i < n; i++) keys[i] = ins[i] * 4294967296 + i;
    keys.sort();
    for (let i = 0; i < n; i++) order[i] = keys[i] % 4294967296;
  } else {
    const idx = Array.from({ length: n }, (_, i) => i);
    idx.sort((a, b) => ins[a] - ins[b] || ids[a] - ids[b]);
    order.set(idx);
  }
  return { ids, ins, ts, order };
}
