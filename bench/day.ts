// `npm run bench -- day`: a trading day compressed. The replay process (bench/scale-server.ts)
// plays a 6¼-hour session (09:15–15:30 IST, yesterday's date: the pipeline accepts exchange times
// up to 5 days old) of 3,000 Kite instruments in full mode over a few minutes of wall time, busy at
// the open and the close; the engine is the real Recorder with the sink replicating to the local
// PostgreSQL and the UI's bridge attached with a page's subscriptions (a watchlist and a chart).
// Printed: the engine's RSS and heap sampled through the day (they must stay flat per instrument,
// not grow with ticks), its peak and final RSS, and the journal's size per million ticks. The final
// line is exactly `memory: peak RSS N MB`.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import WebSocket from 'ws';
import { startUiServer } from '../src/engine/bridge/http';
import { EngineService } from '../src/engine/service';
import { cleanupDatabases, freshDatabase, withClient } from '../src/engine/store/testing';
import { initSchema } from '../src/engine/store/timescale';
import { REPO_ROOT } from '../src/engine/paths';
import { RENDERER_OUT } from '../src/engine/ui-build';
import { compileBenchEntry, runCompiled } from './compiled';
import { sleep, startKiteEngine } from './scale-engine';
import { fmt } from './util';

const INSTRUMENTS = 3000;
/** Wall time the session is played in. */
const WALL_MS = 120_000;
const SESSION_MS = 375 * 60_000;
/** Ticks per wall second on average (3× at the open, 2.5× at the close, see scale-server's intensity). */
const RATE = 20_000;
const SAMPLES = 8;
const WATCHLIST = 100;
const TARGET_MB = 300;
const IST_MS = 5.5 * 3600_000;

const mb = (b: number) => (b / 1048576).toFixed(0);
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(', ');

/** A full collection, so that heap samples show what is live rather than when the GC last ran. */
function collector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** 09:15 IST of the day before today (IST). */
function yesterdayOpen(): number {
  const d = new Date(Date.now() - 86400_000 + IST_MS);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), 9, 15) - IST_MS;
}

const istClock = (ms: number) => new Date(ms + IST_MS).toISOString().slice(11, 16);

function fileBytes(path: string): number {
  let n = 0;
  for (const p of [path, `${path}-wal`])
    try {
      n += statSync(p).size;
    } catch {
      // no WAL at the moment
    }
  return n;
}

interface Sample {
  sim: string;
  ticks: number;
  replicated: number;
  backlog: number;
  rss: number;
  heap: number;
  external: number;
  journal: number;
}

/** The bench: the engine's part compiled and run in a process of its own (bench/compiled.ts). */
export async function benchDay(): Promise<void> {
  await runCompiled(await compileBenchEntry(join(REPO_ROOT, 'bench', 'day-engine.ts')));
}

/** The day, in this process (bench/day-engine.ts runs it compiled). */
export async function runDay(): Promise<void> {
  const gc = collector();
  console.log(`\nA trading day compressed: ${fmt(INSTRUMENTS)} Kite instruments in full mode, 09:15–15:30 IST played in ${WALL_MS / 1000} s`);
  console.log(`  load average at start ${load()}; the engine's process runs compiled code${import.meta.url.endsWith('.ts') ? ' — NOT: from the TypeScript sources through tsx (+~45 MB)' : ', as tickdesk and the desktop app do'}`);
  const url = await freshDatabase();
  try {
    await withClient(url, (c) => initSchema(c));
    const e = await startKiteEngine({ sinkUrl: url, sourceId: `bench-day-${process.pid}`, instruments: INSTRUMENTS, cycles: 1 });
    const { rec, replay } = e;
    const service = new EngineService(rec);
    service.start();
    const server = await startUiServer({ service, staticDir: RENDERER_OUT, port: 0 });
    // A page: its watchlist subscribed, one instrument's chart (1-minute bars), depth and tape watched.
    const page = new WebSocket(`ws://127.0.0.1:${server.port}/bridge?token=${server.token}`);
    let pageMessages = 0;
    let pageBytes = 0;
    page.on('message', (d: Buffer) => {
      pageMessages++;
      pageBytes += d.length;
    });
    await new Promise((r, j) => page.once('open', r).once('error', j));
    const ids = rec.journal
      .instruments()
      .slice(0, WATCHLIST)
      .map((i) => i.id);
    page.send(JSON.stringify({ id: 1, method: 'subscribe', params: { instrumentIds: ids } }));
    page.send(JSON.stringify({ id: 2, method: 'watch', params: { instrumentId: ids[0], interval: '1m' } }));
    try {
      const until = Date.now() + 10_000;
      while (rec.replicator!.stats.state !== 'connected' && Date.now() < until) await sleep(50);
      await sleep(500);
      gc();
      const base = process.memoryUsage();
      let peak = process.memoryUsage.rss();
      const peakTimer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 100);
      const samples: Sample[] = [];
      const sample = (sim: number) => {
        gc();
        const m = process.memoryUsage();
        const rep = rec.replicator!.snapshot();
        samples.push({ sim: istClock(sim), ticks: rec.journal.committed, replicated: rep.replicated, backlog: rep.backlogRows, rss: m.rss, heap: m.heapUsed, external: m.external + m.arrayBuffers, journal: fileBytes(rec.journal.path) });
      };
      const dayStart = yesterdayOpen();
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      await replay.call('day', { wallMs: WALL_MS, rate: RATE, dayStartMs: dayStart, simMs: SESSION_MS });
      for (let k = 1; k <= SAMPLES; k++) {
        await sleep(t0 + (k * WALL_MS) / SAMPLES - performance.now());
        sample(dayStart + (k * SESSION_MS) / SAMPLES);
      }
      while (!(await replay.stats()).dayDone) await sleep(100);
      const wall = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      const sent = await replay.stats();
      // The close: everything committed and, within 15 s, replicated.
      rec.journal.flush();
      const end = Date.now() + 15_000;
      while (rec.replicator!.snapshot().backlogRows > 0 && Date.now() < end) await sleep(100);
      clearInterval(peakTimer);
      gc();
      const final = process.memoryUsage();
      const committed = rec.journal.committed;
      const rep = rec.replicator!.snapshot();
      const st = rec.stats();

      console.log(`  sent ${fmt(sent.ticks)} ticks (${fmt((sent.ticks * 1000) / wall)}/s; each wire tick stands for ~${fmt((INSTRUMENTS * 2 * SESSION_MS) / 1000 / sent.ticks)} of a real day's ~2 ticks/s per instrument)${sent.heldBack ? `, ${fmt(sent.heldBack)} held back (engine behind)` : ''}`);
      console.log(`  committed ${fmt(committed)} (${fmt(st.rejected)} rejected), replicated ${fmt(rep.replicated)} (backlog at the end ${fmt(rep.backlogRows)}); page heard ${fmt(pageMessages)} messages, ${mb(pageBytes)} MB`);
      console.log(`  engine CPU ${(((cpu.user + cpu.system) / 1000 / wall) * 100).toFixed(0)} % of a core over the day; load average ${load()}`);
      console.log(`  through the day (heap after a full GC; per instrument = above the start, over ${fmt(INSTRUMENTS)} instruments):`);
      console.log(`    IST     ticks       replicated  backlog    RSS MB  heap MB  buffers MB  heap KB/instr.  journal MB`);
      console.log(`    start   ${'0'.padEnd(11)} ${'0'.padEnd(11)} ${'0'.padEnd(10)} ${mb(base.rss).padStart(6)}  ${mb(base.heapUsed).padStart(7)}  ${mb(base.external + base.arrayBuffers).padStart(10)}`);
      for (const s of samples)
        console.log(
          `    ${s.sim}   ${fmt(s.ticks).padEnd(11)} ${fmt(s.replicated).padEnd(11)} ${fmt(s.backlog).padEnd(10)} ${mb(s.rss).padStart(6)}  ${mb(s.heap).padStart(7)}  ${mb(s.external).padStart(10)}  ${((s.heap - base.heapUsed) / 1024 / INSTRUMENTS).toFixed(1).padStart(14)}  ${mb(s.journal).padStart(10)}`,
        );
      // Growth with ticks: the heap from the second sample (every instrument seen, bars open) to the last.
      const a = samples[1];
      const b = samples[samples.length - 1];
      const perM = ((b.heap - a.heap) / Math.max(1, b.ticks - a.ticks)) * 1e6;
      console.log(`  heap growth from ${a.sim} to ${b.sim}: ${(perM / 1024).toFixed(0)} KB per million ticks (${mb(b.heap - a.heap)} MB over ${fmt(b.ticks - a.ticks)} ticks)`);
      console.log(`  RSS: peak ${mb(peak)} MB, final ${mb(final.rss)} MB; heap used ${mb(final.heapUsed)} MB at the end (target peak ≤ ${TARGET_MB} MB)`);
      page.close();
      await server.close();
      service.stop();
      // The journal's own size: the WAL folded into the file.
      rec.journal.db.pragma('wal_checkpoint(TRUNCATE)');
      const journalBytes = fileBytes(rec.journal.path);
      const perMillion = (journalBytes / Math.max(1, committed)) * 1e6;
      await e.close();
      console.log(`  journal: ${mb(perMillion)} MB per million ticks (${mb(journalBytes)} MB for ${fmt(committed)} full ticks with a 5-level book, checkpointed)`);
      console.log(`memory: peak RSS ${mb(peak)} MB`);
    } finally {
      page.terminate();
    }
  } finally {
    await cleanupDatabases();
  }
}
