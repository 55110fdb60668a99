// One price path per underlying (an index, a stock, a contract with no underlying here): a pure
// function of (token, time), continuous in time, that the live model samples at each event's
// timestamp and the history candles sample at each minute, so a chart's history runs into the
// live price. Derivatives are priced off it (see pricing.ts).
import { hash2 } from './hash';

/**
 * Volatility of the path's log price per √second at scale 1: calibrated so that an index moves
 * about 0.25 % in an hour (one standard deviation) and about 0.03 % in a minute, as NIFTY does on
 * an ordinary day.
 */
const UNIT = 3.6e-5;
/** Octaves of value noise: periods 2 s, 4 s, … 2^17 s (36 h), amplitude ∝ √period (Brownian-like). */
const OCTAVES = 17;
const AMPLITUDES = Array.from({ length: OCTAVES }, (_, k) => UNIT * Math.sqrt(2 ** (k + 1)));

/** How much an underlying moves against an index (1): stocks more, a currency pair much less. */
export function pathScale(ins: { segment: string; exchange: string }): number {
  if (ins.segment === 'INDICES') return 1;
  if (ins.exchange === 'CDS' || ins.exchange === 'BCD') return 0.3;
  if (ins.exchange === 'MCX') return 1.5;
  return 1.6;
}

/**
 * The path's log deviation from the base price at `ms` (UTC): slow waves (days to weeks) plus
 * octaves of value noise interpolated between their grid points, so it is continuous in time and
 * every sub-interval has its own wiggles down to a couple of seconds. Bounded (|x| < 0.1 at
 * scale 1.6), so prices stay near their base however long a run is.
 */
export function pathLog(token: number, ms: number, scale = 1): number {
  const minute = ms / 60_000;
  const ph = (k: number) => hash2(token, k) * 2 * Math.PI;
  let x = 0.02 * Math.sin(minute / 9000 + ph(1)) + 0.008 * Math.sin(minute / 1400 + ph(2));
  const sec = ms / 1000;
  for (let k = 0; k < OCTAVES; k++) {
    const u = sec / 2 ** (k + 1) + hash2(token, 100 + k); // a per-octave shift: grids don't align
    const i = Math.floor(u);
    const f = u - i;
    const key = token ^ Math.imul(k + 1, 0x2545f491);
    const a = hash2(key, i) * 2 - 1;
    const b = hash2(key, i + 1) * 2 - 1;
    x += AMPLITUDES[k] * (a + (b - a) * f);
  }
  return x * scale;
}

/** The path's price at `ms`, unrounded. */
export function pathPrice(token: number, basePrice: number, ms: number, scale = 1): number {
  return basePrice * Math.exp(pathLog(token, ms, scale));
}
