// How an instrument reads in a list, as a trader says it: "NIFTY 24450 CE" with its expiry
// ("24 Dec") beside it, "NIFTY FUT 24 Dec", "RELIANCE BSE"; the exchange only where it is not
// the obvious one (NSE for cash, NFO for F&O). Pure: no DOM.
import type { Instrument } from '../../../../shared/model';
import { expiryShort } from '../../format';

export interface InstrumentLabel {
  /** Never truncated: what tells two rows apart (underlying, strike, CE/PE). */
  main: string;
  /** Secondary (expiry, exchange): may be shortened when space is short. */
  sub: string;
  /** EXCHANGE:SYMBOL with the spoken form. */
  full: string;
  /** The row's tooltip: the full form and the instrument's name. */
  title: string;
}

const OBVIOUS_EXCHANGE = new Set(['NSE', 'NFO']);

export function instrumentLabel(ins: Instrument): InstrumentLabel {
  const exch = OBVIOUS_EXCHANGE.has(ins.exchange) ? '' : ins.exchange;
  const und = ins.underlying ?? ins.name ?? ins.symbol;
  let main = ins.symbol;
  let expiry = '';
  if (ins.optionType && ins.strike !== undefined && ins.expiry) {
    main = `${und} ${ins.strike} ${ins.optionType}`;
    expiry = expiryShort(ins.expiry);
  } else if (ins.expiry) {
    main = `${und} FUT`;
    expiry = expiryShort(ins.expiry);
  }
  const sub = [expiry, exch].filter(Boolean).join(' ');
  const full = `${ins.exchange}:${ins.symbol}${main !== ins.symbol ? ` (${main}${expiry ? ` ${expiry}` : ''})` : ''}`;
  return { main, sub, full, title: ins.name && !main.startsWith(ins.name) ? `${full} · ${ins.name}` : full };
}
