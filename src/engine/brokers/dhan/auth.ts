// Dhan access tokens (specs/dhan.md §4.5, §6): the API-key consent flow (generate consent → login
// page → tokenId → consume consent), RenewToken, the profile check, and the JWT payload (read, no
// signature check: we only need what the token says about itself, its expiry and consumer type).
import { IST_MS } from '../../../shared/ist';
import { loopbackLogin, type LoginResult, type LoopbackLoginOptions } from '../../auth/login-flow';
import { saveSession, type StoredSession } from '../../auth/session-store';
import { AuthError, BrokerError } from '../errors';
import { dhanRequest } from './rest';

export const DHAN_AUTH_ROOT = 'https://auth.dhan.co';
export const DHAN_API_ROOT = 'https://api.dhan.co/v2';

/** Dhan's auth and API hosts, or one root serving both (the simulator: `/v2/…` and `/app/…`). */
export function dhanRoots(restRoot?: string): { apiRoot: string; authRoot: string } {
  const rest = restRoot?.replace(/\/$/, '');
  return rest ? { apiRoot: `${rest}/v2`, authRoot: rest } : { apiRoot: DHAN_API_ROOT, authRoot: DHAN_AUTH_ROOT };
}

/** What a login or a renewal gives. */
export interface DhanSession {
  clientId: string;
  clientName?: string;
  accessToken: string;
  /** ms UTC: the earlier of the response's expiryTime (read as IST) and the JWT's exp. */
  expiresAt: number;
  consumerType?: string;
}

export interface DhanProfile {
  clientId: string;
  /** ms UTC, from tokenValidity ("dd/MM/yyyy HH:mm", IST). */
  tokenValidUntil?: number;
  activeSegments: string[];
  dataPlanActive: boolean;
  dataValidity?: string;
}


/**
 * Dhan's times carry no zone and are IST: "2025-09-23T12:37:23", "2025-09-23 12:37:23",
 * "30/03/2025 15:37". Returns ms UTC, or undefined when unreadable. A time with a zone is honoured.
 */
export function parseDhanTime(text: unknown): number | undefined {
  if (typeof text !== 'string' || !text) return undefined;
  const dmy = /^(\d{2})\/(\d{2})\/(\d{4})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(text.trim());
  if (dmy) return Date.UTC(+dmy[3], +dmy[2] - 1, +dmy[1], +dmy[4], +dmy[5], +(dmy[6] ?? 0)) - IST_MS;
  const iso = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(text.trim());
  if (!iso) return undefined;
  if (iso[7]) return Date.parse(text.trim().replace(' ', 'T'));
  return Date.UTC(+iso[1], +iso[2] - 1, +iso[3], +iso[4], +iso[5], +(iso[6] ?? 0)) - IST_MS;
}

function sessionOf(body: Record<string, unknown>, what: string): DhanSession {
  const accessToken = body.accessToken;
  if (typeof accessToken !== 'string' || !accessToken) throw new BrokerError(`${what}: no accessToken in the answer`, 'dhan', false);
  let jwt: DhanTokenInfo = {};
  try {
    jwt = decodeDhanToken(accessToken);
  } catch {
    // Not a JWT: rely on expiryTime.
  }
  const stated = parseDhanTime(body.expiryTime);
  const candidates = [stated, jwt.expiresAt].filter((x): x is number => x !== undefined);
  return {
    clientId: String(body.dhanClientId ?? jwt.clientId ?? ''),
    clientName: typeof body.dhanClientName === 'string' ? body.dhanClientName : undefined,
    accessToken,
    // Unknown expiry: assume the documented 24 hours.
    expiresAt: candidates.length ? Math.min(...candidates) : Date.now() + 24 * 3600_000,
    consumerType: jwt.consumerType,
  };
}

export interface DhanAppCredentials {
  clientId: string;
  apiKey: string;
  apiSecret: string;
  /** auth.dhan.co, or the simulator's root. */
  authRoot?: string;
}

/** Step 2 of the API-key flow: a consentAppId (at most 25 a day, §6.3). */
export async function generateDhanConsent(c: DhanAppCredentials): Promise<string> {
  const body = await dhanRequest(
    `${c.authRoot ?? DHAN_AUTH_ROOT}/app/generate-consent?client_id=${encodeURIComponent(c.clientId)}`,
    { method: 'POST', headers: { app_id: c.apiKey, app_secret: c.apiSecret } },
    'Dhan generate-consent',
  );
  if (body.status !== 'success' || typeof body.consentAppId !== 'string') throw new BrokerError(`Dhan generate-consent: ${String(body.status ?? 'no status')}`, 'dhan', false);
  return body.consentAppId;
}

/** Step 3: the page where the user logs in; it ends with a redirect to `<redirect URL>?tokenId=…`. */
export function dhanConsentLoginUrl(consentAppId: string, authRoot = DHAN_AUTH_ROOT): string {
  return `${authRoot}/login/consentApp-login?consentAppId=${encodeURIComponent(consentAppId)}`;
}

/** The tokenId from the redirect URL the login page sent the browser to, or null. */
export function dhanTokenIdFromRedirect(url: string): string | null {
  try {
    return new URL(url).searchParams.get('tokenId');
  } catch {
    return null;
  }
}

/** Step 4: the tokenId for an access token. GET as the Python SDK does; POST (as documented) if GET is refused. */
export async function consumeDhanConsent(c: DhanAppCredentials, tokenId: string): Promise<DhanSession> {
  const url = `${c.authRoot ?? DHAN_AUTH_ROOT}/app/consumeApp-consent?tokenId=${encodeURIComponent(tokenId)}`;
  const headers = { app_id: c.apiKey, app_secret: c.apiSecret };
  let body: Record<string, unknown>;
  try {
    body = await dhanRequest(url, { method: 'GET', headers }, 'Dhan consume-consent');
  } catch (e) {
    if (!(e instanceof BrokerError) || !/HTTP 405/.test(e.message)) throw e;
    body = await dhanRequest(url, { method: 'POST', headers }, 'Dhan consume-consent');
  }
  return sessionOf(body, 'Dhan consume-consent');
}

export interface DhanTokenRef {
  clientId: string;
  accessToken: string;
  /** api.dhan.co/v2, or the simulator's. */
  apiRoot?: string;
}

/** A fresh 24-hour token for a token that is still valid (an expired one is refused: log in again). */
export async function renewDhanToken(t: DhanTokenRef): Promise<DhanSession> {
  const body = await dhanRequest(
    `${t.apiRoot ?? DHAN_API_ROOT}/RenewToken`,
    { method: 'GET', headers: { 'access-token': t.accessToken, dhanClientId: t.clientId } },
    'Dhan RenewToken',
  );
  return sessionOf(body, 'Dhan RenewToken');
}

/** Validates a token: who it belongs to, until when, and whether the Data API plan is active. */
export async function fetchDhanProfile(t: DhanTokenRef): Promise<DhanProfile> {
  const body = await dhanRequest(`${t.apiRoot ?? DHAN_API_ROOT}/profile`, { headers: { 'access-token': t.accessToken, 'client-id': t.clientId } }, 'Dhan profile');
  return {
    clientId: String(body.dhanClientId ?? ''),
    tokenValidUntil: parseDhanTime(body.tokenValidity),
    activeSegments: String(body.activeSegment ?? '')
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
    dataPlanActive: body.dataPlan === 'Active',
    dataValidity: typeof body.dataValidity === 'string' ? body.dataValidity : undefined,
  };
}

/** When to renew: an hour before expiry, or halfway there for a token with less than two hours left. */
export function dhanRenewAt(expiresAt: number, now = Date.now()): number {
  const left = expiresAt - now;
  return left > 2 * 3600_000 ? expiresAt - 3600_000 : now + Math.max(0, left / 2);
}

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

/** Dhan's consent redirect → its tokenId → consumed → a session; `who` names the account. */
export async function dhanSessionFromRedirect(url: URL, app: DhanAppCredentials): Promise<{ session: StoredSession; who: string }> {
  const tokenId = dhanTokenIdFromRedirect(url.toString());
  if (!tokenId) throw new AuthError('the redirect carries no tokenId', 'dhan');
  const s = await consumeDhanConsent(app, tokenId);
  const session: StoredSession = { broker: 'dhan', clientId: s.clientId || app.clientId, accessToken: s.accessToken, loginAt: Date.now(), expiresAt: s.expiresAt };
  return { session, who: s.clientName ?? s.clientId ?? app.clientId };
}

/**
 * Dhan: an access token generated on web.dhan.co, checked with /v2/profile (a refused token throws)
 * and valid until the earlier of the profile's validity and the token's own expiry (24 hours when
 * neither says).
 */
export async function dhanPastedSession(o: { clientId: string; accessToken: string; apiRoot: string }): Promise<{ session: StoredSession; who: string }> {
  const profile = await fetchDhanProfile(o);
  let jwtExpiry: number | undefined;
  try {
    jwtExpiry = decodeDhanToken(o.accessToken).expiresAt;
  } catch {
    // not a JWT: the profile's validity is all there is
  }
  const known = [profile.tokenValidUntil, jwtExpiry].filter((t): t is number => t !== undefined);
  const loginAt = Date.now();
  const expiresAt = known.length ? Math.min(...known) : loginAt + 24 * 3600_000;
  return { session: { broker: 'dhan', clientId: o.clientId, accessToken: o.accessToken, loginAt, expiresAt }, who: profile.clientId || o.clientId };
}

export async function dhanLoopbackLogin(o: LoopbackLoginOptions & { clientId: string; apiKey: string; apiSecret: string; authRoot?: string }): Promise<LoginResult> {
  const app = { clientId: o.clientId, apiKey: o.apiKey, apiSecret: o.apiSecret, authRoot: o.authRoot ?? DHAN_AUTH_ROOT };
  const consentAppId = await generateDhanConsent(app);
  return loopbackLogin(
    o,
    'dhan',
    '/dhan/callback',
    () => dhanConsentLoginUrl(consentAppId, app.authRoot),
    async (url) => {
      // Dhan's redirect carries only a tokenId (specs/dhan.md §6.3), no consent id to compare, so
      // Dhan checks it: a tokenId it refuses for our app (HTTP 4xx, not our credentials, not a rate
      // limit) was forged or already used, like a redirect with none.
      if (!url.searchParams.get('tokenId')) return null;
      const found = await dhanSessionFromRedirect(url, app).catch((e: unknown) => {
        if (refusedTokenId(e)) return null;
        throw e;
      });
      if (!found) return null;
      const { session, who } = found;
      return { who: `Dhan as ${who}`, saved: saveSession(session, o.dir), until: session.expiresAt, accessToken: session.accessToken };
    },
  );
}

/** Dhan answered consume-consent with a 4xx about the tokenId itself (not our app's credentials, not a rate limit). */
function refusedTokenId(e: unknown): boolean {
  return e instanceof BrokerError && !(e instanceof AuthError) && !e.retryable && /consume-consent: HTTP 4\d\d/.test(e.message);
}
