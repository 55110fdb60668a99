// The replicator's worker thread: the replication loop (replication.ts) on its own event loop, with
// its own read-only connection to the journal. A feed that floods the engine's main thread holds
// each turn of its event loop for hundreds of milliseconds, and every round trip to the database
// waited for one such turn; here the loop gets its own share of a core, and reading and encoding
// rows costs the main thread nothing. What the loop writes to the journal (what the sink confirmed,
// a refusal, pruning) is posted back to the thread that owns the journal, in order.
//
// Started by Replicator (replicator.ts) through a small CommonJS bootstrap that registers tsx first
// when this file is TypeScript (tests, the CLI); the built engine runs replicator-worker.js, an
// entry of its own in electron.vite.config.ts.
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { Journal } from './journal';
import { CHUNK_ROWS, ReplicationLoop, type SinkSettings, type SinkState } from './replication';

/** What the worker is started with (workerData.replicator). */
export interface WorkerStart {
  /** The journal's file. */
  path: string;
  settings: SinkSettings;
}

/** Messages from the worker, in the order the loop made them. */
export type FromWorker =
  | { t: 'ready' }
  | { t: 'state'; state: SinkState; detail: string }
  | { t: 'progress'; lastTickId: number; candleSeq: number; sent: number }
  | { t: 'synced'; sink: string; stream: string; lastId: number }
  | { t: 'refuse'; sink: string; detail: string }
  | { t: 'prune'; olderThanMs: number };

/** 'stop': end the loop (a batch in flight commits or rolls back first), close, exit. */
export type ToWorker = { t: 'stop' };

/** The journal, read-only; a failure as a plain Error (SQLite's own lose their message crossing to the parent). */
function open(path: string): Journal {
  try {
    return new Journal(path, { readonly: true });
  } catch (e) {
    throw new Error(`cannot open the journal ${path}: ${(e as Error).message}`, { cause: e });
  }
}

function run(port: MessagePort, start: WorkerStart): void {
  const journal = open(start.path);
  const post = (m: FromWorker) => port.postMessage(m);
  const loop = new ReplicationLoop(
    journal,
    {
      setSynced: (sink, stream, lastId) => post({ t: 'synced', sink, stream, lastId }),
      refuseSink: (sink, detail) => post({ t: 'refuse', sink, detail }),
      pruneSynced: (olderThanMs) => post({ t: 'prune', olderThanMs }),
    },
    start.settings,
    {
      state: (state, detail) => post({ t: 'state', state, detail }),
      progress: (lastTickId, candleSeq, sent) => post({ t: 'progress', lastTickId, candleSeq, sent }),
    },
    CHUNK_ROWS.worker,
  );
  port.on('message', (m: ToWorker) => {
    if (m.t !== 'stop') return;
    void loop.stop().finally(() => {
      journal.close();
      port.close();
    });
  });
  post({ t: 'ready' });
  loop.start();
}

// Only as the replicator's worker: imported anywhere else, this module does nothing.
const start = (workerData as { replicator?: WorkerStart } | null)?.replicator;
if (parentPort && start) run(parentPort, start);
