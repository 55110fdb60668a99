// The simulated market's instruments as Fyers lists them: tickers (NSE:SBIN-EQ, NSE:NIFTY50-INDEX,
// NSE:NIFTY26SEPFUT), fytokens (segment code, expiry YYMMDD or zeros, exchange token), the
// 21-column symbol-master rows of each segment file, and the data socket's topics.
import { istDay } from '../../../shared/ist';
import { fyersIndexTicker, fyersTopics, FYERS_SEGMENTS, type FyersMasterRow } from '../../brokers/fyers/instruments';
import type { SimInstrument } from '../market/market';

export interface FyersSimListing {
  ins: SimInstrument;
  ticker: string;
  fytoken: string;
  /** Segment code, e.g. 1010. */
  code: string;
  /** Master file, e.g. NSE_CM. */
  file: string;
  topics: { quote: string; depth?: string };
  /** Price decimals on the wire (the multiplier is 1). */
  precision: number;
}

/** The exchange + segment code of a simulated instrument (its exchange as Kite names it). */
function codeOf(ins: SimInstrument): string | undefined {
  if (ins.segment === 'INDICES') return ins.exchange === 'BSE' ? '1210' : '1010';
  return ({ NSE: '1010', NFO: '1011', CDS: '1012', MCX: '1120', BSE: '1210', BFO: '1211', BCD: '1212' } as Record<string, string>)[ins.exchange];
}

function tickerOf(ins: SimInstrument, code: string): string {
  const prefix = code.startsWith('12') ? 'BSE' : code.startsWith('11') ? 'MCX' : 'NSE';
  if (ins.segment === 'INDICES') return fyersIndexTicker(prefix, ins.symbol);
  if (code === '1010') return `NSE:${ins.symbol}-EQ`;
  // BSE tickers carry the scrip's group; the simulated ones are all group A.
  if (code === '1210') return `BSE:${ins.symbol}-A`;
  return `${prefix}:${ins.symbol}`;
}

const decimals = (tick: number) => Math.max(0, Math.ceil(-Math.log10(tick) - 1e-9));

/** Fyers' view of the simulated instruments it lists (a segment Fyers does not have is left out). */
export function fyersListings(instruments: readonly SimInstrument[]): FyersSimListing[] {
  const out: FyersSimListing[] = [];
  for (const ins of instruments) {
    const code = codeOf(ins);
    if (!code) continue;
    const ticker = tickerOf(ins, code);
    const yymmdd = ins.expiry ? ins.expiry.slice(2).replace(/-/g, '') : '000000';
    const fytoken = `${code}${yymmdd}${ins.exchangeToken}`;
    out.push({ ins, ticker, fytoken, code, file: FYERS_SEGMENTS[code].file, topics: fyersTopics(ticker, fytoken), precision: Math.max(2, decimals(ins.tickSize)) });
  }
  return out;
}

/** Fyers' instrument type numbers (NSE_CM: 0 equity, 10 index; the derivative ones are the simulator's). */
function instrumentType(ins: SimInstrument): number {
  if (ins.segment === 'INDICES') return 10;
  if (ins.instrumentType === 'EQ') return 0;
  const index = ['NIFTY', 'BANKNIFTY', 'FINNIFTY', 'MIDCPNIFTY', 'SENSEX', 'BANKEX'].includes(ins.name);
  if (ins.exchange === 'MCX') return ins.instrumentType === 'FUT' ? 30 : 31;
  if (ins.exchange === 'CDS' || ins.exchange === 'BCD') return ins.instrumentType === 'FUT' ? 16 : 17;
  return ins.instrumentType === 'FUT' ? (index ? 11 : 13) : index ? 14 : 15;
}

/** An expiry day's close as epoch seconds (15:30 IST; MCX 23:30), as the masters write it. */
function expiryEpoch(day: string, mcx: boolean): number {
  return Date.parse(`${day}T${mcx ? '23:30' : '15:30'}:00+05:30`) / 1000;
}

/** One master row, as in Fyers' files (fields never seen filled here written as Fyers writes them). */
export function fyersMasterRow(l: FyersSimListing, now: number): FyersMasterRow {
  const { ins } = l;
  const option = ins.instrumentType === 'CE' || ins.instrumentType === 'PE';
  const cash = l.code === '1010' || l.code === '1210';
  const base = l.ticker.slice(l.ticker.indexOf(':') + 1);
  const mcx = l.code === '1120';
  return {
    fytoken: l.fytoken,
    symbolDetails: ins.segment === 'INDICES' ? base : ins.name || ins.symbol,
    exchangeInstrumentType: instrumentType(ins),
    // Index rows carry lot size 0, as Fyers' do.
    minLotSize: ins.segment === 'INDICES' ? 0 : ins.lotSize,
    tickSize: ins.tickSize,
    isin: '',
    tradingSession: mcx ? '0900-2330|1815-1915:' : '0915-1530|1815-1915:',
    lastUpdateDate: istDay(now),
    expiryDate: ins.expiry ? expiryEpoch(ins.expiry, mcx) : '',
    symbolTicker: l.ticker,
    exchange: l.code.slice(0, 2),
    segment: l.code.slice(2),
    scripCode: ins.exchangeToken,
    underlyingSymbol: cash ? (ins.segment === 'INDICES' ? ins.name : ins.symbol) : ins.name,
    underlyingScripCode: cash ? ins.exchangeToken : '',
    strikePrice: option && ins.strike ? ins.strike.toFixed(1) : '-1.0',
    optionType: option ? ins.instrumentType : 'XX',
    underlyingFytoken: cash ? l.fytoken : '',
    reserved1: 'None',
    reserved2: 0,
    reserved3: '0.0',
  };
}
