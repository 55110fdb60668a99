// The instrument list downloaded again from the UI (serve, real-broker path against the Kite
// simulator on a slow line): the status bar shows a progress bar with the rows so far while it
// downloads, then the count, and search still finds the instruments.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { KiteSimulator } from '../src/engine/sim/kite/server';
import { defaultUniverse } from '../src/engine/sim/market/market';
import { ARTIFACTS, launchChromium, startServe, untilAsync } from './helpers';

test('refresh instruments: a progress bar with the rows so far during the download, then the count', async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const universe = defaultUniverse({ optionStrikes: 30 });
  // About 1.5 kB gzipped at 500 bytes a second: three seconds of download.
  const sim = new KiteSimulator({ instruments: universe, ticksPerSecond: 200, instrumentsBytesPerSecond: 500 });
  await sim.start();
  const dir = mkdtempSync(join(tmpdir(), 'tickdesk-ui-instruments-'));
  let serve: ChildProcess | undefined;
  const browser = await launchChromium();
  try {
    let url: string;
    ({ child: serve, url } = await startServe(['--broker', 'kite', '--instruments', 'NSE:INFY', '--journal', join(dir, 'j.sqlite'), '--rest-root', sim.restUrl, '--ws-root', sim.wsUrl], {
      KITE_API_KEY: sim.apiKey,
      KITE_ACCESS_TOKEN: 'sim_access_token',
      TICKDESK_CONFIG_DIR: dir,
    }));
    const page = await browser.newPage({ viewport: { width: 1440, height: 860 } });
    await page.goto(url);
    await page.waitForSelector('[data-testid=refresh-instruments]', { timeout: 20_000 });
    await page.click('[data-testid=refresh-instruments]');
    // Watch the bar while the download runs.
    const seen: Array<{ done: string | null; text: string }> = [];
    let shot = false;
    await untilAsync(async () => {
      const el = await page.$('[data-testid=instruments-progress]');
      if (!el) return false;
      const s = { done: await el.getAttribute('data-done'), text: (await el.textContent()) ?? '' };
      seen.push(s);
      if (s.done === 'false' && !shot && /[1-9]\d* rows/.test(s.text)) {
        shot = true;
        await page.screenshot({ path: join(ARTIFACTS, 'instruments-progress.png') });
      }
      return s.done === 'true';
    }, 'the download finishes', 30_000);
    const rowsOf = (t: string) => Number(/([\d,]+) rows/.exec(t)?.[1].replace(/,/g, '') ?? NaN);
    const during = seen.filter((s) => s.done === 'false').map((s) => rowsOf(s.text)).filter((n) => n > 0);
    assert.ok(during.length >= 2, `the bar showed progress more than once while downloading (${JSON.stringify(seen.slice(0, 5))})`);
    const final = seen.at(-1)!;
    assert.match(final.text, /kite instruments.*rows, done$/);
    assert.equal(rowsOf(final.text), universe.length, 'every instrument of the dump');
    assert.ok(during.every((n) => n <= universe.length) && Math.min(...during) < universe.length, 'rows grew during the download');
    // The list is still searchable (the index was rebuilt from the fresh rows).
    await page.click('[data-testid=search-input]');
    await page.fill('[data-testid=search-input]', 'SBIN');
    await page.waitForSelector('[data-testid=search-result][data-symbol="NSE:SBIN"]');
    // The bar goes away after a few seconds, and the button is back.
    await page.waitForSelector('[data-testid=refresh-instruments]', { timeout: 10_000 });
  } finally {
    await browser.close();
    serve?.kill('SIGTERM');
    await sim.stop();
  }
});
