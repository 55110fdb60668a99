// European option analytics: Black-76 (on the future) and Black-Scholes (on spot, with a dividend
// yield) prices, Greeks, implied volatility, and time to expiry from the exchange's expiry moment.
// Pure functions of numbers: nothing here throws; a bad input gives NaN (and the IV solver a reason).
//
// Both models are one formula on the forward F with the discount D = e^(−rT):
//   call = D·(F·N(d1) − K·N(d2)), put = D·(K·N(−d2) − F·N(−d1)), d1,2 = ln(F/K)/s ± s/2, s = σ√T,
// with F the future's price (Black-76) or S·e^((r−q)T) (Black-Scholes). They differ in what the
// Greeks hold fixed: Black-76's delta is per rupee of the future and its rho keeps F fixed; Black-
// Scholes' delta is per rupee of spot and its rho moves the forward with the rate.
import { IST_MS } from '../../shared/ist';

export type OptionRight = 'CE' | 'PE';
/** 'black76': the option priced on its future; 'bs': Black-Scholes on spot. */
export type PricingModel = 'black76' | 'bs';

/** What an option's price depends on besides its volatility. */
export interface OptionSpec {
  model: PricingModel;
  right: OptionRight;
  /** The future's price (black76) or the spot's (bs). */
  underlying: number;
  strike: number;
  /** Years to expiry, ACT/365 (see yearsToExpiry). */
  years: number;
  /** Risk-free rate per year, continuously compounded (0.065 = 6.5 %). */
  rate: number;
  /** Dividend yield per year, continuously compounded; bs only (black76 ignores it). */
  dividendYield?: number;
}

/**
 * Sensitivities in the units a trader reads: delta per rupee of the underlying, gamma per rupee²,
 * theta in rupees per calendar day (negative for a long option losing time value), vega in rupees
 * per volatility point (σ + 0.01), rho in rupees per percentage point of the rate (r + 0.01).
 */
export interface Greeks {
  delta: number;
  gamma: number;
  theta: number;
  vega: number;
  rho: number;
}

const MS_PER_DAY = 86_400_000;
export const DAYS_PER_YEAR = 365;
const MS_PER_YEAR = DAYS_PER_YEAR * MS_PER_DAY;
const SQRT_2PI = Math.sqrt(2 * Math.PI);

// ---------------------------------------------------------------------------------------------
// The normal distribution

/** Standard normal density. */
export function normPdf(x: number): number {
  return Math.exp(-0.5 * x * x) / SQRT_2PI;
}

// W. J. Cody's rational Chebyshev approximations for erf/erfc ("Rational Chebyshev approximations
// for the error function", Math. Comp. 23, 1969; Netlib specfun CALERF): A/B give erf on
// [0, 0.46875], C/D erfc·e^(x²) on (0.46875, 4], P/Q erfc·e^(x²)·x on (4, ∞). Written as the
// doubles nearest the published 18-digit values.
const ERF_A = [3.1611237438705655, 113.86415415105016, 377.485237685302, 3209.3775891384694, 0.18577770618460315];
const ERF_B = [23.601290952344122, 244.02463793444417, 1282.6165260773723, 2844.236833439171];
const ERFC_C = [
  0.5641884969886701, 8.883149794388377, 66.11919063714163, 298.6351381974001, 881.952221241769, 1712.0476126340707, 2051.0783778260716,
  1230.3393547979972, 2.1531153547440383e-8,
];
const ERFC_D = [15.744926110709835, 117.6939508913125, 537.1811018620099, 1621.3895745666903, 3290.7992357334597, 4362.619090143247, 3439.3676741437216, 1230.3393548037495];
const ERFC_P = [0.30532663496123236, 0.36034489994980445, 0.12578172611122926, 0.016083785148742275, 0.0006587491615298378, 0.016315387137302097];
const ERFC_Q = [2.568520192289822, 1.8729528499234604, 0.5279051029514285, 0.06051834131244132, 0.0023352049762686918];
const ONE_OVER_SQRT_PI = 1 / Math.sqrt(Math.PI);

/** Complementary error function, relative error near 1e-15 over its whole range (Cody). */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const y = Math.abs(x);
  if (y <= 0.46875) {
    const z = y * y;
    let num = ERF_A[4] * z;
    let den = z;
    for (let i = 0; i < 3; i++) {
      num = (num + ERF_A[i]) * z;
      den = (den + ERF_B[i]) * z;
    }
    return 1 - (x * (num + ERF_A[3])) / (den + ERF_B[3]);
  }
  let r: number;
  if (y > 27) r = 0; // erfc underflows past 26.55
  else if (y <= 4) {
    let num = ERFC_C[8] * y;
    let den = y;
    for (let i = 0; i < 7; i++) {
      num = (num + ERFC_C[i]) * y;
      den = (den + ERFC_D[i]) * y;
    }
    r = (num + ERFC_C[7]) / (den + ERFC_D[7]);
  } else {
    const z = 1 / (y * y);
    let num = ERFC_P[5] * z;
    let den = z;
    for (let i = 0; i < 4; i++) {
      num = (num + ERFC_P[i]) * z;
      den = (den + ERFC_Q[i]) * z;
    }
    r = (ONE_OVER_SQRT_PI - (z * (num + ERFC_P[4])) / (den + ERFC_Q[4])) / y;
  }
  if (r !== 0) {
    // e^(−y²) as e^(−a²)·e^(−(y−a)(y+a)) with a = y to 1/16: exact a², so no digits lost to y².
    const a = Math.trunc(y * 16) / 16;
    r *= Math.exp(-a * a) * Math.exp(-(y - a) * (y + a));
  }
  return x < 0 ? 2 - r : r;
}

/**
 * Standard normal CDF, N(x) = erfc(−x/√2)/2: relative error near 1e-15 in both tails (checked
 * against mpmath in options.test.ts), so a deep out-of-the-money price keeps its digits.
 */
export function normCdf(x: number): number {
  return 0.5 * erfc(-x * Math.SQRT1_2);
}

// ---------------------------------------------------------------------------------------------
// Time to expiry

/**
 * Minutes after IST midnight at which an exchange's options expire on their expiry day: NSE and
 * BSE equity/index derivatives at the 15:30 close, NSE/BSE currency derivatives at 12:30 (their
 * last trading day ends then). Others are not known here and take 15:30.
 */
export const EXPIRY_CLOSE_IST_MIN: Readonly<Record<string, number>> = {
  NSE: 15 * 60 + 30,
  NFO: 15 * 60 + 30,
  BSE: 15 * 60 + 30,
  BFO: 15 * 60 + 30,
  CDS: 12 * 60 + 30,
  BCD: 12 * 60 + 30,
};
const DEFAULT_CLOSE_IST_MIN = 15 * 60 + 30;

/** The expiry moment (ms UTC) of a contract expiring on `expiry` (YYYY-MM-DD); NaN if malformed. */
export function expiryMs(expiry: string, exchange?: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(expiry);
  if (!m) return NaN;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const day = Date.UTC(y, mo - 1, d);
  const check = new Date(day);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) return NaN;
  const close = (exchange !== undefined ? EXPIRY_CLOSE_IST_MIN[exchange.toUpperCase()] : undefined) ?? DEFAULT_CLOSE_IST_MIN;
  return day + close * 60_000 - IST_MS;
}

/** Years (ACT/365, to the millisecond) from `nowMs` to the expiry moment; 0 once it has passed. */
export function yearsToExpiry(nowMs: number, expiry: string, exchange?: string): number {
  const end = expiryMs(expiry, exchange);
  if (!Number.isFinite(end) || !Number.isFinite(nowMs)) return NaN;
  return Math.max(0, (end - nowMs) / MS_PER_YEAR);
}

// ---------------------------------------------------------------------------------------------
// Prices

/** The Black formula on a forward, undiscounted. s = σ√T > 0. */
function blackUndiscounted(right: OptionRight, F: number, K: number, s: number): number {
  const d1 = Math.log(F / K) / s + 0.5 * s;
  const d2 = d1 - s;
  return right === 'CE' ? F * normCdf(d1) - K * normCdf(d2) : K * normCdf(-d2) - F * normCdf(-d1);
}

function intrinsic(right: OptionRight, F: number, K: number): number {
  return Math.max(0, right === 'CE' ? F - K : K - F);
}

/** The forward and the discount factor a spec implies (NaN forward for bad inputs). */
function forwardOf(spec: OptionSpec): { F: number; D: number } {
  const { model, underlying, years, rate } = spec;
  const q = spec.dividendYield ?? 0;
  const D = Math.exp(-rate * years);
  const F = model === 'black76' ? underlying : underlying * Math.exp((rate - q) * years);
  return { F, D };
}

function validSpec(spec: OptionSpec): boolean {
  return (
    (spec.right === 'CE' || spec.right === 'PE') &&
    spec.underlying > 0 &&
    spec.strike > 0 &&
    spec.years >= 0 &&
    Number.isFinite(spec.underlying) &&
    Number.isFinite(spec.strike) &&
    Number.isFinite(spec.years) &&
    Number.isFinite(spec.rate) &&
    Number.isFinite(spec.dividendYield ?? 0)
  );
}

/** Price of a European option at volatility `vol` (0.2 = 20 %); intrinsic at expiry; NaN on bad input. */
export function optionPrice(spec: OptionSpec, vol: number): number {
  if (!validSpec(spec) || !(vol >= 0) || !Number.isFinite(vol)) return NaN;
  const { F, D } = forwardOf(spec);
  const s = vol * Math.sqrt(spec.years);
  if (s === 0) return D * intrinsic(spec.right, F, spec.strike);
  return D * blackUndiscounted(spec.right, F, spec.strike, s);
}

/** Black-76: an option on a future at F, discounted at rate r. */
export function black76(right: OptionRight, F: number, K: number, years: number, vol: number, rate: number): number {
  return optionPrice({ model: 'black76', right, underlying: F, strike: K, years, rate }, vol);
}

/** Black-Scholes: an option on spot S with a continuous dividend yield q. */
export function blackScholes(right: OptionRight, S: number, K: number, years: number, vol: number, rate: number, dividendYield = 0): number {
  return optionPrice({ model: 'bs', right, underlying: S, strike: K, years, rate, dividendYield }, vol);
}

// ---------------------------------------------------------------------------------------------
// Greeks

const NAN_GREEKS: Greeks = Object.freeze({ delta: NaN, gamma: NaN, theta: NaN, vega: NaN, rho: NaN });

/**
 * Analytic Greeks at volatility `vol` (units in Greeks). NaN for each when the option has expired
 * or `vol` is not positive (the sensitivities are not defined there).
 */
export function optionGreeks(spec: OptionSpec, vol: number): Greeks {
  if (!validSpec(spec) || !(vol > 0) || !Number.isFinite(vol) || !(spec.years > 0)) return NAN_GREEKS;
  const { right, strike: K, years: T, rate: r } = spec;
  const { F, D } = forwardOf(spec);
  const sqrtT = Math.sqrt(T);
  const s = vol * sqrtT;
  const d1 = Math.log(F / K) / s + 0.5 * s;
  const d2 = d1 - s;
  const call = right === 'CE';
  const nd1 = call ? normCdf(d1) : -normCdf(-d1); // ∂(undiscounted price)/∂F
  const nd2 = call ? normCdf(d2) : -normCdf(-d2);
  const pdf = normPdf(d1);
  const price = D * (F * nd1 - K * nd2);
  // Decay of the undiscounted value as expiry nears, with F held (in rupees per year).
  const decay = (D * F * pdf * vol) / (2 * sqrtT);
  let delta: number, gamma: number, thetaYear: number, rhoUnit: number;
  if (spec.model === 'black76') {
    delta = D * nd1;
    gamma = (D * pdf) / (F * s);
    thetaYear = r * price - decay;
    rhoUnit = -T * price;
  } else {
    const S = spec.underlying;
    const q = spec.dividendYield ?? 0;
    const Dq = Math.exp(-q * T); // F·D = S·Dq
    delta = Dq * nd1;
    gamma = (Dq * pdf) / (S * s);
    thetaYear = -decay + q * S * Dq * nd1 - r * K * D * nd2;
    rhoUnit = K * T * D * nd2;
  }
  return {
    delta,
    gamma,
    theta: thetaYear / DAYS_PER_YEAR,
    vega: (D * F * pdf * sqrtT) / 100,
    rho: rhoUnit / 100,
  };
}

// ---------------------------------------------------------------------------------------------
// Implied volatility

/**
 * Why no volatility came out:
 * - 'bad-input': a non-finite or non-positive price, underlying, strike or rate.
 * - 'expired': no time left.
 * - 'below-intrinsic': the price is under the no-arbitrage floor, D·max(F−K, 0) for a call.
 * - 'no-time-value': the price equals the floor; only σ = 0 fits.
 * - 'above-bound': at or over the ceiling (D·F for a call, D·K for a put); only σ = ∞ fits.
 */
export type IvReason = 'bad-input' | 'expired' | 'below-intrinsic' | 'no-time-value' | 'above-bound';

export interface IvResult {
  /** Annualised volatility (0.2 = 20 %); NaN when `reason` is set. */
  vol: number;
  reason?: IvReason;
  /** Pricer evaluations the solve took. */
  iterations: number;
}

const fail = (reason: IvReason): IvResult => ({ vol: NaN, reason, iterations: 0 });

/** Total volatility s = σ√T beyond which an out-of-the-money option is worth its bound. */
const S_MAX = 60;
const MAX_ITERATIONS = 100;
const MIN_NORMAL = 2 ** -1022;

/**
 * The volatility at which the pricer gives `price`. Solves for s = σ√T on the out-of-the-money
 * side (an in-the-money option's time value is the out-of-the-money price, by parity), with
 * Newton-type (Halley) steps on ln(price) — well scaled from a few paise to the bound — kept
 * inside a bracket that every evaluation narrows; a step that leaves the bracket is replaced by
 * bisection. Typically 3–5 pricer evaluations; never more than MAX_ITERATIONS for any input,
 * deep in or out of the money and in the last hour as much as at the money. Never throws.
 */
export function impliedVol(spec: OptionSpec, price: number): IvResult {
  if (!validSpec(spec) || !Number.isFinite(price) || price < 0) return fail('bad-input');
  if (!(spec.years > 0)) return fail('expired');
  const { F, D } = forwardOf(spec);
  const K = spec.strike;
  if (!(F > 0) || !Number.isFinite(F) || !(D > 0)) return fail('bad-input');
  const p = price / D;
  const floor = intrinsic(spec.right, F, K);
  const ceiling = spec.right === 'CE' ? F : K;
  // A price within rounding of the floor is at it (intrinsic − p ≈ ε·(F+K) after discounting).
  const eps = 4 * Number.EPSILON * (F + K);
  if (p < floor - eps) return fail('below-intrinsic');
  if (p >= ceiling) return fail('above-bound');
  const tv = p - floor; // the out-of-the-money option's price, undiscounted
  // A subnormal time value (under 2.2e-308) has lost its precision: as good as none.
  if (!(tv >= MIN_NORMAL) || (floor > 0 && tv <= eps)) return fail('no-time-value');

  const otm: OptionRight = F >= K ? 'PE' : 'CE';
  const x = Math.log(F / K);
  const target = Math.log(tv);
  // Bracket [lo, hi]: otm(lo) < tv ≤ otm(hi). otm(0) = 0.
  let lo = 0;
  let hi = S_MAX;
  if (blackUndiscounted(otm, F, K, hi) < tv) return fail('above-bound');
  // ln(otm) is concave in s, so Newton steps from below the root stay below it and climb to it
  // monotonically. Start below it: at the larger of two lower estimates, the at-the-money one
  // (price ≈ √(FK)·s/√(2π), and moving away from the money only lowers the price) and the tail's
  // leading term (ln(price/√(FK)) ≈ −x²/2s², whose neglected terms push the root higher).
  const rootFK = Math.sqrt(F) * Math.sqrt(K);
  const lnNormalized = Math.log(tv / rootFK);
  let s = Math.min(hi / 2, Math.max((SQRT_2PI * tv) / rootFK, lnNormalized < 0 ? Math.abs(x) / Math.sqrt(-2 * lnNormalized) : 0));
  if (!(s > 0)) s = hi / 2;
  let iterations = 0;
  while (iterations < MAX_ITERATIONS) {
    iterations++;
    const v = blackUndiscounted(otm, F, K, s);
    const g = Math.log(v) - target;
    if (g === 0) break;
    if (Number.isNaN(g)) return { vol: NaN, reason: 'bad-input', iterations }; // only at extremes of the double range
    if (g < 0) lo = s;
    else hi = s;
    // Halley's step on g = ln(otm) − ln(tv): with otm' = F·φ(d1) and otm'' = otm'·d1·d2/s,
    // g' = otm'/otm and g'' = otm''/otm − g'².
    const d1 = x / s + 0.5 * s;
    const g1 = (F * normPdf(d1)) / v;
    const g2 = (g1 * d1 * (d1 - s)) / s - g1 * g1;
    let next = s - g / g1 / (1 - (g * g2) / (2 * g1 * g1));
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (Math.abs(next - s) <= 1e-12 * s || hi - lo <= 1e-15 * hi) {
      s = next;
      break;
    }
    s = next;
  }
  return { vol: s / Math.sqrt(spec.years), iterations };
}
