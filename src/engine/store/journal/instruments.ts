// Instruments in the journal: each broker's contracts under stable local ids, and when each
// broker's master list was last imported.
import type { Instrument, NewInstrument } from '../../../shared/model';
import { crossBrokerKey } from '../../../shared/xkey';
import type { JournalDb, Row } from './db';

export interface MasterImport {
  fetchedAt: number;
  istDay: string;
  rows: number;
  source: string;
}

const UPSERT_INSTRUMENT_SQL = `INSERT INTO instruments (broker, token, exchange, segment, symbol, name, expiry, strike, option_type, underlying, xkey, tick_size, lot_size, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (broker, exchange, symbol) DO UPDATE SET token = excluded.token, segment = excluded.segment,
         name = excluded.name, expiry = excluded.expiry, strike = excluded.strike, option_type = excluded.option_type,
         underlying = excluded.underlying, xkey = excluded.xkey,
         tick_size = excluded.tick_size, lot_size = excluded.lot_size, updated_at = excluded.updated_at
       RETURNING id`;

function rowToInstrument(r: Row): Instrument {
  const i: Instrument = {
    id: r.id as number,
    broker: r.broker as Instrument['broker'],
    token: r.token as string,
    exchange: r.exchange as string,
    segment: r.segment as string,
    symbol: r.symbol as string,
    tickSize: r.tick_size as number,
    lotSize: r.lot_size as number,
  };
  if (r.name !== null) i.name = r.name as string;
  if (r.expiry !== null) i.expiry = r.expiry as string;
  if (r.strike !== null) i.strike = r.strike as number;
  if (r.option_type !== null) i.optionType = r.option_type as 'CE' | 'PE';
  if (r.underlying !== null && r.underlying !== undefined) i.underlying = r.underlying as string;
  return i;
}

const one = (r: unknown) => (r === undefined ? undefined : rowToInstrument(r as Row));
const all = (rows: unknown[]) => (rows as Row[]).map(rowToInstrument);

/** Inserts or updates by (broker, exchange, symbol); returns the stable local id. */
export function upsertInstrument(db: JournalDb, i: NewInstrument, now: number): number {
  // Positional parameters: a master import runs this 100,000 times.
  const r = db
    .stmt(UPSERT_INSTRUMENT_SQL)
    .raw()
    .get(
      i.broker,
      i.token,
      i.exchange,
      i.segment,
      i.symbol,
      i.name ?? null,
      i.expiry ?? null,
      i.strike ?? null,
      i.optionType ?? null,
      i.underlying ?? (i.expiry ? (i.name ?? null) : null),
      crossBrokerKey(i),
      i.tickSize,
      i.lotSize,
      now,
    ) as [number];
  return r[0];
}

export function instruments(db: JournalDb): Instrument[] {
  return all(db.stmt('SELECT * FROM instruments ORDER BY id').all());
}

export function instrument(db: JournalDb, id: number): Instrument | undefined {
  return one(db.stmt('SELECT * FROM instruments WHERE id = ?').get(id));
}

/** The same contract at other brokers (by the cross-broker key), this one excluded. */
export function counterparts(db: JournalDb, id: number): Instrument[] {
  return all(db.stmt('SELECT b.* FROM instruments a JOIN instruments b ON b.xkey = a.xkey AND b.id <> a.id WHERE a.id = ? ORDER BY b.id').all(id));
}

/** A broker's instrument by its segment and token (Dhan security ids are unique per segment only). */
export function instrumentBySegmentToken(db: JournalDb, broker: string, segment: string, token: string): Instrument | undefined {
  return one(db.stmt('SELECT * FROM instruments WHERE broker = ? AND segment = ? AND token = ? ORDER BY updated_at DESC LIMIT 1').get(broker, segment, token));
}

/** A broker's instruments with this token (Dhan: one per segment at most). */
export function instrumentsByToken(db: JournalDb, broker: string, token: string): Instrument[] {
  return all(db.stmt('SELECT * FROM instruments WHERE broker = ? AND token = ? ORDER BY id').all(broker, token));
}

/** A broker's instrument by cross-broker key. */
export function findByKey(db: JournalDb, xkey: string, broker: string): Instrument | undefined {
  return one(db.stmt('SELECT * FROM instruments WHERE xkey = ? AND broker = ? ORDER BY updated_at DESC LIMIT 1').get(xkey, broker));
}

/** Finds an instrument by local id, "EXCHANGE:SYMBOL", or broker token (of one broker, if given). */
export function findInstrument(db: JournalDb, ref: string, broker?: string): Instrument | undefined {
  const bySymbol = /^([A-Z]+):(.+)$/.exec(ref);
  if (bySymbol) {
    const [, exchange, symbol] = bySymbol;
    return one(
      (broker
        ? db.stmt('SELECT * FROM instruments WHERE exchange = ? AND symbol = ? AND broker = ? ORDER BY id LIMIT 1').get(exchange, symbol, broker)
        : db.stmt('SELECT * FROM instruments WHERE exchange = ? AND symbol = ? ORDER BY id LIMIT 1').get(exchange, symbol)) ??
        // Kite lists indices under exchange NSE/BSE but with segment INDICES; accept either.
        (broker
          ? db.stmt('SELECT * FROM instruments WHERE segment = ? AND symbol = ? AND broker = ? ORDER BY id LIMIT 1').get(exchange, symbol, broker)
          : db.stmt('SELECT * FROM instruments WHERE segment = ? AND symbol = ? ORDER BY id LIMIT 1').get(exchange, symbol)),
    );
  }
  if (!/^\d+$/.test(ref)) return undefined;
  return one(
    (broker
      ? db.stmt('SELECT * FROM instruments WHERE token = ? AND broker = ? ORDER BY id LIMIT 1').get(ref, broker)
      : db.stmt('SELECT * FROM instruments WHERE token = ? ORDER BY id LIMIT 1').get(ref)) ?? db.stmt('SELECT * FROM instruments WHERE id = ?').get(Number(ref)),
  );
}

/** When a broker's instrument master was last imported. */
export function masterImport(db: JournalDb, broker: string): MasterImport | undefined {
  const r = db.stmt('SELECT fetched_at, ist_day, rows, source FROM instrument_masters WHERE broker = ?').get(broker) as Row | undefined;
  return r && { fetchedAt: r.fetched_at as number, istDay: r.ist_day as string, rows: r.rows as number, source: r.source as string };
}

export function recordMasterImport(db: JournalDb, broker: string, m: MasterImport): void {
  db.stmt(
    `INSERT INTO instrument_masters (broker, fetched_at, ist_day, rows, source) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (broker) DO UPDATE SET fetched_at = excluded.fetched_at, ist_day = excluded.ist_day, rows = excluded.rows, source = excluded.source`,
  ).run(broker, m.fetchedAt, m.istDay, m.rows, m.source);
}
