-- Tickdesk schema v1 on TimescaleDB: hypertables (1-day chunks), compression, retention and
-- hierarchical continuous aggregates for candles. Buckets align to IST: from 00:00 +05:30, and hourly
-- ones from the 09:15 session open (09:15, 10:15, … as the exchange and Kite count them).
-- {{compress_after}} and {{retain_for}} are filled in by the migrator.

CREATE EXTENSION IF NOT EXISTS timescaledb;

SELECT create_hypertable('ticks', by_range('ts', INTERVAL '1 day'), if_not_exists => true);
SELECT create_hypertable('depth', by_range('ts', INTERVAL '1 day'), if_not_exists => true);
SELECT create_hypertable('feed_gaps', by_range('start_ts', INTERVAL '1 day'), if_not_exists => true);

ALTER TABLE ticks SET (timescaledb.compress, timescaledb.compress_segmentby = 'instrument_id', timescaledb.compress_orderby = 'ts DESC, ts_received DESC');
ALTER TABLE depth SET (timescaledb.compress, timescaledb.compress_segmentby = 'instrument_id, side', timescaledb.compress_orderby = 'ts DESC');
SELECT add_compression_policy('ticks', INTERVAL '{{compress_after}}', if_not_exists => true);
SELECT add_compression_policy('depth', INTERVAL '{{compress_after}}', if_not_exists => true);
SELECT add_retention_policy('ticks', INTERVAL '{{retain_for}}', if_not_exists => true);
SELECT add_retention_policy('depth', INTERVAL '{{retain_for}}', if_not_exists => true);

CREATE MATERIALIZED VIEW IF NOT EXISTS candles_1m WITH (timescaledb.continuous) AS
SELECT instrument_id,
       time_bucket(INTERVAL '1 minute', ts, origin => '2000-01-03 00:00:00+05:30'::timestamptz) AS bucket,
       first(ltp, ts_received) AS open, max(ltp) AS high, min(ltp) AS low, last(ltp, ts_received) AS close,
       sum(coalesce(vol_delta, 0)) AS volume, last(oi, ts_received) AS oi
FROM ticks GROUP BY instrument_id, bucket WITH NO DATA;

CREATE MATERIALIZED VIEW IF NOT EXISTS candles_5m WITH (timescaledb.continuous) AS
SELECT instrument_id, time_bucket(INTERVAL '5 minutes', bucket, origin => '2000-01-03 00:00:00+05:30'::timestamptz) AS bucket,
       first(open, bucket) AS open, max(high) AS high, min(low) AS low, last(close, bucket) AS close,
       sum(volume) AS volume, last(oi, bucket) AS oi
FROM candles_1m GROUP BY instrument_id, 2 WITH NO DATA;

CREATE MATERIALIZED VIEW IF NOT EXISTS candles_15m WITH (timescaledb.continuous) AS
SELECT instrument_id, time_bucket(INTERVAL '15 minutes', bucket, origin => '2000-01-03 00:00:00+05:30'::timestamptz) AS bucket,
       first(open, bucket) AS open, max(high) AS high, min(low) AS low, last(close, bucket) AS close,
       sum(volume) AS volume, last(oi, bucket) AS oi
FROM candles_5m GROUP BY instrument_id, 2 WITH NO DATA;

-- Hourly bars start at the 09:15 open. A hierarchical aggregate must keep its parent's origin, so
-- this one reads the ticks itself.
CREATE MATERIALIZED VIEW IF NOT EXISTS candles_1h WITH (timescaledb.continuous) AS
SELECT instrument_id,
       time_bucket(INTERVAL '1 hour', ts, origin => '2000-01-03 09:15:00+05:30'::timestamptz) AS bucket,
       first(ltp, ts_received) AS open, max(ltp) AS high, min(ltp) AS low, last(ltp, ts_received) AS close,
       sum(coalesce(vol_delta, 0)) AS volume, last(oi, ts_received) AS oi
FROM ticks GROUP BY instrument_id, bucket WITH NO DATA;

CREATE MATERIALIZED VIEW IF NOT EXISTS candles_1d WITH (timescaledb.continuous) AS
SELECT instrument_id, time_bucket(INTERVAL '1 day', bucket, origin => '2000-01-03 00:00:00+05:30'::timestamptz) AS bucket,
       first(open, bucket) AS open, max(high) AS high, min(low) AS low, last(close, bucket) AS close,
       sum(volume) AS volume, last(oi, bucket) AS oi
FROM candles_15m GROUP BY instrument_id, 2 WITH NO DATA;

-- Real-time aggregates: the newest, not yet materialized bucket is computed on read.
ALTER MATERIALIZED VIEW candles_1m SET (timescaledb.materialized_only = false);
ALTER MATERIALIZED VIEW candles_5m SET (timescaledb.materialized_only = false);
ALTER MATERIALIZED VIEW candles_15m SET (timescaledb.materialized_only = false);
ALTER MATERIALIZED VIEW candles_1h SET (timescaledb.materialized_only = false);
ALTER MATERIALIZED VIEW candles_1d SET (timescaledb.materialized_only = false);

SELECT add_continuous_aggregate_policy('candles_1m', start_offset => INTERVAL '3 days', end_offset => INTERVAL '1 minute', schedule_interval => INTERVAL '1 minute', if_not_exists => true);
SELECT add_continuous_aggregate_policy('candles_5m', start_offset => INTERVAL '3 days', end_offset => INTERVAL '5 minutes', schedule_interval => INTERVAL '5 minutes', if_not_exists => true);
SELECT add_continuous_aggregate_policy('candles_15m', start_offset => INTERVAL '7 days', end_offset => INTERVAL '15 minutes', schedule_interval => INTERVAL '15 minutes', if_not_exists => true);
SELECT add_continuous_aggregate_policy('candles_1h', start_offset => INTERVAL '7 days', end_offset => INTERVAL '1 hour', schedule_interval => INTERVAL '1 hour', if_not_exists => true);
SELECT add_continuous_aggregate_policy('candles_1d', start_offset => INTERVAL '90 days', end_offset => INTERVAL '1 day', schedule_interval => INTERVAL '1 day', if_not_exists => true);
