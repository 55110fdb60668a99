// `npm run bench -- scale`: the whole engine's ceiling. Real-protocol frames, encoded in advance,
// are replayed from a separate process (bench/scale-server.ts) over real WebSockets as fast as the
// engine takes them (the sender keeps at most a few frames per socket unwritten), through the real
// feed clients → pipeline → journal:
//  - Kite full mode, 3 connections × 3,000 instruments, through the Recorder itself;
//  - Dhan full mode (5,000 instruments) + 20-level depth (250), the same pieces wired by hand.
// Printed: the sustained rate, where the engine's time goes (CPU profile), exchange→commit latency
// at 50 % and 90 % of the ceiling (paced), the ceiling on one core vs two, then again with the
// replicator sending to the local PostgreSQL. The final two lines are exactly
// `saturation: N ticks/s` and `saturation with sink: N ticks/s`.
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { cleanupDatabases, freshDatabase, withClient } from '../src/engine/store/testing';
import { initSchema } from '../src/engine/store/timescale';
import { profileFor, profileLines, type ProfileSummary } from './profile';
import { DHAN_DEPTH_INSTRUMENTS, DHAN_INSTRUMENTS, startDhanEngine } from './scale-dhan';
import { measureCeiling, measureLatency, measurePaced, sleep, startKiteEngine, type Ceiling, type Latency, type PacedRun } from './scale-engine';
import { fmt } from './util';

const ENGINE = fileURLToPath(new URL('./scale-engine.ts', import.meta.url));
const WARM_MS = 3000;
const MEASURE_MS = 6000;
const PROFILE_MS = 3000;
const TARGET = 100_000;
const TARGET_SINK = 50_000;
const TARGET_P99 = 150;
const SINK_STEPS = 4;

const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(', ');

function ceilingLines(c: Ceiling, what = 'ticks/s committed'): string[] {
  const ps = c.perSecond.map((x) => fmt(x / 1000) + 'k').join(' ');
  return [
    `  sustained                ${fmt(c.rate).padStart(10)} ${what} over ${(MEASURE_MS / 1000).toFixed(0)} s after ${(WARM_MS / 1000).toFixed(0)} s of warm-up (each second: ${ps})`,
    `  CPU                      engine ${c.engineCpu.toFixed(0)} % of a core, replay ${c.senderCpu.toFixed(0)} %; engine context switches ${fmt(c.switches.voluntary)} waiting (I/O, fsync), ${fmt(c.switches.involuntary)} preempted; journal at ${fmt(c.journalRows)} rows`,
  ];
}

function latencyLine(label: string, l: Latency): string {
  const held = l.heldBack ? `, ${fmt(l.heldBack)} ticks held back by the sender` : '';
  return (
    `  exchange→commit at ${label}  offered ${fmt(l.offered)}/s (committed ${fmt(l.achieved)}/s): p50 ${l.p50} ms, p99 ${l.p99} ms, max ${l.max} ms over ${fmt(l.n)} ticks${held}\n` +
    `                           ${l.flushes.n} commits, each holding the main thread p50 ${l.flushes.p50.toFixed(0)} ms, max ${l.flushes.max.toFixed(0)} ms`
  );
}

/** The ceiling measured in a child process (the engine part), optionally pinned to core 0 with the replay it forks. */
function childCeiling(pinned: boolean): Promise<Ceiling> {
  const args = ['--import', 'tsx', ENGINE, '--ceiling'];
  const child = pinned ? spawn('taskset', ['-c', '0', process.execPath, ...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }) : spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    let result: Ceiling | null = null;
    child.on('message', (m: { ceiling: Ceiling }) => (result = m.ceiling));
    child.on('exit', (code) => (result ? resolve(result) : reject(new Error(`engine child exited (${code}) without a result`))));
  });
}

async function profiled(into: { p?: ProfileSummary }): Promise<void> {
  into.p = await profileFor(PROFILE_MS);
}

export async function benchScale(): Promise<void> {
  console.log(`\nScale: pre-encoded real-protocol frames replayed from a separate process over WebSockets → feed → pipeline → journal`);
  console.log(`  load average at start ${load()} (2 cores; other work on the machine shows as preemption below)`);

  // --- Kite, journal only ------------------------------------------------------------------------
  console.log(`\nKite full mode, 3 connections × 3,000 instruments: Recorder (Kite adapter, instrument dump from the replay's REST) → KiteFeed → pipeline → journal`);
  let saturation: number;
  {
    const e = await startKiteEngine();
    try {
      const prof: { p?: ProfileSummary } = {};
      const c = await measureCeiling(e, WARM_MS, MEASURE_MS, () => profiled(prof));
      saturation = c.rate;
      for (const l of ceilingLines(c)) console.log(l);
      console.log(`  where the time goes (CPU profile of the engine, ${PROFILE_MS / 1000} s at saturation):`);
      for (const l of profileLines(prof.p!)) console.log(l);
      await sleep(500);
      const l50 = await measureLatency(e, Math.round(0.5 * c.rate), 2000, 5000);
      console.log(latencyLine('50 %', l50) + `   (target p99 ≤ ${TARGET_P99} ms)`);
      const l90 = await measureLatency(e, Math.round(0.9 * c.rate), 2000, 5000);
      console.log(latencyLine('90 %', l90));
      const s = e.rec.stats();
      console.log(`  pipeline: ${fmt(s.accepted)} accepted, ${fmt(s.rejected)} rejected, ${s.reconnects} reconnects, ${s.malformedFrames} malformed frames`);
    } finally {
      await e.close();
    }
  }

  // --- one core vs two -------------------------------------------------------------------------------
  console.log(`  one core vs two (the engine part in a child process, the replay forked from it; measured back to back):`);
  const one = await childCeiling(true);
  console.log(`    taskset -c 0 (both on one core) ${fmt(one.rate).padStart(10)} ticks/s  (engine ${one.engineCpu.toFixed(0)} %, replay ${one.senderCpu.toFixed(0)} % of the core)`);
  const two = await childCeiling(false);
  console.log(`    two cores                        ${fmt(two.rate).padStart(10)} ticks/s  (engine ${two.engineCpu.toFixed(0)} %, replay ${two.senderCpu.toFixed(0)} %)`);
  // Other work on the machine only ever lowers a run: the better of the two two-core runs counts
  // (as the other benches keep the best of their runs).
  const inProcess = saturation;
  saturation = Math.max(inProcess, two.rate);

  // --- Dhan ----------------------------------------------------------------------------------------
  console.log(`\nDhan full mode, ${fmt(DHAN_INSTRUMENTS)} instruments on one socket + 20-level depth for ${DHAN_DEPTH_INSTRUMENTS} (5 sockets × 50): DhanFeed + DhanDepthFeed → pipeline → journal`);
  {
    const e = await startDhanEngine();
    try {
      const prof: { p?: ProfileSummary } = {};
      const c = await measureCeiling(e, WARM_MS, MEASURE_MS, () => profiled(prof));
      for (const l of ceilingLines(c)) console.log(l);
      console.log(`  depth                    ${fmt(c.depthRate).padStart(10)} 20-level snapshots/s (one side each; one depth frame of 10 rides with each 100-tick frame)`);
      console.log(`  where the time goes (CPU profile, ${PROFILE_MS / 1000} s at saturation):`);
      for (const l of profileLines(prof.p!)) console.log(l);
    } finally {
      await e.close();
    }
  }

  // --- Kite with the sink --------------------------------------------------------------------------
  // Flooded, the feed and the journal take every turn of the event loop and the replicator starves;
  // what the engine sustains with the sink is the highest paced rate at which the replicator keeps
  // up (its backlog grows by less than half a second of ticks over the window).
  console.log(`\nKite as above, with the replicator sending to the local PostgreSQL (a fresh database, dropped after): paced runs`);
  let withSink: number;
  try {
    const url = await freshDatabase();
    await withClient(url, (c) => initSchema(c));
    const e = await startKiteEngine({ sinkUrl: url, sourceId: `bench-scale-${process.pid}` });
    try {
      const until = Date.now() + 10_000;
      while (e.rec.replicator!.stats.state !== 'connected' && Date.now() < until) await sleep(50);
      let rate = Math.round(0.5 * saturation);
      // Up while it keeps up, down when it falls behind.
      let best = 0;
      let lowest: PacedRun | null = null;
      for (let step = 0; step < SINK_STEPS; step++) {
        const r = await measurePaced(e, rate, 2000, 5000);
        const grew = r.backlog[1] - r.backlog[0];
        const kept = grew < 0.5 * rate && r.committed >= 0.95 * rate;
        console.log(`  offered ${fmt(rate).padStart(7)}/s: committed ${fmt(r.committed).padStart(7)}/s, replicated ${fmt(r.replicated).padStart(7)}/s, backlog ${fmt(r.backlog[0])} → ${fmt(r.backlog[1])}  ${kept ? 'keeps up' : 'falls behind'}`);
        if (kept) best = Math.max(best, r.committed);
        if (!lowest || rate < lowest.offered) lowest = r;
        rate = Math.round(kept ? rate * 1.35 : rate * 0.75);
      }
      // Nothing kept up: what reached the database at the lowest rate tried.
      withSink = best || lowest!.replicated;
      const prof: { p?: ProfileSummary } = {};
      const c = await measureCeiling(e, 2000, 3000, () => profiled(prof));
      console.log(`  flooded (for contrast)   committed ${fmt(c.rate)}/s, replicated ${fmt(c.replicated!)}/s, backlog ${fmt(c.backlog![0])} → ${fmt(c.backlog![1])}`);
      console.log(`  where the time goes (CPU profile, ${PROFILE_MS / 1000} s flooded with the sink):`);
      for (const l of profileLines(prof.p!)) console.log(l);
    } finally {
      await e.close();
    }
  } finally {
    await cleanupDatabases();
  }

  const short = (got: number, target: number) => (got >= target ? 'met' : `short by ${(target / got).toFixed(2)}×`);
  console.log(`\n  saturation below: the better of the in-process (${fmt(inProcess)}) and two-core child (${fmt(two.rate)}) runs; with sink: the highest paced rate that kept up`);
  console.log(`  targets: ${fmt(TARGET)} ticks/s to the journal (${short(saturation, TARGET)}), ${fmt(TARGET_SINK)} with the sink (${short(withSink, TARGET_SINK)}); load average now ${load()}`);
  console.log(`saturation: ${Math.round(saturation)} ticks/s`);
  console.log(`saturation with sink: ${Math.round(withSink)} ticks/s`);
}
