// Yahoo's instruments (specs/fyers-upstox-yahoo.md §3.1). Yahoo publishes no instrument master: a
// symbol says what it is — RELIANCE.NS (NSE), RELIANCE.BO (BSE), ^NSEI (Nifty 50) — so the
// "master" is a list of symbols: the built-in one below (NSE/BSE indices and the NIFTY 50), a
// simulated venue's universe, and any symbol a user names, each on the cross-broker key
// (RELIANCE.NS is NSE:RELIANCE, as Kite's; ^NSEI is NSE:IDX:NIFTY 50). The list is imported through
// the shared master import as a two-column CSV (symbol,name) handed over as a data: URL, so it is
// recorded like any broker's master. Indian futures and options are not on Yahoo.
import type { Instrument, NewInstrument } from '../../../shared/model';
import { crossBrokerKey } from '../../../shared/xkey';
import type { AdapterJournal, MasterFormat } from '../types';
import { BROKER } from './auth';

/**
 * Yahoo publishes no tick size; prices arrive at priceHint decimals (2 for NSE/BSE). A cent-sized
 * tick keeps the price band's minimum width honest for every listing.
 */
export const YAHOO_TICK_SIZE = 0.01;

/** Yahoo's symbols for NSE and BSE indices, with the names Kite lists them under (the cross-broker key). */
export const YAHOO_INDICES: ReadonlyArray<{ yahoo: string; exchange: 'NSE' | 'BSE'; name: string }> = [
  { yahoo: '^NSEI', exchange: 'NSE', name: 'NIFTY 50' },
  { yahoo: '^NSEBANK', exchange: 'NSE', name: 'NIFTY BANK' },
  { yahoo: '^NSMIDCP', exchange: 'NSE', name: 'NIFTY NEXT 50' },
  { yahoo: '^CNX100', exchange: 'NSE', name: 'NIFTY 100' },
  { yahoo: '^CRSLDX', exchange: 'NSE', name: 'NIFTY 500' },
  { yahoo: '^CNXIT', exchange: 'NSE', name: 'NIFTY IT' },
  { yahoo: '^CNXAUTO', exchange: 'NSE', name: 'NIFTY AUTO' },
  { yahoo: '^CNXPHARMA', exchange: 'NSE', name: 'NIFTY PHARMA' },
  { yahoo: '^CNXFMCG', exchange: 'NSE', name: 'NIFTY FMCG' },
  { yahoo: '^CNXMETAL', exchange: 'NSE', name: 'NIFTY METAL' },
  { yahoo: '^CNXREALTY', exchange: 'NSE', name: 'NIFTY REALTY' },
  { yahoo: '^CNXENERGY', exchange: 'NSE', name: 'NIFTY ENERGY' },
  { yahoo: '^CNXPSUBANK', exchange: 'NSE', name: 'NIFTY PSU BANK' },
  { yahoo: '^INDIAVIX', exchange: 'NSE', name: 'INDIA VIX' },
  { yahoo: '^BSESN', exchange: 'BSE', name: 'SENSEX' },
];

/**
 * The NIFTY 50 on NSE (symbol, company), as NSE's constituent list (niftyindices.com,
 * ind_nifty50list.csv) stood after its March 2025 reconstitution, typed in by hand: the index
 * changes twice a year, and a symbol missing here is recorded by naming it (RELIANCE.NS, NSE:X).
 */
export const NIFTY_50: ReadonlyArray<readonly [string, string]> = [
  ['ADANIENT', 'Adani Enterprises'],
  ['ADANIPORTS', 'Adani Ports and Special Economic Zone'],
  ['APOLLOHOSP', 'Apollo Hospitals Enterprise'],
  ['ASIANPAINT', 'Asian Paints'],
  ['AXISBANK', 'Axis Bank'],
  ['BAJAJ-AUTO', 'Bajaj Auto'],
  ['BAJFINANCE', 'Bajaj Finance'],
  ['BAJAJFINSV', 'Bajaj Finserv'],
  ['BEL', 'Bharat Electronics'],
  ['BHARTIARTL', 'Bharti Airtel'],
  ['CIPLA', 'Cipla'],
  ['COALINDIA', 'Coal India'],
  ['DRREDDY', "Dr. Reddy's Laboratories"],
  ['EICHERMOT', 'Eicher Motors'],
  ['ETERNAL', 'Eternal'],
  ['GRASIM', 'Grasim Industries'],
  ['HCLTECH', 'HCL Technologies'],
  ['HDFCBANK', 'HDFC Bank'],
  ['HDFCLIFE', 'HDFC Life Insurance Company'],
  ['HEROMOTOCO', 'Hero MotoCorp'],
  ['HINDALCO', 'Hindalco Industries'],
  ['HINDUNILVR', 'Hindustan Unilever'],
  ['ICICIBANK', 'ICICI Bank'],
  ['INDUSINDBK', 'IndusInd Bank'],
  ['INFY', 'Infosys'],
  ['ITC', 'ITC'],
  ['JIOFIN', 'Jio Financial Services'],
  ['JSWSTEEL', 'JSW Steel'],
  ['KOTAKBANK', 'Kotak Mahindra Bank'],
  ['LT', 'Larsen & Toubro'],
  ['M&M', 'Mahindra & Mahindra'],
  ['MARUTI', 'Maruti Suzuki India'],
  ['NESTLEIND', 'Nestle India'],
  ['NTPC', 'NTPC'],
  ['ONGC', 'Oil & Natural Gas Corporation'],
  ['POWERGRID', 'Power Grid Corporation of India'],
  ['RELIANCE', 'Reliance Industries'],
  ['SBILIFE', 'SBI Life Insurance Company'],
  ['SBIN', 'State Bank of India'],
  ['SHRIRAMFIN', 'Shriram Finance'],
  ['SUNPHARMA', 'Sun Pharmaceutical Industries'],
  ['TATACONSUM', 'Tata Consumer Products'],
  ['TATAMOTORS', 'Tata Motors'],
  ['TATASTEEL', 'Tata Steel'],
  ['TCS', 'Tata Consultancy Services'],
  ['TECHM', 'Tech Mahindra'],
  ['TITAN', 'Titan Company'],
  ['TRENT', 'Trent'],
  ['ULTRACEMCO', 'UltraTech Cement'],
  ['WIPRO', 'Wipro'],
];

/** One entry of a Yahoo symbol list. */
export interface YahooListing {
  symbol: string;
  name?: string;
}

/** The built-in list: the indices above, then the NIFTY 50 on NSE. */
export function builtInListings(): YahooListing[] {
  return [...YAHOO_INDICES.map((i) => ({ symbol: i.yahoo, name: i.name })), ...NIFTY_50.map(([s, name]) => ({ symbol: `${s}.NS`, name }))];
}

/** What a Yahoo symbol may hold: letters, digits and . - ^ = & _ (M&M.NS, BAJAJ-AUTO.NS, USDINR=X). */
const SYMBOL = /^[A-Z0-9^&.=_-]{1,32}$/;

/**
 * A Yahoo symbol as a journal instrument (null: not a symbol). `.NS`/`.BO` are NSE/BSE shares under
 * their exchange symbol; the indices above take Kite's names under segment INDICES; any other
 * symbol (AAPL, USDINR=X, ^GSPC) stays itself under exchange YAHOO, found from no other broker.
 */
export function yahooInstrument(raw: string, name?: string): NewInstrument | null {
  const symbol = raw.trim().toUpperCase();
  if (!SYMBOL.test(symbol)) return null;
  const base = { broker: BROKER, token: symbol, tickSize: YAHOO_TICK_SIZE, lotSize: 1 };
  const index = YAHOO_INDICES.find((i) => i.yahoo === symbol);
  if (index) return { ...base, exchange: index.exchange, segment: 'INDICES', symbol: index.name, name: name || index.name };
  const listed = /^(.+)\.(NS|BO)$/.exec(symbol);
  const ins: NewInstrument = listed
    ? { ...base, exchange: listed[2] === 'NS' ? 'NSE' : 'BSE', segment: listed[2] === 'NS' ? 'NSE' : 'BSE', symbol: listed[1] }
    : { ...base, exchange: 'YAHOO', segment: symbol.startsWith('^') ? 'INDICES' : 'YAHOO', symbol };
  if (name) ins.name = name;
  return ins;
}

/**
 * The Yahoo symbol of an NSE/BSE share or index as another broker lists it (Kite's NSE:RELIANCE,
 * NSE:NIFTY 50; Dhan's index name NIFTY), or undefined (a derivative, another exchange).
 */
export function yahooSymbolOf(i: { exchange: string; segment?: string; symbol: string; expiry?: string }): string | undefined {
  if (i.expiry) return undefined;
  const exchange = i.exchange.toUpperCase();
  const key = crossBrokerKey({ exchange, segment: 'INDICES', symbol: i.symbol });
  const index = YAHOO_INDICES.find((x) => crossBrokerKey({ exchange: x.exchange, segment: 'INDICES', symbol: x.name }) === key);
  if (index) return index.yahoo;
  if (i.segment === 'INDICES' || i.segment === 'IDX_I') return undefined;
  if (exchange === 'NSE') return `${i.symbol.toUpperCase()}.NS`;
  if (exchange === 'BSE') return `${i.symbol.toUpperCase()}.BO`;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// The list as a master file.

export const YAHOO_LIST_COLUMNS = ['symbol', 'name'] as const;

/** A symbol list as CSV: `symbol,name`; a name keeps its commas (everything after the first is the name). */
export function symbolListCsv(list: readonly YahooListing[]): string {
  return [YAHOO_LIST_COLUMNS.join(','), ...list.map((l) => `${l.symbol},${(l.name ?? '').replace(/[\r\n]+/g, ' ')}`)].join('\n') + '\n';
}

/** Given the header line, a parser for data lines (null: a blank line; throws: not a symbol). */
export function symbolListParser(header: string): (line: string) => NewInstrument | null {
  if (header.replace(/^\uFEFF/, '').trim() !== YAHOO_LIST_COLUMNS.join(',')) throw new Error(`not a Yahoo symbol list: header is "${header.slice(0, 80)}"`);
  return (raw) => {
    const line = raw.replace(/\r$/, '');
    if (!line.trim()) return null;
    const comma = line.indexOf(',');
    const symbol = comma < 0 ? line : line.slice(0, comma);
    const ins = yahooInstrument(symbol, comma < 0 ? undefined : line.slice(comma + 1).trim() || undefined);
    if (!ins) throw new Error(`not a Yahoo symbol: ${JSON.stringify(symbol)}`);
    return ins;
  };
}

/** How a Yahoo symbol list reads, for the shared streaming import (instruments/master.ts). */
export const YAHOO_MASTER: MasterFormat = {
  broker: BROKER,
  title: 'Yahoo symbol list',
  open: symbolListParser,
};

/** The list as a URL the master import fetches (Yahoo has no file to download: it is ours). */
export function symbolListUrl(list: readonly YahooListing[]): string {
  return `data:text/csv;charset=utf-8,${encodeURIComponent(symbolListCsv(list))}`;
}

// ---------------------------------------------------------------------------------------------
// Finding instruments.

/**
 * A Yahoo instrument of the journal by Yahoo symbol (RELIANCE.NS, ^nsei: any case) or
 * EXCHANGE:SYMBOL (NSE:RELIANCE, NSE:NIFTY 50; indices also by Dhan's name, NSE:NIFTY).
 */
export function findYahooInstrument(journal: AdapterJournal, raw: string): Instrument | undefined {
  const ref = raw.trim();
  const m = /^([A-Za-z]+):(.+)$/.exec(ref);
  if (!m) return journal.instrumentsByToken(BROKER, ref.toUpperCase())[0];
  const ex = m[1].toUpperCase();
  const symbol = m[2].trim();
  return (
    journal.findInstrument(`${ex}:${symbol.toUpperCase()}`, BROKER) ??
    journal.findInstrument(`${ex}:${symbol}`, BROKER) ??
    journal.findByKey(crossBrokerKey({ exchange: ex, segment: 'INDICES', symbol }), BROKER)
  );
}

/**
 * The instrument of a reference, added to the journal when the list lacks it but the reference
 * names a Yahoo symbol (TATAPOWER.NS) or an NSE/BSE share (NSE:TATAPOWER → TATAPOWER.NS): Yahoo
 * answers for any symbol, listed or not. Undefined when it is neither.
 */
export function findOrAddYahooInstrument(journal: AdapterJournal, raw: string): Instrument | undefined {
  const found = findYahooInstrument(journal, raw);
  if (found) return found;
  const m = /^([A-Za-z]+):(.+)$/.exec(raw.trim());
  const symbol = m ? yahooSymbolOf({ exchange: m[1], symbol: m[2].trim() }) : raw;
  const ins = symbol === undefined ? null : yahooInstrument(symbol);
  return ins ? journal.instrument(journal.upsertInstrument(ins)) : undefined;
}
