// Fair prices from the underlying's path: an index or a stock is its path; a future is the path
// carried to expiry (S·e^(rT)); an option is Black-76 on that future with a volatility smile. The
// live model (plus a tick of bid/ask bounce) and the history candles both read these, so a chart's
// history, its live ticks and the option chain agree.
import { black76, yearsToExpiry } from '../../analytics/options';
import { pathPrice, pathScale } from './path';

/** Risk-free rate for the carry and the discount (about India's T-bill yield). */
export const SIM_RATE = 0.065;

/** What prices an underlying's path: its token keys the path, its base price scales it. */
export interface SimUnderlying {
  token: number;
  symbol: string;
  basePrice: number;
  segment: string;
  exchange: string;
}

/** The fields of an instrument its fair price depends on. */
export interface PricedInstrument {
  token: number;
  symbol?: string;
  basePrice: number;
  tickSize: number;
  segment: string;
  exchange: string;
  instrumentType: 'EQ' | 'FUT' | 'CE' | 'PE';
  expiry?: string;
  strike?: number;
  underlying?: SimUnderlying;
}

/** Rounds to the tick without binary noise (1773.3, not 1773.3000000000002). */
export function roundToTick(price: number, tick: number, mode: 'round' | 'ceil' = 'round'): number {
  const steps = Math.max(1, mode === 'ceil' ? Math.ceil(price / tick - 1e-9) : Math.round(price / tick));
  const decimals = Math.min(8, Math.max(0, Math.ceil(-Math.log10(tick) - 1e-9) + 1));
  return Number((steps * tick).toFixed(decimals));
}

/** The underlying's spot price at `ms` (an instrument with none is its own underlying). */
export function spotPrice(u: Pick<SimUnderlying, 'token' | 'basePrice' | 'segment' | 'exchange'>, ms: number): number {
  return pathPrice(u.token, u.basePrice, ms, pathScale(u));
}

/** At-the-money implied volatility of an underlying's options. */
export function atmVol(u: Pick<SimUnderlying, 'symbol' | 'segment'>): number {
  if (u.segment !== 'INDICES') return 0.26;
  return /BANK/.test(u.symbol) ? 0.15 : 0.13;
}

/**
 * The smile: σ(K) = σ_atm·(1 + a·m + b·m²), m = ln(K/F)/√T, with a put skew (a < 0) as index options
 * have; clamped to [0.6, 2.5]·σ_atm so the far wings stay sane. Gentle enough that call prices
 * fall with the strike, put prices rise, and both are convex (no butterfly arbitrage).
 */
export function smileVol(atm: number, F: number, K: number, years: number): number {
  const m = Math.log(K / F) / Math.sqrt(Math.max(years, 1 / 365 / 24));
  return atm * Math.min(2.5, Math.max(0.6, 1 - 0.8 * m + 1.2 * m * m));
}

/** Years to `expiry` at `ms` (0 when it has passed or is missing). */
function yearsLeft(ins: PricedInstrument, ms: number): number {
  if (!ins.expiry) return 0;
  const y = yearsToExpiry(ms, ins.expiry, ins.exchange);
  return Number.isFinite(y) ? y : 0;
}

/**
 * The fair price at `ms`, unrounded, and the least price a trade may print at (an option's
 * discounted intrinsic value rounded up to the tick, one tick at least). `spot` is the
 * underlying's path price at `ms` when the caller has it (the live model caches it per event time).
 */
export function fairPrice(ins: PricedInstrument, ms: number, spot?: number): { price: number; floor: number } {
  const u = ins.underlying;
  const tick = ins.tickSize;
  if (!u || ins.instrumentType === 'EQ') {
    // Its own path: an index or a stock, or a contract whose underlying is not in the universe
    // (an option then swings as options do).
    const scale = ins.instrumentType === 'CE' || ins.instrumentType === 'PE' ? 4 : 1;
    const own = spot ?? pathPrice(ins.token, ins.basePrice, ms, pathScale(ins) * scale);
    return { price: own, floor: tick };
  }
  const S = spot ?? spotPrice(u, ms);
  const T = yearsLeft(ins, ms);
  const F = S * Math.exp(SIM_RATE * T);
  if (ins.instrumentType === 'FUT' || !ins.strike || !(ins.strike > 0)) return { price: F, floor: tick };
  const K = ins.strike;
  const D = Math.exp(-SIM_RATE * T);
  const intrinsic = D * Math.max(0, ins.instrumentType === 'CE' ? F - K : K - F);
  const price = T > 0 ? black76(ins.instrumentType, F, K, T, smileVol(atmVol(u), F, K, T), SIM_RATE) : intrinsic;
  return { price: Number.isFinite(price) ? price : intrinsic, floor: roundToTick(intrinsic, tick, 'ceil') };
}

/** The fair price on the tick, never below its floor. */
export function fairOnTick(ins: PricedInstrument, ms: number, spot?: number): number {
  const f = fairPrice(ins, ms, spot);
  return Math.max(f.floor, roundToTick(f.price, ins.tickSize));
}
