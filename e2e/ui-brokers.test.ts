// Every simulated broker behind `serve --demo --broker sim-<name>`: the same page, with no code of
// its own per broker, shows live prices in the watchlist and a moving chart from each protocol.
// New brokers join this test by being registered (brokers/registry.ts).
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { brokers } from '../src/engine/brokers/registry';
import { ARTIFACTS, launchChromium, startServe, untilAsync } from './helpers';

const children: ChildProcess[] = [];
let browser: Browser | undefined;
after(async () => {
  await browser?.close();
  for (const c of children) c.kill('SIGTERM');
});

// `sim` (Kite's protocol) has its own, deeper tests (e2e/ui.test.ts); every other simulator here.
const SIMULATED = brokers().filter((b) => b.simulated && b.id !== 'sim');

for (const b of SIMULATED) {
  test(`serve --demo --broker ${b.id}: the watchlist ticks and the chart moves, from ${b.protocol}'s protocol`, { timeout: 90_000 }, async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const started = await startServe(['--demo', '--broker', b.id, '--rate', '400']);
    children.push(started.child);
    browser ??= await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    try {
      await page.goto(started.url);
      const ltps = async () =>
        (await page.$$eval('[data-testid=watch-row] [data-testid=watch-ltp]', (els) => els.map((e) => Number(e.getAttribute('data-ltp') || 0)))).filter((v) => v > 0);
      await untilAsync(async () => (await ltps()).length >= 2, `${b.id}: two watchlist rows with a price`, 30_000);
      const first = await page.getAttribute('[data-testid=watch-row]', 'data-symbol');
      await page.click(`[data-testid=watch-row][data-symbol="${first}"]`);
      await untilAsync(async () => Number(await page.getAttribute('[data-testid=chart]', 'data-bars')) >= 1, `${b.id}: the chart has a bar`, 30_000);
      // Live: a price in the watchlist changes while we watch.
      const before = JSON.stringify(await ltps());
      await untilAsync(async () => JSON.stringify(await ltps()) !== before, `${b.id}: prices move`, 20_000);
      assert.match((await page.textContent('[data-testid=statusbar]'))!, new RegExp(`${b.protocol} connected`));
      // Not "market closed" over ticking prices at night: the simulator trades at any hour.
      assert.equal(await page.textContent('[data-testid=market-state]'), 'simulated market · always open');
      await page.screenshot({ path: join(ARTIFACTS, `broker-${b.id}.png`) });
    } finally {
      await page.close();
    }
  });
}
