-- Backfilled candles replicate to the database: every upsert stamps each row it writes with the
-- next number of one sequence, the replicator's watermark (a re-fetched bucket goes again).
ALTER TABLE candles ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
UPDATE candles SET seq = x.n
FROM (SELECT instrument_id AS i, interval AS iv, t AS tt, row_number() OVER (ORDER BY fetched_at, instrument_id, interval, t) AS n FROM candles) AS x
WHERE candles.instrument_id = x.i AND candles.interval = x.iv AND candles.t = x.tt;
CREATE INDEX candles_seq ON candles (seq);
