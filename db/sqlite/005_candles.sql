-- Candles from brokers' history (backfill), one row per instrument, interval and bucket. The chart
-- joins them to the candles built from recorded ticks (see Journal.chartCandles for the seam).
CREATE TABLE candles (
  instrument_id INTEGER NOT NULL,
  interval      TEXT    NOT NULL, -- '1m' … '1d'
  t             INTEGER NOT NULL, -- bucket start, epoch seconds (IST-aligned)
  o REAL NOT NULL, h REAL NOT NULL, l REAL NOT NULL, c REAL NOT NULL,
  v             INTEGER NOT NULL,
  oi            INTEGER,
  source        TEXT    NOT NULL, -- 'kite', 'dhan'
  fetched_at    INTEGER NOT NULL, -- ms UTC: a bucket not over by then was partial
  PRIMARY KEY (instrument_id, interval, t)
) WITHOUT ROWID;
