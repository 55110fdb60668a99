// India Standard Time (UTC+05:30, no daylight saving): the clock Indian markets and brokers use.

export const IST_MS = 19_800_000;

/** The IST calendar day of a moment, YYYY-MM-DD. */
export function istDay(ms: number): string {
  return new Date(ms + IST_MS).toISOString().slice(0, 10);
}

/** IST wall-clock time "YYYY-MM-DD HH:MM:SS", as Kite's and Dhan's REST APIs write it. */
export function istWallClock(ms: number): string {
  return new Date(ms + IST_MS).toISOString().slice(0, 19).replace('T', ' ');
}

/** NSE cash/F&O hours, Monday–Friday 09:15–15:30 IST (exchange holidays not yet known here). */
export function marketOpen(ms: number): boolean {
  const d = new Date(ms + IST_MS);
  const day = d.getUTCDay();
  const minutes = d.getUTCHours() * 60 + d.getUTCMinutes();
  return day >= 1 && day <= 5 && minutes >= 9 * 60 + 15 && minutes < 15 * 60 + 30;
}
