// What each sink has confirmed of each stream, the sinks this journal refused, and the pruning of
// rows every sink holds.
import type { JournalDb, Row } from './db';
import { unindexPruned } from './tick-index';

export function setSynced(db: JournalDb, sink: string, stream: string, lastId: number): void {
  db.stmt(
    'INSERT INTO sync_state (sink, stream, last_id, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (sink, stream) DO UPDATE SET last_id = excluded.last_id, updated_at = excluded.updated_at',
  ).run(sink, stream, lastId, Date.now());
}

export function synced(db: JournalDb, sink: string, stream: string): number {
  const r = db.stmt('SELECT last_id FROM sync_state WHERE sink = ? AND stream = ?').get(sink, stream) as Row | undefined;
  return r ? (r.last_id as number) : 0;
}

/** Every sink this journal has replicated to (sync_state names: `host/database#source`). */
export function syncedSinks(db: JournalDb): string[] {
  return (db.stmt('SELECT DISTINCT sink FROM sync_state ORDER BY sink').all() as Row[]).map((r) => r.sink as string);
}

/**
 * Deletes ticks and depth snapshots received before `olderThanMs` that every sink has confirmed;
 * rows a sink has not confirmed are never deleted. A sink that refused this journal (see
 * refuseSink) counts for nothing: rows wait for a sink that takes them. Returns the rows removed.
 */
export function pruneSynced(db: JournalDb, olderThanMs: number): number {
  // Every sink that connected has a 'ticks' row; one that has sent no depth yet has confirmed none.
  const upTo = (stream: 'ticks' | 'depth') =>
    db.stmt(
      `SELECT count(*) AS n, min(coalesce(s.last_id, 0)) AS m FROM sync_state t
         LEFT JOIN sync_state s ON s.sink = t.sink AND s.stream = ?
         WHERE t.stream = 'ticks' AND t.sink NOT IN (SELECT sink FROM sink_refusals)`,
    ).get(stream) as Row;
  const ticks = upTo('ticks');
  if (!ticks.n) return 0;
  const depth = upTo('depth');
  return db.sqlite
    .transaction(() => {
      if (db.tickIndexed) unindexPruned(db, ticks.m as number, olderThanMs);
      return (
        db.stmt('DELETE FROM ticks WHERE id <= ? AND ts_received < ?').run(ticks.m as number, olderThanMs).changes +
        db.stmt('DELETE FROM depth WHERE id <= ? AND ts < ?').run(depth.m as number, olderThanMs).changes
      );
    })
    .immediate();
}

/** Marks a sink as never to be replicated to from this journal (kept across restarts). */
export function refuseSink(db: JournalDb, sink: string, detail: string): void {
  db.stmt('INSERT INTO sink_refusals (sink, detail, at) VALUES (?, ?, ?) ON CONFLICT (sink) DO UPDATE SET detail = excluded.detail, at = excluded.at').run(sink, detail, Date.now());
}

/** Why this journal refused a sink, if it did. */
export function sinkRefusal(db: JournalDb, sink: string): string | undefined {
  return (db.stmt('SELECT detail FROM sink_refusals WHERE sink = ?').get(sink) as Row | undefined)?.detail as string | undefined;
}
