// Exponential backoff with jitter, so that many recorders do not reconnect in lockstep.

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** 0 = no jitter; 0.5 = each delay is drawn from [50 %, 100 %] of the nominal delay. */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 30_000, jitter: 0.5 };

export class Backoff {
  private attempt = 0;
  constructor(
    private readonly opts: BackoffOptions = DEFAULT_BACKOFF,
    private readonly random: () => number = Math.random,
  ) {}

  /** Delay before the next attempt; each call doubles the nominal delay up to maxMs. */
  next(): number {
    const nominal = Math.min(this.opts.maxMs, this.opts.initialMs * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    return Math.round(nominal * (1 - this.opts.jitter * this.random()));
  }

  reset(): void {
    this.attempt = 0;
  }
}
