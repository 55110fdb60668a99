// Named watchlists in Chromium against `tickdesk serve --demo`: the one list a page kept before named
// lists becomes "Watchlist 1"; a new list is created, named, filled and its quotes stream (switching
// resubscribes); columns chosen by the user (change, bid, ask added, OI dropped) with Indian
// grouping; a header click sorts ascending, descending, then back to the list's order, and ↑/↓ go
// in the order shown; rename and delete (twice, so a slip never loses a list); all of it survives
// a reload. Screenshots: e2e/artifacts/watchlists-<w>x<h>.png.
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

const KEY = 'tickdesk.layout.v1';
const rows = () => page.locator('[data-testid=watch-row]').evaluateAll((els) => els.map((e) => e.getAttribute('data-symbol')!));
const tabs = () => page.locator('[data-testid=watchlist-tab]').evaluateAll((els) => els.map((e) => e.getAttribute('data-name')!));
const activeTab = async () => (await page.locator('[data-testid=watchlist-tab][aria-selected=true]').getAttribute('data-name')) ?? '';
const heads = () => page.locator('.watch-scroll thead th').allTextContents();
const selected = async () => (await page.locator('[data-testid=watch-row].selected').getAttribute('data-symbol')) ?? '';
const enIN = (v: number) => v.toLocaleString('en-IN', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

async function addInstrument(query: string, symbol: string): Promise<void> {
  await page.fill('[data-testid=search-input]', query);
  await page.click(`[data-testid=search-result][data-symbol="${symbol}"]`);
  await page.waitForSelector(`[data-testid=watch-row][data-symbol="${symbol}"]`);
}

/** Every row's LTP as shown (data-ltp), read in one pass so the order is one render's. */
const ltps = () => page.locator('[data-testid=watch-row] [data-testid=watch-ltp]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-ltp'))));

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  ({ child: serve, url } = await startServe(['--demo', '--rate', '300', '--seed', '8']));
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  await untilAsync(async () => (await rows()).length >= 5, 'the default watchlist');
});

after(async () => {
  await browser?.close();
  serve?.kill('SIGTERM');
});

test('the single list a page kept before named lists becomes "Watchlist 1", rows and selection intact', async () => {
  const before = await rows();
  await page.click(`[data-testid=watch-row][data-symbol="${before[2]}"]`);
  // Rewrite what is stored into the old shape (version 0: one `watchlist`, no lists), then reload.
  await page.evaluate((key) => {
    const { state } = JSON.parse(localStorage.getItem(key)!);
    const old = { watchlist: state.watchlist, selectedId: state.selectedId, interval: state.interval, instruments: state.instruments };
    localStorage.setItem(key, JSON.stringify({ state: old, version: 0 }));
  }, KEY);
  await page.reload();
  await untilAsync(async () => (await rows()).length === before.length, 'the migrated rows');
  assert.deepEqual(await tabs(), ['Watchlist 1']);
  assert.deepEqual(await rows(), before);
  assert.equal(await selected(), before[2]);
  assert.deepEqual(await heads(), ['Instrument', 'LTP', 'Chg%', 'Vol', 'OI'], 'the usual columns');
  const stored = await page.evaluate((key) => JSON.parse(localStorage.getItem(key)!), KEY);
  assert.equal(stored.version, 1);
  await untilAsync(async () => (await page.evaluate((key) => JSON.parse(localStorage.getItem(key)!).state.lists?.length, KEY)) === 1, 'stored as lists');
});

test('a new list: named on creation, filled by search, quotes stream; switching back and forth resubscribes', async () => {
  const first = await rows();
  await page.click('[data-testid=watchlist-new]');
  await page.waitForSelector('[data-testid=watchlist-name]');
  await page.keyboard.type('Banks');
  await page.keyboard.press('Enter');
  assert.deepEqual(await tabs(), ['Watchlist 1', 'Banks']);
  assert.equal(await activeTab(), 'Banks');
  assert.equal(await page.locator('[data-testid=watch-row]').count(), 0);
  for (const s of ['SBIN', 'HDFCBANK', 'ICICIBANK']) await addInstrument(s.toLowerCase(), `NSE:${s}`);
  assert.deepEqual(await rows(), ['NSE:SBIN', 'NSE:HDFCBANK', 'NSE:ICICIBANK']);
  await untilAsync(async () => (await ltps()).every((v) => v > 0), 'prices for the new list');
  await page.click('[data-testid=watchlist-tab][data-name="Watchlist 1"]');
  assert.deepEqual(await rows(), first);
  await untilAsync(async () => (await ltps()).filter((v) => v > 0).length === first.length, 'prices for the first list again');
  // Back to Banks: its prices move again (subscribed afresh, not left from before).
  await page.click('[data-testid=watchlist-tab][data-name="Banks"]');
  assert.deepEqual(await rows(), ['NSE:SBIN', 'NSE:HDFCBANK', 'NSE:ICICIBANK']);
  const was = (await ltps()).join();
  await untilAsync(async () => (await ltps()).join() !== was, 'Banks prices moving');
  assert.ok((await selected()).startsWith('NSE:'), 'a row of the list is selected');
});

test('columns chosen by the user: change, bid and ask added, OI dropped; Indian grouping in each', async () => {
  await page.click('[data-testid=watch-columns]');
  await page.waitForSelector('[data-testid=watch-columns-menu]');
  for (const c of ['change', 'bid', 'ask', 'oi']) await page.click(`[data-testid=watch-col-${c}]`);
  await page.keyboard.press('Escape');
  assert.equal(await page.locator('[data-testid=watch-columns-menu]').count(), 0, 'Esc closes the chooser');
  assert.deepEqual(await heads(), ['Instrument', 'LTP', 'Chg', 'Chg%', 'Vol', 'Bid', 'Ask']);
  await untilAsync(async () => (await page.locator('[data-testid=watch-bid]').allTextContents()).every((t) => t !== ''), 'bids');
  const cells = await page.$$eval('[data-testid=watch-row]', (rs) =>
    rs.map((r) => ({
      symbol: r.getAttribute('data-symbol'),
      change: r.querySelector('[data-testid=watch-change]')!.textContent,
      // The cell's own text (the last cell also holds the row's × button).
      bid: [...r.querySelector('[data-testid=watch-bid]')!.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join(''),
      ask: [...r.querySelector('[data-testid=watch-ask]')!.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join(''),
      oi: r.querySelectorAll('[data-testid=watch-oi]').length,
    })),
  );
  for (const c of cells) {
    assert.match(c.change!, /^([+-]\d{1,3}(,\d{2})*(,\d{3})?\.\d{2}|0\.00)$/, `${c.symbol} change ${c.change}`);
    for (const v of [c.bid!, c.ask!]) assert.equal(v, enIN(Number(v.replace(/,/g, ''))), `${c.symbol} ${v} grouped`);
    assert.ok(Number(c.bid!.replace(/,/g, '')) <= Number(c.ask!.replace(/,/g, '')), `${c.symbol} bid ${c.bid} ≤ ask ${c.ask}`);
    assert.equal(c.oi, 0, 'no OI column');
  }
  // The first list keeps its own columns.
  await page.click('[data-testid=watchlist-tab][data-name="Watchlist 1"]');
  assert.deepEqual(await heads(), ['Instrument', 'LTP', 'Chg%', 'Vol', 'OI']);
  await page.click('[data-testid=watchlist-tab][data-name="Banks"]');
});

test('a header click sorts ascending, then descending, then back to the list order; ↓ follows the order shown', async () => {
  const listOrder = await rows();
  const ltp = page.locator('[data-testid=watch-head-ltp]');
  await ltp.locator('button').click();
  assert.equal(await ltp.getAttribute('aria-sort'), 'ascending');
  assert.match((await ltp.textContent())!, /LTP ▲/);
  let v = await ltps();
  assert.deepEqual(v, [...v].sort((a, b) => a - b), `ascending ${v.join(' ')}`);
  // ↓ from the top row goes to the next row on screen.
  const shown = await rows();
  await page.click(`[data-testid=watch-row][data-symbol="${shown[0]}"]`);
  await page.keyboard.press('ArrowDown');
  assert.equal(await selected(), (await rows())[1]);
  await ltp.locator('button').click();
  assert.equal(await ltp.getAttribute('aria-sort'), 'descending');
  v = await ltps();
  assert.deepEqual(v, [...v].sort((a, b) => b - a), `descending ${v.join(' ')}`);
  await page.screenshot({ path: join(ARTIFACTS, 'watchlists-sorted.png') });
  await ltp.locator('button').click();
  assert.equal(await ltp.getAttribute('aria-sort'), 'none');
  assert.deepEqual(await rows(), listOrder);
  // By name: A→Z.
  await page.click('[data-testid=watch-head-symbol] button');
  assert.deepEqual(await rows(), ['NSE:HDFCBANK', 'NSE:ICICIBANK', 'NSE:SBIN']);
});

test('rename by double-click; delete asks once, then deletes; the last list cannot go', async () => {
  await page.dblclick('[data-testid=watchlist-tab][data-name="Banks"]');
  await page.fill('[data-testid=watchlist-name]', 'PSU & private banks');
  await page.keyboard.press('Enter');
  assert.deepEqual(await tabs(), ['Watchlist 1', 'PSU & private banks']);
  // A throwaway list, deleted: the first press only asks.
  await page.click('[data-testid=watchlist-new]');
  await page.keyboard.press('Enter');
  assert.deepEqual(await tabs(), ['Watchlist 1', 'PSU & private banks', 'Watchlist 3']);
  await page.click('[data-testid=watchlist-delete]');
  assert.equal((await page.textContent('[data-testid=watchlist-delete]'))!.trim(), 'Delete?');
  assert.equal((await tabs()).length, 3);
  await page.click('[data-testid=watchlist-delete]');
  assert.deepEqual(await tabs(), ['Watchlist 1', 'PSU & private banks']);
  assert.equal(await activeTab(), 'PSU & private banks', 'the neighbour takes over');
  // Esc in the name box keeps the old name.
  await page.click('[data-testid=watchlist-rename]');
  await page.keyboard.type('oops');
  await page.keyboard.press('Escape');
  assert.equal(await activeTab(), 'PSU & private banks');
});

test('lists, the active one, columns and sort survive a reload; screenshots at 1280×720, 1600×900, 2560×1440', async () => {
  const shown = await rows();
  await page.reload();
  await untilAsync(async () => (await rows()).length === shown.length, 'rows after the reload');
  assert.deepEqual(await tabs(), ['Watchlist 1', 'PSU & private banks']);
  assert.equal(await activeTab(), 'PSU & private banks');
  assert.deepEqual(await rows(), shown);
  assert.deepEqual(await heads(), ['Instrument ▲', 'LTP', 'Chg', 'Chg%', 'Vol', 'Bid', 'Ask']);
  assert.equal(await page.getAttribute('[data-testid=watch-head-symbol]', 'aria-sort'), 'ascending');
  await untilAsync(async () => (await ltps()).every((v) => v > 0), 'live after the reload');
  for (const [w, h] of [
    [1280, 720],
    [1600, 900],
    [2560, 1440],
  ]) {
    await page.setViewportSize({ width: w, height: h });
    await page.waitForTimeout(300);
    // Every chosen column whole and the names unclipped (the row scrolls sideways if it must).
    const clipped = await page.$$eval('[data-testid=watch-row] td', (tds) =>
      tds.filter((td) => td.scrollWidth > td.clientWidth + 1 && !td.classList.contains('sym')).map((td) => `${td.getAttribute('data-testid')}: ${td.textContent}`),
    );
    assert.deepEqual(clipped, [], `${w}×${h}`);
    const tabsFit = await page.$eval('[data-testid=watchlist-tabs]', (el) => el.scrollHeight <= el.clientHeight + 1);
    assert.ok(tabsFit, `${w}: the tab strip on one line`);
    await page.screenshot({ path: join(ARTIFACTS, `watchlists-${w}x${h}.png`) });
    // Wider than the panel: it scrolls sideways to the last column, the instrument staying in view.
    const far = await page.$eval('[data-testid=watchlist]', (el) => {
      el.scrollLeft = el.scrollWidth;
      const box = el.getBoundingClientRect();
      const ask = el.querySelector('[data-testid=watch-head-ask]')!.getBoundingClientRect();
      const sym = el.querySelector('[data-testid=watch-row] td.sym')!.getBoundingClientRect();
      return { wider: el.scrollWidth > el.clientWidth + 1, askIn: ask.right <= box.left + el.clientWidth + 1, symLeft: sym.left - box.left };
    });
    assert.ok(far.askIn, `${w}: the Ask column reachable`);
    assert.ok(Math.abs(far.symLeft) < 1, `${w}: the instrument stays at the left (${far.symLeft})`);
    if (far.wider) await page.screenshot({ path: join(ARTIFACTS, `watchlists-${w}x${h}-scrolled.png`) });
    await page.$eval('[data-testid=watchlist]', (el) => (el.scrollLeft = 0));
  }
  assert.deepEqual(errors, []);
});
