// The desktop app end to end in Electron (Playwright's Electron driver), against the Kite simulator:
// a sandboxed, context-isolated window on tickdesk://app/ that gets its engine MessagePort and shows
// live prices, a moving chart and the ladder; a killed engine restarts and data resumes; Connect
// broker → Kite logs in through the popup on its own partition, keeps the secret encrypted and never
// gives it to the page, and the engine records the chosen instruments from the simulator; closing
// the window leaves the journal intact. Screenshots go to e2e/artifacts/desktop/.
//
// Run by `npm run test:desktop` (scripts/desktop-test.mjs), which builds out/, stages it with the
// engine's native modules built for Electron (TICKDESK_DESKTOP_APP) and provides a display. Named
// .spec.ts so `npm test`'s discovery of *.test.ts leaves it to that script.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import { KiteSimulator } from '../../src/engine/sim/kite/server';
import { untilAsync } from '../helpers';

const APP = process.env.TICKDESK_DESKTOP_APP;
const ARTIFACTS = new URL('../artifacts/desktop/', import.meta.url).pathname;
const APP_PAGE = 'tickdesk://app/index.html';

interface EngineState {
  state: string;
  detail: string;
}
/** What the page's world holds after the preload ran (window.tickdesk is the preload's bridge). */
interface PageWorld {
  tickdesk?: {
    requestEnginePort(): void;
    onEngineState(fn: (s: EngineState) => void): () => void;
    broker: { status(): Promise<unknown> };
  };
  __states?: EngineState[];
  __pill?: string[];
}

/**
 * The engine utilityProcess's pids: main forks it with serviceName 'tickdesk-engine', which Electron
 * reports as the metric's name; it is the app's only Node utility process.
 */
async function enginePids(app: ElectronApplication): Promise<number[]> {
  return app.evaluate(({ app: a }) =>
    a
      .getAppMetrics()
      .filter((m) => m.type === 'Utility' && (m.name === 'tickdesk-engine' || m.serviceName === 'node.mojom.NodeService'))
      .map((m) => m.pid),
  );
}

async function text(page: Page, selector: string): Promise<string> {
  return (await page.locator(selector).first().textContent()) ?? '';
}

async function attr(page: Page, selector: string, name: string): Promise<string> {
  return (await page.locator(selector).first().getAttribute(name)) ?? '';
}

/** Waits until what `read` returns differs from what it returned first (a value that moves). */
async function moves(read: () => Promise<string>, what: string, ms = 20_000): Promise<void> {
  const first = await read();
  await untilAsync(async () => (await read()) !== first, what, ms);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('the desktop app: secure window, live data, engine restart, Kite login in the popup, journal intact', { skip: APP ? false : 'run by npm run test:desktop (it stages the app and a display)' }, async (t) => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const redirectUrl = 'https://tickdesk.example/kite/callback';
  // Enough market events that both chosen instruments tick many times a second.
  const sim = new KiteSimulator({ ticksPerSecond: 1000, redirectUrl });
  await sim.start();
  const home = mkdtempSync(join(tmpdir(), 'tickdesk-desktop-'));
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'ELECTRON_RENDERER_URL') env[k] = v;
  // userData under a fresh XDG_CONFIG_HOME; the broker hosts are the simulator's (the documented roots).
  Object.assign(env, { XDG_CONFIG_HOME: join(home, 'config'), TICKDESK_KITE_REST_ROOT: sim.restUrl, TICKDESK_KITE_WS_ROOT: sim.wsUrl });
  // Chromium's own fixed-key store on Linux, as on a machine without a keyring (and never a keyring
  // prompt under Xvfb): the app must ask before it stores secrets that way.
  const app = await _electron.launch({ args: ['--password-store=basic', APP!], cwd: APP, env, timeout: 60_000 });
  const errors: string[] = [];
  let engineBefore = 0;
  try {
    const page = await app.firstWindow();
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.setViewportSize({ width: 1440, height: 900 }).catch(() => undefined);
    const userData = await app.evaluate(({ app: a }) => a.getPath('userData'));
    assert.ok(userData.startsWith(join(home, 'config')), `userData (${userData}) under this run's XDG_CONFIG_HOME`);
    const journalPath = join(userData, 'tickdesk.sqlite');

    await t.test('the window is the app page, context-isolated and sandboxed', async () => {
      await untilAsync(async () => page.url() === APP_PAGE, `the window to load ${APP_PAGE} (it shows ${page.url()})`, 30_000);
      const main = await app.evaluate(({ BrowserWindow }, url) => {
        const w = BrowserWindow.getAllWindows().find((x) => x.webContents.getURL() === url);
        if (!w) return null;
        // Undocumented but long-standing (Electron's own code uses it); null when it is gone.
        const wc = w.webContents as unknown as { getLastWebPreferences?: () => Record<string, unknown> | null };
        const p = wc.getLastWebPreferences?.() ?? null;
        return { title: w.getTitle(), prefs: p && { contextIsolation: p.contextIsolation, sandbox: p.sandbox, nodeIntegration: p.nodeIntegration, webSecurity: p.webSecurity } };
      }, APP_PAGE);
      assert.ok(main, 'a BrowserWindow shows the app page');
      if (main.prefs) assert.deepEqual(main.prefs, { contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true });
      else t.diagnostic('webContents.getLastWebPreferences() is not available in this Electron: relying on what the page sees');
      // What the page's world sees: no Node, and the preload's bridge as contextBridge proxies (with
      // contextIsolation off, exposeInMainWorld throws and there would be no bridge at all).
      const world = await page.evaluate(() => {
        const w = window as unknown as PageWorld & { require?: unknown; process?: unknown; module?: unknown };
        return {
          node: [typeof w.require, typeof w.process, typeof w.module],
          bridge: Object.keys(w.tickdesk ?? {}).sort(),
          proxied: String(w.tickdesk?.requestEnginePort),
          origin: location.origin,
        };
      });
      assert.deepEqual(world.node, ['undefined', 'undefined', 'undefined'], 'no Node globals in the page');
      assert.deepEqual(world.bridge, ['broker', 'onEngineState', 'requestEnginePort']);
      assert.match(world.proxied, /\[native code\]/, 'bridge functions are contextBridge proxies, not the preload’s own');
      assert.equal(world.origin, 'tickdesk://app');
    });

    await t.test('the page gets its engine port: live prices, a moving chart and the ladder', async () => {
      await untilAsync(async () => (await text(page, '[data-testid=engine-connection]')) === 'engine connected', 'engine connected over the MessagePort', 60_000);
      await page.waitForSelector('[data-testid=watch-row]', { timeout: 30_000 });
      await moves(async () => (await page.locator('[data-testid=watch-ltp]').evaluateAll((els) => els.map((e) => e.getAttribute('data-ltp')).join(','))), 'watchlist prices to move');
      await page.locator('[data-testid=watch-row]').first().click();
      const symbol = await attr(page, '[data-testid=watch-row]', 'data-symbol');
      await untilAsync(async () => (await text(page, '[data-testid=chart-title]')) === symbol, `the chart to show ${symbol}`);
      await untilAsync(async () => (await attr(page, '[data-testid=ladder]', 'data-best-bid')) !== '', 'the ladder');
      await moves(() => attr(page, '[data-testid=ladder]', 'data-ts'), 'a ladder update');
      await moves(async () => `${await attr(page, '[data-testid=chart]', 'data-last-time')}/${await attr(page, '[data-testid=chart]', 'data-last-close')}`, 'a chart update');
      await page.screenshot({ path: join(ARTIFACTS, 'window.png') });
      assert.deepEqual(errors.splice(0), [], 'no page errors');
    });

    await t.test('killing the engine process: "restarting", then data resumes from a new process', async () => {
      // The page's own bridge reports engine states; the status pill's texts are recorded as they change.
      await page.evaluate(() => {
        const w = window as unknown as PageWorld;
        w.__states = [];
        w.__pill = [];
        w.tickdesk!.onEngineState((s) => w.__states!.push(s));
        const pill = document.querySelector('[data-testid=engine-connection]')!;
        new MutationObserver(() => w.__pill!.push(pill.textContent ?? '')).observe(pill, { childList: true, characterData: true, subtree: true });
      });
      const [pid] = await enginePids(app);
      assert.ok(pid > 0, 'the engine runs as a utilityProcess');
      process.kill(pid, 'SIGKILL');
      const states = () => page.evaluate(() => (window as unknown as PageWorld).__states ?? []);
      await untilAsync(async () => (await states()).some((s) => s.state === 'restarting'), 'the page to hear "restarting"');
      const restarting = (await states()).find((s) => s.state === 'restarting')!;
      assert.match(restarting.detail, /^engine exited with .*; restart in \d+ ms$/);
      await untilAsync(async () => (await states()).some((s) => s.state === 'running'), 'the engine to run again', 30_000);
      const [again] = await enginePids(app);
      assert.ok(again && again !== pid, `a new engine process (${again}, was ${pid})`);
      await untilAsync(async () => (await text(page, '[data-testid=engine-connection]')) === 'engine connected', 'the page to reconnect', 60_000);
      const pill = await page.evaluate(() => (window as unknown as PageWorld).__pill ?? []);
      assert.ok(pill.includes('engine disconnected'), `the status bar showed the lost connection (${pill.join(' → ')})`);
      await moves(() => attr(page, '[data-testid=ladder]', 'data-ts'), 'the ladder to move again', 30_000);
      engineBefore = again;
    });

    await t.test('Connect broker → Kite: popup on its own partition, redirect caught, logged in; the secret stays in main, encrypted', async () => {
      // Everything main sends the page from now on, to prove no secret or token is among it.
      await app.evaluate(({ BrowserWindow }, url) => {
        const g = globalThis as unknown as { __sentToPage: string[] };
        g.__sentToPage = [];
        const wc = BrowserWindow.getAllWindows().find((x) => x.webContents.getURL() === url)!.webContents;
        const send = wc.send.bind(wc);
        wc.send = (channel: string, ...args: unknown[]) => {
          g.__sentToPage.push(JSON.stringify([channel, ...args]));
          send(channel, ...args);
        };
      }, APP_PAGE);
      await page.click('[data-testid=connect-broker]');
      await page.waitForSelector('[data-testid=connect-dialog]');
      await untilAsync(async () => /kite: not logged in · recording from the simulator/.test(await text(page, '[data-testid=connect-state]')), 'not logged in yet');
      await page.fill('[data-testid=connect-apiKey]', sim.apiKey);
      await page.fill('[data-testid=connect-apiSecret]', sim.apiSecret);
      await page.fill('[data-testid=connect-redirectUrl]', redirectUrl);
      await page.fill('[data-testid=connect-instruments]', 'NSE:INFY, NSE:SBIN');
      if (process.platform === 'linux') {
        // basic_text: refused unless the user opts in (secrets.ts), and the page says why.
        await page.waitForSelector('[data-testid=connect-storage-problem]');
        assert.match(await text(page, '[data-testid=connect-storage-problem]'), /no system keyring/);
        await page.check('[data-testid=connect-allow-plain]');
      }
      const popupOpens = app.waitForEvent('window', { timeout: 30_000 });
      await page.click('[data-testid=connect-go]');
      const popup = await popupOpens;
      await popup.waitForSelector('input[name=user_id]', { timeout: 30_000 });
      assert.ok(popup.url().startsWith(`${sim.restUrl}/connect/login?`), `the popup shows the simulator's login page (${popup.url()})`);
      const loginWin = await app.evaluate(({ BrowserWindow, session }, o) => {
        const w = BrowserWindow.getAllWindows().find((x) => x.webContents.getURL().startsWith(o.login));
        const main = BrowserWindow.getAllWindows().find((x) => x.webContents.getURL() === o.app);
        if (!w || !main) return null;
        const s = w.webContents.session;
        const wc = w.webContents as unknown as { getLastWebPreferences?: () => Record<string, unknown> | null };
        const p = wc.getLastWebPreferences?.() ?? null;
        return {
          ownSession: s !== session.defaultSession && s !== main.webContents.session,
          persistent: s.isPersistent(),
          prefs: p && { sandbox: p.sandbox, contextIsolation: p.contextIsolation, nodeIntegration: p.nodeIntegration },
        };
      }, { login: new URL(sim.restUrl).origin, app: APP_PAGE });
      assert.ok(loginWin, 'the popup is a BrowserWindow of the app');
      assert.deepEqual({ ownSession: loginWin.ownSession, persistent: loginWin.persistent }, { ownSession: true, persistent: false }, 'an in-memory partition of its own');
      if (loginWin.prefs) assert.deepEqual(loginWin.prefs, { sandbox: true, contextIsolation: true, nodeIntegration: false });
      assert.equal(await popup.evaluate(() => typeof (window as unknown as PageWorld).tickdesk), 'undefined', 'no preload bridge in the popup');
      await popup.screenshot({ path: join(ARTIFACTS, 'login-popup.png') });
      const popupCloses = popup.waitForEvent('close', { timeout: 30_000 });
      await popup.fill('input[name=user_id]', 'SIM001');
      await popup.fill('input[name=password]', 'sim-password');
      await popup.click('button[type=submit]');
      await popupCloses; // the redirect was caught: the popup closes without loading it
      await page.waitForSelector('[data-testid=connect-done]', { timeout: 30_000 });
      assert.match(await text(page, '[data-testid=connect-done]'), /^connected as SIM001; valid until \d{4}-\d{2}-\d{2} 06:00:00 IST$/);
      await untilAsync(async () => /kite: logged in as SIM001, valid until .* 06:00:00 IST · recording from kite/.test(await text(page, '[data-testid=connect-state]')), 'logged in');
      await page.screenshot({ path: join(ARTIFACTS, 'connected.png') });

      // At rest: secrets.json (0600) holds safeStorage ciphertexts, not the secret, the token or JSON.
      const file = join(userData, 'secrets.json');
      const raw = readFileSync(file, 'utf8');
      const stored = JSON.parse(raw) as Record<string, string>;
      assert.deepEqual(Object.keys(stored).sort(), ['kite.apiSecret', 'kite.session']);
      if (process.platform !== 'win32') assert.equal(statSync(file).mode & 0o777, 0o600);
      for (const [name, value] of Object.entries(stored)) {
        const bytes = Buffer.from(value, 'base64');
        assert.ok(!bytes.includes(sim.apiSecret) && !bytes.includes('accessToken') && !bytes.includes('SIM001'), `${name} is not in clear`);
        assert.throws(() => JSON.parse(bytes.toString('utf8')), `${name} is not plain JSON`);
      }
      // …and they are main's safeStorage ciphertexts of the real secret and a session the broker accepts.
      const clear = await app.evaluate(({ safeStorage }, s) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, safeStorage.decryptString(Buffer.from(v, 'base64'))])), stored);
      assert.equal(clear['kite.apiSecret'], sim.apiSecret);
      const session = JSON.parse(clear['kite.session']) as { accessToken: string; userId: string };
      assert.equal(session.userId, 'SIM001');
      const ok = await fetch(`${sim.restUrl}/instruments/NSE`, { headers: { 'X-Kite-Version': '3', Authorization: `token ${sim.apiKey}:${session.accessToken}` } });
      assert.equal(ok.status, 200, 'the stored token is one the broker issued');
      assert.ok(!readFileSync(join(userData, 'settings.json'), 'utf8').includes(sim.apiSecret), 'no secret in the settings');

      // The page never received them: not in its DOM, its storage, the bridge's answers, or any message main sent it.
      const seen = await page.evaluate(async () => {
        const w = window as unknown as PageWorld;
        return JSON.stringify({ html: document.documentElement.outerHTML, local: { ...localStorage }, session: { ...sessionStorage }, status: await w.tickdesk!.broker.status() });
      });
      const sent = await app.evaluate(() => (globalThis as unknown as { __sentToPage: string[] }).__sentToPage.join('\n'));
      for (const [what, s] of [['the page', seen], ['main → page messages', sent]] as const) {
        assert.ok(!s.includes(sim.apiSecret), `${what}: no api secret`);
        assert.ok(!s.includes(session.accessToken), `${what}: no access token`);
      }
      assert.match(sent, /"engine:state"/, 'the recorder saw main’s messages to the page');
    });

    await t.test('the engine records the chosen instruments from the broker (the simulator)', async () => {
      // The engine started over on Kite: in the last two seconds, exactly the two chosen instruments tick.
      await untilAsync(
        async () => {
          const db = new Database(journalPath, { readonly: true, fileMustExist: true });
          try {
            const rows = db
              .prepare("SELECT DISTINCT i.exchange || ':' || i.symbol AS s FROM ticks t JOIN instruments i ON i.id = t.instrument_id WHERE t.ts_received > ? ORDER BY s")
              .all(Date.now() - 2000) as Array<{ s: string }>;
            return rows.map((r) => r.s).join(',') === 'NSE:INFY,NSE:SBIN';
          } finally {
            db.close();
          }
        },
        'ticks of NSE:INFY and NSE:SBIN only',
        60_000,
      );
      assert.ok(sim.connectionCount > 0, 'the feed is connected to the test’s simulator (TICKDESK_KITE_WS_ROOT)');
      await untilAsync(async () => (await text(page, '[data-testid=engine-connection]')) === 'engine connected', 'the page on the new engine', 60_000);
      await untilAsync(async () => /^[1-9]\d* ticks\/s$/.test(await text(page, '[data-testid=ticks-per-second]')), 'ticks/s in the status bar', 30_000);
      await page.screenshot({ path: join(ARTIFACTS, 'recording-kite.png') });
    });

    await t.test('closing the window quits the app; the journal is intact', async () => {
      const db = new Database(journalPath, { readonly: true, fileMustExist: true });
      const before = (db.prepare('SELECT COUNT(*) AS n FROM ticks').get() as { n: number }).n;
      db.close();
      assert.ok(before > 0);
      const [engine] = await enginePids(app);
      const exited = new Promise<number | null>((r) => app.process().once('exit', (code) => r(code)));
      // As the user does: close the window (window-all-closed → quit → the engine commits and stops).
      void app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().forEach((w) => w.close())).catch(() => undefined);
      const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 30_000))]);
      assert.equal(code, 0, 'the app exits 0 when its window closes');
      await untilAsync(async () => !alive(engine ?? engineBefore), 'the engine process to end', 10_000);
      const after = new Database(journalPath, { fileMustExist: true });
      try {
        assert.equal((after.pragma('integrity_check', { simple: true }) as string), 'ok');
        const n = (after.prepare('SELECT COUNT(*) AS n FROM ticks').get() as { n: number }).n;
        assert.ok(n >= before, `every committed tick is still there (${n} ≥ ${before})`);
        const kite = after.prepare("SELECT COUNT(*) AS n FROM ticks t JOIN instruments i ON i.id = t.instrument_id WHERE i.exchange = 'NSE' AND i.symbol IN ('INFY', 'SBIN')").get() as { n: number };
        assert.ok(kite.n > 0);
      } finally {
        after.close();
      }
    });
    for (const e of errors) t.diagnostic(`page error after the engine restart: ${e}`);
  } finally {
    await app.close().catch(() => undefined);
    await sim.stop();
  }
});
