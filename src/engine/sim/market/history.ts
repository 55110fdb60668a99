// The simulators' price history: a pure function of (instrument, minute), so any page, interval,
// request order, or broker (Kite and Dhan serve the same contract) gives the same candles.
import { IST_MS } from '../../../shared/ist';
import type { Candle } from '../../../shared/model';

/** 32-bit hash of two integers, for history that is the same whichever page asks for it. */
export function hash2(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b ^ 0xc2b2ae35, 0x27d4eb2f);
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  h = Math.imul(h ^ (h >>> 12), 0x297a2d39);
  return ((h ^ (h >>> 15)) >>> 0) / 4294967296;
}

/**
 * The simulator's price history: a smooth path (a few slow waves with per-instrument phases) plus
 * per-minute noise, a pure function of (instrument, minute). Any page, interval or request order
 * gives the same candles, as a real exchange's history does.
 */
export function simHistoryPrice(token: number, basePrice: number, tick: number, minute: number): number {
  const ph = (k: number) => hash2(token, k) * 2 * Math.PI;
  const wave = 0.03 * Math.sin(minute / 9000 + ph(1)) + 0.01 * Math.sin(minute / 700 + ph(2)) + 0.003 * Math.sin(minute / 47 + ph(3));
  const noise = (hash2(token, minute) - 0.5) * 0.002;
  // toFixed: prices on the tick without binary noise (1773.3, not 1773.3000000000002).
  return Number(Math.max(tick, Math.round((basePrice * (1 + wave + noise)) / tick) * tick).toFixed(4));
}


/**
 * Candles of `stepMin` minutes (1440 = daily, stamped 00:00 IST) over NSE hours 09:15–15:30 IST,
 * weekdays, with bucket starts in [from, to]; the candle forming at `now` ends at now.
 */
export function simHistoryCandles(ins: { token: number; basePrice: number; tickSize: number; lotSize: number }, stepMin: number, from: number, to: number, now: number): Candle[] {
  const out: Candle[] = [];
  const px = (ms: number) => simHistoryPrice(ins.token, ins.basePrice, ins.tickSize, Math.floor(ms / 60_000));
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
