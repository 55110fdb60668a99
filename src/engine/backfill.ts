// Backfill: a broker's historical candles for one instrument into the journal, where the chart and
// the CSV export join them to the candles of recorded ticks (Journal.chartCandles).
import type { Candle, CandleInterval, Instrument } from '../shared/model';
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

/**
 * Fetches one instrument's candles with the broker's history client (which pages by its span
 * limits, keeps under its rate limit and retries 429s) and stores them with the fetch time (for
 * the seam with recorded ticks). The adapters (brokers/<name>/index.ts) call this.
 */
export async function backfill(journal: Journal, broker: string, fetch: (req: BackfillRequest) => Promise<Candle[]>, req: BackfillRequest): Promise<BackfillResult> {
  const fetchedAt = Date.now();
  const candles = await fetch(req);
  journal.upsertCandles(req.instrument.id, req.interval, candles, broker, fetchedAt);
  return { candles: candles.length, first: candles[0]?.t, last: candles.at(-1)?.t };
}
