// The trading session a moment belongs to, for what is counted "per session": the traded volume at
// price and the previous session's closing OI. A session opens at 09:00 IST with the pre-open
// (its auction's trade is part of the day's volume) on a trading day (NSE's calendar: weekdays
// that are not exchange holidays) and lasts until the next one opens, so a Saturday, a holiday, or
// 07:30 on a Monday is still the last trading day's session.
import { IST_MS, istDay } from '../../shared/ist';
import { isTradingDay } from '../../shared/nse-calendar';

const DAY_MS = 86_400_000;
/** Minutes after IST midnight when a session opens (the pre-open). */
export const SESSION_OPEN_MIN = 9 * 60;

const trading = (istDayNo: number) => isTradingDay(istDay(istDayNo * DAY_MS - IST_MS));
/** ms UTC of `minutes` after midnight IST on IST day number `day`. */
const at = (day: number, minutes: number) => day * DAY_MS - IST_MS + minutes * 60_000;

/** The opening moment (ms UTC) of the latest session that has opened by `ms`. */
export function sessionStart(ms: number): number {
  let day = Math.floor((ms + IST_MS) / DAY_MS);
  if (ms < at(day, SESSION_OPEN_MIN)) day--;
  while (!trading(day)) day--;
  return at(day, SESSION_OPEN_MIN);
}

/** The opening moment of the session after the one `ms` belongs to. */
export function nextSessionStart(ms: number): number {
  let day = Math.floor((sessionStart(ms) + IST_MS) / DAY_MS) + 1;
  while (!trading(day)) day++;
  return at(day, SESSION_OPEN_MIN);
}

/** The opening moment of the session before the one `ms` belongs to. */
export function previousSessionStart(ms: number): number {
  return sessionStart(sessionStart(ms) - 1);
}

/** The moment (ms UTC) `minutes` after IST midnight on the day a session opened. */
export function sessionDayAt(start: number, minutes: number): number {
  return at(Math.floor((start + IST_MS) / DAY_MS), minutes);
}
