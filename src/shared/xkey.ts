// One key per instrument whatever the broker, so the same contract recorded from Kite and from
// Dhan can be found from either: cash by exchange + symbol, indices by their canonical name,
// futures and options by exchange, underlying, expiry, strike and type (trading symbols differ:
// Kite NIFTY26JUN24000CE, Dhan NIFTY-Jun2026-24000-CE).
// Pure, so it sits in shared/: the journal (store/) and the brokers' instrument parsers both use it.

/** Index names as Kite lists them, by the names Dhan's scrip master uses. */
const INDEX_NAMES: Record<string, string> = {
  NIFTY: 'NIFTY 50',
  NIFTY50: 'NIFTY 50',
  BANKNIFTY: 'NIFTY BANK',
  FINNIFTY: 'NIFTY FIN SERVICE',
  MIDCPNIFTY: 'NIFTY MID SELECT',
  NIFTYNXT50: 'NIFTY NEXT 50',
};

export interface KeyFields {
  exchange: string;
  segment?: string;
  symbol: string;
  expiry?: string;
  strike?: number;
  optionType?: string;
  name?: string;
  underlying?: string;
}

export function crossBrokerKey(i: KeyFields): string {
  if (i.segment === 'INDICES' || i.segment === 'IDX_I') {
    const s = i.symbol.toUpperCase();
    return `${i.exchange}:IDX:${INDEX_NAMES[s] ?? s}`;
  }
  if (!i.expiry) return `${i.exchange}:${i.symbol.toUpperCase()}`;
  const underlying = (i.underlying ?? i.name ?? i.symbol).toUpperCase();
  return `${i.exchange}:${underlying}:${i.expiry}:${i.optionType ? `${i.strike}${i.optionType}` : 'FUT'}`;
}
