// A broker's request limit (Kite historical: 3 a second; Dhan data APIs: 5 a second): callers
// await their turn; turns are spaced evenly so a burst never exceeds the limit in any second.

export class RateLimiter {
  private next = 0;
  private readonly spacingMs: number;

  constructor(
    perSecond: number,
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    this.spacingMs = 1000 / perSecond;
  }

  /** Resolves when the caller may send its request. */
  async take(): Promise<void> {
    const now = this.now();
    const at = Math.max(now, this.next);
    this.next = at + this.spacingMs;
    if (at > now) await this.sleep(at - now);
  }

  /** The server said "too many" anyway (another app on the same key): hold everyone back. */
  backOff(ms: number): void {
    this.next = Math.max(this.next, this.now() + ms);
  }
}

export interface RetryOptions {
  /** Tries in all (5). */
  attempts?: number;
  /** First wait; doubles each time (500 ms). */
  retryMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * One request under the limiter, tried again on retryable errors (429, 5xx, network) with
 * doubling waits; a 429 also holds back the limiter. Anything else is thrown at once.
 */
export async function limitedWithRetry<T>(limiter: RateLimiter, o: RetryOptions, onRetry: () => void, fn: () => Promise<T>): Promise<T> {
  const sleep = o.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  let wait = o.retryMs ?? 500;
  for (let attempt = 1; ; attempt++) {
    await limiter.take();
    try {
      return await fn();
    } catch (e) {
      const err = e as { retryable?: boolean; name?: string };
      if (!err.retryable || attempt >= (o.attempts ?? 5)) throw e;
      onRetry();
      if (err.name === 'RateLimited') limiter.backOff(wait);
      await sleep(wait);
      wait *= 2;
    }
  }
}
