-- Tickdesk schema v1, common part: plain tables that work on any PostgreSQL ≥ 14.
-- Applied by `tickdesk db init`; every statement is idempotent.

CREATE TABLE IF NOT EXISTS instruments (
  id          serial PRIMARY KEY,
  broker      text NOT NULL,
  token       text NOT NULL,
  exchange    text NOT NULL,
  segment     text NOT NULL DEFAULT '',
  symbol      text NOT NULL,
  name        text,
  expiry      date,
  strike      double precision,
  option_type text,
  tick_size   double precision NOT NULL,
  lot_size    integer NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  -- F&O tokens are reused after expiry: exchange + symbol is the key.
  UNIQUE (broker, exchange, symbol)
);

-- One row per tick. No unique index: exactly-once comes from the replicator's watermark.
CREATE TABLE IF NOT EXISTS ticks (
  ts             timestamptz NOT NULL,          -- exchange time
  instrument_id  integer NOT NULL,
  ts_received    timestamptz NOT NULL,
  source_id      text NOT NULL,                 -- which recorder wrote it
  ltp            double precision NOT NULL,
  ltq            bigint,
  atp            double precision,
  volume         bigint,
  vol_delta      bigint,
  oi             bigint,
  total_buy_qty  bigint,
  total_sell_qty bigint,
  open           double precision,
  high           double precision,
  low            double precision,
  close          double precision,
  bid            double precision,
  ask            double precision,
  bid_qty        bigint,
  ask_qty        bigint,
  -- the book carried by the tick (Kite: 5 levels), best first
  bid_prices     double precision[],
  bid_qtys       bigint[],
  bid_orders     integer[],
  ask_prices     double precision[],
  ask_qtys       bigint[],
  ask_orders     integer[]
);
CREATE INDEX IF NOT EXISTS ticks_instrument_ts ON ticks (instrument_id, ts DESC);

-- Order-book snapshots: one row per side per update, never one row per level.
CREATE TABLE IF NOT EXISTS depth (
  ts            timestamptz NOT NULL,
  instrument_id integer NOT NULL,
  source_id     text NOT NULL,
  side          text NOT NULL CHECK (side IN ('bid', 'ask')),
  levels        integer NOT NULL,
  price         double precision[] NOT NULL,
  qty           bigint[] NOT NULL,
  orders        integer[] NOT NULL
);
CREATE INDEX IF NOT EXISTS depth_instrument_ts ON depth (instrument_id, ts DESC);

-- Feed outages as the recorder saw them.
CREATE TABLE IF NOT EXISTS feed_gaps (
  start_ts   timestamptz NOT NULL,
  source_id  text NOT NULL,
  gap_id     bigint NOT NULL,
  feed       text NOT NULL,
  connection integer NOT NULL,
  end_ts     timestamptz,
  reason     text NOT NULL,
  UNIQUE (source_id, gap_id, start_ts)
);

-- Candles fetched from the brokers' history (backfill): one row per instrument, interval and
-- bucket (IST-aligned; intraday from the 09:15 open); a bucket fetched again replaces the old one.
CREATE TABLE IF NOT EXISTS broker_candles (
  instrument_id integer NOT NULL,
  interval      text NOT NULL,
  bucket        timestamptz NOT NULL,
  open          double precision NOT NULL,
  high          double precision NOT NULL,
  low           double precision NOT NULL,
  close         double precision NOT NULL,
  volume        bigint NOT NULL,
  oi            bigint,
  broker        text NOT NULL,
  fetched_at    timestamptz NOT NULL,
  source_id     text NOT NULL,
  PRIMARY KEY (instrument_id, interval, bucket)
);

-- The replicator's watermark per recorder and stream, written in the same transaction as the data.
CREATE TABLE IF NOT EXISTS sink_progress (
  source_id  text NOT NULL,
  stream     text NOT NULL,
  last_id    bigint NOT NULL,
  rows       bigint NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source_id, stream)
);

-- The journal each source id belongs to (the UUID a journal gives itself), bound by the first journal
-- that connects: a second journal under the same source id would read the first one's watermark and
-- skip its own rows, so the replicator refuses it. A source from before this table (rows in
-- sink_progress, no row here) goes to the first journal that connects.
CREATE TABLE IF NOT EXISTS sink_sources (
  source_id    text PRIMARY KEY,
  journal_id   text NOT NULL,
  host         text NOT NULL,         -- where that journal was when it bound the source
  journal_path text NOT NULL,
  bound_at     timestamptz NOT NULL DEFAULT now()
);

-- One row per level, for SQL users.
CREATE OR REPLACE VIEW depth_levels AS
SELECT d.ts, d.instrument_id, d.source_id, d.side, l.level::integer AS level, l.price, l.qty, l.orders
FROM depth d
CROSS JOIN LATERAL unnest(d.price, d.qty, d.orders) WITH ORDINALITY AS l(price, qty, orders, level);
