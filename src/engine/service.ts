// The Engine API implemented over a running recorder: instrument search, quotes, candles from the
// journal continued live, depth and tape of the watched instrument, status. One Session per UI.
import type { Bar, DepthUpdate, EngineStatus, FeedStatus, LoginState, Method, Progress, Quote, Responses, Trade, ValidParams } from '../shared/api';
import { INTERVAL_SECONDS, type CandleInterval, type DepthSnapshot, type Instrument, type Tick } from '../shared/model';
import { redactSecrets } from '../shared/redact';
import { InstrumentIndex } from './instruments/search';
import { CandleBuilder } from './pipeline/candles';
import { optionChain, optionUnderlyings, spotInstrument } from './instruments/option-chain';
import { backfillDhan, backfillKite } from './backfill';
import { dhanLoopbackLogin, dhanPastedSession, kiteLoopbackLogin } from './auth/login-flow';
import { saveSession } from './auth/session-store';

/** Intervals some broker's history has (no 1s candles anywhere). */
const KITE_OR_DHAN_INTERVALS = new Set<CandleInterval>(['1m', '3m', '5m', '10m', '15m', '25m', '30m', '1h', '1d']);
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
  /** Progress of long tasks since the last frame (every session hears of every task). */
  pendingProgress: Progress[] = [];
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
    for (const p of this.pendingProgress.splice(0)) out.push({ event: 'progress', data: p });
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
  private taskSeq = 0;
  private readonly logins = new Map<'kite' | 'dhan', LoginState & { url?: string }>();
  private readonly backfills = new Set<string>();

  constructor(private readonly recorder: Recorder) {
    recorder.bus.onAny((t) => this.onTick(t));
    recorder.depthListeners.add((d) => this.onDepth(d));
    // Daily instrument list refreshes while running show as progress too.
    let masterTask = 0;
    recorder.onMasterProgress = (p) => {
      if (!masterTask) masterTask = ++this.taskSeq;
      this.progress({ id: masterTask, task: 'instruments', label: `${p.broker} instruments`, fraction: p.totalBytes ? p.bytes / p.totalBytes : null, detail: `${p.rows.toLocaleString('en-US')} rows`, done: p.done });
      if (p.done) {
        masterTask = 0;
        this.index.replace(this.recorder.journal.instruments());
      }
    };
  }

  private progress(p: Progress): void {
    if (p.error) p = { ...p, error: redactSecrets(p.error) };
    for (const s of this.sessions) s.pendingProgress.push(p);
  }

  private refreshing: Promise<{ instruments: number }> | null = null;

  /** The instrument list downloaded again (one refresh at a time); the search index follows. */
  refreshInstruments(): Promise<{ instruments: number }> {
    if (this.refreshing) return Promise.reject(new EngineError('bad-request', 'the instrument list is already being refreshed'));
    const run = this.recorder
      .refreshInstruments()
      // The download's last progress report (done) has rebuilt the search index already.
      .then(() => ({ instruments: this.index.size }))
      .catch((e: Error) => {
        throw new EngineError('internal', `instruments not refreshed: ${e.message}`);
      })
      .finally(() => (this.refreshing = null));
    this.refreshing = run;
    return run;
  }

  /** Starts a browser login for the session's broker; resolves with the page to open. */
  async loginStart(broker: 'kite' | 'dhan', typedSecret: string | undefined): Promise<{ url: string }> {
    const target = this.recorder.loginTarget;
    if (!target) throw new EngineError('bad-request', 'this session runs on a simulator: there is nothing to log in to');
    if (target.broker !== broker) throw new EngineError('bad-request', `this session records from ${target.broker}, not ${broker}`);
    const pending = this.logins.get(broker);
    if (pending?.state === 'pending' && pending.url) return { url: pending.url };
    const cfg = this.recorder.options.login ?? { port: 8421 };
    const dir = this.recorder.options.sessionDir;
    if (!dir) throw new EngineError('bad-request', 'no session directory for this session');
    let onUrl!: (u: string) => void;
    const urlReady = new Promise<string>((r) => (onUrl = r));
    const common = { port: cfg.port, timeoutMs: 10 * 60_000, dir, onUrl };
    let run;
    if (target.broker === 'kite') {
      const apiSecret = typedSecret ?? cfg.kiteApiSecret;
      if (!apiSecret) throw new EngineError('bad-request', 'the Kite API secret is needed: type it in, or start with KITE_API_SECRET set');
      run = kiteLoopbackLogin({ ...common, apiKey: target.apiKey, apiSecret, restRoot: target.restRoot, loginRoot: cfg.loginRoot });
    } else {
      const apiSecret = typedSecret ?? cfg.dhanApiSecret;
      if (!cfg.dhanApiKey || !apiSecret) throw new EngineError('bad-request', 'the Dhan API key and secret are needed: start with DHAN_API_KEY and DHAN_API_SECRET set');
      run = dhanLoopbackLogin({ ...common, clientId: target.clientId, apiKey: cfg.dhanApiKey, apiSecret, authRoot: cfg.loginRoot ?? target.authRoot });
    }
    const state: LoginState & { url?: string } = { broker, state: 'pending', detail: 'waiting for the broker login' };
    this.logins.set(broker, state);
    const failed = run.then(
      (r) => {
        this.logins.set(broker, { broker, state: 'ok', detail: `logged in to ${r.who}; valid until ${new Date(r.until).toISOString()}` });
        return null;
      },
      (e: Error) => {
        this.logins.set(broker, { broker, state: 'failed', detail: e.message });
        return e;
      },
    );
    // The listener is up (the URL is known) or the login failed before that (e.g. the port is busy).
    const first = await Promise.race([urlReady, failed]);
    if (first instanceof Error) throw new EngineError('bad-request', first.message);
    state.url = first as string;
    return { url: state.url };
  }

  /** Dhan: a pasted access token, checked with /v2/profile, saved as the session (feeds pick it up). */
  async loginToken(accessToken: string): Promise<{ validUntil: number | null }> {
    const target = this.recorder.loginTarget;
    const src = this.recorder.history;
    if (!target || target.broker !== 'dhan' || !src || src.broker !== 'dhan') throw new EngineError('bad-request', 'this session does not record from Dhan');
    const dir = this.recorder.options.sessionDir;
    if (!dir) throw new EngineError('bad-request', 'no session directory for this session');
    let session;
    try {
      ({ session } = await dhanPastedSession({ clientId: target.clientId, accessToken, apiRoot: src.opts.apiRoot }));
    } catch (e) {
      this.logins.set('dhan', { broker: 'dhan', state: 'failed', detail: (e as Error).message });
      throw new EngineError('bad-request', `Dhan refused the token: ${(e as Error).message}`);
    }
    saveSession(session, dir);
    this.logins.set('dhan', { broker: 'dhan', state: 'ok', detail: `token accepted; valid until ${new Date(session.expiresAt).toISOString()}` });
    return { validUntil: session.expiresAt };
  }

  /** How far back a chart's History button reaches, by interval. */
  static readonly BACKFILL_DAYS: Record<CandleInterval, number> = { '1s': 1, '1m': 5, '3m': 15, '5m': 30, '10m': 45, '15m': 60, '25m': 75, '30m': 90, '1h': 180, '1d': 1095 };

  private startBackfill(instrumentId: number, interval: CandleInterval, days: number | undefined): { id: number; label: string } {
    const ins = this.instrumentOrThrow(instrumentId);
    const src = this.recorder.history;
    if (!src) throw new EngineError('bad-request', 'this session has no broker history to fetch from');
    if (ins.broker !== src.broker) throw new EngineError('bad-request', `${ins.exchange}:${ins.symbol} is a ${ins.broker} instrument; this session is connected to ${src.broker}`);
    const key = `${instrumentId}/${interval}`;
    if (this.backfills.has(key)) throw new EngineError('bad-request', `a backfill of ${ins.symbol} ${interval} is already running`);
    const id = ++this.taskSeq;
    const label = `${ins.exchange}:${ins.symbol} ${interval}`;
    const to = Date.now();
    const from = to - (days ?? EngineService.BACKFILL_DAYS[interval]) * 86400_000;
    const req = {
      instrument: ins,
      interval,
      from,
      to,
      onProgress: (p: { page: number; pages: number; candles: number; retries: number }) =>
        this.progress({ id, task: 'backfill', label, fraction: p.page / p.pages, detail: `${p.candles.toLocaleString('en-US')} candles${p.retries ? `, ${p.retries} retries` : ''}`, done: false }),
    };
    this.backfills.add(key);
    this.progress({ id, task: 'backfill', label, fraction: 0, detail: 'starting', done: false });
    const run = src.broker === 'kite' ? backfillKite(this.recorder.journal, { ...src.opts }, req) : backfillDhan(this.recorder.journal, { ...src.opts }, req);
    run
      .then((r) => this.progress({ id, task: 'backfill', label, fraction: 1, detail: `${r.candles.toLocaleString('en-US')} candles`, done: true }))
      .catch((e: Error) => this.progress({ id, task: 'backfill', label, fraction: null, detail: 'failed', done: true, error: e.message }))
      .finally(() => this.backfills.delete(key));
    return { id, label };
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
    // Everything here reaches the page: no token may ride along in a detail (shared/redact).
    return {
      feeds: feeds.map((f) => ({ ...f, detail: redactSecrets(f.detail) })),
      logins: [...this.logins.values()].map(({ broker, state, detail }) => ({ broker, state, detail: redactSecrets(detail) })),
      notices: this.recorder.notices.slice(-5).map(redactSecrets),
      ticksPerSecond: Math.round(this.rate),
      journalRows: this.baseRows + r.committed,
      rejects: r.rejected,
      rejectsByReason: r.rejectedByReason,
      bandReanchors: r.reanchored,
      rejectsByInstrument: this.recorder.rejectsByInstrument(10),
      instrumentsWithRejects: r.instrumentsWithRejects,
      reconnects: r.reconnects,
      sink: r.sink
        ? {
            state: r.sink.state === 'connected' || r.sink.state === 'refused' ? r.sink.state : 'disconnected',
            detail: redactSecrets(r.sink.detail),
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
    // `limit` bars, not `limit` intervals of time: history has nights and weekends in it.
    const stored = from === undefined ? journal.storedCandleStart(instrumentId, interval, hi, limit) : undefined;
    const lo = from ?? Math.min(hi - limit * INTERVAL_SECONDS[interval] * 1000, stored ?? Infinity);
    return journal.chartCandles(instrumentId, interval, lo, hi).slice(-limit);
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
      case 'backfill':
        if (!KITE_OR_DHAN_INTERVALS.has(p.interval as CandleInterval)) throw new EngineError('bad-request', `no broker history at ${p.interval as string}`);
        return this.startBackfill(p.instrumentId as number, p.interval as CandleInterval, p.days as number | undefined) as Responses[M];
      case 'loginStart':
        return this.loginStart(p.broker as 'kite' | 'dhan', p.apiSecret as string | undefined) as unknown as Responses[M];
      case 'loginToken':
        return this.loginToken(p.accessToken as string) as unknown as Responses[M];
      case 'refreshInstruments':
        return this.refreshInstruments() as unknown as Responses[M];
      case 'optionUnderlyings':
        return optionUnderlyings(this.index.list()) as Responses[M];
      case 'optionChain': {
        const u = String(p.underlying).toUpperCase();
        const all = this.index.list();
        const spotIns = spotInstrument(all, u, p.exchange as string);
        const spot = spotIns ? (this.quotes.get(spotIns.id)?.ltp ?? null) : null;
        const chain = optionChain(all, { underlying: u, exchange: p.exchange as string, expiry: p.expiry as string, around: p.around as number, spot });
        const side = (i: Instrument | undefined) => {
          if (!i) return undefined;
          const q = this.quotes.get(i.id);
          return { instrument: i, ltp: q?.ltp, oi: q?.oi };
        };
        return { underlying: u, exchange: p.exchange, expiry: p.expiry, spot, atm: chain.atm, rows: chain.rows.map((r) => ({ strike: r.strike, ce: side(r.ce), pe: side(r.pe) })) } as Responses[M];
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
