// Candles in the journal: backfilled history (stored, replicated by seq) and candles built from
// recorded ticks, and the chart's join of the two (policy in history-merge.ts).
import { bucketStart, type Candle, type CandleInterval } from '../../../shared/model';
import { candlesFromTicks } from '../../pipeline/candles';
import type { JournalDb, Row } from './db';
import { overlappingGaps } from './gaps';
import { mergeHistoryAndLive, type StoredCandle } from './history-merge';
import { reserveIds } from './sequences';
import { candleInputs, candleInputsReceivedAfter, tickRange } from './ticks';

const UPSERT_CANDLE_SQL = `INSERT INTO candles (instrument_id, interval, t, o, h, l, c, v, oi, source, fetched_at, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (instrument_id, interval, t) DO UPDATE SET o = excluded.o, h = excluded.h, l = excluded.l, c = excluded.c,
         v = excluded.v, oi = excluded.oi, source = excluded.source, fetched_at = excluded.fetched_at, seq = excluded.seq`;

/** Stores candles from a broker's history, seq from the candles sequence; call inside a write transaction. */
export function upsertCandles(db: JournalDb, instrumentId: number, interval: CandleInterval, candles: readonly Candle[], source: string, fetchedAt: number): void {
  const stmt = db.stmt(UPSERT_CANDLE_SQL);
  let seq = reserveIds(db, 'candles', candles.length);
  for (const c of candles) stmt.run(instrumentId, interval, c.t, c.o, c.h, c.l, c.c, c.v, c.oi ?? null, source, fetchedAt, seq++);
}

/** The newest backfill write (the candles stream's watermark); 0 when there is none. */
export function maxCandleSeq(db: JournalDb): number {
  return (db.stmt('SELECT coalesce(max(seq), 0) AS s FROM candles').get() as Row).s as number;
}

/** Backfilled candles written after `seq`, in write order: [seq, instrument_id, interval, t, o, h, l, c, v, oi, source, fetched_at]. */
export function candlesAfter(db: JournalDb, seq: number, limit: number): unknown[][] {
  return db.stmt('SELECT seq, instrument_id, interval, t, o, h, l, c, v, oi, source, fetched_at FROM candles WHERE seq > ? ORDER BY seq LIMIT ?').raw().all(seq, limit) as unknown[][];
}

/** Start (ms) of the `n`-th latest backfilled candle at or before toMs; undefined when there are none. */
export function storedCandleStart(db: JournalDb, instrumentId: number, interval: CandleInterval, toMs: number, n: number): number | undefined {
  const r = db.stmt('SELECT t FROM candles WHERE instrument_id = ? AND interval = ? AND t <= ? ORDER BY t DESC LIMIT 1 OFFSET ?').get(instrumentId, interval, Math.floor(toMs / 1000), n - 1) as
    | Row
    | undefined;
  if (r) return (r.t as number) * 1000;
  const first = db.stmt('SELECT min(t) AS t FROM candles WHERE instrument_id = ? AND interval = ? AND t <= ?').get(instrumentId, interval, Math.floor(toMs / 1000)) as Row;
  return first.t === null ? undefined : (first.t as number) * 1000;
}

/** Backfilled candles with bucket start in [fromMs, toMs], in time order. */
export function storedCandles(db: JournalDb, instrumentId: number, interval: CandleInterval, fromMs: number, toMs: number): StoredCandle[] {
  const rows = db
    .stmt('SELECT t, o, h, l, c, v, oi, fetched_at FROM candles WHERE instrument_id = ? AND interval = ? AND t BETWEEN ? AND ? ORDER BY t')
    .all(instrumentId, interval, Math.floor(fromMs / 1000), Math.floor(toMs / 1000)) as Row[];
  return rows.map((r) => {
    const c: StoredCandle = { t: r.t as number, o: r.o as number, h: r.h as number, l: r.l as number, c: r.c as number, v: r.v as number, fetchedAt: r.fetched_at as number };
    if (r.oi !== null) c.oi = r.oi as number;
    return c;
  });
}

/** Candles aggregated from the journal's ticks (same builder as live candles). */
export function tickCandles(db: JournalDb, instrumentId: number, interval: CandleInterval, fromMs: number, toMs: number): Candle[] {
  return candlesFromTicks(candleInputs(db, instrumentId, fromMs, toMs), interval);
}

/** What the chart shows: backfilled history joined to candles built from recorded ticks, each bucket once (see mergeHistoryAndLive). */
export function chartCandles(db: JournalDb, instrumentId: number, interval: CandleInterval, fromMs: number, toMs: number): Candle[] {
  const lo = bucketStart(fromMs, interval) * 1000;
  const history = storedCandles(db, instrumentId, interval, lo, toMs);
  const live = tickCandles(db, instrumentId, interval, lo, toMs);
  if (history.length === 0) return live;
  const range = tickRange(db, instrumentId);
  return mergeHistoryAndLive({
    interval,
    history,
    live,
    recordingFrom: range ? range.from : null,
    // Only the outages that overlap the range (the table grows for as long as the journal lives).
    gaps: range ? overlappingGaps(db, lo, toMs) : [],
    ticksReceivedAfter: (from, to, receivedAfter) => candleInputsReceivedAfter(db, instrumentId, from, to, receivedAfter),
  });
}
