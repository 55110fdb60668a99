// A seeded market model: random-walk prices on each instrument's tick size, cumulative volume and
// VWAP, OI for derivatives, and a 5-level book that moves with the price. Broker servers in this
// folder read its state and put it on their own wire formats. It trades around the clock, or on
// NSE's calendar (`clock: 'nse'`): sessions, holidays, the pre-open auction, the closing session.
import { istDay } from '../../../shared/ist';
import { istMidnightOf, lastPrintAt, sessionAt, sessionWindows, type MarketClock, type SessionKind, type SessionWindow } from '../../../shared/nse-calendar';
import { DEPTH_FIELDS, type DepthBook } from '../../../shared/model';
import type { KiteInstrumentRow } from '../../brokers/kite/instruments';
import { OrderBook } from './book';
import { atmVol, fairOnTick, fairPrice, roundToTick, spotPrice, type PricedInstrument, type SimUnderlying } from './pricing';
import { gaussian, mulberry32 } from './random';
import { linkUnderlyings, underlyingOf } from './underlying';
import { futureSymbol, nseIndexExpiries, optionSymbol } from './expiry';
import { closingPrice, sessionKindOf } from './session';
import { equityTickSize, indexFutureTickSize, nseTickSize } from './ticks';
import { yearsToExpiry } from '../../analytics/options';

export type { SimUnderlying } from './pricing';

export interface SimInstrument {
  /** Kite-style instrument token: exchangeToken << 8 | segment code. */
  token: number;
  exchangeToken: number;
  symbol: string;
  name: string;
  exchange: string;
  /** Kite segment column, e.g. NSE, NFO-OPT, INDICES. */
  segment: string;
  instrumentType: 'EQ' | 'FUT' | 'CE' | 'PE';
  expiry?: string;
  strike?: number;
  tickSize: number;
  lotSize: number;
  basePrice: number;
  /**
   * The index or stock whose price path this derivative follows (futures at a carry to expiry,
   * options by Black-76 on that future). Unset: found by name when the model starts (NIFTY →
   * NIFTY 50, a stock's F&O by its symbol); none found: the contract has its own path.
   */
  underlying?: SimUnderlying;
}

/** Live state of one instrument; shaped so that wire encoders can read it directly. */
export interface SimQuote {
  token: number;
  ltp: number;
  ltq: number;
  atp: number;
  volume: number;
  totalBuyQty: number;
  totalSellQty: number;
  open: number;
  high: number;
  low: number;
  close: number;
  lastTradeTime: number;
  oi: number;
  oiDayHigh: number;
  oiDayLow: number;
  tsExchange: number;
  depth: DepthBook;
  /** Model time (ms) of the last change, before any wire rounds it to seconds. */
  tsModel: number;
  /** Bumped on every change. */
  seq: number;
}

/**
 * When the simulated market trades: 'always' (the demo keeps moving at night), or 'nse': NSE's
 * calendar (shared/nse-calendar.ts) — nothing trades outside an instrument's sessions or on an
 * exchange holiday (last prices stay where they were), the 09:08 pre-open auction prints the
 * equilibrium price, and shares trade at the closing price in the 15:40–16:00 closing session.
 */
export type SimClock = MarketClock;

export interface MarketOptions {
  instruments: SimInstrument[];
  seed?: number;
  levels?: number;
  now?: () => number;
  /** Default 'always'. */
  clock?: SimClock;
}

/** An instrument's place in NSE's day (clock 'nse'). */
interface SessionState {
  /** Today's session pattern (a future's can change with the day). */
  kind: SessionKind;
  /** The trading day the quote's open, high, low and volume are of. */
  day: string;
  /** Today's pre-open auction has printed. */
  auctioned: boolean;
  /** The day's first print is still to come: it sets open, high and low. */
  fresh: boolean;
}


export function kiteToken(exchangeToken: number, segmentCode: number): number {
  return exchangeToken * 256 + segmentCode;
}

/** The moment of a trading day's first print: the pre-open auction, or the continuous session's start. */
function firstPrintOf(kind: SessionKind, day: string): number {
  const first = sessionWindows(day, kind)[0];
  return first.auctionAt ?? first.start;
}

export class MarketModel {
  readonly instruments: SimInstrument[];
  readonly levels: number;
  private readonly quotes = new Map<number, SimQuote>();
  private readonly byIndex: SimQuote[] = [];
  private readonly rnd: () => number;
  /** For rounding moves to ticks: its own stream, so the main one draws as it always has. */
  private readonly tickRnd: () => number;
  private readonly now: () => number;
  private turnover = new Map<number, number>();
  private readonly byToken = new Map<number, SimInstrument>();
  /** Full order books (up to 200 levels) for instruments that have deep depth, by token. */
  private readonly deep = new Map<number, { book: OrderBook; fair: number }>();
  /** Quotes changed outside step() (book events), for publishers that poll them. */
  private readonly touched = new Set<SimQuote>();
  /** The instruments as priced: each with its underlying linked. */
  private readonly priced = new Map<number, PricedInstrument>();
  /** Each path's price at the last time asked for (every event of a step() shares one time). */
  private readonly spots = new Map<number, { t: number; price: number }>();
  readonly clock: SimClock;
  /** Clock 'nse': each instrument's session state, by its index in `instruments`. */
  private readonly sessions: SessionState[] = [];
  private readonly indexOf = new Map<number, number>();
  /** The IST day the session kinds were worked out for. */
  private sessionDay = '';
  /** Closing prices worked out, by token and day. */
  private readonly closes = new Map<string, number>();
  /** Each derivative's OI when the model started: the previous session's close (OI does not move overnight). */
  private readonly closeOi = new Map<number, number>();

  constructor(opts: MarketOptions) {
    this.instruments = opts.instruments;
    this.levels = opts.levels ?? 5;
    this.rnd = mulberry32(opts.seed ?? 1);
    this.tickRnd = mulberry32((opts.seed ?? 1) ^ 0x71c4);
    this.now = opts.now ?? Date.now;
    this.clock = opts.clock ?? 'always';
    const t = this.now();
    const today = istDay(t);
    this.sessionDay = today;
    for (const ins of this.instruments) this.byToken.set(ins.token, ins);
    for (const ins of linkUnderlyings(this.instruments)) this.priced.set(ins.token, ins);
    for (const [i, ins] of this.instruments.entries()) {
      this.indexOf.set(ins.token, i);
      const kind = sessionKindOf(ins, today);
      // Around the clock: the fair price now, after the last trading day's close. On NSE's clock:
      // the last price printed (at the last session's end, the auction, or the close), and the
      // close of the trading day before that print's.
      let ltp = this.fairTick(ins.token, t);
      let open = ltp;
      let at = t;
      let day = today;
      if (this.clock === 'nse') {
        const print = lastPrintAt(t, kind);
        if (print) {
          ({ at, day } = print);
          ltp = this.printPrice(ins.token, kind, print.phase, at, day);
          open = this.fairTick(ins.token, firstPrintOf(kind, day));
        }
        const auction = sessionWindows(today, kind)[0]?.auctionAt;
        this.sessions.push({ kind, day, auctioned: day === today && auction !== undefined && at >= auction, fresh: false });
      }
      const close = this.previousClose(ins.token, kind, day) ?? ltp;
      const isDerivative = ins.instrumentType !== 'EQ';
      const q: SimQuote = {
        token: ins.token,
        ltp,
        ltq: 0,
        atp: ltp,
        volume: 0,
        totalBuyQty: 0,
        totalSellQty: 0,
        open,
        high: Math.max(open, ltp),
        low: Math.min(open, ltp),
        close,
        lastTradeTime: at,
        oi: isDerivative ? 10_000 * ins.lotSize : 0,
        oiDayHigh: isDerivative ? 10_000 * ins.lotSize : 0,
        oiDayLow: isDerivative ? 10_000 * ins.lotSize : 0,
        tsExchange: at,
        depth: new Float64Array(this.levels * DEPTH_FIELDS),
        tsModel: t,
        seq: 0,
      };
      this.rebuildBook(q, ins);
      if (isDerivative) this.closeOi.set(ins.token, q.oi);
      this.quotes.set(ins.token, q);
      this.byIndex.push(q);
      this.turnover.set(ins.token, 0);
    }
  }

  quote(token: number): SimQuote | undefined {
    return this.quotes.get(token);
  }

  instrument(token: number): SimInstrument | undefined {
    return this.byToken.get(token);
  }

  /** A derivative's open interest at the previous session's close; undefined for anything else. */
  previousOi(token: number): number | undefined {
    return this.closeOi.get(token);
  }

  /** The fair price of an instrument at `ms` (unrounded) and the least it may trade at. */
  fair(token: number, ms: number): { price: number; floor: number } {
    const ins = this.priced.get(token)!;
    const u = ins.underlying;
    let spot: number | undefined;
    if (u || ins.instrumentType === 'EQ') {
      const key = u ?? ins;
      const have = this.spots.get(key.token);
      if (have && have.t === ms) spot = have.price;
      else {
        spot = spotPrice(key, ms);
        this.spots.set(key.token, { t: ms, price: spot });
      }
    }
    return fairPrice(ins, ms, spot);
  }

  /** The fair price on the tick, never below its floor. */
  private fairTick(token: number, ms: number): number {
    const f = this.fair(token, ms);
    return Math.max(f.floor, roundToTick(f.price, this.byToken.get(token)!.tickSize));
  }

  /** The closing price of `day` (session.ts), worked out once. */
  private closeOf(token: number, day: string): number | undefined {
    const key = `${token}:${day}`;
    let c = this.closes.get(key);
    if (c === undefined) {
      const ins = this.byToken.get(token)!;
      c = closingPrice((ms) => this.fairTick(token, ms), ins, day, ins.tickSize);
      if (c === undefined) return undefined;
      if (this.closes.size > 100_000) this.closes.clear();
      this.closes.set(key, c);
    }
    return c;
  }

  /** The close of the last trading day before `day`: a quote's previous close. */
  private previousClose(token: number, kind: SessionKind, day: string): number | undefined {
    const prev = lastPrintAt(istMidnightOf(day) - 1, kind);
    return prev && this.closeOf(token, prev.day);
  }

  /**
   * The price printed at `at` in a session of `phase`: the closing session trades at the day's
   * close, and an index, once its session has ended, shows its closing value; otherwise the fair
   * price then (the auction's equilibrium price, the last trade of a session).
   */
  private printPrice(token: number, kind: SessionKind, phase: SessionWindow['phase'], at: number, day: string): number {
    const ended = phase === 'open' && kind === 'index' && !sessionAt(at, kind);
    if (phase === 'closing' || ended) return this.closeOf(token, day) ?? this.fairTick(token, at);
    return this.fairTick(token, at);
  }

  /**
   * Gives an instrument a full order book of up to `levels` a side. From then on its price,
   * volume and 5-level depth come from that book, which the model steers towards its random-walk
   * fair price; the Dhan depth simulator publishes the same book. Idempotent.
   */
  deepBook(token: number, levels = 200): OrderBook {
    const have = this.deep.get(token);
    if (have) return have.book;
    const ins = this.byToken.get(token);
    const q = this.quotes.get(token);
    if (!ins || !q) throw new Error(`no instrument with token ${token}`);
    const book = new OrderBook(ins.exchangeToken, q.ltp, ins.tickSize, ins.lotSize, levels, mulberry32(ins.exchangeToken ^ 0x5eed));
    this.deep.set(token, { book, fair: this.clock === 'nse' ? q.ltp : this.fairTick(token, this.now()) });
    this.fromBook(q, ins, book, 0, this.now());
    return book;
  }

  /**
   * Book events only (adds, cancels, trades at the touch) for an instrument with a deep book:
   * what happens between the live feed's ticks. Returns the quote, also reported by takeTouched().
   */
  stepBook(token: number, events: number): SimQuote | undefined {
    const d = this.deep.get(token);
    const q = this.quotes.get(token);
    if (!d || !q) return undefined;
    const t = this.now();
    // On NSE's clock the book rests outside continuous trading: no adds, cancels or trades.
    if (this.clock === 'nse' && sessionAt(t, this.sessionOf(token).kind)?.phase !== 'open') return q;
    d.fair = roundToTick(this.fairTick(token, t) + this.bounce(this.byToken.get(token)!.tickSize), this.byToken.get(token)!.tickSize);
    let traded = 0;
    for (let k = 0; k < events; k++) {
      d.book.step(d.fair);
      traded += d.book.lastTradedQty;
    }
    this.fromBook(q, this.byToken.get(token)!, d.book, traded, t);
    this.touched.add(q);
    return q;
  }

  /** Quotes changed by stepBook() since the last call. */
  takeTouched(): SimQuote[] {
    const out = [...this.touched];
    this.touched.clear();
    return out;
  }

  /** Advances `count` randomly chosen instruments by one event each; returns the changed quotes. */
  step(count: number): SimQuote[] {
    const changed: SimQuote[] = [];
    const n = this.byIndex.length;
    if (n === 0) return changed;
    const t = this.now();
    if (this.clock === 'nse') return this.stepSessions(count, t);
    for (let k = 0; k < count; k++) {
      const idx = Math.floor(this.rnd() * n);
      const q = this.byIndex[idx];
      this.advance(q, this.instruments[idx], t);
      changed.push(q);
    }
    return changed;
  }

  /** An instrument's session state (clock 'nse'), its kind brought up to today's. */
  private sessionOf(token: number): SessionState {
    return this.sessions[this.indexOf.get(token)!];
  }

  /**
   * step() on NSE's clock: an event for an instrument in continuous trading is a trade or a book
   * change as around the clock; in the pre-open, the first event after 09:08 prints the auction's
   * equilibrium price; in the closing session a share trades at the day's close; otherwise nothing
   * happens. The first print of a trading day starts the day's open, high, low and volume.
   */
  private stepSessions(count: number, t: number): SimQuote[] {
    const changed: SimQuote[] = [];
    const day = istDay(t);
    if (day !== this.sessionDay) {
      this.sessionDay = day;
      for (const [i, ins] of this.instruments.entries()) this.sessions[i].kind = sessionKindOf(ins, day);
    }
    const windows = new Map<SessionKind, SessionWindow | undefined>();
    const windowOf = (kind: SessionKind) => {
      if (!windows.has(kind)) windows.set(kind, sessionAt(t, kind));
      return windows.get(kind);
    };
    const n = this.byIndex.length;
    for (let k = 0; k < count; k++) {
      const idx = Math.floor(this.rnd() * n);
      const q = this.byIndex[idx];
      const ins = this.instruments[idx];
      const s = this.sessions[idx];
      const w = windowOf(s.kind);
      if (!w) continue;
      if (w.phase === 'pre-open' && (s.auctioned || t < w.auctionAt!)) continue;
      if (w.phase === 'closing' && (s.day !== day || this.deep.has(q.token))) continue;
      if (s.day !== day) this.newDay(q, s, day);
      if (w.phase === 'open') this.advance(q, ins, t);
      else if (w.phase === 'pre-open') this.auction(q, ins, s, w.auctionAt!, t);
      else this.atClose(q, ins, s, t);
      if (s.fresh) {
        q.open = q.high = q.low = q.ltp;
        s.fresh = false;
      }
      changed.push(q);
    }
    return changed;
  }

  /** A new trading day's first print is coming: the day's figures start again (OI carries over). */
  private newDay(q: SimQuote, s: SessionState, day: string): void {
    q.close = this.previousClose(q.token, s.kind, day) ?? q.ltp;
    q.volume = 0;
    q.atp = q.ltp;
    this.turnover.set(q.token, 0);
    q.oiDayHigh = q.oiDayLow = q.oi;
    // The OI the last session closed with is the previous OI from now on.
    if (this.closeOi.has(q.token)) this.closeOi.set(q.token, q.oi);
    s.day = day;
    s.auctioned = false;
    s.fresh = true;
  }

  /** The pre-open call auction: one print at the equilibrium price (the fair price at 09:08). */
  private auction(q: SimQuote, ins: SimInstrument, s: SessionState, at: number, t: number): void {
    s.auctioned = true;
    const price = this.fairTick(q.token, at);
    const d = this.deep.get(q.token);
    if (d) {
      d.fair = price;
      d.book.step(price);
      this.fromBook(q, ins, d.book, d.book.lastTradedQty, t);
      return;
    }
    q.ltp = price;
    if (ins.segment === 'INDICES') {
      q.high = Math.max(q.high, price);
      q.low = Math.min(q.low, price);
    } else {
      // The auction matches a good part of the opening interest at once.
      this.trade(q, ins, ins.lotSize * (20 + Math.floor(this.rnd() * 200)), t);
      this.rebuildBook(q, ins);
    }
    q.tsExchange = t;
    q.tsModel = t;
    q.seq++;
  }

  /** The closing session: a share trades at the day's closing price, and only there. */
  private atClose(q: SimQuote, ins: SimInstrument, s: SessionState, t: number): void {
    q.ltp = this.closeOf(q.token, s.day) ?? q.ltp;
    this.trade(q, ins, ins.lotSize * (1 + Math.floor(this.rnd() * 20)), t);
    this.rebuildBook(q, ins);
    q.tsExchange = t;
    q.tsModel = t;
    q.seq++;
  }

  private advance(q: SimQuote, ins: SimInstrument, t: number): void {
    const r = this.rnd;
    const d = this.deep.get(q.token);
    if (d) {
      // The book trades towards the fair price (a deep book is a liquid instrument: most events
      // leave the price where it was).
      d.fair = roundToTick(this.fairTick(q.token, t) + this.bounce(ins.tickSize), ins.tickSize);
      d.book.step(d.fair);
      this.fromBook(q, ins, d.book, d.book.lastTradedQty, t);
      return;
    }
    const isIndex = ins.segment === 'INDICES';
    // Most events are trades; some only move the book (still a change in full mode).
    const trade = isIndex || r() < 0.8;
    if (trade) {
      // The fair price at this moment, plus a trade's bounce between bid and ask (a tick either
      // way; an index is computed, so it has none). A cheap option moves a tick at a time, so a
      // ₹0.20 option ticks 0.15–0.25 instead of jumping by half its price.
      const tick = ins.tickSize;
      const f = this.fair(q.token, t);
      const bounce = isIndex ? 0 : this.bounce(tick);
      let next = Math.max(f.floor, roundToTick(roundToTick(f.price, tick) + bounce, tick));
      if (q.ltp < 20 * tick) next = Math.min(q.ltp + tick, Math.max(q.ltp - tick, next));
      q.ltp = Math.max(f.floor, roundToTick(next, tick));
      if (!isIndex) this.trade(q, ins, ins.lotSize * (1 + Math.floor(r() * 20)), t);
      else {
        if (q.ltp > q.high) q.high = q.ltp;
        if (q.ltp < q.low) q.low = q.ltp;
      }
    }
    if (!isIndex) this.rebuildBook(q, ins);
    q.tsExchange = t;
    q.tsModel = t;
    q.seq++;
  }

  /** A trade's bounce between bid and ask: a tick down or up, a quarter of the time each. */
  private bounce(tick: number): number {
    const b = this.tickRnd();
    return b < 0.25 ? -tick : b < 0.5 ? tick : 0;
  }

  /** A trade of `qty` at q.ltp: volume, VWAP, last trade time, day range, OI for derivatives. */
  private trade(q: SimQuote, ins: SimInstrument, qty: number, t: number): void {
    q.ltq = qty;
    q.volume += qty;
    const turnover = this.turnover.get(q.token)! + qty * q.ltp;
    this.turnover.set(q.token, turnover);
    q.atp = Math.round((turnover / q.volume) * 100) / 100;
    q.lastTradeTime = t;
    if (ins.instrumentType !== 'EQ') {
      q.oi = Math.max(ins.lotSize, q.oi + ins.lotSize * Math.round(gaussian(this.rnd) * 3));
      if (q.oi > q.oiDayHigh) q.oiDayHigh = q.oi;
      if (q.oi < q.oiDayLow) q.oiDayLow = q.oi;
    }
    if (q.ltp > q.high) q.high = q.ltp;
    if (q.ltp < q.low) q.low = q.ltp;
  }

  /** Price, trade and 5-level depth from a deep book. */
  private fromBook(q: SimQuote, ins: SimInstrument, book: OrderBook, traded: number, t: number): void {
    q.ltp = book.ltp;
    if (traded > 0) this.trade(q, ins, traded, t);
    const n = this.levels;
    const depth = q.depth;
    depth.fill(0);
    let buy = 0;
    let sell = 0;
    const bids = book.bids.levels;
    const asks = book.asks.levels;
    for (let i = 0; i < bids.length; i++) buy += bids[i].qty;
    for (let i = 0; i < asks.length; i++) sell += asks[i].qty;
    for (let i = 0; i < n; i++) {
      if (i < bids.length) {
        depth[i] = bids[i].price;
        depth[n + i] = bids[i].qty;
        depth[2 * n + i] = bids[i].orders;
      }
      if (i < asks.length) {
        depth[3 * n + i] = asks[i].price;
        depth[4 * n + i] = asks[i].qty;
        depth[5 * n + i] = asks[i].orders;
      }
    }
    q.totalBuyQty = buy;
    q.totalSellQty = sell;
    q.tsExchange = t;
    q.tsModel = t;
    q.seq++;
  }

  /** A book around the last price: best bid one tick below (or at) ltp, best ask above. */
  private rebuildBook(q: SimQuote, ins: SimInstrument): void {
    if (ins.segment === 'INDICES') return;
    const n = this.levels;
    const book = q.depth;
    const r = this.rnd;
    const tick = ins.tickSize;
    const spreadTicks = 1 + Math.floor(r() * 2);
    const bestBid = roundToTick(q.ltp - (r() < 0.5 ? 0 : tick), tick);
    const bestAsk = roundToTick(bestBid + spreadTicks * tick, tick);
    let buy = 0;
    let sell = 0;
    for (let i = 0; i < n; i++) {
      const bq = ins.lotSize * (1 + Math.floor(r() * 50 * (1 + i * 0.3)));
      const aq = ins.lotSize * (1 + Math.floor(r() * 50 * (1 + i * 0.3)));
      book[i] = roundToTick(bestBid - i * tick, tick);
      book[n + i] = bq;
      book[2 * n + i] = 1 + Math.floor(r() * 20);
      book[3 * n + i] = roundToTick(bestAsk + i * tick, tick);
      book[4 * n + i] = aq;
      book[5 * n + i] = 1 + Math.floor(r() * 20);
      buy += bq;
      sell += aq;
    }
    q.totalBuyQty = buy * 7;
    q.totalSellQty = sell * 7;
  }
}

// ---------------------------------------------------------------------------------------------
// A default universe that looks like a trader's: indices, large caps, index futures and a NIFTY
// option chain around the money, plus currency and commodity contracts (other price divisors).

/**
 * Strikes for a chain of `count` around `atm`: 50 apart near the money (ten a side), then wider so
 * the chain reaches about 4.5 standard deviations out, where options trade at a few paise; never
 * at or below zero (a long chain then grows upwards).
 */
function chainStrikes(atm: number, count: number, sd: number): number[] {
  const half = Math.ceil(count / 2);
  const outer = half > 10 ? Math.max(50, Math.ceil((4.5 * sd - 500) / (half - 10) / 50) * 50) : 50;
  const offset = (j: number) => (j <= 10 ? 50 * j : 500 + (j - 10) * outer);
  const out = [atm];
  for (let j = 1; out.length < count; j++) {
    if (atm - offset(j) > 0) out.push(atm - offset(j));
    if (out.length < count) out.push(atm + offset(j));
  }
  return out.sort((x, y) => x - y);
}

export function defaultUniverse(opts: { optionStrikes?: number; from?: Date } = {}): SimInstrument[] {
  const out: SimInstrument[] = [];
  const add = (i: Omit<SimInstrument, 'token'>, segCode: number) => out.push({ ...i, token: kiteToken(i.exchangeToken, segCode) });
  add({ exchangeToken: 1001, symbol: 'NIFTY 50', name: 'NIFTY 50', exchange: 'NSE', segment: 'INDICES', instrumentType: 'EQ', tickSize: 0.05, lotSize: 1, basePrice: 24500 }, 9);
  add({ exchangeToken: 1016, symbol: 'NIFTY BANK', name: 'NIFTY BANK', exchange: 'NSE', segment: 'INDICES', instrumentType: 'EQ', tickSize: 0.05, lotSize: 1, basePrice: 52000 }, 9);
  const equities: Array<[number, string, string, number]> = [
    [1594, 'INFY', 'INFOSYS', 1850],
    [2885, 'RELIANCE', 'RELIANCE INDUSTRIES', 2900],
    [11536, 'TCS', 'TATA CONSULTANCY SERV', 4100],
    [1333, 'HDFCBANK', 'HDFC BANK', 1650],
    [3045, 'SBIN', 'STATE BANK OF INDIA', 820],
    [4963, 'ICICIBANK', 'ICICI BANK', 1250],
    [1660, 'ITC', 'ITC', 470],
    [1922, 'KOTAKBANK', 'KOTAK MAHINDRA BANK', 1780],
    [11483, 'LT', 'LARSEN & TOUBRO', 3600],
    [5900, 'AXISBANK', 'AXIS BANK', 1150],
    [16675, 'BAJFINANCE', 'BAJAJ FINANCE', 7100],
    [3456, 'TATAMOTORS', 'TATA MOTORS', 980],
    [10999, 'MARUTI', 'MARUTI SUZUKI INDIA', 12500],
    [317, 'BAJAJFINSV', 'BAJAJ FINSERV', 1600],
    [3499, 'TATASTEEL', 'TATA STEEL', 150],
    [2475, 'ONGC', 'OIL AND NATURAL GAS CORP', 270],
    [14977, 'POWERGRID', 'POWER GRID CORP', 320],
    [11630, 'NTPC', 'NTPC', 360],
    [1394, 'HINDUNILVR', 'HINDUSTAN UNILEVER', 2500],
    [236, 'ASIANPAINT', 'ASIAN PAINTS', 2900],
  ];
  // Tick sizes by NSE's price bands (ticks.ts): ₹0.01 for TATASTEEL, 0.05 for SBIN, 1.00 for MARUTI.
  for (const [et, sym, name, px] of equities)
    add({ exchangeToken: et, symbol: sym, name, exchange: 'NSE', segment: 'NSE', instrumentType: 'EQ', tickSize: equityTickSize(px), lotSize: 1, basePrice: px }, 1);
  add({ exchangeToken: 500325, symbol: 'RELIANCE', name: 'RELIANCE INDUSTRIES', exchange: 'BSE', segment: 'BSE', instrumentType: 'EQ', tickSize: equityTickSize(2900), lotSize: 1, basePrice: 2900 }, 4);

  const at = (opts.from ?? new Date()).getTime();
  const { weekly, monthly } = nseIndexExpiries(at);
  const nifty = underlyingOf(out[0]);
  const banknifty = underlyingOf(out[1]);
  let et = 40000;
  // Futures carry spot to expiry; options are Black-76 on the expiry's future (pricing.ts). Base
  // prices are the fair prices at `from`, where a model started then opens.
  const priced = (i: Omit<SimInstrument, 'token' | 'basePrice'>, segCode: number) => {
    const token = kiteToken(i.exchangeToken, segCode);
    const basePrice = fairOnTick({ ...i, token, basePrice: 0 }, at);
    out.push({ ...i, token, basePrice });
  };
  // Index futures tick by the index's level (0.10 for NIFTY, 0.20 for BANKNIFTY); options by 0.05.
  priced({ exchangeToken: et++, symbol: futureSymbol('NIFTY', monthly), name: 'NIFTY', exchange: 'NFO', segment: 'NFO-FUT', instrumentType: 'FUT', expiry: monthly, tickSize: indexFutureTickSize(nifty.basePrice), lotSize: 75, underlying: nifty }, 2);
  priced({ exchangeToken: et++, symbol: futureSymbol('BANKNIFTY', monthly), name: 'BANKNIFTY', exchange: 'NFO', segment: 'NFO-FUT', instrumentType: 'FUT', expiry: monthly, tickSize: indexFutureTickSize(banknifty.basePrice), lotSize: 35, underlying: banknifty }, 2);
  const strikes = opts.optionStrikes ?? 40;
  const spot = spotPrice(nifty, at);
  const atm = Math.round(spot / 50) * 50;
  // The weekly's chain is the long one; the monthly lists the strikes nearest the money (ten of a
  // long chain, so a chain of n strikes is still 2n options).
  const monthlyCount = strikes >= 20 ? 10 : Math.min(strikes, 2);
  for (const [expiry, count] of [[weekly, strikes >= 20 ? strikes - 10 : strikes], [monthly, monthlyCount]] as const) {
    const sd = spot * atmVol(nifty) * Math.sqrt(Math.max(1 / 365, yearsToExpiry(at, expiry, 'NFO')));
    for (const strike of chainStrikes(atm, count, sd))
      for (const type of ['CE', 'PE'] as const)
        priced({ exchangeToken: et++, symbol: optionSymbol('NIFTY', expiry, strike, type), name: 'NIFTY', exchange: 'NFO', segment: 'NFO-OPT', instrumentType: type, expiry, strike, tickSize: 0.05, lotSize: 75, underlying: nifty }, 2);
  }
  add({ exchangeToken: 1200, symbol: futureSymbol('USDINR', monthly), name: 'USDINR', exchange: 'CDS', segment: 'CDS-FUT', instrumentType: 'FUT', expiry: monthly, tickSize: 0.0025, lotSize: 1000, basePrice: 84.25 }, 3);
  add({ exchangeToken: 1300, symbol: futureSymbol('USDINR', monthly), name: 'USDINR', exchange: 'BCD', segment: 'BCD-FUT', instrumentType: 'FUT', expiry: monthly, tickSize: 0.0025, lotSize: 1000, basePrice: 84.25 }, 6);
  add({ exchangeToken: 2400, symbol: futureSymbol('CRUDEOIL', monthly), name: 'CRUDEOIL', exchange: 'MCX', segment: 'MCX-FUT', instrumentType: 'FUT', expiry: monthly, tickSize: 1, lotSize: 100, basePrice: 6200 }, 7);
  return out;
}


/**
 * A universe from a Kite-format instruments CSV (e.g. a real dump, or a trimmed copy of it).
 * Prices start at the dump's last_price, or at a plausible level when it is 0.
 */
export function universeFromKiteRows(
  rows: readonly KiteInstrumentRow[],
): SimInstrument[] {
  // Derivatives follow their index or stock where the rows list it (see underlying.ts).
  return linkUnderlyings(rows.map((r): SimInstrument => {
    const type = (['EQ', 'FUT', 'CE', 'PE'].includes(r.instrumentType) ? r.instrumentType : 'EQ') as SimInstrument['instrumentType'];
    const guess = r.segment === 'INDICES' ? 20000 : type === 'CE' || type === 'PE' ? 100 : 1000;
    const basePrice = r.lastPrice > 0 ? r.lastPrice : guess;
    return {
      token: r.instrumentToken,
      exchangeToken: r.exchangeToken,
      symbol: r.tradingsymbol,
      name: r.name,
      exchange: r.exchange,
      segment: r.segment,
      instrumentType: type,
      expiry: r.expiry || undefined,
      strike: r.strike || undefined,
      // The dump's tick size; where it has none, the band's (a derivative's: 0.05 until linked).
      tickSize: r.tickSize > 0 ? r.tickSize : (nseTickSize({ segment: r.segment, exchange: r.exchange, instrumentType: type, basePrice }) ?? 0.05),
      lotSize: r.lotSize > 0 ? r.lotSize : 1,
      basePrice,
    };
  }));
}
