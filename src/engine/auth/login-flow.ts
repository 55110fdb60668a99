// A broker login through the user's browser and a one-shot 127.0.0.1 listener, shared by
// `tickdesk login` and the UI's "Log in" (the engine runs it, the page opens the URL): the login
// page is shown, the redirect is caught, the token is exchanged here and the session saved (0600).
import { randomBytes } from 'node:crypto';
import { awaitRedirect } from './loopback';
import { kiteExpiry, saveSession, type StoredSession } from './session-store';
import { consumeDhanConsent, decodeDhanToken, dhanConsentLoginUrl, dhanTokenIdFromRedirect, DHAN_AUTH_ROOT, fetchDhanProfile, generateDhanConsent, type DhanAppCredentials } from '../brokers/dhan/auth';
import { AuthError, BrokerError } from '../brokers/errors';
import { exchangeKiteRequestToken, kiteLoginUrl, KITE_LOGIN_ROOT, parseKiteRedirect } from '../brokers/kite/login';

export interface LoginResult {
  who: string;
  saved: string;
  until: number;
  accessToken: string;
}

export interface LoopbackLoginOptions {
  port: number;
  timeoutMs: number;
  /** Where the session file goes. */
  dir: string;
  /** Called once the listener is up, with the page the user must open. */
  onUrl: (url: string) => void;
}

/**
 * Listens, shows the login page, finishes with what the redirect brings. `finish` returns null for
 * a redirect that is not this login's (forged by a web page, or a stale tab reloaded): the
 * listener answers it 404 and keeps waiting for the real one.
 */
async function loopbackLogin(o: LoopbackLoginOptions, path: string, loginUrl: () => string, finish: (url: URL) => Promise<LoginResult | null>): Promise<LoginResult> {
  let failure: Error | null = null;
  let result: LoginResult | null = null;
  await awaitRedirect({
    port: o.port,
    path,
    timeoutMs: o.timeoutMs,
    onListening: () => o.onUrl(loginUrl()),
    page: async (url) => {
      try {
        const done = await finish(url);
        if (!done) return null;
        result = done;
        return { ok: true, text: `Logged in to ${done.who}. You can close this tab.` };
      } catch (e) {
        failure = e as Error;
        return { ok: false, text: `Login failed: ${(e as Error).message}` };
      }
    },
  });
  if (failure) throw failure;
  if (!result) throw new AuthError('the login ended without a session', 'kite');
  return result;
}

/** Kite's redirect → its request token (our state checked) → exchanged → a session until 06:00 IST. */
export async function kiteSessionFromRedirect(url: URL, state: string, o: { restRoot: string; apiKey: string; apiSecret: string }): Promise<StoredSession> {
  const requestToken = parseKiteRedirect(url, state);
  const s = await exchangeKiteRequestToken({ restRoot: o.restRoot, apiKey: o.apiKey, apiSecret: o.apiSecret, requestToken });
  const loginAt = Date.now();
  return { broker: 'kite', apiKey: o.apiKey, accessToken: s.accessToken, userId: s.userId, loginAt, expiresAt: kiteExpiry(loginAt) };
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

export function kiteLoopbackLogin(o: LoopbackLoginOptions & { apiKey: string; apiSecret: string; restRoot: string; loginRoot?: string }): Promise<LoginResult> {
  const state = randomBytes(12).toString('hex');
  return loopbackLogin(
    o,
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

export async function dhanLoopbackLogin(o: LoopbackLoginOptions & { clientId: string; apiKey: string; apiSecret: string; authRoot?: string }): Promise<LoginResult> {
  const app = { clientId: o.clientId, apiKey: o.apiKey, apiSecret: o.apiSecret, authRoot: o.authRoot ?? DHAN_AUTH_ROOT };
  const consentAppId = await generateDhanConsent(app);
  return loopbackLogin(
    o,
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
