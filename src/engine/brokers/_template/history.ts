// The template broker's historical candles (GET /history/<token>?interval&from&to, ms UTC, JSON
// rows [t seconds, o, h, l, c, v]): paged by the longest span one request may cover, under the
// broker's rate limit, 429s and network errors retried (../rate-limit.ts). Replace the URL, the
// interval names and the row shape with your broker's.
import type { Candle, CandleInterval } from '../../../shared/model';
import { InputError } from '../errors';
import { limitedWithRetry, RateLimiter, type RetryOptions } from '../rate-limit';
import { BROKER } from './auth';
import { getJson } from './rest';

/** The intervals the broker serves, by its names, with the longest span a request may cover (days). */
export const TEMPLATE_INTERVALS: Partial<Record<CandleInterval, { name: string; maxDays: number }>> = {
  '1m': { name: 'minute', maxDays: 7 },
};

export const RATE_PER_SECOND = 5;

export interface TemplateHistoryOptions extends RetryOptions {
  restRoot: string;
  accessToken: string;
  limiter?: RateLimiter;
  onPage?: (p: { page: number; pages: number; candles: number; retries: number }) => void;
}

/** Candles of one instrument over [from, to] (ms), in time order, each bucket once. */
export async function fetchTemplateHistory(o: TemplateHistoryOptions, token: string, interval: CandleInterval, from: number, to: number): Promise<Candle[]> {
  const spec = TEMPLATE_INTERVALS[interval];
  if (!spec) throw new InputError(`the template broker has no ${interval} candles (it offers ${Object.keys(TEMPLATE_INTERVALS).join(', ')})`, BROKER);
  const span = spec.maxDays * 86400_000;
  const pages: Array<{ from: number; to: number }> = [];
  for (let a = from; a <= to; a += span) pages.push({ from: a, to: Math.min(to, a + span - 1) });
  const limiter = o.limiter ?? new RateLimiter(RATE_PER_SECOND);
  const stats = { retries: 0 };
  const out: Candle[] = [];
  for (const [i, p] of pages.entries()) {
    const url = `${o.restRoot}/history/${encodeURIComponent(token)}?interval=${spec.name}&from=${p.from}&to=${p.to}`;
    const body = await limitedWithRetry(limiter, o, () => stats.retries++, () => getJson<{ candles: unknown[][] }>(url, o.accessToken, `template history ${token}`));
    for (const r of body.candles ?? []) {
      const c: Candle = { t: Number(r[0]), o: Number(r[1]), h: Number(r[2]), l: Number(r[3]), c: Number(r[4]), v: Number(r[5]) };
      if ([c.t, c.o, c.h, c.l, c.c, c.v].every(Number.isFinite) && (out.length === 0 || c.t > out[out.length - 1].t)) out.push(c);
    }
    o.onPage?.({ page: i + 1, pages: pages.length, candles: out.length, retries: stats.retries });
  }
  return out;
}
