// Yahoo Finance needs no login (specs/fyers-upstox-yahoo.md §3.1, §3.5). What it does want: a
// browser's User-Agent on every request (a library's default one is answered with 429s), and for
// some endpoints — and on the chart, where it is said to lower the throttling — a cookie from
// fc.yahoo.com with a "crumb" from /v1/test/getcrumb sent as &crumb=. Both are fetched here, once,
// and again when Yahoo calls them invalid. There is no account, no token and no expiry.
import { NetworkError, ProtocolError, RateLimited, type BrokerError } from '../errors';

/**
 * The name this broker's instruments, candles, feed and captures go by (the adapter's protocol;
 * broker ids are open, shared/brokers.ts).
 */
export const BROKER = 'yahoo';

/**
 * Yahoo has no access token. This variable may hold a cookie (e.g. `A3=d=AQAB…`) taken from a
 * browser, sent instead of the one fetched from fc.yahoo.com (where that host is blocked).
 */
export const TOKEN_ENV = 'YAHOO_COOKIE';

/** The chart host (yfinance and yahoo-finance2 use query2; query1 answers the same). */
export const YAHOO_REST_ROOT = 'https://query2.finance.yahoo.com';
/** Where getcrumb answers (yfinance asks query1). */
export const YAHOO_CRUMB_ROOT = 'https://query1.finance.yahoo.com';
/** Answers 404 with the A3 cookie a crumb is bound to. */
export const YAHOO_FC_URL = 'https://fc.yahoo.com';
export const YAHOO_WS_ROOT = 'wss://streamer.finance.yahoo.com/';

/** A current desktop Chrome: Yahoo throttles requests that do not look like a browser's. */
export const BROWSER_USER_AGENT = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

/** The page the streamer expects its sockets to come from (some clients send it; harmless). */
export const YAHOO_ORIGIN = 'https://finance.yahoo.com';

/** Where Yahoo (or a simulated Yahoo) answers. */
export interface YahooRoots {
  /** The streamer (wss://streamer.finance.yahoo.com/). */
  ws: string;
  /** The chart API's host (…/v8/finance/chart under it). */
  rest: string;
  /** getcrumb's host (…/v1/test/getcrumb under it). */
  crumb: string;
  /** The cookie page (fc.yahoo.com). */
  fc: string;
}

/** Yahoo's own hosts, or one root serving them all (a simulator, `--rest-root`): its cookie page at /fc. */
export function yahooRoots(restRoot?: string, wsRoot?: string): YahooRoots {
  const rest = restRoot?.replace(/\/+$/, '');
  if (!rest) return { ws: wsRoot ?? YAHOO_WS_ROOT, rest: YAHOO_REST_ROOT, crumb: YAHOO_CRUMB_ROOT, fc: YAHOO_FC_URL };
  return { ws: wsRoot ?? YAHOO_WS_ROOT, rest, crumb: rest, fc: `${rest}/fc` };
}

/** Headers every Yahoo request carries. */
export function yahooHeaders(cookie?: string): Record<string, string> {
  return { 'User-Agent': BROWSER_USER_AGENT, Accept: '*/*', 'Accept-Language': 'en-US,en;q=0.9', ...(cookie ? { Cookie: cookie } : {}) };
}

/** Yahoo has no session to expire. */
export const expiry = (_loginAt: number): number | undefined => undefined;

/**
 * The cookies fc.yahoo.com sets, as a Cookie header ("A3=…"); undefined when it set none. The page
 * itself is a 404 whatever happens; only its Set-Cookie matters, so redirects are not followed
 * (the consent redirect outside the EU does not occur; inside it, this finds no cookie).
 */
export async function fetchYahooCookie(fcUrl: string): Promise<string | undefined> {
  let res: Response;
  try {
    res = await fetch(fcUrl, { headers: { ...yahooHeaders(), Accept: 'text/html' }, redirect: 'manual' });
  } catch (e) {
    throw new NetworkError(`Yahoo cookie (${fcUrl}): ${(e as Error).message}`, BROKER);
  }
  await res.body?.cancel();
  if (res.status === 429) throw new RateLimited(`Yahoo cookie: HTTP 429 Too Many Requests`, BROKER);
  const cookies = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0].trim())
    .filter((c) => /^[^=\s;]+=\S/.test(c));
  return cookies.length ? cookies.join('; ') : undefined;
}

/**
 * What getcrumb answered: the crumb, or the error it stands for. A throttled getcrumb has been
 * seen answering the text "Too Many Requests", which clients then sent as the crumb (yfinance#2441):
 * here that text is a rate limit whatever the status. A crumb is short and printable; an HTML or
 * JSON page is not one.
 */
export function readCrumb(status: number, body: string): string | BrokerError {
  const text = body.trim();
  if (status === 429 || /too many requests/i.test(text)) return new RateLimited(`Yahoo crumb: HTTP ${status} Too Many Requests`, BROKER);
  if (status !== 200) return new ProtocolError(`Yahoo crumb: HTTP ${status} ${text.slice(0, 80)}`.trim(), BROKER);
  if (!/^[!-~]{1,64}$/.test(text) || /[<>{}"]/.test(text)) return new ProtocolError(`Yahoo crumb: not a crumb: ${JSON.stringify(text.slice(0, 40))}`, BROKER);
  return text;
}

export interface YahooSessionOptions {
  roots: Pick<YahooRoots, 'crumb' | 'fc'>;
  /** A cookie to use instead of fetching one (YAHOO_COOKIE). */
  cookie?: string;
  /** Fetch and send a crumb (default true). Off: a User-Agent, and the given cookie if any. */
  crumb?: boolean;
  /** After a failed crumb fetch (not a rate limit), go without one for this long (10 min). */
  retryAfterMs?: number;
  now?: () => number;
}

/**
 * The cookie and crumb requests go with, fetched on first use and again after Yahoo calls them
 * invalid. Without a crumb (none could be had) requests still go: the chart answers without one.
 */
export class YahooSession {
  readonly stats = { cookies: 0, crumbs: 0, renewals: 0, failures: 0 };
  /** Why the last crumb fetch failed (shown by callers that note it). */
  lastError = '';
  private cookie: string | undefined;
  private crumb: string | undefined;
  private failedAt = -Infinity;
  private pending: Promise<string | undefined> | null = null;
  private readonly now: () => number;

  constructor(private readonly o: YahooSessionOptions) {
    this.cookie = o.cookie || undefined;
    this.now = o.now ?? Date.now;
  }

  /** The headers of a request now (User-Agent, and the cookie once there is one). */
  headers(): Record<string, string> {
    return yahooHeaders(this.cookie);
  }

  get hasCrumb(): boolean {
    return this.crumb !== undefined;
  }

  /**
   * The crumb for &crumb=: fetched (with a cookie) the first time. Undefined when crumbs are off or
   * none could be had lately; a throttled fetch throws RateLimited (retried by the caller).
   */
  async ensureCrumb(): Promise<string | undefined> {
    if (this.o.crumb === false) return undefined;
    if (this.crumb !== undefined) return this.crumb;
    if (this.now() - this.failedAt < (this.o.retryAfterMs ?? 600_000)) return undefined;
    this.pending ??= this.fetchCrumb().finally(() => (this.pending = null));
    return this.pending;
  }

  /** Yahoo said "Invalid Crumb" or "Invalid Cookie": both are fetched again on the next request. */
  invalidate(): void {
    if (this.crumb === undefined) return;
    this.crumb = undefined;
    this.cookie = this.o.cookie || undefined;
    this.failedAt = -Infinity;
    this.stats.renewals++;
  }

  private async fetchCrumb(): Promise<string | undefined> {
    try {
      if (!this.cookie) {
        this.cookie = await fetchYahooCookie(this.o.roots.fc);
        if (!this.cookie) throw new ProtocolError(`Yahoo cookie: ${this.o.roots.fc} set no cookie`, BROKER);
        this.stats.cookies++;
      }
      let res: Response;
      try {
        res = await fetch(`${this.o.roots.crumb}/v1/test/getcrumb`, { headers: this.headers() });
      } catch (e) {
        throw new NetworkError(`Yahoo crumb: ${(e as Error).message}`, BROKER);
      }
      const got = readCrumb(res.status, await res.text());
      if (typeof got !== 'string') throw got;
      this.crumb = got;
      this.stats.crumbs++;
      return got;
    } catch (e) {
      if (e instanceof RateLimited) throw e;
      // Anything else: go on without a crumb for a while (the chart does not need one).
      this.stats.failures++;
      this.lastError = (e as Error).message;
      this.failedAt = this.now();
      this.cookie = this.o.cookie || undefined;
      return undefined;
    }
  }
}
