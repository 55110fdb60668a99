// The exchange's tick sizes by price band, as the simulator lists its instruments.
//
// NSE revised them from 15 April 2025 (circulars of March 2025; the bands as Fyers's notice board
// "Tick Size Revision for NSE Derivatives & Cash Segment", 17 Mar 2025, and marketcalls.in give
// them), reviewed each month on the closing price of the month's last trading day:
// - equities and their stock futures: ₹0.01 below ₹250, 0.05 for 250–1,000, 0.10 above 1,000 to
//   5,000, 0.50 above 5,000 to 10,000, 1.00 above 10,000 to 20,000, 5.00 above 20,000;
// - index futures, by the index level: 0.05 to 15,000, 0.10 above 15,000 to 30,000, 0.20 above;
// - index and stock options: 0.05 whatever the price.
// BSE's listings are given NSE's bands here (not verified against BSE's circulars). The reference
// price is the instrument's base price: a tick size holds for a month, not tick by tick.

/** An equity's (and its stock future's) tick size at a reference price. */
export function equityTickSize(price: number): number {
  if (price < 250) return 0.01;
  if (price <= 1000) return 0.05;
  if (price <= 5000) return 0.1;
  if (price <= 10_000) return 0.5;
  if (price <= 20_000) return 1;
  return 5;
}

/** An index future's tick size at an index level. */
export function indexFutureTickSize(level: number): number {
  if (level <= 15_000) return 0.05;
  if (level <= 30_000) return 0.1;
  return 0.2;
}

/** What the tick size of an exchange-traded instrument depends on. */
export interface TickSized {
  segment: string;
  exchange: string;
  instrumentType: 'EQ' | 'FUT' | 'CE' | 'PE';
  basePrice: number;
  /** A derivative's underlying: its segment says index or stock, its price picks the band. */
  underlying?: { segment: string; basePrice: number };
}

/**
 * The tick size NSE's bands give an instrument of the cash or equity-derivative segments;
 * undefined for others (indices are computed values; currency and commodity contracts have a
 * fixed tick per contract, which their listing says).
 */
export function nseTickSize(ins: TickSized): number | undefined {
  const cash = ins.exchange === 'NSE' || ins.exchange === 'BSE';
  const fo = ins.exchange === 'NFO' || ins.exchange === 'BFO';
  if (ins.segment === 'INDICES') return undefined;
  if (cash && ins.instrumentType === 'EQ') return equityTickSize(ins.basePrice);
  if (!fo) return undefined;
  if (ins.instrumentType === 'CE' || ins.instrumentType === 'PE') return 0.05;
  const u = ins.underlying;
  if (!u) return undefined;
  return u.segment === 'INDICES' ? indexFutureTickSize(u.basePrice) : equityTickSize(u.basePrice);
}
