// Dhan historical and intraday candles (specs/dhan.md §7): POST /v2/charts/historical (daily,
// toDate exclusive) and /v2/charts/intraday (1, 5, 15, 60 minutes; ≤ 90 days a request; IST
// times), answered as column arrays. Data APIs allow 5 requests a second; 429s are retried.
import { istWallClock } from '../../../shared/ist';
import type { Candle, CandleInterval, Instrument } from '../../../shared/model';
import { BrokerError } from '../errors';
import { limitedWithRetry, RateLimiter, type RetryOptions } from '../rate-limit';
import { DHAN_API_ROOT } from './auth';
import { dhanRequest } from './rest';

/** Our intervals Dhan serves intraday, by its interval number (25 has no counterpart here). */
export const DHAN_INTRADAY: Partial<Record<CandleInterval, number>> = { '1m': 1, '5m': 5, '15m': 15, '25m': 25, '1h': 60 };
export const DHAN_HISTORY_INTERVALS: CandleInterval[] = ['1m', '5m', '15m', '25m', '1h', '1d'];

const INDEX_UNDERLYINGS = new Set(['NIFTY', 'BANKNIFTY', 'FINNIFTY', 'MIDCPNIFTY', 'NIFTYNXT50', 'SENSEX', 'BANKEX', 'SENSEX50']);

/** Dhan's `instrument` field for an instrument of its scrip master. */
export function dhanInstrumentType(i: Instrument): string {
  if (i.segment === 'IDX_I') return 'INDEX';
  if (!i.expiry) return 'EQUITY';
  const fut = !i.optionType;
  if (i.segment === 'MCX_COMM') return fut ? 'FUTCOM' : 'OPTFUT';
  if (i.segment.endsWith('CURRENCY')) return fut ? 'FUTCUR' : 'OPTCUR';
  const idx = INDEX_UNDERLYINGS.has((i.underlying ?? i.symbol.split('-')[0]).toUpperCase());
  return `${fut ? 'FUT' : 'OPT'}${idx ? 'IDX' : 'STK'}`;
}


/** Requests covering [from, to] (ms): intraday in 90-day pages (a second apart), daily in one. */
export function dhanHistoryPages(from: number, to: number, interval: CandleInterval): Array<{ fromDate: string; toDate: string }> {
  if (interval === '1d') {
    // Dates are IST days; toDate is exclusive.
    const day = (ms: number) => istWallClock(ms).slice(0, 10);
    return [{ fromDate: day(from), toDate: day(to + 86400_000) }];
  }
  if (!DHAN_INTRADAY[interval]) throw new BrokerError(`Dhan has no ${interval} candles (it offers ${DHAN_HISTORY_INTERVALS.join(', ')})`, 'dhan', false);
  const span = 90 * 86400_000;
  const out: Array<{ fromDate: string; toDate: string }> = [];
  for (let a = from; a <= to; a += span) out.push({ fromDate: istWallClock(a), toDate: istWallClock(Math.min(to, a + span - 1000)) });
  return out;
}

export interface DhanHistoryOptions extends RetryOptions {
  clientId: string;
  accessToken: string;
  apiRoot?: string;
  limiter?: RateLimiter;
  onPage?: (p: { page: number; pages: number; candles: number; retries: number }) => void;
}

/** Candles of one scrip-master instrument over [from, to] (ms), in time order, each bucket once. */
export async function fetchDhanHistory(o: DhanHistoryOptions, ins: Instrument, interval: CandleInterval, from: number, to: number): Promise<Candle[]> {
  if (ins.broker !== 'dhan') throw new BrokerError(`${ins.exchange}:${ins.symbol} is not a Dhan instrument`, 'dhan', false);
  const pages = dhanHistoryPages(from, to, interval);
  const limiter = o.limiter ?? new RateLimiter(5);
  const intraday = interval !== '1d';
  const stats = { retries: 0 };
  const out: Candle[] = [];
  for (const [i, p] of pages.entries()) {
    const body = {
      securityId: ins.token,
      exchangeSegment: ins.segment,
      instrument: dhanInstrumentType(ins),
      // F&O intraday needs an expiry code (openalgo PR#858); 0 = the contract itself.
      ...(ins.expiry ? { expiryCode: 0 } : {}),
      oi: !!ins.expiry,
      fromDate: p.fromDate,
      toDate: p.toDate,
      ...(intraday ? { interval: String(DHAN_INTRADAY[interval]) } : {}),
    };
    const r = await limitedWithRetry(limiter, o, () => stats.retries++, () =>
      dhanRequest(
        `${o.apiRoot ?? DHAN_API_ROOT}/charts/${intraday ? 'intraday' : 'historical'}`,
        { method: 'POST', headers: { 'access-token': o.accessToken, 'client-id': o.clientId, 'Content-Type': 'application/json' }, body: JSON.stringify(body) },
        `Dhan ${intraday ? 'intraday' : 'historical'} ${p.fromDate} → ${p.toDate}`,
      ),
    );
    const col = (k: string) => (Array.isArray(r[k]) ? (r[k] as unknown[]).map(Number) : []);
    const [ts, op, hi, lo, cl, vol, oi] = ['timestamp', 'open', 'high', 'low', 'close', 'volume', 'open_interest'].map(col);
    for (let k = 0; k < ts.length; k++) {
      const c: Candle = { t: Math.floor(ts[k]), o: op[k], h: hi[k], l: lo[k], c: cl[k], v: vol[k] ?? 0 };
      if (oi.length) c.oi = oi[k];
      if (out.length === 0 || c.t > out[out.length - 1].t) out.push(c);
    }
    o.onPage?.({ page: i + 1, pages: pages.length, candles: out.length, retries: stats.retries });
  }
  return out;
}
