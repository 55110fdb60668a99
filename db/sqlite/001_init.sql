-- Journal schema v1: instruments, ticks (with 5-level depth), feed gaps.

CREATE TABLE instruments (
  id          INTEGER PRIMARY KEY,
  broker      TEXT    NOT NULL,
  token       TEXT    NOT NULL,
  exchange    TEXT    NOT NULL,
  segment     TEXT    NOT NULL DEFAULT '',
  symbol      TEXT    NOT NULL,
  name        TEXT,
  expiry      TEXT,
  strike      REAL,
  option_type TEXT,
  tick_size   REAL    NOT NULL,
  lot_size    INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL,
  -- F&O tokens are reused after expiry: the key is exchange + symbol, per broker.
  UNIQUE (broker, exchange, symbol)
);
CREATE INDEX instruments_token ON instruments (broker, token);

CREATE TABLE ticks (
  id             INTEGER PRIMARY KEY,
  instrument_id  INTEGER NOT NULL,
  ts_exchange    INTEGER NOT NULL, -- ms UTC
  ts_received    INTEGER NOT NULL, -- ms UTC
  ltp            REAL    NOT NULL,
  ltq            INTEGER,
  atp            REAL,
  volume         INTEGER,
  vol_delta      INTEGER,
  oi             INTEGER,
  total_buy_qty  INTEGER,
  total_sell_qty INTEGER,
  open           REAL,
  high           REAL,
  low            REAL,
  close          REAL,
  bid            REAL,
  ask            REAL,
  bid_qty        INTEGER,
  ask_qty        INTEGER,
  -- Float64 little-endian [bidPx×N, bidQty×N, bidOrders×N, askPx×N, askQty×N, askOrders×N]
  depth          BLOB
);
CREATE INDEX ticks_instrument_ts ON ticks (instrument_id, ts_exchange);

CREATE TABLE feed_gaps (
  id         INTEGER PRIMARY KEY,
  feed       TEXT    NOT NULL,
  connection INTEGER NOT NULL,
  start_ts   INTEGER NOT NULL,
  end_ts     INTEGER, -- NULL while the outage lasts
  reason     TEXT    NOT NULL
);
