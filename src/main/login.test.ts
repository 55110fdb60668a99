// The desktop login popup's redirect handling, driven by navigation events as Electron emits them
// (the Kite simulator plays the broker), and secrets at rest via a safeStorage stand-in.
import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { exchangeKiteRequestToken, kiteLoginUrl, parseKiteRedirect } from '../engine/brokers/kite/login';
import { KiteSimulator } from '../engine/sim/kite-server';
import { LoginCancelled, runLoginPopup, type NavEvent, type PopupWindow } from './login-popup';
import { InsecureStorage, SecretStore, type SafeStorageLike } from './secrets';

/** A BrowserWindow stand-in: records loads, lets the test emit navigation events. */
class FakeWindow extends EventEmitter implements PopupWindow {
  loaded: string[] = [];
  destroyed = false;
  openHandler: ((d: { url: string }) => { action: 'deny' }) | null = null;
  readonly contents = new EventEmitter();
  readonly webContents = {
    on: (event: 'will-redirect' | 'will-navigate', fn: (e: NavEvent, url?: string) => void) => void this.contents.on(event, fn),
    setWindowOpenHandler: (fn: (d: { url: string }) => { action: 'deny' }) => void (this.openHandler = fn),
  };
  loadURL(url: string): void {
    this.loaded.push(url);
  }
  close(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.emit('closed');
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  /** Emits a navigation the way newer Electron does (event.url) or older (event, url). */
  navigate(kind: 'will-redirect' | 'will-navigate', url: string, style: 'new' | 'old' = 'new'): boolean {
    let prevented = false;
    const e: NavEvent = { preventDefault: () => (prevented = true), ...(style === 'new' ? { url } : {}) };
    if (style === 'new') this.contents.emit(kind, e);
    else this.contents.emit(kind, e, url);
    return prevented;
  }
}

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

/** safeStorage stand-in: AES-256-GCM with a per-run key; `backend` as Linux reports it. */
function fakeSafeStorage(backend = 'gnome_libsecret', available = true): SafeStorageLike {
  const key = randomBytes(32);
  return {
    isEncryptionAvailable: () => available,
    getSelectedStorageBackend: () => backend,
    encryptString(plain) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return Buffer.concat([iv, c.getAuthTag(), body]);
    },
    decryptString(enc) {
      const d = createDecipheriv('aes-256-gcm', key, enc.subarray(0, 12));
      d.setAuthTag(enc.subarray(12, 28));
      return Buffer.concat([d.update(enc.subarray(28)), d.final()]).toString('utf8');
    },
  };
}

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
