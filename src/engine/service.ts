// The Engine API implemented over a running recorder: instrument search, quotes, candles from the
// journal continued live, depth and tape of the watched instrument, status. One Session per UI.
import type { Bar, DepthUpdate, EngineStatus, FeedStatus, Method, Quote, Responses, Trade, ValidParams } from '../shared/api';
import { INTERVAL_SECONDS, type CandleInterval, type DepthSnapshot, type Tick } from '../shared/model';
import { InstrumentIndex } from './instruments/search';
import { CandleBuilder } from './pipeline/candles';
import type { Recorder } from './recorder';

const TAPE_PER_FRAME = 200;

export class EngineError extends Error {
  constructor(
    readonly code: 'bad-request' | 'internal',
    message: string,
  ) {
    super(message);
  }
}

function toQuote(t: Tick): Quote {
  const q: Quote = { instrumentId: t.instrumentId, ts: t.tsExchange, ltp: t.ltp };
  if (t.close !== undefined && t.close > 0) {
    q.close = t.close;
    q.changePct = ((t.ltp - t.close) * 100) / t.close;
  }
  if (t.volume !== undefined) q.volume = t.volume;
  if (t.oi !== undefined) q.oi = t.oi;
  if (t.bid !== undefined) q.bid = t.bid;
  if (t.ask !== undefined) q.ask = t.ask;
  return q;
}

function toTrade(t: Tick): Trade {
  const tr: Trade = { ts: t.tsExchange, ltp: t.ltp };
  if (t.ltq !== undefined) tr.ltq = t.ltq;
  if (t.volDelta !== undefined) tr.volDelta = t.volDelta;
  return tr;
}

function toDepth(t: Tick): DepthUpdate | null {
  return t.depth5 ? { instrumentId: t.instrumentId, ts: t.tsExchange, levels: t.depth5.length / 6, book: Array.from(t.depth5) } : null;
}

/** The two latest sides of a full-depth book as one DepthBook-layout update (zero-padded). */
export function mergeSides(instrumentId: number, bid: DepthSnapshot | undefined, ask: DepthSnapshot | undefined): DepthUpdate {
  const n = Math.max(bid?.levels ?? 0, ask?.levels ?? 0);
  const book = new Array<number>(6 * n).fill(0);
  for (const [side, base] of [
    [bid, 0],
    [ask, 3 * n],
  ] as const) {
    if (!side) continue;
    for (let i = 0; i < side.levels; i++) {
      book[base + i] = side.price[i];
      book[base + n + i] = side.qty[i];
      book[base + 2 * n + i] = side.orders[i];
    }
  }
  return { instrumentId, ts: Math.max(bid?.ts ?? 0, ask?.ts ?? 0), levels: n, book };
}

/** What one connected UI watches, and what it has not been sent yet. */
export class Session {
  readonly quoteIds = new Set<number>();
  watch: { instrumentId: number; interval: CandleInterval; builder: CandleBuilder } | null = null;
  pendingQuotes = new Map<number, Quote>();
  pendingBars: Bar[] = [];
  pendingDepth: Tick | null = null;
  /** A full-depth book (20/200 levels) waiting to be sent; it takes precedence over tick depth. */
  pendingBook: DepthUpdate | null = null;
  /** Instruments whose depth comes from a full-depth feed: their ticks' 5 levels are not sent. */
  readonly fullDepth = new Set<number>();
  pendingTape: Trade[] = [];

  onTick(t: Tick, quote: Quote): void {
    if (this.quoteIds.has(t.instrumentId)) this.pendingQuotes.set(t.instrumentId, quote);
    const w = this.watch;
    if (!w || w.instrumentId !== t.instrumentId) return;
    const closed = w.builder.add(t);
    if (closed) {
      // Replace a pending copy of the bar that just closed with its final state.
      if (this.pendingBars.at(-1)?.t === closed.t) this.pendingBars.pop();
      this.pendingBars.push({ ...closed });
    }
    const open = w.builder.open;
    if (open) {
      if (this.pendingBars.at(-1)?.t === open.t) this.pendingBars.pop();
      this.pendingBars.push({ ...open });
    }
    if (t.depth5 && !this.fullDepth.has(t.instrumentId)) this.pendingDepth = t;
    // Time and sales lists trades; a tick that only moved the book (no new volume) is not one.
    if (t.volDelta !== 0) {
      this.pendingTape.push(toTrade(t));
      if (this.pendingTape.length > TAPE_PER_FRAME) this.pendingTape.shift();
    }
  }

  /** Everything changed since the last call, as event messages; empties the pending state. */
  drain(): Array<{ event: string; data: unknown }> {
    const out: Array<{ event: string; data: unknown }> = [];
    if (this.pendingQuotes.size > 0) {
      const quotes = [...this.pendingQuotes.values()];
      this.pendingQuotes.clear();
      for (let i = 0; i < quotes.length; i += 250) out.push({ event: 'quotes', data: quotes.slice(i, i + 250) });
    }
    const w = this.watch;
    if (w && this.pendingBars.length > 0) {
      out.push({ event: 'candles', data: { instrumentId: w.instrumentId, interval: w.interval, bars: this.pendingBars } });
      this.pendingBars = [];
    }
    if (w && this.pendingBook) {
      out.push({ event: 'depth', data: this.pendingBook });
      this.pendingBook = null;
    } else if (w && this.pendingDepth) {
      out.push({ event: 'depth', data: toDepth(this.pendingDepth) });
    }
    this.pendingDepth = null;
    if (w && this.pendingTape.length > 0) {
      out.push({ event: 'tape', data: { instrumentId: w.instrumentId, trades: this.pendingTape } });
      this.pendingTape = [];
    }
    return out;
  }
}

export class EngineService {
  readonly index = new InstrumentIndex();
  private readonly quotes = new Map<number, Quote>();
  private readonly lastTick = new Map<number, Tick>();
  private readonly sessions = new Set<Session>();
  private readonly feedStates = new Map<string, FeedStatus>();
  private lastCommitted = 0;
  private lastRateAt = Date.now();
  private rate = 0;
  private rateTimer: NodeJS.Timeout | null = null;
  private baseRows = 0;

  private readonly books = new Map<number, { bid?: DepthSnapshot; ask?: DepthSnapshot }>();

  constructor(private readonly recorder: Recorder) {
    recorder.bus.onAny((t) => this.onTick(t));
    recorder.depthListeners.add((d) => this.onDepth(d));
  }

  private onDepth(d: DepthSnapshot): void {
    let b = this.books.get(d.instrumentId);
    if (!b) this.books.set(d.instrumentId, (b = {}));
    b[d.side] = d;
    let merged: DepthUpdate | null = null;
    for (const s of this.sessions) {
      if (s.watch?.instrumentId !== d.instrumentId) continue;
      s.fullDepth.add(d.instrumentId);
      s.pendingBook = merged ??= mergeSides(d.instrumentId, b.bid, b.ask);
    }
  }

  /** Call after the recorder has started (instruments are in the journal by then). */
  start(): void {
    this.index.replace(this.recorder.journal.instruments());
    this.baseRows = this.recorder.journal.countTicks() - this.recorder.journal.committed;
    this.rateTimer = setInterval(() => {
      const now = Date.now();
      const committed = this.recorder.journal.committed;
      this.rate = ((committed - this.lastCommitted) * 1000) / Math.max(1, now - this.lastRateAt);
      this.lastCommitted = committed;
      this.lastRateAt = now;
    }, 1000);
  }

  stop(): void {
    if (this.rateTimer) clearInterval(this.rateTimer);
  }

  openSession(): Session {
    const s = new Session();
    this.sessions.add(s);
    return s;
  }

  closeSession(s: Session): void {
    this.sessions.delete(s);
  }

  private onTick(t: Tick): void {
    const q = toQuote(t);
    this.quotes.set(t.instrumentId, q);
    this.lastTick.set(t.instrumentId, t);
    for (const s of this.sessions) s.onTick(t, q);
  }

  setFeedState(feed: string, state: FeedStatus['state'], detail: string): void {
    this.feedStates.set(feed, { feed, state, detail });
  }

  status(): EngineStatus {
    const r = this.recorder.stats();
    const feeds = this.feedStates.size > 0 ? [...this.feedStates.values()] : [{ feed: this.recorder.feedName, state: r.state, detail: r.stateDetail }];
    return {
      feeds,
      ticksPerSecond: Math.round(this.rate),
      journalRows: this.baseRows + r.committed,
      rejects: r.rejected,
      reconnects: r.reconnects,
      sink: r.sink
        ? {
            state: r.sink.state === 'connected' ? 'connected' : 'disconnected',
            backlogRows: r.sink.backlogRows,
            backlogSeconds: r.sink.backlogSeconds,
            rowsPerSecond: r.sink.rowsPerSecond,
          }
        : null,
    };
  }

  private instrumentOrThrow(id: number) {
    const ins = this.index.get(id);
    if (!ins) throw new EngineError('bad-request', `no instrument with id ${id}`);
    return ins;
  }

  private candles(instrumentId: number, interval: CandleInterval, from: number | undefined, to: number | undefined, limit: number): Bar[] {
    const journal = this.recorder.journal;
    journal.flush(); // everything already published is then in the journal: no gap at the seam
    const hi = to ?? Date.now() + 60_000;
    const lo = from ?? hi - limit * INTERVAL_SECONDS[interval] * 1000;
    return journal.candles(instrumentId, interval, lo, hi).slice(-limit);
  }

  call<M extends Method>(session: Session, method: M, params: ValidParams<M>): Responses[M] {
    const p = params as Record<string, unknown>;
    switch (method) {
      case 'status':
        return this.status() as Responses[M];
      case 'searchInstruments':
        return this.index.search(p.query as string, p.limit as number) as Responses[M];
      case 'getInstrument':
        return this.instrumentOrThrow(p.instrumentId as number) as Responses[M];
      case 'subscribe': {
        const ids = p.instrumentIds as number[];
        for (const id of ids) this.instrumentOrThrow(id);
        for (const id of ids) session.quoteIds.add(id);
        const quotes = ids.map((id) => this.quotes.get(id)).filter((q): q is Quote => !!q);
        return { subscribed: ids, quotes } as Responses[M];
      }
      case 'unsubscribe': {
        const ids = p.instrumentIds as number[];
        for (const id of ids) {
          session.quoteIds.delete(id);
          session.pendingQuotes.delete(id);
        }
        return { unsubscribed: ids } as Responses[M];
      }
      case 'getCandles':
        this.instrumentOrThrow(p.instrumentId as number);
        return this.candles(p.instrumentId as number, p.interval as CandleInterval, p.from as number | undefined, p.to as number | undefined, p.limit as number) as Responses[M];
      case 'watch': {
        const id = p.instrumentId as number;
        const interval = p.interval as CandleInterval;
        this.instrumentOrThrow(id);
        const candles = this.candles(id, interval, undefined, undefined, p.limit as number);
        const builder = new CandleBuilder(interval);
        builder.seed(candles.at(-1) ?? null);
        session.watch = { instrumentId: id, interval, builder };
        session.pendingBars = [];
        session.pendingDepth = null;
        session.pendingBook = null;
        session.pendingTape = [];
        const last = this.lastTick.get(id);
        const full = this.books.get(id);
        if (full) session.fullDepth.add(id);
        const tape = this.recorder.journal
          .ticks(id, Date.now() - 60_000, Date.now() + 60_000)
          .filter((t) => t.volDelta !== 0)
          .slice(-50)
          .map(toTrade);
        const depth = full ? mergeSides(id, full.bid, full.ask) : last ? toDepth(last) : null;
        return { instrumentId: id, interval, candles, depth, tape } as Responses[M];
      }
      case 'unwatch':
        session.watch = null;
        return { ok: true } as Responses[M];
      case 'getTicks': {
        this.instrumentOrThrow(p.instrumentId as number);
        this.recorder.journal.flush();
        const to = (p.to as number | undefined) ?? Date.now() + 60_000;
        const from = (p.from as number | undefined) ?? to - 3_600_000;
        return this.recorder.journal.ticks(p.instrumentId as number, from, to).slice(-(p.limit as number)).map(toTrade) as Responses[M];
      }
    }
    throw new EngineError('bad-request', `unknown method ${String(method)}`);
  }
}
