// The workstation without a mouse, in Chromium against `tickdesk serve --demo`: / and Ctrl+K search,
// ↑/↓/PgDn/Enter/Delete on the watchlist, typed intervals (5 → 5m, 1 5 → 15m, D, S, [ ]), C for the
// chain, ? for the key list, Esc closing what is open, visible focus. Then the server restarts with a
// new token: the page says the engine is gone, then that the token changed and where to open.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ARTIFACTS, launchChromium, startServe, untilAsync } from './helpers';

let serve: ChildProcess;
let url = '';
let browser: Browser;
let page: Page;
const errors: string[] = [];

const text = async (selector: string) => ((await page.locator(selector).first().textContent()) ?? '').trim();
const active = () => page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.tagName ?? '');
const rows = () => page.locator('[data-testid=watch-row]').evaluateAll((els) => els.map((e) => e.getAttribute('data-symbol')!));
const selected = async () => (await page.locator('[data-testid=watch-row].selected').getAttribute('data-symbol')) ?? '';
const intervalOn = async () => (await page.locator('[data-testid^=interval-].on').getAttribute('data-testid'))!.replace('interval-', '');

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  ({ child: serve, url } = await startServe(['--demo', '--rate', '300', '--seed', '5']));
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  await untilAsync(async () => (await rows()).length >= 5, 'the default watchlist');
  await untilAsync(async () => (await text('[data-testid=chart-title]')) === (await rows())[0], 'the first row charted');
});

after(async () => {
  await browser?.close();
  serve?.kill('SIGTERM');
});

test('/ and Ctrl+K focus the search; Enter adds the result; Esc clears, then leaves the box', async () => {
  await page.keyboard.press('/');
  assert.equal(await active(), 'search-input');
  await page.keyboard.press('Escape');
  assert.notEqual(await active(), 'search-input');
  await page.keyboard.press('Control+k');
  assert.equal(await active(), 'search-input');
  await page.keyboard.type('sbin');
  await page.waitForSelector('[data-testid=search-result][data-symbol="NSE:SBIN"]');
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid=watch-row][data-symbol="NSE:SBIN"]');
  assert.equal(await selected(), 'NSE:SBIN');
  await page.keyboard.type('x');
  await page.keyboard.press('Escape');
  assert.equal(await page.inputValue('[data-testid=search-input]'), '', 'first Esc clears');
  assert.equal(await active(), 'search-input');
  await page.keyboard.press('Escape');
  assert.notEqual(await active(), 'search-input', 'second Esc leaves');
});

test('↑/↓ and PgUp/PgDn move the selection and the chart follows; Delete removes the selected row', async () => {
  const list = await rows();
  await page.keyboard.press('PageUp');
  assert.equal(await selected(), list[0]);
  await page.keyboard.press('ArrowDown');
  assert.equal(await selected(), list[1]);
  await untilAsync(async () => (await text('[data-testid=chart-title]')) === list[1], 'the chart follows');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowUp');
  assert.equal(await selected(), list[1]);
  await page.keyboard.press('PageDown');
  assert.equal(await selected(), list.at(-1));
  // Delete: the row goes and the one before it (the last row) takes the selection.
  await page.keyboard.press('Delete');
  assert.deepEqual(await rows(), list.slice(0, -1));
  assert.equal(await selected(), list.at(-2));
  await untilAsync(async () => (await text('[data-testid=chart-title]')) === list.at(-2), 'the chart follows the new selection');
});

test('intervals from the keyboard: minutes typed, S, H, D, [ and ]', async () => {
  await page.keyboard.press('5');
  assert.equal(await intervalOn(), '5m');
  await page.keyboard.press('1');
  await page.keyboard.press('5');
  assert.equal(await intervalOn(), '15m');
  await page.keyboard.press('d');
  assert.equal(await intervalOn(), '1d');
  await page.keyboard.press('[');
  assert.equal(await intervalOn(), '1h');
  await page.keyboard.press(']');
  assert.equal(await intervalOn(), '1d');
  await page.keyboard.press('s');
  assert.equal(await intervalOn(), '1s');
  // A lone 1 waits for a second digit, then means one minute.
  await page.keyboard.press('1');
  assert.equal(await intervalOn(), '1s');
  await untilAsync(async () => (await intervalOn()) === '1m', '1 → 1m after the pause', 2000);
  await page.keyboard.press('3');
  await page.keyboard.press('0');
  assert.equal(await intervalOn(), '30m');
  await page.keyboard.press('1');
  await untilAsync(async () => (await intervalOn()) === '1m', 'back to 1m', 2000);
});

test('? lists the keys, C opens the chain, Esc closes whichever is on top', async () => {
  await page.keyboard.press('?');
  await page.waitForSelector('[data-testid=keys-help]');
  const listed = await page.locator('[data-testid=keys-help] kbd').allTextContents();
  for (const k of ['/  or  Ctrl+K', '↑ / ↓', 'Enter', 'Delete', '1 3 5 10 15 25 30 60', 'S  H  D', 'Esc', '?']) assert.ok(listed.includes(k), `${k} listed`);
  await page.screenshot({ path: join(ARTIFACTS, 'workstation-keys.png') });
  await page.keyboard.press('Escape');
  assert.equal(await page.locator('[data-testid=keys-help]').count(), 0);
  await page.keyboard.press('c');
  await page.waitForSelector('[data-testid=option-chain]');
  await page.keyboard.press('?');
  await page.waitForSelector('[data-testid=keys-help]');
  await page.keyboard.press('Escape');
  assert.equal(await page.locator('[data-testid=keys-help]').count(), 0, 'the key list (on top) first');
  assert.equal(await page.locator('[data-testid=option-chain]').count(), 1);
  await page.keyboard.press('Escape');
  assert.equal(await page.locator('[data-testid=option-chain]').count(), 0, 'then the chain');
});

test('Enter from the watchlist focuses the chart, arrows pan it; keyboard focus is visible', async () => {
  // Into the watchlist by keyboard: / to the search, then Tab past the Chain button.
  await page.keyboard.press('/');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  assert.equal(await active(), 'watchlist');
  await page.keyboard.press('Enter');
  assert.equal(await active(), 'chart-focus');
  const outline = () => page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
  assert.equal(await outline(), 'solid', 'the focused chart is outlined');
  // How far the view's right edge is past the newest bar, in bars (the chart keeps a few empty ones).
  const pastNewest = async () => {
    const chart = page.locator('[data-testid=chart]');
    return Number(await chart.getAttribute('data-range-to')) - (Number(await chart.getAttribute('data-bars')) - 1);
  };
  await untilAsync(async () => (await pastNewest()) > 0, 'the chart at the newest bar');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  assert.equal(await active(), 'chart-focus', 'the chart keeps the focus while panning');
  await untilAsync(async () => (await pastNewest()) < -5, 'panned left, into the past');
  await page.keyboard.press('End');
  await untilAsync(async () => (await pastNewest()) > 0, 'back at the newest bar');
  // Tab goes on (past the chart library's attribution link) to the splitter, which lights up
  // (its bar in the accent colour).
  for (let i = 0; i < 3 && (await active()) !== 'split-right'; i++) await page.keyboard.press('Tab');
  assert.equal(await active(), 'split-right');
  assert.equal(await page.evaluate(() => getComputedStyle(document.activeElement!, '::after').backgroundColor), 'rgb(47, 129, 247)');
  // A button reached by Tab from the search: outlined.
  await page.keyboard.press('/');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Chain');
  assert.equal(await outline(), 'solid');
  assert.deepEqual(errors, []);
});

test('server restarted with a new token: "engine disconnected", then "open the new URL"; pasting it reconnects', async () => {
  const port = new URL(url).port;
  const exited = new Promise((r) => serve.once('exit', r));
  serve.kill('SIGTERM');
  await exited;
  await untilAsync(async () => (await text('[data-testid=engine-connection]')) !== 'engine connected', 'the page sees the engine go', 10_000);
  await untilAsync(async () => (await page.locator('[data-testid=stale-badge]:visible').count()) >= 4, 'every live panel stale');
  assert.match(await text('[data-testid=stale-badge]:visible'), /^stale since \d{2}:\d{2}:\d{2} IST · engine disconnected$/);
  assert.equal(await text('[data-testid=ticks-per-second]'), '— ticks/s');
  assert.equal(await page.locator('[data-testid^=feed-]').count(), 0, 'no feed pill claims to be connected');
  // The same port, a new token.
  let next: string;
  ({ child: serve, url: next } = await startServe(['--demo', '--port', port, '--rate', '300', '--seed', '5']));
  assert.notEqual(next, url);
  await page.waitForSelector('[data-testid=token-refused]', { timeout: 20_000 });
  assert.match(await text('[data-testid=token-refused] p'), new RegExp(`The server at 127\\.0\\.0\\.1:${port} refuses this page's token: it was restarted and has a new one\\. Open the URL it printed`));
  await page.screenshot({ path: join(ARTIFACTS, 'workstation-token-refused.png') });
  await page.fill('[data-testid=token-url]', next);
  await page.keyboard.press('Enter');
  await page.waitForURL(next);
  await untilAsync(async () => (await text('[data-testid=engine-connection]')) === 'engine connected', 'connected with the new token');
  assert.equal(await page.locator('[data-testid=token-refused]').count(), 0);
});
