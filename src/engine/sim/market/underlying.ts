// Which index or stock a derivative follows, found by name as the exchange's contract master
// names it: NIFTY's contracts follow NIFTY 50, BANKNIFTY's NIFTY BANK, a stock's F&O its symbol.
import type { PricedInstrument, SimUnderlying } from './pricing';

/** F&O names of the indices, to the index's symbol in the cash segment's list. */
const INDEX_OF: Readonly<Record<string, string>> = {
  NIFTY: 'NIFTY 50',
  BANKNIFTY: 'NIFTY BANK',
  FINNIFTY: 'NIFTY FIN SERVICE',
  MIDCPNIFTY: 'NIFTY MID SELECT',
  NIFTYNXT50: 'NIFTY NEXT 50',
  SENSEX: 'SENSEX',
  BANKEX: 'BANKEX',
};

type Linkable = PricedInstrument & { symbol: string; name: string };

/** The underlying of each derivative whose index or stock is in `all`; others are unchanged. */
export function linkUnderlyings<T extends Linkable>(all: readonly T[]): T[] {
  const cash = new Map<string, T>();
  for (const i of all) {
    if (i.instrumentType !== 'EQ') continue;
    const have = cash.get(i.symbol);
    // NSE's listing first: a stock's F&O trades on NSE's price.
    if (!have || (have.exchange !== 'NSE' && i.exchange === 'NSE')) cash.set(i.symbol, i);
  }
  return all.map((i) => {
    if (i.underlying || i.instrumentType === 'EQ') return i;
    const u = cash.get(INDEX_OF[i.name] ?? i.name);
    return u ? { ...i, underlying: underlyingOf(u) } : i;
  });
}

export function underlyingOf(u: Linkable): SimUnderlying {
  return { token: u.token, symbol: u.symbol, basePrice: u.basePrice, segment: u.segment, exchange: u.exchange };
}
