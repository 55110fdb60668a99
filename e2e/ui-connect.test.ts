// The desktop app's "Connect broker" dialog in Chromium. Electron cannot run here, so the preload's
// `window.tickdesk.broker` is played by exposed functions that call the real BrokerConnector (main's
// logic: validation, the popup's redirect handling with a user on the Kite simulator's login page,
// encrypted secrets, the hand-over to the engine). The page talks to a `tickdesk serve` engine.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { KiteSimulator } from '../src/engine/sim/kite/server';
import { BrokerConnector } from '../src/main/broker-connect';
import { runLoginPopup } from '../src/main/login-popup';
import { SecretStore } from '../src/main/secrets';
import { FakeWindow, fakeSafeStorage, simUser } from '../src/main/testing';
import type { EngineStart } from '../src/shared/desktop';
import { ARTIFACTS, launchChromium, startServe, untilAsync } from './helpers';

test('Connect broker: key and secret typed once, login in the popup, connected state shown; no secret or token in the page', async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const redirectUrl = 'https://tickdesk.example/kite/callback';
  const sim = new KiteSimulator({ ticksPerSecond: 1, redirectUrl });
  await sim.start();
  const dir = mkdtempSync(join(tmpdir(), 'tickdesk-ui-connect-'));
  const restarts: EngineStart[] = [];
  const connector = new BrokerConnector({
    settingsFile: join(dir, 'settings.json'),
    secrets: new SecretStore(join(dir, 'secrets.json'), fakeSafeStorage(), { platform: 'linux' }),
    openPopup: (spec) => runLoginPopup(new FakeWindow(simUser({ user_id: 'SIM001', password: 'sim-password' })), spec),
    sendSession: () => undefined,
    restartEngine: (c) => restarts.push(c),
    roots: { kite: { restRoot: sim.restUrl, loginRoot: sim.restUrl }, dhan: {} },
  });
  connector.engineStart();
  let serve: ChildProcess | undefined;
  const browser = await launchChromium();
  try {
    let url: string;
    ({ child: serve, url } = await startServe(['--journal', join(dir, 'j.sqlite')]));
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.exposeFunction('__brokerStatus', () => connector.status());
    await page.exposeFunction('__brokerConnect', (req: unknown) => connector.connect(req));
    await page.exposeFunction('__brokerDisconnect', (b: 'kite' | 'dhan') => connector.disconnect(b));
    // As a string: the test runner's transpiler wraps functions in helpers the page does not have.
    await page.addInitScript(`window.tickdesk = { broker: { status: () => window.__brokerStatus(), connect: (r) => window.__brokerConnect(r), disconnect: (b) => window.__brokerDisconnect(b) } };`);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(url);
    await page.waitForSelector('[data-testid=connect-broker]').catch((e: Error) => assert.fail(`${e.message}\n${errors.join('\n')}`));
    await untilAsync(async () => /kite connected/.test((await page.textContent('[data-testid=statusbar]')) ?? ''), 'the engine streams (simulator)');
    await page.click('[data-testid=connect-broker]');
    await page.waitForSelector('[data-testid=connect-dialog]');
    await untilAsync(async () => /kite: not logged in · recording from the simulator/.test((await page.textContent('[data-testid=connect-state]')) ?? ''), 'not logged in');

    // Nothing typed: main says what is missing. A malformed key: main's validation says why.
    await page.click('[data-testid=connect-go]');
    await page.waitForSelector('[data-testid=connect-error]');
    assert.match((await page.textContent('[data-testid=connect-error]'))!, /api key and api secret/);
    await page.fill('[data-testid=connect-apiKey]', 'not a key');
    await page.fill('[data-testid=connect-apiSecret]', sim.apiSecret);
    await page.click('[data-testid=connect-go]');
    await untilAsync(async () => /letters and digits/.test((await page.textContent('[data-testid=connect-error]')) ?? ''), 'validation error');
    assert.equal(restarts.length, 0);

    await page.fill('[data-testid=connect-apiKey]', sim.apiKey);
    await page.fill('[data-testid=connect-redirectUrl]', redirectUrl);
    await page.fill('[data-testid=connect-instruments]', 'NSE:INFY, NSE:SBIN');
    await page.click('[data-testid=connect-go]');
    await page.waitForSelector('[data-testid=connect-done]');
    assert.match((await page.textContent('[data-testid=connect-done]'))!, /^connected as SIM001; valid until \d{4}-\d{2}-\d{2} 06:00:00 IST$/);
    await untilAsync(async () => /kite: logged in as SIM001, valid until .* 06:00:00 IST · recording from kite/.test((await page.textContent('[data-testid=connect-state]')) ?? ''), 'logged-in state');
    assert.equal(await page.inputValue('[data-testid=connect-apiSecret]'), '', 'what was typed is gone from the page');
    assert.equal(await page.getAttribute('[data-testid=connect-apiSecret]', 'placeholder'), 'stored (encrypted)');
    await page.screenshot({ path: join(ARTIFACTS, 'connect-broker.png') });
    // The engine is told to record from Kite with the chosen instruments.
    assert.equal(restarts.length, 1);
    assert.equal(restarts[0].broker, 'kite');
    assert.deepEqual(restarts[0].instruments, ['NSE:INFY', 'NSE:SBIN']);
    const html = await page.content();
    assert.ok(!html.includes(sim.apiSecret) && !html.includes(restarts[0].accessToken!), 'no secret or token in the page');
    assert.ok(!readFileSync(join(dir, 'secrets.json'), 'utf8').includes(sim.apiSecret), 'encrypted at rest');

    await page.click('[data-testid=connect-forget]');
    await untilAsync(async () => /kite: not logged in · recording from the simulator/.test((await page.textContent('[data-testid=connect-state]')) ?? ''), 'forgotten');
    assert.equal(restarts.at(-1)!.broker, 'sim');
  } finally {
    await browser.close();
    serve?.kill('SIGTERM');
    await sim.stop();
  }
});
