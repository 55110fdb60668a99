// The chart's live path made cheap without losing anything, in Chromium against `tickdesk serve
// --demo`: a chart with a long history hands the chart library only the newest bars (the library
// redraws every bar it holds on each update) yet keeps them all for the legend and the
// indicators, draws the older ones again when the user scrolls to them, and its live bar is the
// engine's latest (one update a message, the newest version of the bar); the watchlist's prices
// are written into their cells with no React render per tick.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { openDemo, untilAsync } from './helpers';

let serve: ChildProcess;
let browser: Browser;
let page: Page;
let errors: string[] = [];

before(async () => {
  ({ serve, browser, page, errors } = await openDemo());
});
after(async () => {
  await browser?.close();
  serve?.kill('SIGTERM');
});

const num = async (name: string) => Number(await page.locator('[data-testid=chart]').first().getAttribute(name));

test('a long history: the newest 600 bars drawn, all of them kept; scrolling left draws the older ones', { timeout: 90_000 }, async () => {
  await page.click('[data-testid=watch-row][data-symbol="NSE:INFY"]');
  // The demo's broker history fills the chart with more than a window's worth of 1-minute bars.
  await untilAsync(async () => (await num('data-bars')) > 700, 'a long history on the chart', 40_000);
  const bars = await num('data-bars');
  const shown = await num('data-drawn');
  // The newest 600 when the history came, and the live bars since (a minute's bar each minute).
  assert.ok(shown >= 600 && shown <= 603, `${shown} of ${bars} bars drawn`);
  // The view is at the newest bar: the right edge a few empty bars past the last of all the bars.
  await untilAsync(async () => (await num('data-range-to')) > bars - 1, 'at the live edge');

  // Pan left with the keyboard until the drawn window's left edge: more bars drawn, from memory (no fetch needed).
  await page.click('[data-testid=chart-focus]');
  for (let i = 0; i < 80 && (await num('data-drawn')) <= shown + 3; i++) await page.keyboard.press('ArrowLeft');
  const drawn = await num('data-drawn');
  assert.ok(drawn >= Math.min(bars, 1200), `older bars drawn when scrolled to: ${drawn} of ${bars}`);
  assert.ok((await num('data-bars')) >= bars, 'no bar lost');
  assert.ok((await num('data-range-to')) < bars - 100, 'the view stayed where the user scrolled');
  assert.deepEqual(errors, []);
});

test("the live bar is the engine's latest: its close is the watchlist's LTP, and the LTP cell is written without a render of the list", async () => {
  // The chart's last close and the watchlist's LTP for the same instrument meet (both follow the same ticks).
  await untilAsync(async () => {
    const close = await num('data-last-close');
    const ltp = Number(await page.getAttribute('[data-testid=watch-row][data-symbol="NSE:INFY"] [data-testid=watch-ltp]', 'data-ltp'));
    return close > 0 && close === ltp;
  }, 'the chart and the watchlist agree on the last price', 20_000);
  // A price change rewrites the LTP cell's text node in place: the row and its cells are the same nodes.
  const same = await page.evaluate(async () => {
    const cell = document.querySelector('[data-testid=watch-row][data-symbol="NSE:INFY"] [data-testid=watch-ltp]')!;
    const row = cell.closest('tr')!;
    const text = cell.firstChild;
    const before = cell.getAttribute('data-ltp');
    const end = performance.now() + 10_000;
    while (cell.getAttribute('data-ltp') === before && performance.now() < end) await new Promise((r) => setTimeout(r, 50));
    return { changed: cell.getAttribute('data-ltp') !== before, sameRow: cell.closest('tr') === row, sameText: cell.firstChild === text, shown: (cell.textContent ?? '').replace(/,/g, '') === Number(cell.getAttribute('data-ltp')).toFixed(2) };
  });
  assert.deepEqual(same, { changed: true, sameRow: true, sameText: true, shown: true });
});
