// Display formatting, written once for every panel: prices with Indian digit grouping (24,140.75;
// 1,23,45,678.00), quantities in K / L / Cr, signed percentages with a neutral zero, IST times.
// Pure functions: the chart's axes, its legend, the watchlist and the canvases all call these.
import { IST_MS, marketOpen } from '../../shared/ist';
import type { CandleInterval } from '../../shared/model';

export { marketOpen };

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

export function istClock(ms: number): string {
  return new Date(ms + IST_MS).toISOString().slice(11, 19);
}

export function istTime(ms: number): string {
  return new Date(ms + IST_MS).toISOString().slice(11, 23);
}

/** Decimals that show every price on the tick grid exactly (at least 2): 0.05 → 2, 0.0025 → 4. */
export function decimalsFor(tickSize: number): number {
  if (!(tickSize > 0)) return 2;
  let d = 0;
  while (d < 6 && Math.abs(Math.round(tickSize * 10 ** d) - tickSize * 10 ** d) > 1e-9 * 10 ** d) d++;
  return Math.max(2, d);
}

/** "1234567" → "12,34,567": the last three digits, then pairs (the Indian system). */
function groupIndian(digits: string): string {
  if (digits.length <= 3) return digits;
  const head = digits.slice(0, -3);
  const tail = digits.slice(-3);
  let out = '';
  for (let i = head.length; i > 0; i -= 2) out = head.slice(Math.max(0, i - 2), i) + (out ? ',' + out : '');
  return `${out},${tail}`;
}

/** A number with Indian grouping and fixed decimals: 24140.75 → "24,140.75"; −0 and −0.00 read "0.00". */
export function grouped(v: number, decimals: number): string {
  const fixed = Math.abs(v).toFixed(decimals);
  const dot = fixed.indexOf('.');
  const int = dot < 0 ? fixed : fixed.slice(0, dot);
  const frac = dot < 0 ? '' : fixed.slice(dot);
  const negative = v < 0 && /[1-9]/.test(fixed);
  return (negative ? '-' : '') + groupIndian(int) + frac;
}

/** A price: Indian grouping at the instrument's decimals; "—" when unknown. */
export function price(v: number | undefined, decimals = 2): string {
  return v === undefined || !Number.isFinite(v) ? '—' : grouped(v, decimals);
}

/** A whole quantity in full: 1234567 → "12,34,567". */
export function qtyFull(v: number | undefined): string {
  return v === undefined || !Number.isFinite(v) ? '—' : grouped(Math.round(v), 0);
}

// Units of the Indian system, largest first: crore (10^7), lakh (10^5), thousand.
const UNITS: Array<[number, string]> = [
  [1e7, 'Cr'],
  [1e5, 'L'],
  [1e3, 'K'],
];

/**
 * A quantity (volume, OI) in K / L / Cr with three significant digits: 950 → "950", 27400 → "27.4K",
 * 341000 → "3.41L", 34100000 → "3.41Cr", 12345678900 → "1,235Cr". A value that rounds up to the
 * next unit takes it (99,960 → "1.00L", not "100.0K"), so every axis, legend and cell agrees.
 */
export function qty(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return '—';
  const a = Math.abs(v);
  const sign = v < 0 && a >= 0.5 ? '-' : '';
  if (a < 999.5) return sign + String(Math.round(a));
  let u = UNITS.findIndex(([size]) => a >= size);
  if (u < 0) u = UNITS.length - 1; // 999.5…999.99: "1.00K"
  const threeDigits = (x: number) => x.toFixed(x < 10 ? 2 : x < 100 ? 1 : 0);
  let text = threeDigits(a / UNITS[u][0]);
  if (u > 0 && Number(text) >= 100) text = threeDigits(a / UNITS[--u][0]); // 99,960 → "1.00L"
  if (u === 0 && Number(text) >= 1000) text = grouped(Math.round(a / UNITS[0][0]), 0); // "1,235Cr"
  return sign + text + UNITS[u][1];
}

/** The direction a change shows as, after rounding to what is displayed: zero is neutral. */
export function direction(v: number | undefined, decimals = 2): 'up' | 'down' | 'flat' {
  if (v === undefined || !Number.isFinite(v)) return 'flat';
  const r = Number(v.toFixed(decimals));
  return r > 0 ? 'up' : r < 0 ? 'down' : 'flat';
}

/** A signed percentage: "+1.45%", "-0.37%", and "0.00%" (never "-0.00%"). */
export function pct(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return '—';
  const dir = direction(v);
  return `${dir === 'up' ? '+' : dir === 'down' ? '-' : ''}${Math.abs(v).toFixed(2)}%`;
}

/** A signed change in price units: "+12.35", "-0.05", "0.00". */
export function signed(v: number | undefined, decimals = 2): string {
  if (v === undefined || !Number.isFinite(v)) return '—';
  const dir = direction(v, decimals);
  return `${dir === 'up' ? '+' : ''}${dir === 'flat' ? grouped(0, decimals) : grouped(v, decimals)}`;
}

/** Parts of an IST wall-clock moment (ms since the epoch). */
function istParts(ms: number) {
  const d = new Date(ms + IST_MS);
  return {
    day: DAYS[d.getUTCDay()],
    dd: String(d.getUTCDate()).padStart(2, '0'),
    mon: MONTHS[d.getUTCMonth()],
    yy: String(d.getUTCFullYear() % 100).padStart(2, '0'),
    yyyy: String(d.getUTCFullYear()),
    hhmm: d.toISOString().slice(11, 16),
    hhmmss: d.toISOString().slice(11, 19),
  };
}

/**
 * A bar's time for the chart's legend, in IST: daily bars by date ("Tue 02 Dec 2025", never
 * "00:00:00"), 1-second bars to the second, the rest to the minute ("02 Dec 10:41").
 */
export function barTime(tSec: number, interval: CandleInterval): string {
  const p = istParts(tSec * 1000);
  if (interval === '1d') return `${p.day} ${p.dd} ${p.mon} ${p.yyyy}`;
  return `${p.dd} ${p.mon} ${interval === '1s' ? p.hhmmss : p.hhmm}`;
}

/**
 * A label on the chart's time axis, for a time already moved to IST wall clock (the chart's times
 * are IST as if UTC). lightweight-charts' own labels call toLocaleString per label and paint: the
 * biggest item of a chart's first paint (~100 ms for four charts here) and of every repaint of the
 * axis. Same text as its labels for an en-US page ("2026", "Dec", "1", "09:15", "09:15:30"), except
 * the hour after midnight, which it prints as "24:05" and this as "00:05".
 * `type` is lightweight-charts' TickMarkType: 0 year, 1 month, 2 day of month, 3 time, 4 with seconds.
 */
export function tickMarkLabel(tIstSec: number, type: number): string {
  const d = new Date(tIstSec * 1000);
  switch (type) {
    case 0:
      return String(d.getUTCFullYear());
    case 1:
      return MONTHS[d.getUTCMonth()];
    case 2:
      return String(d.getUTCDate());
    case 3:
      return `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}`;
    default:
      return `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
  }
}
const two = (n: number) => (n < 10 ? `0${n}` : String(n));

/** The crosshair's label on the time axis, in IST, with the year: "Tue 02 Dec '25 10:41". */
export function crosshairTime(tSec: number, interval: CandleInterval): string {
  const p = istParts(tSec * 1000);
  const date = `${p.day} ${p.dd} ${p.mon} '${p.yy}`;
  if (interval === '1d') return date;
  return `${date} ${interval === '1s' ? p.hhmmss : p.hhmm}`;
}

/** An option's or future's expiry as traders say it: "2025-12-24" → "24 Dec". */
export function expiryShort(expiry: string): string {
  const [, m, d] = expiry.split('-');
  const mon = MONTHS[Number(m) - 1];
  return mon ? `${d} ${mon}` : expiry;
}
