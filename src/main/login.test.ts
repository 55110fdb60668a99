// The desktop login popup's redirect handling, driven by navigation events as Electron emits them
// (the Kite simulator plays the broker), and secrets at rest via a safeStorage stand-in.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { exchangeKiteRequestToken, kiteLoginUrl, parseKiteRedirect } from '../engine/brokers/kite/auth';
import { KiteSimulator } from '../engine/sim/kite/server';
import { LoginCancelled, runLoginPopup } from './login-popup';
import { InsecureStorage, SecretStore } from './secrets';
import { FakeWindow, fakeSafeStorage } from './testing';

test('the popup follows the broker login, catches the redirect with the request token before it loads, and the token exchanges', async () => {
  const redirectUrl = 'https://tickdesk.example/kite/callback';
  const sim = new KiteSimulator({ ticksPerSecond: 1, redirectUrl });
  await sim.start();
  try {
    const win = new FakeWindow();
    const state = 'abc123';
    const loginUrl = kiteLoginUrl(sim.apiKey, state, sim.restUrl);
    const result = runLoginPopup(win, { loginUrl, allowedOrigins: [new URL(sim.restUrl).origin], redirectUrl });
    assert.deepEqual(win.loaded, [loginUrl]);
    assert.deepEqual(win.openHandler!({ url: 'https://evil.example' }), { action: 'deny' });
    // Inside the login origin: allowed. Anywhere else: blocked.
    assert.equal(win.navigate('will-navigate', `${sim.restUrl}/connect/login?v=3`), false);
    assert.equal(win.navigate('will-navigate', 'https://evil.example/phish'), true);
    assert.equal(win.navigate('will-redirect', 'javascript:alert(1)', 'old'), true);
    // The user submits the form; the broker answers 302 to the redirect URL.
    const page = await (await fetch(loginUrl)).text();
    const hidden = Object.fromEntries([...page.matchAll(/type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    const post = await fetch(`${sim.restUrl}/connect/login`, { method: 'POST', body: new URLSearchParams({ ...hidden, user_id: 'SIM001', password: 'sim-password' }), redirect: 'manual' });
    const location = post.headers.get('location')!;
    assert.equal(win.navigate('will-redirect', location, 'old'), true, 'the redirect is stopped: its page never loads');
    const url = await result;
    assert.ok(win.destroyed, 'the popup closes');
    const requestToken = parseKiteRedirect(url, state);
    const session = await exchangeKiteRequestToken({ restRoot: sim.restUrl, apiKey: sim.apiKey, apiSecret: sim.apiSecret, requestToken });
    assert.match(session.accessToken, /^[0-9a-f]{32}$/);
    assert.equal(session.userId, 'SIM001');
    // A redirect without our state (someone else's login) is refused.
    assert.throws(() => parseKiteRedirect(url, 'other-state'), /state mismatch/);
    assert.throws(() => parseKiteRedirect(`${redirectUrl}?status=cancelled`), /did not succeed/);
  } finally {
    await sim.stop();
  }
});

test('closing the popup cancels the login; so does the time limit', async () => {
  const win = new FakeWindow();
  const p = runLoginPopup(win, { loginUrl: 'https://kite.zerodha.com/connect/login?v=3&api_key=k', allowedOrigins: ['https://kite.zerodha.com'], redirectUrl: 'http://127.0.0.1:8421/kite/callback' });
  win.close();
  await assert.rejects(p, LoginCancelled);
  const slow = runLoginPopup(new FakeWindow(), { loginUrl: 'https://x', allowedOrigins: [], redirectUrl: 'http://127.0.0.1:1/cb', timeoutMs: 50 });
  await assert.rejects(slow, /timed out/);
});

test('secrets are stored encrypted (file 0600), read back, deleted; a plain-text keyring is refused unless allowed', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'tickdesk-secrets-')), 'secrets.json');
  const store = new SecretStore(file, fakeSafeStorage(), { platform: 'linux' });
  store.set('kite.apiSecret', 'sup3r-s3cret');
  store.set('kite.accessToken', 'tok');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.ok(!readFileSync(file, 'utf8').includes('sup3r-s3cret'), 'nothing in clear on disk');
  assert.equal(store.get('kite.apiSecret'), 'sup3r-s3cret');
  store.delete('kite.accessToken');
  assert.equal(store.get('kite.accessToken'), undefined);
  // Another machine's key cannot read it: absent, not a crash.
  assert.equal(new SecretStore(file, fakeSafeStorage(), { platform: 'linux' }).get('kite.apiSecret'), undefined);

  const plain = new SecretStore(file, fakeSafeStorage('basic_text'), { platform: 'linux' });
  assert.throws(() => plain.set('x', 'y'), (e: Error) => e instanceof InsecureStorage && /no system keyring/.test(e.message));
  new SecretStore(file, fakeSafeStorage('basic_text'), { platform: 'linux', allowPlainText: true }).set('x', 'y');
  assert.throws(() => new SecretStore(file, fakeSafeStorage('x', false)).set('a', 'b'), /not available/);
  assert.equal(new SecretStore(file, fakeSafeStorage('basic_text'), { platform: 'darwin' }).problem(), null, 'the Linux fallback check is Linux-only');
});
