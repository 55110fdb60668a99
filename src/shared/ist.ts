// India Standard Time (UTC+05:30, no daylight saving): the clock Indian markets and brokers use.

/** The one IST offset, in seconds; every other form of it is derived from this. */
export const IST_OFFSET_S = 5.5 * 3600;
export const IST_MS = IST_OFFSET_S * 1000;

/** The IST calendar day of a moment, YYYY-MM-DD. */
export function istDay(ms: number): string {
  return new Date(ms + IST_MS).toISOString().slice(0, 10);
}

/** IST wall-clock time "YYYY-MM-DD HH:MM:SS", as Kite's and Dhan's REST APIs write it. */
export function istWallClock(ms: number): string {
  return new Date(ms + IST_MS).toISOString().slice(0, 19).replace('T', ' ');
}

/** ms → ISO 8601 in IST with its offset, e.g. 2026-11-20T09:15:00.000+05:30. */
export function isoIst(ms: number): string {
  return new Date(ms + IST_MS).toISOString().replace('Z', '+05:30');
}

/** NSE cash/F&O hours, Monday–Friday 09:15–15:30 IST (exchange holidays not yet known here). */
export function marketOpen(ms: number): boolean {
  const d = new Date(ms + IST_MS);
  const day = d.getUTCDay();
  const minutes = d.getUTCHours() * 60 + d.getUTCMinutes();
  return day >= 1 && day <= 5 && minutes >= 9 * 60 + 15 && minutes < 15 * 60 + 30;
}
