// The status bar names the pipeline's rejects (issue 10): a count whose tooltip gives the reasons and
// the worst instruments, and on click a popover listing every reason, band moves, and the instruments
// with the most rejects. Ticks enter the engine's real pipeline; the page is the real renderer.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { startUiServer, type UiServer } from '../src/engine/bridge/http';
import { Recorder } from '../src/engine/recorder';
import { EngineService } from '../src/engine/service';
import { defaultUniverse } from '../src/engine/sim/market/market';
import { buildRenderer, RENDERER_OUT, rendererIsStale } from '../src/engine/ui-build';
import { ARTIFACTS, launchChromium, untilAsync } from './helpers';

let recorder: Recorder | undefined;
let service: EngineService | undefined;
let server: UiServer | undefined;
let browser: Browser | undefined;
after(async () => {
  await browser?.close();
  await server?.close();
  service?.stop();
  await recorder?.stop();
});

test('status bar: rejects by reason and by instrument, in the tooltip and the popover', async () => {
  if (rendererIsStale()) await buildRenderer();
  // The simulator provides the instruments and their snapshots only (rate 0): the test is the market.
  const universe = defaultUniverse({ optionStrikes: 2 }).filter((u) => u.segment === 'NSE');
  recorder = new Recorder({
    broker: 'sim',
    journalPath: join(mkdtempSync(join(tmpdir(), 'tickdesk-ui-rejects-')), 'j.sqlite'),
    instruments: 'all',
    mode: 'full',
    sim: { ticksPerSecond: 0, seed: 1, instruments: universe },
  });
  await recorder.start();
  const rec = recorder;
  await untilAsync(async () => rec.pipeline.stats.accepted >= universe.length, 'the snapshots');
  service = new EngineService(rec);
  service.start();
  server = await startUiServer({ service, staticDir: RENDERER_OUT, port: 0 });
  browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1440, height: 860 } });
  await page.goto(server.url);
  const badge = '[data-testid=rejects]';
  await page.waitForSelector(badge);
  assert.equal((await page.textContent(badge))!.trim(), 'rejects 0');
  assert.equal(await page.getAttribute(badge, 'title'), 'No ticks rejected');

  const infy = rec.journal.findInstrument('NSE:INFY', 'kite')!;
  const sbin = rec.journal.findInstrument('NSE:SBIN', 'kite')!;
  const sbinPx = universe.find((u) => u.symbol === 'SBIN')!.basePrice;
  const now = Date.now();
  const send = (id: number, ltp: number, tsExchange = now) => rec.pipeline.ingest({ instrumentId: id, tsExchange, tsReceived: now, ltp });
  send(infy.id, NaN);
  send(infy.id, Infinity);
  send(infy.id, 1850, now + 3600_000);
  for (let k = 0; k < 4; k++) send(sbin.id, sbinPx * 2);
  await untilAsync(async () => (await page.getAttribute(badge, 'data-rejects')) === '7', 'the status with 7 rejects');
  assert.equal((await page.textContent(badge))!.trim(), 'rejects 7');
  assert.equal(await page.getAttribute(badge, 'title'), ['7 ticks rejected: price band 4, non-finite price 2, timestamp 1', 'NSE:SBIN: 4 (price band 4)', 'NSE:INFY: 3 (non-finite price 2, timestamp 1)'].join('\n'));

  // SBIN really did double (five agreeing prices refused, the sixth moves its band); one more at the new level.
  send(sbin.id, sbinPx * 2);
  assert.equal(send(sbin.id, sbinPx * 2), true);
  assert.equal(send(sbin.id, sbinPx * 2 + 0.05), true);
  await untilAsync(async () => (await page.getAttribute(badge, 'data-rejects')) === '8', 'the status with 8 rejects');
  await page.click(badge);
  await page.waitForSelector('[data-testid=rejects-popover]');
  const cells = (sel: string) => page.$$eval(sel, (rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent)));
  assert.deepEqual(await cells('[data-testid=rejects-by-reason] tr'), [
    ['price band', '5'],
    ['timestamp', '1'],
    ['non-finite price', '2'],
    ['band re-anchored', '1'],
  ]);
  assert.deepEqual(await cells('[data-testid=rejects-by-instrument] tbody tr'), [
    ['NSE:SBIN', '5', 'price band 5; band re-anchored 1×'],
    ['NSE:INFY', '3', 'non-finite price 2, timestamp 1'],
  ]);
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'rejects-popover.png') });
  await page.click('[data-testid=rejects-popover] .close');
  assert.equal(await page.$('[data-testid=rejects-popover]'), null);
});
