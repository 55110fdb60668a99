// One error hierarchy for every broker, so retry policy is written once (see STYLE.md, ccxt).

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
