// Upstox login (specs/fyers-upstox-yahoo.md §2.2): the authorization dialog (client_id, redirect_uri,
// our state) → the redirect with a code → POST /v2/login/authorization/token, form-encoded (the code
// is single-use even when the exchange fails) → an access token valid until 03:30 IST the next day,
// whatever the time it was issued (one minted at 02:30 dies at 03:30 the same day); no refresh token.
// Or the read-only Analytics Token, pasted (a year's validity), checked with a market quote before it
// is kept. Upstox's tokens have been JWTs — `sub` the user id (the account), `exp` the end — and are
// read as such where they are (never trusted beyond what the broker answers); the docs now call the
// token opaque, and then nothing is read from it: the 03:30 rule (or a year, pasted) stands, and
// the broker's 401 says the rest. The secret never leaves this process.
import { randomBytes } from 'node:crypto';
import { IST_MS } from '../../../shared/ist';
import { loopbackLogin, type LoginResult, type LoopbackLoginOptions } from '../../auth/login-flow';
import { saveSession, type StoredSession } from '../../auth/session-store';
import { AuthError } from '../errors';
import { fetchUpstoxLtp, PROBE_KEY, upstoxRequest } from './rest';

/** The name Upstox's instruments, candles, feed and sessions go by. */
export const BROKER = 'upstox';
export const TOKEN_ENV = 'UPSTOX_ACCESS_TOKEN';
/** The app's API key (OAuth client_id) and secret. */
export const API_KEY_ENV = 'UPSTOX_API_KEY';
export const API_SECRET_ENV = 'UPSTOX_API_SECRET';

/** REST (v2 and v3 paths) and the authorization dialog. */
export const UPSTOX_API_ROOT = 'https://api.upstox.com';
export const UPSTOX_LOGIN_ROOT = UPSTOX_API_ROOT;
/** The BOD instrument files (`/market-quote/instruments/exchange/complete.json.gz`). */
export const UPSTOX_ASSETS_ROOT = 'https://assets.upstox.com';
/** Where the dialog hands over to Upstox's login pages (the desktop popup may move between them). */
export const UPSTOX_LOGIN_ORIGINS = ['https://api.upstox.com', 'https://login.upstox.com'];

/** An analytics token's validity (Upstox: one year from generation), when its JWT says nothing. */
export const ANALYTICS_TOKEN_MS = 365 * 86400_000;

/** Where each part answers: Upstox's hosts, or one root serving all of them (the simulator). */
export function upstoxRoots(restRoot?: string): { api: string; assets: string } {
  const root = restRoot?.replace(/\/$/, '');
  return root ? { api: root, assets: root } : { api: UPSTOX_API_ROOT, assets: UPSTOX_ASSETS_ROOT };
}

/** 03:30 IST after `loginAt`: an access token's end (the same day's 03:30 when issued before it). */
export function upstoxExpiry(loginAt: number): number {
  const ist = new Date(loginAt + IST_MS);
  let end = Date.UTC(ist.getUTCFullYear(), ist.getUTCMonth(), ist.getUTCDate(), 3, 30) - IST_MS;
  if (end <= loginAt) end += 86400_000;
  return end;
}

/** The authorization dialog; Upstox sends the browser to `redirectUri` with the code and our state. */
export function upstoxLoginUrl(apiKey: string, redirectUri: string, state: string, loginRoot = UPSTOX_LOGIN_ROOT): string {
  const q = new URLSearchParams({ response_type: 'code', client_id: apiKey, redirect_uri: redirectUri, state });
  return `${loginRoot.replace(/\/$/, '')}/v2/login/authorization/dialog?${q}`;
}

/** The code of a redirect; refuses another login's redirect (state), an error redirect, a missing code. */
export function parseUpstoxRedirect(url: string | URL, expectedState?: string): string {
  const q = (typeof url === 'string' ? new URL(url) : url).searchParams;
  if (expectedState !== undefined && q.get('state') !== expectedState) throw new AuthError('the redirect does not belong to this login (state mismatch)', BROKER);
  const error = q.get('error') ?? q.get('errorCode');
  if (error) throw new AuthError(`Upstox login did not succeed (${error}${q.get('error_description') ? `: ${q.get('error_description')}` : ''})`, BROKER);
  const code = q.get('code');
  if (!code) throw new AuthError('the redirect carries no code', BROKER);
  return code;
}

export interface UpstoxTokenInfo {
  /** The user id (UCC), `sub`. */
  userId?: string;
  /** ms UTC, from `exp`. */
  expiresAt?: number;
}

/** What an Upstox JWT says about itself (read, not verified); {} when the token is not one. */
export function decodeUpstoxToken(token: string): UpstoxTokenInfo {
  const parts = token.split('.');
  if (parts.length !== 3) return {};
  try {
    const p = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as Record<string, unknown>;
    return {
      userId: typeof p.sub === 'string' && p.sub ? p.sub : undefined,
      expiresAt: typeof p.exp === 'number' ? p.exp * 1000 : undefined,
    };
  } catch {
    return {};
  }
}

export interface UpstoxApp {
  apiKey: string;
  apiSecret: string;
  redirectUri: string;
  /** `https://api.upstox.com`, or the simulator's. */
  apiRoot: string;
}

/**
 * POST /v2/login/authorization/token: the code for an access token (the answer is not wrapped in
 * the success envelope: email, user_id, user_name, access_token, extended_token, …). The code is
 * spent either way. Any refusal: AuthError.
 */
export async function exchangeUpstoxCode(app: UpstoxApp, code: string): Promise<{ accessToken: string; userId?: string; userName?: string }> {
  const form = new URLSearchParams({ code, client_id: app.apiKey, client_secret: app.apiSecret, redirect_uri: app.redirectUri, grant_type: 'authorization_code' });
  const body = await upstoxRequest(
    `${app.apiRoot}/v2/login/authorization/token`,
    { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Api-Version': '2.0' }, body: form.toString() },
    'Upstox token exchange',
    { refusalIsAuth: true },
  );
  // Some answers wrap it after all ({status, data}); take either.
  const d = (body.access_token === undefined && body.data && typeof body.data === 'object' ? body.data : body) as Record<string, unknown>;
  if (typeof d.access_token !== 'string' || !d.access_token) throw new AuthError('Upstox token exchange: no access_token in the answer', BROKER);
  const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  return { accessToken: d.access_token, userId: str(d.user_id), userName: str(d.user_name) };
}

/**
 * A session for an access token of this app: the account is its user id (clientId), its end 03:30 IST
 * after the login (or the JWT's exp, when that is earlier).
 */
export function upstoxSession(o: { apiKey?: string; accessToken: string; userId?: string; loginAt?: number }): StoredSession {
  const loginAt = o.loginAt ?? Date.now();
  const info = decodeUpstoxToken(o.accessToken);
  const userId = o.userId ?? info.userId;
  const rule = upstoxExpiry(loginAt);
  return { broker: BROKER, apiKey: o.apiKey, clientId: userId, userId, accessToken: o.accessToken, loginAt, expiresAt: info.expiresAt !== undefined ? Math.min(rule, info.expiresAt) : rule };
}

/** Upstox's redirect → its code (our state checked) → exchanged → a session until 03:30 IST. */
export async function upstoxSessionFromRedirect(url: URL, state: string, app: UpstoxApp): Promise<{ session: StoredSession; who: string }> {
  const code = parseUpstoxRedirect(url, state);
  const t = await exchangeUpstoxCode(app, code);
  const session = upstoxSession({ apiKey: app.apiKey, accessToken: t.accessToken, userId: t.userId });
  return { session, who: t.userName ? `${t.userName} (${session.userId ?? app.apiKey})` : (session.userId ?? app.apiKey) };
}

/**
 * A pasted token (the Analytics Token from the developer apps page, or a day's access token),
 * accepted by Upstox before it is kept: it must quote the Nifty 50 (the analytics token may not
 * reach account APIs such as the profile). Its end is the JWT's exp, else a year (analytics).
 */
export async function upstoxPastedSession(o: { accessToken: string; apiRoot: string; now?: number }): Promise<{ session: StoredSession; who: string }> {
  const accessToken = o.accessToken.trim().replace(/^Bearer\s+/i, '');
  // Any refusal of the token itself means it is no good (a 401 is already TokenExpired).
  try {
    await fetchUpstoxLtp({ apiRoot: o.apiRoot, accessToken }, PROBE_KEY);
  } catch (e) {
    if (e instanceof AuthError || !(e as { retryable?: boolean }).retryable) throw new AuthError(`Upstox did not accept the pasted token (${(e as Error).message})`, BROKER);
    throw e;
  }
  const loginAt = o.now ?? Date.now();
  const info = decodeUpstoxToken(accessToken);
  const session: StoredSession = { broker: BROKER, clientId: info.userId, userId: info.userId, accessToken, loginAt, expiresAt: info.expiresAt ?? loginAt + ANALYTICS_TOKEN_MS };
  return { session, who: info.userId ?? 'Upstox (token)' };
}

export interface UpstoxLoginOptions extends LoopbackLoginOptions {
  apiKey: string;
  apiSecret: string;
  apiRoot: string;
  loginRoot?: string;
}

/** `tickdesk login upstox`: the dialog in the browser, the redirect caught on 127.0.0.1:PORT/upstox/callback. */
export async function upstoxLoopbackLogin(o: UpstoxLoginOptions): Promise<LoginResult> {
  const state = randomBytes(12).toString('hex');
  const redirectUri = `http://127.0.0.1:${o.port}/upstox/callback`;
  const app: UpstoxApp = { apiKey: o.apiKey, apiSecret: o.apiSecret, redirectUri, apiRoot: o.apiRoot };
  return loopbackLogin(
    o,
    BROKER,
    '/upstox/callback',
    () => upstoxLoginUrl(o.apiKey, redirectUri, state, o.loginRoot ?? UPSTOX_LOGIN_ROOT),
    async (url) => {
      // Only a redirect carrying our state belongs to this login.
      if (url.searchParams.get('state') !== state) return null;
      const { session, who } = await upstoxSessionFromRedirect(url, state, app);
      return { who: `Upstox as ${who}`, saved: saveSession(session, o.dir), until: session.expiresAt, accessToken: session.accessToken };
    },
  );
}
