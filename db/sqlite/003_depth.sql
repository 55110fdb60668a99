-- Order-book snapshots: one row per side per update (20/200-level feeds), arrays as blobs.
CREATE TABLE depth (
  id            INTEGER PRIMARY KEY,
  instrument_id INTEGER NOT NULL,
  ts            INTEGER NOT NULL, -- ms UTC (receive time: depth packets carry no timestamp)
  side          INTEGER NOT NULL, -- 0 = bid, 1 = ask
  levels        INTEGER NOT NULL,
  price         BLOB    NOT NULL, -- Float64 little-endian × levels, best first
  qty           BLOB    NOT NULL, -- Uint32 little-endian × levels
  orders        BLOB    NOT NULL  -- Uint32 little-endian × levels
);
CREATE INDEX depth_instrument_ts ON depth (instrument_id, side, ts);
