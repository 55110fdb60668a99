// Yahoo Finance chart API v8 (specs/fyers-upstox-yahoo.md §3.1): the URL to ask, the spans a
// request may cover, and the response body → Tickdesk candles, all pure; then, at the end, the one
// fetching loop (fetchYahooHistory) that pages a range by those spans under a rate limit.
//
// GET /v8/finance/chart/{symbol}?interval&(period1&period2 | range)&includePrePost&events answers
// {chart:{result:[{meta, timestamp[], indicators:{quote:[{open,high,low,close,volume}], adjclose}}],
// error:null}} — column arrays, bar starts in UTC seconds, `null` for empty bars. Errors come as
// {chart:{result:null, error:{code, description}}}; throttling as HTTP 429 with the plain-text body
// "Edge: Too Many Requests" (so not JSON). Each is a kind of ChartResult, never a throw.
import { bucketStart, type Candle, type CandleInterval } from '../../../shared/model';
import { IST_OFFSET_S } from '../../../shared/ist';
import { AuthError, brokerError, errorKind, InputError, type BrokerError } from '../errors';
import { limitedWithRetry, RateLimiter, type RetryOptions } from '../rate-limit';
import { BROKER, type YahooSession } from './auth';
import { presentPrice } from './codec';
import { YAHOO_ERRORS, yahooGet } from './rest';

/** query2 is what yfinance and yahoo-finance2 use; query1 answers the same. */
export const YAHOO_CHART_ROOT = 'https://query2.finance.yahoo.com/v8/finance/chart';

export type YahooInterval = '1m' | '2m' | '5m' | '15m' | '30m' | '60m' | '90m' | '1h' | '1d' | '5d' | '1wk' | '1mo' | '3mo';
export type YahooRange = '1d' | '5d' | '1mo' | '3mo' | '6mo' | '1y' | '2y' | '5y' | '10y' | 'ytd' | 'max';

const DAY_S = 86400;

/**
 * How much history each interval has, by yfinance's scrapers/history.py: `perRequestDays` is the
 * longest span one request may cover, `lookbackDays` how far back from now the data reaches
 * (Infinity: the whole history). Yahoo answers a request outside these with an error.
 */
export const YAHOO_INTERVAL_LIMITS: Readonly<Record<YahooInterval, { perRequestDays: number; lookbackDays: number }>> = {
  '1m': { perRequestDays: 8, lookbackDays: 30 },
  '2m': { perRequestDays: 60, lookbackDays: 60 },
  '5m': { perRequestDays: 60, lookbackDays: 60 },
  '15m': { perRequestDays: 60, lookbackDays: 60 },
  '30m': { perRequestDays: 60, lookbackDays: 60 },
  '90m': { perRequestDays: 60, lookbackDays: 60 },
  '60m': { perRequestDays: 730, lookbackDays: 730 },
  '1h': { perRequestDays: 730, lookbackDays: 730 },
  '1d': { perRequestDays: Infinity, lookbackDays: Infinity },
  '5d': { perRequestDays: Infinity, lookbackDays: Infinity },
  '1wk': { perRequestDays: Infinity, lookbackDays: Infinity },
  '1mo': { perRequestDays: Infinity, lookbackDays: Infinity },
  '3mo': { perRequestDays: Infinity, lookbackDays: Infinity },
};

/** Length of an intraday bar, seconds (daily and longer bars are calendar spans). */
const INTRADAY_SECONDS: Partial<Record<YahooInterval, number>> = {
  '1m': 60,
  '2m': 120,
  '5m': 300,
  '15m': 900,
  '30m': 1800,
  '60m': 3600,
  '1h': 3600,
  '90m': 5400,
};

/**
 * Tickdesk's intervals Yahoo serves as they are. Not 30m: Yahoo may answer a 30m request with
 * 60m bars (yfinance asks for 15m and resamples). Yahoo's 60m NSE bars start at 09:15 IST, as
 * Tickdesk's 1h buckets do.
 */
export const YAHOO_INTERVAL_OF: Partial<Record<CandleInterval, YahooInterval>> = { '1m': '1m', '5m': '5m', '15m': '15m', '1h': '60m', '1d': '1d' };

// ---------------------------------------------------------------------------------------------
// Requests.

export type ChartQuery = {
  symbol: string;
  interval: YahooInterval;
  /** Pre- and post-market bars (intraday only). */
  includePrePost?: boolean;
  /** e.g. 'div|split'; left out by default. */
  events?: string;
} & ({ period1: number; period2: number; range?: never } | { range: YahooRange; period1?: never; period2?: never });

/** The chart URL for a query. period1/period2 are epoch seconds; Yahoo rejects period1 ≥ period2. */
export function chartUrl(q: ChartQuery, root: string = YAHOO_CHART_ROOT): string {
  const params = new URLSearchParams();
  if (q.range !== undefined) params.set('range', q.range);
  else {
    if (!(Number.isInteger(q.period1) && Number.isInteger(q.period2) && q.period1 < q.period2))
      throw new InputError(`a chart request needs whole seconds with period1 < period2 (got ${q.period1}, ${q.period2})`, BROKER);
    params.set('period1', String(q.period1));
    params.set('period2', String(q.period2));
  }
  params.set('interval', q.interval);
  params.set('includePrePost', q.includePrePost ? 'true' : 'false');
  if (q.events) params.set('events', q.events);
  return `${root}/${encodeURIComponent(q.symbol)}?${params.toString()}`;
}

/** One request's span, epoch seconds, [period1, period2). */
export interface ChartWindow {
  period1: number;
  period2: number;
}

export interface ChartPlan {
  /** In time order, each at most the interval's per-request span; empty when nothing is left to ask. */
  windows: ChartWindow[];
  /** Set when the span began before the interval's lookback: the start asked from instead. */
  clippedFrom?: number;
}

/** Start a little inside the lookback, so the clock of the machine and of Yahoo may differ. */
export const LOOKBACK_MARGIN_S = 60;

/**
 * Splits [from, to) (epoch seconds) into the requests the interval allows, given the time now:
 * the part older than the lookback is dropped (and reported), the rest cut into per-request spans.
 */
export function planChartRequests(interval: YahooInterval, from: number, to: number, now: number): ChartPlan {
  const { perRequestDays, lookbackDays } = YAHOO_INTERVAL_LIMITS[interval];
  const plan: ChartPlan = { windows: [] };
  let start = from;
  if (Number.isFinite(lookbackDays)) {
    const earliest = now - lookbackDays * DAY_S + LOOKBACK_MARGIN_S;
    if (start < earliest) {
      start = earliest;
      plan.clippedFrom = earliest;
    }
  }
  if (!(start < to)) return plan;
  const span = perRequestDays * DAY_S;
  for (let a = start; a < to; a += span) plan.windows.push({ period1: a, period2: Math.min(to, a + span) });
  return plan;
}

// ---------------------------------------------------------------------------------------------
// Responses.

/** The parts of `meta` Tickdesk reads; the rest stays in `raw`. */
export interface ChartMeta {
  symbol?: string;
  currency?: string;
  exchangeName?: string;
  fullExchangeName?: string;
  instrumentType?: string;
  /** Seconds east of UTC at the exchange (19800 for IST). */
  gmtoffset?: number;
  timezone?: string;
  exchangeTimezoneName?: string;
  regularMarketPrice?: number;
  regularMarketTime?: number;
  chartPreviousClose?: number;
  previousClose?: number;
  priceHint?: number;
  dataGranularity?: string;
  range?: string;
  raw: Record<string, unknown>;
}

export type ChartResult =
  | {
      kind: 'candles';
      meta: ChartMeta;
      /** In time order, one per bar. */
      candles: Candle[];
      /** Adjusted closes beside `candles` (same index; NaN where none came), for daily and longer intervals. */
      adjClose?: number[];
      /** Rows with a null (or missing) open, high, low or close: skipped. */
      nullBars: number;
      /** Rows that fell inside the bar before them (Yahoo's live row, a duplicate): folded into it. */
      mergedBars: number;
      /** Rows earlier than the row before them: dropped. */
      outOfOrderBars: number;
    }
  /** Yahoo's own error object, e.g. {code:"Not Found", description:"No data found, symbol may be delisted"}. */
  | { kind: 'error'; status: number; code: string; description: string }
  /** HTTP 429, usually with the plain-text body "Edge: Too Many Requests". */
  | { kind: 'rate-limited'; status: number; text: string }
  /** Neither a chart nor an error: an HTML page, truncated JSON, another shape. */
  | { kind: 'malformed'; status: number; reason: string };

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function readMeta(raw: Record<string, unknown>): ChartMeta {
  return {
    symbol: str(raw.symbol),
    currency: str(raw.currency),
    exchangeName: str(raw.exchangeName),
    fullExchangeName: str(raw.fullExchangeName),
    instrumentType: str(raw.instrumentType),
    gmtoffset: num(raw.gmtoffset),
    timezone: str(raw.timezone),
    exchangeTimezoneName: str(raw.exchangeTimezoneName),
    regularMarketPrice: num(raw.regularMarketPrice),
    regularMarketTime: num(raw.regularMarketTime),
    chartPreviousClose: num(raw.chartPreviousClose),
    previousClose: num(raw.previousClose),
    priceHint: num(raw.priceHint),
    dataGranularity: str(raw.dataGranularity),
    range: str(raw.range),
    raw,
  };
}

/** A column of numbers, null where the row has none. */
function column(v: unknown): ReadonlyArray<unknown> {
  return Array.isArray(v) ? v : [];
}

/** The exchange-local calendar date of `t`, as whole days since 1970-01-01. */
function localDay(t: number, gmtoffset: number): number {
  return Math.floor((t + gmtoffset) / DAY_S);
}

/** Months since 1970 of the exchange-local date of `t`. */
function localMonth(t: number, gmtoffset: number): number {
  const d = new Date((t + gmtoffset) * 1000);
  return d.getUTCFullYear() * 12 + d.getUTCMonth();
}

/**
 * Whether a row at `t` belongs to the bar that starts at `prev` (both Yahoo's times, seconds):
 * within an intraday bar's length, or in the same local week, month or quarter.
 */
function sameBar(interval: YahooInterval, prev: number, t: number, gmtoffset: number): boolean {
  const iv = INTRADAY_SECONDS[interval];
  if (iv !== undefined) return t - prev < iv;
  switch (interval) {
    case '5d':
      return localDay(t, gmtoffset) - localDay(prev, gmtoffset) < 5;
    case '1wk':
      return localDay(t, gmtoffset) - localDay(prev, gmtoffset) < 7;
    case '1mo':
      return localMonth(t, gmtoffset) === localMonth(prev, gmtoffset);
    case '3mo':
      return localMonth(t, gmtoffset) - localMonth(prev, gmtoffset) < 3;
    default:
      return localDay(t, gmtoffset) === localDay(prev, gmtoffset);
  }
}

/**
 * Yahoo stamps daily and longer bars at the session open in exchange time (observed); Tickdesk's
 * daily buckets start at 00:00 IST (bucketStart in shared/model.ts). So a bar is filed under its
 * exchange-local date, at that date's IST midnight. A bar stamped 22:00 or 23:00 on the hour is
 * Yahoo's daylight-saving slip for the next day's 00:00 (yfinance fix_Yahoo_dst_issue).
 */
function dayBucket(t: number, gmtoffset: number): number {
  const local = t + gmtoffset;
  const secOfDay = ((local % DAY_S) + DAY_S) % DAY_S;
  const slip = secOfDay % 3600 === 0 && secOfDay >= 22 * 3600 ? DAY_S - secOfDay : 0;
  return Math.floor((local + slip) / DAY_S) * DAY_S - IST_OFFSET_S;
}

/**
 * Reads a chart response (`status`, the body as text) for a request of `interval`. Intraday bars
 * keep Yahoo's bar start; daily and longer bars go to the IST midnight of their exchange-local
 * date. Prices are float32 values written out as doubles (2885.199951171875), so they are rounded
 * to meta.priceHint decimals (presentPrice). Rows with a null price are skipped and counted; a row
 * inside the bar before it — Yahoo's live row while the market is open — is folded into that bar
 * as yfinance does (fix_Yahoo_returning_live_separate): for 1d the later row replaces the earlier,
 * otherwise high/low widen, close and adjusted close move to the later row, volumes add.
 */
export function parseChart(status: number, body: string, interval: YahooInterval): ChartResult {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    const text = body.trim().slice(0, 200);
    if (status === 429 || /too many requests/i.test(text)) return { kind: 'rate-limited', status, text };
    return { kind: 'malformed', status, reason: `not JSON: ${JSON.stringify(text.slice(0, 80))}` };
  }
  if (status === 429) return { kind: 'rate-limited', status, text: body.trim().slice(0, 200) };
  const chart = isObject(json) ? json.chart : undefined;
  if (!isObject(chart)) return { kind: 'malformed', status, reason: 'no "chart" object' };
  if (isObject(chart.error)) {
    return { kind: 'error', status, code: str(chart.error.code) ?? String(status), description: str(chart.error.description) ?? '' };
  }
  const result = Array.isArray(chart.result) ? chart.result[0] : undefined;
  if (!isObject(result)) return { kind: 'malformed', status, reason: 'chart.result holds no result' };
  const meta = readMeta(isObject(result.meta) ? result.meta : {});
  const gmtoffset = meta.gmtoffset ?? IST_OFFSET_S;
  const decimals = meta.priceHint;
  const indicators = isObject(result.indicators) ? result.indicators : {};
  const quote = Array.isArray(indicators.quote) && isObject(indicators.quote[0]) ? indicators.quote[0] : {};
  const adj = Array.isArray(indicators.adjclose) && isObject(indicators.adjclose[0]) ? column(indicators.adjclose[0].adjclose) : undefined;
  const ts = column(result.timestamp);
  const [op, hi, lo, cl, vol] = [quote.open, quote.high, quote.low, quote.close, quote.volume].map(column);
  const intraday = INTRADAY_SECONDS[interval] !== undefined;

  const candles: Candle[] = [];
  const adjClose: number[] = [];
  /** Yahoo's own times: of the first row of the current bar, and of the latest row kept. */
  let barT = -Infinity;
  let lastT = -Infinity;
  let nullBars = 0;
  let mergedBars = 0;
  let outOfOrderBars = 0;
  for (let i = 0; i < ts.length; i++) {
    const t = num(ts[i]);
    const o = num(op[i]);
    const h = num(hi[i]);
    const l = num(lo[i]);
    const c = num(cl[i]);
    if (t === undefined || o === undefined || h === undefined || l === undefined || c === undefined) {
      nullBars++;
      continue;
    }
    const bar: Candle = {
      t: intraday ? t : dayBucket(t, gmtoffset),
      o: presentPrice(o, decimals),
      h: presentPrice(h, decimals),
      l: presentPrice(l, decimals),
      c: presentPrice(c, decimals),
      v: num(vol[i]) ?? 0,
    };
    const a = adj ? num(adj[i]) : undefined;
    if (t < lastT) {
      outOfOrderBars++;
      continue;
    }
    const prev = candles[candles.length - 1];
    if (prev && sameBar(interval, barT, t, gmtoffset)) {
      mergedBars++;
      if (interval === '1d' || t === lastT) {
        bar.t = prev.t;
        candles[candles.length - 1] = bar;
      } else {
        prev.h = Math.max(prev.h, bar.h);
        prev.l = Math.min(prev.l, bar.l);
        prev.c = bar.c;
        prev.v += bar.v;
      }
      if (adj) adjClose[adjClose.length - 1] = a === undefined ? NaN : presentPrice(a);
      lastT = t;
      continue;
    }
    candles.push(bar);
    if (adj) adjClose.push(a === undefined ? NaN : presentPrice(a));
    barT = lastT = t;
  }
  const out: ChartResult = { kind: 'candles', meta, candles, nullBars, mergedBars, outOfOrderBars };
  if (adj) out.adjClose = adjClose;
  return out;
}

/** What each error becomes in the shared hierarchy: Yahoo's code first, then the HTTP status (rest.ts). */
const CHART_ERROR_KINDS = YAHOO_ERRORS;

/** The error a non-candle result stands for (retryable or not, by the shared hierarchy); null for candles. */
export function chartResultError(r: ChartResult, symbol: string): BrokerError | null {
  switch (r.kind) {
    case 'candles':
      return null;
    case 'rate-limited':
      return brokerError('rate-limit', `Yahoo chart ${symbol}: too many requests (HTTP ${r.status})`, BROKER);
    case 'error':
      return brokerError(errorKind(CHART_ERROR_KINDS, r.code, String(r.status)) ?? 'protocol', `Yahoo chart ${symbol}: ${r.code}: ${r.description}`, BROKER);
    case 'malformed':
      return brokerError(r.status >= 500 ? 'network' : 'protocol', `Yahoo chart ${symbol}: HTTP ${r.status}, ${r.reason}`, BROKER);
  }
}

// ---------------------------------------------------------------------------------------------
// Fetching: a range paged by the interval's span, under a rate limit, 429 waves retried.

/**
 * Yahoo publishes no rate limit and throttles in waves (yfinance#2422, #2472): two requests a
 * second, and a 429 backs everyone off, doubling from 2 s.
 */
export const RATE_PER_SECOND = 2;

export interface YahooHistoryOptions extends RetryOptions {
  /** The chart API's host (roots.rest): …/v8/finance/chart under it. */
  restRoot: string;
  /** Cookie and crumb (auth.ts); the crumb is sent when one could be had. */
  session: YahooSession;
  limiter?: RateLimiter;
  now?: () => number;
  onPage?: (p: { page: number; pages: number; candles: number; retries: number }) => void;
}

/** Tickdesk's intervals the adapter offers: those Yahoo serves as they are (YAHOO_INTERVAL_OF). */
export const YAHOO_HISTORY_INTERVALS = Object.keys(YAHOO_INTERVAL_OF) as CandleInterval[];

/**
 * The longest span one request covers, by Tickdesk interval (days); daily bars come in one request
 * whatever the span, so 1d has no entry.
 */
export const YAHOO_MAX_DAYS: Partial<Record<CandleInterval, number>> = Object.fromEntries(
  YAHOO_HISTORY_INTERVALS.map((i) => [i, YAHOO_INTERVAL_LIMITS[YAHOO_INTERVAL_OF[i]!].perRequestDays]).filter(([, d]) => Number.isFinite(d)),
);

/** One window's candles. An "Invalid Crumb" answer renews the cookie and crumb and asks once more. */
async function fetchChartPage(o: YahooHistoryOptions, symbol: string, interval: YahooInterval, w: ChartWindow, renewed = false): Promise<Candle[]> {
  const crumb = await o.session.ensureCrumb();
  const url = chartUrl({ symbol, interval, period1: w.period1, period2: w.period2 }, `${o.restRoot}/v8/finance/chart`) + (crumb ? `&crumb=${encodeURIComponent(crumb)}` : '');
  const { status, body } = await yahooGet(url, o.session.headers(), `Yahoo chart ${symbol}`);
  const r = parseChart(status, body, interval);
  const err = chartResultError(r, symbol);
  if (err instanceof AuthError && crumb && !renewed) {
    o.session.invalidate();
    return fetchChartPage(o, symbol, interval, w, true);
  }
  if (err) throw err;
  return r.kind === 'candles' ? r.candles : [];
}

/**
 * Candles of one Yahoo symbol over [from, to] (ms; buckets that start in it, and the one `from`
 * falls in), in time order, each bucket once. Intraday intervals reach back only so far (1m: 30
 * days): a range older than that is cut to what Yahoo keeps, and one wholly older is an InputError.
 * Rows with null prices are skipped (parseChart).
 */
export async function fetchYahooHistory(o: YahooHistoryOptions, symbol: string, interval: CandleInterval, from: number, to: number): Promise<Candle[]> {
  const yi = YAHOO_INTERVAL_OF[interval];
  if (!yi) throw new InputError(`Yahoo has no ${interval} candles here (it offers ${YAHOO_HISTORY_INTERVALS.join(', ')})`, BROKER);
  const now = (o.now ?? Date.now)();
  const first = bucketStart(from, interval);
  const plan = planChartRequests(yi, first, Math.floor(to / 1000) + 1, Math.floor(now / 1000));
  if (plan.windows.length === 0) {
    if (plan.clippedFrom === undefined) return [];
    throw new InputError(`Yahoo keeps ${interval} candles for the last ${YAHOO_INTERVAL_LIMITS[yi].lookbackDays} days only`, BROKER);
  }
  const limiter = o.limiter ?? new RateLimiter(RATE_PER_SECOND);
  const retry: RetryOptions = { attempts: o.attempts ?? 6, retryMs: o.retryMs ?? 2000, sleep: o.sleep };
  const stats = { retries: 0 };
  const out: Candle[] = [];
  for (const [i, w] of plan.windows.entries()) {
    const got = await limitedWithRetry(limiter, retry, () => stats.retries++, () => fetchChartPage(o, symbol, yi, w));
    for (const c of got) if (c.t >= first && c.t * 1000 <= to && (out.length === 0 || c.t > out[out.length - 1].t)) out.push(c);
    o.onPage?.({ page: i + 1, pages: plan.windows.length, candles: out.length, retries: stats.retries });
  }
  return out;
}
