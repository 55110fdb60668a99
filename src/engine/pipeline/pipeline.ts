// normalize (done by the adapter) → validate → enrich → publish. Rejects are counted, never thrown.
import type { RejectReason } from '../../shared/api';
import { depthLevels, type Tick } from '../../shared/model';
import type { TickBus } from './bus';

export type { RejectReason };

export interface ValidationOptions {
  /** Reject ticks whose exchange time is older than this relative to the receive time. */
  maxPastMs: number;
  /** Reject ticks whose exchange time is this far ahead of the receive time. */
  maxFutureMs: number;
  /** Reject a price more than this fraction away from the instrument's last accepted price (0 = off). */
  priceBand: number;
  /**
   * The band is never narrower than this many of the instrument's ticks: at ₹0.20 one ₹0.05 tick
   * is already 25 %, and a fraction alone would refuse every next price of a cheap option.
   */
  bandTicks: number;
  /**
   * After this many band rejects in a row for one instrument on prices within a band of each
   * other, the next such price is accepted and the band moves there: a real jump (a circuit, a
   * result) must not silence an instrument for the rest of the day. 0 = never.
   */
  reanchorAfter: number;
  /** The tick size of an instrument whose own is not known. */
  defaultTickSize: number;
}

/** Exchange snapshots outside market hours may be days old (weekends, holidays); the future is not. */
export const DEFAULT_VALIDATION: ValidationOptions = {
  maxPastMs: 5 * 86400_000,
  maxFutureMs: 60_000,
  priceBand: 0.2,
  bandTicks: 10,
  reanchorAfter: 5,
  defaultTickSize: 0.05,
};

export const REJECT_REASONS: readonly RejectReason[] = ['band', 'timestamp', 'nonFinite', 'nonPositive'];

const noRejects = (): Record<RejectReason, number> => ({ nonFinite: 0, nonPositive: 0, timestamp: 0, band: 0 });

export interface PipelineStats {
  accepted: number;
  rejected: Record<RejectReason, number>;
  /** Times a band moved to a new level after reanchorAfter consistent rejects. */
  reanchored: number;
}

/** One instrument's rejects (and band moves) since the pipeline started. */
export interface InstrumentRejectStats {
  instrumentId: number;
  total: number;
  rejected: Record<RejectReason, number>;
  reanchored: number;
}

/**
 * Per-instrument counters are kept for at most this many instruments (those with rejects; in
 * practice the subscribed ones with bad data): memory is bounded by instruments, never by ticks.
 */
export const MAX_INSTRUMENTS_TRACKED = 10_000;

/** The band of one instrument: its last accepted price, and the current run of consistent out-of-band prices. */
interface Band {
  ltp: number;
  tick: number;
  /** The first price of the current run of out-of-band prices, and how many agreed with it. */
  runFrom: number;
  run: number;
}

const PRICE_FIELDS = ['ltp', 'atp', 'open', 'high', 'low', 'close'] as const;

export class Pipeline {
  readonly stats: PipelineStats = { accepted: 0, rejected: noRejects(), reanchored: 0 };
  private readonly bands = new Map<number, Band>();
  private readonly lastVolume = new Map<number, number>();
  private readonly byInstrument = new Map<number, InstrumentRejectStats>();
  private readonly opts: ValidationOptions;

  /** `tickSizeOf` gives an instrument's tick size (from the journal's instruments), read once per instrument. */
  constructor(
    private readonly bus: TickBus,
    opts: Partial<ValidationOptions> = {},
    private readonly tickSizeOf: (instrumentId: number) => number | undefined = () => undefined,
  ) {
    this.opts = { ...DEFAULT_VALIDATION, ...opts };
  }

  get rejectedTotal(): number {
    const r = this.stats.rejected;
    return r.nonFinite + r.nonPositive + r.timestamp + r.band;
  }

  /** Instruments with rejects or band moves (counted up to MAX_INSTRUMENTS_TRACKED). */
  get instrumentsWithRejects(): number {
    return this.byInstrument.size;
  }

  /** The `limit` instruments with the most rejects, most first (ties: lower id first). */
  rejectsByInstrument(limit = 10): InstrumentRejectStats[] {
    return [...this.byInstrument.values()]
      .sort((a, b) => b.total - a.total || b.reanchored - a.reanchored || a.instrumentId - b.instrumentId)
      .slice(0, limit)
      .map((r) => ({ ...r, rejected: { ...r.rejected } }));
  }

  /** The band around `ltp`: a fraction of it, but never fewer than bandTicks ticks. */
  private bandWidth(ltp: number, tick: number): number {
    return Math.max(ltp * this.opts.priceBand, this.opts.bandTicks * tick);
  }

  private within(price: number, ref: number, tick: number): boolean {
    // A hair of slack: 0.25 − 0.20 is 0.05000000000000002 in binary.
    return Math.abs(price - ref) <= this.bandWidth(ref, tick) * (1 + 1e-9);
  }

  /** Returns why a tick is rejected, or null when it is fit to record (the price band aside: see ingest). */
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
    return null;
  }

  /**
   * The price band: 'band' when the price is out of it, 'reanchor' when it is out but the
   * reanchorAfter prices before it were too and agreed with it (the band then moves to it).
   * Updates the run of out-of-band prices.
   */
  private checkBand(t: Tick, b: Band | undefined): 'band' | 'reanchor' | null {
    if (!b || this.opts.priceBand <= 0) return null;
    if (this.within(t.ltp, b.ltp, b.tick)) {
      b.run = 0;
      return null;
    }
    if (b.run > 0 && this.within(t.ltp, b.runFrom, b.tick)) {
      if (this.opts.reanchorAfter > 0 && b.run >= this.opts.reanchorAfter) {
        b.run = 0;
        return 'reanchor';
      }
      b.run++;
    } else {
      // A price that agrees with neither the band nor the run so far starts a new run.
      b.runFrom = t.ltp;
      b.run = 1;
    }
    return 'band';
  }

  private tickOf(id: number): number {
    const tick = this.tickSizeOf(id);
    return tick !== undefined && Number.isFinite(tick) && tick > 0 ? tick : this.opts.defaultTickSize;
  }

  private instrumentStats(id: number): InstrumentRejectStats | undefined {
    let r = this.byInstrument.get(id);
    if (!r && this.byInstrument.size < MAX_INSTRUMENTS_TRACKED) {
      r = { instrumentId: id, total: 0, rejected: noRejects(), reanchored: 0 };
      this.byInstrument.set(id, r);
    }
    return r;
  }

  private reject(t: Tick, reason: RejectReason): false {
    this.stats.rejected[reason]++;
    const r = this.instrumentStats(t.instrumentId);
    if (r) {
      r.rejected[reason]++;
      r.total++;
    }
    return false;
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
    if (reason) return this.reject(t, reason);
    const b = this.bands.get(t.instrumentId);
    const band = this.checkBand(t, b);
    if (band === 'band') return this.reject(t, 'band');
    if (band === 'reanchor') {
      this.stats.reanchored++;
      const r = this.instrumentStats(t.instrumentId);
      if (r) r.reanchored++;
    }
    this.enrich(t);
    if (b) b.ltp = t.ltp;
    else this.bands.set(t.instrumentId, { ltp: t.ltp, tick: this.tickOf(t.instrumentId), runFrom: 0, run: 0 });
    this.stats.accepted++;
    this.bus.publish(t);
    return true;
  }
}
