// `npm run bench`: hot paths measured side by side with a baseline in the same run.
// Benchmarks report numbers; they never fail the build.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeFrame, encodeFrame, newDecodeStats, type KiteMode } from '../src/engine/brokers/kite/codec';
import { Recorder } from '../src/engine/recorder';
import type { KiteVenue } from '../src/engine/sim/kite/venue';
import { defaultUniverse, MarketModel } from '../src/engine/sim/market/market';
import { INSERT_TICK_SQL, Journal } from '../src/engine/store/journal';
import type { Tick } from '../src/shared/model';
import { fmt, timeLoop } from './util';

const require = createRequire(import.meta.url);
const only = process.argv[2];

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

function benchKiteDecode(): void {
  const universe = defaultUniverse({ optionStrikes: 60 });
  const market = new MarketModel({ instruments: universe, seed: 9 });
  for (let i = 0; i < 50; i++) market.step(500);
  const tradables = universe.filter((i) => i.segment !== 'INDICES');
  // 200 frames × 100 full packets: what a busy full-mode subscription looks like.
  const frames: Buffer[] = [];
  for (let f = 0; f < 200; f++) {
    market.step(200);
    const items = Array.from({ length: 100 }, (_, k) => ({ quote: market.quote(tradables[(f * 100 + k) % tradables.length].token)!, mode: 'full' as KiteMode }));
    frames.push(encodeFrame(items));
  }
  const packetsPerPass = frames.length * 100;
  const stats = newDecodeStats();
  let sink = 0;
  const ours = timeLoop(() => {
    for (const f of frames) decodeFrame(f, (p) => (sink += p.ltp), stats);
    return packetsPerPass;
  });
  const { KiteTicker } = require('kiteconnect');
  const official = new KiteTicker({ api_key: 'k', access_token: 't', reconnect: false });
  const theirs = timeLoop(() => {
    for (const f of frames) sink += official.parseBinary(f).length;
    return packetsPerPass;
  });
  if (sink === 0) console.log('(sink)');
  console.log('\nKite full-mode decode (184-byte packets, 100 per frame)');
  console.log(`  tickdesk codec            ${fmt(ours.opsPerSec).padStart(12)} packets/s`);
  console.log(`  kiteconnect parseBinary   ${fmt(theirs.opsPerSec).padStart(12)} packets/s`);
  console.log(`  ratio                     ${(ours.opsPerSec / theirs.opsPerSec).toFixed(1).padStart(12)}×   (target ≥ 5×)`);
}

function sampleTicks(n: number): Tick[] {
  const universe = defaultUniverse({ optionStrikes: 60 });
  const market = new MarketModel({ instruments: universe, seed: 4 });
  const ticks: Tick[] = [];
  const now = Date.now();
  while (ticks.length < n) {
    for (const q of market.step(500)) {
      ticks.push({
        instrumentId: (q.token % 997) + 1,
        tsExchange: now + ticks.length,
        tsReceived: now + ticks.length,
        ltp: q.ltp,
        ltq: q.ltq,
        atp: q.atp,
        volume: q.volume,
        volDelta: q.ltq,
        oi: q.oi,
        totalBuyQty: q.totalBuyQty,
        totalSellQty: q.totalSellQty,
        open: q.open,
        high: q.high,
        low: q.low,
        close: q.close,
        bid: q.depth[0],
        ask: q.depth[15],
        bidQty: q.depth[5],
        askQty: q.depth[20],
        depth5: new Float64Array(q.depth),
      });
    }
  }
  return ticks.slice(0, n);
}

function benchJournal(): void {
  const N = 200_000;
  const ticks = sampleTicks(N);
  const dir = mkdtempSync(join(tmpdir(), 'tickdesk-bench-'));
  const runs = 3;
  let oursBest = 0;
  let rawBest = 0;
  for (let r = 0; r < runs; r++) {
    // Ours: append every row, flushing in 5,000-row transactions as the recorder does under load.
    const j = new Journal(join(dir, `ours${r}.sqlite`), { flushMs: 1e9, maxPendingRows: 5000 });
    let t = performance.now();
    for (const tick of ticks) j.append(tick);
    j.flush();
    oursBest = Math.max(oursBest, (N * 1000) / (performance.now() - t));
    j.close();
    // Baseline: a raw prepared insert of the same rows in one transaction, same schema and pragmas.
    const base = new Journal(join(dir, `raw${r}.sqlite`));
    const db = base.db;
    const stmt = db.prepare(INSERT_TICK_SQL);
    const insertAll = db.transaction((rows: Tick[]) => {
      for (const x of rows)
        stmt.run(
          x.instrumentId,
          x.tsExchange,
          x.tsReceived,
          x.ltp,
          x.ltq,
          x.atp,
          x.volume,
          x.volDelta,
          x.oi,
          x.totalBuyQty,
          x.totalSellQty,
          x.open,
          x.high,
          x.low,
          x.close,
          x.bid,
          x.ask,
          x.bidQty,
          x.askQty,
          Buffer.from(x.depth5!.buffer),
        );
    });
    t = performance.now();
    insertAll(ticks);
    rawBest = Math.max(rawBest, (N * 1000) / (performance.now() - t));
    base.close();
  }
  rmSync(dir, { recursive: true, force: true });
  console.log(`\nJournal append (${fmt(N)} full ticks with 5-level depth, best of ${runs})`);
  console.log(`  Journal.append + flush    ${fmt(oursBest).padStart(12)} rows/s`);
  console.log(`  raw better-sqlite3 insert ${fmt(rawBest).padStart(12)} rows/s   (one transaction)`);
  console.log(`  ratio                     ${(oursBest / rawBest).toFixed(2).padStart(12)}×   (target ≥ 0.9×, issue 14)`);
}

async function benchSimToJournal(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tickdesk-bench-'));
  const rate = 20_000;
  const seconds = 10;
  const rec = new Recorder({ broker: 'sim', journalPath: join(dir, 'sim.sqlite'), instruments: 'all', mode: 'full', sim: { ticksPerSecond: rate, seed: 1, instruments: defaultUniverse({ optionStrikes: 500 }) } });
  // Map each market event to its model time (ms): the "exchange timestamp" before the Kite wire
  // rounds it to whole seconds. A tradable instrument's (token, cumulative volume) names one event.
  const born = new Map<string, number>();
  await rec.start();
  const sim = (rec.venue as KiteVenue).simulator;
  const step = sim.market.step.bind(sim.market);
  sim.market.step = (n: number) => {
    const changed = step(n);
    for (const q of changed) if (q.volume > 0) born.set(`${q.token}:${q.volume}`, q.tsModel);
    return changed;
  };
  const tokenOf = new Map(rec.journal.instruments().map((i) => [i.id, Number(i.token)]));
  const latencies: number[] = [];
  const chained = rec.journal.onCommit;
  const startCommitted = rec.journal.committed;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  rec.journal.onCommit = (rows, commitTs) => {
    chained?.(rows, commitTs);
    for (const r of rows) {
      const at = r.volume ? born.get(`${tokenOf.get(r.instrumentId)}:${r.volume}`) : undefined;
      if (at !== undefined) latencies.push(commitTs - at);
    }
  };
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const committed = rec.journal.committed - startCommitted;
  const elapsed = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await rec.stop();
  rmSync(dir, { recursive: true, force: true });
  latencies.sort((a, b) => a - b);
  console.log(`\nSimulator → feed → pipeline → journal, ${seconds} s at ${fmt(rate)} market events/s (${rec.stats().instruments} instruments, full mode, one process)`);
  console.log(`  sustained                 ${fmt((committed * 1000) / elapsed).padStart(12)} ticks/s committed`);
  console.log(`  latency exchange→commit   p50 ${pct(latencies, 50)} ms, p99 ${pct(latencies, 99)} ms, max ${latencies.at(-1)} ms (${fmt(latencies.length)} ticks matched)`);
  console.log(`  CPU (simulator + recorder) ${(((cpu.user + cpu.system) / 1000 / elapsed) * 100).toFixed(0)} % of one core`);
}

console.log(`tickdesk bench — node ${process.version}, ${new Date().toISOString()}`);
if (!only || only === 'decode') benchKiteDecode();
if (!only || only === 'journal') benchJournal();
if (!only || only === 'sim') await benchSimToJournal();
if (!only || only === 'dhan') {
  const dhan = await import('./dhan');
  dhan.benchDhanDepth();
  await dhan.benchDhanRecording();
}
if (!only || only === 'fyers') (await import('./fyers')).benchFyersDecode();
if (!only || only === 'yahoo') (await import('./yahoo')).benchYahooDecode();
if (!only || only === 'upstox') (await import('./upstox')).benchUpstoxDecode();
if (!only || only === 'indicators') (await import('./indicators')).benchIndicators();
if (!only || only === 'options') (await import('./options')).benchOptions();
if (!only || only === 'instruments') await (await import('./instruments')).benchInstruments();
if (!only || only === 'sink') await (await import('./sink')).benchSink();
if (!only || only === 'ui') await (await import('./ui')).benchUi();
// The engine's ceiling and a compressed trading day (final lines: saturation, memory), then start-up.
if (only === 'scale') await (await import('./scale')).benchScale();
if (only === 'day') await (await import('./day')).benchDay();
// Last: its final line is the start-up figure.
if (!only || only === 'startup') await (await import('./startup')).benchStartup();
