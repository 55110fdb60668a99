// Chart indicators on a live bar: all seven (VWAP, SMA, EMA, Bollinger, RSI, MACD, Supertrend) updated
// incrementally, against recomputing each one's last value from the candles on every update.
import { gaussian, mulberry32 } from '../src/engine/sim/market/random';
import { createIndicator, type IndicatorSpecInput } from '../src/shared/indicators';
import type { Candle } from '../src/shared/model';
import { fmt, timeLoop } from './util';

const SPECS: IndicatorSpecInput[] = [
  { kind: 'vwap' },
  { kind: 'sma', period: 20 },
  { kind: 'ema', period: 20 },
  { kind: 'bollinger', period: 20, stdDev: 2 },
  { kind: 'rsi', period: 14 },
  { kind: 'macd', fast: 12, slow: 26, signal: 9 },
  { kind: 'supertrend', period: 10, multiplier: 3 },
];
const UPDATES = 1_000_000;

/** One session of 1-minute NIFTY-like bars (09:15–15:29 IST) and a pool of versions of the live bar. */
function session(): { history: Candle[]; live: Candle[] } {
  const rnd = mulberry32(21);
  const open = Date.UTC(2024, 11, 2, 3, 45) / 1000;
  const bar = (t: number, o: number, vol: number): Candle => {
    const c = o * (1 + vol * gaussian(rnd));
    return { t, o, h: Math.max(o, c) * (1 + Math.abs(vol * gaussian(rnd))), l: Math.min(o, c) * (1 - Math.abs(vol * gaussian(rnd))), c, v: 75 * Math.floor(1 + rnd() * 400) };
  };
  const history: Candle[] = [];
  let price = 24000;
  for (let i = 0; i < 374; i++) {
    const b = bar(open + 60 * i, price, 0.0004);
    history.push(b);
    price = b.c;
  }
  const live = Array.from({ length: 4096 }, () => bar(open + 60 * 374, price, 0.0004));
  return { history, live };
}

// The naive way: each update recomputes every indicator's last value from the candle array. Windowed
// ones read their window; recursive ones (EMA, RSI, MACD, Supertrend, session VWAP) have no window and
// replay the series.
function emaLast(xs: Float64Array, p: number, from = 0): number {
  const a = 2 / (p + 1);
  let e = 0;
  for (let i = from; i < from + p; i++) e += xs[i];
  e /= p;
  for (let i = from + p; i < xs.length; i++) e = a * xs[i] + (1 - a) * e;
  return e;
}
function naiveAll(cs: Candle[], closes: Float64Array): number {
  const n = cs.length;
  let pv = 0;
  let vol = 0;
  for (const c of cs) {
    pv += ((c.h + c.l + c.c) / 3) * c.v;
    vol += c.v;
  }
  const vwap = pv / vol;
  let sum = 0;
  for (let i = n - 20; i < n; i++) sum += closes[i];
  const sma = sum / 20;
  let ss = 0;
  for (let i = n - 20; i < n; i++) ss += (closes[i] - sma) ** 2;
  const upper = sma + 2 * Math.sqrt(ss / 20);
  const ema = emaLast(closes, 20);
  let g = 0;
  let l = 0;
  for (let i = 1; i < n; i++) {
    const ch = closes[i] - closes[i - 1];
    const gi = ch > 0 ? ch : 0;
    const li = ch < 0 ? -ch : 0;
    if (i <= 14) {
      g += gi / 14;
      l += li / 14;
    } else {
      g = (g * 13 + gi) / 14;
      l = (l * 13 + li) / 14;
    }
  }
  const rsi = l === 0 ? 100 : (100 * g) / (g + l);
  const line = new Float64Array(n - 25);
  {
    const af = 2 / 13;
    const as = 2 / 27;
    let f = 0;
    let s = 0;
    for (let i = 0; i < n; i++) {
      if (i < 12) f += closes[i] / 12;
      else f = af * closes[i] + (1 - af) * f;
      if (i < 26) s += closes[i] / 26;
      else s = as * closes[i] + (1 - as) * s;
      if (i >= 25) line[i - 25] = f - s;
    }
  }
  const signal = emaLast(line, 9);
  let atr = 0;
  let up = 0;
  let lo = 0;
  let trendUp = false;
  for (let i = 0; i < n; i++) {
    const c = cs[i];
    const tr = i === 0 ? c.h - c.l : Math.max(c.h - c.l, Math.abs(c.h - cs[i - 1].c), Math.abs(c.l - cs[i - 1].c));
    atr = i < 10 ? atr + tr / 10 : (atr * 9 + tr) / 10;
    if (i < 9) continue;
    const mid = (c.h + c.l) / 2;
    let u = mid + 3 * atr;
    let d = mid - 3 * atr;
    if (i > 9) {
      const pc = cs[i - 1].c;
      if (!(d > lo || pc < lo)) d = lo;
      if (!(u < up || pc > up)) u = up;
      trendUp = trendUp ? !(c.c < d) : c.c > u;
    }
    up = u;
    lo = d;
  }
  return vwap + upper + ema + rsi + line[line.length - 1] + signal + (trendUp ? lo : up);
}

export function benchIndicators(): void {
  const { history, live } = session();
  const inds = SPECS.map((s) => createIndicator(s));
  for (const c of history) for (const ind of inds) ind.push(c);
  for (const ind of inds) ind.push(live[0]);

  let sink = 0;
  const ours = timeLoop(() => {
    for (let k = 0; k < UPDATES; k++) {
      const c = live[k & 4095];
      for (let j = 0; j < inds.length; j++) inds[j].update(c);
    }
    sink += (inds[1].value() as number) ?? 0;
    return UPDATES;
  });

  const cs = [...history, live[0]];
  const closes = new Float64Array(cs.map((c) => c.c));
  // The baseline is tens of times slower, so a pass is a tenth of the updates; rates are per update.
  const naiveUpdates = UPDATES / 10;
  const naive = timeLoop(() => {
    for (let k = 0; k < naiveUpdates; k++) {
      const c = live[k & 4095];
      cs[cs.length - 1] = c;
      closes[closes.length - 1] = c.c;
      sink += naiveAll(cs, closes);
    }
    return naiveUpdates;
  });
  if (sink === 0) console.log('(sink)');

  console.log(`\nIndicators on a live bar (${SPECS.map((s) => s.kind).join(', ')}; ${history.length} 1-minute bars of history)`);
  console.log(`  incremental, all seven     ${fmt(ours.opsPerSec).padStart(12)} live-bar updates/s   (${fmt(UPDATES)} per pass)`);
  console.log(`  recompute from the candles ${fmt(naive.opsPerSec).padStart(12)} live-bar updates/s   (${fmt(naiveUpdates)} per pass)`);
  console.log(`  ratio                      ${(ours.opsPerSec / naive.opsPerSec).toFixed(0).padStart(12)}×`);
}
