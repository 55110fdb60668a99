-- Instrument masters: the underlying of derivatives, a cross-broker key (the same contract from
-- Kite and Dhan shares it), and when each broker's master was last imported (refreshed daily).
ALTER TABLE instruments ADD COLUMN underlying TEXT;
ALTER TABLE instruments ADD COLUMN xkey TEXT;
CREATE INDEX instruments_xkey ON instruments (xkey);

CREATE TABLE instrument_masters (
  broker     TEXT    PRIMARY KEY,
  fetched_at INTEGER NOT NULL, -- ms UTC
  ist_day    TEXT    NOT NULL, -- the IST trading day it was fetched for (YYYY-MM-DD)
  rows       INTEGER NOT NULL,
  source     TEXT    NOT NULL
);
