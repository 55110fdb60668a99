// Backfill: a broker's historical candles for one instrument into the journal, where the chart and
// the CSV export join them to the candles of recorded ticks (Journal.chartCandles).
import type { CandleInterval, Instrument } from '../shared/model';
import { BrokerError } from './brokers/errors';
import { fetchKiteHistory, type KiteHistoryOptions } from './brokers/kite/historical';
import { fetchDhanHistory, type DhanHistoryOptions } from './brokers/dhan/historical';
import type { Journal } from './store/journal';

export interface BackfillProgress {
  page: number;
  pages: number;
  candles: number;
  retries: number;
}

export interface BackfillRequest {
  instrument: Instrument;
  interval: CandleInterval;
  from: number;
  to: number;
  onProgress?: (p: BackfillProgress) => void;
}

export interface BackfillResult {
  candles: number;
  first?: number;
  last?: number;
}

/** Kite: pages by span, 3 requests/s, 429s retried; stored with the fetch time (for the seam). */
export async function backfillKite(journal: Journal, kite: Omit<KiteHistoryOptions, 'onPage'>, req: BackfillRequest): Promise<BackfillResult> {
  if (req.instrument.broker !== 'kite') throw new BrokerError(`${req.instrument.exchange}:${req.instrument.symbol} is a ${req.instrument.broker} instrument, not Kite's`, 'kite', false);
  const fetchedAt = Date.now();
  const candles = await fetchKiteHistory({ ...kite, oi: !!req.instrument.expiry, onPage: req.onProgress }, req.instrument.token, req.interval, req.from, req.to);
  journal.upsertCandles(req.instrument.id, req.interval, candles, 'kite', fetchedAt);
  return { candles: candles.length, first: candles[0]?.t, last: candles.at(-1)?.t };
}

/** Dhan: intraday in 90-day pages or daily in one, 5 requests/s, 429s retried. */
export async function backfillDhan(journal: Journal, dhan: Omit<DhanHistoryOptions, 'onPage'>, req: BackfillRequest): Promise<BackfillResult> {
  const fetchedAt = Date.now();
  const candles = await fetchDhanHistory({ ...dhan, onPage: req.onProgress }, req.instrument, req.interval, req.from, req.to);
  journal.upsertCandles(req.instrument.id, req.interval, candles, 'dhan', fetchedAt);
  return { candles: candles.length, first: candles[0]?.t, last: candles.at(-1)?.t };
}
