// Fyers API v3 login (specs/fyers-upstox-yahoo.md §1.2): the generate-authcode page, the redirect
// with a single-use auth_code and our state, its exchange at validate-authcode with appIdHash =
// hex SHA-256 of "APP_ID:APP_SECRET", and validate-refresh-token (refresh token + appIdHash + the
// user's PIN). The access token is a JWT: its `exp` is the session's end, its `hsm_key` the data
// socket's credential. The secret and the PIN never leave this process.
//
// StoredSession (auth/session-store.ts) has no field for a refresh token, so it is kept beside the
// session in a file of its own (refresh-fyers.json, 0600, written like the session).
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IST_MS } from '../../../shared/ist';
import { loopbackLogin, type LoginResult, type LoopbackLoginOptions } from '../../auth/login-flow';
import { saveSession, writePrivateFile, type StoredSession } from '../../auth/session-store';
import { AuthError } from '../errors';
import { fyersRequest } from './rest';

/** The name Fyers' instruments, candles, feed and sessions go by. */
export const BROKER = 'fyers';
export const TOKEN_ENV = 'FYERS_ACCESS_TOKEN';
/** Fyers keys everything by the app id (`XJ12345-100`): the app's credentials from the environment. */
export const APP_ID_ENV = 'FYERS_APP_ID';
export const APP_SECRET_ENV = 'FYERS_APP_SECRET';
/** The user's 4-digit PIN, for validate-refresh-token. */
export const PIN_ENV = 'FYERS_PIN';

/** REST (`/api/v3`, `/data`) and the login page. */
export const FYERS_REST_ROOT = 'https://api-t1.fyers.in';
export const FYERS_LOGIN_ROOT = FYERS_REST_ROOT;
/** The public symbol masters (`/sym_details/NSE_CM.csv`). */
export const FYERS_MASTER_ROOT = 'https://public.fyers.in';
/** Only v1-5 answers (openalgo PR #1950). */
export const FYERS_WS_ROOT = 'wss://socket.fyers.in/hsm/v1-5/prod';

/** An app id: letters and digits, a dash, the app type (`-100`). */
export const FYERS_APP_ID_SHAPE = /^[A-Z0-9]{4,20}-\d{3}$/;

/** Where each part answers: Fyers' hosts, or one root serving all of them (the simulator). */
export function fyersRoots(restRoot?: string): { api: string; data: string; master: string } {
  const root = restRoot?.replace(/\/$/, '');
  return root
    ? { api: `${root}/api/v3`, data: `${root}/data`, master: `${root}/sym_details` }
    : { api: `${FYERS_REST_ROOT}/api/v3`, data: `${FYERS_REST_ROOT}/data`, master: `${FYERS_MASTER_ROOT}/sym_details` };
}

/** Every authenticated REST call: `Authorization: APP_ID:ACCESS_TOKEN` (never on the data socket's upgrade). */
export const fyersAuthHeaders = (appId: string, accessToken: string): Record<string, string> => ({ Authorization: `${appId}:${accessToken}` });

export function fyersAppIdHash(appId: string, appSecret: string): string {
  return createHash('sha256').update(`${appId}:${appSecret}`).digest('hex');
}

/** The page the user logs in on; Fyers sends the browser to `redirectUri` with auth_code and our state. */
export function fyersLoginUrl(appId: string, redirectUri: string, state: string, loginRoot = FYERS_LOGIN_ROOT): string {
  const q = new URLSearchParams({ client_id: appId, redirect_uri: redirectUri, response_type: 'code', state });
  return `${loginRoot.replace(/\/$/, '')}/api/v3/generate-authcode?${q}`;
}

/** The auth_code of a redirect; refuses another login's redirect (state), a failed login, a missing code. */
export function parseFyersRedirect(url: string | URL, expectedState?: string): string {
  const q = (typeof url === 'string' ? new URL(url) : url).searchParams;
  if (expectedState !== undefined && q.get('state') !== expectedState) throw new AuthError('the redirect does not belong to this login (state mismatch)', BROKER);
  if (q.get('s') && q.get('s') !== 'ok') throw new AuthError(`Fyers login did not succeed (s=${q.get('s')}, code=${q.get('code') ?? ''})`, BROKER);
  const code = q.get('auth_code');
  if (!code) throw new AuthError('the redirect carries no auth_code', BROKER);
  return code;
}

export interface FyersTokenInfo {
  /** ms UTC, from `exp`. */
  expiresAt?: number;
  /** The data socket's credential. */
  hsmKey?: string;
  /** The account (client id), e.g. XJ00001. */
  fyId?: string;
  displayName?: string;
}

/** What a Fyers JWT says about itself (read, not verified: only Fyers can). Throws when it is not a JWT. */
export function decodeFyersToken(jwt: string): FyersTokenInfo {
  const parts = jwt.split('.');
  if (parts.length !== 3) throw new Error('not a JWT (expected header.payload.signature)');
  let p: Record<string, unknown>;
  try {
    p = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    throw new Error('the JWT payload is not JSON');
  }
  const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  return {
    expiresAt: typeof p.exp === 'number' ? p.exp * 1000 : undefined,
    hsmKey: str(p.hsm_key),
    fyId: str(p.fy_id),
    displayName: str(p.display_name),
  };
}

/** A token's expiry, or undefined when it cannot be read. */
export function fyersTokenExpiry(jwt: string): number | undefined {
  try {
    return decodeFyersToken(jwt).expiresAt;
  } catch {
    return undefined;
  }
}

/** 06:00 IST after `at`: the trading day's end, for a token whose own expiry cannot be read. */
function nextIstMorning(at: number): number {
  const ist = new Date(at + IST_MS);
  let six = Date.UTC(ist.getUTCFullYear(), ist.getUTCMonth(), ist.getUTCDate(), 6, 0) - IST_MS;
  if (six <= at) six += 86400_000;
  return six;
}

export interface FyersApp {
  appId: string;
  appSecret: string;
  /** `https://api-t1.fyers.in/api/v3`, or the simulator's. */
  apiRoot: string;
}

/** POST validate-authcode: the auth_code for an access token and a refresh token. Any refusal: AuthError. */
export async function validateFyersAuthCode(app: FyersApp, authCode: string): Promise<{ accessToken: string; refreshToken?: string }> {
  const body = await fyersRequest(
    `${app.apiRoot}/validate-authcode`,
    { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ grant_type: 'authorization_code', appIdHash: fyersAppIdHash(app.appId, app.appSecret), code: authCode }) },
    'Fyers validate-authcode',
    { refusalIsAuth: true },
  );
  if (typeof body.access_token !== 'string' || !body.access_token) throw new AuthError('Fyers validate-authcode: no access_token in the answer', BROKER);
  return { accessToken: body.access_token, refreshToken: typeof body.refresh_token === 'string' && body.refresh_token ? body.refresh_token : undefined };
}

/**
 * POST validate-refresh-token: a new access token without the browser. Refused (a wrong PIN, an
 * expired refresh token, or -16 when Fyers wants a full login): AuthError, log in again.
 */
export async function refreshFyersToken(app: FyersApp, refreshToken: string, pin: string): Promise<string> {
  const body = await fyersRequest(
    `${app.apiRoot}/validate-refresh-token`,
    {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ grant_type: 'refresh_token', appIdHash: fyersAppIdHash(app.appId, app.appSecret), refresh_token: refreshToken, pin }),
    },
    'Fyers validate-refresh-token',
    { refusalIsAuth: true },
  );
  if (typeof body.access_token !== 'string' || !body.access_token) throw new AuthError('Fyers validate-refresh-token: no access_token in the answer', BROKER);
  return body.access_token;
}

/** A session for an access token of this app: until the JWT's `exp` (06:00 IST when it has none). */
export function fyersSession(appId: string, accessToken: string, loginAt = Date.now()): StoredSession {
  let info: FyersTokenInfo = {};
  try {
    info = decodeFyersToken(accessToken);
  } catch {
    // not a JWT: the day's end
  }
  return { broker: BROKER, apiKey: appId, clientId: info.fyId, userId: info.fyId, accessToken, loginAt, expiresAt: info.expiresAt ?? nextIstMorning(loginAt) };
}

// ---------------------------------------------------------------------------------------------
// The refresh token, beside the session (StoredSession has no place for it).

export interface FyersRefresh {
  appId: string;
  refreshToken: string;
  /** ms UTC: the refresh JWT's exp, else 15 days from the login ("usually 15 days"). */
  expiresAt: number;
}

export const fyersRefreshPath = (dir: string): string => join(dir, `refresh-${BROKER}.json`);

export function saveFyersRefresh(dir: string, appId: string, refreshToken: string, now = Date.now()): string {
  const r: FyersRefresh = { appId, refreshToken, expiresAt: fyersTokenExpiry(refreshToken) ?? now + 15 * 86400_000 };
  const path = fyersRefreshPath(dir);
  writePrivateFile(path, JSON.stringify(r, null, 2) + '\n');
  return path;
}

/** The saved refresh token of this app, unless it has expired or is unreadable. */
export function loadFyersRefresh(dir: string, appId: string, now = Date.now()): FyersRefresh | null {
  const path = fyersRefreshPath(dir);
  if (!existsSync(path)) return null;
  try {
    const r = JSON.parse(readFileSync(path, 'utf8')) as FyersRefresh;
    return r.appId === appId && typeof r.refreshToken === 'string' && r.expiresAt > now ? r : null;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------

/** Fyers' redirect → its auth_code (our state checked) → exchanged → a session until the JWT's exp. */
export async function fyersSessionFromRedirect(url: URL, state: string, app: FyersApp): Promise<{ session: StoredSession; refreshToken?: string; who: string }> {
  const code = parseFyersRedirect(url, state);
  const t = await validateFyersAuthCode(app, code);
  const session = fyersSession(app.appId, t.accessToken);
  return { session, refreshToken: t.refreshToken, who: session.userId ?? app.appId };
}

export interface FyersLoginOptions extends LoopbackLoginOptions, FyersApp {
  loginRoot?: string;
  /** With a saved refresh token, the PIN logs in without the browser. */
  pin?: string;
}

/**
 * `tickdesk login fyers`: a saved refresh token and the PIN first (no browser); else, or when Fyers
 * refuses them, the browser login with the redirect caught on 127.0.0.1:PORT/fyers/callback.
 */
export async function fyersLoopbackLogin(o: FyersLoginOptions): Promise<LoginResult> {
  const app: FyersApp = { appId: o.appId, appSecret: o.appSecret, apiRoot: o.apiRoot };
  const saved = o.pin ? loadFyersRefresh(o.dir, o.appId) : null;
  if (saved && o.pin) {
    try {
      const session = fyersSession(o.appId, await refreshFyersToken(app, saved.refreshToken, o.pin));
      return { who: `Fyers as ${session.userId ?? o.appId} (refreshed)`, saved: saveSession(session, o.dir), until: session.expiresAt, accessToken: session.accessToken };
    } catch (e) {
      if (!(e instanceof AuthError)) throw e;
      // Refused (PIN, expiry, or Fyers wants a full login): the browser it is.
    }
  }
  const state = randomBytes(12).toString('hex');
  return loopbackLogin(
    o,
    BROKER,
    '/fyers/callback',
    () => fyersLoginUrl(o.appId, `http://127.0.0.1:${o.port}/fyers/callback`, state, o.loginRoot ?? FYERS_LOGIN_ROOT),
    async (url) => {
      // Only a redirect carrying our state belongs to this login (checked before its status).
      if (url.searchParams.get('state') !== state) return null;
      const { session, refreshToken, who } = await fyersSessionFromRedirect(url, state, app);
      if (refreshToken) saveFyersRefresh(o.dir, o.appId, refreshToken);
      return { who: `Fyers as ${who}`, saved: saveSession(session, o.dir), until: session.expiresAt, accessToken: session.accessToken };
    },
  );
}
