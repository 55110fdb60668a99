// Kite's instruments dump (specs/kite.md §6.1): the exact CSV columns, read and written.
import type { NewInstrument } from '../../../shared/model';
import { TokenExpired } from '../errors';
import type { MasterFormat, MasterOptions } from '../types';

export const KITE_INSTRUMENT_COLUMNS = [
  'instrument_token',
  'exchange_token',
  'tradingsymbol',
  'name',
  'last_price',
  'expiry',
  'strike',
  'tick_size',
  'lot_size',
  'instrument_type',
  'segment',
  'exchange',
] as const;

export interface KiteInstrumentRow {
  instrumentToken: number;
  exchangeToken: number;
  tradingsymbol: string;
  name: string;
  lastPrice: number;
  expiry: string;
  strike: number;
  tickSize: number;
  lotSize: number;
  instrumentType: string;
  segment: string;
  exchange: string;
}

/** Splits one CSV line; handles quoted fields with doubled quotes. */
export function splitCsvLine(line: string): string[] {
  if (!line.includes('"')) return line.split(',');
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

export function csvField(v: string | number): string {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * A parser for the dump's data lines, given its header line. A header that does not match Kite's
 * columns is refused (every later column would be misread); so is a line with the wrong number of
 * fields. Blank lines (the trailing newline) give null.
 */
export function kiteInstrumentLineParser(headerLine: string): (line: string) => KiteInstrumentRow | null {
  const header = headerLine.replace(/^\uFEFF/, '').replace(/\r$/, '');
  if (header !== KITE_INSTRUMENT_COLUMNS.join(',')) throw new Error(`not a Kite instruments dump: header is "${header.slice(0, 120)}"`);
  return (raw: string) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '') return null;
    const f = splitCsvLine(line);
    if (f.length !== KITE_INSTRUMENT_COLUMNS.length) throw new Error(`${f.length} fields, expected 12`);
    return {
      instrumentToken: Number(f[0]),
      exchangeToken: Number(f[1]),
      tradingsymbol: f[2],
      name: f[3],
      lastPrice: Number(f[4] || 0),
      expiry: f[5],
      strike: Number(f[6] || 0),
      tickSize: Number(f[7] || 0),
      lotSize: Number(f[8] || 0),
      instrumentType: f[9],
      segment: f[10],
      exchange: f[11],
    };
  };
}

/** Parses a whole dump held in memory; a malformed line is an error naming the line. */
export function parseKiteInstrumentsCsv(text: string): KiteInstrumentRow[] {
  const lines = text.split('\n');
  const parse = kiteInstrumentLineParser(lines[0] ?? '');
  const rows: KiteInstrumentRow[] = [];
  for (let i = 1; i < lines.length; i++) {
    let r: KiteInstrumentRow | null;
    try {
      r = parse(lines[i]);
    } catch (e) {
      throw new Error(`instruments line ${i + 1}: ${(e as Error).message}`, { cause: e });
    }
    if (r) rows.push(r);
  }
  return rows;
}

/** Maps a dump row to the shared model. Index rows (segment INDICES) keep their listing exchange. */
export function kiteRowToInstrument(r: KiteInstrumentRow): NewInstrument {
  const isOption = r.instrumentType === 'CE' || r.instrumentType === 'PE';
  return {
    broker: 'kite',
    token: String(r.instrumentToken),
    exchange: r.exchange,
    segment: r.segment,
    symbol: r.tradingsymbol,
    name: r.name || undefined,
    expiry: r.expiry || undefined,
    strike: isOption ? r.strike : undefined,
    optionType: isOption ? (r.instrumentType as 'CE' | 'PE') : undefined,
    // Index rows carry 0 here in some dumps; a positive fallback keeps validation meaningful.
    tickSize: r.tickSize > 0 ? r.tickSize : 0.05,
    lotSize: r.lotSize > 0 ? Math.round(r.lotSize) : 1,
  };
}

export function formatKiteInstrumentsCsv(rows: readonly KiteInstrumentRow[]): string {
  const num = (v: number) => (Number.isInteger(v) ? v.toFixed(1) : String(v));
  let out = KITE_INSTRUMENT_COLUMNS.join(',') + '\n';
  for (const r of rows) {
    out +=
      [
        r.instrumentToken,
        r.exchangeToken,
        csvField(r.tradingsymbol),
        csvField(r.name),
        num(r.lastPrice),
        r.expiry,
        num(r.strike),
        r.tickSize,
        r.lotSize,
        r.instrumentType,
        r.segment,
        r.exchange,
      ].join(',') + '\n';
  }
  return out;
}

/** How Kite's instruments dump reads, for the shared streaming import (instruments/master.ts). */
export const KITE_MASTER: MasterFormat = {
  broker: 'kite',
  title: 'Kite instruments',
  open(header) {
    const parse = kiteInstrumentLineParser(header);
    return (l) => {
      const r = parse(l);
      return r && kiteRowToInstrument(r);
    };
  },
  httpError: (status) => (status === 403 ? new TokenExpired('Kite rejected the access token (HTTP 403): log in again', 'kite') : undefined),
};

/** Where the dump is fetched, signed. */
export function kiteMasterRequest(restRoot: string, apiKey: string, accessToken: string): Pick<MasterOptions, 'url' | 'headers'> {
  return { url: `${restRoot}/instruments`, headers: { 'X-Kite-Version': '3', Authorization: `token ${apiKey}:${accessToken}` } };
}
