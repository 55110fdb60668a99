// The depth ladder as a DOM trader reads it (issue 13, item 7): a static price grid at the tick
// size (every price between the deepest bid and ask a row, a margin of empty rows beyond, never
// scrolled into emptiness), the last trade marked, the session's traded volume at price (checked
// against the journal), on the Kite simulator (5 levels) and Dhan's (200 levels). Screenshots at
// 1280×720 and 1600×900 in e2e/artifacts/ladder-*.png.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ARTIFACTS, launchChromium, startServe, untilAsync } from './helpers';
import { Journal } from '../src/engine/store/journal';

const MARGIN = 5; // GRID_MARGIN in ladder-draw.ts
const SIZES = [
  [1280, 720],
  [1600, 900],
] as const;

const servers: ChildProcess[] = [];
let browser: Browser | undefined;
after(async () => {
  await browser?.close();
  for (const s of servers) s.kill('SIGTERM');
});

interface LadderState {
  tick: number;
  bestBid: number;
  bestAsk: number;
  deepBid: number;
  deepAsk: number;
  top: number;
  bottom: number;
  gridTop: number;
  gridBottom: number;
  last: number;
  levels: number;
  rows: number;
  vapTotal: number;
  vapLastTs: number;
}

/** One frame's attributes, read at once. */
function ladder(page: Page): Promise<LadderState> {
  return page.evaluate(() => {
    const c = document.querySelector('[data-testid=ladder]') as HTMLCanvasElement;
    const d = c.dataset;
    const rh = Math.round(parseFloat(getComputedStyle(document.documentElement).fontSize) * 1.5);
    return {
      tick: Number(d.tick),
      bestBid: Number(d.bestBid),
      bestAsk: Number(d.bestAsk),
      deepBid: Number(d.deepBid),
      deepAsk: Number(d.deepAsk),
      top: Number(d.top),
      bottom: Number(d.bottom),
      gridTop: Number(d.gridTop),
      gridBottom: Number(d.gridBottom),
      last: Number(d.last),
      levels: Number(d.levels),
      rows: Math.ceil(c.getBoundingClientRect().height / rh) - 1, // the first row captions the columns
      vapTotal: Number(d.vapTotal),
      vapLastTs: Number(d.vapLastTs),
    };
  });
}

const ticks = (s: LadderState, px: number) => Math.round(px / s.tick);

/** The grid's invariants in one frame. */
function checkGrid(s: LadderState, what: string): void {
  const msg = `${what}: ${JSON.stringify(s)}`;
  // A contiguous price grid at the tick size: one row per tick, as many as the canvas holds.
  assert.equal(ticks(s, s.top) - ticks(s, s.bottom) + 1, s.rows, msg);
  // The grid is the book (and the last trade) plus the margin: every price between the deepest bid and ask.
  const hi = Math.max(ticks(s, s.deepAsk), Number.isFinite(s.last) ? ticks(s, s.last) : -Infinity);
  const lo = Math.min(ticks(s, s.deepBid), Number.isFinite(s.last) ? ticks(s, s.last) : Infinity);
  assert.equal(ticks(s, s.gridTop), hi + MARGIN, msg);
  assert.equal(ticks(s, s.gridBottom), lo - MARGIN, msg);
  // Never more than the margin of emptiness: the canvas is inside the grid, or the grid inside the canvas.
  const gridRows = ticks(s, s.gridTop) - ticks(s, s.gridBottom) + 1;
  if (gridRows >= s.rows) assert.ok(s.top <= s.gridTop && s.bottom >= s.gridBottom, msg);
  else assert.ok(s.top >= s.gridTop && s.bottom <= s.gridBottom, msg);
}

async function wheel(page: Page, notches: number): Promise<void> {
  const box = (await page.locator('[data-testid=ladder]').boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  // A few large wheel events (a notch is 100 px, 3 rows).
  for (let k = 0; k < Math.abs(notches); k += 50) await page.mouse.wheel(0, Math.sign(notches) * 100 * Math.min(50, Math.abs(notches) - k));
  await page.waitForTimeout(150);
}

async function open(url: string, size: readonly [number, number], symbol: string, search: string): Promise<Page> {
  const context = await browser!.newContext({ viewport: { width: size[0], height: size[1] } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  await page.fill('[data-testid=search-input]', search);
  await page.click(`[data-testid=search-result][data-symbol="${symbol}"]`);
  await page.click(`[data-testid=watch-row][data-symbol="${symbol}"]`);
  await untilAsync(async () => Number.isFinite((await ladder(page)).top) && (await ladder(page)).last > 0, `${symbol} ladder with a last trade`);
  assert.deepEqual(errors, []);
  return page;
}

/** How far the book may move between the wheel stopping and the test reading the ladder. */
const MOVED_TICKS = 8;

/** Scrolled far both ways, the grid stops at the book's margin; centre brings the touch back on the canvas. */
async function checkScroll(page: Page, name: string): Promise<void> {
  await wheel(page, 150);
  let s = await ladder(page);
  checkGrid(s, 'scrolled down');
  // At the limit when the wheel stopped: the bottom row was the deepest bid less the margin. The book
  // keeps moving under a grid that stays put, by a few ticks on a loaded machine between the wheel
  // and the read: MOVED_TICKS allows for that (never scrolling past the grid is checkGrid's).
  if (ticks(s, s.gridTop) - ticks(s, s.gridBottom) + 1 >= s.rows) assert.ok(ticks(s, s.bottom) - ticks(s, s.gridBottom) <= MOVED_TICKS, `at the bottom of the book: ${JSON.stringify(s)}`);
  await page.screenshot({ path: join(ARTIFACTS, `${name}-scrolled.png`) });
  await wheel(page, -300);
  s = await ladder(page);
  checkGrid(s, 'scrolled up');
  if (ticks(s, s.gridTop) - ticks(s, s.gridBottom) + 1 >= s.rows) assert.ok(ticks(s, s.gridTop) - ticks(s, s.top) <= MOVED_TICKS, `at the top of the book: ${JSON.stringify(s)}`);
  if (ticks(s, s.gridTop) - ticks(s, s.gridBottom) + 1 >= s.rows + 20) assert.ok(s.bottom > s.bestAsk, 'scrolled away from the touch');
  await page.click('[data-testid=ladder-center]');
  await page.waitForTimeout(150);
  s = await ladder(page);
  checkGrid(s, 'centred');
  // The touch is back on the canvas (the grid then stays put while the market moves inside it, so
  // it need not sit on the middle row a frame later).
  assert.ok(s.bottom <= s.bestBid && s.top >= s.bestAsk, `centred on the touch: ${JSON.stringify(s)}`);
}

test('Kite simulator, 5 levels: a static grid at the tick size, the last trade marked, volume at price equals the journal', async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const journalPath = join(mkdtempSync(join(tmpdir(), 'tickdesk-ladder-')), 'j.sqlite');
  const started = await startServe(['--demo', '--journal', journalPath, '--rate', '300', '--seed', '7']);
  servers.push(started.child);
  browser ??= await launchChromium();
  for (const size of SIZES) {
    const page = await open(started.url, size, 'NSE:SBIN', 'sbin');
    const s = await ladder(page);
    assert.equal(s.levels, 5);
    assert.equal(s.tick, 0.05);
    checkGrid(s, 'opened');
    assert.ok(s.bottom <= s.bestBid && s.top >= s.bestAsk, 'the touch is on the canvas');
    // The last trade marked is the tape's newest trade (each canvas repaints on its own schedule).
    await untilAsync(async () => {
      const tape = await page.getAttribute('[data-testid=tape]', 'data-last');
      return Number(tape) === (await ladder(page)).last;
    }, 'ladder last trade = tape last trade');
    assert.match((await page.textContent('[data-testid=ladder-stats]'))!, /^5 levels · spread [\d,.]+ · imbalance -?\d+% · vol since \d\d:\d\d$/);
    await page.screenshot({ path: join(ARTIFACTS, `ladder-kite-${size[0]}x${size[1]}.png`) });
    if (size[0] === 1280) await checkScroll(page, `ladder-kite-${size[0]}x${size[1]}`);
    // Traded volume at price, accumulated in the page: what it added between two moments equals the
    // journal's trades between the last trades it had seen then (the exchange time is to the second,
    // so trades in the boundary seconds may fall either side: the journal gives a lower and upper bound).
    const a = await ladder(page);
    await page.waitForTimeout(3000);
    const b = await ladder(page);
    await page.waitForTimeout(400); // the journal commits within 100 ms
    const j = new Journal(journalPath, { readonly: true });
    try {
      const id = j.findInstrument('NSE:SBIN')!.id;
      const sum = (from: string, to: string) =>
        (
          j.db
            .prepare(`SELECT COALESCE(SUM(COALESCE(vol_delta, ltq, 0)), 0) AS v FROM ticks WHERE instrument_id = ? AND ts_exchange ${from} ? AND ts_exchange ${to} ? AND (vol_delta IS NULL OR vol_delta != 0)`)
            .get(id, a.vapLastTs, b.vapLastTs) as { v: number }
        ).v;
      const added = b.vapTotal - a.vapTotal;
      assert.ok(b.vapLastTs > a.vapLastTs && added > 0, `trades in 3 s: ${JSON.stringify([a, b])}`);
      const lower = sum('>', '<');
      const upper = sum('>=', '<=');
      assert.ok(added >= lower && added <= upper, `volume added ${added}, journal between ${lower} and ${upper}`);
    } finally {
      j.close();
    }
    await page.context().close();
  }
});

test('Dhan simulator, 200 levels: every price row between the deepest bid and ask; scrolling stops at the book', async () => {
  const started = await startServe(['--demo', '--broker', 'sim-dhan', '--depth', '200', '--instruments', 'NSE:INFY,NSE:SBIN', '--rate', '600']);
  servers.push(started.child);
  browser ??= await launchChromium();
  for (const size of SIZES) {
    const page = await open(started.url, size, 'NSE:INFY', 'infy');
    await untilAsync(async () => (await ladder(page)).levels === 200, '200 levels');
    const s = await ladder(page);
    checkGrid(s, 'opened');
    assert.ok(s.bottom <= s.bestBid && s.top >= s.bestAsk, 'the touch is on the canvas');
    assert.match((await page.textContent('[data-testid=ladder-stats]'))!, /^200 levels · spread/);
    await page.screenshot({ path: join(ARTIFACTS, `ladder-dhan-${size[0]}x${size[1]}.png`) });
    await checkScroll(page, `ladder-dhan-${size[0]}x${size[1]}`);
    await page.context().close();
  }
});
