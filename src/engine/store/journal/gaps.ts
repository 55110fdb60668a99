// Feed gaps: the outages the journal knows it has no data for, including the recorder's own.
import type { FeedGap } from '../../../shared/model';
import type { JournalDb, Row } from './db';
import { reserveIds } from './sequences';

/** The reason of the outage written when a recorder starts again on a journal. */
export const RECORDER_NOT_RUNNING = 'recorder not running';

function rowToGap(r: Row): FeedGap {
  return {
    id: r.id as number,
    feed: r.feed as string,
    connection: r.connection as number,
    startTs: r.start_ts as number,
    endTs: r.end_ts as number | null,
    reason: r.reason as string,
  };
}

/** One feed_gaps row, its id from the sequence; call inside a write transaction. */
export function insertGap(db: JournalDb, feed: string, connection: number, startTs: number, endTs: number | null, reason: string): number {
  const id = reserveIds(db, 'feed_gaps', 1);
  db.stmt('INSERT INTO feed_gaps (id, feed, connection, start_ts, end_ts, reason) VALUES (?, ?, ?, ?, ?, ?)').run(id, feed, connection, startTs, endTs, reason);
  return id;
}

export function closeGap(db: JournalDb, id: number, endTs: number): void {
  db.stmt('UPDATE feed_gaps SET end_ts = ? WHERE id = ? AND end_ts IS NULL').run(endTs, id);
}

/** Ends every open gap at `endTs` (its own start at the earliest). */
export function closeOpenGaps(db: JournalDb, endTs: number): void {
  db.stmt('UPDATE feed_gaps SET end_ts = max(start_ts, ?) WHERE end_ts IS NULL').run(endTs);
}

export function gaps(db: JournalDb): FeedGap[] {
  return (db.stmt('SELECT * FROM feed_gaps ORDER BY id').all() as Row[]).map(rowToGap);
}

/** The outages that overlap [fromMs, toMs) (open ones included). */
export function overlappingGaps(db: JournalDb, fromMs: number, toMs: number): Array<{ startTs: number; endTs: number | null }> {
  return db.stmt('SELECT start_ts AS startTs, end_ts AS endTs FROM feed_gaps WHERE start_ts < ? AND (end_ts IS NULL OR end_ts > ?)').all(toMs, fromMs) as Array<{ startTs: number; endTs: number | null }>;
}

/**
 * Gaps a sink must (re)send: new ones and those it last saw open. The open ids travel as one JSON
 * array parameter, so one statement serves every set of them.
 */
export function gapsForSync(db: JournalDb, afterId: number, openIds: readonly number[]): FeedGap[] {
  return (db.stmt('SELECT * FROM feed_gaps WHERE id > ? OR id IN (SELECT value FROM json_each(?)) ORDER BY id').all(afterId, JSON.stringify(openIds.map(Number))) as Row[]).map(
    rowToGap,
  );
}

/**
 * The latest moment (ms) the journal holds: the newest tick's and depth snapshot's receive time,
 * and gap starts and ends (a feed was being watched then). Null when it holds none.
 */
export function lastJournaledMoment(db: JournalDb): number | null {
  const r = db.stmt(
    `SELECT max(coalesce((SELECT ts_received FROM ticks ORDER BY id DESC LIMIT 1), -1),
                coalesce((SELECT ts FROM depth ORDER BY id DESC LIMIT 1), -1),
                coalesce((SELECT max(max(start_ts), coalesce(max(end_ts), -1)) FROM feed_gaps), -1)) AS t`,
  ).get() as Row;
  return (r.t as number) < 0 ? null : (r.t as number);
}
