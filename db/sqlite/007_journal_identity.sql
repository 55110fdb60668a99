-- Ids that never go back, and an identity for the journal.
--
-- SQLite numbers a rowid table from max(id) + 1: once pruning had emptied ticks, new rows took ids
-- 1, 2, … again, below what a database had confirmed, and the replicator skipped them. The journal
-- now hands out every stream's ids itself, one above the highest it ever gave (Journal.reserveIds),
-- from these counters. A journal that pruning had already emptied starts above every id a sink
-- confirmed. One that has rows keeps its highest id: if ids were reused before this migration, they
-- stay below the sink's watermark and the replicator refuses that sink instead of skipping them.
CREATE TABLE sequences (
  name TEXT    PRIMARY KEY, -- 'ticks', 'depth', 'feed_gaps', 'candles' (the candles' seq)
  last INTEGER NOT NULL     -- the highest id ever given
);
INSERT INTO sequences (name, last) VALUES
  ('ticks', CASE WHEN EXISTS (SELECT 1 FROM ticks) THEN (SELECT max(id) FROM ticks)
                 ELSE (SELECT coalesce(max(last_id), 0) FROM sync_state WHERE stream = 'ticks') END),
  ('depth', CASE WHEN EXISTS (SELECT 1 FROM depth) THEN (SELECT max(id) FROM depth)
                 ELSE (SELECT coalesce(max(last_id), 0) FROM sync_state WHERE stream = 'depth') END),
  ('feed_gaps', (SELECT coalesce(max(id), 0) FROM feed_gaps)),
  ('candles', (SELECT coalesce(max(seq), 0) FROM candles));

-- Facts about this journal. 'journal_id', a UUID written here once, names it to databases: each source
-- id there belongs to one journal.
CREATE TABLE journal_meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
-- A version 4 UUID from SQLite's random source (seeded by the operating system).
INSERT INTO journal_meta (key, value)
SELECT 'journal_id', lower(substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-' ||
                           substr('89ab', 1 + (random() & 3), 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12))
FROM (SELECT hex(randomblob(16)) AS h);

-- Sinks this journal must never be replicated to (their watermark was above the journal's ids, so
-- sending would skip rows). Kept: a journal that later grows past the watermark stays refused.
CREATE TABLE sink_refusals (
  sink   TEXT    PRIMARY KEY, -- as in sync_state
  detail TEXT    NOT NULL,
  at     INTEGER NOT NULL     -- ms UTC
);
