// The workstation on Dhan's protocol: the ladder shows all 200 levels per side, and the watchlist
// and chart work as for Kite.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { ARTIFACTS, launchChromium, startServe } from './helpers';

let serve: ChildProcess | undefined;
let browser: Browser | undefined;
after(async () => {
  await browser?.close();
  serve?.kill('SIGTERM');
});

test('Dhan 200-level depth: the ladder carries 200 levels a side; watchlist and chart are live', async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const started = await startServe(['--demo', '--broker', 'sim-dhan', '--depth', '200', '--instruments', 'NSE:INFY,NSE:SBIN,NSE:NIFTY 50', '--rate', '600']);
  serve = started.child;
  browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1440, height: 860 } });
  await page.goto(started.url);
  await page.fill('[data-testid=search-input]', 'infy');
  await page.click('[data-testid=search-result][data-symbol="NSE:INFY"]');
  await page.click('[data-testid=watch-row][data-symbol="NSE:INFY"]');
  const end = Date.now() + 15_000;
  while ((await page.getAttribute('[data-testid=ladder]', 'data-levels')) !== '200') {
    if (Date.now() > end) throw new Error(`ladder levels: ${await page.getAttribute('[data-testid=ladder]', 'data-levels')}`);
    await page.waitForTimeout(100);
  }
  // Dhan sends a book's two sides in separate packets: between them the page may hold a new bid side
  // with the previous ask side (locked for a moment). The book itself is never crossed: seen within
  // a few updates.
  let bid = 0;
  let ask = 0;
  for (const until = Date.now() + 5000; !(bid > 0 && ask > bid) && Date.now() < until; await page.waitForTimeout(50)) {
    bid = Number(await page.getAttribute('[data-testid=ladder]', 'data-best-bid'));
    ask = Number(await page.getAttribute('[data-testid=ladder]', 'data-best-ask'));
  }
  assert.ok(bid > 0 && ask > bid, `bid ${bid} < ask ${ask}`);
  assert.match((await page.textContent('[data-testid=ladder-stats]'))!, /^200 levels · spread/);
  assert.ok(Number(await page.getAttribute('[data-testid=watch-row][data-symbol="NSE:INFY"] [data-testid=watch-ltp]', 'data-ltp')) > 0);
  assert.ok(Number(await page.getAttribute('[data-testid=chart]', 'data-bars')) >= 1);
  assert.match((await page.textContent('[data-testid=statusbar]'))!, /dhan connected/);
  // Scroll the ladder deep into the book and centre it again.
  await page.mouse.move(1300, 300);
  for (let k = 0; k < 20; k++) await page.mouse.wheel(0, 300);
  await page.screenshot({ path: join(ARTIFACTS, 'dhan-200-depth.png') });
  await page.click('[data-testid=ladder-center]');
});
