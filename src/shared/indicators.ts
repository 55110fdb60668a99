// Chart indicators computed incrementally over candles: a live bar that changes many times a second
// costs O(1) per change. Pure TypeScript, for the engine and the renderer alike.
//
// Each indicator keeps the state after every bar but the last (the "committed" state) and the last
// bar itself. `update` replaces the last bar and recomputes its value from the committed state, so
// nothing is added and subtracted per update and a day of updates cannot drift; `push` folds the last
// bar into the committed state, then starts the new one. Conventions follow the charts traders compare
// with (TradingView, TA-Lib): EMAs and Wilder averages are seeded with the simple average of their
// first `period` inputs; standard deviation is the population one (÷ n).
import { z } from 'zod';
import { bucketStart, type Candle } from './model';

// ---------------------------------------------------------------------------------------------------
// Specs: what the UI and the Engine API pass around, validated at the edge.

const Period = z
  .number({ message: 'period must be a number' })
  .int({ message: 'period must be a whole number of bars' })
  .min(1, { message: 'period must be from 1 to 500 bars' })
  .max(500, { message: 'period must be from 1 to 500 bars' });
const Multiplier = (name: string) =>
  z
    .number({ message: `${name} must be a number` })
    .min(0.1, { message: `${name} must be from 0.1 to 10` })
    .max(10, { message: `${name} must be from 0.1 to 10` });

/** Which price of a bar an indicator reads: one field, or an average of fields (hl2 = (h+l)/2 …). */
export const PriceSource = z.enum(['close', 'open', 'high', 'low', 'hl2', 'hlc3', 'ohlc4']);
export type PriceSource = z.infer<typeof PriceSource>;
const source = PriceSource.default('close');

export const IndicatorKind = z.enum(['vwap', 'sma', 'ema', 'bollinger', 'rsi', 'macd', 'supertrend']);
export type IndicatorKind = z.infer<typeof IndicatorKind>;

export const IndicatorSpec = z.discriminatedUnion(
  'kind',
  [
    /** Session VWAP: typical price (h+l+c)/3 weighted by volume, restarting each IST day. */
    z.strictObject({ kind: z.literal('vwap') }),
    z.strictObject({ kind: z.literal('sma'), period: Period.default(20), source }),
    z.strictObject({ kind: z.literal('ema'), period: Period.default(20), source }),
    /** Middle: SMA; bands: ± stdDev population standard deviations over the same window. */
    z.strictObject({ kind: z.literal('bollinger'), period: Period.default(20), stdDev: Multiplier('stdDev').default(2), source }),
    /** Wilder's RSI (his smoothing, α = 1/period). */
    z.strictObject({ kind: z.literal('rsi'), period: Period.default(14), source }),
    z
      .strictObject({ kind: z.literal('macd'), fast: Period.default(12), slow: Period.default(26), signal: Period.default(9), source })
      .refine((s) => s.fast < s.slow, { message: 'the fast period must be shorter than the slow one', path: ['fast'] }),
    /** Supertrend on hl2 ± multiplier × ATR (Wilder's, over `period` bars). */
    z.strictObject({ kind: z.literal('supertrend'), period: Period.default(10), multiplier: Multiplier('multiplier').default(3) }),
  ],
  { error: (iss) => (iss.code === 'invalid_union' ? `kind must be one of ${IndicatorKind.options.join(', ')}` : undefined) },
);
/** A validated spec, defaults applied. */
export type IndicatorSpec = z.infer<typeof IndicatorSpec>;
/** A spec as a caller writes it: `{ kind: 'ema', period: 20 }`, omitted parameters take defaults. */
export type IndicatorSpecInput = z.input<typeof IndicatorSpec>;

/** Validates a spec from outside (UI state, an Engine API request); never throws. */
export function parseIndicatorSpec(input: unknown): { ok: true; spec: IndicatorSpec } | { ok: false; message: string } {
  const r = IndicatorSpec.safeParse(input);
  if (r.success) return { ok: true, spec: r.data };
  const kind = IndicatorKind.safeParse((input as { kind?: unknown } | null)?.kind).data ?? 'indicator';
  return { ok: false, message: `${kind}: ${z.prettifyError(r.error)}` };
}

// ---------------------------------------------------------------------------------------------------
// Outputs and the common interface.

export interface Bands {
  upper: number;
  middle: number;
  lower: number;
}
export interface MacdValue {
  macd: number;
  signal: number;
  histogram: number;
}
export interface SupertrendValue {
  /** The active band: the lower one in an uptrend, the upper one in a downtrend. */
  value: number;
  direction: 'up' | 'down';
}
export interface IndicatorOutputs {
  vwap: number;
  sma: number;
  ema: number;
  bollinger: Bands;
  rsi: number;
  macd: MacdValue;
  supertrend: SupertrendValue;
}

/**
 * One indicator over one candle series. Bars are keyed by their time `t`: a bar with the last bar's
 * `t` replaces it, a later one starts a new bar, an earlier one (or one with a non-finite field or
 * negative volume) is counted in `skipped` and ignored. Outputs are fresh objects, never reused.
 */
export interface Indicator<Out> {
  readonly spec: IndicatorSpec;
  /** Index (0-based) of the first bar that can have a value; earlier bars are warm-up (undefined). */
  readonly warmup: number;
  /** Bars seen, the live one included. */
  readonly bars: number;
  /** Candles refused (out of order or malformed). */
  readonly skipped: number;
  /** Appends a bar (the previous last bar is final from now on); the new bar's value. O(1) amortized. */
  push(candle: Candle): Out | undefined;
  /** Replaces the last bar (the live bar changed); its new value. O(1): no sums are touched. */
  update(candle: Candle): Out | undefined;
  /** The last bar's value. */
  value(): Out | undefined;
}

// ---------------------------------------------------------------------------------------------------
// Hot-path codes: a switch on a small integer keeps each call site monomorphic, where seven indicator
// classes or seven price closures behind one call site would make it megamorphic (in
// bench/indicators.ts the seven together ran at about half their speed that way).
const enum Src {
  Close,
  Open,
  High,
  Low,
  Hl2,
  Hlc3,
  Ohlc4,
}
const SRC: Record<PriceSource, Src> = { close: Src.Close, open: Src.Open, high: Src.High, low: Src.Low, hl2: Src.Hl2, hlc3: Src.Hlc3, ohlc4: Src.Ohlc4 };

function priceOf(c: Candle, src: Src): number {
  switch (src) {
    case Src.Close:
      return c.c;
    case Src.Open:
      return c.o;
    case Src.High:
      return c.h;
    case Src.Low:
      return c.l;
    case Src.Hl2:
      return (c.h + c.l) / 2;
    case Src.Hlc3:
      return (c.h + c.l + c.c) / 3;
    case Src.Ohlc4:
      return (c.o + c.h + c.l + c.c) / 4;
  }
}

// ---------------------------------------------------------------------------------------------------
// Building blocks: each has `peek(x)` (the value if x were the next input) and `commit(x)`.

/** EMA with α = 2/(period+1), seeded with the SMA of its first `period` inputs. */
class EmaState {
  private n = 0;
  private seed = 0;
  private ema = 0;
  private readonly alpha: number;
  constructor(private readonly period: number) {
    this.alpha = 2 / (period + 1);
  }
  peek(x: number): number | undefined {
    if (this.n < this.period - 1) return undefined;
    if (this.n === this.period - 1) return (this.seed + x) / this.period;
    return this.alpha * x + (1 - this.alpha) * this.ema;
  }
  commit(x: number): void {
    if (this.n < this.period - 1) this.seed += x;
    else this.ema = this.peek(x)!;
    this.n++;
  }
}

/** Wilder's moving average (RMA, α = 1/period), seeded with the SMA of its first `period` inputs. */
class RmaState {
  private n = 0;
  private seed = 0;
  private avg = 0;
  constructor(private readonly period: number) {}
  peek(x: number): number | undefined {
    if (this.n < this.period - 1) return undefined;
    if (this.n === this.period - 1) return (this.seed + x) / this.period;
    return (this.avg * (this.period - 1) + x) / this.period;
  }
  commit(x: number): void {
    if (this.n < this.period - 1) this.seed += x;
    else this.avg = this.peek(x)!;
    this.n++;
  }
}

/**
 * The last `size` committed values and their sums, Σ(x−k) and Σ(x−k)², taken about a shift k near
 * the window's mean so that prices of 24,000 with a spread of 5 keep their variance digits. Every
 * `size` commits the sums are recomputed exactly from the ring (O(size), so O(1) amortized), which
 * bounds the rounding a day of add-and-remove could otherwise pile up.
 */
class RollingWindow {
  private readonly ring: Float64Array;
  private head = 0;
  count = 0;
  shift = 0;
  s1 = 0;
  s2 = 0;
  private sinceExact = 0;
  constructor(readonly size: number) {
    this.ring = new Float64Array(Math.max(size, 1));
  }
  commit(x: number): void {
    const size = this.size;
    if (size === 0) return;
    if (this.count === 0) this.shift = x;
    if (this.count === size) {
      const old = this.ring[this.head] - this.shift;
      this.s1 -= old;
      this.s2 -= old * old;
      this.ring[this.head] = x;
      this.head = this.head + 1 === size ? 0 : this.head + 1;
    } else {
      this.ring[(this.head + this.count) % size] = x;
      this.count++;
    }
    const d = x - this.shift;
    this.s1 += d;
    this.s2 += d * d;
    if (++this.sinceExact >= size) this.resum();
  }
  private resum(): void {
    let sum = 0;
    for (let i = 0; i < this.count; i++) sum += this.ring[i];
    this.shift = sum / this.count;
    let s1 = 0;
    let s2 = 0;
    for (let i = 0; i < this.count; i++) {
      const d = this.ring[i] - this.shift;
      s1 += d;
      s2 += d * d;
    }
    this.s1 = s1;
    this.s2 = s2;
    this.sinceExact = 0;
  }
}

// ---------------------------------------------------------------------------------------------------
// The indicators' cores: `peek(bar)` is the value of `bar` as the bar after every committed one,
// `commit(bar)` folds it into the committed state.

class VwapCore {
  readonly warmup = 0;
  private day = Number.NaN;
  private pv = 0;
  private vol = 0;
  // Scratch of the last peek, so commit need not recompute the day.
  private peekDay = 0;
  private peekPv = 0;
  private peekVol = 0;

  peek(bar: Candle): number | undefined {
    // Resets on the IST calendar day (00:00 IST), so a pre-open print before 09:15 counts with the
    // session it opens, never with yesterday's.
    const day = bucketStart(bar.t * 1000, '1d');
    const tpv = ((bar.h + bar.l + bar.c) / 3) * bar.v;
    const same = day === this.day;
    this.peekDay = day;
    this.peekPv = same ? this.pv + tpv : tpv;
    this.peekVol = same ? this.vol + bar.v : bar.v;
    return this.peekVol > 0 ? this.peekPv / this.peekVol : undefined;
  }
  commit(bar: Candle): void {
    this.peek(bar);
    this.day = this.peekDay;
    this.pv = this.peekPv;
    this.vol = this.peekVol;
  }
}

class SmaCore {
  readonly warmup: number;
  private readonly window: RollingWindow;
  private readonly src: Src;
  constructor(spec: Extract<IndicatorSpec, { kind: 'sma' }>) {
    this.warmup = spec.period - 1;
    this.window = new RollingWindow(spec.period - 1);
    this.src = SRC[spec.source];
  }
  peek(bar: Candle): number | undefined {
    const w = this.window;
    if (w.count < w.size) return undefined;
    return w.shift + (w.s1 + (priceOf(bar, this.src) - w.shift)) / (w.size + 1);
  }
  commit(bar: Candle): void {
    this.window.commit(priceOf(bar, this.src));
  }
}

class EmaCore {
  readonly warmup: number;
  private readonly ema: EmaState;
  private readonly src: Src;
  constructor(spec: Extract<IndicatorSpec, { kind: 'ema' }>) {
    this.warmup = spec.period - 1;
    this.ema = new EmaState(spec.period);
    this.src = SRC[spec.source];
  }
  peek(bar: Candle): number | undefined {
    return this.ema.peek(priceOf(bar, this.src));
  }
  commit(bar: Candle): void {
    this.ema.commit(priceOf(bar, this.src));
  }
}

class BollingerCore {
  readonly warmup: number;
  private readonly window: RollingWindow;
  private readonly src: Src;
  private readonly k: number;
  constructor(spec: Extract<IndicatorSpec, { kind: 'bollinger' }>) {
    this.warmup = spec.period - 1;
    this.window = new RollingWindow(spec.period - 1);
    this.src = SRC[spec.source];
    this.k = spec.stdDev;
  }
  peek(bar: Candle): Bands | undefined {
    const w = this.window;
    if (w.count < w.size) return undefined;
    const n = w.size + 1;
    const d = priceOf(bar, this.src) - w.shift;
    const m1 = (w.s1 + d) / n;
    const sd = Math.sqrt(Math.max(0, (w.s2 + d * d) / n - m1 * m1));
    const middle = w.shift + m1;
    return { upper: middle + this.k * sd, middle, lower: middle - this.k * sd };
  }
  commit(bar: Candle): void {
    this.window.commit(priceOf(bar, this.src));
  }
}

class RsiCore {
  readonly warmup: number;
  private readonly gain: RmaState;
  private readonly loss: RmaState;
  private readonly src: Src;
  private prev = Number.NaN;
  constructor(spec: Extract<IndicatorSpec, { kind: 'rsi' }>) {
    this.warmup = spec.period;
    this.gain = new RmaState(spec.period);
    this.loss = new RmaState(spec.period);
    this.src = SRC[spec.source];
  }
  peek(bar: Candle): number | undefined {
    if (Number.isNaN(this.prev)) return undefined;
    const change = priceOf(bar, this.src) - this.prev;
    const g = this.gain.peek(change > 0 ? change : 0);
    if (g === undefined) return undefined;
    const l = this.loss.peek(change < 0 ? -change : 0)!;
    // No losses in the window reads 100, a flat window included (TradingView's rule).
    return l === 0 ? 100 : (100 * g) / (g + l);
  }
  commit(bar: Candle): void {
    const x = priceOf(bar, this.src);
    if (!Number.isNaN(this.prev)) {
      const change = x - this.prev;
      this.gain.commit(change > 0 ? change : 0);
      this.loss.commit(change < 0 ? -change : 0);
    }
    this.prev = x;
  }
}

class MacdCore {
  readonly warmup: number;
  private readonly fast: EmaState;
  private readonly slow: EmaState;
  private readonly signal: EmaState;
  private readonly src: Src;
  constructor(spec: Extract<IndicatorSpec, { kind: 'macd' }>) {
    // The MACD line exists from the slow EMA's first value; the signal needs `signal` of those.
    this.warmup = spec.slow - 1 + spec.signal - 1;
    this.fast = new EmaState(spec.fast);
    this.slow = new EmaState(spec.slow);
    this.signal = new EmaState(spec.signal);
    this.src = SRC[spec.source];
  }
  private line(x: number): number | undefined {
    const s = this.slow.peek(x);
    return s === undefined ? undefined : this.fast.peek(x)! - s;
  }
  peek(bar: Candle): MacdValue | undefined {
    const macd = this.line(priceOf(bar, this.src));
    if (macd === undefined) return undefined;
    const signal = this.signal.peek(macd);
    return signal === undefined ? undefined : { macd, signal, histogram: macd - signal };
  }
  commit(bar: Candle): void {
    const x = priceOf(bar, this.src);
    const macd = this.line(x);
    if (macd !== undefined) this.signal.commit(macd);
    this.fast.commit(x);
    this.slow.commit(x);
  }
}

/**
 * Supertrend as TradingView's ta.supertrend: bands hl2 ± m·ATR that only ratchet toward price while
 * the previous close stays inside them; the trend flips when a close crosses the active band. It
 * starts in a downtrend on the first bar with an ATR, whose bands are the plain ones (Pine ratchets
 * them against 0 there). The trend is read from the previous bar's direction (Pine compares band
 * values, which differ only where both bands coincide).
 */
class SupertrendCore {
  readonly warmup: number;
  private readonly atr: RmaState;
  private readonly m: number;
  private prevClose = Number.NaN;
  private started = false;
  private prevUpper = 0;
  private prevLower = 0;
  private prevUp = false;
  // Scratch of the last peek.
  private upper = 0;
  private lower = 0;
  private up = false;
  constructor(spec: Extract<IndicatorSpec, { kind: 'supertrend' }>) {
    this.warmup = spec.period - 1;
    this.atr = new RmaState(spec.period);
    this.m = spec.multiplier;
  }
  private trueRange(bar: Candle): number {
    const pc = this.prevClose;
    if (Number.isNaN(pc)) return bar.h - bar.l;
    return Math.max(bar.h - bar.l, Math.abs(bar.h - pc), Math.abs(bar.l - pc));
  }
  peek(bar: Candle): SupertrendValue | undefined {
    const atr = this.atr.peek(this.trueRange(bar));
    if (atr === undefined) return undefined;
    const mid = (bar.h + bar.l) / 2;
    let upper = mid + this.m * atr;
    let lower = mid - this.m * atr;
    if (!this.started) {
      this.up = false;
    } else {
      if (!(lower > this.prevLower || this.prevClose < this.prevLower)) lower = this.prevLower;
      if (!(upper < this.prevUpper || this.prevClose > this.prevUpper)) upper = this.prevUpper;
      this.up = this.prevUp ? !(bar.c < lower) : bar.c > upper;
    }
    this.upper = upper;
    this.lower = lower;
    return this.up ? { value: lower, direction: 'up' } : { value: upper, direction: 'down' };
  }
  commit(bar: Candle): void {
    const tr = this.trueRange(bar);
    if (this.peek(bar) !== undefined) {
      this.started = true;
      this.prevUpper = this.upper;
      this.prevLower = this.lower;
      this.prevUp = this.up;
    }
    this.atr.commit(tr);
    this.prevClose = bar.c;
  }
}

const enum Kind {
  Vwap,
  Sma,
  Ema,
  Bollinger,
  Rsi,
  Macd,
  Supertrend,
}
type Core = VwapCore | SmaCore | EmaCore | BollingerCore | RsiCore | MacdCore | SupertrendCore;

function peekCore(kind: Kind, core: Core, bar: Candle): unknown {
  switch (kind) {
    case Kind.Vwap:
      return (core as VwapCore).peek(bar);
    case Kind.Sma:
      return (core as SmaCore).peek(bar);
    case Kind.Ema:
      return (core as EmaCore).peek(bar);
    case Kind.Bollinger:
      return (core as BollingerCore).peek(bar);
    case Kind.Rsi:
      return (core as RsiCore).peek(bar);
    case Kind.Macd:
      return (core as MacdCore).peek(bar);
    case Kind.Supertrend:
      return (core as SupertrendCore).peek(bar);
  }
}

function commitCore(kind: Kind, core: Core, bar: Candle): void {
  switch (kind) {
    case Kind.Vwap:
      return (core as VwapCore).commit(bar);
    case Kind.Sma:
      return (core as SmaCore).commit(bar);
    case Kind.Ema:
      return (core as EmaCore).commit(bar);
    case Kind.Bollinger:
      return (core as BollingerCore).commit(bar);
    case Kind.Rsi:
      return (core as RsiCore).commit(bar);
    case Kind.Macd:
      return (core as MacdCore).commit(bar);
    case Kind.Supertrend:
      return (core as SupertrendCore).commit(bar);
  }
}

function validCandle(c: Candle): boolean {
  return Number.isFinite(c.t) && Number.isFinite(c.o) && Number.isFinite(c.h) && Number.isFinite(c.l) && Number.isFinite(c.c) && Number.isFinite(c.v) && c.v >= 0;
}

/** What every indicator shares: time order, the live bar (copied, never the caller's object). One class for all kinds. */
class SeriesIndicator<Out> implements Indicator<Out> {
  bars = 0;
  skipped = 0;
  private readonly live: Candle = { t: Number.NaN, o: Number.NaN, h: Number.NaN, l: Number.NaN, c: Number.NaN, v: Number.NaN };
  private out: Out | undefined = undefined;
  readonly warmup: number;
  constructor(
    readonly spec: IndicatorSpec,
    private readonly kind: Kind,
    private readonly core: Core,
  ) {
    this.warmup = core.warmup;
  }

  push(candle: Candle): Out | undefined {
    if (!validCandle(candle) || (this.bars > 0 && candle.t < this.live.t)) {
      this.skipped++;
      return this.out;
    }
    if (this.bars > 0 && candle.t === this.live.t) return this.replace(candle);
    if (this.bars > 0) commitCore(this.kind, this.core, this.live);
    this.bars++;
    return this.replace(candle);
  }

  update(candle: Candle): Out | undefined {
    if (this.bars === 0 || candle.t > this.live.t) return this.push(candle);
    if (!validCandle(candle) || candle.t < this.live.t) {
      this.skipped++;
      return this.out;
    }
    return this.replace(candle);
  }

  value(): Out | undefined {
    return this.out;
  }

  private replace(c: Candle): Out | undefined {
    const live = this.live;
    live.t = c.t;
    live.o = c.o;
    live.h = c.h;
    live.l = c.l;
    live.c = c.c;
    live.v = c.v;
    return (this.out = peekCore(this.kind, this.core, live) as Out | undefined);
  }
}

// ---------------------------------------------------------------------------------------------------

/**
 * A fresh indicator for `spec` (defaults applied). Throws a RangeError naming the bad parameter if the
 * spec is invalid; specs from outside go through parseIndicatorSpec first.
 */
export function createIndicator<S extends IndicatorSpecInput>(spec: S): Indicator<IndicatorOutputs[S['kind']]> {
  const parsed = parseIndicatorSpec(spec);
  if (!parsed.ok) throw new RangeError(parsed.message);
  const s = parsed.spec;
  const make = (kind: Kind, core: Core) => new SeriesIndicator<IndicatorOutputs[S['kind']]>(s, kind, core);
  switch (s.kind) {
    case 'vwap':
      return make(Kind.Vwap, new VwapCore());
    case 'sma':
      return make(Kind.Sma, new SmaCore(s));
    case 'ema':
      return make(Kind.Ema, new EmaCore(s));
    case 'bollinger':
      return make(Kind.Bollinger, new BollingerCore(s));
    case 'rsi':
      return make(Kind.Rsi, new RsiCore(s));
    case 'macd':
      return make(Kind.Macd, new MacdCore(s));
    case 'supertrend':
      return make(Kind.Supertrend, new SupertrendCore(s));
  }
}

/** Pushes every candle (history, oldest first) and returns each bar's value. */
export function indicatorSeries<Out>(indicator: Indicator<Out>, candles: readonly Candle[]): Array<Out | undefined> {
  return candles.map((c) => indicator.push(c));
}
