// Upstox login against the simulator: the 03:30 IST expiry rule, the dialog and its redirect (state
// checked, forged redirects 404), the form-encoded token exchange with its single-use code, the
// analytics token pasted and checked with a quote, REST errors onto the hierarchy, and the desktop
// "Connect broker" steps with a popup or a pasted token.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConnectRequest } from '../../../shared/desktop';
import { UpstoxSimulator } from '../../sim/upstox/server';
import { cleanupAfterEach } from '../../testing';
import { AccessDenied, AuthError, BrokerError, InputError, NetworkError, RateLimited, TokenExpired } from '../errors';
import {
  ANALYTICS_TOKEN_MS,
  decodeUpstoxToken,
  exchangeUpstoxCode,
  parseUpstoxRedirect,
  upstoxExpiry,
  upstoxLoginUrl,
  upstoxLoopbackLogin,
  upstoxPastedSession,
  upstoxSession,
} from './auth';
import { upstoxDesktop } from './desktop';
import { upstoxRestError, UPSTOX_ERRORS } from './rest';

const cleanups = cleanupAfterEach();
/** ms UTC of an IST wall-clock time. */
const ist = (s: string) => Date.parse(`${s}+05:30`);

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const { port } = s.address() as { port: number };
  await new Promise((r) => s.close(r));
  return port;
}

/** The user on Upstox's dialog: submit the form (hidden fields kept); returns where Upstox sends the browser. */
async function logInOnPage(loginUrl: string, fields: Record<string, string>): Promise<{ location: string | null; html: string }> {
  const page = await (await fetch(loginUrl)).text();
  const action = new URL(/action="([^"]+)"/.exec(page)![1], loginUrl);
  const hidden = Object.fromEntries([...page.matchAll(/type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1], m[2].replace(/&quot;/g, '"').replace(/&amp;/g, '&')]));
  const post = await fetch(action, { method: 'POST', body: new URLSearchParams({ ...hidden, ...fields }), redirect: 'manual' });
  return { location: post.headers.get('location'), html: post.status === 302 ? '' : await post.text() };
}

async function simulator(redirectUrl?: string) {
  const sim = new UpstoxSimulator({ ticksPerSecond: 0, redirectUrl });
  await sim.start();
  cleanups.push(() => sim.stop());
  return sim;
}

test('a token lives until 03:30 IST the next day — or the same day, when issued before 03:30', () => {
  assert.equal(upstoxExpiry(ist('2026-06-02T20:00:00')), ist('2026-06-03T03:30:00'), 'Tuesday 8 PM → Wednesday 03:30');
  assert.equal(upstoxExpiry(ist('2026-06-03T02:30:00')), ist('2026-06-03T03:30:00'), '02:30 → 03:30 the same day');
  assert.equal(upstoxExpiry(ist('2026-06-03T03:30:00')), ist('2026-06-04T03:30:00'), 'at 03:30 → the next day’s');
  assert.equal(upstoxExpiry(ist('2026-06-03T09:15:00')), ist('2026-06-04T03:30:00'));
  assert.equal(upstoxExpiry(ist('2026-12-31T23:59:59')), ist('2027-01-01T03:30:00'));
  // The session keeps the earlier of the rule and the JWT's exp.
  const jwt = (exp: number) => `e30.${Buffer.from(JSON.stringify({ sub: '7AB123', exp: exp / 1000 })).toString('base64url')}.sig`;
  const at = ist('2026-06-03T10:00:00');
  assert.deepEqual(upstoxSession({ apiKey: 'k', accessToken: jwt(ist('2026-06-04T03:30:00')), loginAt: at }), {
    broker: 'upstox',
    apiKey: 'k',
    clientId: '7AB123',
    userId: '7AB123',
    accessToken: jwt(ist('2026-06-04T03:30:00')),
    loginAt: at,
    expiresAt: ist('2026-06-04T03:30:00'),
  });
  assert.equal(upstoxSession({ accessToken: jwt(ist('2026-06-03T12:00:00')), loginAt: at }).expiresAt, ist('2026-06-03T12:00:00'));
  assert.equal(upstoxSession({ accessToken: 'opaque', loginAt: at }).expiresAt, ist('2026-06-04T03:30:00'));
  assert.deepEqual(decodeUpstoxToken('opaque'), {});
});

test('the dialog URL and the redirect: client_id, redirect_uri, state; our state and a code, else refused', () => {
  assert.equal(
    upstoxLoginUrl('my-key', 'http://127.0.0.1:8421/upstox/callback', 'st8'),
    'https://api.upstox.com/v2/login/authorization/dialog?response_type=code&client_id=my-key&redirect_uri=http%3A%2F%2F127.0.0.1%3A8421%2Fupstox%2Fcallback&state=st8',
  );
  const cb = 'http://127.0.0.1:8421/upstox/callback';
  assert.equal(parseUpstoxRedirect(`${cb}?code=mk404x&state=st`, 'st'), 'mk404x');
  assert.throws(() => parseUpstoxRedirect(`${cb}?code=mk404x&state=other`, 'st'), /state mismatch/);
  assert.throws(() => parseUpstoxRedirect(`${cb}?error=access_denied&state=st`, 'st'), (e) => e instanceof AuthError && /access_denied/.test(e.message));
  assert.throws(() => parseUpstoxRedirect(`${cb}?state=st`, 'st'), /no code/);
});

test('REST errors map onto the hierarchy by UDAPI code, then status', () => {
  const env = (code: string) => ({ status: 'error', errors: [{ errorCode: code, message: 'm' }] });
  const kinds: Array<[number, string | undefined, new (...a: never[]) => BrokerError]> = [
    [401, 'UDAPI100050', TokenExpired],
    [401, 'UDAPI100016', AuthError],
    [400, 'UDAPI100068', AuthError],
    [429, 'UDAPI10005', RateLimited],
    [400, 'UDAPI100036', InputError],
    [400, 'UDAPI10000', InputError],
    [403, 'UDAPI100073', AccessDenied],
    [500, 'UDAPI100500', NetworkError],
    [401, undefined, TokenExpired],
    [429, undefined, RateLimited],
    [502, undefined, NetworkError],
    [400, 'UDAPI9999999', InputError],
  ];
  for (const [status, code, kind] of kinds) assert.equal(upstoxRestError(status, code ? env(code) : null, 'x').constructor, kind, `${status} ${code}`);
  assert.equal(upstoxRestError(401, env('UDAPI100050'), 'Upstox history').message, 'Upstox history: HTTP 401 UDAPI100050 (m): log in again');
  assert.equal(upstoxRestError(418, env('UDAPI1'), 'x').constructor, BrokerError);
  assert.equal(upstoxRestError(400, env('constructor'), 'x').constructor, InputError, 'an Object property is no code: the status decides');
  // The snake_case twin some answers carry.
  assert.equal(upstoxRestError(401, { status: 'error', errors: [{ error_code: 'UDAPI100050' }] }, 'x').constructor, TokenExpired);
  assert.ok(Object.keys(UPSTOX_ERRORS).every((k) => /^(UDAPI\d+|\d{3})$/.test(k)));
});

test('loopback login end to end: the dialog, the redirect with our state (forged ones 404), the form-encoded exchange; the session saved 0600 until 03:30 IST', async () => {
  const port = await freePort();
  const cb = `http://127.0.0.1:${port}/upstox/callback`;
  const sim = await simulator(cb);
  const dir = mkdtempSync(join(tmpdir(), 'tickdesk-upstox-login-'));
  let urlReady!: (u: string) => void;
  const ready = new Promise<string>((r) => (urlReady = r));
  const login = upstoxLoopbackLogin({ apiKey: sim.apiKey, apiSecret: sim.apiSecret, apiRoot: sim.root, loginRoot: sim.root, port, timeoutMs: 10_000, dir, onUrl: urlReady });
  const loginUrl = await ready;
  const q = new URL(loginUrl).searchParams;
  assert.deepEqual([new URL(loginUrl).pathname, q.get('client_id'), q.get('redirect_uri'), q.get('response_type')], ['/v2/login/authorization/dialog', sim.apiKey, cb, 'code']);
  const state = q.get('state')!;
  assert.match(state, /^[0-9a-f]{24}$/);
  for (const forged of ['?code=x&state=0123', '?code=x', '']) assert.equal((await fetch(cb + forged)).status, 404, forged);

  const wrong = await logInOnPage(loginUrl, { user_id: sim.userId, pin: '000000' });
  assert.equal(wrong.location, null);
  assert.match(wrong.html, /Invalid user id or PIN/);
  const ok = await logInOnPage(loginUrl, { user_id: sim.userId, pin: '123456' });
  const redirect = new URL(ok.location!);
  assert.equal(redirect.searchParams.get('state'), state);
  const landing = await fetch(redirect);
  assert.equal(landing.status, 200);
  assert.match(await landing.text(), /Logged in to Upstox as SIM TRADER \(7SIM01\)/);
  const result = await login;
  const saved = JSON.parse(readFileSync(result.saved, 'utf8'));
  assert.equal(saved.accessToken, result.accessToken);
  assert.deepEqual([saved.broker, saved.apiKey, saved.clientId, saved.userId], ['upstox', sim.apiKey, sim.userId, sim.userId]);
  assert.equal(saved.expiresAt, upstoxExpiry(saved.loginAt));
  assert.equal(result.until, saved.expiresAt);
  assert.equal(statSync(result.saved).mode & 0o777, 0o600);
  // The code was single-use.
  const app = { apiKey: sim.apiKey, apiSecret: sim.apiSecret, redirectUri: cb, apiRoot: sim.root };
  await assert.rejects(exchangeUpstoxCode(app, redirect.searchParams.get('code')!), (e) => e instanceof AuthError && /HTTP 400 UDAPI100036 .*code is invalid or used/.test(e.message));
});

test('the token exchange: a wrong secret is refused and spends the code anyway; a dialog with a wrong redirect_uri is UDAPI100068', async () => {
  const cb = 'http://127.0.0.1:9/upstox/callback';
  const sim = await simulator(cb);
  const app = { apiKey: sim.apiKey, apiSecret: sim.apiSecret, redirectUri: cb, apiRoot: sim.root };
  const page = await logInOnPage(upstoxLoginUrl(sim.apiKey, cb, 's', sim.root), { user_id: sim.userId, pin: '123456' });
  const code = new URL(page.location!).searchParams.get('code')!;
  await assert.rejects(exchangeUpstoxCode({ ...app, apiSecret: 'wrong-secret' }, code), (e) => e instanceof AuthError && /HTTP 401 UDAPI100016 \(Invalid Credentials\)/.test(e.message));
  await assert.rejects(exchangeUpstoxCode(app, code), /code is invalid or used/, 'single-use even on failure');
  const bad = await fetch(upstoxLoginUrl(sim.apiKey, 'http://evil.example/cb', 's', sim.root));
  assert.equal(bad.status, 400);
  assert.equal(((await bad.json()) as { errors: Array<{ errorCode: string }> }).errors[0].errorCode, 'UDAPI100068');
  const t = await exchangeUpstoxCode(app, new URL((await logInOnPage(upstoxLoginUrl(sim.apiKey, cb, 's', sim.root), { user_id: sim.userId, pin: '123456' })).location!).searchParams.get('code')!);
  assert.deepEqual([t.userId, t.userName, decodeUpstoxToken(t.accessToken).userId], [sim.userId, 'SIM TRADER', sim.userId]);
});

test('a pasted analytics token: checked with a quote before it is kept (a year, from its JWT); a refused or expired one is an AuthError', async () => {
  const sim = await simulator();
  const analytics = sim.issueToken({ kind: 'analytics' });
  const now = Date.now();
  const { session, who } = await upstoxPastedSession({ accessToken: ` Bearer ${analytics} `, apiRoot: sim.root, now });
  assert.equal(who, sim.userId);
  assert.deepEqual([session.broker, session.clientId, session.accessToken, session.apiKey], ['upstox', sim.userId, analytics, undefined]);
  assert.ok(Math.abs(session.expiresAt - (now + ANALYTICS_TOKEN_MS)) < 2000, 'a year');
  assert.equal(sim.hits.get('/v3/market-quote/ltp'), 1);
  await assert.rejects(upstoxPastedSession({ accessToken: 'x'.repeat(40), apiRoot: sim.root }), (e) => e instanceof AuthError && /did not accept the pasted token .*UDAPI100050/.test(e.message));
  const day = sim.issueToken();
  sim.expireToken(day);
  await assert.rejects(upstoxPastedSession({ accessToken: day, apiRoot: sim.root }), AuthError);
  // Upstox down is not the token's fault: retryable, not an AuthError.
  await assert.rejects(upstoxPastedSession({ accessToken: analytics, apiRoot: 'http://127.0.0.1:1' }), (e) => e instanceof NetworkError);
});

test('desktop "Connect broker": the request takes an API key, secret, redirect URL or a pasted token (and depth 0 or 30); popup and pasted logins give sessions of the user', async () => {
  const redirectUrl = 'http://127.0.0.1:9/upstox/callback';
  const sim = await simulator(redirectUrl);
  const parse = (r: object) => upstoxDesktop.request.safeParse(ConnectRequest.parse({ broker: 'upstox', ...r }));
  assert.ok(parse({ apiKey: 'a1b2-c3d4', apiSecret: 'secret-key', redirectUrl }).success);
  assert.ok(parse({ accessToken: 'x'.repeat(30), depth: 30 }).success);
  assert.equal(parse({ clientId: '7AB123' }).success, false);
  assert.equal(parse({ depth: 20 }).success, false);
  assert.equal(parse({ apiKey: 'bad key!' }).success, false);

  const popups: Array<{ loginUrl: string; allowedOrigins: string[]; redirectUrl: string }> = [];
  const connected = await upstoxDesktop.connect({
    req: { broker: 'upstox', apiKey: sim.apiKey, apiSecret: sim.apiSecret, redirectUrl, instruments: ['NSE:SBIN'], depth: 30 },
    prev: undefined,
    storedSecret: () => undefined,
    openPopup: async (spec) => {
      popups.push(spec);
      return new URL((await logInOnPage(spec.loginUrl, { user_id: sim.userId, pin: '123456' })).location!);
    },
    roots: { restRoot: sim.root, loginRoot: sim.root },
    defaults: { redirectUrl: 'http://127.0.0.1:8421/upstox/callback', instruments: [] },
  });
  assert.deepEqual([popups[0].allowedOrigins, popups[0].redirectUrl], [[sim.root], redirectUrl]);
  assert.equal(connected.user, `SIM TRADER (${sim.userId})`);
  assert.equal(connected.apiSecret, sim.apiSecret);
  assert.deepEqual(connected.settings, { apiKey: sim.apiKey, clientId: sim.userId, redirectUrl, instruments: ['NSE:SBIN'], depth: 30 });
  assert.equal(connected.session.expiresAt, upstoxExpiry(connected.session.loginAt));
  assert.deepEqual(upstoxDesktop.engineStart(connected.settings, connected.session, { restRoot: sim.root }), {
    apiKey: sim.apiKey,
    clientId: sim.userId,
    accessToken: connected.session.accessToken,
    expiresAt: connected.session.expiresAt,
    instruments: ['NSE:SBIN'],
    depth: 30,
    restRoot: sim.root,
    wsRoot: undefined,
    loginRoot: undefined,
  });

  // The same user with a pasted analytics token: no popup, no secret kept, the previous app key and choices stay.
  const pasted = await upstoxDesktop.connect({
    req: { broker: 'upstox', accessToken: sim.issueToken({ kind: 'analytics' }) },
    prev: connected.settings,
    storedSecret: () => sim.apiSecret,
    openPopup: async () => assert.fail('no popup for a pasted token'),
    roots: { restRoot: sim.root },
    defaults: { redirectUrl, instruments: [] },
  });
  assert.deepEqual([pasted.apiSecret, pasted.settings.clientId, pasted.settings.apiKey, pasted.settings.depth, pasted.changed], [undefined, sim.userId, sim.apiKey, 30, false]);
  await assert.rejects(
    upstoxDesktop.connect({ req: { broker: 'upstox' }, prev: undefined, storedSecret: () => undefined, openPopup: async () => new URL(redirectUrl), roots: {}, defaults: { redirectUrl, instruments: [] } }),
    /enter the Upstox app’s API key and secret .* or paste an analytics token/,
  );
});
