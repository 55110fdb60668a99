// The Engine API over a running recorder: the engine's state that every page shares (search index,
// latest quote and tick per instrument, full-depth books, logins, long tasks, status), the streams
// every open page hears, and `call`, which hands a request to its handler (api/handlers.ts).
import type { BrokerId } from '../../shared/brokers';
import type { DepthState, DepthUpdate, EngineStatus, FeedStatus, LoginState, Method, Progress, Quote, Responses, ValidParams } from '../../shared/api';
import type { CandleInterval, DepthSnapshot, Instrument, Tick } from '../../shared/model';
import { redactSecrets } from '../../shared/redact';
import { saveSession } from '../auth/session-store';
import { brokers, orList } from '../brokers/registry';
import { DepthRefused } from '../brokers/types';
import { InstrumentIndex } from '../instruments/search';
import type { Recorder } from '../recorder';
import { mergeSides, toQuote } from './convert';
import { EngineError } from './errors';
import { engineHandlers, type EngineHandlers } from './handlers';
import type { PageInterest, PageListener } from './page';

export class EngineService {
  readonly index = new InstrumentIndex();
  private readonly quotes = new Map<number, Quote>();
  private readonly lastTicks = new Map<number, Tick>();
  private readonly pages = new Set<PageListener>();
  private readonly feedStates = new Map<string, FeedStatus>();
  private lastCommitted = 0;
  private lastRateAt = Date.now();
  private rate = 0;
  private rateTimer: NodeJS.Timeout | null = null;
  private baseRows = 0;

  private readonly books = new Map<number, { bid?: DepthSnapshot; ask?: DepthSnapshot }>();
  private taskSeq = 0;
  private readonly logins = new Map<BrokerId, LoginState & { url?: string }>();
  private readonly backfills = new Set<string>();

  /** One handler per Engine API method. */
  readonly handlers: EngineHandlers = engineHandlers(this);

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

  /** Runs `method` for the page that asked, with the parameters its schema let through. */
  call<M extends Method>(page: PageInterest, method: M, params: ValidParams<M>): Responses[M] | Promise<Responses[M]> {
    // Own keys only: "constructor" or "__proto__" name no method.
    if (!Object.hasOwn(this.handlers, method)) throw new EngineError('bad-request', `unknown method ${String(method)}`);
    return this.handlers[method](page, params);
  }

  /** The journal being recorded to (handlers read candles and ticks from it). */
  get journal(): Recorder['journal'] {
    return this.recorder.journal;
  }

  instrument(id: number): Instrument {
    const ins = this.index.get(id);
    if (!ins) throw new EngineError('bad-request', `no instrument with id ${id}`);
    return ins;
  }

  /** The latest quote of an instrument since the engine started. */
  quote(instrumentId: number): Quote | undefined {
    return this.quotes.get(instrumentId);
  }

  lastTick(instrumentId: number): Tick | undefined {
    return this.lastTicks.get(instrumentId);
  }

  /** A simulated venue's OI for an instrument at its previous session's close; undefined where none says. */
  simulatedPreviousOi(ins: Instrument): number | undefined {
    return this.recorder.adapter.protocol === ins.broker ? this.recorder.venue?.previousOi?.(ins.token) : undefined;
  }

  /** The latest full-depth book (20/200 levels) of an instrument; null when no depth feed has sent one. */
  fullBook(instrumentId: number): DepthUpdate | null {
    const b = this.books.get(instrumentId);
    return b ? mergeSides(instrumentId, b.bid, b.ask) : null;
  }

  /** One instrument's full depth: its levels, whether it may have full depth here, each feed's usage. */
  depthOf(instrumentId: number): DepthState {
    this.instrument(instrumentId);
    const control = this.recorder.depth;
    if (!control) return { instrumentId, levels: 0, refusal: this.noDepthChoice(), usage: [] };
    return { instrumentId, levels: control.levels(instrumentId), refusal: control.refusal(instrumentId), usage: control.assigned() };
  }

  /**
   * Moves an instrument to the full-depth feed of `levels` (0: the ticks' own book) within the
   * broker's limits; a refusal changes nothing. The book held so far is dropped: the next one is the new feed's.
   */
  async setDepth(instrumentId: number, levels: number): Promise<DepthState> {
    this.instrument(instrumentId);
    const control = this.recorder.depth;
    if (!control) throw new EngineError('bad-request', this.noDepthChoice());
    const was = control.levels(instrumentId);
    try {
      await control.set(instrumentId, levels);
    } catch (e) {
      if (e instanceof DepthRefused) throw new EngineError('bad-request', e.message);
      throw e;
    }
    if (control.levels(instrumentId) !== was) {
      this.books.delete(instrumentId);
      for (const page of this.pages) page.onDepthSource?.(instrumentId, levels > 0);
    }
    return this.depthOf(instrumentId);
  }

  private noDepthChoice(): string {
    const a = this.recorder.adapter;
    return a.has.depth.length ? `${a.name} takes full depth for the first instruments at start (--depth), not per instrument` : `${a.name} streams no full depth`;
  }

  private progress(p: Progress): void {
    if (p.error) p = { ...p, error: redactSecrets(p.error) };
    for (const page of this.pages) page.onProgress(p);
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

  /** Starts a browser login for the recorded broker; resolves with the page to open. */
  async loginStart(broker: BrokerId, typedSecret: string | undefined): Promise<{ url: string }> {
    const target = this.recorder.loginTarget;
    if (!target) throw new EngineError('bad-request', 'this engine records from a simulator: there is nothing to log in to');
    if (target.broker !== broker) throw new EngineError('bad-request', `this engine records from ${target.broker}, not ${broker}`);
    const pending = this.logins.get(broker);
    if (pending?.state === 'pending' && pending.url) return { url: pending.url };
    const cfg = this.recorder.options.login ?? { port: 8421 };
    const dir = this.recorder.options.sessionDir;
    if (!dir) throw new EngineError('bad-request', 'this engine has no directory for broker sessions');
    let onUrl!: (u: string) => void;
    const urlReady = new Promise<string>((r) => (onUrl = r));
    const common = { port: cfg.port, timeoutMs: 10 * 60_000, dir, onUrl };
    let run;
    try {
      run = target.loopback(common, cfg, typedSecret);
    } catch (e) {
      // A key or secret missing (MissingCredentials): said before anything starts.
      throw new EngineError('bad-request', (e as Error).message);
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

  /** A pasted access token (Dhan's, checked with /v2/profile), saved as the session (feeds pick it up). */
  async loginToken(accessToken: string): Promise<{ validUntil: number | null }> {
    const target = this.recorder.loginTarget;
    const brokerName = this.recorder.adapter.name;
    if (!target?.pasted) throw new EngineError('bad-request', `this engine does not record from ${orList(brokers().filter((b) => !b.simulated && b.has.login.includes('pasted-token')).map((b) => b.name))}`);
    const dir = this.recorder.options.sessionDir;
    if (!dir) throw new EngineError('bad-request', 'this engine has no directory for broker sessions');
    let session;
    try {
      ({ session } = await target.pasted(accessToken));
    } catch (e) {
      this.logins.set(target.broker, { broker: target.broker, state: 'failed', detail: (e as Error).message });
      throw new EngineError('bad-request', `${brokerName} refused the token: ${(e as Error).message}`);
    }
    saveSession(session, dir);
    this.logins.set(target.broker, { broker: target.broker, state: 'ok', detail: `token accepted; valid until ${new Date(session.expiresAt).toISOString()}` });
    return { validUntil: session.expiresAt };
  }

  /** How far back a chart's History button reaches, by interval. */
  static readonly BACKFILL_DAYS: Record<CandleInterval, number> = { '1s': 1, '1m': 5, '3m': 15, '5m': 30, '10m': 45, '15m': 60, '25m': 75, '30m': 90, '1h': 180, '1d': 1095 };

  /** Fetches an instrument's broker history into the journal in the background; progress events follow. */
  startBackfill(instrumentId: number, interval: CandleInterval, days: number | undefined): { id: number; label: string } {
    const ins = this.instrument(instrumentId);
    const src = this.recorder.history;
    if (!src) throw new EngineError('bad-request', 'this engine has no broker history to fetch from');
    if (ins.broker !== src.broker) throw new EngineError('bad-request', `${ins.exchange}:${ins.symbol} is a ${ins.broker} instrument; this engine is connected to ${src.broker}`);
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
    const run = src.backfill(req);
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
    const sides = b;
    const book = () => (merged ??= mergeSides(d.instrumentId, sides.bid, sides.ask));
    for (const page of this.pages) page.onBook(d.instrumentId, book);
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

  /** A page opened: from now on it hears every tick, full-depth book and progress report. */
  attachPage(page: PageListener): void {
    this.pages.add(page);
  }

  detachPage(page: PageListener): void {
    this.pages.delete(page);
  }

  private onTick(t: Tick): void {
    const q = toQuote(t);
    this.quotes.set(t.instrumentId, q);
    this.lastTicks.set(t.instrumentId, t);
    for (const page of this.pages) page.onTick(t, q);
  }

  setFeedState(feed: string, state: FeedStatus['state'], detail: string): void {
    this.feedStates.set(feed, { feed, state, detail });
  }

  status(): EngineStatus {
    const r = this.recorder.stats();
    const feeds = this.feedStates.size > 0 ? [...this.feedStates.values()] : [{ feed: this.recorder.feedName, state: r.state, detail: r.stateDetail }];
    const depth = this.recorder.depth;
    // Everything here reaches the page: no token may ride along in a detail (shared/redact).
    return {
      simulated: this.recorder.adapter.simulated,
      market: this.recorder.marketState(),
      depth: depth ? { broker: this.recorder.adapter.id, base: this.recorder.adapter.has.live.bookLevels ?? 0, usage: depth.assigned() } : null,
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
}
