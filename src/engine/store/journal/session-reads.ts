// Reads of one session's ticks, aggregated in SQL so that nothing but the answer leaves SQLite: the
// traded volume at each price since a moment (the ladder's volume column), and the last open
// interest recorded in a window (the previous session's closing OI, for the change in OI). Read
// side only; the ticks are written by ticks.ts.
import type { JournalDb, Row } from './db';
import { instrumentRange } from './tick-index';

/**
 * A trade as the tape lists it (api/convert.ts toTrade, bridge/page-coalescer.ts): a tick whose
 * volume moved, or that carries no cumulative volume at all; its size is the volume delta, else the
 * last traded quantity. The ladder counts the live trades the same way (volume-at-price.ts).
 */
const IS_TRADE = '(vol_delta IS NULL OR vol_delta != 0)';
const SIZE = 'COALESCE(vol_delta, ltq, 0)';

/** One instrument's rows in a time range, through the journal's tick index (see tick-index.ts). */
const COLS = 't.id, t.ts_exchange, t.ltp, t.ltq, t.volume, t.vol_delta, t.oi';
const range = (db: JournalDb, afterId: boolean) => instrumentRange(COLS, db.tickIndexed, { afterId });

const VAP_SQL = (db: JournalDb) => `SELECT CAST(ROUND(ltp / @tick) AS INTEGER) AS k,
  SUM(CASE WHEN ${IS_TRADE} THEN ${SIZE} ELSE 0 END) AS v,
  SUM(CASE WHEN ${IS_TRADE} THEN 1 ELSE 0 END) AS n,
  MIN(CASE WHEN ${IS_TRADE} THEN ts_exchange END) AS first,
  MAX(volume) AS cum, MAX(ts_exchange) AS latest, MAX(id) AS maxId
FROM (${range(db, true)}) WHERE ltp > 0 GROUP BY k`;

const LAST_TRADE_SQL = (db: JournalDb) => `SELECT ltp, ts_exchange AS ts FROM (${range(db, true)})
WHERE ltp > 0 AND ${IS_TRADE} ORDER BY ts_exchange DESC, id DESC LIMIT 1`;

const LAST_OI_SQL = (db: JournalDb) => `SELECT oi FROM (${range(db, false)})
WHERE oi IS NOT NULL ORDER BY ts_exchange DESC, id DESC LIMIT 1`;

export interface SessionVolume {
  /** Tick indices (price / tick size, rounded), ascending, with the volume traded at each. */
  ticks: number[];
  volumes: number[];
  /** Trades counted, and their volume. */
  trades: number;
  total: number;
  /** The first and the last trade counted (exchange time, ms); null without trades. */
  first: number | null;
  last: { price: number; ts: number } | null;
  /**
   * Where the live tape takes over: the largest cumulative day volume of the instrument's ticks read
   * (null when its ticks carry none), and the latest exchange time among them (null without ticks).
   */
  seamVolume: number | null;
  seamTs: number | null;
}

/** A read with the journal id it reached (the next read of the same session starts after it). */
interface Read extends SessionVolume {
  byTick: Map<number, number>;
  maxId: number;
}

/** The rows of one instrument from `fromMs` (exchange time) with a journal id above `afterId`, added to `into`. */
function readInto(db: JournalDb, into: Read, instrumentId: number, fromMs: number, tickSize: number, afterId: number): void {
  const at = { ins: instrumentId, from: fromMs, to: Number.MAX_SAFE_INTEGER, after: afterId };
  const rows = db.stmt(VAP_SQL(db)).all({ ...at, tick: tickSize }) as Array<{ k: number; v: number; n: number; first: number | null; cum: number | null; latest: number; maxId: number }>;
  let trades = 0;
  for (const r of rows) {
    if (r.maxId > into.maxId) into.maxId = r.maxId;
    if (r.cum !== null && (into.seamVolume === null || r.cum > into.seamVolume)) into.seamVolume = r.cum;
    if (into.seamTs === null || r.latest > into.seamTs) into.seamTs = r.latest;
    if (r.n === 0) continue;
    trades += r.n;
    if (r.first !== null && (into.first === null || r.first < into.first)) into.first = r.first;
    if (r.v > 0) into.byTick.set(r.k, (into.byTick.get(r.k) ?? 0) + r.v);
    into.total += r.v;
  }
  into.trades += trades;
  if (trades > 0) {
    // The newest trade read (by exchange time; the later journaled of two at one moment).
    const t = db.stmt(LAST_TRADE_SQL(db)).get(at) as Row | undefined;
    if (t && (into.last === null || (t.ts as number) >= into.last.ts)) into.last = { price: t.ltp as number, ts: t.ts as number };
  }
}

function answer(r: Read): SessionVolume {
  const ticks = [...r.byTick.keys()].sort((a, b) => a - b);
  return { ticks, volumes: ticks.map((k) => r.byTick.get(k)!), trades: r.trades, total: r.total, first: r.first, last: r.last, seamVolume: r.seamVolume, seamTs: r.seamTs };
}

const emptyRead = (): Read => ({ byTick: new Map(), maxId: 0, ticks: [], volumes: [], trades: 0, total: 0, first: null, last: null, seamVolume: null, seamTs: null });

/**
 * The volume traded at each price by one instrument from `fromMs` (exchange time) to now, grouped
 * on the tick grid in SQL (one pass over the instrument's index range).
 */
export function sessionVolumeAtPrice(db: JournalDb, instrumentId: number, fromMs: number, tickSize: number): SessionVolume {
  const r = emptyRead();
  readInto(db, r, instrumentId, fromMs, tickSize, 0);
  return answer(r);
}

/**
 * sessionVolumeAtPrice remembered per instrument and session: asked again (the ladder reloads on
 * every watch: an interval changed, a reconnect), only the rows journaled since the last answer
 * are read (journal ids only grow). Keeps the `size` instruments asked for most recently.
 */
export class SessionVolumeCache {
  private readonly reads = new Map<number, Read & { fromMs: number; tickSize: number }>();
  /** Rows-read passes over the journal (for tests). */
  passes = 0;

  constructor(private readonly size = 64) {}

  read(db: JournalDb, instrumentId: number, fromMs: number, tickSize: number): SessionVolume {
    let r = this.reads.get(instrumentId);
    this.reads.delete(instrumentId);
    if (!r || r.fromMs !== fromMs || r.tickSize !== tickSize) r = { ...emptyRead(), fromMs, tickSize };
    readInto(db, r, instrumentId, fromMs, tickSize, r.maxId);
    this.passes++;
    this.reads.set(instrumentId, r);
    if (this.reads.size > this.size) this.reads.delete(this.reads.keys().next().value!);
    return answer(r);
  }
}

/**
 * The last OI recorded for each instrument with an exchange time in [fromMs, toMs), by instrument
 * id; instruments without one are absent. One read of the window per instrument (through the tick index).
 */
export function lastOiBetween(db: JournalDb, instrumentIds: readonly number[], fromMs: number, toMs: number): Map<number, number> {
  const stmt = db.stmt(LAST_OI_SQL(db));
  const out = new Map<number, number>();
  for (const id of instrumentIds) {
    const r = stmt.get({ ins: id, from: fromMs, to: toMs - 1 }) as Row | undefined;
    if (r && typeof r.oi === 'number') out.set(id, r.oi);
  }
  return out;
}
