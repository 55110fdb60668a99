// Upstox historical candles, v3 (specs/fyers-upstox-yahoo.md §2.5):
// GET /v3/historical-candle/{key}/{unit}/{interval}/{to_date}/{from_date} (dates YYYY-MM-DD, IST,
// both inclusive) for the days before today, and /v3/historical-candle/intraday/{key}/{unit}/{interval}
// for today. Rows [ISO time +05:30, o, h, l, c, volume, oi], newest first: reversed here. A request
// may cover at most one month (1–15 minutes), one quarter (longer minutes, hours) or one decade
// (days) — more is refused as an invalid request — so ranges are paged by IST calendar days well
// inside those spans; minutes and hours go back to January 2022, days to January 2000. Every request
// under the user's REST budget; 429s and network errors retried.
import { istDay } from '../../../shared/ist';
import type { Candle, CandleInterval } from '../../../shared/model';
import { InputError } from '../errors';
import { limitedWithRetry, type RateLimiter, type RetryOptions } from '../rate-limit';
import { bearer, RATE_PER_SECOND, upstoxRequest, UpstoxRateLimiter } from './rest';

const BROKER = 'upstox';

/**
 * Our intervals as Upstox's unit and interval, with the longest span one request covers in IST
 * calendar days, both ends inclusive: 28 days is a month from any day (February included), 89 a
 * quarter (February to April), 3650 a decade.
 */
export const UPSTOX_INTERVALS: Partial<Record<CandleInterval, { unit: 'minutes' | 'hours' | 'days'; interval: number; maxDays: number }>> = {
  '1m': { unit: 'minutes', interval: 1, maxDays: 28 },
  '3m': { unit: 'minutes', interval: 3, maxDays: 28 },
  '5m': { unit: 'minutes', interval: 5, maxDays: 28 },
  '10m': { unit: 'minutes', interval: 10, maxDays: 28 },
  '15m': { unit: 'minutes', interval: 15, maxDays: 28 },
  '25m': { unit: 'minutes', interval: 25, maxDays: 89 },
  '30m': { unit: 'minutes', interval: 30, maxDays: 89 },
  '1h': { unit: 'hours', interval: 1, maxDays: 89 },
  '1d': { unit: 'days', interval: 1, maxDays: 3650 },
};

/** The first day each unit has history for. */
export const UPSTOX_HISTORY_FROM: Readonly<Record<'minutes' | 'hours' | 'days', string>> = { minutes: '2022-01-01', hours: '2022-01-01', days: '2000-01-01' };

export { RATE_PER_SECOND };

/** YYYY-MM-DD plus `n` days. */
export function addDays(day: string, n: number): string {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

export interface UpstoxHistoryPage {
  /** Intraday (today) or historical (from..to, IST days, inclusive). */
  kind: 'historical' | 'intraday';
  from?: string;
  to?: string;
}

/**
 * The requests covering [from, to] (ms) on `today` (IST day): historical pages of at most the
 * interval's span over the days before today (none before the unit's first day), oldest first, then
 * the intraday one when the range reaches today.
 */
export function upstoxHistoryPages(from: number, to: number, interval: CandleInterval, today: string): UpstoxHistoryPage[] {
  const spec = UPSTOX_INTERVALS[interval];
  if (!spec) throw new InputError(`Upstox has no ${interval} candles (it offers ${Object.keys(UPSTOX_INTERVALS).join(', ')})`, BROKER);
  if (to < from) return [];
  const first = [istDay(from), UPSTOX_HISTORY_FROM[spec.unit]].sort()[1];
  const lastDay = istDay(to);
  const last = [lastDay, addDays(today, -1)].sort()[0];
  const pages: UpstoxHistoryPage[] = [];
  // Backwards from the last day: Upstox measures a span as "leading up to the to_date".
  for (let end = last; end >= first; end = addDays(end, -spec.maxDays)) {
    const start = [addDays(end, -(spec.maxDays - 1)), first].sort()[1];
    pages.unshift({ kind: 'historical', from: start, to: end });
  }
  if (lastDay >= today && istDay(from) <= today) pages.push({ kind: 'intraday' });
  return pages;
}

/** One candle row, or null when it cannot be read (counted as skipped by the caller). */
export function parseUpstoxCandle(row: unknown, withOi: boolean): Candle | null {
  if (!Array.isArray(row) || row.length < 6 || typeof row[0] !== 'string') return null;
  const ms = Date.parse(row[0]);
  const c: Candle = { t: ms / 1000, o: Number(row[1]), h: Number(row[2]), l: Number(row[3]), c: Number(row[4]), v: Number(row[5]) };
  if (![c.t, c.o, c.h, c.l, c.c, c.v].every(Number.isFinite) || !Number.isInteger(c.t)) return null;
  if (withOi && row.length > 6 && Number.isFinite(Number(row[6]))) c.oi = Number(row[6]);
  return c;
}

export interface UpstoxHistoryOptions extends RetryOptions {
  /** `https://api.upstox.com`, or the simulator's. */
  apiRoot: string;
  accessToken: string;
  /** Shared with every other REST call of the session. */
  limiter?: RateLimiter;
  /** Open interest from the 7th column (derivatives). */
  oi?: boolean;
  now?: () => number;
  onPage?: (p: { page: number; pages: number; candles: number; retries: number }) => void;
}

/** Candles of one instrument key over [from, to] (ms), paged, in time order, each bucket once; unreadable rows skipped. */
export async function fetchUpstoxHistory(o: UpstoxHistoryOptions, key: string, interval: CandleInterval, from: number, to: number): Promise<Candle[]> {
  const pages = upstoxHistoryPages(from, to, interval, istDay((o.now ?? Date.now)()));
  const { unit, interval: n } = UPSTOX_INTERVALS[interval]!;
  const limiter = o.limiter ?? new UpstoxRateLimiter();
  const stats = { retries: 0 };
  const got: Candle[] = [];
  const k = encodeURIComponent(key);
  for (const [i, p] of pages.entries()) {
    const path = p.kind === 'intraday' ? `/v3/historical-candle/intraday/${k}/${unit}/${n}` : `/v3/historical-candle/${k}/${unit}/${n}/${p.to}/${p.from}`;
    const what = `Upstox history ${key} ${unit}/${n} ${p.kind === 'intraday' ? 'today' : `${p.from}–${p.to}`}`;
    const body = await limitedWithRetry(limiter, o, () => stats.retries++, () => upstoxRequest(`${o.apiRoot}${path}`, { headers: bearer(o.accessToken) }, what));
    const rows = (body.data as { candles?: unknown } | undefined)?.candles;
    for (const r of Array.isArray(rows) ? rows : []) {
      const c = parseUpstoxCandle(r, !!o.oi);
      if (c && c.t * 1000 >= from && c.t * 1000 <= to) got.push(c);
    }
    o.onPage?.({ page: i + 1, pages: pages.length, candles: got.length, retries: stats.retries });
  }
  // Newest first within a page; pages oldest first: sorted, then each bucket once.
  got.sort((a, b) => a.t - b.t);
  return got.filter((c, j) => j === 0 || c.t !== got[j - 1].t);
}
