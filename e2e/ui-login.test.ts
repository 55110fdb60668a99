// Logging in again from the UI (serve, real-broker path against the Kite simulator): the session
// ends, the status bar says "login needed" with a Log in button, the broker's login page opens in
// a new window, and after the login recording resumes with the same instruments.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { KiteSimulator } from '../src/engine/sim/kite/server';
import { defaultUniverse } from '../src/engine/sim/market/market';
import { ARTIFACTS, freePort, launchChromium, startServe, untilAsync } from './helpers';


const until = (cond: () => Promise<boolean>, what: string) => untilAsync(cond, what, 20_000);

test('session ends → "login needed" + Log in → broker page in a new window → recording resumes, same instruments', async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const loginPort = await freePort();
  const sim = new KiteSimulator({ instruments: defaultUniverse({ optionStrikes: 2 }), ticksPerSecond: 400, accessTokens: ['day1'], redirectUrl: `http://127.0.0.1:${loginPort}/kite/callback` });
  await sim.start();
  const dir = mkdtempSync(join(tmpdir(), 'tickdesk-ui-login-'));
  let serve: ChildProcess | undefined;
  const browser = await launchChromium();
  try {
    let url: string;
    ({ child: serve, url } = await startServe(
      ['--broker', 'kite', '--instruments', 'NSE:INFY,NSE:SBIN', '--journal', join(dir, 'j.sqlite'), '--rest-root', sim.restUrl, '--ws-root', sim.wsUrl, '--login-port', String(loginPort), '--login-root', sim.restUrl],
      { KITE_API_KEY: sim.apiKey, KITE_ACCESS_TOKEN: 'day1', KITE_API_SECRET: '', TICKDESK_CONFIG_DIR: dir },
    ));
    const context = await browser.newContext({ viewport: { width: 1440, height: 860 } });
    const page = await context.newPage();
    await page.goto(url);
    await until(async () => /kite connected/.test((await page.textContent('[data-testid=statusbar]')) ?? ''), 'kite connected');

    // The broker ends the session (logout elsewhere / the daily expiry).
    sim.revokeAccessToken('day1');
    sim.dropConnections();
    await page.waitForSelector('[data-testid=login-kite]', { timeout: 20_000 });
    assert.match((await page.textContent('[data-testid=feed-kite]'))!, /kite login needed/);
    await page.click('[data-testid=login-kite]');
    await page.waitForSelector('[data-testid=login-dialog-kite]');
    // No secret in the engine's environment: asking without one says what is missing.
    await page.click('[data-testid=login-open]');
    await page.waitForSelector('[data-testid=login-error]');
    assert.match((await page.textContent('[data-testid=login-error]'))!, /Kite API secret is needed/);

    await page.fill('[data-testid=login-secret]', sim.apiSecret);
    const [popup] = await Promise.all([context.waitForEvent('page'), page.click('[data-testid=login-open]')]);
    await popup.waitForLoadState();
    assert.match(popup.url(), new RegExp(`^${sim.restUrl}/connect/login\\?v=3&api_key=${sim.apiKey}`));
    await page.screenshot({ path: join(ARTIFACTS, 'login-needed.png') });
    // The user logs in on the broker's page; the browser is sent to the engine's 127.0.0.1 listener.
    await popup.fill('input[name=user_id]', 'SIM001');
    await popup.fill('input[name=password]', 'sim-password');
    await Promise.all([popup.waitForURL(new RegExp(`^http://127\\.0\\.0\\.1:${loginPort}/kite/callback`)), popup.click('button[type=submit]')]);
    assert.match((await popup.textContent('body'))!, /Logged in to Kite as SIM001/);
    await until(async () => (await page.getAttribute('[data-testid=login-state]', 'data-state')) === 'ok', 'login ok in the UI');
    await until(async () => /kite connected/.test((await page.textContent('[data-testid=statusbar]')) ?? ''), 'kite connected again');
    // Same instruments stream again: INFY's last price moves in the watchlist.
    await page.click('[data-testid=search-input]');
    await page.fill('[data-testid=search-input]', 'INFY');
    await page.click('[data-testid=search-result][data-symbol="NSE:INFY"]');
    const ltp = async () => page.getAttribute('[data-testid=watch-row][data-symbol="NSE:INFY"] [data-testid=watch-ltp]', 'data-ltp');
    await until(async () => !!(await ltp()), 'INFY quote');
    const first = await ltp();
    await until(async () => (await ltp()) !== first, 'INFY moving after the re-login');
    await page.screenshot({ path: join(ARTIFACTS, 'login-resumed.png') });
    const session = join(dir, 'session-kite.json');
    assert.equal(statSync(session).mode & 0o777, 0o600);
    assert.equal(JSON.parse(readFileSync(session, 'utf8')).apiKey, sim.apiKey);
    const html = await page.content();
    assert.ok(!html.includes(sim.apiSecret), 'the secret is not kept in the page');
  } finally {
    await browser.close();
    serve?.kill('SIGTERM');
    await sim.stop();
  }
});

test('Dhan: the session ends (807) → Log in → a pasted web token, checked with the broker → recording resumes', async () => {
  const { DhanFeedSimulator } = await import('../src/engine/sim/dhan/feed-server');
  const { DhanRestSimulator } = await import('../src/engine/sim/dhan/rest-server');
  const universe = defaultUniverse({ optionStrikes: 2 });
  const feedSim = new DhanFeedSimulator({ instruments: universe, tokens: [], ticksPerSecond: 400 });
  await feedSim.start();
  const rest = new DhanRestSimulator({ instruments: universe, onIssued: (t) => feedSim.grantToken(t), onRevoked: (t) => feedSim.expireToken(t) });
  await rest.start();
  const dir = mkdtempSync(join(tmpdir(), 'tickdesk-ui-login-dhan-'));
  let serve: ChildProcess | undefined;
  const browser = await launchChromium();
  try {
    const first = rest.issueToken('SELF');
    let url: string;
    ({ child: serve, url } = await startServe(
      ['--broker', 'dhan', '--instruments', 'NSE:INFY,NSE:SBIN', '--journal', join(dir, 'j.sqlite'), '--rest-root', rest.root, '--ws-root', feedSim.root],
      { DHAN_CLIENT_ID: rest.clientId, DHAN_ACCESS_TOKEN: first, TICKDESK_CONFIG_DIR: dir },
    ));
    const page = await browser.newPage({ viewport: { width: 1440, height: 860 } });
    await page.goto(url);
    await until(async () => /dhan connected/.test((await page.textContent('[data-testid=statusbar]')) ?? ''), 'dhan connected');
    rest.expireToken(first); // the daily expiry: 807 on the feed
    await page.waitForSelector('[data-testid=login-dhan]', { timeout: 20_000 });
    await page.click('[data-testid=login-dhan]');
    await page.fill('[data-testid=login-token]', 'x'.repeat(40));
    await page.click('[data-testid=login-use-token]');
    await page.waitForSelector('[data-testid=login-error]');
    assert.match((await page.textContent('[data-testid=login-error]'))!, /Dhan refused the token: .*DH-901/);
    await page.fill('[data-testid=login-token]', rest.issueToken('SELF'));
    await page.click('[data-testid=login-use-token]');
    await until(async () => (await page.getAttribute('[data-testid=login-state]', 'data-state')) === 'ok', 'token accepted');
    await until(async () => /dhan connected/.test((await page.textContent('[data-testid=statusbar]')) ?? ''), 'dhan connected again');
    const session = JSON.parse(readFileSync(join(dir, 'session-dhan.json'), 'utf8'));
    assert.equal(session.clientId, rest.clientId);
    assert.ok(session.expiresAt > Date.now() + 23 * 3600_000);
    assert.equal(statSync(join(dir, 'session-dhan.json')).mode & 0o777, 0o600);
  } finally {
    await browser.close();
    serve?.kill('SIGTERM');
    await feedSim.stop();
    await rest.stop();
  }
});
