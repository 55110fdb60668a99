// The chart's join of backfilled history and candles built from recorded ticks: a pure policy, no
// SQL (the journal's candles module feeds it).
import { INTERVAL_SECONDS, type Candle, type CandleInterval } from '../../../shared/model';
import { candlesFromTicks, type CandleInput } from '../../pipeline/candles';

/** A backfilled candle and when it was fetched (ms). */
export type StoredCandle = Candle & { fetchedAt: number };

export interface HistoryAndLive {
  interval: CandleInterval;
  /** Backfilled candles, in time order. */
  history: readonly StoredCandle[];
  /** Candles built from the recorded ticks of the same range. */
  live: readonly Candle[];
  /** The instrument's first recorded tick (ms); null when there is none. */
  recordingFrom: number | null;
  /** Feed outages overlapping the range (ms; endTs null: still open). */
  gaps: ReadonlyArray<{ startTs: number; endTs: number | null }>;
  /** The ticks with exchange time in [fromMs, toMs) received after `receivedAfter` (ms), in time order. */
  ticksReceivedAfter: (fromMs: number, toMs: number, receivedAfter: number) => Iterable<CandleInput>;
}

/**
 * Each bucket once, in time order. A bucket the recorder saw whole (recording since before it
 * began, no feed gap in it) comes from ticks. Otherwise history decides: a bucket that was over when
 * fetched is taken as fetched; one still forming then (the seam) is the fetched part extended by the
 * ticks received after the fetch — open from history, high/low from both, close from the last tick,
 * volume fetched + traded since, so nothing is counted twice or missed. Buckets only ticks have
 * come from ticks.
 */
export function mergeHistoryAndLive({ interval, history, live, recordingFrom, gaps, ticksReceivedAfter }: HistoryAndLive): Candle[] {
  if (history.length === 0) return [...live];
  const lenMs = INTERVAL_SECONDS[interval] * 1000;
  const covered = (t: number) => recordingFrom !== null && recordingFrom <= t * 1000 && !gaps.some((g) => g.startTs < t * 1000 + lenMs && (g.endTs ?? Infinity) > t * 1000);
  const byT = new Map(live.map((c) => [c.t, c]));
  const out: Candle[] = [];
  for (const h of history) {
    const l = byT.get(h.t);
    const { fetchedAt, ...bar } = h;
    if (l && covered(h.t)) continue; // the ticks' candle goes in below
    byT.delete(h.t);
    if (!l || fetchedAt >= h.t * 1000 + lenMs) {
      out.push(bar);
      continue;
    }
    const post = candlesFromTicks(ticksReceivedAfter(h.t * 1000, h.t * 1000 + lenMs, fetchedAt), interval)[0];
    if (!post) out.push(bar);
    else {
      const m: Candle = { t: h.t, o: h.o, h: Math.max(h.h, post.h), l: Math.min(h.l, post.l), c: post.c, v: h.v + post.v };
      const oi = post.oi ?? h.oi;
      if (oi !== undefined) m.oi = oi;
      out.push(m);
    }
  }
  for (const c of byT.values()) out.push(c);
  return out.sort((a, b) => a.t - b.t);
}
