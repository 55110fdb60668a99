// One error hierarchy for every broker, so retry policy is written once (see STYLE.md, ccxt). A
// broker maps its own error codes onto it with a table of kinds (brokerError), not with branches.

export class BrokerError extends Error {
  constructor(
    message: string,
    readonly broker: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Credentials rejected: retrying cannot help; the user must log in again. */
export class AuthError extends BrokerError {
  constructor(message: string, broker: string) {
    super(message, broker, false);
  }
}

/** The session ended (daily expiry, logout, login elsewhere): show a re-login prompt. */
export class TokenExpired extends AuthError {}

/**
 * The account may not do this (a data plan not subscribed, a segment not activated): logging in
 * again cannot help, nor can retrying; the account has to change.
 */
export class AccessDenied extends BrokerError {
  constructor(message: string, broker: string) {
    super(message, broker, false);
  }
}

/** The broker refused the request itself (a bad parameter, a range it does not serve): fix it, do not retry it. */
export class InputError extends BrokerError {
  constructor(message: string, broker: string) {
    super(message, broker, false);
  }
}

/** Too many requests or connections: retry later, slower. */
export class RateLimited extends BrokerError {
  constructor(message: string, broker: string) {
    super(message, broker, true);
  }
}

/** The network or the broker's server failed: retry with backoff. */
export class NetworkError extends BrokerError {
  constructor(message: string, broker: string) {
    super(message, broker, true);
  }
}

/** The broker sent something that breaks its own protocol: count it, skip it. */
export class ProtocolError extends BrokerError {
  constructor(message: string, broker: string) {
    super(message, broker, false);
  }
}

/** The kinds a broker's error codes map onto, each with its class. */
const KINDS = {
  auth: AuthError,
  'token-expired': TokenExpired,
  'access-denied': AccessDenied,
  input: InputError,
  'rate-limit': RateLimited,
  network: NetworkError,
  protocol: ProtocolError,
} as const;

export type BrokerErrorKind = keyof typeof KINDS;

/**
 * The kind the first known key maps to in a broker's code table (its error code, then its HTTP
 * status, say). Own keys only: a code the broker sends that happens to be named "constructor" is
 * unknown, not Object's.
 */
export function errorKind(table: Readonly<Record<string, BrokerErrorKind>>, ...keys: ReadonlyArray<string | undefined>): BrokerErrorKind | undefined {
  for (const k of keys) if (k !== undefined && Object.hasOwn(table, k)) return table[k];
  return undefined;
}

/** The error of a kind, for a broker's code table: `brokerError(TABLE[code], text, 'dhan')`. */
export function brokerError(kind: BrokerErrorKind, message: string, broker: string): BrokerError {
  return new KINDS[kind](message, broker);
}
