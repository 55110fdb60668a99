// The simulators' price history: the same fair price the live model samples (see pricing.ts),
// taken each minute, so any page, interval, request order or broker (Kite and Dhan serve the same
// contract) gives the same candles, and the last candle runs into the live price.
import { IST_MS } from '../../../shared/ist';
import type { Candle } from '../../../shared/model';
import { hash2 } from './hash';
import { fairOnTick, roundToTick, spotPrice, type PricedInstrument } from './pricing';

export { hash2 } from './hash';

/**
 * An underlying's price at the start of `minute` (minutes since the epoch), on the tick: a pure
 * function of (instrument, minute). `segment`/`exchange` choose how much it moves (a stock's by
 * default).
 */
export function simHistoryPrice(token: number, basePrice: number, tick: number, minute: number, kind: { segment: string; exchange: string } = { segment: 'NSE', exchange: 'NSE' }): number {
  return roundToTick(spotPrice({ token, basePrice, ...kind }, minute * 60_000), tick);
}

/** What a history request needs of an instrument (a SimInstrument has it all). */
export type HistoryInstrument = { token: number; basePrice: number; tickSize: number; lotSize: number } & Partial<Omit<PricedInstrument, 'token' | 'basePrice' | 'tickSize'>>;

function pricer(ins: HistoryInstrument): (ms: number) => number {
  const priced: PricedInstrument = { segment: 'NSE', exchange: 'NSE', instrumentType: 'EQ', ...ins };
  return (ms) => fairOnTick(priced, ms);
}

/**
 * Candles of `stepMin` minutes (1440 = daily, stamped 00:00 IST) over NSE hours 09:15–15:30 IST,
 * weekdays, with bucket starts in [from, to]; the candle forming at `now` ends at now.
 */
export function simHistoryCandles(ins: HistoryInstrument, stepMin: number, from: number, to: number, now: number): Candle[] {
  const out: Candle[] = [];
  const px = pricer(ins);
  for (let day = Math.floor((from + IST_MS) / 86400_000); day * 86400_000 - IST_MS <= to; day++) {
    const dayStartIst = day * 86400_000 - IST_MS; // 00:00 IST in UTC ms
    const wd = new Date(day * 86400_000).getUTCDay();
    if (wd === 0 || wd === 6) continue;
    const open = dayStartIst + (9 * 60 + 15) * 60_000;
    const close = dayStartIst + (15 * 60 + 30) * 60_000;
    const spans: Array<[number, number]> = [];
    if (stepMin === 1440) spans.push([dayStartIst, close - open]);
    else for (let t = open; t < close; t += stepMin * 60_000) spans.push([t, Math.min(stepMin * 60_000, close - t)]);
    for (const [t, len] of spans) {
      if (t < from || t > to || t > now) continue;
      const start = stepMin === 1440 ? open : t;
      const end = Math.min(start + len, Math.max(start, now - 60_000));
      let h = -Infinity;
      let l = Infinity;
      let v = 0;
      for (let m = start; m <= end; m += 60_000) {
        const p = px(m);
        if (p > h) h = p;
        if (p < l) l = p;
        v += Math.floor(hash2(ins.token, Math.floor(m / 60_000) + 7) * 200) * ins.lotSize;
      }
      out.push({ t: t / 1000, o: px(start), h, l, c: px(end), v });
    }
  }
  return out;
}
