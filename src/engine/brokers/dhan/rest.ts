// Dhan's REST calls and error codes (specs/dhan.md §6.5): JSON in and out, every failure mapped
// onto the one broker error hierarchy (errors.ts) through DHAN_ERROR_CODES, then the HTTP status.
import { BrokerError, brokerError, NetworkError, type BrokerErrorKind } from '../errors';

export interface DhanErrorBody {
  errorType?: string;
  errorCode?: string;
  errorMessage?: string;
  status?: string;
  remarks?: unknown;
}

/**
 * Dhan's DH-9xx codes (specs/dhan.md §6.5) on the broker error hierarchy. DH-906 is "Order" in the
 * documentation, but Dhan answers an expired or ended token on REST with HTTP 400 DH-906 "Invalid
 * Token", and Tickdesk places no orders: it means log in again, as 807–809 do on the feeds.
 * DH-910 ("Other") and unknown codes go by the HTTP status.
 */
export const DHAN_ERROR_CODES: Readonly<Record<string, BrokerErrorKind>> = {
  'DH-901': 'auth', // authentication: invalid client id or token
  'DH-902': 'access-denied', // no access: Data APIs not subscribed, Trading APIs not enabled
  'DH-903': 'access-denied', // account: a segment not activated, a requirement not met
  'DH-904': 'rate-limit',
  'DH-905': 'input', // bad or missing fields, dates out of range
  'DH-906': 'token-expired', // "Invalid Token" (HTTP 400) on an expired token
  'DH-907': 'input', // data: nothing for those parameters
  'DH-908': 'network', // Dhan's internal error
  'DH-909': 'network',
};

/** By HTTP status when the code says nothing: 5xx is the server's trouble, retried. */
function dhanStatusKind(status: number): BrokerErrorKind | undefined {
  if (status === 401) return 'auth';
  if (status === 429) return 'rate-limit';
  return status >= 500 ? 'network' : undefined;
}

/** A failed Dhan REST answer mapped onto the broker error hierarchy (DHAN_ERROR_CODES, then the status). */
export function dhanRestError(status: number, body: DhanErrorBody | null, what: string): BrokerError {
  const code = String(body?.errorCode ?? '');
  const text = `${what}: HTTP ${status}${code ? ` ${code}` : ''}${body?.errorMessage ? ` (${body.errorMessage})` : ''}`;
  let kind = (Object.hasOwn(DHAN_ERROR_CODES, code) ? DHAN_ERROR_CODES[code] : undefined) ?? dhanStatusKind(status);
  if (!kind) return new BrokerError(text, 'dhan', false);
  // DH-901 covers both a wrong token and one that ran out ("invalid or expired").
  if (kind === 'auth' && /expir/i.test(body?.errorMessage ?? '')) kind = 'token-expired';
  return brokerError(kind, kind === 'auth' || kind === 'token-expired' ? `${text}: log in again` : text, 'dhan');
}

/** A Dhan REST call: JSON in and out, failures mapped onto the broker error hierarchy. */
export async function dhanRequest(url: string, init: RequestInit, what: string): Promise<Record<string, unknown>> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, headers: { Accept: 'application/json', ...(init.headers as Record<string, string>) } });
  } catch (e) {
    throw new NetworkError(`${what}: ${(e as Error).message}`, 'dhan');
  }
  const text = await res.text();
  let body: Record<string, unknown> | null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!res.ok) throw dhanRestError(res.status, body as DhanErrorBody | null, what);
  if (!body || typeof body !== 'object') throw new BrokerError(`${what}: the answer is not JSON`, 'dhan', false);
  return body;
}
