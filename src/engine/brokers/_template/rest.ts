// The template broker's REST calls: one GET helper that signs the request and turns the broker's
// error answers into the one error hierarchy (../errors.ts) through its code table. Replace the
// codes with your broker's (its error field, its HTTP statuses); keep the shape.
import { brokerError, errorKind, NetworkError, type BrokerError } from '../errors';
import type { BrokerErrorKindTable } from '../types';
import { authHeaders, BROKER } from './auth';

export const TEMPLATE_REST_ROOT = 'https://api.template.invalid';

/** The broker's `error` codes and HTTP statuses → kinds of the one hierarchy. */
export const TEMPLATE_ERRORS: BrokerErrorKindTable = {
  TokenInvalid: 'token-expired',
  BadRequest: 'input',
  NoSuchInstrument: 'input',
  '403': 'token-expired',
  '429': 'rate-limit',
  '500': 'network',
  '503': 'network',
};

/** The error of a failed answer: by the broker's code, else by status, else a plain broker error. */
export function restError(status: number, body: { error?: string; message?: string } | null, what: string): BrokerError {
  const kind = errorKind(TEMPLATE_ERRORS, body?.error, String(status)) ?? (status >= 500 ? 'network' : 'input');
  return brokerError(kind, `${what}: HTTP ${status} ${body?.error ?? ''} ${body?.message ?? ''}`.trim(), BROKER);
}

/** GET a JSON answer; network failures and error answers throw from the hierarchy. */
export async function getJson<T>(url: string, accessToken: string, what: string): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, { headers: authHeaders(accessToken) });
  } catch (e) {
    throw new NetworkError(`${what}: ${(e as Error).message}`, BROKER);
  }
  const body = (await res.json().catch(() => null)) as (T & { error?: string; message?: string }) | null;
  if (!res.ok || body === null) throw restError(res.status, body, what);
  return body;
}
