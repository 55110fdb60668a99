// Kite's REST errors: the `error_type` of its JSON answers and its HTTP statuses → the one error
// hierarchy (../errors.ts), as data (ccxt's `exceptions.exact` then `broad`).
import { BrokerError, brokerError, errorKind } from '../errors';
import type { BrokerErrorKindTable } from '../types';

export const KITE_ERROR_TYPES: BrokerErrorKindTable = {
  TokenException: 'token-expired',
  PermissionException: 'access-denied',
  InputException: 'input',
  DataException: 'protocol',
  NetworkException: 'network',
  OrderException: 'input',
  '403': 'token-expired',
  '429': 'rate-limit',
  '500': 'network',
  '502': 'network',
  '503': 'network',
  '504': 'network',
};

/** A failed Kite answer: by its error_type, else its status (any 5xx is the server's trouble, retried). */
export function kiteRestError(status: number, body: { error_type?: string; message?: string } | null, what: string): BrokerError {
  const msg = `${what}: HTTP ${status} ${body?.error_type ?? ''} ${body?.message ?? ''}`.trim();
  const kind = errorKind(KITE_ERROR_TYPES, body?.error_type, String(status)) ?? (status >= 500 ? 'network' : undefined);
  if (!kind) return new BrokerError(msg, 'kite', false);
  return brokerError(kind, kind === 'token-expired' || kind === 'auth' ? `${msg}: log in again` : msg, 'kite');
}
