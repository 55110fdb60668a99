// Themes and named layouts in Chromium against `tickdesk serve --demo`: Shift+T or the status bar's
// button turns the workstation light (the panels' CSS and the ladder's and tape's canvases alike)
// and a reload keeps it; a layout saved as "Scalping" brings its watchlist width and theme back
// after both were changed, survives a reload, and is renamed and deleted from the Layouts menu.
// Screenshots: e2e/artifacts/ui-light-<width>.png, ui-dark-1600.png, ui-layouts-menu.png, ui-light-chain.png,
// ui-light-keys.png.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { PALETTES, type ThemeName } from '../src/renderer/src/theme';
import { ARTIFACTS, openDemo, untilAsync } from './helpers';

let serve: ChildProcess;
let browser: Browser;
let page: Page;
let errors: string[] = [];

/** '#rrggbb' as getComputedStyle writes it. */
const rgb = (hex: string) => `rgb(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(', ')})`;
const attr = (selector: string, name: string) => page.locator(selector).first().getAttribute(name);
const text = async (selector: string) => ((await page.locator(selector).first().textContent()) ?? '').trim();

/** Computed colours of the panels and the status bar. */
async function colours() {
  // (No named functions inside: the page gets this code as written, without tsx's helpers.)
  const [watchlist, ladderPanel, text, statusbar, row] = await page.evaluate(() =>
    (
      [
        ['.watchlist', 'backgroundColor'],
        ['.panel.ladder', 'backgroundColor'],
        ['body', 'color'],
        ['.statusbar', 'backgroundColor'],
        ['[data-testid=watch-row] td', 'borderBottomColor'],
      ] as const
    ).map(([sel, prop]) => getComputedStyle(document.querySelector(sel)!)[prop]),
  );
  return { theme: await page.evaluate(() => document.documentElement.dataset.theme), watchlist, ladderPanel, text, statusbar, row };
}

/** A canvas's pixel at (x, y) CSS px, and the mean luminance (0–1) of the whole canvas. */
function canvasPixels(testId: string, x: number, y: number) {
  return page.evaluate(
    ([id, px, py]) => {
      const c = document.querySelector(`[data-testid=${id}]`) as HTMLCanvasElement;
      const ctx = c.getContext('2d')!;
      const dpr = c.width / c.getBoundingClientRect().width;
      const p = ctx.getImageData(Math.round(Number(px) * dpr), Math.round(Number(py) * dpr), 1, 1).data;
      const all = ctx.getImageData(0, 0, c.width, c.height).data;
      let sum = 0;
      for (let i = 0; i < all.length; i += 4) sum += (0.2126 * all[i] + 0.7152 * all[i + 1] + 0.0722 * all[i + 2]) / 255;
      return { pixel: `rgb(${p[0]}, ${p[1]}, ${p[2]})`, luminance: sum / (all.length / 4) };
    },
    [testId, x, y] as const,
  );
}

/** Waits until the page shows `theme` in its CSS and on the ladder's and tape's canvases. */
async function expectTheme(theme: ThemeName): Promise<void> {
  const p = PALETTES[theme];
  await untilAsync(async () => (await colours()).theme === theme, `data-theme=${theme}`);
  assert.deepEqual(await colours(), { theme, watchlist: rgb(p.panel), ladderPanel: rgb(p.panel), text: rgb(p.text), statusbar: rgb(p.statusbar), row: rgb(p.rowLine) });
  // The ladder's caption row and the tape's left margin are drawn in the theme's colours.
  await untilAsync(async () => (await canvasPixels('ladder', 1, 1)).pixel === rgb(p.captionBg), `the ladder redrawn ${theme}`, 5000);
  await untilAsync(async () => (await canvasPixels('tape', 1, 1)).pixel === rgb(p.panel), `the tape redrawn ${theme}`, 5000);
  const { luminance } = await canvasPixels('ladder', 0, 0);
  if (theme === 'light') assert.ok(luminance > 0.8, `a light ladder (mean luminance ${luminance.toFixed(2)})`);
  else assert.ok(luminance < 0.2, `a dark ladder (mean luminance ${luminance.toFixed(2)})`);
}

const watchWidth = () => page.locator('.watchlist').evaluate((el) => el.getBoundingClientRect().width);

async function dragWatch(dx: number): Promise<void> {
  const b = (await page.locator('[data-testid=split-watch]').boundingBox())!;
  await page.mouse.move(b.x + b.width / 2, b.y + 200);
  await page.mouse.down();
  await page.mouse.move(b.x + b.width / 2 + dx / 2, b.y + 200);
  await page.mouse.move(b.x + b.width / 2 + dx, b.y + 200);
  await page.mouse.up();
}

async function openLayouts(): Promise<void> {
  if ((await page.locator('[data-testid=layouts-menu]').count()) === 0) await page.click('[data-testid=layouts-button]');
  await page.waitForSelector('[data-testid=layouts-menu]');
}

const layoutNames = () => page.$$eval('[data-testid=layout-item]', (els) => els.map((e) => e.getAttribute('data-name')));

/** Keys go to the workstation, not to a focused field or button. */
const blur = () => page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());

before(async () => {
  ({ serve, browser, page, errors } = await openDemo());
  // An instrument with depth and trades: the ladder and the tape draw rows.
  await page.click('[data-testid=watch-row][data-symbol="NSE:INFY"]');
  await untilAsync(async () => Number(await attr('[data-testid=ladder]', 'data-levels')) > 0, 'depth on the ladder');
  await untilAsync(async () => Number(await attr('[data-testid=tape]', 'data-rows')) > 5, 'trades on the tape');
});

after(async () => {
  await browser?.close();
  serve?.kill('SIGTERM');
});

test('dark first; Shift+T turns panels, status bar, ladder and tape light; the button turns them back', async () => {
  await expectTheme('dark');
  assert.equal(await text('[data-testid=theme-toggle]'), '☀ Light');
  await page.screenshot({ path: join(ARTIFACTS, 'ui-dark-1600.png') });
  await blur();
  await page.keyboard.press('Shift+T');
  await expectTheme('light');
  assert.equal(await text('[data-testid=theme-toggle]'), '☾ Dark');
  await page.click('[data-testid=theme-toggle]');
  await expectTheme('dark');
  await page.click('[data-testid=theme-toggle]');
  await expectTheme('light');
  // Typing a capital T in the search box types it.
  await page.fill('[data-testid=search-input]', '');
  await page.focus('[data-testid=search-input]');
  await page.keyboard.press('Shift+T');
  assert.equal(await page.inputValue('[data-testid=search-input]'), 'T');
  assert.equal((await colours()).theme, 'light');
  await page.fill('[data-testid=search-input]', '');
  await blur();
  // `?` lists the key.
  await page.keyboard.press('?');
  await page.waitForSelector('[data-testid=keys-help]');
  assert.match(await text('[data-testid=keys-help]'), /Shift\+T\s*light \/ dark theme/);
  await page.screenshot({ path: join(ARTIFACTS, 'ui-light-keys.png') });
  await page.keyboard.press('Escape');
});

test('a reload keeps the light theme', async () => {
  await page.reload();
  await untilAsync(async () => (await page.locator('[data-testid=watch-row]').count()) >= 5, 'the watchlist again');
  await untilAsync(async () => Number(await attr('[data-testid=ladder]', 'data-levels')) > 0, 'depth again');
  await untilAsync(async () => Number(await attr('[data-testid=tape]', 'data-rows')) > 5, 'trades again');
  await expectTheme('light');
});

test('screenshots of the light theme at 1280×720, 1600×900 and 2560×1440', async () => {
  await page.mouse.move(2, 2);
  for (const [w, h] of [
    [1280, 720],
    [1600, 900],
    [2560, 1440],
  ]) {
    await page.setViewportSize({ width: w, height: h });
    await page.waitForTimeout(600);
    // Nothing in the status bar is cut off: the clock at its right end is whole.
    const clock = await page.evaluate(() => {
      const bar = document.querySelector('[data-testid=statusbar]')!.getBoundingClientRect();
      const c = document.querySelector('[data-testid=clock]')!.getBoundingClientRect();
      return { right: c.right, barRight: bar.right };
    });
    assert.ok(clock.right <= clock.barRight, `${w}: the clock inside the status bar (${clock.right} > ${clock.barRight})`);
    await page.screenshot({ path: join(ARTIFACTS, `ui-light-${w}.png`) });
  }
  await page.setViewportSize({ width: 1600, height: 900 });
  await blur();
  await page.keyboard.press('c');
  await page.waitForSelector('[data-testid=chain-row]', { timeout: 20_000 });
  await page.waitForTimeout(500);
  await page.screenshot({ path: join(ARTIFACTS, 'ui-light-chain.png') });
  await page.keyboard.press('Escape');
});

test('a layout saved as "Scalping" brings back its watchlist width and theme', async () => {
  await page.setViewportSize({ width: 1600, height: 900 });
  await dragWatch(120);
  const scalping = await watchWidth();
  await openLayouts();
  assert.equal(await page.locator('[data-testid=layouts-empty]').count(), 1, 'none saved yet');
  await page.fill('[data-testid=layout-name]', 'Scalping');
  assert.equal(await text('[data-testid=layout-save]'), 'Save');
  await page.click('[data-testid=layout-save]');
  assert.deepEqual(await layoutNames(), ['Scalping']);
  assert.equal(await text('[data-testid=layouts-button]'), '▦ Scalping');
  await page.screenshot({ path: join(ARTIFACTS, 'ui-layouts-menu.png') });
  await page.keyboard.press('Escape');
  assert.equal(await page.locator('[data-testid=layouts-menu]').count(), 0, 'Esc closes the menu');

  // Change both: a narrower watchlist, the dark theme.
  await dragWatch(-200);
  const narrow = await watchWidth();
  assert.ok(scalping - narrow > 150, `changed: ${scalping} → ${narrow}`);
  await blur();
  await page.keyboard.press('Shift+T');
  await expectTheme('dark');
  await openLayouts();
  await page.fill('[data-testid=layout-name]', 'Wide chart');
  await page.keyboard.press('Enter');
  assert.deepEqual(await layoutNames(), ['Scalping', 'Wide chart']);

  await page.click('[data-testid=layout-item][data-name="Scalping"] [data-testid=layout-switch]');
  assert.equal(await page.locator('[data-testid=layouts-menu]').count(), 0, 'switching closes the menu');
  await untilAsync(async () => Math.abs((await watchWidth()) - scalping) <= 1, `the watchlist back to ${scalping}px`);
  await expectTheme('light');
  assert.equal(await text('[data-testid=layouts-button]'), '▦ Scalping');

  // After a reload: the same layouts, and switching still works.
  await page.reload();
  await untilAsync(async () => (await page.locator('[data-testid=watch-row]').count()) >= 5, 'the watchlist again');
  assert.ok(Math.abs((await watchWidth()) - scalping) <= 1, 'the width itself is remembered');
  assert.equal(await text('[data-testid=layouts-button]'), '▦ Scalping');
  await openLayouts();
  assert.deepEqual(await layoutNames(), ['Scalping', 'Wide chart']);
  await page.click('[data-testid=layout-item][data-name="Wide chart"] [data-testid=layout-switch]');
  await untilAsync(async () => Math.abs((await watchWidth()) - narrow) <= 1, `the watchlist back to ${narrow}px`);
  await untilAsync(async () => (await colours()).theme === 'dark', 'dark again');
  assert.deepEqual(errors, []);
});

test('the Layouts menu renames (never onto another name), replaces and deletes', async () => {
  await openLayouts();
  const item = (name: string) => `[data-testid=layout-item][data-name="${name}"]`;
  await page.click(`${item('Scalping')} [data-testid=layout-rename]`);
  await page.fill('[data-testid=layout-rename-input]', 'wide CHART');
  await page.keyboard.press('Enter');
  assert.equal(await text('[data-testid=layout-error]'), '“wide CHART” is taken');
  await page.fill('[data-testid=layout-rename-input]', 'Scalping 1m');
  await page.keyboard.press('Enter');
  assert.deepEqual(await layoutNames(), ['Scalping 1m', 'Wide chart']);
  assert.equal(await page.locator('[data-testid=layouts-menu]').count(), 1, 'Enter in the rename box keeps the menu open');

  // Saving under a taken name replaces that layout: the button says so.
  await dragWatch(60);
  const wider = await watchWidth();
  await openLayouts();
  await page.fill('[data-testid=layout-name]', 'wide chart');
  assert.equal(await text('[data-testid=layout-save]'), 'Replace');
  await page.click('[data-testid=layout-save]');
  assert.deepEqual(await layoutNames(), ['Scalping 1m', 'wide chart']);
  await page.click(`${item('Scalping 1m')} [data-testid=layout-switch]`);
  await openLayouts();
  await page.click(`${item('wide chart')} [data-testid=layout-switch]`);
  await untilAsync(async () => Math.abs((await watchWidth()) - wider) <= 1, 'the replaced width');

  // × asks first, then deletes.
  await openLayouts();
  await page.click(`${item('Scalping 1m')} [data-testid=layout-delete]`);
  assert.equal(await text(`${item('Scalping 1m')} [data-testid=layout-delete]`), 'delete?');
  assert.deepEqual(await layoutNames(), ['Scalping 1m', 'wide chart']);
  await page.click(`${item('Scalping 1m')} [data-testid=layout-delete]`);
  assert.deepEqual(await layoutNames(), ['wide chart']);
  const stored = await page.evaluate(() => JSON.parse(localStorage.getItem('tickdesk.layouts.v1')!) as { state: { layouts: Array<{ name: string }>; active: string } });
  assert.deepEqual(
    stored.state.layouts.map((l) => l.name),
    ['wide chart'],
  );
  assert.equal(stored.state.active, 'wide chart');
  // A click elsewhere closes the menu.
  await page.mouse.click(800, 400);
  assert.equal(await page.locator('[data-testid=layouts-menu]').count(), 0);
  assert.deepEqual(errors, []);
});
