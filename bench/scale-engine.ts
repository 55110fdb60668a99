// The engine side of the scale bench: the real Recorder (Kite adapter → KiteFeed → pipeline →
// journal, and the replicator when a sink is given) pointed at the replay process, and the
// measurements taken on it. Run as a script (`--ceiling`), it measures the ceiling alone and
// reports it over IPC: bench/scale.ts runs it that way under `taskset -c 0` (the replay process it
// forks inherits the pinning).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Recorder } from '../src/engine/recorder';
import type { Journal } from '../src/engine/store/journal';
import type { Replicator } from '../src/engine/store/replicator';
import { ReplayLink } from './replay-link';

export const KITE_CONNECTIONS = 3;
export const KITE_PER_CONNECTION = 3000;
const STAMP_MOD = 2 ** 31;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const pct = (sorted: ArrayLike<number>, p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

/** What the measurements need of an engine under test. */
export interface EngineUnderTest {
  replay: ReplayLink;
  journal: Journal;
  replicator: Replicator | null;
}

export interface KiteEngine extends EngineUnderTest {
  rec: Recorder;
  /** Exchange→commit latencies (ms) are collected while this is set… */
  latencies: number[] | null;
  /** …and how long each flush (commit and any checkpoint) held the main thread, ms. */
  flushes: number[] | null;
  close(): Promise<void>;
}

/** The replay process with 3 × 3,000 Kite instruments, and a Recorder subscribed to all in full mode. */
export async function startKiteEngine(o: { sinkUrl?: string; sourceId?: string; cycles?: number; instruments?: number } = {}): Promise<KiteEngine> {
  const dir = mkdtempSync(join(tmpdir(), 'tickdesk-scale-'));
  const replay = ReplayLink.start();
  const n = o.instruments ?? KITE_CONNECTIONS * KITE_PER_CONNECTION;
  const roots = await replay.call<{ wsRoot: string; restRoot: string; apiKey: string; accessToken: string }>('kite', { instruments: n });
  const rec = new Recorder({
    broker: 'kite',
    journalPath: join(dir, 'journal.sqlite'),
    instruments: 'all',
    mode: 'full',
    apiKey: roots.apiKey,
    accessToken: roots.accessToken,
    wsRoot: roots.wsRoot,
    restRoot: roots.restRoot,
    silenceMs: 30_000,
    sinkUrl: o.sinkUrl,
    sourceId: o.sourceId,
  });
  const engine: KiteEngine = {
    rec,
    replay,
    journal: rec.journal,
    replicator: rec.replicator,
    latencies: null,
    flushes: null,
    async close() {
      await replay.stop();
      await rec.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await rec.start();
    await replay.call('prepare', { expect: n, cycles: o.cycles ?? 6 });
  } catch (e) {
    await engine.close();
    throw e;
  }
  // The journal calls this.flush() for its timer and its row limit too: timing the instance's
  // method times every commit.
  const flush = rec.journal.flush.bind(rec.journal);
  rec.journal.flush = () => {
    const t = performance.now();
    const n = flush();
    if (n > 0) engine.flushes?.push(performance.now() - t);
    return n;
  };
  // Exchange→commit: the sender's stamp (ms mod 2^31, in total-buy-quantity) against the moment
  // the transaction holding the row has committed.
  const chained = rec.journal.onCommit;
  rec.journal.onCommit = (rows, commitTs) => {
    chained?.(rows, commitTs);
    const out = engine.latencies;
    if (!out) return;
    const now = Date.now() % STAMP_MOD;
    for (const r of rows) {
      if (r.totalBuyQty === undefined) continue;
      let d = now - r.totalBuyQty;
      if (d < 0) d += STAMP_MOD;
      out.push(d);
    }
  };
  return engine;
}

/** Waits until nothing more arrives (the kernel's socket buffers are empty and the last flush ran). */
export async function drain(e: EngineUnderTest, quietMs = 400): Promise<void> {
  let last = -1;
  let since = Date.now();
  const end = Date.now() + 20_000;
  while (Date.now() < end) {
    e.journal.flush();
    const c = e.journal.committed + e.journal.depthCommitted;
    if (c !== last) {
      last = c;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) return;
    await sleep(50);
  }
}

export interface Ceiling {
  /** Committed ticks/s over the window. */
  rate: number;
  /** Depth snapshots (one side of a book each) committed per second. */
  depthRate: number;
  /** Each second's rate in the window. */
  perSecond: number[];
  /** Engine and replay process CPU over the window, % of one core. */
  engineCpu: number;
  senderCpu: number;
  /** Context switches of the engine over the window: voluntary (it waited: I/O, fsync) and not (preempted). */
  switches: { voluntary: number; involuntary: number };
  /** Rows in the journal at the end of the window. */
  journalRows: number;
  /** The replicator's rows/s over the window (with a sink). */
  replicated?: number;
  /** Rows committed but not yet replicated at the start and the end of the window. */
  backlog?: [number, number];
}

/** Floods the engine and measures the committed rate over `measureMs` after `warmMs`. */
export async function measureCeiling(e: EngineUnderTest, warmMs: number, measureMs: number, during?: () => Promise<void>): Promise<Ceiling> {
  const { journal, replicator, replay } = e;
  await replay.call('flood');
  await sleep(warmMs);
  const backlog = () => (replicator ? replicator.snapshot().backlogRows : 0);
  const b0 = backlog();
  const r0 = replicator?.stats.replicated ?? 0;
  const d0 = journal.depthCommitted;
  const s0 = await replay.stats();
  const cpu0 = process.cpuUsage();
  const ru0 = process.resourceUsage();
  const t0 = performance.now();
  const c0 = journal.committed;
  const perSecond: number[] = [];
  let lastC = c0;
  let lastT = t0;
  while (performance.now() - t0 < measureMs) {
    await sleep(1000);
    const now = performance.now();
    perSecond.push(((journal.committed - lastC) * 1000) / (now - lastT));
    lastC = journal.committed;
    lastT = now;
  }
  const elapsed = performance.now() - t0;
  const committed = journal.committed - c0;
  const depth = journal.depthCommitted - d0;
  const cpu = process.cpuUsage(cpu0);
  const ru = process.resourceUsage();
  const s1 = await replay.stats();
  const r1 = replicator?.stats.replicated ?? 0;
  const b1 = backlog();
  await during?.();
  await replay.call('idle');
  await drain(e);
  return {
    rate: (committed * 1000) / elapsed,
    depthRate: (depth * 1000) / elapsed,
    perSecond,
    engineCpu: ((cpu.user + cpu.system) / 1000 / elapsed) * 100,
    senderCpu: ((s1.cpuUs - s0.cpuUs) / 1000 / elapsed) * 100,
    switches: { voluntary: ru.voluntaryContextSwitches - ru0.voluntaryContextSwitches, involuntary: ru.involuntaryContextSwitches - ru0.involuntaryContextSwitches },
    journalRows: journal.committed,
    ...(replicator ? { replicated: ((r1 - r0) * 1000) / elapsed, backlog: [b0, b1] as [number, number] } : {}),
  };
}

export interface Latency {
  /** Flushes in the window and how long they held the main thread (p50, max), ms. */
  flushes: { n: number; p50: number; max: number };
  offered: number;
  achieved: number;
  p50: number;
  p99: number;
  max: number;
  n: number;
  heldBack: number;
}

/** Paced sending at `rate` ticks/s: exchange→commit percentiles over `measureMs` after `warmMs`. */
export async function measureLatency(e: KiteEngine, rate: number, warmMs: number, measureMs: number): Promise<Latency> {
  const { journal, replay } = e;
  const s0 = await replay.stats();
  await replay.call('pace', { rate });
  await sleep(warmMs);
  const c0 = journal.committed;
  const t0 = performance.now();
  e.latencies = [];
  e.flushes = [];
  await sleep(measureMs);
  const lat = Float64Array.from(e.latencies).sort();
  const fl = Float64Array.from(e.flushes).sort();
  e.latencies = e.flushes = null;
  const achieved = ((journal.committed - c0) * 1000) / (performance.now() - t0);
  const s1 = await replay.stats();
  await replay.call('idle');
  await drain(e);
  return { flushes: { n: fl.length, p50: pct(fl, 50), max: fl[fl.length - 1] }, offered: rate, achieved, p50: pct(lat, 50), p99: pct(lat, 99), max: lat[lat.length - 1], n: lat.length, heldBack: s1.heldBack - s0.heldBack };
}

export interface PacedRun {
  offered: number;
  committed: number;
  replicated: number;
  /** Rows committed but not replicated at the start and the end of the window. */
  backlog: [number, number];
  heldBack: number;
}

/** Paced sending at `rate` with the replicator running: what is committed and what reaches the database. */
export async function measurePaced(e: EngineUnderTest, rate: number, warmMs: number, measureMs: number, during?: () => Promise<void>): Promise<PacedRun> {
  const { journal, replicator, replay } = e;
  const s0 = await replay.stats();
  await replay.call('pace', { rate });
  await sleep(warmMs);
  const backlog = () => (replicator ? replicator.snapshot().backlogRows : 0);
  const b0 = backlog();
  const r0 = replicator?.stats.replicated ?? 0;
  const c0 = journal.committed;
  const t0 = performance.now();
  await Promise.all([sleep(measureMs), during?.()]);
  const elapsed = performance.now() - t0;
  const run: PacedRun = {
    offered: rate,
    committed: ((journal.committed - c0) * 1000) / elapsed,
    replicated: (((replicator?.stats.replicated ?? 0) - r0) * 1000) / elapsed,
    backlog: [b0, backlog()],
    heldBack: (await replay.stats()).heldBack - s0.heldBack,
  };
  await replay.call('idle');
  await drain(e);
  // Let the replicator catch up before the next run (bounded).
  const end = Date.now() + 15_000;
  while (replicator && backlog() > 0 && Date.now() < end) await sleep(100);
  return run;
}

// As a script: the ceiling alone, reported to the parent over IPC.
if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv.includes('--ceiling')) {
  const e = await startKiteEngine();
  try {
    const c = await measureCeiling(e, 3000, 5000);
    process.send?.({ ceiling: c });
  } finally {
    await e.close();
  }
  process.exit(0);
}
