// UI benches in headless Chromium, driven through the real live path: ticks enter the engine's
// pipeline, cross the bridge (WebSocket), and are drawn by the real renderer. Both run with the
// workstation as a trader loads it: four charts (2×2, linked: the instrument at four intervals),
// each with every indicator on.
//  A. frame work: the ladder at 200 levels updating 20×/s while the charts take 1,000 ticks/s, the
//     option chain open over them
//     (main-thread busy time per frame, from a Chromium trace).
//  B. tick-to-screen latency at 10,000 ticks/s over 200 instruments (engine ingest → the watchlist
//     cell shows the price, at the next animation frame).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startUiServer } from '../src/engine/bridge/http';
import type { PageCoalescer } from '../src/engine/bridge/page-coalescer';
import { Recorder } from '../src/engine/recorder';
import { EngineService } from '../src/engine/service';
import { defaultUniverse } from '../src/engine/sim/market/market';
import { buildRenderer, RENDERER_OUT, rendererIsStale } from '../src/engine/ui-build';
import type { Quote } from '../src/shared/api';
import { DEPTH_FIELDS, type Instrument, type Tick } from '../src/shared/model';

/** Every indicator of the chart's menu (features/chart/indicator-plots.ts CHART_INDICATORS). */
const ALL_INDICATORS = ['vwap', 'ema20', 'sma50', 'bb20', 'st10', 'rsi14', 'macd'];
/** BENCH_UI_CHARTS=1: one chart without indicators (what the page cost before the grid), to compare on the same machine. */
const ONE_CHART = process.env.BENCH_UI_CHARTS === '1';

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
/**
 * BENCH_UI_SPLIT=1: part B's latency in stages, for the first quote of each message the page
 * receives: ingest → the bridge sends it, → the page's handler starts, → the handler is done, → on screen.
 */
const SPLIT = process.env.BENCH_UI_SPLIT === '1';
/** BENCH_UI_PART=a or b: only that part (while profiling one of them). */
const PART = process.env.BENCH_UI_PART ?? 'ab';
const drainedAt = new Map<string, number>();

/**
 * BENCH_UI_RENDERER=/path/to/built/renderer: serve that build instead of out/renderer (two builds,
 * e.g. a change and its base, measured back to back on the same machine).
 */
const RENDERER_DIR = process.env.BENCH_UI_RENDERER;

/** PROFILE_DIR=/tmp/p: the page's CPU profile of each part (ui-a.cpuprofile, ui-b.cpuprofile), for a summary by self time. */
const PROFILE_DIR = process.env.PROFILE_DIR;

async function startProfile(page: Page): Promise<(() => Promise<void>) | null> {
  if (!PROFILE_DIR) return null;
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  return async () => {
    const { profile } = await cdp.send('Profiler.stop');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(PROFILE_DIR, `ui-${page === profiled.a ? 'a' : 'b'}.cpuprofile`), JSON.stringify(profile));
    await cdp.detach();
  };
}
const profiled: { a?: Page } = {};

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

/** With PROFILE_DIR: the renderer built unminified (names kept) beside the profiles, so they read by function. */
async function readableRenderer(dir: string): Promise<string> {
  const { build } = await import('vite');
  const react = (await import('@vitejs/plugin-react')).default;
  const outDir = join(dir, 'renderer');
  // lightweight-charts ships minified; its development build has the same code with names.
  const charts = join(import.meta.dirname, '../node_modules/lightweight-charts/dist/lightweight-charts.development.mjs');
  await build({
    root: join(import.meta.dirname, '../src/renderer'),
    base: './',
    logLevel: 'warn',
    plugins: [react()],
    resolve: { alias: { 'lightweight-charts': charts } },
    build: { outDir, emptyOutDir: true, minify: false },
  });
  return outDir;
}

async function setup() {
  if (!PROFILE_DIR && !RENDERER_DIR && rendererIsStale()) await buildRenderer();
  const staticDir = PROFILE_DIR ? await readableRenderer(PROFILE_DIR) : (RENDERER_DIR ?? RENDERER_OUT);
  const dir = mkdtempSync(join(tmpdir(), 'tickdesk-uibench-'));
  // The simulator only provides the instrument master here (rate 0): the bench is the market.
  const recorder = new Recorder({
    broker: 'sim',
    journalPath: join(dir, 'j.sqlite'),
    instruments: 'all',
    mode: 'full',
    sim: { ticksPerSecond: 0, seed: 1, instruments: defaultUniverse({ optionStrikes: 100 }) },
  });
  await recorder.start();
  const service = new EngineService(recorder);
  service.start();
  if (SPLIT) {
    // When the bridge took each quote to send it (its coalescer drained), by "instrumentId|ltp".
    const attach = service.attachPage.bind(service);
    service.attachPage = (page) => {
      const coalescer = page as PageCoalescer;
      const drain = coalescer.drain.bind(coalescer);
      coalescer.drain = () => {
        const events = drain();
        const now = Date.now();
        for (const e of events) if (e.event === 'quotes') for (const q of e.data as Quote[]) drainedAt.set(`${q.instrumentId}|${q.ltp}`, now);
        return events;
      };
      attach(page);
    };
  }
  const server = await startUiServer({ service, staticDir, port: 0 });
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ARGS });
  const close = async () => {
    await browser.close();
    await server.close();
    service.stop();
    await recorder.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  return { recorder, server, browser, close, instruments: recorder.journal.instruments().filter((i) => i.segment !== 'INDICES') };
}

/** The page with `watch` in its watchlist and four charts of `selected` at `intervals`, every indicator on. */
async function openPage(browser: Browser, url: string, watch: Instrument[], selected: Instrument, intervals: string[]) {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const layout = {
    state: { watchlist: watch.map((i) => i.id), selectedId: selected.id, interval: intervals[0], instruments: Object.fromEntries(watch.map((i) => [i.id, i])) },
    version: 0,
  };
  const key = `${selected.exchange}:${selected.symbol}`;
  const charts = {
    state: { grid: ONE_CHART ? 1 : 4, linked: true, focused: 0, slots: intervals.map((interval) => ({ instrumentId: selected.id, key, interval, indicators: ONE_CHART ? [] : ALL_INDICATORS })) },
    version: 1,
  };
  await page.addInitScript(
    ([l, c]) => {
      localStorage.setItem('tickdesk.layout.v1', JSON.stringify(l));
      localStorage.setItem('tickdesk.charts.v1', JSON.stringify(c));
    },
    [layout, charts] as const,
  );
  if (SPLIT)
    await page.addInitScript(() => {
      const w = window as unknown as { __recv: number[][] };
      w.__recv = [];
      const add = WebSocket.prototype.addEventListener;
      WebSocket.prototype.addEventListener = function (this: WebSocket, type: string, fn: EventListenerOrEventListenerObject, opts?: boolean | AddEventListenerOptions) {
        if (type !== 'message' || typeof fn !== 'function') return add.call(this, type, fn, opts);
        return add.call(
          this,
          type,
          function (this: WebSocket, e: Event) {
            const t0 = Date.now();
            fn.call(this, e);
            const m = /"instrumentId":(\d+),"ts":\d+,"ltp":([\d.]+)/.exec(String((e as MessageEvent).data).slice(0, 300));
            if (m) w.__recv.push([Number(m[1]), Number(m[2]), t0, Date.now()]);
          },
          opts,
        );
      } as typeof add;
    });
  await page.goto(url);
  await page.waitForSelector('[data-testid=watch-row]');
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=chart][data-indicators]').length === n, ONE_CHART ? 1 : 4);
  await page.waitForTimeout(1000);
  return page;
}

/** "4 charts (1s, 1m, 5m, 15m), 7 indicators each": what the page shows, read back from it. */
async function chartsShown(page: Awaited<ReturnType<typeof openPage>>): Promise<string> {
  const shown = await page.$$eval('[data-testid=chart-pane]', (els) =>
    els.map((p) => ({ interval: p.getAttribute('data-interval'), indicators: (p.querySelector('[data-testid=chart]')?.getAttribute('data-indicators') ?? '').split(',').filter(Boolean).length })),
  );
  return `${shown.length} chart${shown.length > 1 ? 's' : ''} (${shown.map((s) => s.interval).join(', ')}), ${[...new Set(shown.map((s) => s.indicators))].join('/')} indicators each`;
}

function book200(mid: number, tick: number, seq: number): Float64Array {
  const n = 200;
  const b = new Float64Array(n * DEPTH_FIELDS);
  for (let i = 0; i < n; i++) {
    b[i] = Math.round((mid - tick * (i + 1)) * 100) / 100;
    b[n + i] = 10 + ((i * 7 + seq) % 90);
    b[2 * n + i] = 1 + ((i + seq) % 9);
    b[3 * n + i] = Math.round((mid + tick * (i + 1)) * 100) / 100;
    b[4 * n + i] = 10 + ((i * 11 + seq) % 90);
    b[5 * n + i] = 1 + ((i * 3 + seq) % 9);
  }
  return b;
}

/** Runs `fn(k)` `perSecond` times a second in 10 ms batches for `ms`. */
async function drive(perSecond: number, ms: number, fn: (k: number) => void): Promise<number> {
  let k = 0;
  const start = Date.now();
  while (Date.now() - start < ms) {
    const due = Math.floor(((Date.now() - start) * perSecond) / 1000);
    while (k < due) fn(k++);
    await new Promise((r) => setTimeout(r, 10));
  }
  return k;
}

interface TraceEvent {
  name: string;
  ph: string;
  ts: number;
  dur?: number;
  /** Thread (CPU) time of the event, µs. */
  tdur?: number;
  pid: number;
  tid: number;
  args?: { name?: string };
}

/**
 * Main-thread work per 60 Hz frame of the page's renderer, from a Chromium trace (ms): the sum of
 * its top-level tasks' CPU time (`tdur`), or their wall time with `wall`. The tasks are the
 * scheduler's (`ThreadControllerImpl::RunTask`, category `toplevel`), present in every trace.
 */
function frameWork(trace: { traceEvents: TraceEvent[] }, wall = false): number[] {
  const ev = trace.traceEvents;
  const mains = new Set(ev.filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`));
  const tasksBy = new Map<string, TraceEvent[]>();
  for (const e of ev) {
    if (e.ph !== 'X' || e.name !== 'ThreadControllerImpl::RunTask') continue;
    const key = `${e.pid}:${e.tid}`;
    if (!mains.has(key)) continue;
    let list = tasksBy.get(key);
    if (!list) tasksBy.set(key, (list = []));
    list.push(e);
  }
  // The page's main thread is the busiest renderer main thread.
  const tasks = [...tasksBy.values()].sort((a, b) => b.length - a.length)[0] ?? [];
  if (tasks.length === 0) return [];
  tasks.sort((a, b) => a.ts - b.ts);
  const frameUs = 1e6 / 60;
  const t0 = tasks[0].ts;
  const busy = new Map<number, number>();
  for (const t of tasks) {
    const f = Math.floor((t.ts - t0) / frameUs);
    busy.set(f, (busy.get(f) ?? 0) + ((wall ? t.dur : (t.tdur ?? t.dur)) ?? 0) / 1000);
  }
  const last = Math.floor((tasks.at(-1)!.ts - t0) / frameUs);
  const out: number[] = [];
  for (let f = 0; f <= last; f++) out.push(busy.get(f) ?? 0);
  return out;
}

/**
 * What the trace records. Measuring, only the scheduler's top-level tasks: DevTools' timeline
 * categories add their own work to the page's main thread (a DOM census and counters every frame,
 * an event per call), some 15 % of part A's frame work on this machine, which is the trace's and
 * not the page's. With TRACE_OUT / TRACE_OUT_B (a trace to read in DevTools), the timeline too:
 * those runs' numbers include its cost.
 */
function traceCategories(out: string | undefined): string[] {
  return out ? ['toplevel', 'devtools.timeline', 'disabled-by-default-devtools.timeline'] : ['toplevel'];
}

/** BENCH_UI_SPLIT: p50 / p99 of each stage of part B's latency. */
async function splitLatency(page: Page, injectedAt: Map<string, number>, symbolOf: Map<number, string>, shown: Array<[string, string, number]>): Promise<string> {
  const recv = await page.evaluate(() => (window as unknown as { __recv: number[][] }).__recv);
  const shownAt = new Map(shown.map(([sym, ltp, at]) => [`${sym}|${Number(ltp)}`, at]));
  const stages: Record<string, number[]> = { 'ingest → sent': [], 'sent → handler starts': [], 'handler': [], 'handler done → on screen': [] };
  for (const [id, ltp, start, done] of recv) {
    const key = `${symbolOf.get(id)}|${ltp}`;
    const inj = injectedAt.get(key);
    const sent = drainedAt.get(`${id}|${ltp}`);
    const seen = shownAt.get(key);
    if (inj === undefined || sent === undefined || seen === undefined) continue;
    stages['ingest → sent'].push(sent - inj);
    stages['sent → handler starts'].push(start - sent);
    stages['handler'].push(done - start);
    stages['handler done → on screen'].push(seen - done);
  }
  return Object.entries(stages)
    .map(([k, v]) => {
      v.sort((a, b) => a - b);
      return `    ${k.padEnd(26)} p50 ${pct(v, 50)} ms, p99 ${pct(v, 99)} ms  (${v.length} messages)`;
    })
    .join('\n');
}

export async function benchUi(): Promise<void> {
  const env = await setup();
  try {
    if (PART.includes('a')) await frameWorkPart(env);
    if (PART.includes('b')) await latencyPart(env);
  } finally {
    await env.close();
  }
}

// --- A: frame work -------------------------------------------------------------------
async function frameWorkPart(env: Awaited<ReturnType<typeof setup>>): Promise<void> {
  const { recorder, server, browser } = env;
  const infy = env.instruments.find((i) => i.symbol === 'INFY')!;
  const page = await openPage(browser, server.url, [infy], infy, ['1s', '1m', '5m', '15m']);
  const chartsA = await chartsShown(page);
  // The options desk open over the charts (its first underlying, refreshed from the engine every 2 s).
  await page.click('[data-testid=open-chain]');
  await page.waitForSelector('[data-testid=chain-row]');
  const chainA = await page.$eval('[data-testid=chain-underlying]', (el) => (el as HTMLSelectElement).selectedOptions[0]?.textContent ?? '');
  let px = 1850;
  let vol = 0;
  const inject = (k: number) => {
    px = Math.max(1000, Math.round((px + (k % 7 === 0 ? 0.05 : -0.05) * (k % 3 === 0 ? -1 : 1)) * 100) / 100);
    vol += 5;
    const now = Date.now();
    const t: Tick = { instrumentId: infy.id, tsExchange: now, tsReceived: now, ltp: px, ltq: 5, volume: vol, close: 1840 };
    if (k % 50 === 0) t.depth5 = book200(px, 0.05, k); // 20 book updates a second at 1,000 ticks/s
    recorder.pipeline.ingest(t);
  };
  await drive(1000, 1500, inject); // warm up
  profiled.a = page;
  const stopProfileA = await startProfile(page);
  await browser.startTracing(page, { categories: traceCategories(process.env.TRACE_OUT) });
  const sent = await drive(1000, 8000, inject);
  const trace = JSON.parse((await browser.stopTracing()).toString()) as { traceEvents: TraceEvent[] };
  await stopProfileA?.();
  const levels = await page.getAttribute('[data-testid=ladder]', 'data-levels');
  const frames = frameWork(trace).sort((a, b) => a - b);
  const wallFrames = frameWork(trace, true).sort((a, b) => a - b);
  if (process.env.TRACE_OUT) (await import('node:fs')).writeFileSync(process.env.TRACE_OUT, JSON.stringify(trace));
  await page.close();
  console.log(`\nUI frame work (headless Chromium): ladder at ${levels} levels updating 20×/s, ${chartsA} at ${Math.round(sent / 8)} ticks/s, the option chain open (${chainA})`);
  console.log(`  main-thread CPU per frame  p50 ${pct(frames, 50).toFixed(2)} ms, p95 ${pct(frames, 95).toFixed(2)} ms, p99 ${pct(frames, 99).toFixed(2)} ms  (target p95 ≤ 8 ms; ${frames.length} frames)`);
  console.log(`  main-thread wall per frame p50 ${pct(wallFrames, 50).toFixed(2)} ms, p95 ${pct(wallFrames, 95).toFixed(2)} ms  (software compositing, engine on the same 2 cores)`);
}

// --- B: tick-to-screen latency -------------------------------------------------------
async function latencyPart(env: Awaited<ReturnType<typeof setup>>): Promise<void> {
  const { recorder, server, browser } = env;
  const watch = env.instruments.slice(0, 200);
  const page2 = await openPage(browser, server.url, watch, watch[0], ['1m', '5m', '15m', '1h']);
  const chartsB = await chartsShown(page2);
  await page2.evaluate(() => {
    const w = window as unknown as { __shown: Array<[string, string, number]> };
    w.__shown = [];
    const pending: Array<[string, string]> = [];
    let scheduled = false;
    new MutationObserver((records) => {
      for (const r of records) {
        const el = r.target as HTMLElement;
        const row = el.closest('[data-symbol]') as HTMLElement | null;
        if (row && r.attributeName === 'data-ltp') pending.push([row.dataset.symbol!, el.getAttribute('data-ltp')!]);
      }
      if (!scheduled) {
        scheduled = true;
        // On screen = painted: the next animation frame after the DOM changed.
        requestAnimationFrame(() => {
          const now = Date.now();
          for (const p of pending) w.__shown.push([p[0], p[1], now]);
          pending.length = 0;
          scheduled = false;
        });
      }
    }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['data-ltp'] });
  });
  const injectedAt = new Map<string, number>();
  const price = new Map<number, number>(watch.map((i, k) => [i.id, 1000 + k]));
  const symbolOf = new Map(watch.map((i) => [i.id, `${i.exchange}:${i.symbol}`]));
  const volumes = new Map<number, number>();
  const stopProfileB = await startProfile(page2);
  // TRACE_OUT_B=/tmp/y.json: the Chromium trace of part B too (its numbers come from the page, not the trace).
  if (process.env.TRACE_OUT_B) await browser.startTracing(page2, { categories: traceCategories(process.env.TRACE_OUT_B) });
  const sentB = await drive(10_000, 6000, (k) => {
    const ins = watch[k % watch.length];
    const p = Math.round((price.get(ins.id)! + (k % 2 ? 0.05 : 0.1)) * 100) / 100;
    price.set(ins.id, p > 2000 ? 1000 : p);
    const now = Date.now();
    const v = (volumes.get(ins.id) ?? 0) + 1;
    volumes.set(ins.id, v);
    injectedAt.set(`${symbolOf.get(ins.id)}|${p}`, now);
    recorder.pipeline.ingest({ instrumentId: ins.id, tsExchange: now, tsReceived: now, ltp: p, volume: v });
  });
  await page2.waitForTimeout(500);
  if (process.env.TRACE_OUT_B) (await import('node:fs')).writeFileSync(process.env.TRACE_OUT_B, (await browser.stopTracing()).toString());
  await stopProfileB?.();
  const shown = await page2.evaluate(() => (window as unknown as { __shown: Array<[string, string, number]> }).__shown);
  const lat: number[] = [];
  for (const [sym, ltp, at] of shown) {
    const t = injectedAt.get(`${sym}|${Number(ltp)}`);
    if (t !== undefined) lat.push(at - t);
  }
  lat.sort((a, b) => a - b);
  const split = SPLIT ? await splitLatency(page2, injectedAt, symbolOf, shown) : '';
  await page2.close();
  console.log(`\nUI tick-to-screen latency (headless Chromium): ${Math.round(sentB / 6)} ticks/s over ${watch.length} watchlist rows, ${chartsB}`);
  console.log(`  p50 ${pct(lat, 50)} ms, p99 ${pct(lat, 99)} ms, max ${lat.at(-1)} ms  (target p99 ≤ 100 ms; ${lat.length} price changes seen on screen)`);
  if (split) console.log(split);
}
