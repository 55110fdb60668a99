// The options desk's change in OI and the ladder's session volume in Chromium against `tickdesk
// serve --demo` (issue 13, items 6 and 7). The journal is prepared with the previous session's
// closing OI of two options, as an earlier recording would have left it: the chain shows those
// two against the journal and every other option against the simulator's previous close, each
// value exact (OI now − previous OI) and coloured by its sign. After a reload the ladder's volume
// column is the journal's whole session, not only what traded since the page opened. Screenshots
// of the chain at 1280×720, 1600×900 and 2560×1440 in e2e/artifacts/chain-oi-*.png.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { PreviousOi } from '../src/engine/analytics/prev-oi';
import { defaultUniverse, MarketModel } from '../src/engine/sim/market/market';
import { Journal } from '../src/engine/store/journal';
import { ARTIFACTS, launchChromium, startServe, untilAsync } from './helpers';

const dir = mkdtempSync(join(tmpdir(), 'tickdesk-chain-oi-'));
const journalPath = join(dir, 'j.sqlite');
const SIZES = [
  [1280, 720],
  [1600, 900],
  [2560, 1440],
] as const;

let serve: ChildProcess;
let url = '';
let browser: Browser;
/** The two options given a recorded previous close, by symbol, and that OI. */
const recorded = new Map<string, number>();
const universe = defaultUniverse();
const market = new MarketModel({ instruments: universe, seed: 13 });

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  // Yesterday's close, recorded: the NIFTY weekly's middle strike (near the money whatever the
  // simulator's spot does in the seconds between here and the server's start), both sides.
  const weekly = universe.filter((u) => u.name === 'NIFTY' && u.instrumentType === 'CE').map((u) => u.expiry!).sort()[0];
  const ces = universe.filter((u) => u.expiry === weekly && u.instrumentType === 'CE').sort((a, b) => a.strike! - b.strike!);
  const mid = ces[Math.floor(ces.length / 2)].strike!;
  const j = new Journal(journalPath);
  const w = PreviousOi.journalWindow(Date.now());
  for (const [type, oi] of [
    ['CE', 6_54_300],
    ['PE', 9_12_075],
  ] as const) {
    const u = universe.find((x) => x.expiry === weekly && x.strike === mid && x.instrumentType === type)!;
    const id = j.upsertInstrument({ broker: 'kite', token: String(u.token), exchange: 'NFO', segment: 'NFO-OPT', symbol: u.symbol, name: 'NIFTY', expiry: weekly, strike: mid, optionType: type, tickSize: 0.05, lotSize: u.lotSize });
    j.append({ instrumentId: id, tsExchange: w.to - 120_000, tsReceived: w.to - 120_000, ltp: 100, oi: oi - 7_500 });
    j.append({ instrumentId: id, tsExchange: w.to - 60_000, tsReceived: w.to - 60_000, ltp: 101, oi });
    recorded.set(u.symbol, oi);
  }
  j.close();
  ({ child: serve, url } = await startServe(['--demo', '--journal', journalPath, '--rate', '300', '--seed', '13']));
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  serve?.kill('SIGTERM');
});

async function openPage(size: readonly [number, number]): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: size[0], height: size[1] } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.stack ?? e.message));
  await page.goto(url);
  await page.waitForSelector('[data-testid=watch-row]');
  assert.deepEqual(errors, []);
  return page;
}

interface Cell {
  symbol: string;
  side: 'ce' | 'pe';
  oi: number;
  chg: string;
  text: string;
  cls: string;
  title: string;
}

/** Every side of every row, read at once (one render's values). */
function cells(page: Page): Promise<Cell[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('[data-testid=chain-row]')].flatMap((row) =>
      (['ce', 'pe'] as const).flatMap((side) => {
        const chg = row.querySelector(`[data-testid=chain-oichg-${side}]`) as HTMLElement | null;
        const oi = row.querySelector(`[data-testid=chain-oi-${side}]`) as HTMLElement | null;
        const add = row.querySelector(`[data-testid=chain-add-${side}]`) as HTMLElement | null;
        if (!chg || !oi || !add) return [];
        return [{ symbol: add.dataset.symbol!.replace(/^NFO:/, ''), side, oi: Number(oi.dataset.value), chg: chg.dataset.value!, text: chg.textContent!, cls: chg.className, title: chg.title }];
      }),
    ),
  );
}

/** "+1.23L" → 123000 (the shown precision), "-45.0K" → −45000, "950" → 950. */
function parseQty(text: string): number {
  const m = /^([+-]?)([\d,.]+)(K|L|Cr)?$/.exec(text);
  assert.ok(m, `a quantity: "${text}"`);
  const unit = { K: 1e3, L: 1e5, Cr: 1e7 }[m[3] as 'K' | 'L' | 'Cr'] ?? 1;
  return (m[1] === '-' ? -1 : 1) * Number(m[2].replaceAll(',', '')) * unit;
}

test('option chain: change in OI per side, exact, from the journal’s previous close for two options and the simulator’s for the rest', async () => {
  for (const size of SIZES) {
    const page = await openPage(size);
    await page.click('[data-testid=open-chain]');
    await page.waitForSelector('[data-testid=chain-row]');
    await untilAsync(async () => (await cells(page)).filter((c) => c.oi > 0).length >= 10, 'OI on the chain');
    const list = (await cells(page)).filter((c) => c.oi > 0);
    for (const c of list) {
      const u = universe.find((x) => x.symbol === c.symbol)!;
      const prev = recorded.get(c.symbol) ?? market.previousOi(u.token)!;
      const chg = c.oi - prev;
      assert.equal(Number(c.chg), chg, `${c.symbol}: OI ${c.oi} − previous close ${prev}`);
      // Shown in K / L / Cr with its sign, to three significant digits; green up, red down.
      const shown = parseQty(c.text);
      assert.ok(Math.abs(shown - chg) <= Math.max(0.5, Math.abs(chg) * 0.006), `${c.symbol}: "${c.text}" for ${chg}`);
      assert.equal(c.text.startsWith('+'), chg > 0 && c.text !== '0', c.text);
      assert.ok(chg > 0 ? /\bup\b/.test(c.cls) : chg < 0 ? /\bdown\b/.test(c.cls) : /\bdim\b/.test(c.cls), `${c.text}: ${c.cls}`);
      assert.match(c.title, recorded.has(c.symbol) ? /last OI recorded before the session/ : /simulator's previous close/);
    }
    assert.equal(list.filter((c) => recorded.has(c.symbol)).length, 2, 'both recorded options are on the chain');
    // The expiry's totals in the header.
    const total = page.locator('[data-testid=chain-oichg-total]');
    assert.match((await total.textContent())!, /^Chg OI CE [+-]?[\d.,]+(K|L|Cr)? PE [+-]?[\d.,]+(K|L|Cr)?( \(PCR \d+\.\d\d\))?$/);
    // The desk fits the window: no column cut off, no horizontal scroll.
    const fit = await page.evaluate(() => {
      const desk = document.querySelector('[data-testid=option-chain]') as HTMLElement;
      const table = desk.querySelector('table')!;
      const r = desk.getBoundingClientRect();
      return { deskRight: r.right, deskLeft: r.left, tableWidth: table.scrollWidth, deskWidth: desk.clientWidth, vw: window.innerWidth };
    });
    assert.ok(fit.deskLeft >= 0 && fit.deskRight <= fit.vw, JSON.stringify(fit));
    assert.ok(fit.tableWidth <= fit.deskWidth, `the table fits the desk: ${JSON.stringify(fit)}`);
    await page.screenshot({ path: join(ARTIFACTS, `chain-oi-${size[0]}x${size[1]}.png`) });
    await page.close();
  }
});

interface Vap {
  total: number;
  cum: number;
  from: number;
  since: number;
}

function vap(page: Page): Promise<Vap> {
  return page.evaluate(() => {
    const d = (document.querySelector('[data-testid=ladder]') as HTMLCanvasElement).dataset;
    return { total: Number(d.vapTotal), cum: Number(d.vapCum), from: Number(d.vapFrom), since: Number(d.vapSince) };
  });
}

test('ladder: after a reload the volume column is the journal’s whole session, to the trade', async () => {
  const page = await openPage([1600, 900]);
  await page.fill('[data-testid=search-input]', 'sbin');
  await page.click('[data-testid=search-result][data-symbol="NSE:SBIN"]');
  await page.click('[data-testid=watch-row][data-symbol="NSE:SBIN"]');
  await untilAsync(async () => (await vap(page)).total > 0, 'volume at price');
  await page.waitForTimeout(3000);
  const reloadedAt = Date.now();
  await page.reload();
  await page.waitForSelector('[data-testid=watch-row][data-symbol="NSE:SBIN"]');
  await page.click('[data-testid=watch-row][data-symbol="NSE:SBIN"]');
  await untilAsync(async () => (await vap(page)).from > 0 && (await vap(page)).cum > 0, 'the session loaded');
  await page.waitForTimeout(1500); // live trades on top of it
  const v = await vap(page);
  await page.waitForTimeout(300); // the journal commits within 100 ms
  const j = new Journal(journalPath, { readonly: true });
  try {
    const id = j.findInstrument('NSE:SBIN')!.id;
    const q = (sql: string) => j.db.prepare(sql).get(id, v.from, v.cum) as { v: number; first: number };
    // Every trade of the session up to the one the ladder counted last (the day's cumulative
    // volume it shows as data-vap-cum): summed and first, straight from the journal.
    const s = q(`SELECT SUM(COALESCE(vol_delta, ltq, 0)) AS v, MIN(ts_exchange) AS first FROM ticks
      WHERE instrument_id = ? AND ts_exchange >= ? AND volume <= ? AND (vol_delta IS NULL OR vol_delta != 0)`);
    assert.equal(v.total, s.v, `the ladder's session volume ${v.total}, the journal's ${s.v}`);
    assert.equal(v.since, s.first, 'counted from the session’s first trade');
    assert.ok(v.since < reloadedAt - 3000, 'the trades before the reload are in it');
  } finally {
    j.close();
  }
  assert.match((await page.textContent('[data-testid=ladder-stats]'))!, / · vol since \d\d:\d\d$/);
  await page.screenshot({ path: join(ARTIFACTS, 'ladder-session-volume.png') });
  await page.close();
});
