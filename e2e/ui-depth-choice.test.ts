// The ladder's book-levels switch (issue 13, item 7: "the user chooses which instruments get 20 or
// 200 levels within the broker's limits"), on Dhan's simulator: built from the broker's declared
// feeds, a full feed disabled naming who holds it, an index refused with the reason, a freed
// 200-level slot taken by another instrument and the ladder showing its 200 levels, back to the
// ticks' 5 levels; and the choice applied again by an engine started afresh. Screenshots of the
// ladder at 1280×720, 1600×900 and 2560×1440 in e2e/artifacts/depth-switch-*.png.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ARTIFACTS, freePort, launchChromium, startServe, untilAsync } from './helpers';

const servers: ChildProcess[] = [];
let browser: Browser | undefined;
after(async () => {
  await browser?.close();
  for (const s of servers) s.kill('SIGTERM');
});

const SIZES = [
  [1280, 720],
  [1600, 900],
  [2560, 1440],
] as const;

/** Seven stocks and an index; --depth 200 gives the first five 200 levels. */
const ARGS = ['--demo', '--broker', 'sim-dhan', '--depth', '200', '--instruments', 'NSE:INFY,NSE:SBIN,NSE:TCS,NSE:RELIANCE,NSE:HDFCBANK,NSE:ICICIBANK,NSE:ITC,NSE:NIFTY 50', '--rate', '600'];

async function pick(page: Page, search: string, symbol: string): Promise<void> {
  await page.fill('[data-testid=search-input]', search);
  await page.click(`[data-testid=search-result][data-symbol="${symbol}"]`);
  await page.click(`[data-testid=watch-row][data-symbol="${symbol}"]`);
}

const ladderLevels = async (page: Page) => Number(await page.getAttribute('[data-testid=ladder]', 'data-levels'));
const choice = (page: Page, levels: number) => page.locator(`[data-testid=depth-choice][data-levels="${levels}"]`);
const switchLevels = async (page: Page) => Number(await page.getAttribute('[data-testid=depth-switch]', 'data-levels'));

/** The ladder shows `levels` a side and the switch says so (0: the ticks' own 5). */
async function levelsBecome(page: Page, levels: number, what: string): Promise<void> {
  const feed = levels === 5 ? 0 : levels;
  await untilAsync(async () => (await ladderLevels(page)) === levels && (await switchLevels(page)) === feed, `${what}: ${levels} levels`);
}

test('Dhan simulator: the ladder\'s switch picks 5, 20 or 200 levels within the limits; the choice survives an engine restart', { timeout: 180_000 }, async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const port = String(await freePort());
  const first = await startServe([...ARGS, '--port', port]);
  servers.push(first.child);
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: SIZES[0][0], height: SIZES[0][1] } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(first.url);

  // INFY is one of the five on 200 levels.
  await pick(page, 'infy', 'NSE:INFY');
  await levelsBecome(page, 200, 'INFY at start');
  assert.deepEqual(await page.locator('[data-testid=depth-choice]').allTextContents(), ['5', '20', '200']);
  assert.equal(await choice(page, 200).getAttribute('aria-checked'), 'true');
  assert.equal(await page.textContent('[data-testid=depth-usage]'), '200: 5/5');

  // ICICIBANK is not: its ticks' 5 levels; 200 is full, its tooltip names the five; 20 is free.
  await pick(page, 'icicibank', 'NSE:ICICIBANK');
  await levelsBecome(page, 5, 'ICICIBANK at start');
  assert.equal(await choice(page, 200).isDisabled(), true);
  assert.equal(
    await choice(page, 200).getAttribute('title'),
    '200 levels: all 5 in use (NSE:INFY, NSE:SBIN, NSE:TCS, NSE:RELIANCE, NSE:HDFCBANK). Move one of them to fewer levels first.',
  );
  assert.equal(await choice(page, 20).isDisabled(), false);

  // The index has no full depth: both feeds disabled, saying why.
  await pick(page, 'nifty 50', 'NSE:NIFTY');
  await untilAsync(async () => (await choice(page, 20).isDisabled()) && (await choice(page, 200).isDisabled()), 'the index refused');
  assert.match((await choice(page, 20).getAttribute('title'))!, /NSE cash and F&O only .*NSE:NIFTY is in IDX_I/);
  assert.equal(await choice(page, 0).isDisabled(), false);

  // INFY to 20 levels frees a 200-level slot…
  await pick(page, 'infy', 'NSE:INFY');
  await levelsBecome(page, 200, 'INFY');
  await choice(page, 20).click();
  await levelsBecome(page, 20, 'INFY moved');
  assert.match((await page.textContent('[data-testid=ladder-stats]'))!, /^20 levels · spread/);
  await untilAsync(async () => (await page.textContent('[data-testid=depth-usage]')) === '200: 4/5', 'a free slot');

  // …which ICICIBANK takes: its ladder shows 200 levels.
  await pick(page, 'icicibank', 'NSE:ICICIBANK');
  await untilAsync(async () => !(await choice(page, 200).isDisabled()), '200 free for ICICIBANK');
  await choice(page, 200).click();
  await levelsBecome(page, 200, 'ICICIBANK picked 200');
  assert.match((await page.textContent('[data-testid=ladder-stats]'))!, /^200 levels · spread/);
  assert.equal(await page.textContent('[data-testid=depth-usage]'), '200: 5/5');
  let bid = 0;
  let ask = 0;
  for (const until = Date.now() + 5000; !(bid > 0 && ask > bid) && Date.now() < until; await page.waitForTimeout(50)) {
    bid = Number(await page.getAttribute('[data-testid=ladder]', 'data-best-bid'));
    ask = Number(await page.getAttribute('[data-testid=ladder]', 'data-best-ask'));
  }
  assert.ok(bid > 0 && ask > bid, `ICICIBANK's 200-level book: bid ${bid} < ask ${ask}`);
  for (const [w, h] of SIZES) {
    await page.setViewportSize({ width: w, height: h });
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(ARTIFACTS, `depth-switch-${w}x${h}.png`) });
    await page.locator('.panel.ladder').screenshot({ path: join(ARTIFACTS, `depth-switch-ladder-${w}x${h}.png`) });
    // The switch and the counter fit the ladder's column: nothing clipped.
    const fits = await page.evaluate(() => {
      const row = document.querySelector('[data-testid=depth-switch]')!.getBoundingClientRect();
      const usage = document.querySelector('[data-testid=depth-usage]')!.getBoundingClientRect();
      return usage.right <= row.right && usage.width > 0;
    });
    assert.ok(fits, `the switch fits at ${w}×${h}`);
  }
  await page.setViewportSize({ width: SIZES[0][0], height: SIZES[0][1] });

  // INFY back to its ticks' 5 levels: the ladder follows (no full book held over).
  await pick(page, 'infy', 'NSE:INFY');
  await levelsBecome(page, 20, 'INFY');
  await choice(page, 0).click();
  await levelsBecome(page, 5, 'INFY off full depth');

  // A new engine on the same address starts with its own list (the first five); the page applies
  // the user's choice again: INFY off, ICICIBANK on 200.
  first.child.kill('SIGTERM');
  await new Promise((r) => first.child.once('exit', r));
  const second = await startServe([...ARGS, '--port', port]);
  servers.push(second.child);
  await page.goto(second.url);
  await pick(page, 'icicibank', 'NSE:ICICIBANK');
  await levelsBecome(page, 200, 'ICICIBANK after the restart');
  await pick(page, 'infy', 'NSE:INFY');
  await levelsBecome(page, 5, 'INFY after the restart');
  assert.equal(await page.textContent('[data-testid=depth-usage]'), '200: 5/5');
  assert.equal(await page.locator('[data-testid=depth-error]').count(), 0);
  assert.deepEqual(errors, []);
});

test('Kite simulator: no full-depth feed, no switch', { timeout: 60_000 }, async () => {
  const started = await startServe(['--demo', '--rate', '300']);
  servers.push(started.child);
  browser ??= await launchChromium();
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 720 } })).newPage();
  await page.goto(started.url);
  await pick(page, 'infy', 'NSE:INFY');
  await untilAsync(async () => (await ladderLevels(page)) === 5, 'a 5-level ladder');
  assert.equal(await page.locator('[data-testid=depth-switch]').count(), 0);
});
