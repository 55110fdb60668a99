// WAL checkpoints on a worker thread with its own connection to the journal. A checkpoint copies
// the WAL's pages into the database file and syncs both (two fsyncs): at tens of thousands of ticks
// a second that is tens of milliseconds, which on the writer's thread would stall the feeds and the
// page. SQLite lets a PASSIVE checkpoint run beside the writer (it never takes the write lock), so
// the writer only asks and goes on. The worker is plain CommonJS given as source: it needs nothing
// but better-sqlite3, so it runs the same under tsx, the CLI and the built engine.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.sqlite);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('busy_timeout = 5000');
parentPort.on('message', (m) => {
  if (m === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    const r = db.pragma('wal_checkpoint(PASSIVE)')[0];
    parentPort.postMessage({ busy: r.busy, log: r.log, checkpointed: r.checkpointed });
  } catch (e) {
    parentPort.postMessage({ error: String((e && e.message) || e) });
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

/**
 * Asks a worker to checkpoint; one at a time, a request while one runs is coalesced into one more
 * after it. If the worker cannot start or dies, `request` returns false and the caller checkpoints
 * itself (the journal then does it on its own thread, as before).
 */
export class Checkpointer {
  private worker: Worker | null = null;
  private failed = false;
  private busy = false;
  private again = false;
  /** Checkpoints done, and the last one's result (tests, the bench). */
  done = 0;
  last: CheckpointResult | null = null;
  private waiters: Array<() => void> = [];

  constructor(private readonly path: string) {}

  /** Asks for a checkpoint; false when there is no worker to do it. */
  request(): boolean {
    if (this.failed) return false;
    if (!this.worker && !this.start()) return false;
    if (this.busy) this.again = true;
    else this.post();
    return true;
  }

  /** Resolves when no checkpoint is running or asked for (tests). */
  idle(): Promise<void> {
    return this.busy ? new Promise((r) => this.waiters.push(r)) : Promise.resolve();
  }

  close(): void {
    const w = this.worker;
    this.worker = null;
    this.failed = true;
    if (!w) return;
    w.postMessage('close');
    // The worker closes its connection and its port; terminate in case it is inside a checkpoint.
    setTimeout(() => void w.terminate(), 2_000).unref();
    for (const r of this.waiters.splice(0)) r();
  }

  private start(): boolean {
    try {
      const sqlite = createRequire(import.meta.url).resolve('better-sqlite3');
      const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { sqlite, path: this.path } });
      w.unref();
      w.on('message', (r: CheckpointResult) => {
        this.done++;
        this.last = r;
        this.busy = false;
        if (this.again && this.worker) {
          this.again = false;
          this.post();
        } else for (const f of this.waiters.splice(0)) f();
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

  private post(): void {
    this.busy = true;
    this.worker!.postMessage('checkpoint');
  }

  private fail(): void {
    this.failed = true;
    this.worker = null;
    this.busy = false;
    for (const r of this.waiters.splice(0)) r();
  }
}
