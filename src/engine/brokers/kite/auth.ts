// Kite Connect login (specs/kite.md §4): the login URL, the redirect with a single-use request
// token, and its exchange for an access token with checksum = sha256(api_key + request_token +
// api_secret). The secret never leaves this process.
import { createHash, randomBytes } from 'node:crypto';
import { IST_MS } from '../../../shared/ist';
import { loopbackLogin, type LoginResult, type LoopbackLoginOptions } from '../../auth/login-flow';
import { saveSession, type StoredSession } from '../../auth/session-store';
import { AuthError, BrokerError, NetworkError } from '../errors';

export const KITE_LOGIN_ROOT = 'https://kite.zerodha.com';
export const KITE_REST_ROOT = 'https://api.kite.trade';

/** The page the user logs in on; `state` comes back on the redirect (redirect_params) to bind it to us. */
export function kiteLoginUrl(apiKey: string, state: string, loginRoot = KITE_LOGIN_ROOT): string {
  return `${loginRoot}/connect/login?v=3&api_key=${encodeURIComponent(apiKey)}&redirect_params=${encodeURIComponent(`state=${state}`)}`;
}

export function kiteChecksum(apiKey: string, requestToken: string, apiSecret: string): string {
  return createHash('sha256').update(apiKey + requestToken + apiSecret).digest('hex');
}

/**
 * The request token from the redirect URL; refuses a failed login, a missing token, or a redirect
 * that does not carry our state (someone else's login pushed at our listener).
 */
export function parseKiteRedirect(url: string | URL, expectedState?: string): string {
  const u = typeof url === 'string' ? new URL(url) : url;
  const q = u.searchParams;
  if (q.get('status') && q.get('status') !== 'success') throw new AuthError(`Kite login did not succeed (status=${q.get('status')})`, 'kite');
  if (expectedState !== undefined && q.get('state') !== expectedState) throw new AuthError('the redirect does not belong to this login (state mismatch)', 'kite');
  const token = q.get('request_token');
  if (!token) throw new AuthError('the redirect carries no request_token', 'kite');
  return token;
}

export interface KiteSession {
  accessToken: string;
  userId: string;
  userName?: string;
  publicToken?: string;
}

/** POST /session/token. A reused or expired request token, or a wrong secret: AuthError. */
export async function exchangeKiteRequestToken(o: { restRoot: string; apiKey: string; apiSecret: string; requestToken: string }): Promise<KiteSession> {
  let res: Response;
  try {
    res = await fetch(`${o.restRoot}/session/token`, {
      method: 'POST',
      headers: { 'X-Kite-Version': '3', 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ api_key: o.apiKey, request_token: o.requestToken, checksum: kiteChecksum(o.apiKey, o.requestToken, o.apiSecret) }),
    });
  } catch (e) {
    throw new NetworkError(`Kite session exchange: ${(e as Error).message}`, 'kite');
  }
  const body = (await res.json().catch(() => null)) as { status?: string; message?: string; error_type?: string; data?: Record<string, unknown> } | null;
  if (res.ok && body?.status === 'success' && typeof body.data?.access_token === 'string')
    return { accessToken: body.data.access_token, userId: String(body.data.user_id ?? ''), userName: body.data.user_name as string | undefined, publicToken: body.data.public_token as string | undefined };
  const msg = `Kite session exchange: HTTP ${res.status} ${body?.error_type ?? ''} ${body?.message ?? ''}`.trim();
  if (res.status === 403 || body?.error_type === 'TokenException') throw new AuthError(msg, 'kite');
  throw new BrokerError(msg, 'kite', res.status >= 500);
}

/** Kite: a token lives until 6 AM IST the next day (specs/kite.md §4). */
export function kiteExpiry(loginAt: number): number {
  const ist = new Date(loginAt + IST_MS);
  let six = Date.UTC(ist.getUTCFullYear(), ist.getUTCMonth(), ist.getUTCDate(), 6, 0) - IST_MS;
  if (six <= loginAt) six += 86400_000;
  return six;
}

/** Kite's redirect → its request token (our state checked) → exchanged → a session until 06:00 IST. */
export async function kiteSessionFromRedirect(url: URL, state: string, o: { restRoot: string; apiKey: string; apiSecret: string }): Promise<StoredSession> {
  const requestToken = parseKiteRedirect(url, state);
  const s = await exchangeKiteRequestToken({ restRoot: o.restRoot, apiKey: o.apiKey, apiSecret: o.apiSecret, requestToken });
  const loginAt = Date.now();
  return { broker: 'kite', apiKey: o.apiKey, accessToken: s.accessToken, userId: s.userId, loginAt, expiresAt: kiteExpiry(loginAt) };
}

export function kiteLoopbackLogin(o: LoopbackLoginOptions & { apiKey: string; apiSecret: string; restRoot: string; loginRoot?: string }): Promise<LoginResult> {
  const state = randomBytes(12).toString('hex');
  return loopbackLogin(
    o,
    'kite',
    '/kite/callback',
    () => kiteLoginUrl(o.apiKey, state, o.loginRoot ?? KITE_LOGIN_ROOT),
    async (url) => {
      // Only a redirect carrying our state belongs to this login (checked before its status,
      // so a forged "status=cancelled" cannot end it either).
      if (url.searchParams.get('state') !== state) return null;
      const s = await kiteSessionFromRedirect(url, state, o);
      return { who: `Kite as ${s.userId}`, saved: saveSession(s, o.dir), until: s.expiresAt, accessToken: s.accessToken };
    },
  );
}
