// The option chain: underlyings with their expiries, and for one expiry the strikes around the
// money with the CE and PE side by side. "The money" is the underlying's last price (the index for
// index options, via the names brokers use), else the middle strike.
import type { Instrument } from '../../shared/model';
import { crossBrokerKey } from '../../shared/xkey';

export interface Underlying {
  underlying: string;
  exchange: string;
  expiries: string[];
}

export interface ChainRow {
  strike: number;
  ce?: Instrument;
  pe?: Instrument;
}

/** Option underlyings (by exchange), expiries ascending, most-listed first. */
export function optionUnderlyings(instruments: readonly Instrument[], today = new Date().toISOString().slice(0, 10)): Underlying[] {
  const by = new Map<string, { u: Underlying; n: number; set: Set<string> }>();
  for (const i of instruments) {
    if (!i.optionType || !i.expiry || i.expiry < today) continue;
    const name = (i.underlying ?? i.name ?? '').toUpperCase();
    if (!name) continue;
    const key = `${i.exchange}:${name}`;
    let e = by.get(key);
    if (!e) by.set(key, (e = { u: { underlying: name, exchange: i.exchange, expiries: [] }, n: 0, set: new Set() }));
    e.n++;
    e.set.add(i.expiry);
  }
  return [...by.values()]
    .sort((a, b) => b.n - a.n || a.u.underlying.localeCompare(b.u.underlying))
    .map((e) => ({ ...e.u, expiries: [...e.set].sort() }));
}

/** The instrument whose price is the underlying's: its index, its stock, else its nearest future. */
export function spotInstrument(instruments: readonly Instrument[], underlying: string, optionExchange: string): Instrument | undefined {
  const cashExchange = optionExchange === 'BFO' ? 'BSE' : 'NSE';
  const index = crossBrokerKey({ exchange: cashExchange, segment: 'INDICES', symbol: underlying });
  const hits = instruments.filter((i) => !i.expiry && (crossBrokerKey(i) === index || (i.exchange === cashExchange && i.symbol.toUpperCase() === underlying)));
  if (hits.length) return hits.find((i) => i.segment === 'INDICES' || i.segment === 'IDX_I') ?? hits[0];
  return instruments
    .filter((i) => i.expiry && !i.optionType && i.exchange === optionExchange && (i.underlying ?? i.name ?? '').toUpperCase() === underlying)
    .sort((a, b) => a.expiry!.localeCompare(b.expiry!))[0];
}

/** `around` strikes below and above the one nearest `spot` (all when spot is unknown, centred). */
export function optionChain(instruments: readonly Instrument[], q: { underlying: string; exchange: string; expiry: string; around: number; spot: number | null }): { rows: ChainRow[]; atm: number | null } {
  const rows = new Map<number, ChainRow>();
  for (const i of instruments) {
    if (!i.optionType || i.expiry !== q.expiry || i.exchange !== q.exchange || i.strike === undefined) continue;
    if ((i.underlying ?? i.name ?? '').toUpperCase() !== q.underlying) continue;
    let r = rows.get(i.strike);
    if (!r) rows.set(i.strike, (r = { strike: i.strike }));
    if (i.optionType === 'CE') r.ce = i;
    else r.pe = i;
  }
  const sorted = [...rows.values()].sort((a, b) => a.strike - b.strike);
  if (sorted.length === 0) return { rows: [], atm: null };
  let at = Math.floor(sorted.length / 2);
  if (q.spot !== null) {
    at = 0;
    for (let k = 1; k < sorted.length; k++) if (Math.abs(sorted[k].strike - q.spot) < Math.abs(sorted[at].strike - q.spot)) at = k;
  }
  return { rows: sorted.slice(Math.max(0, at - q.around), at + q.around + 1), atm: sorted[at].strike };
}
