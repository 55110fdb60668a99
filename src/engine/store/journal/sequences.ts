// The journal's id sequences: each stream numbers its rows from its own counter, never reusing an id.
import type { JournalDb, Row } from './db';

/** The streams a sink replicates, each numbered by its own sequence. */
export type JournalStream = 'ticks' | 'depth' | 'feed_gaps' | 'candles';

/** The highest id a stream ever gave: its counter, or the table's own maximum if that is higher. */
const LAST_ISSUED_SQL: Record<JournalStream, string> = {
  ticks: "SELECT max(coalesce((SELECT last FROM sequences WHERE name = 'ticks'), 0), coalesce((SELECT max(id) FROM ticks), 0)) AS n",
  depth: "SELECT max(coalesce((SELECT last FROM sequences WHERE name = 'depth'), 0), coalesce((SELECT max(id) FROM depth), 0)) AS n",
  feed_gaps: "SELECT max(coalesce((SELECT last FROM sequences WHERE name = 'feed_gaps'), 0), coalesce((SELECT max(id) FROM feed_gaps), 0)) AS n",
  candles: "SELECT max(coalesce((SELECT last FROM sequences WHERE name = 'candles'), 0), coalesce((SELECT max(seq) FROM candles), 0)) AS n",
};

/** The highest id (candles: seq) this journal ever gave in a stream; 0 when none. */
export function lastIssued(db: JournalDb, stream: JournalStream): number {
  return (db.stmt(LAST_ISSUED_SQL[stream]).get() as Row).n as number;
}

/**
 * Hands out `n` consecutive ids of a stream: one above the highest it ever gave, even after
 * pruning (or anyone) deleted every row. Call inside a write transaction.
 */
export function reserveIds(db: JournalDb, stream: JournalStream, n: number): number {
  const first = lastIssued(db, stream) + 1;
  db.stmt('UPDATE sequences SET last = ? WHERE name = ?').run(first + n - 1, stream);
  return first;
}
