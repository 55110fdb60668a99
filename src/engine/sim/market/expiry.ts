// NSE's derivative calendar as the simulator lists it: index options expire on Tuesdays (weekly;
// the month's last Tuesday is the monthly, as since September 2025), and Kite-format symbols:
// a weekly NAME+YY+M+DD (M = 1–9, O, N, D), a monthly NAME+YY+MMM, futures NAME+YY+MMM+FUT.
// An expiry Tuesday that is an exchange holiday moves to the trading day before it (Holi on
// Tuesday 3 March 2026: that week's contracts expire on Monday 2 March), as NSE moves them.
import { expiryMs } from '../../analytics/options';
import { tradingDayOnOrBefore } from '../../../shared/nse-calendar';

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const TUESDAY = 2;

function iso(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** The monthly expiry of a month (YYYY-MM): its last Tuesday, or the trading day before it. */
export function monthlyExpiryOf(month: string): string {
  const [y, m] = month.split('-').map(Number);
  const d = new Date(Date.UTC(y, m, 0)); // the month's last day
  while (d.getUTCDay() !== TUESDAY) d.setUTCDate(d.getUTCDate() - 1);
  return tradingDayOnOrBefore(iso(d));
}

/** Is `expiry` (YYYY-MM-DD) its month's monthly expiry (the last Tuesday, moved for a holiday)? */
export function isMonthlyExpiry(expiry: string): boolean {
  return monthlyExpiryOf(expiry.slice(0, 7)) === expiry;
}

/** Expiries (each Tuesday, moved for a holiday) whose moment (15:30 IST) is after `ms`, nearest first. */
function* tuesdaysAfter(ms: number): Generator<string> {
  const d = new Date(ms);
  d.setUTCHours(0, 0, 0, 0);
  while (d.getUTCDay() !== TUESDAY) d.setUTCDate(d.getUTCDate() - 1); // this week's, which may have moved back
  for (;;) {
    const expiry = tradingDayOnOrBefore(iso(d));
    if (expiryMs(expiry, 'NFO') > ms) yield expiry;
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

/** A Kite-format option symbol: the weekly form (the actual expiry date) unless `expiry` is the monthly. */
export function optionSymbol(name: string, expiry: string, strike: number, right: 'CE' | 'PE'): string {
  if (isMonthlyExpiry(expiry)) return `${monthlyStem(name, expiry)}${strike}${right}`;
  const [y, m, d] = expiry.split('-');
  return `${name}${y.slice(2)}${'123456789OND'[Number(m) - 1]}${d}${strike}${right}`;
}

/** A Kite-format future symbol (NIFTY26DECFUT). */
export function futureSymbol(name: string, expiry: string): string {
  return `${monthlyStem(name, expiry)}FUT`;
}
