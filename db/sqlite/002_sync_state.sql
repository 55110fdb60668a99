-- Local record of what a sink has confirmed (the sink's own watermark stays authoritative).
-- Pruning uses it: rows a sink has not confirmed are never deleted.
CREATE TABLE sync_state (
  sink       TEXT    NOT NULL,
  stream     TEXT    NOT NULL,
  last_id    INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (sink, stream)
);
