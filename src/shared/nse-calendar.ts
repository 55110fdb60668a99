// NSE's trading calendar in IST: trading holidays, weekends, and each day's sessions by segment
// (pre-open call auction, continuous trading, the cash market's closing session). Pure, so the
// simulator, its history and the page can all ask whether, and how, the market trades at a moment.
import { IST_MS, istDay } from './ist';

/**
 * Trading holidays of the cash and F&O segments that fall on weekdays, by IST date.
 *
 * 2025: NSE's list for the calendar year (14 days), as published in December 2024 and reported
 * e.g. by sakshipost.com on 24 Feb 2025.
 * 2026: NSE's list for the calendar year (khelja.in, 1 Jan 2026; its "21 July, Muharram" is 26 June,
 * per NDTV Profit and the Economic Times), plus 15 January, made a trading holiday for the
 * Maharashtra municipal elections by NSE's circular of 12 January 2026 (DNA India, news9live).
 * Holidays on a Saturday or Sunday (2026: Mahashivratri, Id-Ul-Fitr, Independence Day, Diwali
 * Laxmi Pujan) change nothing and are left out. Diwali's evening Muhurat session is not modelled.
 */
const HOLIDAYS: Readonly<Record<string, string>> = {
  '2025-02-26': 'Mahashivratri',
  '2025-03-14': 'Holi',
  '2025-03-31': 'Id-Ul-Fitr',
  '2025-04-10': 'Shri Mahavir Jayanti',
  '2025-04-14': 'Dr. Baba Saheb Ambedkar Jayanti',
  '2025-04-18': 'Good Friday',
  '2025-05-01': 'Maharashtra Day',
  '2025-08-15': 'Independence Day',
  '2025-08-27': 'Ganesh Chaturthi',
  '2025-10-02': 'Mahatma Gandhi Jayanti, Dussehra',
  '2025-10-21': 'Diwali Laxmi Pujan',
  '2025-10-22': 'Diwali Balipratipada',
  '2025-11-05': 'Guru Nanak Jayanti',
  '2025-12-25': 'Christmas',
  '2026-01-15': 'Maharashtra municipal elections',
  '2026-01-26': 'Republic Day',
  '2026-03-03': 'Holi',
  '2026-03-26': 'Shri Ram Navami',
  '2026-03-31': 'Shri Mahavir Jayanti',
  '2026-04-03': 'Good Friday',
  '2026-04-14': 'Dr. Baba Saheb Ambedkar Jayanti',
  '2026-05-01': 'Maharashtra Day',
  '2026-05-28': 'Bakri Id',
  '2026-06-26': 'Muharram',
  '2026-09-14': 'Ganesh Chaturthi',
  '2026-10-02': 'Mahatma Gandhi Jayanti',
  '2026-10-20': 'Dussehra',
  '2026-11-10': 'Diwali Balipratipada',
  '2026-11-24': 'Guru Nanak Jayanti',
  '2026-12-25': 'Christmas',
};

/** The years whose exchange list is above. */
const PUBLISHED_YEARS = new Set(['2025', '2026']);

/**
 * Other years: only the holidays on a fixed date every year are known here (the festivals move
 * with the lunar calendar, and the exchange publishes each year's list in December).
 */
const FIXED_DATE: Readonly<Record<string, string>> = {
  '01-26': 'Republic Day',
  '05-01': 'Maharashtra Day',
  '08-15': 'Independence Day',
  '10-02': 'Mahatma Gandhi Jayanti',
  '12-25': 'Christmas',
};

/**
 * When a simulated market trades: 'always' (around the clock, so the demo moves at night), or
 * 'nse': on this calendar (`--sim-clock nse`).
 */
export type MarketClock = 'always' | 'nse';

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

function weekday(day: string): number {
  return new Date(`${day}T00:00:00Z`).getUTCDay();
}

/** The IST date `n` days after `day` (YYYY-MM-DD). */
export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86400_000).toISOString().slice(0, 10);
}

/** 00:00 IST of `day`, in ms UTC. */
export function istMidnightOf(day: string): number {
  return Date.parse(`${day}T00:00:00Z`) - IST_MS;
}

/** The holiday's name when `day` is an exchange holiday on a weekday; undefined otherwise. */
export function holidayName(day: string): string | undefined {
  if (PUBLISHED_YEARS.has(day.slice(0, 4))) return HOLIDAYS[day];
  const wd = weekday(day);
  return wd === 0 || wd === 6 ? undefined : FIXED_DATE[day.slice(5)];
}

/** Monday to Friday and not an exchange holiday. */
export function isTradingDay(day: string): boolean {
  const wd = weekday(day);
  return wd !== 0 && wd !== 6 && holidayName(day) === undefined;
}

/** The last trading day before `day`. */
export function previousTradingDay(day: string): string {
  let d = addDays(day, -1);
  while (!isTradingDay(d)) d = addDays(d, -1);
  return d;
}

/** The first trading day after `day`. */
export function nextTradingDay(day: string): string {
  let d = addDays(day, 1);
  while (!isTradingDay(d)) d = addDays(d, 1);
  return d;
}

/** `day` itself when it trades, else the trading day before it (where an expiry on a holiday moves). */
export function tradingDayOnOrBefore(day: string): string {
  return isTradingDay(day) ? day : previousTradingDay(day);
}

/**
 * How a kind of instrument trades through the day:
 * - cash: equities. Pre-open 09:00–09:15 (order entry to 09:08, when the call auction finds the
 *   equilibrium price and trades at it; 09:08–09:15 a buffer), continuous 09:15–15:30, and the
 *   closing session 15:40–16:00, which trades at the day's closing price only.
 * - index: pre-open value at 09:08 (from the equilibrium prices), then continuous 09:15–15:30.
 * - futures: near-month index and stock futures. NSE gave them the same pre-open call auction from
 *   8 December 2025 (order entry to 09:08, matching to 09:12, buffer to 09:15); continuous after.
 * - derivatives: options and far-month futures, continuous 09:15–15:30 only.
 * - currency: NSE's currency derivatives, continuous 09:00–17:00.
 * - commodity: MCX, 09:00–23:30 (23:55 while the US is on daylight saving time). MCX's own
 *   holiday list is not modelled: on an NSE trading holiday it has its evening session only
 *   (17:00 on), as on most of them.
 */
export type SessionKind = 'cash' | 'index' | 'futures' | 'derivatives' | 'currency' | 'commodity';

/** Where a moment falls in an instrument's trading day. */
export type SessionPhase = 'closed' | 'pre-open' | 'open' | 'closing';

/** One part of a trading day, in ms UTC ([start, end)). */
export interface SessionWindow {
  phase: Exclude<SessionPhase, 'closed'>;
  start: number;
  end: number;
  /** Pre-open: when the call auction finds the equilibrium price (09:08 IST). */
  auctionAt?: number;
}

/** The first day of the F&O pre-open session (NSE circular, effective 8 December 2025). */
const FUTURES_PRE_OPEN_FROM = '2025-12-08';

const minutes = (h: number, m: number) => (h * 60 + m) * 60_000;

/** The second Sunday of March to the first Sunday of November: MCX then trades to 23:55. */
function usDaylightSaving(day: string): boolean {
  const year = Number(day.slice(0, 4));
  const nthSunday = (month: number, n: number) => {
    const first = new Date(Date.UTC(year, month, 1)).getUTCDay();
    return new Date(Date.UTC(year, month, 1 + ((7 - first) % 7) + 7 * (n - 1))).toISOString().slice(0, 10);
  };
  return day >= nthSunday(2, 2) && day < nthSunday(10, 1);
}

/** The sessions of `day` (IST date) for `kind`, in time order; none on a day it does not trade. */
export function sessionWindows(day: string, kind: SessionKind): SessionWindow[] {
  const midnight = istMidnightOf(day);
  const at = (h: number, m: number) => midnight + minutes(h, m);
  if (kind === 'commodity') {
    const wd = weekday(day);
    if (wd === 0 || wd === 6) return [];
    const end = usDaylightSaving(day) ? at(23, 55) : at(23, 30);
    return [{ phase: 'open', start: isTradingDay(day) ? at(9, 0) : at(17, 0), end }];
  }
  if (!isTradingDay(day)) return [];
  if (kind === 'currency') return [{ phase: 'open', start: at(9, 0), end: at(17, 0) }];
  const out: SessionWindow[] = [];
  if (kind === 'cash' || kind === 'index' || (kind === 'futures' && day >= FUTURES_PRE_OPEN_FROM))
    out.push({ phase: 'pre-open', start: at(9, 0), end: at(9, 15), auctionAt: at(9, 8) });
  out.push({ phase: 'open', start: at(9, 15), end: at(15, 30) });
  if (kind === 'cash') out.push({ phase: 'closing', start: at(15, 40), end: at(16, 0) });
  return out;
}

/** The window `ms` falls in for `kind`, if any. */
export function sessionAt(ms: number, kind: SessionKind): SessionWindow | undefined {
  return sessionWindows(istDay(ms), kind).find((w) => ms >= w.start && ms < w.end);
}

/** Where `ms` falls in `kind`'s trading day. */
export function sessionPhase(ms: number, kind: SessionKind): SessionPhase {
  return sessionAt(ms, kind)?.phase ?? 'closed';
}

/**
 * The last moment at or before `ms` at which `kind` printed a price: `ms` itself in continuous
 * trading, else the end of the last continuous session, the pre-open's auction, or the closing
 * session (whose trades are at the day's closing price) — whichever came last. Searches back a
 * month (no market closes for longer).
 */
export function lastPrintAt(ms: number, kind: SessionKind): { at: number; phase: SessionWindow['phase']; day: string } | undefined {
  let day = istDay(ms);
  for (let back = 0; back < 31; back++, day = addDays(day, -1)) {
    const windows = sessionWindows(day, kind);
    for (let i = windows.length - 1; i >= 0; i--) {
      const w = windows[i];
      if (w.phase === 'pre-open') {
        if (ms >= w.auctionAt!) return { at: w.auctionAt!, phase: w.phase, day };
      } else if (ms >= w.start) return { at: Math.min(ms, w.end), phase: w.phase, day };
    }
  }
  return undefined;
}

/** When `kind`'s next continuous session after `ms` starts. */
export function nextOpenAt(ms: number, kind: SessionKind = 'cash'): number {
  let day = istDay(ms);
  for (let ahead = 0; ahead < 31; ahead++, day = addDays(day, 1)) {
    const open = sessionWindows(day, kind).find((w) => w.phase === 'open' && w.start > ms);
    if (open) return open.start;
  }
  throw new Error(`no session within a month of ${new Date(ms).toISOString()}`);
}

/** "Mon 09:15 IST". */
function istWeekdayTime(ms: number): string {
  const d = new Date(ms + IST_MS);
  return `${WEEKDAYS[d.getUTCDay()]} ${d.toISOString().slice(11, 16)} IST`;
}

/**
 * The cash market's state at `ms` as a status line says it: "market open · closes 15:30 IST",
 * "pre-open · opens 09:15 IST", "closing session · trades at the close until 16:00 IST",
 * "market closed (Holi) — opens Wed 09:15 IST".
 */
export function nseMarketState(ms: number): { phase: SessionPhase; text: string } {
  const w = sessionAt(ms, 'cash');
  const hhmm = (t: number) => new Date(t + IST_MS).toISOString().slice(11, 16);
  if (w?.phase === 'open') return { phase: 'open', text: `market open · closes ${hhmm(w.end)} IST` };
  if (w?.phase === 'pre-open') return { phase: 'pre-open', text: `pre-open · opens ${hhmm(w.end)} IST` };
  if (w?.phase === 'closing') return { phase: 'closing', text: `closing session · trades at the close until ${hhmm(w.end)} IST` };
  const holiday = holidayName(istDay(ms));
  return { phase: 'closed', text: `market closed${holiday ? ` (${holiday})` : ''} — opens ${istWeekdayTime(nextOpenAt(ms))}` };
}
