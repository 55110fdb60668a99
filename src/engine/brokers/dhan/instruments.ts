// Dhan's scrip master (specs/dhan.md §8), parsed by header name, and the key that maps the same
// instrument across brokers (exchange + symbol for cash; underlying, expiry, strike, type for F&O).
import type { NewInstrument } from '../../../shared/model';
import { splitCsvLine } from '../kite/instruments';

const SEGMENT: Record<string, string> = {
  'NSE:E': 'NSE_EQ',
  'NSE:D': 'NSE_FNO',
  'NSE:C': 'NSE_CURRENCY',
  'BSE:E': 'BSE_EQ',
  'BSE:D': 'BSE_FNO',
  'BSE:C': 'BSE_CURRENCY',
  'MCX:M': 'MCX_COMM',
};

/** The exchange name the rest of Tickdesk (and Kite) uses for a Dhan segment. */
const EXCHANGE: Record<string, string> = {
  NSE_EQ: 'NSE',
  NSE_FNO: 'NFO',
  NSE_CURRENCY: 'CDS',
  BSE_EQ: 'BSE',
  BSE_FNO: 'BFO',
  BSE_CURRENCY: 'BCD',
  MCX_COMM: 'MCX',
};

export interface DhanScrip extends NewInstrument {
  securityId: number;
  /** The underlying for derivatives (e.g. NIFTY), from the trading symbol. */
  underlying?: string;
}

/**
 * Parses the compact scrip master (SEM_* columns). Rows of unknown segments are skipped; a file
 * without the required columns is refused.
 */
export function parseDhanScripMaster(text: string): DhanScrip[] {
  const lines = text.split(/\r?\n/);
  const header = splitCsvLine(lines[0] ?? '').map((h) => h.trim());
  const col = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`not a Dhan scrip master: no ${name} column`);
    return i;
  };
  const c = {
    exch: col('SEM_EXM_EXCH_ID'),
    seg: col('SEM_SEGMENT'),
    id: col('SEM_SMST_SECURITY_ID'),
    inst: col('SEM_INSTRUMENT_NAME'),
    sym: col('SEM_TRADING_SYMBOL'),
    lot: col('SEM_LOT_UNITS'),
    custom: col('SEM_CUSTOM_SYMBOL'),
    expiry: col('SEM_EXPIRY_DATE'),
    strike: col('SEM_STRIKE_PRICE'),
    opt: col('SEM_OPTION_TYPE'),
    tick: col('SEM_TICK_SIZE'),
  };
  const out: DhanScrip[] = [];
  for (let n = 1; n < lines.length; n++) {
    if (!lines[n]) continue;
    const f = splitCsvLine(lines[n]);
    const exch = f[c.exch];
    const segment = f[c.seg] === 'I' ? 'IDX_I' : SEGMENT[`${exch}:${f[c.seg]}`];
    if (!segment) continue;
    const symbol = f[c.sym];
    const expiryRaw = (f[c.expiry] ?? '').slice(0, 10);
    const expiry = /^\d{4}-\d{2}-\d{2}$/.test(expiryRaw) && !expiryRaw.startsWith('0001') ? expiryRaw : undefined;
    const strike = Number(f[c.strike]);
    const optionType = f[c.opt] === 'CE' || f[c.opt] === 'PE' ? (f[c.opt] as 'CE' | 'PE') : undefined;
    const tickPaise = Number(f[c.tick]);
    const lot = Number(f[c.lot]);
    out.push({
      broker: 'dhan',
      securityId: Number(f[c.id]),
      token: f[c.id],
      exchange: segment === 'IDX_I' ? exch : EXCHANGE[segment],
      segment,
      symbol,
      name: f[c.custom] || undefined,
      expiry,
      strike: optionType && strike > 0 ? strike : undefined,
      optionType,
      tickSize: tickPaise > 0 ? tickPaise / 100 : 0.05,
      lotSize: lot > 0 ? Math.round(lot) : 1,
      underlying: expiry ? symbol.split('-')[0] : undefined,
    });
  }
  return out;
}

/**
 * One key per instrument whatever the broker: cash and indices by exchange + symbol; futures and
 * options by exchange family, underlying, expiry, strike and type (trading symbols differ:
 * Kite NIFTY26JUN24000CE, Dhan NIFTY-Jun2026-24000-CE).
 */
export function crossBrokerKey(i: { exchange: string; symbol: string; expiry?: string; strike?: number; optionType?: string; name?: string; underlying?: string }): string {
  if (!i.expiry) return `${i.exchange}:${i.symbol.toUpperCase()}`;
  const underlying = (i.underlying ?? i.name ?? i.symbol).toUpperCase();
  return `${i.exchange}:${underlying}:${i.expiry}:${i.optionType ? `${i.strike}${i.optionType}` : 'FUT'}`;
}
