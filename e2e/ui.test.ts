// The workstation in a real browser (Debian's Chromium via playwright-core) against
// `tickdesk serve --demo`: search, add, chart, ladder, interval switch; what the screen shows is
// checked against the journal. Screenshots go to e2e/artifacts/ (not committed).
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ARTIFACTS, launchChromium, startServe } from './helpers';
import { Journal } from '../src/engine/store/journal';

const dir = mkdtempSync(join(tmpdir(), 'tickdesk-ui-'));
const journalPath = join(dir, 'ui.sqlite');

let serve: ChildProcess;
let url = '';
let browser: Browser;
let page: Page;

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  // A slow market (≈3 ticks/s per instrument) so "the same moment" is well defined.
  ({ child: serve, url } = await startServe(['--demo', '--journal', journalPath, '--rate', '300', '--seed', '21']));
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1440, height: 860 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  await page.waitForSelector('[data-testid=watch-row]');
  assert.deepEqual(errors, []);
});

after(async () => {
  await browser?.close();
  serve?.kill('SIGTERM');
});

async function attr(selector: string, name: string): Promise<string | null> {
  return page.locator(selector).first().getAttribute(name);
}

async function until(cond: () => Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('search and add an instrument; its chart and ladder go live', async () => {
  await page.fill('[data-testid=search-input]', 'sbin');
  await page.waitForSelector('[data-testid=search-result][data-symbol="NSE:SBIN"]');
  await page.click('[data-testid=search-result][data-symbol="NSE:SBIN"]');
  await page.waitForSelector('[data-testid=watch-row][data-symbol="NSE:SBIN"]');
  await page.click('[data-testid=watch-row][data-symbol="NSE:SBIN"]');
  await until(async () => (await page.textContent('[data-testid=chart-title]')) === 'NSE:SBIN', 'chart title');
  await until(async () => !!(await attr('[data-testid=ladder]', 'data-best-bid')), 'ladder');
  const bid0 = await attr('[data-testid=ladder]', 'data-ts');
  const close0 = `${await attr('[data-testid=chart]', 'data-last-time')}/${await attr('[data-testid=chart]', 'data-last-close')}`;
  await until(async () => (await attr('[data-testid=ladder]', 'data-ts')) !== bid0, 'a ladder update');
  await until(
    async () => `${await attr('[data-testid=chart]', 'data-last-time')}/${await attr('[data-testid=chart]', 'data-last-close')}` !== close0,
    'a chart update',
  );
  assert.equal(await attr('[data-testid=ladder]', 'data-levels'), '5');
  await page.screenshot({ path: join(ARTIFACTS, 'workstation.png') });
});

test('what the screen shows equals the journal at that moment, within one update', async () => {
  const j = new Journal(journalPath, { readonly: true });
  const sbin = j.findInstrument('NSE:SBIN')!;
  try {
    for (let round = 0; round < 5; round++) {
      const screen = await page.evaluate(() => {
        const ltp = document.querySelector('[data-testid=watch-row][data-symbol="NSE:SBIN"] [data-testid=watch-ltp]')!.getAttribute('data-ltp');
        const ladder = document.querySelector('[data-testid=ladder]') as HTMLElement;
        return { ltp: Number(ltp), bid: Number(ladder.dataset.bestBid), ask: Number(ladder.dataset.bestAsk), at: Date.now() };
      });
      await new Promise((r) => setTimeout(r, 400)); // the journal commits within 100 ms
      const recent = (
        j.db.prepare('SELECT ltp, bid, ask FROM ticks WHERE instrument_id = ? AND ts_received <= ? ORDER BY id DESC LIMIT 2').all(sbin.id, screen.at) as Array<{
          ltp: number;
          bid: number;
          ask: number;
        }>
      );
      assert.ok(recent.length > 0);
      // The watchlist (React) and the ladder (canvas) repaint on their own schedules: each must show
      // the latest tick or the one before it.
      const match = recent.some((t) => t.ltp === screen.ltp) && recent.some((t) => t.bid === screen.bid && t.ask === screen.ask);
      assert.ok(match, `round ${round}: screen ${JSON.stringify(screen)} vs journal ${JSON.stringify(recent)}`);
      await new Promise((r) => setTimeout(r, 300));
    }
  } finally {
    j.close();
  }
});

test('switching the interval reloads the chart in that interval', async () => {
  await page.click('[data-testid=interval-5m]');
  await until(async () => {
    const t = Number(await attr('[data-testid=chart]', 'data-last-time'));
    return t > 0 && (t + 19800) % 300 === 0;
  }, '5m bars');
  await page.click('[data-testid=interval-1s]');
  await until(async () => Number(await attr('[data-testid=chart]', 'data-bars')) > 3, 'several 1s bars');
  const legend = await page.textContent('[data-testid=chart-legend]');
  assert.match(legend!, /O \d+\.\d{2} H \d+\.\d{2} L \d+\.\d{2} C \d+\.\d{2} V/);
  await page.screenshot({ path: join(ARTIFACTS, 'interval-1s.png') });
});

test('layout persists across a reload', async () => {
  await page.reload();
  await page.waitForSelector('[data-testid=watch-row][data-symbol="NSE:SBIN"]');
  assert.equal(await page.textContent('[data-testid=chart-title]'), 'NSE:SBIN');
  assert.equal(await page.getAttribute('[data-testid=interval-1s]', 'class'), 'on');
  await until(async () => (await page.textContent('[data-testid=engine-connection]')) === 'engine connected', 'connected');
  await until(async () => /kite connected/.test((await page.textContent('[data-testid=statusbar]')) ?? ''), 'feed state');
});
