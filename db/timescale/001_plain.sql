-- Tickdesk schema v1 on plain PostgreSQL (no TimescaleDB): candles are ordinary views computed on
-- read from ticks, bucketed like the continuous aggregates (IST origin). Slower on big tables.

CREATE OR REPLACE VIEW candles_1m AS
SELECT instrument_id, date_bin(INTERVAL '1 minute', ts, '2000-01-03 00:00:00+05:30') AS bucket,
       (array_agg(ltp ORDER BY ts_received))[1] AS open, max(ltp) AS high, min(ltp) AS low,
       (array_agg(ltp ORDER BY ts_received DESC))[1] AS close, sum(coalesce(vol_delta, 0)) AS volume,
       (array_agg(oi ORDER BY ts_received DESC))[1] AS oi
FROM ticks GROUP BY 1, 2;

CREATE OR REPLACE VIEW candles_5m AS
SELECT instrument_id, date_bin(INTERVAL '5 minutes', ts, '2000-01-03 00:00:00+05:30') AS bucket,
       (array_agg(ltp ORDER BY ts_received))[1] AS open, max(ltp) AS high, min(ltp) AS low,
       (array_agg(ltp ORDER BY ts_received DESC))[1] AS close, sum(coalesce(vol_delta, 0)) AS volume,
       (array_agg(oi ORDER BY ts_received DESC))[1] AS oi
FROM ticks GROUP BY 1, 2;

CREATE OR REPLACE VIEW candles_15m AS
SELECT instrument_id, date_bin(INTERVAL '15 minutes', ts, '2000-01-03 00:00:00+05:30') AS bucket,
       (array_agg(ltp ORDER BY ts_received))[1] AS open, max(ltp) AS high, min(ltp) AS low,
       (array_agg(ltp ORDER BY ts_received DESC))[1] AS close, sum(coalesce(vol_delta, 0)) AS volume,
       (array_agg(oi ORDER BY ts_received DESC))[1] AS oi
FROM ticks GROUP BY 1, 2;

CREATE OR REPLACE VIEW candles_1h AS
SELECT instrument_id, date_bin(INTERVAL '1 hour', ts, '2000-01-03 09:15:00+05:30') AS bucket,
       (array_agg(ltp ORDER BY ts_received))[1] AS open, max(ltp) AS high, min(ltp) AS low,
       (array_agg(ltp ORDER BY ts_received DESC))[1] AS close, sum(coalesce(vol_delta, 0)) AS volume,
       (array_agg(oi ORDER BY ts_received DESC))[1] AS oi
FROM ticks GROUP BY 1, 2;

CREATE OR REPLACE VIEW candles_1d AS
SELECT instrument_id, date_bin(INTERVAL '1 day', ts, '2000-01-03 00:00:00+05:30') AS bucket,
       (array_agg(ltp ORDER BY ts_received))[1] AS open, max(ltp) AS high, min(ltp) AS low,
       (array_agg(ltp ORDER BY ts_received DESC))[1] AS close, sum(coalesce(vol_delta, 0)) AS volume,
       (array_agg(oi ORDER BY ts_received DESC))[1] AS oi
FROM ticks GROUP BY 1, 2;
