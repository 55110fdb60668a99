// NSE's derivative calendar as the simulator lists it: index options expire on Tuesdays (weekly;
// the month's last Tuesday is the monthly, as since September 2025), and Kite-format symbols:
// a weekly NAME+YY+M+DD (M = 1–9, O, N, D), a monthly NAME+YY+MMM, futures NAME+YY+MMM+FUT.
// Exchange holidays (an expiry moving to the day before) are not modelled.
import { expiryMs } from '../../analytics/options';

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const TUESDAY = 2;

function iso(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** Is `expiry` (YYYY-MM-DD, a Tuesday) the month's last Tuesday? */
export function isMonthlyExpiry(expiry: string): boolean {
  const d = new Date(`${expiry}T00:00:00Z`);
  const next = new Date(d.getTime() + 7 * 86400_000);
  return next.getUTCMonth() !== d.getUTCMonth();
}

/** Tuesdays whose expiry moment (15:30 IST) is after `ms`, nearest first. */
function* tuesdaysAfter(ms: number): Generator<string> {
  const d = new Date(ms);
  d.setUTCHours(0, 0, 0, 0);
  while (d.getUTCDay() !== TUESDAY || expiryMs(iso(d), 'NFO') <= ms) d.setUTCDate(d.getUTCDate() + 1);
  for (;;) {
    yield iso(d);
    d.setUTCDate(d.getUTCDate() + 7);
  }
}

/** The nearest weekly (a Tuesday that is not the month's last) and monthly expiry after `ms`. */
export function nseIndexExpiries(ms: number): { weekly: string; monthly: string } {
  let weekly = '';
  let monthly = '';
  for (const e of tuesdaysAfter(ms)) {
    if (isMonthlyExpiry(e)) monthly ||= e;
    else weekly ||= e;
    if (weekly && monthly) return { weekly, monthly };
  }
  throw new Error('unreachable');
}

/** NAME+YY+MMM: the monthly contracts' stem (NIFTY26DEC). */
export function monthlyStem(name: string, expiry: string): string {
  const [y, m] = expiry.split('-');
  return name + y.slice(2) + MONTHS[Number(m) - 1];
}

/** A Kite-format option symbol: the weekly form unless `expiry` is its month's last Tuesday. */
export function optionSymbol(name: string, expiry: string, strike: number, right: 'CE' | 'PE'): string {
  if (isMonthlyExpiry(expiry)) return `${monthlyStem(name, expiry)}${strike}${right}`;
  const [y, m, d] = expiry.split('-');
  return `${name}${y.slice(2)}${'123456789OND'[Number(m) - 1]}${d}${strike}${right}`;
}

/** A Kite-format future symbol (NIFTY26DECFUT). */
export function futureSymbol(name: string, expiry: string): string {
  return `${monthlyStem(name, expiry)}FUT`;
}
