// The template broker's instrument list (GET /instruments): a CSV with a header line, read here
// and written by its simulator. Replace the columns with your broker's master; what matters is the
// NewInstrument each line becomes. A line that cannot be read throws (the import counts and skips it).
import type { NewInstrument } from '../../../shared/model';
import { BROKER } from './auth';

export const INSTRUMENT_COLUMNS = ['token', 'exchange', 'symbol', 'name', 'tick_size', 'lot_size'] as const;

/** The list as the broker serves it. */
export function instrumentsCsv(rows: ReadonlyArray<Pick<NewInstrument, 'token' | 'exchange' | 'symbol' | 'name' | 'tickSize' | 'lotSize'>>): string {
  const lines = rows.map((r) => [r.token, r.exchange, r.symbol, r.name ?? '', r.tickSize, r.lotSize].join(','));
  return [INSTRUMENT_COLUMNS.join(','), ...lines].join('\n') + '\n';
}

/** Given the header line, a parser for data lines (null: a blank line). Columns are found by name. */
export function instrumentLineParser(header: string): (line: string) => NewInstrument | null {
  const cols = header.trim().split(',');
  const at = Object.fromEntries(INSTRUMENT_COLUMNS.map((c) => [c, cols.indexOf(c)]));
  const missing = INSTRUMENT_COLUMNS.filter((c) => at[c] < 0);
  if (missing.length) throw new Error(`not a template instrument list (no ${missing.join(', ')} column)`);
  return (line) => {
    if (!line.trim()) return null;
    const f = line.trim().split(',');
    const tickSize = Number(f[at.tick_size]);
    const lotSize = Number(f[at.lot_size]);
    const [token, exchange, symbol] = [f[at.token], f[at.exchange], f[at.symbol]];
    if (!/^\d+$/.test(token ?? '') || !exchange || !symbol || !(tickSize > 0) || !Number.isInteger(lotSize) || lotSize <= 0) throw new Error(`unreadable line: ${line}`);
    const ins: NewInstrument = { broker: BROKER, token, exchange, segment: exchange, symbol, tickSize, lotSize };
    if (f[at.name]) ins.name = f[at.name];
    return ins;
  };
}
