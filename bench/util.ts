// What every bench shares: a timed loop (after one warm-up call) and the number format.

/** Calls `fn` (which returns how many operations it did) for at least `minMs`; operations per second. */
export function timeLoop(fn: () => number, minMs = 1500): { opsPerSec: number; ms: number } {
  fn(); // warm up
  let ops = 0;
  const start = performance.now();
  let now = start;
  while (now - start < minMs) {
    ops += fn();
    now = performance.now();
  }
  return { opsPerSec: (ops * 1000) / (now - start), ms: now - start };
}

export const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
