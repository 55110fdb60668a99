// Fyers historical candles (specs/fyers-upstox-yahoo.md §1.5): GET /data/history with the ticker,
// a resolution, date_format=0 (range in epoch seconds), range_from/range_to and cont_flag=1,
// answered as rows [epochSec, o, h, l, c, v(, oi)]. Paged by the span one request may cover
// (chosen as conservatively as openalgo's: 60 days intraday, 300 daily, against the ~100 and ~366
// community clients report), under the app's REST budget; 429s and network errors retried.
import type { Candle, CandleInterval } from '../../../shared/model';
import { InputError } from '../errors';
import { limitedWithRetry, type RateLimiter, type RetryOptions } from '../rate-limit';
import { FyersRateLimiter, fyersRequest } from './rest';

const BROKER = 'fyers';

/** Our intervals by Fyers' resolution names, with the longest span one request covers (days). */
export const FYERS_INTERVALS: Partial<Record<CandleInterval, { resolution: string; maxDays: number }>> = {
  '1m': { resolution: '1', maxDays: 60 },
  '3m': { resolution: '3', maxDays: 60 },
  '5m': { resolution: '5', maxDays: 60 },
  '10m': { resolution: '10', maxDays: 60 },
  '15m': { resolution: '15', maxDays: 60 },
  '30m': { resolution: '30', maxDays: 60 },
  '1h': { resolution: '60', maxDays: 60 },
  '1d': { resolution: 'D', maxDays: 300 },
};

/** Requests a second, one budget per app across all REST (and 200 a minute: FyersRateLimiter). */
export const RATE_PER_SECOND = 10;

/**
 * Pages covering [from, to] (ms, inclusive), each at most the interval's span; a page ends one
 * second before the next begins (both ends are inclusive), so no candle is asked for twice.
 */
export function fyersHistoryPages(from: number, to: number, interval: CandleInterval): Array<{ from: number; to: number }> {
  const spec = FYERS_INTERVALS[interval];
  if (!spec) throw new InputError(`Fyers has no ${interval} candles (it offers ${Object.keys(FYERS_INTERVALS).join(', ')})`, BROKER);
  const span = spec.maxDays * 86400_000;
  const out: Array<{ from: number; to: number }> = [];
  for (let a = from; a <= to; a += span) out.push({ from: a, to: Math.min(to, a + span - 1000) });
  return out;
}

export interface FyersHistoryOptions extends RetryOptions {
  /** `https://api-t1.fyers.in/data`, or the simulator's. */
  dataRoot: string;
  appId: string;
  accessToken: string;
  /** Shared with every other REST call of the session. */
  limiter?: RateLimiter;
  /** Open interest as a 7th column (derivatives). */
  oi?: boolean;
  onPage?: (p: { page: number; pages: number; candles: number; retries: number }) => void;
}

/** Candles of one ticker over [from, to] (ms), paged, in time order, each bucket once; malformed rows skipped. */
export async function fetchFyersHistory(o: FyersHistoryOptions, ticker: string, interval: CandleInterval, from: number, to: number): Promise<Candle[]> {
  const pages = fyersHistoryPages(from, to, interval);
  const resolution = FYERS_INTERVALS[interval]!.resolution;
  const limiter = o.limiter ?? new FyersRateLimiter(RATE_PER_SECOND);
  const stats = { retries: 0 };
  const out: Candle[] = [];
  for (const [i, p] of pages.entries()) {
    const [a, b] = [Math.floor(p.from / 1000), Math.floor(p.to / 1000)];
    const q = new URLSearchParams({ symbol: ticker, resolution, date_format: '0', range_from: String(a), range_to: String(b), cont_flag: '1' });
    if (o.oi) q.set('oi_flag', '1');
    const body = await limitedWithRetry(limiter, o, () => stats.retries++, () =>
      fyersRequest(`${o.dataRoot}/history?${q}`, { headers: { Authorization: `${o.appId}:${o.accessToken}` } }, `Fyers history ${ticker} ${resolution} ${a}–${b}`),
    );
    // s: "no_data" is an empty range (a holiday, before listing), not an error.
    const rows = Array.isArray(body.candles) ? (body.candles as unknown[]) : [];
    for (const r of rows) {
      if (!Array.isArray(r) || r.length < 6) continue;
      const c: Candle = { t: Number(r[0]), o: Number(r[1]), h: Number(r[2]), l: Number(r[3]), c: Number(r[4]), v: Number(r[5]) };
      if (![c.t, c.o, c.h, c.l, c.c, c.v].every(Number.isFinite) || !Number.isInteger(c.t)) continue;
      if (r.length > 6 && Number.isFinite(Number(r[6]))) c.oi = Number(r[6]);
      if (out.length === 0 || c.t > out[out.length - 1].t) out.push(c);
    }
    o.onPage?.({ page: i + 1, pages: pages.length, candles: out.length, retries: stats.retries });
  }
  return out;
}
