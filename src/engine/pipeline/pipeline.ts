// normalize (done by the adapter) → validate → enrich → publish. Rejects are counted, never thrown.
import { depthLevels, type Tick } from '../../shared/model';
import type { TickBus } from './bus';

export interface ValidationOptions {
  /** Reject ticks whose exchange time is older than this relative to the receive time. */
  maxPastMs: number;
  /** Reject ticks whose exchange time is this far ahead of the receive time. */
  maxFutureMs: number;
  /** Reject a price more than this fraction away from the instrument's last accepted price (0 = off). */
  priceBand: number;
}

/** Exchange snapshots outside market hours may be days old (weekends, holidays); the future is not. */
export const DEFAULT_VALIDATION: ValidationOptions = { maxPastMs: 5 * 86400_000, maxFutureMs: 60_000, priceBand: 0.2 };

export type RejectReason = 'nonFinite' | 'nonPositive' | 'timestamp' | 'band';

export interface PipelineStats {
  accepted: number;
  rejected: Record<RejectReason, number>;
}

const PRICE_FIELDS = ['ltp', 'atp', 'open', 'high', 'low', 'close'] as const;

export class Pipeline {
  readonly stats: PipelineStats = { accepted: 0, rejected: { nonFinite: 0, nonPositive: 0, timestamp: 0, band: 0 } };
  private readonly lastLtp = new Map<number, number>();
  private readonly lastVolume = new Map<number, number>();
  private readonly opts: ValidationOptions;

  constructor(
    private readonly bus: TickBus,
    opts: Partial<ValidationOptions> = {},
  ) {
    this.opts = { ...DEFAULT_VALIDATION, ...opts };
  }

  get rejectedTotal(): number {
    const r = this.stats.rejected;
    return r.nonFinite + r.nonPositive + r.timestamp + r.band;
  }

  /** Returns why a tick is rejected, or null when it is fit to record. */
  validate(t: Tick): RejectReason | null {
    if (!Number.isFinite(t.ltp) || !Number.isFinite(t.tsExchange)) return 'nonFinite';
    if (t.ltp <= 0) return 'nonPositive';
    for (const f of PRICE_FIELDS) {
      const v = t[f];
      if (v === undefined) continue;
      if (!Number.isFinite(v)) return 'nonFinite';
      // open/high/low/close/atp are 0 before the first trade of the day: allowed.
      if (v < 0) return 'nonPositive';
    }
    const skew = t.tsExchange - t.tsReceived;
    if (skew > this.opts.maxFutureMs || -skew > this.opts.maxPastMs) return 'timestamp';
    if (this.opts.priceBand > 0) {
      const last = this.lastLtp.get(t.instrumentId);
      if (last !== undefined && Math.abs(t.ltp - last) > last * this.opts.priceBand) return 'band';
    }
    return null;
  }

  /** Adds derived fields: best bid/ask, spread, mid, book imbalance, volume since the last tick. */
  enrich(t: Tick): void {
    const book = t.depth5;
    if (book) {
      const n = depthLevels(book);
      const bid = book[0];
      const ask = book[3 * n];
      if (bid > 0) {
        t.bid = bid;
        t.bidQty = book[n];
      }
      if (ask > 0) {
        t.ask = ask;
        t.askQty = book[4 * n];
      }
      if (bid > 0 && ask > 0) {
        t.spread = Math.round((ask - bid) * 1e8) / 1e8;
        t.mid = (ask + bid) / 2;
      }
      let bq = 0;
      let aq = 0;
      for (let i = 0; i < n; i++) {
        bq += book[n + i];
        aq += book[4 * n + i];
      }
      if (bq + aq > 0) t.imbalance = (bq - aq) / (bq + aq);
    }
    if (t.volume !== undefined) {
      const prev = this.lastVolume.get(t.instrumentId);
      // A smaller cumulative volume means a new session: count it from zero.
      t.volDelta = prev === undefined ? 0 : t.volume >= prev ? t.volume - prev : t.volume;
      this.lastVolume.set(t.instrumentId, t.volume);
    }
  }

  /** Validates, enriches and publishes one tick; returns false when it was rejected. */
  ingest(t: Tick): boolean {
    const reason = this.validate(t);
    if (reason) {
      this.stats.rejected[reason]++;
      return false;
    }
    this.enrich(t);
    this.lastLtp.set(t.instrumentId, t.ltp);
    this.stats.accepted++;
    this.bus.publish(t);
    return true;
  }
}
