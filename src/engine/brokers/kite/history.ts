// Kite historical candles (specs/kite.md §6.3): one request per page of at most the interval's
// maximum span, 3 requests a second, 429s retried with backoff, a 403 is "log in again".
import { istWallClock } from '../../../shared/ist';
import type { Candle, CandleInterval } from '../../../shared/model';
import { BrokerError, NetworkError } from '../errors';
import { kiteRestError } from './rest';
import { limitedWithRetry, RateLimiter, type RetryOptions } from '../rate-limit';

/** Kite's interval names and the longest span one request may cover (days). */
export const KITE_INTERVALS: Partial<Record<CandleInterval, { name: string; maxDays: number }>> = {
  '1m': { name: 'minute', maxDays: 60 },
  '3m': { name: '3minute', maxDays: 100 },
  '5m': { name: '5minute', maxDays: 100 },
  '10m': { name: '10minute', maxDays: 100 },
  '15m': { name: '15minute', maxDays: 200 },
  '30m': { name: '30minute', maxDays: 200 },
  '1h': { name: '60minute', maxDays: 400 },
  '1d': { name: 'day', maxDays: 2000 },
};

/** "yyyy-mm-dd hh:mm:ss" IST, as Kite's from/to take. */
export const kiteIstTime = istWallClock;

/**
 * Pages covering [from, to] (ms, inclusive), each at most maxDays long. A page ends one second
 * before the next begins: both ends are inclusive on Kite's side, so no candle is asked for twice.
 */
export function kiteHistoryPages(from: number, to: number, interval: CandleInterval): Array<{ from: number; to: number }> {
  const spec = KITE_INTERVALS[interval];
  if (!spec) throw new BrokerError(`Kite has no ${interval} candles (it offers ${Object.keys(KITE_INTERVALS).join(', ')})`, 'kite', false);
  const span = spec.maxDays * 86400_000;
  const out: Array<{ from: number; to: number }> = [];
  for (let a = from; a <= to; a += span) out.push({ from: a, to: Math.min(to, a + span - 1000) });
  return out;
}

/** "2017-12-15T09:15:00+0530" → epoch seconds (the offset written without a colon). */
function parseKiteTs(ts: string): number {
  return Math.floor(Date.parse(ts.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')) / 1000);
}

export interface KiteHistoryOptions extends RetryOptions {
  restRoot: string;
  apiKey: string;
  accessToken: string;
  limiter?: RateLimiter;
  oi?: boolean;
  onPage?: (p: { page: number; pages: number; candles: number; retries: number }) => void;
}

/** One page: the candles Kite returns for [from, to]. Retries 429s and network errors. */
async function fetchPage(o: KiteHistoryOptions, token: string, name: string, from: number, to: number, limiter: RateLimiter, stats: { retries: number }): Promise<Candle[]> {
  const url = `${o.restRoot}/instruments/historical/${token}/${name}?from=${encodeURIComponent(kiteIstTime(from))}&to=${encodeURIComponent(kiteIstTime(to))}${o.oi ? '&oi=1' : ''}`;
  return limitedWithRetry(limiter, o, () => stats.retries++, async () => {
    let res: Response;
    try {
      res = await fetch(url, { headers: { 'X-Kite-Version': '3', Authorization: `token ${o.apiKey}:${o.accessToken}` } });
    } catch (e) {
      throw new NetworkError(`Kite historical: ${(e as Error).message}`, 'kite');
    }
    const body = (await res.json().catch(() => null)) as { status?: string; message?: string; error_type?: string; data?: { candles?: unknown[][] } } | null;
    if (res.ok && body?.status === 'success') {
      return (body.data?.candles ?? []).map((r) => {
        const c: Candle = { t: parseKiteTs(String(r[0])), o: Number(r[1]), h: Number(r[2]), l: Number(r[3]), c: Number(r[4]), v: Number(r[5]) };
        if (r.length > 6) c.oi = Number(r[6]);
        return c;
      });
    }
    throw kiteRestError(res.status, body, `Kite historical ${name} ${kiteIstTime(from)} → ${kiteIstTime(to)}`);
  });
}

/**
 * Candles of one instrument over [from, to] (ms), paged by the interval's span, in time order,
 * each bucket once.
 */
export async function fetchKiteHistory(o: KiteHistoryOptions, instrumentToken: string, interval: CandleInterval, from: number, to: number): Promise<Candle[]> {
  const pages = kiteHistoryPages(from, to, interval);
  const name = KITE_INTERVALS[interval]!.name;
  const limiter = o.limiter ?? new RateLimiter(3);
  const out: Candle[] = [];
  const stats = { retries: 0 };
  for (const [i, p] of pages.entries()) {
    const got = await fetchPage(o, instrumentToken, name, p.from, p.to, limiter, stats);
    for (const c of got) if (out.length === 0 || c.t > out[out.length - 1].t) out.push(c);
    o.onPage?.({ page: i + 1, pages: pages.length, candles: out.length, retries: stats.retries });
  }
  return out;
}
