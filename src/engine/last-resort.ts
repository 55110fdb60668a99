// The last resort of a long-running process (`tickdesk record`, `tickdesk serve`, the desktop
// engine): an error nothing caught may end the process, but it must never cost data. What the
// journal has queued is committed, the journal closed, the error printed, and the process exits 70
// (EX_SOFTWARE from sysexits.h: a bug, not bad input or a refused login).
import { inspect } from 'node:util';
import type { Journal } from './store/journal';

export const EXIT_INTERNAL_ERROR = 70;

export interface LastResortOptions {
  /** Who speaks in the message, e.g. "tickdesk record". */
  name: string;
  /** The journal to commit and close; null while none is open. */
  journal: () => Journal | null;
  /** Also tells whoever supervises the process (the desktop engine tells Electron main). */
  report?: (message: string) => void;
}

/**
 * Handles `uncaughtException` and `unhandledRejection` for the rest of the process's life (or
 * until the returned function removes the handlers). Everything it does is synchronous: nothing
 * else runs between the error and the exit, so no tick arrives after the journal has closed.
 */
export function installLastResort(opts: LastResortOptions): () => void {
  let handling = false;
  const fatal = (err: unknown, origin: string) => {
    // A second error while committing (say, the disk is full) must not start over: just go.
    if (handling) return;
    handling = true;
    const out = (line: string) => process.stderr.write(`${line}\n`);
    if (process.stderr.isTTY) process.stderr.write('\n'); // off the progress line being rewritten
    const what = err instanceof Error ? (err.stack ?? `${err.name}: ${err.message}`) : inspect(err);
    out(`${opts.name}: internal error (${origin === 'unhandledRejection' ? 'unhandled promise rejection' : 'uncaught exception'}), stopping: ${what}`);
    const summary = `${opts.name}: internal error: ${err instanceof Error ? err.message : inspect(err)}; ${closeJournal(opts.journal())}`;
    out(summary);
    try {
      opts.report?.(summary);
    } catch {
      // The supervisor is gone too; stderr has it.
    }
    process.exit(EXIT_INTERNAL_ERROR);
  };
  const onException = (err: unknown, origin: string) => fatal(err, origin);
  const onRejection = (reason: unknown) => fatal(reason, 'unhandledRejection');
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  };
}

/** Commits what is queued and closes; says what the journal holds from this run. */
function closeJournal(journal: Journal | null): string {
  if (!journal) return 'no journal was open';
  if (!journal.db.open) return `the journal ${journal.path} was already closed (committed ${journal.committed} ticks)`;
  const before = journal.committed;
  const depthBefore = journal.depthCommitted;
  try {
    journal.close();
  } catch (e) {
    return `the journal ${journal.path} could not commit what was queued (${(e as Error).message}); the ${journal.committed} ticks committed before stay`;
  }
  const depth = journal.depthCommitted ? ` and ${journal.depthCommitted} depth snapshots` : '';
  return (
    `committed ${journal.committed} ticks${depth} to ${journal.path} ` +
    `(${journal.committed - before} ticks and ${journal.depthCommitted - depthBefore} depth snapshots of them were queued at the error) and closed it`
  );
}
