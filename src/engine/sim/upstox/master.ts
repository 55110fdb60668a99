// The simulated market's instruments as Upstox lists them: instrument keys (NSE_EQ|<ISIN> for cash,
// NSE_FO|<exchange token> for derivatives, NSE_INDEX|Nifty 50 for indices), trading symbols as the
// JSON file writes them (SBIN, NIFTY FUT 30 JUN 26, NIFTY 24500 CE 11 JUN 26), and the records of
// the instrument file (complete.json.gz): tick size in paise, expiry in epoch ms, exchange_token a
// string — the file's own quirks, so the import is tested against them.
import type { UpstoxInstrumentRecord } from '../../brokers/upstox/instruments';
import type { SimInstrument } from '../market/market';

export interface UpstoxSimListing {
  ins: SimInstrument;
  /** The instrument key (the feed's and REST's id). */
  key: string;
  /** NSE_EQ, NSE_FO, NSE_INDEX, … */
  segment: string;
  record: UpstoxInstrumentRecord;
}

/** Kite's exchange → Upstox's segment (indices: NSE_INDEX / BSE_INDEX). */
function segmentOf(ins: SimInstrument): string | undefined {
  if (ins.segment === 'INDICES') return ins.exchange === 'BSE' ? 'BSE_INDEX' : ins.exchange === 'MCX' ? 'MCX_INDEX' : 'NSE_INDEX';
  return ({ NSE: 'NSE_EQ', BSE: 'BSE_EQ', NFO: 'NSE_FO', BFO: 'BSE_FO', CDS: 'NCD_FO', BCD: 'BCD_FO', MCX: 'MCX_FO' } as Record<string, string>)[ins.exchange];
}

/** Index names as Upstox's keys spell them. */
const INDEX_KEY_NAMES: Readonly<Record<string, string>> = { 'NIFTY 50': 'Nifty 50', 'NIFTY BANK': 'Nifty Bank', 'INDIA VIX': 'India VIX', 'NIFTY FIN SERVICE': 'Nifty Fin Service', SENSEX: 'SENSEX', BANKEX: 'BANKEX' };
/** Index derivatives' underlyings. */
const INDEX_UNDERLYINGS: Readonly<Record<string, string>> = { NIFTY: 'NSE_INDEX|Nifty 50', BANKNIFTY: 'NSE_INDEX|Nifty Bank', FINNIFTY: 'NSE_INDEX|Nifty Fin Service', SENSEX: 'BSE_INDEX|SENSEX' };
const titleCase = (s: string) => s.toLowerCase().replace(/\b[a-z]/g, (c) => c.toUpperCase());

/** A made-up ISIN per company (the same on NSE and BSE): INE, six letters/digits from the symbol, 01, 0. */
export function simIsin(symbol: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < symbol.length; i++) h = Math.imul(h ^ symbol.charCodeAt(i), 0x01000193);
  return `INE${((h >>> 0) % 36 ** 6).toString(36).toUpperCase().padStart(6, '0')}010`;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

/** "11 JUN 26" of 2026-06-11. */
function dayMonYy(day: string): string {
  const [y, m, d] = day.split('-');
  return `${d} ${MONTHS[Number(m) - 1]} ${y.slice(2)}`;
}

/** An expiry day's close as epoch ms (15:30 IST; MCX 23:30), as the file writes expiries. */
function expiryMs(day: string, mcx: boolean): number {
  return Date.parse(`${day}T${mcx ? '23:30' : '15:30'}:00+05:30`);
}

/** Upstox's view of the simulated instruments (a segment it has no key for is left out). */
export function upstoxListings(instruments: readonly SimInstrument[]): UpstoxSimListing[] {
  const out: UpstoxSimListing[] = [];
  for (const ins of instruments) {
    const segment = segmentOf(ins);
    if (!segment) continue;
    const index = ins.segment === 'INDICES';
    const cash = segment === 'NSE_EQ' || segment === 'BSE_EQ';
    const option = ins.instrumentType === 'CE' || ins.instrumentType === 'PE';
    const indexName = INDEX_KEY_NAMES[ins.symbol] ?? titleCase(ins.symbol);
    const key = index ? `${segment}|${indexName}` : cash ? `${segment}|${simIsin(ins.symbol)}` : `${segment}|${ins.exchangeToken}`;
    const exchange = segment.split('_')[0].replace('NCD', 'NSE').replace('BCD', 'BSE');
    let tradingSymbol = ins.symbol;
    if (ins.expiry && !index) tradingSymbol = option ? `${ins.name} ${ins.strike} ${ins.instrumentType} ${dayMonYy(ins.expiry)}` : `${ins.name} FUT ${dayMonYy(ins.expiry)}`;
    const record: UpstoxInstrumentRecord = {
      segment,
      name: index ? indexName : ins.name,
      exchange,
      instrument_type: index ? 'INDEX' : ins.instrumentType,
      instrument_key: key,
      exchange_token: String(ins.exchangeToken),
      trading_symbol: tradingSymbol,
    };
    if (cash) {
      record.isin = simIsin(ins.symbol);
      record.short_name = ins.symbol;
      record.security_type = 'NORMAL';
    }
    if (!index) {
      // Paise, as the JSON file writes it (5.0 is ₹0.05).
      record.tick_size = Math.round(ins.tickSize * 100 * 1e6) / 1e6;
      record.lot_size = ins.lotSize;
      record.minimum_lot = ins.lotSize;
      record.freeze_quantity = cash ? 100000 : ins.lotSize * 24;
      record.qty_multiplier = 1;
    }
    if (ins.expiry && !index) {
      record.expiry = expiryMs(ins.expiry, segment === 'MCX_FO');
      record.weekly = option && Number(ins.expiry.slice(8)) <= 24;
      record.underlying_symbol = ins.name;
      const indexKey = INDEX_UNDERLYINGS[ins.name];
      record.underlying_type = segment === 'MCX_FO' ? 'COM' : segment.endsWith('CD_FO') ? 'CUR' : indexKey ? 'INDEX' : 'EQUITY';
      if (indexKey) record.underlying_key = indexKey;
      else if (record.underlying_type === 'EQUITY') record.underlying_key = `NSE_EQ|${simIsin(ins.name)}`;
      if (option) record.strike_price = ins.strike;
    }
    out.push({ ins, key, segment, record });
  }
  return out;
}

/** A record of a segment Tickdesk does not record (the file carries global indices since May 2026). */
export const GLOBAL_INDEX_RECORD: UpstoxInstrumentRecord = {
  weekly: false,
  segment: 'GLOBAL_INDEX',
  name: 'GIFT NIFTY',
  exchange: 'GLOBAL',
  instrument_key: 'GLOBAL_INDEX|SGX NIFTY',
  trading_symbol: 'GIFT NIFTY',
};
