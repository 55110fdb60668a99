// The journal's second thread: a worker with its own connection that does the writer's slow
// housekeeping off the thread the feeds run on.
//  - WAL checkpoints: copying the WAL's pages into the database file and syncing both (two fsyncs)
//    takes tens of milliseconds at tens of thousands of ticks a second. SQLite lets a PASSIVE
//    checkpoint run beside the writer (it never takes the write lock).
//  - tick_index batches (tick-index.ts): reading the new rows back, sorting them by instrument and
//    inserting them costs about as much as writing the ticks; here it runs on the other core, in
//    short transactions (the writer waits at most one of them for its commit).
// The worker is plain CommonJS given as source, so it runs the same under tsx, the CLI and the
// built engine; its index batch is the writer's own fallback: the same SQL and the same functions
// (collectForIndex, sortForIndex, writeIndexSlices: their source is put into it).
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { collectForIndex, INDEX_SQL, READ_SLICE, sortForIndex, writeIndexSlices } from './tick-index';

/**
 * A function's compiled source bound to its name in the worker, and to the name a bundler may have
 * given it (which is the name its compiled callers call it by).
 */
export function compiled(name: string, f: (...args: never[]) => unknown): string {
  return `const ${name} = (${f.toString()});${f.name && f.name !== name ? ` const ${f.name} = ${name};` : ''}`;
}

/** Index entries per transaction in the worker (the writer's commit may wait for one: ~2-4 ms). */
const WORKER_SLICE = 1024;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.sqlite);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('busy_timeout = 5000');
const SQL = ${JSON.stringify(INDEX_SQL)};
// The writer's own batch functions, as compiled, and the name-keeping helper some transpilers wrap
// inner functions in.
const __name = (f) => f;
${compiled('sortForIndex', sortForIndex)}
${compiled('collectForIndex', collectForIndex)}
${compiled('writeIndexSlices', writeIndexSlices)}
let st = null;
function statements() {
  if (!st) st = { upto: db.prepare(SQL.upto), tail: db.prepare(SQL.tail).raw(), insert: db.prepare(SQL.insert), advance: db.prepare(SQL.advance) };
  return st;
}
const transaction = (fn) => db.transaction(fn).immediate();
function index(hi) {
  const s = statements();
  const from = s.upto.get().upto;
  if (hi <= from) return { upto: from, entries: 0 };
  const sorted = collectForIndex(s.tail, from, hi, ${READ_SLICE});
  let entries = 0;
  for (const n of writeIndexSlices(sorted, hi, ${WORKER_SLICE}, transaction, s.insert, s.advance)) entries += n;
  return { upto: hi, entries };
}
parentPort.on('message', (m) => {
  if (m === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    if (m.op === 'index') parentPort.postMessage({ op: 'index', ...index(m.hi) });
    else {
      const r = db.pragma('wal_checkpoint(PASSIVE)')[0];
      parentPort.postMessage({ op: 'checkpoint', busy: r.busy, log: r.log, checkpointed: r.checkpointed });
    }
  } catch (e) {
    parentPort.postMessage({ op: m.op, error: String((e && e.message) || e) });
  }
});
`;

export interface CheckpointResult {
  busy?: number;
  /** WAL frames, and how many of them are now in the database file. */
  log?: number;
  checkpointed?: number;
  error?: string;
}

interface IndexResult {
  upto?: number;
  entries?: number;
  error?: string;
}

type Reply = ({ op: 'checkpoint' } & CheckpointResult) | ({ op: 'index' } & IndexResult);

/**
 * The worker, started on first use. Jobs run one at a time in the order asked; a checkpoint asked
 * for while one waits is not queued twice. If the worker cannot start or dies, the calls return
 * false and the journal does the work on its own thread, as before.
 */
export class JournalWorker {
  private worker: Worker | null = null;
  private failed = false;
  private readonly pending: Array<(r: Reply) => void> = [];
  private checkpointQueued = false;
  private waiters: Array<() => void> = [];
  /** Checkpoints done, and the last one's result (tests, the bench). */
  checkpoints = 0;
  lastCheckpoint: CheckpointResult | null = null;
  /** Index batches done, and their entries. */
  indexBatches = 0;
  indexEntries = 0;

  constructor(private readonly path: string) {}

  /** Asks for a checkpoint; false when there is no worker to do it. */
  checkpoint(): boolean {
    if (!this.ready()) return false;
    if (this.checkpointQueued) return true;
    this.checkpointQueued = true;
    this.send({ op: 'checkpoint' }, (r) => {
      this.checkpointQueued = false;
      this.lastCheckpoint = r as CheckpointResult;
      if (!r.error) this.checkpoints++;
    });
    return true;
  }

  /**
   * Asks for the ticks up to id `hi` to be indexed; `done` gets the new upto (or null when the
   * batch failed: the caller's next batch covers it). False when there is no worker.
   */
  index(hi: number, done: (upto: number | null) => void): boolean {
    if (!this.ready()) return false;
    this.send({ op: 'index', hi }, (r) => {
      const x = r as IndexResult;
      if (x.upto !== undefined) {
        this.indexBatches++;
        this.indexEntries += x.entries ?? 0;
      }
      done(x.upto ?? null);
    });
    return true;
  }

  /** Resolves when no job is running or waiting (tests). */
  idle(): Promise<void> {
    return this.pending.length ? new Promise((r) => this.waiters.push(r)) : Promise.resolve();
  }

  close(): void {
    const w = this.worker;
    this.worker = null;
    this.failed = true;
    this.settle();
    if (!w) return;
    w.postMessage('close');
    // The worker closes its connection and its port; terminate in case it is inside a job.
    setTimeout(() => void w.terminate(), 2_000).unref();
  }

  private ready(): boolean {
    if (this.failed) return false;
    return !!this.worker || this.start();
  }

  private send(msg: { op: 'checkpoint' } | { op: 'index'; hi: number }, then: (r: Reply) => void): void {
    this.pending.push(then);
    this.worker!.postMessage(msg);
  }

  private start(): boolean {
    try {
      const sqlite = createRequire(import.meta.url).resolve('better-sqlite3');
      // Its garbage is a slice of row arrays at a time (the batch itself is in typed arrays, outside the
      // heap): a small young generation does (the default would let it grow to tens of MB).
      const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { sqlite, path: this.path }, resourceLimits: { maxYoungGenerationSizeMb: 8 } });
      w.unref();
      w.on('message', (r: Reply) => {
        this.pending.shift()?.(r);
        if (!this.pending.length) for (const f of this.waiters.splice(0)) f();
      });
      w.on('error', () => this.fail());
      w.on('exit', () => {
        if (this.worker === w) this.fail();
      });
      this.worker = w;
      return true;
    } catch {
      this.failed = true;
      return false;
    }
  }

  private fail(): void {
    this.failed = true;
    this.worker = null;
    this.checkpointQueued = false;
    this.settle();
  }

  /** Answers every job still waiting as failed (an index batch then reports null). */
  private settle(): void {
    for (const then of this.pending.splice(0)) then({ op: 'index', error: 'journal worker stopped' });
    for (const f of this.waiters.splice(0)) f();
  }
}
