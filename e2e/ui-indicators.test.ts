// Indicators on the chart, in Chromium against `tickdesk serve --demo`: ƒx ticks them on (VWAP,
// EMA, SMA, Bollinger, Supertrend over the price; RSI and MACD in panes below), their values follow
// the live bar, and the choice survives a reload. The math is src/shared/indicators.test.ts's.
// Screenshot: e2e/artifacts/indicators.png.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { ARTIFACTS, launchChromium, startServe, untilAsync } from './helpers';

let serve: ChildProcess | undefined;
let browser: Browser | undefined;
after(async () => {
  await browser?.close();
  serve?.kill('SIGTERM');
});

test('ƒx: seven indicators on the chart, values near the price and moving with it, remembered across a reload', { timeout: 120_000 }, async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const started = await startServe(['--demo', '--rate', '800', '--seed', '5']);
  serve = started.child;
  browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(started.url);
  await page.click('[data-testid=watch-row][data-symbol^="NFO:NIFTY"][data-symbol$="FUT"]');
  await untilAsync(async () => Number(await page.getAttribute('[data-testid=chart]', 'data-bars')) >= 60, 'an hour of bars on the chart', 30_000);

  await page.click('[data-testid=indicators]');
  for (const id of ['vwap', 'ema20', 'sma50', 'bb20', 'st10', 'rsi14', 'macd']) await page.check(`[data-testid=indicator-${id}]`);
  await page.keyboard.press('Escape');
  assert.equal(await page.getAttribute('[data-testid=chart]', 'data-indicators'), 'vwap,ema20,sma50,bb20,st10,rsi14,macd');
  assert.equal(await page.getAttribute('[data-testid=indicators]', 'data-count'), '7');
  assert.match((await page.getAttribute('[data-testid=indicators]', 'title'))!, /^Indicators: VWAP, EMA 20, SMA 50, Bollinger 20, 2, Supertrend 10, 3, RSI 14, MACD 12, 26, 9$/);

  type Values = { vwap?: number; ema20?: number; sma50?: number; bb20?: { upper: number; middle: number; lower: number }; st10?: { value: number; direction: string }; rsi14?: number; macd?: { macd: number; signal: number; histogram: number } };
  const values = async () => JSON.parse((await page.getAttribute('[data-testid=chart]', 'data-indicator-values')) ?? '{}') as Values;
  const close = async () => Number(await page.getAttribute('[data-testid=chart]', 'data-last-close'));
  await untilAsync(async () => (await values()).macd !== undefined, 'every indicator warmed up', 20_000);
  const v = await values();
  const c = await close();
  for (const [name, x] of [['vwap', v.vwap], ['ema20', v.ema20], ['sma50', v.sma50], ['bb20 middle', v.bb20!.middle], ['supertrend', v.st10!.value]] as const)
    assert.ok(Math.abs(x! - c) / c < 0.03, `${name} ${x} near the price ${c}`);
  assert.ok(v.bb20!.upper > v.bb20!.middle && v.bb20!.middle > v.bb20!.lower, 'Bollinger bands in order');
  assert.ok(v.rsi14! >= 0 && v.rsi14! <= 100, `RSI ${v.rsi14}`);
  assert.ok(Math.abs(v.macd!.macd - v.macd!.signal - v.macd!.histogram) < 1e-9, 'MACD histogram = line − signal');
  assert.ok(['up', 'down'].includes(v.st10!.direction));
  // Live: the values follow the live bar without a reload.
  const before = JSON.stringify(await values());
  await untilAsync(async () => JSON.stringify(await values()) !== before, 'indicator values move with the live bar', 20_000);
  await page.screenshot({ path: join(ARTIFACTS, 'indicators.png') });

  // Remembered: after a reload the same indicators are drawn.
  await page.reload();
  await untilAsync(async () => (await page.getAttribute('[data-testid=chart]', 'data-indicators')) === 'vwap,ema20,sma50,bb20,st10,rsi14,macd', 'the indicators again after a reload');
  await page.click('[data-testid=indicators]');
  await page.uncheck('[data-testid=indicator-macd]');
  assert.equal(await page.getAttribute('[data-testid=chart]', 'data-indicators'), 'vwap,ema20,sma50,bb20,st10,rsi14');
  await page.keyboard.press('Escape');
  assert.deepEqual(errors, []);
});

test('Alt+click draws a horizontal line at that price, kept for the instrument across a reload; Alt+click on it removes it', { timeout: 60_000 }, async () => {
  const page = (await browser!.contexts()[0]?.pages())?.[0] ?? (await browser!.newPage());
  const chart = (await page.locator('[data-testid=chart]').boundingBox())!;
  // The middle of the price pane (the top part of the chart, above the indicator panes).
  const at = { x: chart.x + chart.width * 0.5, y: chart.y + chart.height * 0.25 };
  await page.keyboard.down('Alt');
  await page.mouse.click(at.x, at.y);
  await page.keyboard.up('Alt');
  await untilAsync(async () => !!(await page.getAttribute('[data-testid=chart]', 'data-lines')), 'a line');
  const line = Number(await page.getAttribute('[data-testid=chart]', 'data-lines'));
  const close = Number(await page.getAttribute('[data-testid=chart]', 'data-last-close'));
  assert.ok(Math.abs(line - close) / close < 0.03, `the line at ${line}, near the price ${close}`);
  assert.equal(Math.round(line * 20), line * 20, 'on the ₹0.05 tick');
  await page.reload();
  await untilAsync(async () => (await page.getAttribute('[data-testid=chart]', 'data-lines')) === String(line), 'the line again after a reload');
  await untilAsync(async () => Number(await page.getAttribute('[data-testid=chart]', 'data-bars')) >= 60, 'the chart drawn');
  await page.waitForTimeout(300);
  // Alt+click on it (where the price axis draws it now): gone.
  await untilAsync(async () => Number(await page.getAttribute('[data-testid=chart]', 'data-line-ys')) > 0, 'the line drawn');
  const lineY = Number(await page.getAttribute('[data-testid=chart]', 'data-line-ys'));
  const box = (await page.locator('[data-testid=chart]').boundingBox())!;
  await page.keyboard.down('Alt');
  await page.mouse.click(at.x, box.y + lineY);
  await page.keyboard.up('Alt');
  await untilAsync(async () => (await page.getAttribute('[data-testid=chart]', 'data-lines')) !== String(line), 'the line removed or moved');
  assert.equal(await page.getAttribute('[data-testid=chart]', 'data-lines'), '', 'Alt+click on the line removes it');
});
