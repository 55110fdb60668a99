// Dhan's scrip master (specs/dhan.md §8), parsed by header name, a line at a time (the file is
// tens of megabytes: it is streamed, never held whole). The cross-broker key is in shared/xkey.
import type { Instrument, NewInstrument } from '../../../shared/model';
import { crossBrokerKey } from '../../../shared/xkey';
import { splitCsvLine } from '../kite/instruments';
import type { MasterFormat } from '../types';

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
}

/** Parses the compact scrip master a line at a time: the header first, then each row. */
export class DhanScripParser {
  private readonly c: Record<'exch' | 'seg' | 'id' | 'sym' | 'lot' | 'custom' | 'expiry' | 'strike' | 'opt' | 'tick' | 'flag', number>;
  /** Rows of segments Tickdesk does not know (skipped). */
  skipped = 0;

  /** Refuses a header without the columns it needs (not a scrip master, or a changed format). */
  constructor(headerLine: string) {
    const header = splitCsvLine(headerLine.replace(/^\uFEFF/, '')).map((h) => h.trim());
    const col = (name: string) => {
      const i = header.indexOf(name);
      if (i < 0) throw new Error(`not a Dhan scrip master: no ${name} column`);
      return i;
    };
    this.c = {
      exch: col('SEM_EXM_EXCH_ID'),
      seg: col('SEM_SEGMENT'),
      id: col('SEM_SMST_SECURITY_ID'),
      sym: col('SEM_TRADING_SYMBOL'),
      lot: col('SEM_LOT_UNITS'),
      custom: col('SEM_CUSTOM_SYMBOL'),
      expiry: col('SEM_EXPIRY_DATE'),
      strike: col('SEM_STRIKE_PRICE'),
      opt: col('SEM_OPTION_TYPE'),
      tick: col('SEM_TICK_SIZE'),
      // Older files lack it: then every derivative reads as a monthly.
      flag: header.indexOf('SEM_EXPIRY_FLAG'),
    };
  }

  /** One data line; null for a blank line or a row of an unknown segment. */
  row(line: string): DhanScrip | null {
    if (!line || line === '\r') return null;
    const c = this.c;
    const f = splitCsvLine(line.endsWith('\r') ? line.slice(0, -1) : line);
    const exch = f[c.exch];
    const segment = f[c.seg] === 'I' ? 'IDX_I' : SEGMENT[`${exch}:${f[c.seg]}`];
    const symbol = f[c.sym];
    if (!segment || !symbol || !/^\d+$/.test(f[c.id] ?? '')) {
      this.skipped++;
      return null;
    }
    const expiryRaw = (f[c.expiry] ?? '').slice(0, 10);
    const expiry = /^\d{4}-\d{2}-\d{2}$/.test(expiryRaw) && !expiryRaw.startsWith('0001') ? expiryRaw : undefined;
    // A weekly shares its trading symbol with the month's monthly (NIFTY-Dec2026-24500-CE for both):
    // it is named by its custom symbol, which carries the day (NIFTY 8 DEC 24500 CALL).
    const custom = f[c.custom];
    const weekly = expiry !== undefined && c.flag >= 0 && f[c.flag] === 'W' && !!custom;
    const strike = Number(f[c.strike]);
    const optionType = f[c.opt] === 'CE' || f[c.opt] === 'PE' ? (f[c.opt] as 'CE' | 'PE') : undefined;
    const tickPaise = Number(f[c.tick]);
    const lot = Number(f[c.lot]);
    return {
      broker: 'dhan',
      securityId: Number(f[c.id]),
      token: f[c.id],
      exchange: segment === 'IDX_I' ? exch : EXCHANGE[segment],
      segment,
      symbol: weekly ? custom : symbol,
      name: custom || undefined,
      expiry,
      strike: optionType && strike > 0 ? strike : undefined,
      optionType,
      tickSize: tickPaise > 0 ? tickPaise / 100 : 0.05,
      lotSize: lot > 0 ? Math.round(lot) : 1,
      underlying: expiry ? symbol.split('-')[0] : undefined,
    };
  }
}

/** Parses a whole compact scrip master (SEM_* columns) held in memory. */
export function parseDhanScripMaster(text: string): DhanScrip[] {
  const lines = text.split('\n');
  const parser = new DhanScripParser(lines[0] ?? '');
  const out: DhanScrip[] = [];
  for (let n = 1; n < lines.length; n++) {
    const r = parser.row(lines[n]);
    if (r) out.push(r);
  }
  return out;
}

/** A Dhan segment + security id reference, e.g. NSE_EQ:1333. */
export const DHAN_SEGMENT_REF = /^([A-Z]+_[A-Z]+):(\d+)$/i;

/** The journal's look-ups that findDhanInstrument uses (brokers/ sits below store/: it names no store type). */
export interface InstrumentLookup {
  instrumentBySegmentToken(broker: string, segment: string, token: string): Instrument | undefined;
  instrumentsByToken(broker: string, token: string): Instrument[];
  findInstrument(ref: string, broker?: string): Instrument | undefined;
  findByKey(xkey: string, broker: string): Instrument | undefined;
}

/**
 * A Dhan instrument of the journal's scrip master by SEGMENT:SECURITYID (NSE_EQ:1333),
 * EXCHANGE:SYMBOL (NSE:HDFCBANK, NFO:NIFTY-Jun2026-24000-CE; indices also by Kite's name, NSE:NIFTY 50),
 * or a security id that only one segment lists (several: an error naming them).
 */
export function findDhanInstrument(journal: InstrumentLookup, raw: string): Instrument | undefined {
  const ref = raw.trim();
  const bySeg = DHAN_SEGMENT_REF.exec(ref);
  if (bySeg) return journal.instrumentBySegmentToken('dhan', bySeg[1].toUpperCase(), bySeg[2]);
  if (/^\d+$/.test(ref)) {
    const all = journal.instrumentsByToken('dhan', ref);
    if (all.length > 1) throw new Error(`security id ${ref} is listed in ${all.map((i) => i.segment).join(', ')}: say which, e.g. ${all[0].segment}:${ref}`);
    return all[0];
  }
  const m = /^([A-Z]+):(.+)$/i.exec(ref);
  if (!m) return undefined;
  const ex = m[1].toUpperCase();
  return (
    journal.findInstrument(`${ex}:${m[2]}`, 'dhan') ??
    journal.findInstrument(`${ex}:${m[2].toUpperCase()}`, 'dhan') ??
    journal.findByKey(crossBrokerKey({ exchange: ex, segment: 'IDX_I', symbol: m[2] }), 'dhan')
  );
}

export const DHAN_SCRIP_MASTER_URL = 'https://images.dhan.co/api-data/api-scrip-master.csv';

/** The scrip master's URL: Dhan's, or under one root serving everything (the simulator). */
export function dhanScripMasterUrl(restRoot?: string): string {
  const rest = restRoot?.replace(/\/$/, '');
  return rest ? `${rest}/api-data/api-scrip-master.csv` : DHAN_SCRIP_MASTER_URL;
}

/** How Dhan's scrip master reads, for the shared streaming import (instruments/master.ts). */
export const DHAN_MASTER: MasterFormat = {
  broker: 'dhan',
  title: 'Dhan scrip master',
  open(header) {
    const p = new DhanScripParser(header);
    return (l) => p.row(l);
  },
};
