// Fyers login against the simulator: appIdHash, the generate-authcode page and its redirect (state
// checked), validate-authcode, the JWT's exp and hsm_key, the refresh token kept beside the session
// and used with the PIN (no browser), refusals mapped onto the error hierarchy, and the desktop
// "Connect broker" steps with a popup.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConnectRequest } from '../../../shared/desktop';
import { FyersSimulator } from '../../sim/fyers/server';
import { cleanupAfterEach } from '../../testing';
import { AccessDenied, AuthError, BrokerError, InputError, NetworkError, RateLimited, TokenExpired } from '../errors';
import {
  decodeFyersToken,
  fyersAppIdHash,
  fyersLoginUrl,
  fyersLoopbackLogin,
  fyersRefreshPath,
  fyersSession,
  loadFyersRefresh,
  parseFyersRedirect,
  refreshFyersToken,
  saveFyersRefresh,
  validateFyersAuthCode,
} from './auth';
import { fyersDesktop } from './desktop';
import { FYERS_ERRORS, fyersRestError } from './rest';

const cleanups = cleanupAfterEach();

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const { port } = s.address() as { port: number };
  await new Promise((r) => s.close(r));
  return port;
}

/** The user on Fyers' page: submit the form (hidden fields kept); returns where Fyers sends the browser. */
async function logInOnPage(loginUrl: string, fields: Record<string, string>): Promise<{ location: string | null; html: string }> {
  const page = await (await fetch(loginUrl)).text();
  const action = new URL(/action="([^"]+)"/.exec(page)![1], loginUrl);
  const hidden = Object.fromEntries([...page.matchAll(/type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1], m[2].replace(/&quot;/g, '"').replace(/&amp;/g, '&')]));
  const post = await fetch(action, { method: 'POST', body: new URLSearchParams({ ...hidden, ...fields }), redirect: 'manual' });
  return { location: post.headers.get('location'), html: post.status === 302 ? '' : await post.text() };
}

async function simulator(port?: number, opts: ConstructorParameters<typeof FyersSimulator>[0] = {}) {
  const sim = new FyersSimulator({ ticksPerSecond: 0, redirectUrl: port ? `http://127.0.0.1:${port}/fyers/callback` : undefined, ...opts });
  await sim.start();
  cleanups.push(() => sim.stop());
  return { sim, app: { appId: sim.appId, appSecret: sim.appSecret, apiRoot: `${sim.root}/api/v3` } };
}

test('appIdHash is hex SHA-256 of "APP_ID:APP_SECRET"; the login URL carries client_id, redirect_uri, response_type and state', () => {
  assert.equal(fyersAppIdHash('XJ12345-100', 'S3CR3TKEY'), 'd0e13edfbb3475d6fbf80812e44d7688825f924866edb71941f9a72f324e83fd');
  assert.equal(
    fyersLoginUrl('XJ12345-100', 'http://127.0.0.1:8421/fyers/callback', 'abc123'),
    'https://api-t1.fyers.in/api/v3/generate-authcode?client_id=XJ12345-100&redirect_uri=http%3A%2F%2F127.0.0.1%3A8421%2Ffyers%2Fcallback&response_type=code&state=abc123',
  );
});

test('the redirect: our state, s=ok and an auth_code, else refused', () => {
  const cb = 'http://127.0.0.1:8421/fyers/callback';
  assert.equal(parseFyersRedirect(`${cb}?s=ok&code=200&auth_code=AC&state=st`, 'st'), 'AC');
  assert.throws(() => parseFyersRedirect(`${cb}?s=ok&auth_code=AC&state=other`, 'st'), /state mismatch/);
  assert.throws(() => parseFyersRedirect(`${cb}?s=error&code=-413&state=st`, 'st'), (e) => e instanceof AuthError && /s=error, code=-413/.test(e.message));
  assert.throws(() => parseFyersRedirect(`${cb}?s=ok&state=st`, 'st'), /no auth_code/);
});

test('the access token: exp and hsm_key from the JWT; the session ends at exp; a token that is no JWT ends at 06:00 IST', () => {
  const payload = { exp: 1796119200, hsm_key: 'k3y', fy_id: 'XJ00001', display_name: 'A TRADER' };
  const jwt = `eyJhbGciOiJIUzI1NiJ9.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.sig`;
  assert.deepEqual(decodeFyersToken(jwt), { expiresAt: 1796119200_000, hsmKey: 'k3y', fyId: 'XJ00001', displayName: 'A TRADER' });
  assert.throws(() => decodeFyersToken('abc'), /not a JWT/);
  assert.deepEqual(fyersSession('XJ12345-100', jwt, 1796100000_000), {
    broker: 'fyers',
    apiKey: 'XJ12345-100',
    clientId: 'XJ00001',
    userId: 'XJ00001',
    accessToken: jwt,
    loginAt: 1796100000_000,
    expiresAt: 1796119200_000,
  });
  // 2026-12-01 10:00 IST → 2026-12-02 06:00 IST.
  assert.equal(fyersSession('XJ12345-100', 'opaque', Date.UTC(2026, 11, 1, 4, 30)).expiresAt, Date.UTC(2026, 11, 2, 0, 30));
});

test('REST errors map onto the hierarchy by code, then status', () => {
  const kinds: Array<[number, number, new (...a: never[]) => BrokerError]> = [
    [401, -8, TokenExpired],
    [401, -15, AuthError],
    [400, -16, AuthError],
    [401, -17, TokenExpired],
    [400, -99, TokenExpired],
    [400, -50, InputError],
    [400, -300, InputError],
    [429, 429, RateLimited],
    [200, -429, RateLimited],
    [503, -1, NetworkError],
  ];
  for (const [status, code, kind] of kinds) assert.equal(fyersRestError(status, { s: 'error', code, message: 'm' }, 'x').constructor, kind, `${status} ${code}`);
  assert.equal(fyersRestError(401, { s: 'error', code: -8, message: 'Your token has expired' }, 'Fyers history').message, 'Fyers history: HTTP 401 -8 (Your token has expired): log in again');
  assert.equal(fyersRestError(418, { s: 'error', code: -1234 }, 'x').constructor, BrokerError);
  assert.equal(fyersRestError(400, { s: 'error', code: 'constructor' }, 'x').constructor, InputError, 'an Object property is no code: the status decides');
  assert.ok(!(fyersRestError(400, { s: 'error', code: -300 }, 'x') instanceof AccessDenied));
  assert.ok(Object.keys(FYERS_ERRORS).includes('-99'));
});

test('loopback login end to end: the page, the redirect with our state (forged ones 404), validate-authcode; session and refresh token saved 0600', async () => {
  const port = await freePort();
  const { sim, app } = await simulator(port);
  const dir = mkdtempSync(join(tmpdir(), 'tickdesk-fyers-login-'));
  let urlReady!: (u: string) => void;
  const ready = new Promise<string>((r) => (urlReady = r));
  const login = fyersLoopbackLogin({ ...app, port, timeoutMs: 10_000, dir, onUrl: urlReady, loginRoot: sim.root });
  const loginUrl = await ready;
  const q = new URL(loginUrl).searchParams;
  assert.deepEqual([q.get('client_id'), q.get('redirect_uri'), q.get('response_type')], [sim.appId, `http://127.0.0.1:${port}/fyers/callback`, 'code']);
  const state = q.get('state')!;
  assert.match(state, /^[0-9a-f]{24}$/);
  const cb = `http://127.0.0.1:${port}/fyers/callback`;
  for (const forged of ['?s=ok&auth_code=x&state=0123', '?s=error&code=-1&state=beef', '?s=ok&auth_code=x', '']) assert.equal((await fetch(cb + forged)).status, 404, forged);

  const wrong = await logInOnPage(loginUrl, { fy_id: sim.fyId, pin: '0000' });
  assert.equal(wrong.location, null);
  assert.match(wrong.html, /Invalid client ID or PIN/);
  const ok = await logInOnPage(loginUrl, { fy_id: sim.fyId, pin: '1234' });
  const redirect = new URL(ok.location!);
  assert.deepEqual([redirect.searchParams.get('s'), redirect.searchParams.get('state')], ['ok', state]);
  const landing = await fetch(redirect);
  assert.equal(landing.status, 200);
  assert.match(await landing.text(), /Logged in to Fyers as XS00001/);
  const result = await login;
  assert.equal(result.who, 'Fyers as XS00001');
  const saved = JSON.parse(readFileSync(result.saved, 'utf8'));
  assert.equal(saved.accessToken, result.accessToken);
  assert.deepEqual([saved.broker, saved.apiKey, saved.userId, saved.expiresAt], ['fyers', sim.appId, sim.fyId, decodeFyersToken(result.accessToken).expiresAt]);
  assert.equal(statSync(result.saved).mode & 0o777, 0o600);
  assert.equal(statSync(fyersRefreshPath(dir)).mode & 0o777, 0o600);
  assert.equal(loadFyersRefresh(dir, sim.appId)!.refreshToken.split('.').length, 3);
  assert.equal(loadFyersRefresh(dir, 'OTHER-100'), null, 'another app’s refresh token is not this one’s');
  // The auth code was single-use.
  await assert.rejects(validateFyersAuthCode(app, redirect.searchParams.get('auth_code')!), (e) => e instanceof AuthError && /HTTP 400 -413/.test(e.message));
});

test('with a saved refresh token and the PIN: a new session without the browser; a refused refresh (-16, wrong PIN) falls back to the browser', async () => {
  const port = await freePort();
  const { sim, app } = await simulator(port);
  const dir = mkdtempSync(join(tmpdir(), 'tickdesk-fyers-refresh-'));
  const { refreshToken } = sim.issueToken();
  // Fyers' answers to a refresh.
  assert.equal((await refreshFyersToken(app, refreshToken, '1234')).split('.').length, 3);
  await assert.rejects(refreshFyersToken(app, refreshToken, '9999'), (e) => e instanceof AuthError && /HTTP 400 -16 \(Invalid PIN\)/.test(e.message));
  await assert.rejects(refreshFyersToken({ ...app, appSecret: 'wrong' }, refreshToken, '1234'), (e) => e instanceof AuthError && /Invalid appIdHash/.test(e.message));
  await assert.rejects(refreshFyersToken(app, 'not-a-refresh-token', '1234'), (e) => e instanceof AuthError && /-17/.test(e.message));

  saveFyersRefresh(dir, sim.appId, refreshToken);
  const urls: string[] = [];
  const quiet = await fyersLoopbackLogin({ ...app, port, timeoutMs: 5000, dir, onUrl: (u) => urls.push(u), loginRoot: sim.root, pin: '1234' });
  assert.deepEqual(urls, [], 'no browser');
  assert.match(quiet.who, /^Fyers as XS00001 \(refreshed\)$/);
  assert.equal(decodeFyersToken(quiet.accessToken).fyId, sim.fyId);

  sim.refuseRefresh = true;
  let urlReady!: (u: string) => void;
  const ready = new Promise<string>((r) => (urlReady = r));
  const login = fyersLoopbackLogin({ ...app, port, timeoutMs: 10_000, dir, onUrl: urlReady, loginRoot: sim.root, pin: '1234' });
  const redirect = await logInOnPage(await ready, { fy_id: sim.fyId, pin: '1234' });
  await fetch(redirect.location!);
  assert.equal((await login).who, 'Fyers as XS00001');
});

test('validate-authcode refuses a wrong app secret (appIdHash) and an unknown code as a failed login', async () => {
  const { app } = await simulator();
  await assert.rejects(validateFyersAuthCode({ ...app, appSecret: 'nope' }, 'x'), (e) => e instanceof AuthError && /HTTP 401 -16 \(Invalid appIdHash\)/.test(e.message));
  await assert.rejects(validateFyersAuthCode(app, 'never-issued'), (e) => e instanceof AuthError && /-413/.test(e.message));
});

test('desktop "Connect broker": the request schema takes an app id, secret, redirect and instruments only; the popup login gives a session', async () => {
  const redirectUrl = 'http://127.0.0.1:9/fyers/callback';
  const { sim } = await simulator(undefined, { redirectUrl });
  const parse = (r: object) => fyersDesktop.request.safeParse(ConnectRequest.parse({ broker: 'fyers', ...r }));
  assert.ok(parse({ apiKey: 'xj12345-100', apiSecret: 'secret-key' }).success);
  assert.equal(parse({ apiKey: 'XJ12345' }).success, false);
  assert.equal(parse({ clientId: 'XJ00001' }).success, false);
  assert.equal(parse({ accessToken: 'x'.repeat(30) }).success, false);

  const popups: Array<{ loginUrl: string; allowedOrigins: string[] }> = [];
  const connected = await fyersDesktop.connect({
    req: { broker: 'fyers', apiKey: sim.appId, apiSecret: sim.appSecret, redirectUrl, instruments: ['NSE:SBIN-EQ'] },
    prev: undefined,
    storedSecret: () => undefined,
    openPopup: async (spec) => {
      popups.push(spec);
      return new URL((await logInOnPage(spec.loginUrl, { fy_id: sim.fyId, pin: '1234' })).location!);
    },
    roots: { restRoot: sim.root, loginRoot: sim.root },
    defaults: { redirectUrl: 'http://127.0.0.1:8421/fyers/callback', instruments: [] },
  });
  assert.deepEqual(popups[0].allowedOrigins, [sim.root]);
  assert.equal(connected.user, sim.fyId);
  assert.equal(connected.apiSecret, sim.appSecret);
  assert.deepEqual(connected.settings, { apiKey: sim.appId, redirectUrl, instruments: ['NSE:SBIN-EQ'] });
  assert.deepEqual(fyersDesktop.engineStart(connected.settings, connected.session, { restRoot: sim.root }), {
    apiKey: sim.appId,
    accessToken: connected.session.accessToken,
    expiresAt: connected.session.expiresAt,
    instruments: ['NSE:SBIN-EQ'],
    restRoot: sim.root,
    wsRoot: undefined,
    loginRoot: undefined,
  });
  await assert.rejects(
    fyersDesktop.connect({ req: { broker: 'fyers' }, prev: undefined, storedSecret: () => undefined, openPopup: async () => new URL(redirectUrl), roots: {}, defaults: { redirectUrl, instruments: [] } }),
    /enter the Fyers app’s id and secret/,
  );
});
