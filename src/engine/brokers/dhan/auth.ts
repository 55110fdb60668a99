// Dhan access tokens: read the JWT's payload (no signature check: we only need what it says about
// itself) to know its expiry and consumer type (specs/dhan.md §4.5, §6).

export interface DhanTokenInfo {
  clientId?: string;
  /** Expiry, ms UTC. */
  expiresAt?: number;
  /** "SELF" (generated on web.dhan.co) or "APP" (TOTP / API-key flows). */
  consumerType?: string;
}

export function decodeDhanToken(jwt: string): DhanTokenInfo {
  const parts = jwt.split('.');
  if (parts.length !== 3) throw new Error('not a JWT (expected header.payload.signature)');
  let payload: Record<string, unknown>;
  try {
    payload = JSON.parse(Buffer.from(parts[1].replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8'));
  } catch {
    throw new Error('the JWT payload is not JSON');
  }
  return {
    clientId: typeof payload.dhanClientId === 'string' ? payload.dhanClientId : undefined,
    expiresAt: typeof payload.exp === 'number' ? payload.exp * 1000 : undefined,
    consumerType: typeof payload.tokenConsumerType === 'string' ? payload.tokenConsumerType : undefined,
  };
}

/** Warnings to show before using a token: expired or about to, or the wrong type for 200 levels. */
export function dhanTokenWarnings(jwt: string, opts: { depth200: boolean; now?: number; warnAheadMs?: number }): string[] {
  const out: string[] = [];
  let info: DhanTokenInfo;
  try {
    info = decodeDhanToken(jwt);
  } catch (e) {
    return [`cannot read the access token: ${(e as Error).message}`];
  }
  const now = opts.now ?? Date.now();
  if (info.expiresAt !== undefined) {
    if (info.expiresAt <= now) out.push(`the Dhan access token expired at ${new Date(info.expiresAt).toISOString()}: log in again`);
    else if (info.expiresAt - now < (opts.warnAheadMs ?? 3_600_000))
      out.push(`the Dhan access token expires at ${new Date(info.expiresAt).toISOString()}`);
  }
  if (opts.depth200 && info.consumerType === 'APP')
    out.push(
      "this is an APP-type token (TOTP/API-key flow); Dhan's 200-level depth server has been seen to reject these: generate a token on web.dhan.co for 200 levels",
    );
  return out;
}
