// Order-book snapshots in the journal: one row per side per moment, levels as packed arrays.
import type { DepthSnapshot, Side } from '../../../shared/model';
import type { JournalDb, Row } from './db';
import { reserveIds } from './sequences';

export type Book = { bid: DepthSnapshot | null; ask: DepthSnapshot | null };

/** Inserts `rows` with ids from the depth sequence; call inside a write transaction. */
export function insertDepth(db: JournalDb, rows: readonly DepthSnapshot[]): void {
  const stmt = db.stmt('INSERT INTO depth (id, instrument_id, ts, side, levels, price, qty, orders) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  let id = reserveIds(db, 'depth', rows.length);
  for (const d of rows) {
    const n = d.levels;
    stmt.run(
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

function rowToSnapshot(r: Row): DepthSnapshot {
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
export function bookAsOf(db: JournalDb, instrumentId: number, ts: number): Book {
  const stmt = db.stmt('SELECT * FROM depth WHERE instrument_id = ? AND side = ? AND ts <= ? ORDER BY ts DESC, id DESC LIMIT 1');
  const side = (k: number) => {
    const r = stmt.get(instrumentId, k, ts) as Row | undefined;
    return r ? rowToSnapshot(r) : null;
  };
  return { bid: side(0), ask: side(1) };
}

export function countDepth(db: JournalDb, instrumentId?: number): number {
  const r = instrumentId === undefined ? db.stmt('SELECT count(*) AS n FROM depth').get() : db.stmt('SELECT count(*) AS n FROM depth WHERE instrument_id = ?').get(instrumentId);
  return (r as Row).n as number;
}

/**
 * Heatmap cells: the largest resting quantity per (time bucket, price bucket) over [from, to],
 * both sides together; what a depth heatmap draws. Cells are sorted by time, then price.
 */
export function depthHeatmap(db: JournalDb, instrumentId: number, fromMs: number, toMs: number, timeBucketMs: number, priceBucket: number): Array<{ t: number; price: number; maxQty: number }> {
  const cells = new Map<string, { t: number; price: number; maxQty: number }>();
  const stmt = db.stmt('SELECT * FROM depth WHERE instrument_id = ? AND ts BETWEEN ? AND ? ORDER BY ts, id');
  for (const r of stmt.iterate(instrumentId, fromMs, toMs)) {
    const d = rowToSnapshot(r as Row);
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

// --- replication ----------------------------------------------------------------------------

/** Depth rows after `afterId` as [id, instrument_id, ts, side, levels, price, qty, orders]. */
export function depthAfter(db: JournalDb, afterId: number, limit: number): unknown[][] {
  return db.stmt('SELECT id, instrument_id, ts, side, levels, price, qty, orders FROM depth WHERE id > ? ORDER BY id LIMIT ?').raw().all(afterId, limit) as unknown[][];
}

export function maxDepthId(db: JournalDb): number {
  return ((db.stmt('SELECT max(id) AS m FROM depth').get() as Row).m as number) ?? 0;
}
