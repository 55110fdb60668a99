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
import { ARTIFACTS, launchChromium, startServe, untilAsync } from './helpers';
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

const until = untilAsync;

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

test('option chain: underlying → expiry → strikes around the money; one click adds a contract to the watchlist', async () => {
  await page.click('[data-testid=open-chain]');
  await page.waitForSelector('[data-testid=chain-row]');
  assert.match((await page.locator('[data-testid=chain-underlying] option:checked').textContent())!, /^NIFTY \(NFO\)$/);
  const strikes = (await page.locator('[data-testid=chain-row]').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-strike')))));
  assert.equal(strikes.length, 21, '10 strikes each side of the money');
  assert.deepEqual(strikes, [...strikes].sort((a, b) => a - b));
  // The ATM row is the strike nearest the NIFTY 50 spot shown.
  await until(async () => Number(await attr('[data-testid=chain-spot]', 'data-spot')) > 0, 'spot');
  const spot = Number(await attr('[data-testid=chain-spot]', 'data-spot'));
  const atm = Number(await attr('[data-testid=chain-row].atm', 'data-strike'));
  assert.ok(strikes.every((k) => Math.abs(k - spot) >= Math.abs(atm - spot)), `ATM ${atm} nearest spot ${spot}`);
  // Prices for both sides.
  await until(async () => (await page.locator('[data-testid=chain-row].atm [data-testid=chain-ltp-ce]').textContent())!.trim() !== '—', 'CE price');
  // The engine's analytics: IV and delta at the money, the model and PCR in the header, ITM shaded.
  await until(async () => Number(await page.locator('[data-testid=chain-row].atm [data-testid=chain-iv-ce]').textContent()) > 0, 'ATM IV');
  const ivCe = Number(await page.locator('[data-testid=chain-row].atm [data-testid=chain-iv-ce]').textContent());
  const deltaCe = Number(await page.locator('[data-testid=chain-row].atm [data-testid=chain-delta-ce]').textContent());
  const deltaPe = Number(await page.locator('[data-testid=chain-row].atm [data-testid=chain-delta-pe]').textContent());
  assert.ok(ivCe > 1 && ivCe < 200, `ATM CE IV ${ivCe} %`);
  assert.ok(deltaCe > 0.2 && deltaCe < 0.8 && deltaPe < -0.2 && deltaPe > -0.8, `ATM deltas ${deltaCe} / ${deltaPe}`);
  assert.match((await page.textContent('[data-testid=chain-stats]'))!, /^(Black-76 on the future|Black-Scholes on spot) [\d,.]+.*PCR [\d.]+.*max pain \d+/);
  const itm = await page.locator('[data-testid=chain-row]').evaluateAll((rows) =>
    rows.map((r) => [Number(r.getAttribute('data-strike')), r.querySelector('[data-testid=chain-ltp-ce]')?.classList.contains('itm'), r.querySelector('[data-testid=chain-ltp-pe]')?.classList.contains('itm')]),
  );
  const lowest = itm[0];
  const highest = itm[itm.length - 1];
  assert.deepEqual([lowest[1], lowest[2], highest[1], highest[2]], [true, false, false, true], 'deep strikes: the low CE and the high PE are in the money');
  const ce = (await attr('[data-testid=chain-row].atm [data-testid=chain-add-ce]', 'data-symbol'))!;
  const pe = (await attr('[data-testid=chain-row].atm [data-testid=chain-add-pe]', 'data-symbol'))!;
  assert.match(ce, /^NFO:NIFTY\w+CE$/);
  assert.match(pe, /^NFO:NIFTY\w+PE$/);
  await page.click('[data-testid=chain-row].atm [data-testid=chain-add-ce]');
  await page.click('[data-testid=chain-row].atm [data-testid=chain-add-pe]');
  await page.waitForSelector(`[data-testid=watch-row][data-symbol="${ce}"]`);
  await page.waitForSelector(`[data-testid=watch-row][data-symbol="${pe}"]`);
  assert.equal(await page.locator('[data-testid=chain-row].atm [data-testid=chain-add-ce]').textContent(), '✓');
  await page.screenshot({ path: join(ARTIFACTS, 'option-chain.png') });
  await page.click('[data-testid=open-chain]');
  assert.equal(await page.locator('[data-testid=option-chain]').count(), 0);
});

test('History on the chart: a progress bar while the broker history loads, then the chart carries it', async () => {
  await page.click('[data-testid=watch-row][data-symbol="NSE:INFY"]');
  await page.click('[data-testid=interval-5m]');
  await until(async () => (await attr('[data-testid=chart]', 'data-bars')) !== null, 'chart loaded');
  await page.click('[data-testid=backfill]');
  await page.waitForSelector('[data-testid=backfill-status]');
  await until(async () => (await attr('[data-testid=backfill-status]', 'data-done')) === '1', 'backfill finished', 30_000);
  const status = (await page.textContent('[data-testid=backfill-status]'))!;
  const candles = Number(/([\d,]+) candles/.exec(status)![1].replace(/,/g, ''));
  assert.ok(candles > 1000, `30 days of 5m candles: ${status}`);
  // History and the bars recorded here, each bucket once (during market hours they meet at the seam).
  await until(async () => Number(await attr('[data-testid=chart]', 'data-bars')) >= candles, `the chart shows the history: now ${await attr('[data-testid=chart]', 'data-bars')} bars, ${candles} candles fetched`);
  await page.screenshot({ path: join(ARTIFACTS, 'backfill.png') });
  // In the journal: the backfilled candles joined to the recorded ones, each bucket once.
  const j = new Journal(journalPath, { readonly: true });
  const infy = j.findInstrument('NSE:INFY', 'kite')!;
  const bars = j.chartCandles(infy.id, '5m', Date.now() - 31 * 86400_000, Date.now() + 60_000);
  j.close();
  assert.equal(new Set(bars.map((b) => b.t)).size, bars.length);
  assert.ok(bars.length >= candles);
});
