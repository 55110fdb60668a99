// How the page starts (issue 14's first candle): a small first script that connects to the engine
// before React, the chart library and the panels have run; the workstation's chunk asked for from
// the HTML beside it, not after it; every script and style gzipped by `tickdesk serve`.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium, startServe, untilAsync } from './helpers';

let serve: ChildProcess;
let browser: Browser;
let url: string;

before(async () => {
  ({ child: serve, url } = await startServe(['--demo', '--rate', '300', '--seed', '5']));
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  serve?.kill('SIGTERM');
});

test('the engine connection opens before React runs; the chunk comes with the HTML; scripts gzipped', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  // Written as a string: the page gets it as is (no helpers of this file's compiler).
  await page.addInitScript({
    content: `(() => {
      const order = (window.__order = []);
      const WS = window.WebSocket;
      window.WebSocket = class extends WS {
        constructor(...a) {
          super(...a);
          // React marks its root container when createRoot runs (in the workstation's chunk).
          const root = document.getElementById('root');
          order.push(root && Object.keys(root).some((k) => k.startsWith('__reactContainer')) ? 'ws after React' : 'ws before React');
          window.__wsAt ??= performance.now();
        }
      };
    })()`,
  });
  const responses: Array<{ url: string; encoding: string | undefined; type: string }> = [];
  page.on('response', (r) => responses.push({ url: r.url(), encoding: r.headers()['content-encoding'], type: r.headers()['content-type'] ?? '' }));
  await page.goto(url);
  await untilAsync(async () => Number((await page.locator('[data-testid=chart]').first().getAttribute('data-bars')) ?? 0) >= 1, 'a candle', 30_000);

  assert.deepEqual(await page.evaluate(() => (window as unknown as { __order: string[] }).__order), ['ws before React']);

  const html = await (await page.request.get(url)).text();
  const entry = /<script type="module" crossorigin src="\.\/(assets\/[^"]+\.js)"/.exec(html)?.[1];
  const chunk = /<link rel="modulepreload" crossorigin href="\.\/(assets\/App-[^"]+\.js)"/.exec(html)?.[1];
  assert.ok(entry && chunk, html);
  // The first script carries the connection and the stores, not React's renderer or the chart library.
  const entryJs = await (await page.request.get(new URL(entry, url).href)).text();
  assert.ok(entryJs.length < 100_000, `first script ${entryJs.length} bytes`);
  assert.doesNotMatch(entryJs, /lightweight-charts|TradingView/i);
  // Asked for from the HTML, the chunk's request starts before the first script runs (which opens
  // the socket, then asks for the chunk itself with import()).
  const { chunkAt, wsAt } = await page.evaluate((file) => ({
    chunkAt: performance.getEntriesByType('resource').find((e) => e.name.endsWith(file))!.startTime,
    wsAt: (window as unknown as { __wsAt: number }).__wsAt,
  }), chunk);
  assert.ok(chunkAt < wsAt, `the workstation's chunk asked for at ${chunkAt.toFixed(0)} ms, the socket opened at ${wsAt.toFixed(0)} ms`);

  const assets = responses.filter((r) => /\/assets\/.+\.(js|css)$/.test(r.url));
  assert.ok(assets.length >= 3, assets.map((a) => a.url).join(', '));
  for (const a of assets) assert.equal(a.encoding, 'gzip', `${a.url} (${a.type})`);
  await page.close();
});

test('a search typed before the engine connection is up is answered once it is, without typing again', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  // The page's socket to the engine is held back (as while `serve` is still starting the engine).
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  await page.routeWebSocket(/\/bridge/, async (ws) => {
    await released;
    ws.connectToServer();
  });
  await page.goto(url);
  await page.fill('[data-testid=search-input]', 'infy');
  await page.waitForTimeout(500);
  assert.equal(await page.locator('[data-testid=search-result]').count(), 0, 'no engine yet: no results');
  release();
  await untilAsync(async () => (await page.locator('[data-testid=search-result][data-symbol="NSE:INFY"]').count()) > 0, 'INFY found once connected', 15_000);
  assert.equal(await page.inputValue('[data-testid=search-input]'), 'infy');
  await page.close();
});
