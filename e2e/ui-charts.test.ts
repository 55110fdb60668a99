// The chart grid, in Chromium against `tickdesk serve --demo`: four charts each with its own
// instrument and interval (their legends and closes say which), linked charts following the
// watchlist at their own intervals and independent ones keeping theirs, the layout keys, and a
// trend line that survives a reload and an interval change, picked and deleted.
// Screenshots: e2e/artifacts/charts-4-<w>x<h>.png.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ARTIFACTS, launchChromium, startServe, untilAsync } from './helpers';

let serve: ChildProcess;
let browser: Browser;
let page: Page;
const errors: string[] = [];
/** The simulator's NIFTY future (its symbol carries the expiry). */
let FUT = '';

const SECONDS: Record<string, number> = { '1m': 60, '3m': 180, '5m': 300, '15m': 900, '30m': 1800, '1h': 3600 };
/** 09:15 IST, in seconds into the IST day: intraday bars count from it. */
const OPEN_S = 9 * 3600 + 15 * 60;
const IST_S = 19800;
const MON = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');
const istMinute = (t: number) => {
  const d = new Date((t + IST_S) * 1000);
  return `${pad(d.getUTCDate())} ${MON[d.getUTCMonth()]} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
};

const pane = (slot: number) => `[data-testid=chart-pane][data-slot="${slot}"]`;
const attr = (selector: string, name: string) => page.locator(selector).first().getAttribute(name);
const num = async (selector: string, name: string) => Number(await attr(selector, name));
const ltpOf = (symbol: string) => num(`[data-testid=watch-row][data-symbol="${symbol}"] [data-testid=watch-ltp]`, 'data-ltp');

interface PaneState {
  symbol: string;
  interval: string;
  bars: number;
  lastTime: number;
  lastClose: number;
  caption: string;
  legend: string;
  legendTime: number;
  canvas: boolean;
}

async function panes(): Promise<PaneState[]> {
  return page.$$eval('[data-testid=chart-pane]', (els) =>
    els.map((p) => {
      const chart = p.querySelector('[data-testid=chart]') as HTMLElement;
      const legend = p.querySelector('[data-testid=chart-legend]') as HTMLElement;
      const canvas = chart.querySelector('canvas');
      return {
        symbol: p.getAttribute('data-symbol') ?? '',
        interval: p.getAttribute('data-interval') ?? '',
        bars: Number(chart.dataset.bars ?? 0),
        lastTime: Number(chart.dataset.lastTime ?? 0),
        lastClose: Number(chart.dataset.lastClose ?? 0),
        caption: (p.querySelector('[data-testid=chart-caption]')?.textContent ?? '').trim(),
        legend: legend.hidden ? '' : (legend.textContent ?? '').replace(/\s+/g, ' ').trim(),
        legendTime: Number(legend.dataset.time ?? 0),
        canvas: !!canvas && canvas.width > 100 && canvas.height > 100,
      };
    }),
  );
}

/** Every shown chart has history on it. */
async function chartsFilled(n: number, min = 20): Promise<PaneState[]> {
  let last: PaneState[] = [];
  await untilAsync(
    async () => {
      last = await panes();
      return last.length === n && last.every((p) => p.bars >= min && p.legend !== '');
    },
    `${n} charts with history`,
    45_000,
  ).catch((e) => {
    throw new Error(`${(e as Error).message}: ${JSON.stringify(last)}`);
  });
  return last;
}

async function selectRow(symbol: string): Promise<void> {
  await page.click(`[data-testid=watch-row][data-symbol="${symbol}"]`);
}

/** Clicks inside a chart (its price pane's middle, clear of the caption and the price axis). */
async function clickChart(slot: number): Promise<void> {
  const box = (await page.locator(`${pane(slot)} [data-testid=chart]`).boundingBox())!;
  await page.mouse.click(box.x + box.width * 0.45, box.y + box.height * 0.55);
}

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  let url: string;
  ({ child: serve, url } = await startServe(['--demo', '--rate', '600', '--seed', '21']));
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  await untilAsync(async () => (await page.locator('[data-testid=watch-row]').count()) >= 5, 'the default watchlist');
  FUT = (await attr('[data-testid=watch-row][data-symbol^="NFO:NIFTY"][data-symbol$="FUT"]', 'data-symbol'))!;
});

after(async () => {
  await browser?.close();
  serve?.kill('SIGTERM');
});

test('linked: four charts on the selected instrument, each at its own interval, following the watchlist', { timeout: 120_000 }, async () => {
  await selectRow('NSE:INFY');
  assert.equal(await page.locator('[data-testid=chart-pane]').count(), 1, 'one chart to begin with');
  assert.equal(await attr('[data-testid=chart-link]', 'aria-pressed'), 'true', 'linked to begin with');
  await page.click('[data-testid=grid-4]');
  const four = await chartsFilled(4);
  assert.deepEqual(
    four.map((p) => [p.symbol, p.interval]),
    [
      ['NSE:INFY', '1m'],
      ['NSE:INFY', '5m'],
      ['NSE:INFY', '15m'],
      ['NSE:INFY', '1h'],
    ],
  );
  for (const p of four) {
    assert.ok(p.canvas, `${p.interval}: a canvas drawn`);
    assert.equal(p.caption, `INFY ${p.interval}`);
    // Bars at the chart's own interval, counted from 09:15 IST; the legend names the bar's IST minute.
    assert.equal((p.lastTime + IST_S - OPEN_S) % SECONDS[p.interval], 0, `${p.interval}: the last bar ${p.lastTime} on its interval`);
    assert.ok(p.legend.startsWith(`${istMinute(p.legendTime)} O `), `${p.interval}: legend "${p.legend}"`);
    assert.match(p.legend, /^\d{2} \w{3} \d{2}:\d{2} O [\d,]+\.\d{2} H [\d,]+\.\d{2} L [\d,]+\.\d{2} C [\d,]+\.\d{2} V \S+( [+-]?\d+\.\d{2}%)?$/);
  }
  // One instrument: every chart closes at its price.
  const infy = await ltpOf('NSE:INFY');
  for (const p of four) assert.ok(Math.abs(p.lastClose - infy) / infy < 0.01, `${p.interval} closes at ${p.lastClose}, INFY at ${infy}`);

  // The watchlist moves every chart, each keeping its interval.
  await selectRow(FUT);
  await untilAsync(async () => (await panes()).every((p) => p.symbol === FUT), 'all four on NIFTY FUT');
  const nifty = await chartsFilled(4);
  assert.deepEqual(
    nifty.map((p) => p.interval),
    ['1m', '5m', '15m', '1h'],
  );
  const fut = await ltpOf(FUT);
  await untilAsync(async () => (await panes()).every((p) => Math.abs(p.lastClose - fut) / fut < 0.01), 'every chart at the future’s price');
  assert.equal(await page.textContent('[data-testid=chart-title]'), FUT);
});

test('independent: each chart keeps its instrument; a click focuses a chart and the watchlist then sets that one', { timeout: 120_000 }, async () => {
  await page.click('[data-testid=chart-link]');
  assert.equal(await attr('[data-testid=chart-link]', 'aria-pressed'), 'false');
  const set = async (slot: number, symbol: string) => {
    await clickChart(slot);
    await untilAsync(async () => (await attr(pane(slot), 'data-focused')) === '1', `chart ${slot + 1} focused`);
    await selectRow(symbol);
    await untilAsync(async () => (await attr(pane(slot), 'data-symbol')) === symbol, `chart ${slot + 1} on ${symbol}`);
  };
  await set(1, 'NSE:INFY');
  await set(2, 'NSE:RELIANCE');
  await set(3, 'NSE:NIFTY BANK');
  const mixed = await chartsFilled(4);
  assert.deepEqual(
    mixed.map((p) => `${p.symbol} ${p.interval}`),
    [`${FUT} 1m`, 'NSE:INFY 5m', 'NSE:RELIANCE 15m', 'NSE:NIFTY BANK 1h'],
  );
  // The right candles in each: each chart closes at its own instrument's price, its caption and legend say so.
  for (const p of mixed) {
    const ltp = await ltpOf(p.symbol);
    await untilAsync(async () => {
      const now = (await panes()).find((x) => x.symbol === p.symbol)!;
      return Math.abs(now.lastClose - ltp) / ltp < 0.01;
    }, `${p.symbol} at ${ltp}`);
    assert.equal((p.lastTime + IST_S - OPEN_S) % SECONDS[p.interval], 0);
  }
  assert.match(mixed[0].caption, /^NIFTY FUT \d{2} \w{3} 1m$/);
  assert.deepEqual(
    mixed.slice(1).map((p) => p.caption),
    ['INFY 5m', 'RELIANCE 15m', 'NIFTY BANK 1h'],
  );
  // The focused chart is the selection: the header, the watchlist row and the ladder follow a click.
  await clickChart(2);
  await untilAsync(async () => (await page.textContent('[data-testid=chart-title]')) === 'NSE:RELIANCE', 'the header on RELIANCE');
  assert.equal(await attr('[data-testid=watch-row][data-symbol="NSE:RELIANCE"]', 'aria-selected'), 'true');
  assert.equal(await attr('[data-testid=interval-15m]', 'aria-checked'), 'true', 'the header shows the focused chart’s interval');
  // The header's interval is the focused chart's alone.
  await page.click('[data-testid=interval-30m]');
  await untilAsync(async () => (await attr(pane(2), 'data-interval')) === '30m', 'chart 3 at 30m');
  assert.deepEqual(
    (await panes()).map((p) => p.interval),
    ['1m', '5m', '30m', '1h'],
  );
  await untilAsync(async () => {
    const p = (await panes())[2];
    return p.bars > 0 && (p.lastTime + IST_S - OPEN_S) % 1800 === 0;
  }, '30-minute bars on chart 3');

  // Screenshots of the four-chart grid (four instruments, four intervals) at three sizes; the header
  // stays one line (nothing wraps or is pushed out) at each.
  for (const [w, h] of [
    [1280, 720],
    [1600, 900],
    [2560, 1440],
  ]) {
    await page.setViewportSize({ width: w, height: h });
    await page.waitForTimeout(700);
    const head = await page.$eval('.chart-head', (el) => {
      const kids = [...el.children].filter((k) => (k as HTMLElement).offsetParent !== null).map((k) => k.getBoundingClientRect());
      const box = el.getBoundingClientRect();
      return { height: box.height, tops: kids.map((k) => Math.round(k.top + k.height / 2)), right: Math.max(...kids.map((k) => k.right)), boxRight: box.right, title: (el.querySelector('.title') as HTMLElement).scrollWidth <= (el.querySelector('.title') as HTMLElement).clientWidth + 1 };
    });
    assert.ok(head.height <= 40, `${w}: header ${head.height}px high`);
    assert.ok(Math.max(...head.tops) - Math.min(...head.tops) <= 2, `${w}: one line (${head.tops})`);
    assert.ok(head.right <= head.boxRight + 0.5, `${w}: nothing pushed out of the header`);
    assert.ok(head.title, `${w}: the title whole`);
    const shown = await chartsFilled(4);
    for (const p of shown) assert.ok(p.canvas, `${w}: ${p.symbol} drawn`);
    // The captions are whole at every size.
    const captions = await page.$$eval('[data-testid=chart-caption]', (els) => els.map((e) => e.scrollWidth <= e.clientWidth + 1));
    assert.deepEqual(captions, [true, true, true, true], `${w}: captions whole`);
    await page.screenshot({ path: join(ARTIFACTS, `charts-4-${w}x${h}.png`) });
  }
  await page.setViewportSize({ width: 1600, height: 900 });
});

test('keys: Alt+1/2/4 and G pick the layout, L links; the grid is remembered across a reload', { timeout: 60_000 }, async () => {
  await page.locator('[data-testid=watchlist]').focus();
  await page.keyboard.press('Alt+2');
  await untilAsync(async () => (await page.locator('[data-testid=chart-pane]').count()) === 2, 'two charts');
  await page.keyboard.press('g');
  await untilAsync(async () => (await page.locator('[data-testid=chart-pane]').count()) === 4, 'G: four charts');
  await page.keyboard.press('Alt+1');
  await untilAsync(async () => (await page.locator('[data-testid=chart-pane]').count()) === 1, 'one chart');
  await page.keyboard.press('Alt+4');
  await untilAsync(async () => (await page.locator('[data-testid=chart-pane]').count()) === 4, 'four again');
  const before = (await panes()).map((p) => `${p.symbol} ${p.interval}`);
  await page.reload();
  await chartsFilled(4);
  assert.deepEqual(
    (await panes()).map((p) => `${p.symbol} ${p.interval}`),
    before,
    'the same four charts after a reload',
  );
  assert.equal(await attr('[data-testid=chart-link]', 'aria-pressed'), 'false');
  await page.locator('[data-testid=watchlist]').focus();
  await page.keyboard.press('l');
  await untilAsync(async () => (await attr('[data-testid=chart-link]', 'aria-pressed')) === 'true', 'L: linked');
  const focused = (await attr('[data-testid=chart-pane][data-focused="1"]', 'data-symbol'))!;
  await untilAsync(async () => (await panes()).every((p) => p.symbol === focused), `linking puts all four on ${focused}`);
});

test('a trend line: T, two clicks; kept across a reload and an interval change; picked and deleted', { timeout: 120_000 }, async () => {
  await page.keyboard.press('Alt+1');
  await selectRow(FUT);
  await page.click('[data-testid=interval-1m]');
  await untilAsync(async () => (await attr(pane(0), 'data-symbol')) === FUT && (await attr(pane(0), 'data-interval')) === '1m', 'NIFTY FUT 1m');
  const [p0] = await chartsFilled(1, 60);
  const chart = `${pane(0)} [data-testid=chart]`;
  const box = (await page.locator(chart).boundingBox())!;
  const rows = await page.locator('[data-testid=watch-row]').count();

  // T, then the two ends, in the price pane.
  await page.locator('[data-testid=watchlist]').focus();
  await page.keyboard.press('t');
  assert.equal(await attr('[data-testid=trend-tool]', 'aria-pressed'), 'true');
  assert.equal(await attr(chart, 'data-tool'), 'trend');
  const a = { x: box.x + box.width * 0.55, y: box.y + box.height * 0.3 };
  const b = { x: box.x + box.width * 0.75, y: box.y + box.height * 0.55 };
  await page.mouse.click(a.x, a.y);
  await page.mouse.move(b.x - 20, b.y - 10);
  await page.mouse.click(b.x, b.y);
  await untilAsync(async () => (await attr(chart, 'data-trends')) !== '[]' && !!(await attr(chart, 'data-trends')), 'a trend line');
  assert.equal(await attr('[data-testid=trend-tool]', 'aria-pressed'), 'false', 'the tool ends with the line');
  const [[t1, p1, t2, p2]] = JSON.parse((await attr(chart, 'data-trends'))!) as number[][];
  assert.ok(t1 < t2 && t1 <= p0.lastTime + 60, `from ${t1} to ${t2}, on the chart's bars`);
  assert.ok(p1 > p2, 'drawn downwards: the first end is the higher price');
  const close = await num(chart, 'data-last-close');
  for (const p of [p1, p2]) {
    assert.ok(Math.abs(p - close) / close < 0.03, `${p} near the price ${close}`);
    assert.equal(Math.round(p * 20), Math.round(p * 20 * 1e6) / 1e6, `${p} on the ₹0.05 tick`);
  }
  // Drawn where it was clicked.
  const xy = async () => ((await attr(chart, 'data-trend-xy')) ?? '').split(';').filter(Boolean).map((s) => s.split(',').map(Number));
  await untilAsync(async () => (await xy()).length === 1, 'the line drawn');
  const [[x1, y1, x2, y2]] = await xy();
  // (Across: on the bar nearest the click, give or take a bar the view may have moved by since.)
  assert.ok(Math.abs(box.x + x1 - a.x) <= 12 && Math.abs(box.y + y1 - a.y) <= 8, `first end at ${x1},${y1}`);
  assert.ok(Math.abs(box.x + x2 - b.x) <= 12 && Math.abs(box.y + y2 - b.y) <= 8, `second end at ${x2},${y2}`);

  // Kept for the instrument across a reload.
  await page.reload();
  await chartsFilled(1, 60);
  await untilAsync(async () => (await attr(chart, 'data-trends')) === JSON.stringify([[t1, p1, t2, p2]]), 'the line after a reload');

  // At 5 minutes the same moments and prices: the first end is on the 5-minute bar holding t1.
  await page.click('[data-testid=interval-5m]');
  await untilAsync(async () => (await attr(pane(0), 'data-interval')) === '5m' && Number(await attr(chart, 'data-bars')) > 60, '5-minute bars');
  assert.equal(await attr(chart, 'data-trends'), JSON.stringify([[t1, p1, t2, p2]]));
  await untilAsync(async () => (await xy()).length === 1, 'the line drawn at 5m');
  const [[u1, v1, u2, v2]] = await xy();
  assert.ok(u2 - u1 < (x2 - x1) / 2, `shorter across at 5m (${u2 - u1}px) than at 1m (${x2 - x1}px)`);
  const legend = `${pane(0)} [data-testid=chart-legend]`;
  await page.mouse.move(box.x + box.width / 2, box.y - 40); // off the chart: the legend back on the live bar
  await untilAsync(async () => (await attr(legend, 'data-hover')) === '0', 'the legend on the live bar');
  // Off the chart the library's crosshair layers (each pane's and axis's second canvas) are hidden,
  // the drawn layers shown, and the line is still there: it is drawn on the pane's own layer.
  const layers = () => page.locator(chart).evaluate((el) => [...el.querySelectorAll('canvas')].map((c) => `${c.previousElementSibling?.tagName === 'CANVAS' ? 'top' : 'main'} ${getComputedStyle(c).visibility}`));
  const off = await layers();
  assert.ok(off.filter((l) => l.startsWith('top')).length >= 3, `crosshair layers: ${off.join(', ')}`);
  assert.deepEqual([...new Set(off)].sort(), ['main visible', 'top hidden']);
  const lineAt = (x: number, y: number) =>
    page.locator(chart).evaluate(
      (el, [px, py]) => {
        const r = el.getBoundingClientRect();
        const canvas = [...el.querySelectorAll('canvas')].find((c) => {
          const b = c.getBoundingClientRect();
          return c.previousElementSibling?.tagName !== 'CANVAS' && px >= b.left - r.left && px < b.right - r.left && py >= b.top - r.top && py < b.bottom - r.top;
        })!;
        const b = canvas.getBoundingClientRect();
        const dpr = canvas.width / b.width;
        const d = canvas.getContext('2d')!.getImageData(Math.round((px - (b.left - r.left)) * dpr) - 3, Math.round((py - (b.top - r.top)) * dpr) - 3, 7, 7).data;
        // The nearest colour to the dark theme's drawing colour (#f0b429) within 3 px.
        let best = Infinity;
        for (let i = 0; i < d.length; i += 4) best = Math.min(best, Math.abs(d[i] - 0xf0) + Math.abs(d[i + 1] - 0xb4) + Math.abs(d[i + 2] - 0x29));
        return best;
      },
      [x, y] as const,
    );
  // (Where the line is drawn, read again each time: the price scale follows live ticks.)
  const lineDrawn = async () => {
    const [[x1, y1, x2, y2]] = await xy();
    return (await lineAt((x1 + x2) / 2, (y1 + y2) / 2)) < 60;
  };
  await untilAsync(lineDrawn, "the line's colour at its middle with the pointer off the chart", 5000);
  // Under the pointer the crosshair layers are shown, and the crosshair is drawn on them (the
  // library hears the pointer once its layer is shown: Chromium's move after the layout change).
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.2);
  await untilAsync(async () => (await layers()).every((l) => l.endsWith('visible')), 'the crosshair layers under the pointer');
  const crosshairDrawn = () =>
    page.locator(chart).evaluate((el) =>
      [...el.querySelectorAll('canvas')]
        .filter((c) => c.previousElementSibling?.tagName === 'CANVAS')
        .some((c) => c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data.some((v, i) => i % 4 === 3 && v > 0)),
    );
  await untilAsync(crosshairDrawn, 'a crosshair drawn on the layers shown', 5000);
  await page.mouse.move(box.x + u1, box.y + box.height * 0.5);
  await untilAsync(async () => (await attr(legend, 'data-hover')) === '1', 'the crosshair on the line’s first end');
  await page.waitForTimeout(200);
  const hovered = await num(legend, 'data-time');
  assert.ok(Math.abs(hovered - (t1 - ((t1 + IST_S - OPEN_S) % 300))) <= 300, `the bar under the first end (${hovered}) holds ${t1}`);
  // The same prices: the ends are as high as the price axis puts p1 and p2 (the lower price lower down).
  assert.ok(v2 > v1, 'p2 below p1');

  // A click on the line picks it; Delete removes it (and not the watchlist's instrument).
  await page.mouse.click(box.x + (u1 + u2) / 2, box.y + (v1 + v2) / 2);
  await untilAsync(async () => !!(await attr(chart, 'data-trend-selected')), 'the line picked');
  await page.keyboard.press('Delete');
  await untilAsync(async () => (await attr(chart, 'data-trends')) === '[]', 'the line deleted');
  assert.equal(await page.locator('[data-testid=watch-row]').count(), rows, 'the watchlist keeps its rows');
  await page.reload();
  await chartsFilled(1, 60);
  assert.equal(await attr(chart, 'data-trends'), '[]', 'deleted for good');

  // Esc cancels a line half drawn; Alt+click on a line removes it.
  const box2 = (await page.locator(chart).boundingBox())!;
  await page.click('[data-testid=trend-tool]');
  await page.mouse.click(box2.x + box2.width * 0.5, box2.y + box2.height * 0.4);
  await page.keyboard.press('Escape');
  assert.equal(await attr('[data-testid=trend-tool]', 'aria-pressed'), 'false');
  await page.mouse.click(box2.x + box2.width * 0.6, box2.y + box2.height * 0.45);
  assert.equal(await attr(chart, 'data-trends'), '[]', 'no line from a cancelled start');
  await page.keyboard.press('t');
  await page.mouse.click(box2.x + box2.width * 0.4, box2.y + box2.height * 0.3);
  await page.mouse.click(box2.x + box2.width * 0.6, box2.y + box2.height * 0.3);
  await untilAsync(async () => JSON.parse((await attr(chart, 'data-trends')) ?? '[]').length === 1, 'a flat line');
  await page.keyboard.down('Alt');
  await page.mouse.click(box2.x + box2.width * 0.5, box2.y + box2.height * 0.3 + 2);
  await page.keyboard.up('Alt');
  await untilAsync(async () => (await attr(chart, 'data-trends')) === '[]', 'Alt+click removed it');
  assert.equal(await attr(chart, 'data-lines'), '', 'and drew no horizontal line');
  assert.deepEqual(errors, []);
});
