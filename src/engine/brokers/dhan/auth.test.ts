// Dhan login against the REST simulator: the API-key consent flow end to end (the test is the
// browser), RenewToken, the profile check, and errors mapped onto the broker error hierarchy.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cleanupAfterEach, until } from '../../testing';
import { AccessDenied, AuthError, BrokerError, InputError, NetworkError, RateLimited, TokenExpired } from '../errors';
import { DhanFeedSimulator, dhanSegmentOf } from '../../sim/dhan/feed-server';
import { DhanRestSimulator } from '../../sim/dhan/rest-server';
import { defaultUniverse } from '../../sim/market/market';
import { consumeDhanConsent, decodeDhanToken, dhanConsentLoginUrl, dhanRenewAt, dhanTokenIdFromRedirect, fetchDhanProfile, generateDhanConsent, parseDhanTime, renewDhanToken } from './auth';
import { DHAN_ERROR_CODES, dhanRestError } from './rest';
import { DhanFeed } from './feed';
import { DhanTokenKeeper } from './session';

const cleanups = cleanupAfterEach();

/** The user's part of the login page: submit the form; returns the redirect target (or the page). */
async function submitLogin(loginUrl: string, clientId: string, pin: string): Promise<{ location: string | null; html: string }> {
  const page = await fetch(loginUrl);
  const html = await page.text();
  const action = /action="([^"]+)"/.exec(html)?.[1].replace(/&amp;/g, '&');
  assert.ok(action, 'the login page has a form');
  const res = await fetch(new URL(action, loginUrl), {
    method: 'POST',
    body: new URLSearchParams({ clientId, pin }),
    redirect: 'manual',
  });
  return { location: res.headers.get('location'), html: res.status === 302 ? '' : await res.text() };
}

test('Dhan times are IST wall clock: three formats, and an explicit zone is honoured', () => {
  assert.equal(parseDhanTime('2025-09-23T12:37:23'), Date.UTC(2025, 8, 23, 7, 7, 23));
  assert.equal(parseDhanTime('2025-09-23 12:37:23.0'), Date.UTC(2025, 8, 23, 7, 7, 23));
  assert.equal(parseDhanTime('30/03/2025 15:37'), Date.UTC(2025, 2, 30, 10, 7));
  assert.equal(parseDhanTime('2025-09-23T12:37:23Z'), Date.UTC(2025, 8, 23, 12, 37, 23));
  assert.equal(parseDhanTime('soon'), undefined);
  assert.equal(parseDhanTime(undefined), undefined);
});

test('REST errors map onto the hierarchy: 401/DH-901 → login needed, expired → TokenExpired, DH-904 → rate limited', () => {
  assert.ok(dhanRestError(401, { errorCode: 'DH-901', errorMessage: 'Invalid access token' }, 'x') instanceof AuthError);
  assert.ok(dhanRestError(401, { errorCode: 'DH-901', errorMessage: 'Access token expired' }, 'x') instanceof TokenExpired);
  assert.ok(dhanRestError(429, null, 'x') instanceof RateLimited);
  assert.ok(dhanRestError(400, { errorCode: 'DH-904' }, 'x') instanceof RateLimited);
  const input = dhanRestError(400, { errorCode: 'DH-905', errorMessage: 'bad' }, 'Dhan profile');
  assert.ok(!(input instanceof AuthError) && input instanceof BrokerError && !input.retryable);
  assert.equal(input.message, 'Dhan profile: HTTP 400 DH-905 (bad)');
});

test('an expired token answered with HTTP 400 DH-906 "Invalid Token" means log in again, as 807–809 do on the feeds', () => {
  const e = dhanRestError(400, { errorType: 'Invalid_Authentication', errorCode: 'DH-906', errorMessage: 'Invalid Token' }, 'Dhan intraday');
  assert.ok(e instanceof TokenExpired && e instanceof AuthError && !e.retryable);
  assert.equal(e.message, 'Dhan intraday: HTTP 400 DH-906 (Invalid Token): log in again');
});

test('every DH-9xx code has its place in the one hierarchy; DH-910 and unknown codes go by the HTTP status', () => {
  const kinds: Array<[string, number, new (...a: never[]) => BrokerError, boolean]> = [
    ['DH-901', 401, AuthError, false],
    ['DH-902', 400, AccessDenied, false],
    ['DH-903', 400, AccessDenied, false],
    ['DH-904', 400, RateLimited, true],
    ['DH-905', 400, InputError, false],
    ['DH-906', 400, TokenExpired, false],
    ['DH-907', 400, InputError, false],
    ['DH-908', 400, NetworkError, true],
    ['DH-909', 400, NetworkError, true],
  ];
  for (const [code, status, kind, retryable] of kinds) {
    const e = dhanRestError(status, { errorCode: code, errorMessage: 'm' }, 'x');
    assert.equal(e.constructor, kind, code);
    assert.equal(e.retryable, retryable, code);
    assert.equal(e.broker, 'dhan');
  }
  assert.deepEqual(Object.keys(DHAN_ERROR_CODES).sort(), kinds.map((k) => k[0]));
  // Access and input errors are not "login needed": logging in again would not help.
  assert.ok(!(dhanRestError(400, { errorCode: 'DH-902' }, 'x') instanceof AuthError));
  assert.equal(dhanRestError(500, { errorCode: 'DH-910' }, 'x').constructor, NetworkError);
  assert.equal(dhanRestError(400, { errorCode: 'DH-910' }, 'x').constructor, BrokerError);
  assert.equal(dhanRestError(503, null, 'x').constructor, NetworkError);
  // A code that names an Object property is just an unknown code.
  assert.equal(dhanRestError(400, { errorCode: 'constructor' }, 'x').constructor, BrokerError);
  assert.equal(dhanRestError(400, { errorCode: '__proto__' }, 'x').message, 'x: HTTP 400 __proto__');
});

test('renewal is scheduled an hour ahead, or halfway for a short-lived token', () => {
  const now = 1_000_000_000_000;
  assert.equal(dhanRenewAt(now + 24 * 3600_000, now), now + 23 * 3600_000);
  assert.equal(dhanRenewAt(now + 3600_000, now), now + 1800_000);
  assert.equal(dhanRenewAt(now - 5, now), now);
});

test('the consent flow end to end: consent → login page → redirect with tokenId → access token that streams; renew; profile', async () => {
  const universe = defaultUniverse({ optionStrikes: 2 });
  const feedSim = new DhanFeedSimulator({ instruments: universe, tokens: [] });
  await feedSim.start();
  const rest = new DhanRestSimulator({ onIssued: (t) => feedSim.grantToken(t), onRevoked: (t) => feedSim.expireToken(t) });
  await rest.start();
  cleanups.push(() => feedSim.stop(), () => rest.stop());
  const app = { clientId: rest.clientId, apiKey: rest.apiKey, apiSecret: rest.apiSecret, authRoot: rest.authRoot };

  const consentAppId = await generateDhanConsent(app);
  const loginUrl = dhanConsentLoginUrl(consentAppId, rest.authRoot);
  // A wrong PIN stays on the page with a message; no redirect.
  const wrong = await submitLogin(loginUrl, rest.clientId, '0000');
  assert.equal(wrong.location, null);
  assert.match(wrong.html, /Wrong client id or PIN/);
  const ok = await submitLogin(loginUrl, rest.clientId, '1234');
  assert.ok(ok.location!.startsWith(rest.redirectUrl), ok.location!);
  const tokenId = dhanTokenIdFromRedirect(ok.location!)!;
  assert.match(tokenId, /^[0-9a-f]{32}$/);

  const t0 = Date.now();
  const session = await consumeDhanConsent(app, tokenId);
  assert.equal(session.clientId, rest.clientId);
  assert.equal(session.clientName, 'SIM TRADER');
  assert.ok(Math.abs(session.expiresAt - (t0 + 24 * 3600_000)) < 5000, 'about 24 h (expiryTime read as IST)');
  assert.equal(session.consumerType, 'SELF');
  assert.equal(decodeDhanToken(session.accessToken).clientId, rest.clientId);
  // The tokenId is single-use; the consent link too.
  await assert.rejects(consumeDhanConsent(app, tokenId), /DH-905/);
  assert.equal((await fetch(loginUrl)).status, 400);

  const profile = await fetchDhanProfile({ clientId: session.clientId, accessToken: session.accessToken, apiRoot: rest.apiRoot });
  assert.equal(profile.clientId, rest.clientId);
  assert.ok(profile.dataPlanActive);
  assert.deepEqual(profile.activeSegments, ['Equity', 'Derivative', 'Currency', 'Commodity']);
  assert.ok(Math.abs(profile.tokenValidUntil! - session.expiresAt) < 60_000, 'tokenValidity is minute-precise IST');

  // The token streams on the live feed.
  const packets: number[] = [];
  const feed = new DhanFeed({ clientId: session.clientId, accessToken: session.accessToken, root: feedSim.root, backoff: { initialMs: 50, maxMs: 200, jitter: 0 }, onPacket: (p) => packets.push(p.securityId) });
  cleanups.push(() => feed.stop());
  const infy = universe.find((i) => i.symbol === 'INFY')!;
  feed.subscribe([{ securityId: infy.exchangeToken, segment: dhanSegmentOf(infy) }], 'quote');
  feed.start();
  await until(() => packets.length > 3, 'packets with the consent token');

  const renewed = await renewDhanToken({ clientId: session.clientId, accessToken: session.accessToken, apiRoot: rest.apiRoot });
  assert.notEqual(renewed.accessToken, session.accessToken);
  assert.equal(renewed.consumerType, 'SELF', 'renewal keeps the type');
  assert.ok(renewed.expiresAt >= session.expiresAt);
  feed.setAccessToken(renewed.accessToken);

  // A second login (only one token active at a time) ends the first token: 807 → login needed.
  const again = await submitLogin(dhanConsentLoginUrl(await generateDhanConsent(app), rest.authRoot), rest.clientId, '1234');
  const second = await consumeDhanConsent(app, dhanTokenIdFromRedirect(again.location!)!);
  await until(() => feed.state === 'login-needed', 'the old token refused');
  await assert.rejects(fetchDhanProfile({ clientId: rest.clientId, accessToken: renewed.accessToken, apiRoot: rest.apiRoot }), AuthError);
  const n = packets.length;
  feed.setAccessToken(second.accessToken);
  await until(() => feed.state === 'connected' && packets.length > n + 3, 'streaming with the new login, subscriptions intact');
});

test('wrong app secret, an expired tokenId, and renewing an expired token are refused with clear errors', async () => {
  let now = Date.now();
  const rest = new DhanRestSimulator({ now: () => now });
  await rest.start();
  cleanups.push(() => rest.stop());
  const app = { clientId: rest.clientId, apiKey: rest.apiKey, apiSecret: rest.apiSecret, authRoot: rest.authRoot };
  await assert.rejects(generateDhanConsent({ ...app, apiSecret: 'nope' }), (e: Error) => e instanceof AuthError && /DH-901/.test(e.message));

  const ok = await submitLogin(dhanConsentLoginUrl(await generateDhanConsent(app), rest.authRoot), rest.clientId, '1234');
  now += 6 * 60_000; // the tokenId outlived its 5 minutes
  await assert.rejects(consumeDhanConsent(app, dhanTokenIdFromRedirect(ok.location!)!), /Invalid or expired tokenId/);

  const token = rest.issueToken('SELF');
  now += 25 * 3600_000;
  // Dhan answers an expired token with HTTP 400 DH-906 "Invalid Token"; the simulator does too.
  const refused = await fetch(`${rest.apiRoot}/profile`, { headers: { 'access-token': token, 'client-id': rest.clientId } });
  assert.equal(refused.status, 400);
  assert.deepEqual(await refused.json(), { errorType: 'Invalid_Authentication', errorCode: 'DH-906', errorMessage: 'Invalid Token' });
  await assert.rejects(renewDhanToken({ clientId: rest.clientId, accessToken: token, apiRoot: rest.apiRoot }), (e: Error) => e instanceof TokenExpired && e.message === 'Dhan RenewToken: HTTP 400 DH-906 (Invalid Token): log in again');
  await assert.rejects(fetchDhanProfile({ clientId: rest.clientId, accessToken: token, apiRoot: rest.apiRoot }), TokenExpired);
  await assert.rejects(fetchDhanProfile({ clientId: rest.clientId, accessToken: 'garbage', apiRoot: rest.apiRoot }), (e: Error) => e instanceof AuthError && !(e instanceof TokenExpired));
});

test('the token keeper renews ahead of expiry and hands the new token on; a refused renewal is said once', async () => {
  const rest = new DhanRestSimulator();
  await rest.start();
  cleanups.push(() => rest.stop());
  const short = rest.issueToken('SELF', 1200); // renewed halfway, ~0.6 s from now
  const renewed: string[] = [];
  const notices: string[] = [];
  const keeper = new DhanTokenKeeper({ clientId: rest.clientId, accessToken: short, apiRoot: rest.apiRoot, onRenewed: (s) => renewed.push(s.accessToken), onNotice: (n) => notices.push(n) });
  cleanups.push(() => keeper.stop());
  keeper.start();
  await until(() => renewed.length === 1, 'a renewal', 3000);
  assert.equal(keeper.accessToken, renewed[0]);
  assert.ok(keeper.validUntil! > Date.now() + 23 * 3600_000, 'the renewed token lasts 24 h');
  const profile = await fetchDhanProfile({ clientId: rest.clientId, accessToken: renewed[0], apiRoot: rest.apiRoot });
  assert.equal(profile.clientId, rest.clientId);
  assert.match(notices[0], /Dhan token renewed; valid until/);

  // The token is ended server-side: the next renewal is refused → one "login needed", no loop.
  rest.expireToken(renewed[0]);
  await keeper.renewNow();
  assert.equal(renewed.length, 1);
  assert.equal(notices.filter((n) => /login needed \(dhan\)/.test(n)).length, 1);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(rest.hits.get('/v2/RenewToken'), 2, 'no retry storm');
});
