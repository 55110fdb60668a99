// The simulators' price history: the same fair price the live model samples (see pricing.ts),
// taken each minute, so any page, interval, request order or broker (Kite and Dhan serve the same
// contract) gives the same candles, and the last candle runs into the live price.
import { istDay } from '../../../shared/ist';
import type { Candle } from '../../../shared/model';
import { addDays, istMidnightOf, sessionWindows } from '../../../shared/nse-calendar';
import { hash2 } from './hash';
import { fairOnTick, roundToTick, spotPrice, type PricedInstrument } from './pricing';
import { closingPrice, sessionKindOf } from './session';

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

/**
 * Candles of `stepMin` minutes (1440 = daily, stamped 00:00 IST) over the instrument's continuous
 * session on NSE's trading days (shared/nse-calendar.ts): 09:15–15:30 IST for the cash and F&O
 * segments, never on a weekend or an exchange holiday, with bucket starts in [from, to]; the
 * candle forming at `now` ends at now. Where the day opens with the pre-open call auction (shares,
 * indices, near-month futures), the day's first candle and the daily candle open at the 09:08
 * equilibrium price; a finished day's daily candle closes at the closing price (session.ts).
 */
export function simHistoryCandles(ins: HistoryInstrument, stepMin: number, from: number, to: number, now: number): Candle[] {
  const out: Candle[] = [];
  const priced: PricedInstrument = { segment: 'NSE', exchange: 'NSE', instrumentType: 'EQ', ...ins };
  const px = (ms: number) => fairOnTick(priced, ms);
  const minuteVolume = (m: number) => Math.floor(hash2(ins.token, Math.floor(m / 60_000) + 7) * 200) * ins.lotSize;
  for (let day = istDay(from); istMidnightOf(day) <= to; day = addDays(day, 1)) {
    const kind = sessionKindOf(priced, day);
    const windows = sessionWindows(day, kind);
    const session = windows.find((w) => w.phase === 'open');
    if (!session) continue; // a weekend or a holiday
    const auctionAt = windows.find((w) => w.phase === 'pre-open')?.auctionAt;
    const firstPrint = auctionAt ?? session.start;
    if (firstPrint > now) continue;
    if (stepMin === 1440) {
      const stamp = istMidnightOf(day);
      if (stamp < from || stamp > to) continue;
      const end = Math.min(session.end, Math.max(session.start, now - 60_000));
      const o = px(firstPrint);
      let h = o;
      let l = o;
      let v = 0;
      if (now >= session.start)
        for (let m = session.start; m <= end; m += 60_000) {
          const p = px(m);
          if (p > h) h = p;
          if (p < l) l = p;
          v += minuteVolume(m);
        }
      const done = now >= session.end;
      const c = done ? closingPrice(px, priced, day, priced.tickSize)! : now >= session.start ? px(end) : o;
      out.push({ t: stamp / 1000, o, h: Math.max(h, c), l: Math.min(l, c), c, v });
      continue;
    }
    for (let t = session.start; t < session.end; t += stepMin * 60_000) {
      if (t < from || t > to || t > now) continue;
      const end = Math.min(t + stepMin * 60_000, session.end, Math.max(t, now - 60_000));
      const o = t === session.start ? px(firstPrint) : px(t);
      let h = o;
      let l = o;
      let v = 0;
      for (let m = t; m <= end; m += 60_000) {
        const p = px(m);
        if (p > h) h = p;
        if (p < l) l = p;
        v += minuteVolume(m);
      }
      const c = px(end); // the forming bar's end need not fall on a minute
      out.push({ t: t / 1000, o, h: Math.max(h, c), l: Math.min(l, c), c, v });
    }
  }
  return out;
}
