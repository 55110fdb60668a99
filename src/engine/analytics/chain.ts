// The option chain of one underlying with its analytics: for every listed expiry and strike the CE
// and PE quotes (LTP, change, bid/ask, volume, OI and its change), implied volatility and Greeks,
// ITM flags, the ATM strike, PCR and max pain. `buildChain` computes it from scratch; `ChainBook`
// keeps it up to date tick by tick and recomputes only the strikes whose inputs changed.
//
// The model is a parameter and stated per expiry: 'black76' prices an expiry's options on the
// future of that expiry when one is listed, else falls back to Black-Scholes on spot ('bs'), which
// is also what 'bs' asks for everywhere. IV is solved from the LTP (or the bid/ask mid).
import type { Instrument, Tick } from '../../shared/model';
import { impliedVol, optionGreeks, yearsToExpiry, expiryMs, type Greeks, type IvReason, type OptionRight, type PricingModel } from './options';

export interface ChainConfig {
  /** The underlying's name as instruments carry it (Instrument.underlying, else .name), e.g. NIFTY. */
  underlying: string;
  /** The options' exchange (NFO): only its instruments are taken, and it fixes the expiry moment. */
  exchange?: string;
  /** Requested model; 'black76' falls back to 'bs' for an expiry with no future listed. */
  model: PricingModel;
  /** Risk-free rate per year, continuously compounded (0.065 = 6.5 %). */
  rate: number;
  /** Dividend yield per year, continuously compounded (Black-Scholes only). */
  dividendYield?: number;
  /** The instrument whose LTP is the spot (the index or the stock); without it 'bs' has no price. */
  spotId?: number;
  /** The price IV is solved from: the LTP (default) or the bid/ask mid when both sides are quoted. */
  ivFrom?: 'ltp' | 'mid';
  /**
   * Time to expiry is taken at `now` rounded down to this step (default 1,000 ms), so a chain
   * queried again within the same step reuses every row it has not seen a tick for.
   */
  timeStepMs?: number;
}

/** Why a side has no IV: the solver's reason, or no price to solve from. */
export type ChainIvReason = IvReason | 'no-price' | 'no-underlying';

/** One option of a strike row. Nulls where the feed has not said (JSON-safe: no NaN). */
export interface ChainSide {
  instrumentId: number;
  symbol: string;
  lotSize: number;
  tickSize: number;
  ltp: number | null;
  /** LTP − previous close. */
  change: number | null;
  bid: number | null;
  ask: number | null;
  volume: number | null;
  oi: number | null;
  /** OI − the previous day's OI (when that was given). */
  oiChange: number | null;
  /** Annualised implied volatility (0.15 = 15 %). */
  iv: number | null;
  ivReason: ChainIvReason | null;
  /** At `iv`; units as in options.ts Greeks (theta per calendar day, vega per vol point). */
  greeks: Greeks | null;
  /** CE: strike below the underlying's price; PE: above. Null without a price. */
  itm: boolean | null;
}

export interface ChainRow {
  strike: number;
  ce: ChainSide | null;
  pe: ChainSide | null;
}

export interface ExpiryChain {
  underlying: string;
  expiry: string;
  /** The expiry moment, ms UTC (NSE: 15:30 IST on the expiry date). */
  expiryMs: number;
  /** Years to expiry used for IV and Greeks (ACT/365, from `asOf`). */
  years: number;
  /** The moment the analytics are for: the query's `now` rounded down to the time step. */
  asOf: number;
  /** The model used for this expiry, and the price it is on. */
  model: PricingModel;
  priceFrom: 'future' | 'spot';
  underlyingId: number | null;
  underlyingPrice: number | null;
  rate: number;
  dividendYield: number;
  /** The strike nearest the underlying's price (the lower of two equally near). */
  atm: number | null;
  /** Σ PE OI / Σ CE OI over the expiry. */
  pcrOi: number | null;
  /** Σ PE volume / Σ CE volume. */
  pcrVolume: number | null;
  /** Σ change in OI of the calls, and of the puts, whose previous OI is known; null when none is. */
  ceOiChange: number | null;
  peOiChange: number | null;
  /** Σ PE OI change / Σ CE OI change; null unless both are positive (a negative ratio reads as nonsense). */
  pcrOiChange: number | null;
  /** Options with a change in OI, of those with an OI (the totals cover the former). */
  oiChangeKnown: number;
  oiSides: number;
  /** The settlement strike at which option holders would be paid least, weighted by OI. */
  maxPain: number | null;
  /** That least payout, in rupees when OI is in shares. */
  maxPainPayout: number | null;
  /** Strikes ascending. */
  rows: ChainRow[];
}

export interface ChainStats {
  ticks: number;
  /** Ticks for instruments outside this chain. */
  ignored: number;
  /** Ticks with a non-finite or negative LTP: skipped, the previous tick stands. */
  malformed: number;
  /** Options listed twice for one expiry, strike and type (the first is kept). */
  duplicates: number;
}

// ---------------------------------------------------------------------------------------------
// Pure pieces

/** PCR: puts over calls; null when there is nothing on the call side. */
export function putCallRatio(put: number, call: number): number | null {
  return call > 0 ? put / call : null;
}

/**
 * Max pain over strikes ascending: the strike S minimising Σ ceOi·max(S−K, 0) + peOi·max(K−S, 0),
 * evaluated at each listed strike with running sums (O(n)). Ties go to the lower strike; null
 * without strikes or OI.
 */
export function maxPain(strikes: ArrayLike<number>, ceOi: ArrayLike<number>, peOi: ArrayLike<number>): { strike: number; payout: number } | null {
  const n = strikes.length;
  let peAll = 0;
  let peKAll = 0;
  let any = false;
  for (let i = 0; i < n; i++) {
    peAll += peOi[i];
    peKAll += peOi[i] * strikes[i];
    if (ceOi[i] > 0 || peOi[i] > 0) any = true;
  }
  if (!any) return null;
  // Below j: calls ITM at S = K_j pay Σ ceOi·(K_j − K). From j up: puts pay Σ peOi·(K − K_j).
  let ce = 0;
  let ceK = 0;
  let pe = peAll;
  let peK = peKAll;
  let best: { strike: number; payout: number } | null = null;
  for (let j = 0; j < n; j++) {
    const S = strikes[j];
    const payout = S * ce - ceK + (peK - S * pe);
    if (best === null || payout < best.payout) best = { strike: S, payout };
    ce += ceOi[j];
    ceK += ceOi[j] * S;
    pe -= peOi[j];
    peK -= peOi[j] * S;
  }
  return best;
}

/** Index of the strike nearest `price` in ascending `strikes` (the lower on a tie); -1 if none. */
export function nearestStrike(strikes: ArrayLike<number>, price: number): number {
  const n = strikes.length;
  if (n === 0 || !Number.isFinite(price)) return -1;
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (strikes[mid] < price) lo = mid + 1;
    else hi = mid;
  }
  // strikes[lo] is the first ≥ price (or the last strike).
  if (lo > 0 && price - strikes[lo - 1] <= strikes[lo] - price) return lo - 1;
  return lo;
}

/** What a side's analytics depend on beyond its own quote. */
interface PricingContext {
  model: PricingModel;
  underlyingPrice: number | null;
  years: number;
  rate: number;
  dividendYield: number;
  ivFrom: 'ltp' | 'mid';
}

/** The fields of a tick a side shows; null where the tick has none. */
interface SideQuote {
  ltp: number | null;
  close: number | null;
  bid: number | null;
  ask: number | null;
  volume: number | null;
  oi: number | null;
}

const positive = (v: number | undefined): number | null => (v !== undefined && Number.isFinite(v) && v > 0 ? v : null);
const count = (v: number | undefined): number | null => (v !== undefined && Number.isFinite(v) && v >= 0 ? v : null);

function isMalformed(t: Tick): boolean {
  return !Number.isFinite(t.ltp) || t.ltp < 0;
}

function quoteOf(t: Tick | undefined): SideQuote | null {
  if (!t || isMalformed(t)) return null;
  return { ltp: positive(t.ltp), close: positive(t.close), bid: positive(t.bid), ask: positive(t.ask), volume: count(t.volume), oi: count(t.oi) };
}

function sameQuote(a: SideQuote | null, b: SideQuote | null): boolean {
  if (a === null || b === null) return a === b;
  return a.ltp === b.ltp && a.close === b.close && a.bid === b.bid && a.ask === b.ask && a.volume === b.volume && a.oi === b.oi;
}

/** One side's row entry from its instrument, latest quote, previous OI and the expiry's pricing. */
function computeSide(ins: Instrument, right: OptionRight, q: SideQuote | null, prevOi: number | undefined, ctx: PricingContext): ChainSide {
  const strike = ins.strike!;
  const ltp = q?.ltp ?? null;
  const F = ctx.underlyingPrice;
  const side: ChainSide = {
    instrumentId: ins.id,
    symbol: ins.symbol,
    lotSize: ins.lotSize,
    tickSize: ins.tickSize,
    ltp,
    change: ltp !== null && q!.close !== null ? ltp - q!.close : null,
    bid: q?.bid ?? null,
    ask: q?.ask ?? null,
    volume: q?.volume ?? null,
    oi: q?.oi ?? null,
    oiChange: q && q.oi !== null && prevOi !== undefined && Number.isFinite(prevOi) ? q.oi - prevOi : null,
    iv: null,
    ivReason: null,
    greeks: null,
    itm: F === null ? null : right === 'CE' ? strike < F : strike > F,
  };
  const price = ctx.ivFrom === 'mid' && side.bid !== null && side.ask !== null ? (side.bid + side.ask) / 2 : ltp;
  if (price === null) side.ivReason = 'no-price';
  else if (F === null) side.ivReason = 'no-underlying';
  else {
    const spec = { model: ctx.model, right, underlying: F, strike, years: ctx.years, rate: ctx.rate, dividendYield: ctx.dividendYield };
    const r = impliedVol(spec, price);
    if (r.reason) side.ivReason = r.reason;
    else {
      side.iv = r.vol;
      side.greeks = optionGreeks(spec, r.vol);
    }
  }
  return side;
}

const nameOf = (i: Instrument) => (i.underlying ?? i.name ?? '').toUpperCase();

/** The options and futures of the configured underlying, by expiry (ascending), strikes ascending. */
function listChain(instruments: readonly Instrument[], config: ChainConfig, stats: ChainStats) {
  const u = config.underlying.toUpperCase();
  const ex = config.exchange?.toUpperCase();
  const byExpiry = new Map<string, { future: Instrument | null; strikes: Map<number, { ce: Instrument | null; pe: Instrument | null }> }>();
  const entry = (e: string) => {
    let x = byExpiry.get(e);
    if (!x) byExpiry.set(e, (x = { future: null, strikes: new Map() }));
    return x;
  };
  for (const i of instruments) {
    if (!i.expiry || nameOf(i) !== u || (ex !== undefined && i.exchange.toUpperCase() !== ex)) continue;
    if (!i.optionType) {
      const x = entry(i.expiry);
      if (x.future === null) x.future = i;
      continue;
    }
    if (i.strike === undefined || !(i.strike > 0)) continue;
    const strikes = entry(i.expiry).strikes;
    let row = strikes.get(i.strike);
    if (!row) strikes.set(i.strike, (row = { ce: null, pe: null }));
    const key = i.optionType === 'CE' ? 'ce' : 'pe';
    if (row[key] === null) row[key] = i;
    else stats.duplicates++;
  }
  return [...byExpiry.entries()]
    .filter(([, x]) => x.strikes.size > 0)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([expiry, x]) => ({ expiry, future: x.future, rows: [...x.strikes.entries()].sort(([a], [b]) => a - b).map(([strike, r]) => ({ strike, ...r })) }));
}

function resolveModel(config: ChainConfig, future: Instrument | null): { model: PricingModel; priceFrom: 'future' | 'spot'; underlyingId: number | null } {
  if (config.model === 'black76' && future) return { model: 'black76', priceFrom: 'future', underlyingId: future.id };
  return { model: 'bs', priceFrom: 'spot', underlyingId: config.spotId ?? null };
}

const stepOf = (config: ChainConfig) => Math.max(1, config.timeStepMs ?? 1000);
const asOfTime = (nowMs: number, step: number) => Math.floor(nowMs / step) * step;

function summary(
  config: ChainConfig,
  expiry: string,
  asOf: number,
  years: number,
  m: ReturnType<typeof resolveModel>,
  price: number | null,
  rows: ChainRow[],
  sums: { ceOi: number; peOi: number; ceVol: number; peVol: number },
  pain: { strike: number; payout: number } | null,
  atmIndex: number,
): ExpiryChain {
  const chg = { ce: 0, pe: 0, ceKnown: 0, peKnown: 0, sides: 0 };
  for (const r of rows) {
    for (const [s, ce] of [
      [r.ce, true],
      [r.pe, false],
    ] as const) {
      if (!s || s.oi === null) continue;
      chg.sides++;
      if (s.oiChange === null) continue;
      if (ce) {
        chg.ce += s.oiChange;
        chg.ceKnown++;
      } else {
        chg.pe += s.oiChange;
        chg.peKnown++;
      }
    }
  }
  return {
    underlying: config.underlying.toUpperCase(),
    expiry,
    expiryMs: expiryMs(expiry, config.exchange),
    years,
    asOf,
    model: m.model,
    priceFrom: m.priceFrom,
    underlyingId: m.underlyingId,
    underlyingPrice: price,
    rate: config.rate,
    dividendYield: config.dividendYield ?? 0,
    atm: atmIndex >= 0 ? rows[atmIndex].strike : null,
    pcrOi: putCallRatio(sums.peOi, sums.ceOi),
    pcrVolume: putCallRatio(sums.peVol, sums.ceVol),
    ceOiChange: chg.ceKnown > 0 ? chg.ce : null,
    peOiChange: chg.peKnown > 0 ? chg.pe : null,
    pcrOiChange: chg.ceKnown > 0 && chg.peKnown > 0 && chg.pe > 0 ? putCallRatio(chg.pe, chg.ce) : null,
    oiChangeKnown: chg.ceKnown + chg.peKnown,
    oiSides: chg.sides,
    maxPain: pain?.strike ?? null,
    maxPainPayout: pain?.payout ?? null,
    rows,
  };
}

/**
 * The whole chain from scratch: every expiry, every strike, from the latest tick of each
 * instrument (a malformed tick counts as none) and, optionally, the previous day's OI by
 * instrument id. O(instruments) IV solves per call; ChainBook does the same work per changed row.
 */
export function buildChain(
  instruments: readonly Instrument[],
  ticks: ReadonlyMap<number, Tick>,
  config: ChainConfig,
  nowMs: number,
  prevOi?: ReadonlyMap<number, number>,
): ExpiryChain[] {
  const stats: ChainStats = { ticks: 0, ignored: 0, malformed: 0, duplicates: 0 };
  const step = stepOf(config);
  const asOf = asOfTime(nowMs, step);
  return listChain(instruments, config, stats).map((e) => {
    const m = resolveModel(config, e.future);
    const px = m.underlyingId === null ? null : (quoteOf(ticks.get(m.underlyingId))?.ltp ?? null);
    const years = yearsToExpiry(asOf, e.expiry, config.exchange);
    const ctx: PricingContext = { model: m.model, underlyingPrice: px, years, rate: config.rate, dividendYield: config.dividendYield ?? 0, ivFrom: config.ivFrom ?? 'ltp' };
    const sums = { ceOi: 0, peOi: 0, ceVol: 0, peVol: 0 };
    const strikes: number[] = [];
    const ceOi: number[] = [];
    const peOi: number[] = [];
    const rows = e.rows.map((r): ChainRow => {
      const side = (ins: Instrument | null, right: OptionRight) => (ins ? computeSide(ins, right, quoteOf(ticks.get(ins.id)), prevOi?.get(ins.id), ctx) : null);
      const row = { strike: r.strike, ce: side(r.ce, 'CE'), pe: side(r.pe, 'PE') };
      sums.ceOi += row.ce?.oi ?? 0;
      sums.peOi += row.pe?.oi ?? 0;
      sums.ceVol += row.ce?.volume ?? 0;
      sums.peVol += row.pe?.volume ?? 0;
      strikes.push(r.strike);
      ceOi.push(row.ce?.oi ?? 0);
      peOi.push(row.pe?.oi ?? 0);
      return row;
    });
    return summary(config, e.expiry, asOf, years, m, px, rows, sums, maxPain(strikes, ceOi, peOi), px === null ? -1 : nearestStrike(strikes, px));
  });
}

// ---------------------------------------------------------------------------------------------
// Incremental

interface SideState {
  ins: Instrument;
  right: OptionRight;
  quote: SideQuote | null;
  dirty: boolean;
  out: ChainSide | null;
}

interface RowState {
  strike: number;
  index: number;
  ce: SideState | null;
  pe: SideState | null;
  dirty: boolean;
  out: ChainRow | null;
}

interface ExpiryState {
  expiry: string;
  m: ReturnType<typeof resolveModel>;
  rows: RowState[];
  strikes: Float64Array;
  ceOi: Float64Array;
  peOi: Float64Array;
  dirtyRows: RowState[];
  sums: { ceOi: number; peOi: number; ceVol: number; peVol: number };
  oiChanged: boolean;
  volChanged: boolean;
  pain: { strike: number; payout: number } | null;
  /** What the cached rows were computed for. */
  asOf: number;
  price: number | null;
  computed: boolean;
  last: ExpiryChain | null;
}

interface Role {
  side?: { exp: ExpiryState; row: RowState; state: SideState };
  /** The latest non-malformed LTP when this instrument prices some expiry (future or spot). */
  underlying?: boolean;
  ltp: number | null;
}

/**
 * The chain kept current from the live stream. `onTick` is O(1): it stores the quote, adjusts the
 * PCR sums and marks the strike row dirty. `snapshot` recomputes the dirty rows only — all rows of
 * the expiry when its underlying's price or the time step moved, since every IV depends on them —
 * and returns the same object as last time when nothing changed. Row objects are immutable and
 * shared between snapshots: an unchanged row is the same object (cheap to diff).
 *
 * A tick replaces the instrument's quote whole (a field it lacks is unknown, as in buildChain).
 */
export class ChainBook {
  readonly stats: ChainStats = { ticks: 0, ignored: 0, malformed: 0, duplicates: 0 };
  private readonly roles = new Map<number, Role>();
  private readonly byExpiry = new Map<string, ExpiryState>();
  private readonly step: number;
  private readonly ivFrom: 'ltp' | 'mid';
  private prevOi: ReadonlyMap<number, number> | undefined;

  constructor(
    instruments: readonly Instrument[],
    readonly config: ChainConfig,
    prevOi?: ReadonlyMap<number, number>,
  ) {
    this.step = stepOf(config);
    this.ivFrom = config.ivFrom ?? 'ltp';
    this.prevOi = prevOi;
    for (const e of listChain(instruments, config, this.stats)) {
      const n = e.rows.length;
      const exp: ExpiryState = {
        expiry: e.expiry,
        m: resolveModel(config, e.future),
        rows: [],
        strikes: new Float64Array(n),
        ceOi: new Float64Array(n),
        peOi: new Float64Array(n),
        dirtyRows: [],
        sums: { ceOi: 0, peOi: 0, ceVol: 0, peVol: 0 },
        oiChanged: true,
        volChanged: true,
        pain: null,
        asOf: NaN,
        price: null,
        computed: false,
        last: null,
      };
      e.rows.forEach((r, index) => {
        const row: RowState = { strike: r.strike, index, ce: null, pe: null, dirty: false, out: null };
        for (const [ins, right] of [
          [r.ce, 'CE'],
          [r.pe, 'PE'],
        ] as const) {
          if (!ins) continue;
          const state: SideState = { ins, right, quote: null, dirty: true, out: null };
          if (right === 'CE') row.ce = state;
          else row.pe = state;
          this.role(ins.id).side = { exp, row, state };
        }
        exp.strikes[index] = r.strike;
        exp.rows.push(row);
      });
      if (exp.m.underlyingId !== null) this.role(exp.m.underlyingId).underlying = true;
      this.byExpiry.set(e.expiry, exp);
    }
  }

  private role(id: number): Role {
    let r = this.roles.get(id);
    if (!r) this.roles.set(id, (r = { ltp: null }));
    return r;
  }

  /** Every listed expiry, ascending. */
  expiries(): string[] {
    return [...this.byExpiry.keys()];
  }

  /** The previous day's OI by instrument id; every OI change is recomputed at the next snapshot. */
  setPreviousOi(prevOi: ReadonlyMap<number, number> | undefined): void {
    this.prevOi = prevOi;
    for (const exp of this.byExpiry.values()) {
      for (const row of exp.rows) {
        if (row.ce) row.ce.dirty = true;
        if (row.pe) row.pe.dirty = true;
        this.markRow(exp, row);
      }
    }
  }

  /** Takes one tick; O(1). */
  onTick(t: Tick): void {
    this.stats.ticks++;
    const role = this.roles.get(t.instrumentId);
    if (!role) {
      this.stats.ignored++;
      return;
    }
    if (isMalformed(t)) {
      this.stats.malformed++;
      return;
    }
    if (role.underlying) role.ltp = positive(t.ltp);
    const s = role.side;
    if (!s) return;
    const q = quoteOf(t);
    const old = s.state.quote;
    if (sameQuote(old, q)) return;
    const { exp, row, state } = s;
    const ce = state.right === 'CE';
    const oldOi = old?.oi ?? 0;
    const newOi = q?.oi ?? 0;
    if (oldOi !== newOi) {
      if (ce) {
        exp.sums.ceOi += newOi - oldOi;
        exp.ceOi[row.index] = newOi;
      } else {
        exp.sums.peOi += newOi - oldOi;
        exp.peOi[row.index] = newOi;
      }
      exp.oiChanged = true;
    }
    const dv = (q?.volume ?? 0) - (old?.volume ?? 0);
    if (dv !== 0) {
      if (ce) exp.sums.ceVol += dv;
      else exp.sums.peVol += dv;
      exp.volChanged = true;
    }
    state.quote = q;
    state.dirty = true;
    this.markRow(exp, row);
  }

  private markRow(exp: ExpiryState, row: RowState): void {
    if (row.dirty) return;
    row.dirty = true;
    exp.dirtyRows.push(row);
  }

  /**
   * One expiry's chain as of `nowMs` (rounded down to the time step); undefined for an expiry not
   * listed. Cost: the dirty rows' IV solves, plus O(strikes) to assemble when anything changed.
   */
  snapshot(expiry: string, nowMs: number = Date.now()): ExpiryChain | undefined {
    const exp = this.byExpiry.get(expiry);
    if (!exp) return undefined;
    const asOf = asOfTime(nowMs, this.step);
    const years = yearsToExpiry(asOf, expiry, this.config.exchange);
    const price = exp.m.underlyingId === null ? null : (this.roles.get(exp.m.underlyingId)?.ltp ?? null);
    const all = !exp.computed || asOf !== exp.asOf || price !== exp.price;
    if (!all && exp.dirtyRows.length === 0 && !exp.oiChanged && !exp.volChanged && exp.last) return exp.last;

    const ctx: PricingContext = { model: exp.m.model, underlyingPrice: price, years, rate: this.config.rate, dividendYield: this.config.dividendYield ?? 0, ivFrom: this.ivFrom };
    const recompute = (row: RowState) => {
      const ce = row.ce && (all || row.ce.dirty) ? this.side(row.ce, ctx) : (row.ce?.out ?? null);
      const pe = row.pe && (all || row.pe.dirty) ? this.side(row.pe, ctx) : (row.pe?.out ?? null);
      row.out = { strike: row.strike, ce, pe };
      row.dirty = false;
    };
    if (all) for (const row of exp.rows) recompute(row);
    else for (const row of exp.dirtyRows) recompute(row);
    exp.dirtyRows.length = 0;
    exp.asOf = asOf;
    exp.price = price;
    exp.computed = true;
    if (exp.oiChanged) exp.pain = maxPain(exp.strikes, exp.ceOi, exp.peOi);
    exp.oiChanged = false;
    exp.volChanged = false;
    const rows = new Array<ChainRow>(exp.rows.length);
    for (let i = 0; i < rows.length; i++) rows[i] = exp.rows[i].out!;
    exp.last = summary(this.config, expiry, asOf, years, exp.m, price, rows, exp.sums, exp.pain, price === null ? -1 : nearestStrike(exp.strikes, price));
    return exp.last;
  }

  /** Every expiry's chain as of `nowMs`. */
  snapshotAll(nowMs: number = Date.now()): ExpiryChain[] {
    return this.expiries().map((e) => this.snapshot(e, nowMs)!);
  }

  private side(s: SideState, ctx: PricingContext): ChainSide {
    s.out = computeSide(s.ins, s.right, s.quote, this.prevOi?.get(s.ins.id), ctx);
    s.dirty = false;
    return s.out;
  }
}
