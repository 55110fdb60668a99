// Backfill: a broker's historical candles for one instrument into the journal, where the chart and
// the CSV export join them to the candles of recorded ticks (Journal.chartCandles).
import type { Candle } from '../shared/model';
import { BrokerError } from './brokers/errors';
import type { BackfillProgress, BackfillRequest, BackfillResult } from './brokers/types';
import type { Journal } from './store/journal';

// The types are brokers/types.ts's (adapters name them; they reach this through StoreContext).
export type { BackfillProgress, BackfillRequest, BackfillResult };

/**
 * Fetches one instrument's candles with the broker's history client (which pages by its span
 * limits, keeps under its rate limit and retries 429s) and stores them with the fetch time (for
 * the seam with recorded ticks). The adapters call this through their StoreContext.
 */
export async function backfill(journal: Journal, broker: string, fetch: (req: BackfillRequest) => Promise<Candle[]>, req: BackfillRequest): Promise<BackfillResult> {
  // Every adapter's history is its own broker's: another broker's instrument is refused here, once.
  const ins = req.instrument;
  if (ins.broker !== broker) throw new BrokerError(`${ins.exchange}:${ins.symbol} is a ${ins.broker} instrument, not ${broker}'s`, broker, false);
  const fetchedAt = Date.now();
  const candles = await fetch(req);
  journal.upsertCandles(req.instrument.id, req.interval, candles, broker, fetchedAt);
  return { candles: candles.length, first: candles[0]?.t, last: candles.at(-1)?.t };
}
