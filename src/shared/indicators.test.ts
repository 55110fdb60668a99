import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gaussian, mulberry32 } from '../engine/sim/market/random';
import { createIndicator, indicatorSeries, parseIndicatorSpec, type Bands, type IndicatorSpec, type IndicatorSpecInput, type MacdValue, type SupertrendValue } from './indicators';
import { istDay } from './ist';
import type { Candle } from './model';

// ---------------------------------------------------------------------------------------------------
// Reference implementations: each recomputes the whole series from scratch, written the plain way.

type Src = 'close' | 'open' | 'high' | 'low' | 'hl2' | 'hlc3' | 'ohlc4';
function src(c: Candle, s: Src = 'close'): number {
  if (s === 'close') return c.c;
  if (s === 'open') return c.o;
  if (s === 'high') return c.h;
  if (s === 'low') return c.l;
  if (s === 'hl2') return (c.h + c.l) / 2;
  if (s === 'hlc3') return (c.h + c.l + c.c) / 3;
  return (c.o + c.h + c.l + c.c) / 4;
}

function refSmaAt(xs: number[], p: number, i: number): number | undefined {
  if (i < p - 1) return undefined;
  let sum = 0;
  for (let j = i - p + 1; j <= i; j++) sum += xs[j];
  return sum / p;
}

function refStdAt(xs: number[], p: number, i: number): number | undefined {
  const mean = refSmaAt(xs, p, i);
  if (mean === undefined) return undefined;
  let ss = 0;
  for (let j = i - p + 1; j <= i; j++) ss += (xs[j] - mean) ** 2;
  return Math.sqrt(ss / p);
}

function refEma(xs: number[], p: number): Array<number | undefined> {
  const out: Array<number | undefined> = [];
  const a = 2 / (p + 1);
  let prev = 0;
  for (let i = 0; i < xs.length; i++) {
    if (i < p - 1) out.push(undefined);
    else if (i === p - 1) out.push((prev = xs.slice(0, p).reduce((s, x) => s + x, 0) / p));
    else out.push((prev = a * xs[i] + (1 - a) * prev));
  }
  return out;
}

function refRma(xs: number[], p: number): Array<number | undefined> {
  const out: Array<number | undefined> = [];
  let prev = 0;
  for (let i = 0; i < xs.length; i++) {
    if (i < p - 1) out.push(undefined);
    else if (i === p - 1) out.push((prev = xs.slice(0, p).reduce((s, x) => s + x, 0) / p));
    else out.push((prev = (prev * (p - 1) + xs[i]) / p));
  }
  return out;
}

function refRsi(xs: number[], p: number): Array<number | undefined> {
  const gains = xs.slice(1).map((x, i) => Math.max(x - xs[i], 0));
  const losses = xs.slice(1).map((x, i) => Math.max(xs[i] - x, 0));
  const g = refRma(gains, p);
  const l = refRma(losses, p);
  return [undefined, ...g.map((gi, i) => (gi === undefined ? undefined : l[i] === 0 ? 100 : 100 - 100 / (1 + gi / l[i]!)))];
}

interface RefMacd {
  out: Array<MacdValue | undefined>;
  /** max(|fast EMA|, |slow EMA|): the magnitude the MACD line is a difference of. */
  scale: number[];
}
function refMacd(xs: number[], fast: number, slow: number, signal: number): RefMacd {
  const f = refEma(xs, fast);
  const s = refEma(xs, slow);
  const line = xs.map((_, i) => (s[i] === undefined ? undefined : f[i]! - s[i]!));
  const defined = line.filter((x): x is number => x !== undefined);
  const sig = refEma(defined, signal);
  const offset = line.length - defined.length;
  return {
    out: line.map((m, i) => (m === undefined || sig[i - offset] === undefined ? undefined : { macd: m, signal: sig[i - offset]!, histogram: m - sig[i - offset]! })),
    scale: xs.map((_, i) => Math.max(Math.abs(f[i] ?? 0), Math.abs(s[i] ?? 0))),
  };
}

/** Pine's ta.supertrend, line by line (bands compared by value), with the first band unratcheted. */
function refSupertrend(cs: Candle[], p: number, m: number): Array<SupertrendValue | undefined> {
  const tr = cs.map((c, i) => (i === 0 ? c.h - c.l : Math.max(c.h - c.l, Math.abs(c.h - cs[i - 1].c), Math.abs(c.l - cs[i - 1].c))));
  const atr = refRma(tr, p);
  const out: Array<SupertrendValue | undefined> = [];
  let pu = 0;
  let pl = 0;
  let pst = 0;
  for (let i = 0; i < cs.length; i++) {
    if (atr[i] === undefined) {
      out.push(undefined);
      continue;
    }
    const hl2 = (cs[i].h + cs[i].l) / 2;
    let up = hl2 + m * atr[i]!;
    let lo = hl2 - m * atr[i]!;
    let dir: 1 | -1;
    if (atr[i - 1] === undefined) dir = 1;
    else {
      const pc = cs[i - 1].c;
      lo = lo > pl || pc < pl ? lo : pl;
      up = up < pu || pc > pu ? up : pu;
      if (pst === pu) dir = cs[i].c > up ? -1 : 1;
      else dir = cs[i].c < lo ? 1 : -1;
    }
    const st = dir === -1 ? lo : up;
    out.push({ value: st, direction: dir === -1 ? 'up' : 'down' });
    pu = up;
    pl = lo;
    pst = st;
  }
  return out;
}

function refVwap(cs: Candle[]): Array<number | undefined> {
  const out: Array<number | undefined> = [];
  let day = '';
  let pv = 0;
  let vol = 0;
  for (const c of cs) {
    const d = istDay(c.t * 1000);
    if (d !== day) {
      day = d;
      pv = 0;
      vol = 0;
    }
    pv += ((c.h + c.l + c.c) / 3) * c.v;
    vol += c.v;
    out.push(vol > 0 ? pv / vol : undefined);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------

/** |actual − expected| ≤ 1e-9 × scale (scale: |expected| unless the value is a difference of larger ones). */
function near(actual: number | undefined, expected: number | undefined, what: string, scale = Math.abs(expected ?? 0)): void {
  if (expected === undefined || actual === undefined) {
    assert.equal(actual, expected, what);
    return;
  }
  assert.ok(Math.abs(actual - expected) <= 1e-9 * scale, `${what}: ${actual} vs reference ${expected}`);
}

/** Checks `got` (the last bar's output) against a full recompute over `cs` (the spec with its defaults filled in). */
function checkLast(spec: IndicatorSpec, cs: Candle[], got: unknown, what: string): void {
  const i = cs.length - 1;
  const s = spec as Record<string, any>;
  const xs = cs.map((c) => src(c, s.source));
  switch (spec.kind) {
    case 'sma':
      return near(got as number | undefined, refSmaAt(xs, s.period, i), what);
    case 'ema':
      return near(got as number | undefined, refEma(xs, s.period)[i], what);
    case 'bollinger': {
      const b = got as Bands | undefined;
      const mid = refSmaAt(xs, s.period, i);
      if (mid === undefined) return assert.equal(b, undefined, what);
      assert.ok(b, what);
      const sd = refStdAt(xs, s.period, i)!;
      near(b.middle, mid, `${what} middle`);
      near(b.upper, mid + s.stdDev * sd, `${what} upper`);
      near(b.lower, mid - s.stdDev * sd, `${what} lower`);
      // The band width alone, against the deviation: a real test of the variance's digits.
      near(b.upper - b.middle, s.stdDev * sd, `${what} width`);
      return;
    }
    case 'rsi':
      // RSI lives on 0..100; the reference's 100 − 100/(1+RS) loses digits near 0, so the scale is 100.
      return near(got as number | undefined, refRsi(xs, s.period)[i], what, 100);
    case 'macd': {
      const ref = refMacd(xs, s.fast, s.slow, s.signal);
      const m = got as MacdValue | undefined;
      const r = ref.out[i];
      if (r === undefined) return assert.equal(m, undefined, what);
      assert.ok(m, what);
      near(m.macd, r.macd, `${what} macd`, ref.scale[i]);
      near(m.signal, r.signal, `${what} signal`, ref.scale[i]);
      near(m.histogram, r.histogram, `${what} histogram`, ref.scale[i]);
      return;
    }
    case 'supertrend': {
      const r = refSupertrend(cs, s.period, s.multiplier)[i];
      const st = got as SupertrendValue | undefined;
      if (r === undefined) return assert.equal(st, undefined, what);
      assert.ok(st, what);
      assert.equal(st.direction, r.direction, `${what} direction`);
      near(st.value, r.value, `${what} value`);
      return;
    }
    case 'vwap':
      return near(got as number | undefined, refVwap(cs)[i], what);
  }
}

/** A random candle around `price`: high and low contain open and close; sometimes no volume. */
function randomCandle(rnd: () => number, t: number, open: number, vol: number): Candle {
  const c = open * (1 + vol * gaussian(rnd));
  const h = Math.max(open, c) * (1 + Math.abs(vol * gaussian(rnd)));
  const l = Math.min(open, c) * (1 - Math.abs(vol * gaussian(rnd)));
  const v = rnd() < 0.1 ? 0 : Math.floor(rnd() * 5000) * 25;
  return { t, o: open, h, l, c, v };
}

const IST_0915 = Date.UTC(2024, 11, 2, 3, 45) / 1000; // 2024-12-02 09:15 IST, epoch seconds

const SPECS: IndicatorSpecInput[] = [
  { kind: 'vwap' },
  { kind: 'sma', period: 1 },
  { kind: 'sma', period: 5 },
  { kind: 'sma', period: 50, source: 'hlc3' },
  { kind: 'ema', period: 1 },
  { kind: 'ema', period: 9 },
  { kind: 'ema', period: 50, source: 'ohlc4' },
  { kind: 'bollinger' },
  { kind: 'bollinger', period: 2, stdDev: 1.5, source: 'hl2' },
  { kind: 'rsi' },
  { kind: 'rsi', period: 1 },
  { kind: 'rsi', period: 3, source: 'open' },
  { kind: 'macd' },
  { kind: 'macd', fast: 3, slow: 7, signal: 4, source: 'high' },
  { kind: 'supertrend' },
  { kind: 'supertrend', period: 1, multiplier: 1 },
  { kind: 'supertrend', period: 7, multiplier: 2.5 },
];

test('every indicator equals a full recompute after each of 3,000 random pushes and live-bar updates', () => {
  for (const [n, spec] of SPECS.entries()) {
    const rnd = mulberry32(1000 + n);
    const ind = createIndicator(spec);
    const what = JSON.stringify(spec);
    // Three price levels: an index, a stock, a cheap option.
    const level = [24000, 150, 3][n % 3];
    const vol = [0.0004, 0.003, 0.05][n % 3];
    const cs: Candle[] = [];
    const finalOut: unknown[] = [];
    let t = IST_0915;
    let skipped = 0;
    for (let op = 0; op < 3000; op++) {
      const r = rnd();
      const last = cs.at(-1);
      let got: unknown;
      if (last && r < 0.01) {
        // Refused input leaves the value alone: an older bar, a NaN, a negative volume.
        const bad = [{ ...last, t: last.t - 60 }, { ...last, c: Number.NaN }, { ...last, v: -1 }][Math.floor(rnd() * 3)];
        const before = ind.value();
        got = rnd() < 0.5 ? ind.push(bad) : ind.update(bad);
        assert.equal(ind.skipped, ++skipped, `${what} skipped`);
        assert.equal(got, before, `${what} refused input keeps the value`);
        continue;
      }
      if (!last || r < 0.3) {
        // A new bar; now and then the next IST day's session (VWAP resets there).
        if (last) t += rnd() < 0.03 ? Math.ceil((t - IST_0915 + 1) / 86400) * 86400 + IST_0915 - t : 60;
        const c = randomCandle(rnd, t, last ? last.c : level, vol);
        cs.push(c);
        got = ind.push(c);
      } else {
        const c = randomCandle(rnd, t, last.o, vol);
        cs[cs.length - 1] = c;
        got = ind.update(c);
      }
      finalOut[cs.length - 1] = got;
      assert.equal(ind.bars, cs.length, `${what} bars`);
      checkLast(ind.spec, cs, got, `${what} op ${op} bar ${cs.length - 1}`);
    }
    // Each bar's final value, as the chart keeps it, against the reference over the final series.
    for (let i = 0; i < cs.length; i++) checkLast(ind.spec, cs.slice(0, i + 1), finalOut[i], `${what} final bar ${i}`);
  }
});

test('an update that restores the live bar gives back its value bit for bit (no drift from 100,000 updates)', () => {
  const rnd = mulberry32(7);
  const specs: IndicatorSpecInput[] = [{ kind: 'vwap' }, { kind: 'sma' }, { kind: 'ema' }, { kind: 'bollinger' }, { kind: 'rsi' }, { kind: 'macd' }, { kind: 'supertrend' }];
  const inds = specs.map((s) => createIndicator(s));
  let prev = 24000;
  for (let i = 0; i < 60; i++) {
    const c = randomCandle(rnd, IST_0915 + 60 * i, prev, 0.0005);
    prev = c.c;
    for (const ind of inds) ind.push(c);
  }
  const live = randomCandle(rnd, IST_0915 + 3600, prev, 0.0005);
  const before = inds.map((ind) => ind.update(live));
  for (let k = 0; k < 100_000; k++) {
    const c = randomCandle(rnd, live.t, prev, 0.002);
    for (const ind of inds) ind.update(c);
  }
  inds.forEach((ind, j) => assert.deepEqual(ind.update(live), before[j], JSON.stringify(specs[j])));
});

test('Bollinger keeps its deviation digits over a day of 1-second bars at 24,000 with tick-sized moves', () => {
  // 22,500 bars (09:15–15:30 by the second), ten updates each; σ is a few ticks against a price of 24,000.
  const rnd = mulberry32(11);
  const spec = { kind: 'bollinger', period: 20, stdDev: 2 } as const;
  const ind = createIndicator(spec);
  const sma = createIndicator({ kind: 'sma', period: 500 });
  const closes: number[] = [];
  let price = 24000;
  for (let i = 0; i < 22_500; i++) {
    let b: Bands | undefined;
    let m: number | undefined;
    for (let u = 0; u < 10; u++) {
      price = Math.round((price + 0.05 * Math.round(gaussian(rnd))) * 20) / 20;
      const c = { t: IST_0915 + i, o: price, h: price, l: price, c: price, v: 1 };
      b = u === 0 ? ind.push(c) : ind.update(c);
      m = u === 0 ? sma.push(c) : sma.update(c);
    }
    closes.push(price);
    if (i % 500 === 499 || i === 22_499) {
      const sd = refStdAt(closes, 20, i)!;
      near(b!.middle, refSmaAt(closes, 20, i), `bar ${i} middle`);
      near(b!.upper - b!.middle, 2 * sd, `bar ${i} width (σ ${sd})`);
      near(m, refSmaAt(closes, 500, i), `bar ${i} sma 500`);
    }
  }
});

// ---------------------------------------------------------------------------------------------------
// Known values, worked by hand (or from the cited source), not by the code under test.

const bar = (i: number, c: number, extra: Partial<Candle> = {}): Candle => ({ t: IST_0915 + 60 * i, o: c, h: c, l: c, c, v: 100, ...extra });
const closesOf = (xs: number[]) => xs.map((x, i) => bar(i, x));
const u = undefined;

test('SMA and EMA of 1..10 and of a small jump', () => {
  const one2ten = closesOf([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.deepEqual(indicatorSeries(createIndicator({ kind: 'sma', period: 3 }), one2ten), [u, u, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(indicatorSeries(createIndicator({ kind: 'sma', period: 10 }), one2ten), [u, u, u, u, u, u, u, u, u, 5.5]);
  assert.deepEqual(indicatorSeries(createIndicator({ kind: 'sma', period: 1 }), one2ten), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  // EMA(3), α = 1/2, seeded with SMA(1,2,3) = 2: on a straight line it runs one step behind, exactly.
  assert.deepEqual(indicatorSeries(createIndicator({ kind: 'ema', period: 3 }), one2ten), [u, u, 2, 3, 4, 5, 6, 7, 8, 9]);
  // 10, 11, 12 → seed 11; 20 → (20 + 11)/2 = 15.5; 10 → (10 + 15.5)/2 = 12.75.
  assert.deepEqual(indicatorSeries(createIndicator({ kind: 'ema', period: 3 }), closesOf([10, 11, 12, 20, 10])), [u, u, 11, 15.5, 12.75]);
  // EMA(4), α = 2/5: seed 2.5, then 0.4·5 + 0.6·2.5 = 3.5 …: x − 1.5 from the fourth bar.
  const e4 = indicatorSeries(createIndicator({ kind: 'ema', period: 4 }), one2ten);
  assert.deepEqual(e4.slice(0, 3), [u, u, u]);
  e4.slice(3).forEach((v, i) => near(v, i + 4 - 1.5, `ema4 bar ${i + 3}`));
});

test('RSI (Wilder) of a two-bar toy series and of the classic 14-period textbook series', () => {
  // Changes +1, −1, +2, −1. Seed: gain (1+0)/2, loss (0+1)/2 → 50. Then gain (0.5+2)/2 = 1.25,
  // loss (0.5+0)/2 = 0.25 → RS 5 → 83.33…; then gain 0.625, loss (0.25+1)/2 = 0.625 → 50.
  const toy = indicatorSeries(createIndicator({ kind: 'rsi', period: 2 }), closesOf([1, 2, 1, 3, 2]));
  assert.deepEqual([toy[0], toy[1], toy[2], toy[4]], [u, u, 50, 50]);
  near(toy[3], 250 / 3, 'rsi toy bar 3');
  // The closes of StockCharts' ChartSchool RSI example. Its published table (70.53, 66.32, …) rounds
  // intermediate averages; the exact Wilder recursion gives these (as TA-Lib's and other libraries' tests
  // of the same series do), to four decimals:
  const closes = [
    44.34, 44.09, 44.15, 43.61, 44.33, 44.83, 45.1, 45.42, 45.84, 46.08, 45.89, 46.03, 45.61, 46.28, 46.28, 46.0, 46.03, 46.41, 46.22, 45.64, 46.21, 46.25,
    45.71, 46.45, 45.78, 45.35, 44.03, 44.18, 44.22, 44.57, 43.42, 42.66, 43.13,
  ];
  const expected = [
    70.4641, 66.2496, 66.4809, 69.3469, 66.2947, 57.915, 62.8807, 63.2088, 56.0116, 62.3399, 54.671, 50.3868, 40.0194, 41.4926, 41.9024, 45.4995, 37.3228, 33.0905,
    37.7888,
  ];
  const rsi = indicatorSeries(createIndicator({ kind: 'rsi', period: 14 }), closesOf(closes));
  assert.deepEqual(rsi.slice(0, 14), Array(14).fill(u));
  rsi.slice(14).forEach((v, i) => assert.ok(Math.abs(v! - expected[i]) < 5e-5, `rsi bar ${i + 14}: ${v} vs ${expected[i]}`));
  // No losses in the window reads 100; no gains reads 0.
  assert.equal(indicatorSeries(createIndicator({ kind: 'rsi', period: 3 }), closesOf([1, 2, 3, 4, 5])).at(-1), 100);
  assert.equal(indicatorSeries(createIndicator({ kind: 'rsi', period: 3 }), closesOf([5, 4, 3, 2, 1])).at(-1), 0);
});

test('Bollinger bands of 1..5 and of 2, 4, 6', () => {
  // Mean 3, population variance (4+1+0+1+4)/5 = 2.
  const b = indicatorSeries(createIndicator({ kind: 'bollinger', period: 5, stdDev: 2 }), closesOf([1, 2, 3, 4, 5]));
  assert.deepEqual(b.slice(0, 4), [u, u, u, u]);
  near(b[4]!.middle, 3, 'middle');
  near(b[4]!.upper, 3 + 2 * Math.SQRT2, 'upper');
  near(b[4]!.lower, 3 - 2 * Math.SQRT2, 'lower');
  // Mean 4, variance 8/3, one deviation.
  const b3 = indicatorSeries(createIndicator({ kind: 'bollinger', period: 3, stdDev: 1 }), closesOf([2, 4, 6]))[2]!;
  near(b3.upper, 4 + Math.sqrt(8 / 3), 'upper 3');
  near(b3.lower, 4 - Math.sqrt(8 / 3), 'lower 3');
});

test('MACD of a small series by hand, and 12/26/9 of a straight line', () => {
  // fast EMA(2) α 2/3: 2, 2, 14/3, 38/9 from bar 1; slow EMA(3) α 1/2: 2, 4, 4 from bar 2;
  // line 0, 2/3, 2/9; signal EMA(2) of the line: (0 + 2/3)/2 = 1/3, then 2/3·2/9 + 1/3·1/3 = 7/27.
  const m = indicatorSeries(createIndicator({ kind: 'macd', fast: 2, slow: 3, signal: 2 }), closesOf([1, 3, 2, 6, 4]));
  assert.deepEqual(m.slice(0, 3), [u, u, u]);
  near(m[3]!.macd, 2 / 3, 'macd 3');
  near(m[3]!.signal, 1 / 3, 'signal 3');
  near(m[3]!.histogram, 1 / 3, 'histogram 3');
  near(m[4]!.macd, 2 / 9, 'macd 4');
  near(m[4]!.signal, 7 / 27, 'signal 4');
  near(m[4]!.histogram, -1 / 27, 'histogram 4', 1);
  // On x = 1, 2, 3 … EMA(p) = x − (p−1)/2 from its first value: line 12.5 − 5.5 = 7, signal 7, histogram 0.
  const line = indicatorSeries(createIndicator({ kind: 'macd' }), closesOf(Array.from({ length: 40 }, (_, i) => i + 1)));
  assert.deepEqual(line.slice(0, 33), Array(33).fill(u));
  for (const v of line.slice(33)) {
    near(v!.macd, 7, 'macd line');
    near(v!.signal, 7, 'signal line');
    near(v!.histogram, 0, 'histogram line', 40);
  }
});

test('Supertrend (2, 1) of five bars by hand', () => {
  const bars = [
    { h: 11, l: 9, c: 10 }, // TR 2
    { h: 12, l: 10, c: 11 }, // TR 2 → ATR 2; hl2 11 → bands 13 / 9; first value: downtrend on the upper band
    { h: 15, l: 13, c: 14.5 }, // TR 4 → ATR 3; bands 17 / 11; upper stays 13; 14.5 > 13 → up on 11
    { h: 14, l: 12, c: 12.5 }, // TR 2.5 → ATR 2.75; lower 10.25 stays 11; 12.5 ≥ 11 → up on 11
    { h: 11, l: 9, c: 9.5 }, // TR 3.5 → ATR 3.125; upper 15.75 → 13.125; 9.5 < 11 → down on 13.125
  ].map((b, i) => bar(i, b.c, b));
  assert.deepEqual(indicatorSeries(createIndicator({ kind: 'supertrend', period: 2, multiplier: 1 }), bars), [
    u,
    { value: 13, direction: 'down' },
    { value: 11, direction: 'up' },
    { value: 11, direction: 'up' },
    { value: 13.125, direction: 'down' },
  ]);
});

test('VWAP restarts each IST day, pre-open included, and skips bars without volume', () => {
  const ist = (d: number, hh: number, mm: number) => Date.UTC(2024, 11, d, hh, mm) / 1000 - 5.5 * 3600;
  // Typical price (h+l+c)/3 = tp: h = l = c = tp.
  const b = (t: number, tp: number, v: number): Candle => ({ t, o: tp, h: tp, l: tp, c: tp, v });
  const vwap = createIndicator({ kind: 'vwap' });
  assert.equal(vwap.push(b(ist(2, 9, 14), 9, 0)), u, 'no volume yet');
  assert.equal(vwap.push(b(ist(2, 9, 15), 10, 100)), 10);
  assert.equal(vwap.push({ t: ist(2, 15, 29), o: 12, h: 13, l: 11, c: 12, v: 300 }), 11.5); // (1000 + 3600)/400
  assert.equal(vwap.push(b(ist(3, 9, 7), 20, 50)), 20, 'the next day starts afresh at its pre-open print');
  assert.equal(vwap.push(b(ist(3, 9, 15), 23, 100)), 22); // (1000 + 2300)/150
  assert.equal(vwap.update(b(ist(3, 9, 15), 26, 50)), 23); // (1000 + 1300)/100
  assert.equal(vwap.update(b(ist(3, 9, 15), 23, 100)), 22);
  assert.equal(vwap.push(b(ist(3, 23, 55), 30, 150)), 26); // a late commodity session: (1000 + 2300 + 4500)/300
  assert.equal(vwap.push(b(ist(4, 0, 0), 5, 10)), 5, '00:00 IST is a new day');
  assert.equal(vwap.push(b(ist(4, 0, 1), 50, 0)), 5, 'a bar without volume leaves it');
});

test('warm-up lengths are exact', () => {
  const rnd = mulberry32(3);
  const cs: Candle[] = [];
  for (let i = 0; i < 60; i++) cs.push({ ...randomCandle(rnd, IST_0915 + 60 * i, 100, 0.01), v: 10 });
  const cases: Array<[IndicatorSpecInput, number]> = [
    [{ kind: 'vwap' }, 0],
    [{ kind: 'sma', period: 1 }, 0],
    [{ kind: 'sma' }, 19],
    [{ kind: 'ema', period: 9 }, 8],
    [{ kind: 'bollinger' }, 19],
    [{ kind: 'rsi' }, 14],
    [{ kind: 'rsi', period: 1 }, 1],
    [{ kind: 'macd' }, 33],
    [{ kind: 'macd', fast: 5, slow: 6, signal: 1 }, 5],
    [{ kind: 'supertrend' }, 9],
    [{ kind: 'supertrend', period: 1 }, 0],
  ];
  for (const [spec, warmup] of cases) {
    const ind = createIndicator(spec);
    assert.equal(ind.warmup, warmup, JSON.stringify(spec));
    const out = indicatorSeries(ind, cs);
    assert.equal(out.findIndex((v) => v !== undefined), warmup, JSON.stringify(spec));
    assert.ok(out.slice(warmup).every((v) => v !== undefined), JSON.stringify(spec));
  }
});

test('bars are keyed by time: a repeated t replaces, a later t appends, and the caller may reuse its object', () => {
  const sma = createIndicator({ kind: 'sma', period: 2 });
  const c: Candle = bar(0, 10);
  sma.push(c);
  c.c = 99; // the caller reuses its object: the indicator kept its own copy
  assert.equal(sma.push(bar(1, 20)), 15);
  assert.equal(sma.push(bar(1, 30)), 20, 'push with the last bar’s t replaces it');
  assert.equal(sma.bars, 2);
  assert.equal(sma.update(bar(2, 40)), 35, 'update with a later t starts a new bar');
  assert.equal(sma.bars, 3);
  assert.equal(sma.update(bar(1, 0)), 35, 'an older bar is refused');
  assert.equal(sma.push({ ...bar(3, 1), h: Number.POSITIVE_INFINITY }), 35, 'a non-finite field is refused');
  assert.equal(sma.skipped, 2);
  assert.equal(sma.value(), 35);
  assert.equal(createIndicator({ kind: 'ema' }).update(bar(0, 5)), u, 'update on an empty series pushes');
});

test('bad specs are refused with a message naming the parameter', () => {
  const bad: Array<[unknown, RegExp]> = [
    [{ kind: 'ema', period: 0 }, /^ema: .*period must be from 1 to 500 bars[\s\S]*at period/],
    [{ kind: 'sma', period: 501 }, /^sma: .*period must be from 1 to 500 bars/],
    [{ kind: 'rsi', period: 14.5 }, /^rsi: .*period must be a whole number of bars/],
    [{ kind: 'ema', period: '20' }, /^ema: .*period must be a number/],
    [{ kind: 'bollinger', stdDev: 0 }, /^bollinger: .*stdDev must be from 0.1 to 10[\s\S]*at stdDev/],
    [{ kind: 'supertrend', multiplier: 11 }, /^supertrend: .*multiplier must be from 0.1 to 10/],
    [{ kind: 'macd', fast: 26, slow: 12 }, /^macd: .*fast period must be shorter than the slow one[\s\S]*at fast/],
    [{ kind: 'ema', source: 'volume' }, /^ema: .*expected one of "close"/],
    [{ kind: 'vwap', period: 20 }, /^vwap: .*Unrecognized key: "period"/],
    [{ kind: 'ichimoku' }, /^indicator: .*kind must be one of vwap, sma, ema, bollinger, rsi, macd, supertrend/],
    [null, /^indicator: .*expected object/],
  ];
  for (const [spec, message] of bad) {
    const r = parseIndicatorSpec(spec);
    assert.equal(r.ok, false, JSON.stringify(spec));
    assert.match(!r.ok ? r.message : '', message);
    assert.throws(() => createIndicator(spec as IndicatorSpecInput), (e: Error) => e instanceof RangeError && message.test(e.message));
  }
  assert.deepEqual(parseIndicatorSpec({ kind: 'macd' }), { ok: true, spec: { kind: 'macd', fast: 12, slow: 26, signal: 9, source: 'close' } });
  assert.deepEqual(parseIndicatorSpec({ kind: 'supertrend' }), { ok: true, spec: { kind: 'supertrend', period: 10, multiplier: 3 } });
  assert.deepEqual(parseIndicatorSpec({ kind: 'ema', period: 20 }), { ok: true, spec: { kind: 'ema', period: 20, source: 'close' } });
});
