// Upstox's 30-level depth "feed": full_d30 subscriptions on the one socket a token may open (there is
// no second socket for depth, as Dhan has), for at most the cap's instruments; the rest stay in the
// recording's own mode. Indices have no book. The snapshots go to the journal beside the ticks, as
// Dhan's depth feed hands its sides to the recorder.
import type { DepthSnapshot } from '../../../shared/model';
import { DEPTH_LEVELS } from './depth-codec';

/**
 * The instruments whose 30-level book is recorded: the first `cap` that have a book (not indices),
 * in the order asked; a notice when some had to be left at 5 levels.
 */
export function planDepth<T extends { key: string; index: boolean }>(refs: readonly T[], cap: number): { deep: T[]; notice?: string } {
  const eligible = refs.filter((r) => !r.index);
  const deep = eligible.slice(0, cap);
  const notice =
    eligible.length > cap ? `depth ${DEPTH_LEVELS}: ${eligible.length} instruments asked for, ${cap} allowed here (full_d30's cap is not published); recording the first ${cap}, the rest with 5 levels` : undefined;
  return { deep, notice };
}

/** Counts what went to the journal, for the recorder's stats and tests. */
export class UpstoxDepthSink {
  snapshots = 0;
  constructor(private readonly put: (snapshot: DepthSnapshot) => void) {}

  /** Both sides of one book. */
  book(sides: readonly [DepthSnapshot, DepthSnapshot]): void {
    this.put(sides[0]);
    this.put(sides[1]);
    this.snapshots += 2;
  }
}
