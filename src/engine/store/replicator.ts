// Streams journal rows to PostgreSQL/TimescaleDB, exactly once (the loop and its guarantees:
// replication.ts). The Replicator runs that loop on a worker thread with its own read-only
// connection to the journal (replicator-worker.ts): on the engine's main thread, a feed that floods
// it starved replication (each of the loop's round trips to the database waited for a turn of an
// event loop that the feed held for hundreds of milliseconds; flooded, 0 rows/s reached the
// database). Its figures and its writes to the journal come back as messages; the journal stays
// this thread's. A journal in memory, or `thread: 'main'`, runs the loop here.
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { freshCliBundleFile } from '../paths';
import type { Journal } from './journal';
import { ReplicationLoop, sinkName, type SinkSettings, type SinkState } from './replication';
import type { FromWorker, ToWorker, WorkerStart } from './replicator-worker';

export {
  COPY_TICKS_BINARY_SQL,
  COPY_TICKS_SQL,
  copyEscape,
  copyText,
  insertTicks,
  tickCopyLine,
  tickInsertValues,
  type SinkSettings,
  type SinkState,
} from './replication';

/**
 * The source id a journal replicates under when none is given: the host name and the first 8 hex
 * digits of the journal's id, so that two journals on one host never share one. A journal that
 * already replicated under the bare host name (the default before) keeps it: under a new name it
 * would send everything it still holds a second time.
 */
export function defaultSourceId(journal: Journal): string {
  const host = hostname();
  if (journal.syncedSinks().some((s) => s.endsWith(`#${host}`))) return host;
  if (!journal.journalId) throw new Error(`the journal ${journal.path} has no id yet: open it for writing once`);
  return `${host}-${journal.journalId.slice(0, 8)}`;
}

export interface ReplicatorOptions extends SinkSettings {
  journal: Journal;
  onState?: (state: SinkState, detail: string) => void;
  /**
   * Where the loop runs: 'worker' (the default for a journal on disk), a worker thread of its own;
   * 'main', this thread (a journal in memory always does).
   */
  thread?: 'worker' | 'main';
}

export interface ReplicatorStats {
  state: SinkState;
  detail: string;
  replicated: number;
  backlogRows: number;
  backlogSeconds: number;
  rowsPerSecond: number;
  batches: number;
}

/** How long stop() waits for the worker to finish its batch before ending the thread, ms. */
const STOP_WAIT_MS = 15_000;

/**
 * The worker's bootstrap, as CommonJS source: registers tsx when the worker's entry is TypeScript
 * (a worker does not inherit the loader its parent was started with), then loads the entry.
 * workerData: { entry, tsx } (replicatorWorkerEntry) and { replicator } (WorkerStart).
 */
export const REPLICATOR_WORKER_BOOT = `
const { workerData } = require('node:worker_threads');
(async () => {
  if (workerData.tsx) (await import(workerData.tsx)).register();
  await import(workerData.entry);
})().catch((e) => process.nextTick(() => { throw e; }));
`;

/**
 * Where the worker's entry is, from this module's URL: beside it as TypeScript under tsx (with
 * tsx's API to register), or, bundled, the built entry (electron.vite.config.ts) beside the engine's
 * entry, this code being in that entry or in a chunk one folder down.
 */
export function replicatorWorkerEntry(here = import.meta.url, root?: string): { entry: string; tsx: string | null } {
  if (here.endsWith('.ts')) {
    // From the sources (tests, benches, TICKDESK_CLI=tsx): the worker the CLI compiled when it is up
    // to date with them, as the CLI and the desktop app run it (no tsx loader thread of its own:
    // ~15-20 MB); else the source through tsx.
    const compiled = freshCliBundleFile('replicator-worker.js', root);
    if (compiled) return { entry: pathToFileURL(compiled).href, tsx: null };
    return { entry: new URL('./replicator-worker.ts', here).href, tsx: import.meta.resolve('tsx/esm/api') };
  }
  const beside = new URL('./replicator-worker.js', here);
  return { entry: (existsSync(beside) ? beside : new URL('../replicator-worker.js', here)).href, tsx: null };
}

export class Replicator {
  private running = false;
  private lastId = 0;
  private candleSeq = 0;
  private rateWindow: Array<[number, number]> = [];
  /** The loop, when it runs on this thread. */
  private here: ReplicationLoop | null = null;
  private worker: Worker | null = null;
  private workerExit: Promise<void> = Promise.resolve();
  readonly stats: ReplicatorStats = { state: 'stopped', detail: '', replicated: 0, backlogRows: 0, backlogSeconds: 0, rowsPerSecond: 0, batches: 0 };

  constructor(private readonly opts: ReplicatorOptions) {}

  /** The sink name used in the journal's sync_state (one per database URL and source). */
  get sinkName(): string {
    return sinkName(this.opts.url, this.opts.sourceId);
  }

  /** Where the loop runs now: 'worker', 'main', or null when stopped. */
  get thread(): 'worker' | 'main' | null {
    return this.worker ? 'worker' : this.here ? 'main' : null;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const path = this.opts.journal.path;
    if (this.opts.thread === 'main' || path === ':memory:' || path === '') this.startHere();
    else this.startWorker();
  }

  async stop(): Promise<void> {
    this.running = false;
    const w = this.worker;
    if (w) {
      w.postMessage({ t: 'stop' } satisfies ToWorker);
      const kill = setTimeout(() => void w.terminate(), STOP_WAIT_MS);
      await this.workerExit;
      clearTimeout(kill);
    }
    await this.here?.stop();
    this.here = null;
    this.setState('stopped', '');
  }

  /** The journal's candle write sequence the database has confirmed. */
  get candlesSynced(): number {
    return this.candleSeq;
  }

  /** Current figures, with the backlog measured against the journal now. */
  snapshot(): ReplicatorStats {
    const j = this.opts.journal;
    if (j.db.open) {
      this.stats.backlogRows = Math.max(0, j.maxTickId() - this.lastId);
      const oldest = this.stats.backlogRows > 0 ? j.firstReceivedAfter(this.lastId) : null;
      this.stats.backlogSeconds = oldest === null ? 0 : Math.max(0, (Date.now() - oldest) / 1000);
    }
    const now = Date.now();
    this.rateWindow = this.rateWindow.filter(([t]) => now - t < 5000);
    const rows = this.rateWindow.reduce((n, [, r]) => n + r, 0);
    this.stats.rowsPerSecond = this.rateWindow.length ? Math.round(rows / 5) : 0;
    return { ...this.stats };
  }

  private setState(state: SinkState, detail: string): void {
    if (this.stats.state === state && this.stats.detail === detail) return;
    this.stats.state = state;
    this.stats.detail = detail;
    this.opts.onState?.(state, detail);
  }

  private progress(lastTickId: number, candleSeq: number, sent: number): void {
    this.lastId = lastTickId;
    this.candleSeq = candleSeq;
    if (sent <= 0) return;
    this.stats.replicated += sent;
    this.stats.batches++;
    this.rateWindow.push([Date.now(), sent]);
  }

  /** What the loop needs to know besides the journal: plain data (it crosses to the worker). */
  private settings(): SinkSettings {
    const { url, sourceId, batchRows, idleMs, method, insertPageRows, backoff, journalRetainMs } = this.opts;
    return { url, sourceId, batchRows, idleMs, method, insertPageRows, backoff, journalRetainMs };
  }

  private startHere(): void {
    const journal = this.opts.journal;
    this.here = new ReplicationLoop(journal, journal, this.settings(), {
      state: (state, detail) => this.setState(state, detail),
      progress: (lastTickId, candleSeq, sent) => this.progress(lastTickId, candleSeq, sent),
    });
    this.here.start();
  }

  private startWorker(): void {
    // Said now, as the loop says it first: the worker takes a moment to load.
    this.setState('connecting', '');
    const { entry, tsx } = replicatorWorkerEntry();
    const replicator: WorkerStart = { path: this.opts.journal.path, settings: this.settings() };
    let ready = false;
    let error: Error | null = null;
    // A young generation of 16 MB (V8 grows it to 32): the loop's garbage is short-lived rows.
    const w = new Worker(REPLICATOR_WORKER_BOOT, { eval: true, workerData: { replicator, entry, tsx }, resourceLimits: { maxYoungGenerationSizeMb: 16 } });
    this.worker = w;
    w.on('message', (m: FromWorker) => {
      if (m.t === 'ready') ready = true;
      else this.fromWorker(m);
    });
    w.on('error', (e) => (error = e));
    // Node delivers everything the worker posted before 'exit'.
    this.workerExit = new Promise((resolve) =>
      w.once('exit', (code) => {
        this.worker = null;
        resolve();
        if (!this.running) return;
        // It never ran (this build cannot start it), or it died: whatever it had in flight
        // committed or rolled back with its connection, and the loop goes on here from the
        // database's watermark, as before workers (on a flooded thread it may fall behind).
        const why = error ? (error.message ?? JSON.stringify(error)) : `exit code ${code}`;
        this.setState('connecting', `replicating on the main thread: its worker thread ${ready ? 'stopped' : 'did not start'} (${why})`);
        this.startHere();
      }),
    );
  }

  private fromWorker(m: FromWorker): void {
    const j = this.opts.journal;
    switch (m.t) {
      case 'state':
        this.setState(m.state, m.detail);
        return;
      case 'progress':
        this.progress(m.lastTickId, m.candleSeq, m.sent);
        return;
      case 'synced':
        return this.write(() => j.setSynced(m.sink, m.stream, m.lastId));
      case 'refuse':
        return this.write(() => j.refuseSink(m.sink, m.detail));
      case 'prune':
        return this.write(() => j.pruneSynced(m.olderThanMs));
    }
  }

  /**
   * One of the loop's writes to the journal. One that fails (the file busy past its timeout with
   * another writer) is dropped: what the sink confirmed is written again with the next batch, and
   * pruning tries again a minute later.
   */
  private write(fn: () => unknown): void {
    if (!this.opts.journal.db.open) return;
    try {
      fn();
    } catch {
      // see above
    }
  }
}
