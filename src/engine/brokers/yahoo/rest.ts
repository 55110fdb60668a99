// Yahoo's REST answers and their errors (specs/fyers-upstox-yahoo.md §3.1, §3.5): one GET that
// hands back status and text (a throttled Yahoo answers 429 in plain text, "Edge: Too Many
// Requests", so JSON is not assumed), and the table that maps Yahoo's error codes — the `code` of
// {chart|finance: {result: null, error: {code, description}}} — then the HTTP status onto the one
// error hierarchy (../errors.ts).
import { brokerError, errorKind, NetworkError, type BrokerError } from '../errors';
import type { BrokerErrorKindTable } from '../types';
import { BROKER } from './auth';

/** Yahoo's error codes (and descriptions that say more), then HTTP statuses → kinds of the one hierarchy. */
export const YAHOO_ERRORS: BrokerErrorKindTable = {
  'Not Found': 'input', // "No data found, symbol may be delisted"
  'Bad Request': 'input', // "Invalid input - start date cannot be after end date"
  'Unprocessable Entity': 'input', // "Only 8 days worth of 1m granularity data are allowed…"
  Unauthorized: 'auth', // "Invalid Crumb" / "Invalid Cookie": fetched again (auth.ts)
  'Invalid Crumb': 'auth',
  'Invalid Cookie': 'auth',
  Forbidden: 'access-denied',
  'Too Many Requests': 'rate-limit',
  'Internal Server Error': 'network',
  'Service Unavailable': 'network',
  '400': 'input',
  '401': 'auth',
  '403': 'access-denied',
  '404': 'input',
  '422': 'input',
  '429': 'rate-limit',
  '500': 'network',
  '502': 'network',
  '503': 'network',
  '504': 'network',
};

export interface YahooAnswer {
  status: number;
  body: string;
}

/** GET with Yahoo's headers; the answer whatever its status. A failed connection is a NetworkError. */
export async function yahooGet(url: string, headers: Record<string, string>, what: string): Promise<YahooAnswer> {
  let res: Response;
  try {
    res = await fetch(url, { headers });
  } catch (e) {
    throw new NetworkError(`${what}: ${(e as Error).message}`, BROKER);
  }
  try {
    return { status: res.status, body: await res.text() };
  } catch (e) {
    throw new NetworkError(`${what}: the answer was cut off (${(e as Error).message})`, BROKER);
  }
}

/** Yahoo's error object in a JSON answer ({chart|finance|…: {result: null, error: {code, description}}}), if any. */
export function yahooErrorOf(body: string): { code: string; description: string } | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof json !== 'object' || json === null) return undefined;
  for (const v of Object.values(json)) {
    const err = (v as { error?: { code?: unknown; description?: unknown } } | null)?.error;
    if (err && typeof err === 'object' && typeof err.code === 'string') return { code: err.code, description: typeof err.description === 'string' ? err.description : '' };
  }
  return undefined;
}

/**
 * The error a failed answer stands for: plain-text throttling, then Yahoo's code (its
 * description first where that says more, e.g. "Invalid Crumb"), then the status; 5xx otherwise
 * is the server's trouble (retried), anything else a protocol error.
 */
export function yahooRestError(status: number, body: string, what: string): BrokerError {
  const err = yahooErrorOf(body);
  if (!err) {
    const text = body.trim().slice(0, 120);
    if (status === 429 || /too many requests/i.test(text)) return brokerError('rate-limit', `${what}: HTTP ${status} ${text || 'Too Many Requests'}`, BROKER);
    const kind = errorKind(YAHOO_ERRORS, String(status)) ?? (status >= 500 ? 'network' : 'protocol');
    return brokerError(kind, `${what}: HTTP ${status}${text ? ` ${JSON.stringify(text.slice(0, 80))}` : ''}`, BROKER);
  }
  const kind = errorKind(YAHOO_ERRORS, err.description, err.code, String(status)) ?? (status >= 500 ? 'network' : 'protocol');
  return brokerError(kind, `${what}: HTTP ${status} ${err.code}: ${err.description}`, BROKER);
}
