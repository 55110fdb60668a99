// Upstox REST (specs/fyers-upstox-yahoo.md §2.1, §2.5): `Authorization: Bearer <token>`, JSON answers
// {status: "success", data} or {status: "error", errors: [{errorCode, message, …}]}, every failure
// mapped onto the one error hierarchy (../errors.ts) through UPSTOX_ERRORS (the UDAPI code, then the
// HTTP status); one request budget per user across all REST; the feed's authorize call, which hands
// out the one-shot wss URL; and the LTP quote a pasted token is checked with.
import { AuthError, brokerError, BrokerError, errorKind, NetworkError } from '../errors';
import { limitedWithRetry, RateLimiter, type RetryOptions } from '../rate-limit';
import type { BrokerErrorKindTable } from '../types';

const BROKER = 'upstox';

/**
 * UDAPI codes and HTTP statuses → kinds. The codes are those of Upstox's error-codes page
 * (upstox.com/developer/api-documentation/error-codes: UDAPI10000, 100015, 100016, 10005, 100050,
 * 100067, 100036, 100038, 100073, 100500) and the authorize page (UDAPI100068). Upstox answers an
 * expired token with UDAPI100050 "Invalid token used to access API" (HTTP 401): there is no separate
 * "expired" code, and its tokens only ever end by expiring (03:30 IST) or by a new login, so 100050
 * is token-expired (log in again). Unknown codes go by the HTTP status.
 */
export const UPSTOX_ERRORS: BrokerErrorKindTable = {
  UDAPI100050: 'token-expired',
  UDAPI100016: 'auth',
  UDAPI100068: 'auth',
  UDAPI100073: 'access-denied',
  UDAPI100067: 'access-denied',
  UDAPI10005: 'rate-limit',
  UDAPI10000: 'input',
  UDAPI100015: 'input',
  UDAPI100036: 'input',
  UDAPI100038: 'input',
  UDAPI100500: 'network',
  '400': 'input',
  '401': 'token-expired',
  '403': 'access-denied',
  '404': 'input',
  '429': 'rate-limit',
  '500': 'network',
  '502': 'network',
  '503': 'network',
  '504': 'network',
};

/** An Upstox answer: the envelope, or (the token exchange) the bare object. */
export interface UpstoxBody {
  status?: string;
  data?: unknown;
  errors?: Array<{ errorCode?: string; error_code?: string; message?: string }>;
  [k: string]: unknown;
}

/** The first error of an error envelope: its code and message. */
function firstError(body: UpstoxBody | null): { code?: string; message?: string } {
  const e = Array.isArray(body?.errors) ? body.errors[0] : undefined;
  if (!e || typeof e !== 'object') return {};
  const code = e.errorCode ?? e.error_code;
  return { code: typeof code === 'string' ? code : undefined, message: typeof e.message === 'string' ? e.message : undefined };
}

/** A failed Upstox answer: by its UDAPI code, else its status (any 5xx is the server's trouble, retried). */
export function upstoxRestError(status: number, body: UpstoxBody | null, what: string): BrokerError {
  const { code, message } = firstError(body);
  const text = `${what}: HTTP ${status}${code ? ` ${code}` : ''}${message ? ` (${message})` : ''}`;
  const kind = errorKind(UPSTOX_ERRORS, code, String(status)) ?? (status >= 500 ? 'network' : undefined);
  if (!kind) return new BrokerError(text, BROKER, false);
  return brokerError(kind, kind === 'auth' || kind === 'token-expired' ? `${text}: log in again` : text, BROKER);
}

export const bearer = (accessToken: string): Record<string, string> => ({ Authorization: `Bearer ${accessToken}`, Accept: 'application/json' });

/**
 * An Upstox REST call: JSON out; an answer that is not 2xx, or carries status "error", throws from
 * the hierarchy. `refusalIsAuth`: a login step, where any refusal that is not the network's or the
 * rate limit's means the login failed.
 */
export async function upstoxRequest(url: string, init: RequestInit, what: string, o: { refusalIsAuth?: boolean } = {}): Promise<UpstoxBody> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, headers: { Accept: 'application/json', ...(init.headers as Record<string, string>) } });
  } catch (e) {
    throw new NetworkError(`${what}: ${(e as Error).message}`, BROKER);
  }
  let body: UpstoxBody | null = null;
  try {
    const text = await res.text();
    body = text ? (JSON.parse(text) as UpstoxBody) : null;
  } catch (e) {
    // A body cut off mid-way: the network's fault, retried.
    if (res.ok) throw new NetworkError(`${what}: ${(e as Error).message}`, BROKER);
  }
  if (res.ok && body && typeof body === 'object' && body.status !== 'error') return body;
  const err = upstoxRestError(res.status, body, what);
  if (o.refusalIsAuth && !err.retryable && !(err instanceof AuthError)) throw new AuthError(`${err.message}: log in again`, BROKER);
  throw err;
}

/**
 * Requests a second this client allows itself. Upstox's rate-limit page is not quoted in the spec;
 * community clients quote 50 a second, 500 a minute and 2000 per 30 minutes per user for its
 * standard APIs. 10 a second keeps well under the first, and UpstoxRateLimiter holds the other two.
 */
export const RATE_PER_SECOND = 10;

/** One budget per user across all REST: RATE_PER_SECOND spaced evenly, and sliding windows of 500/min and 2000/30 min. */
export class UpstoxRateLimiter extends RateLimiter {
  private readonly turns: number[] = [];

  constructor(
    perSecond = RATE_PER_SECOND,
    private readonly windows: ReadonlyArray<{ ms: number; max: number }> = [
      { ms: 60_000, max: 500 },
      { ms: 1_800_000, max: 2000 },
    ],
    private readonly clock: () => number = Date.now,
    private readonly wait: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    super(perSecond, clock, wait);
  }

  override async take(): Promise<void> {
    await super.take();
    const longest = Math.max(0, ...this.windows.map((w) => w.ms));
    for (;;) {
      const now = this.clock();
      while (this.turns.length && this.turns[0] <= now - longest) this.turns.shift();
      let waitMs = 0;
      for (const w of this.windows) {
        const inside = this.turns.filter((t) => t > now - w.ms);
        if (inside.length >= w.max) waitMs = Math.max(waitMs, inside[inside.length - w.max] + w.ms - now);
      }
      if (waitMs <= 0) break;
      await this.wait(waitMs);
    }
    this.turns.push(this.clock());
  }
}

export interface UpstoxRestOptions extends RetryOptions {
  /** `https://api.upstox.com`, or the simulator's root. */
  apiRoot: string;
  accessToken: string;
  limiter?: RateLimiter;
}

/**
 * GET /v3/feed/market-data-feed/authorize → the wss URL of one connection, with a single-use code
 * in it: a fresh one for every (re)connect. 401 (the token expired at 03:30 IST, or was replaced by a
 * new login): TokenExpired. Retried on 429 and network errors.
 */
export async function authorizeUpstoxFeed(o: UpstoxRestOptions): Promise<string> {
  const body = await limitedWithRetry(o.limiter ?? new UpstoxRateLimiter(), { attempts: 2, ...o }, () => {}, () =>
    upstoxRequest(`${o.apiRoot}/v3/feed/market-data-feed/authorize`, { headers: bearer(o.accessToken) }, 'Upstox feed authorize'),
  );
  const data = body.data as { authorized_redirect_uri?: unknown; authorizedRedirectUri?: unknown } | undefined;
  const url = data?.authorized_redirect_uri ?? data?.authorizedRedirectUri;
  if (typeof url !== 'string' || !/^wss?:\/\//.test(url)) throw new NetworkError('Upstox feed authorize: no wss URL in the answer', BROKER);
  return url;
}

/** The Nifty 50's key: every account may quote it (a pasted token is checked with it). */
export const PROBE_KEY = 'NSE_INDEX|Nifty 50';

/**
 * GET /v3/market-quote/ltp for one key: its last price. Works with an analytics token (profile, an
 * account API, does not), so it is how a pasted token is checked. The answer's map is keyed
 * `SEGMENT:SYMBOL`; each entry carries `instrument_token` (the pipe key), which is what is matched.
 */
export async function fetchUpstoxLtp(o: UpstoxRestOptions, key: string): Promise<number | undefined> {
  const body = await upstoxRequest(`${o.apiRoot}/v3/market-quote/ltp?instrument_key=${encodeURIComponent(key)}`, { headers: bearer(o.accessToken) }, 'Upstox LTP quote');
  const data = body.data && typeof body.data === 'object' ? (body.data as Record<string, { instrument_token?: unknown; last_price?: unknown }>) : {};
  for (const v of Object.values(data)) if (v && v.instrument_token === key && typeof v.last_price === 'number') return v.last_price;
  return undefined;
}
