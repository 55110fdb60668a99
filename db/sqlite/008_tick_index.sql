-- The ticks' per-instrument index, maintained in sorted batches instead of on every insert.
--
-- ticks_instrument_ts was updated by every insert in id order: with thousands of instruments each
-- commit dirtied one index page per row or so (every instrument's tail sits on its own page), and
-- a journal of a few million rows wrote more than a page of WAL per tick (`npm run bench -- scale`).
-- The ticks table is now append-only; tick_index holds (instrument, exchange time, id) for every row
-- up to tick_index_state.upto, filled by the writer a few seconds behind in instrument order (one
-- page per instrument per batch). Readers take the indexed rows through tick_index and the short
-- tail after upto by a scan of the rowid range, in one statement (journal/ticks.ts instrumentRange).
CREATE TABLE tick_index (
  instrument_id INTEGER NOT NULL,
  ts_exchange   INTEGER NOT NULL,
  id            INTEGER NOT NULL,
  PRIMARY KEY (instrument_id, ts_exchange, id)
) WITHOUT ROWID;

INSERT INTO tick_index (instrument_id, ts_exchange, id)
SELECT instrument_id, ts_exchange, id FROM ticks ORDER BY instrument_id, ts_exchange, id;

-- Every tick with id ≤ upto is in tick_index (one row).
CREATE TABLE tick_index_state (
  one  INTEGER PRIMARY KEY CHECK (one = 1),
  upto INTEGER NOT NULL
);
INSERT INTO tick_index_state (one, upto) VALUES (1, coalesce((SELECT max(id) FROM ticks), 0));

DROP INDEX ticks_instrument_ts;
