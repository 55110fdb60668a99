// Fyers REST (specs/fyers-upstox-yahoo.md §1.1, §1.5): JSON envelopes {s: "ok"|"error"|"no_data",
// code, message}, every failure mapped onto the one error hierarchy (../errors.ts) through
// FYERS_ERRORS (the envelope's code, then the HTTP status); one request budget per app across all
// REST (10 a second, 200 a minute); and POST /data/symbol-token, which maps tickers to fytokens.
import { AuthError, brokerError, BrokerError, errorKind, NetworkError } from '../errors';
import { limitedWithRetry, RateLimiter, type RetryOptions } from '../rate-limit';
import type { BrokerErrorKindTable } from '../types';

const BROKER = 'fyers';

/**
 * Fyers' negative codes and HTTP statuses → kinds. No Fyers page listing the codes was read: -8,
 * -15, -16, -17 (token expired / not authenticated), -50 (bad parameters), -300 (bad symbol) are
 * the codes community clients handle; -99 is the SDKs' "token expired" on the data socket; -16 is
 * also how a refresh is said to be refused when Fyers wants a full login. Unknown codes go by the
 * HTTP status. The simulator answers with these.
 */
export const FYERS_ERRORS: BrokerErrorKindTable = {
  '-8': 'token-expired',
  '-15': 'auth',
  '-16': 'auth',
  '-17': 'token-expired',
  '-99': 'token-expired',
  '-50': 'input',
  '-300': 'input',
  '-429': 'rate-limit',
  '400': 'input',
  '401': 'token-expired',
  '403': 'auth',
  '429': 'rate-limit',
  '500': 'network',
  '502': 'network',
  '503': 'network',
  '504': 'network',
};

export interface FyersEnvelope {
  s?: string;
  code?: number | string;
  message?: string;
  [k: string]: unknown;
}

/** A failed Fyers answer: by its code, else its status (any 5xx is the server's trouble, retried). */
export function fyersRestError(status: number, body: FyersEnvelope | null, what: string): BrokerError {
  const code = body?.code === undefined ? undefined : String(body.code);
  const text = `${what}: HTTP ${status}${code !== undefined && code !== String(status) ? ` ${code}` : ''}${body?.message ? ` (${body.message})` : ''}`;
  const kind = errorKind(FYERS_ERRORS, code, String(status)) ?? (status >= 500 ? 'network' : undefined);
  if (!kind) return new BrokerError(text, BROKER, false);
  return brokerError(kind, kind === 'auth' || kind === 'token-expired' ? `${text}: log in again` : text, BROKER);
}

/**
 * A Fyers REST call: JSON in and out; an answer that is not ok (HTTP, or s: "error") throws from the
 * hierarchy. `refusalIsAuth`: a login step, where any refusal that is not the network's or the rate
 * limit's means the login failed.
 */
export async function fyersRequest(url: string, init: RequestInit, what: string, o: { refusalIsAuth?: boolean } = {}): Promise<FyersEnvelope> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, headers: { Accept: 'application/json', ...(init.headers as Record<string, string>) } });
  } catch (e) {
    throw new NetworkError(`${what}: ${(e as Error).message}`, BROKER);
  }
  let body: FyersEnvelope | null = null;
  try {
    const text = await res.text();
    body = text ? (JSON.parse(text) as FyersEnvelope) : null;
  } catch (e) {
    // A body cut off mid-way (the socket closed): the network's fault, retried.
    if (res.ok) throw new NetworkError(`${what}: ${(e as Error).message}`, BROKER);
  }
  if (res.ok && body && typeof body === 'object' && body.s !== 'error') return body;
  const err = fyersRestError(res.status, body, what);
  if (o.refusalIsAuth && !err.retryable && !(err instanceof AuthError)) throw new AuthError(`${err.message}: log in again`, BROKER);
  throw err;
}

/**
 * Fyers' budget, one per app across all REST: 10 requests a second (spaced evenly, as
 * RateLimiter does) and 200 a minute (a sliding window over the last 200 turns).
 */
export class FyersRateLimiter extends RateLimiter {
  private readonly turns: number[] = [];

  constructor(
    perSecond = 10,
    private readonly perMinute = 200,
    private readonly clock: () => number = Date.now,
    private readonly wait: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    super(perSecond, clock, wait);
  }

  override async take(): Promise<void> {
    await super.take();
    for (;;) {
      const now = this.clock();
      while (this.turns.length && this.turns[0] <= now - 60_000) this.turns.shift();
      if (this.turns.length < this.perMinute) break;
      await this.wait(this.turns[0] + 60_000 - now);
    }
    this.turns.push(this.clock());
  }
}

export interface FyersRestOptions extends RetryOptions {
  /** `https://api-t1.fyers.in/data`, or the simulator's. */
  dataRoot: string;
  appId: string;
  accessToken: string;
  limiter?: RateLimiter;
}

/** Tickers per symbol-token request (the HSM library subscribes at most 1500 a request). */
export const SYMBOL_TOKEN_BATCH = 500;

/**
 * POST /data/symbol-token: tickers (NSE:SBIN-EQ) → fytokens, as the SDKs do before subscribing;
 * the feed keeps the topics made from them, so a reconnect needs no new call (the SDKs saw this
 * call fail right after reconnects). Retried on network errors and 429s.
 */
export async function fetchSymbolTokens(o: FyersRestOptions, symbols: readonly string[]): Promise<{ valid: Map<string, string>; invalid: string[] }> {
  const limiter = o.limiter ?? new FyersRateLimiter();
  const valid = new Map<string, string>();
  const invalid: string[] = [];
  for (let i = 0; i < symbols.length; i += SYMBOL_TOKEN_BATCH) {
    const batch = symbols.slice(i, i + SYMBOL_TOKEN_BATCH);
    const body = await limitedWithRetry(limiter, o, () => {}, () =>
      fyersRequest(
        `${o.dataRoot}/symbol-token`,
        { method: 'POST', headers: { Authorization: `${o.appId}:${o.accessToken}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ symbols: batch }) },
        'Fyers symbol-token',
      ),
    );
    const map = body.validSymbol && typeof body.validSymbol === 'object' ? (body.validSymbol as Record<string, unknown>) : {};
    for (const s of batch) {
      const t = map[s];
      if (typeof t === 'string' && /^\d{10,}$/.test(t)) valid.set(s, t);
      else invalid.push(s);
    }
  }
  return { valid, invalid };
}
