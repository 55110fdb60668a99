// The recording job: a broker's feeds → pipeline → journal (and an optional raw capture), with
// replication, session watching and the daily instrument master. Broker-neutral: the registry's
// adapter opens the feeds (brokers/<name>/index.ts); nothing here names a broker. Used by
// `tickdesk record`/`serve` and by the engine host inside the desktop app.
import type { InstrumentRejects, RejectReason } from '../../shared/api';
import type { DepthSnapshot, FeedState, Instrument } from '../../shared/model';
import { nseMarketState, type SessionPhase } from '../../shared/nse-calendar';
import type { StoredSession } from '../auth/session-store';
import { broker as brokerOf } from '../brokers/registry';
import type { BrokerAdapter, SimMarketRequest, FeedContext, HistorySource, LiveMode, LoginConfig, LoginTarget, OpenedFeeds, RunningFeed } from '../brokers/types';
import { CaptureWriter } from '../capture/capture';
import { worstState } from '../feed/sharded';
import type { MasterProgress } from '../instruments/master';
import { storeContext } from '../instruments/store-context';
import { TickBus } from '../pipeline/bus';
import { Pipeline, type ValidationOptions } from '../pipeline/pipeline';
import { Journal } from '../store/journal';
import { defaultSourceId, Replicator, type ReplicatorStats } from '../store/replicator';
import { MasterSchedule } from './master-schedule';
import { SessionWatch } from './session-watch';

export interface RecorderOptions {
  /** A registry id (brokers/registry.ts): a broker, or a simulated one (sim, sim-dhan). */
  broker: string;
  /** Full market depth at this many levels, where the broker streams it (has.depth). */
  depth?: number;
  /**
   * Full depth per instrument to start with (after `depth`'s), where the broker lets it be chosen
   * while recording (OpenedFeeds.depth): a reference as in `instruments` and the levels (0: none).
   */
  depthInstruments?: Array<{ ref: string; levels: number }>;
  /** The account id, where the broker needs one. */
  clientId?: string;
  journalPath: string;
  /** "all", or tokens / EXCHANGE:SYMBOL references. */
  instruments: 'all' | string[];
  mode: LiveMode;
  apiKey?: string;
  accessToken?: string;
  wsRoot?: string;
  restRoot?: string;
  capturePath?: string;
  /** Simulated brokers only: the venue's market (instruments: sim/market SimInstrument[]; clock). */
  sim?: SimMarketRequest;
  silenceMs?: number;
  validation?: Partial<ValidationOptions>;
  flushMs?: number;
  migrationsDir?: string;
  /**
   * Where `tickdesk login` saves sessions. When set (real brokers), a new session saved there is
   * picked up while recording (feeds resume with their subscriptions), and a Kite token is
   * retired at 06:00 IST.
   */
  sessionDir?: string;
  /** For logging in again from the UI (see EngineService loginStart). */
  login?: LoginConfig;
  /** How often to look for a new session (ms, default 2000). */
  sessionPollMs?: number;
  /** Replicate the journal to this PostgreSQL/TimescaleDB URL. */
  sinkUrl?: string;
  /** This recorder's name in a shared database (default: defaultSourceId, the host name and the journal's id). */
  sourceId?: string;
  /** With a sink: prune journal rows the sink confirmed once older than this many days (default 7). */
  journalRetainDays?: number;
}

export interface RecorderStats {
  sink: ReplicatorStats | null;
  committed: number;
  pending: number;
  accepted: number;
  rejected: number;
  rejectedByReason: Record<RejectReason, number>;
  /** Price bands moved to a new level (a real jump). */
  reanchored: number;
  /** Instruments with rejects (rejectsByInstrument() lists the worst). */
  instrumentsWithRejects: number;
  reconnects: number;
  malformedFrames: number;
  /** Depth snapshots (one side each) committed. */
  depthCommitted: number;
  lagMs: number;
  state: FeedState;
  stateDetail: string;
  instruments: number;
}

export class Recorder {
  readonly bus = new TickBus();
  readonly pipeline: Pipeline;
  readonly journal: Journal;
  /** The registry's adapter for options.broker. */
  readonly adapter: BrokerAdapter;
  private feeds: RunningFeed[] = [];
  /** Undo steps of what the adapter started besides the feeds, run last by stop(). */
  private readonly undo: Array<() => Promise<void> | void> = [];
  private capture: CaptureWriter | null = null;
  readonly replicator: Replicator | null = null;
  private opened: OpenedFeeds | null = null;
  private session: SessionWatch | null = null;
  private master: MasterSchedule | null = null;
  /** The recorded instruments by id: how rejects name them, and the tick size their price band needs. */
  private readonly recorded = new Map<number, { symbol: string; tickSize: number }>();
  private stateDetail = 'starting';
  readonly notices: string[] = [];
  /** Listeners for order-book snapshots from full-depth feeds (after they are queued for the journal). */
  readonly depthListeners = new Set<(d: DepthSnapshot) => void>();
  /** Progress of instrument master downloads (for a progress line or bar). */
  onMasterProgress?: (p: MasterProgress) => void;

  /** Where historical candles come from for this recording (the same broker, credentials kept current). */
  get history(): HistorySource | null {
    return this.opened?.history ?? null;
  }

  /** What a browser login needs for the recorded broker (null for the simulators). */
  get loginTarget(): LoginTarget | null {
    return this.opened?.loginTarget ?? null;
  }

  get options(): Readonly<RecorderOptions> {
    return this.opts;
  }

  /**
   * A new session from outside the session directory (the desktop app's main process keeps tokens
   * encrypted and hands them over): the feeds resume with it, subscriptions intact. False when this
   * recorder does not record from that broker, the token is the current one, expired, or another
   * account's.
   */
  useSession(s: StoredSession): boolean {
    return this.session?.apply(s) ?? false;
  }

  /**
   * The instrument list again, now (the UI's "refresh instruments"); progress comes through
   * onMasterProgress. Instruments being recorded stay as they are.
   */
  async refreshInstruments(): Promise<void> {
    if (!this.master) throw new Error('the recorder has not started');
    await this.master.refresh(true);
  }

  constructor(private readonly opts: RecorderOptions) {
    this.adapter = brokerOf(opts.broker);
    // What a broker does not stream is refused here too (the CLI and the desktop dialog check it first).
    for (const levels of [opts.depth, ...(opts.depthInstruments ?? []).map((d) => d.levels)]) {
      if (!levels || this.adapter.has.depth.some((d) => d.levels === levels)) continue;
      const offered = this.adapter.has.depth.map((d) => d.levels);
      throw new Error(`${this.adapter.name} has no ${levels}-level depth feed${offered.length ? ` (it has ${offered.join(' and ')})` : ''}`);
    }
    this.journal = new Journal(opts.journalPath, { flushMs: opts.flushMs ?? 50, migrationsDir: opts.migrationsDir });
    this.pipeline = new Pipeline(this.bus, opts.validation, (id) => this.recorded.get(id)?.tickSize);
    this.bus.onAny((t) => this.journal.append(t));
    if (opts.sinkUrl) {
      this.replicator = new Replicator({
        journal: this.journal,
        url: opts.sinkUrl,
        sourceId: opts.sourceId ?? defaultSourceId(this.journal),
        journalRetainMs: (opts.journalRetainDays ?? 7) * 86400_000,
        onState: (state, detail) => this.notices.push(`db ${state}${detail ? `: ${detail}` : ''}`),
      });
    }
  }

  /** Full depth chosen per instrument while recording; null where the broker has no such choice (or before start). */
  get depth(): OpenedFeeds['depth'] | null {
    return this.opened?.depth ?? null;
  }

  /** The simulated venue behind a simulated broker, once started (null for real brokers). */
  get venue(): OpenedFeeds['venue'] | null {
    return this.opened?.venue ?? null;
  }

  /**
   * The simulated market's state on NSE's clock (`sim.clock` 'nse'), as a status line says it
   * ("market closed — opens Mon 09:15 IST"); null for a real broker's market, or a simulator that
   * trades around the clock.
   */
  marketState(): { phase: SessionPhase; text: string } | null {
    const sim = this.opts.sim;
    return this.adapter.simulated && sim?.clock === 'nse' ? nseMarketState((sim.now ?? Date.now)()) : null;
  }

  /** The broker whose protocol is spoken (the simulators speak Kite's or Dhan's). */
  get feedName(): string {
    return this.adapter.protocol;
  }

  async start(): Promise<void> {
    try {
      await this.startFeed();
    } catch (e) {
      await this.stop(); // never leave a simulator or a socket running behind an error
      throw e;
    }
  }

  private async startFeed(): Promise<void> {
    // The time since this journal last recorded (a crash, or a stop) becomes an outage.
    this.journal.beginRecording();
    if (this.opts.capturePath) this.capture = new CaptureWriter(this.opts.capturePath);
    this.journal.onCommit = () => this.capture?.flush();
    const opened = await this.adapter.openFeeds(this.feedContext());
    this.opened = opened;
    await this.startDepth(opened);
    if (opened.session) this.session = new SessionWatch(opened.session, { notice: (n) => this.notices.push(n), dir: this.opts.sessionDir, pollMs: this.opts.sessionPollMs });
    this.replicator?.start();
  }

  /** `depthInstruments`, each through the adapter's depth control; a refusal stops the start, saying which. */
  private async startDepth(opened: OpenedFeeds): Promise<void> {
    const wanted = this.opts.depthInstruments ?? [];
    if (!wanted.length) return;
    if (!opened.depth) throw new Error(`${this.adapter.name} takes full depth for the first instruments only (--depth), not per instrument`);
    for (const { ref, levels } of wanted) {
      const ins = this.adapter.resolve(this.journal, ref);
      if (!ins) throw new Error(`depth for "${ref}": no such ${this.adapter.name} instrument (${this.adapter.instrumentsHint})`);
      try {
        await opened.depth.set(ins.id, levels);
      } catch (e) {
        throw new Error(`depth for ${ref}: ${(e as Error).message}`, { cause: e });
      }
    }
  }

  /** What the adapter records into. */
  private feedContext(): FeedContext {
    const o = this.opts;
    return {
      request: { instruments: o.instruments, mode: o.mode, depth: o.depth, apiKey: o.apiKey, clientId: o.clientId, accessToken: o.accessToken, wsRoot: o.wsRoot, restRoot: o.restRoot, silenceMs: o.silenceMs, sim: o.sim },
      // The journal, and the master import and backfill bound to it (adapters import neither).
      ...storeContext(this.journal),
      ingest: (t) => this.pipeline.ingest(t),
      depth: (snap) => {
        this.journal.appendDepth(snap);
        for (const fn of this.depthListeners) fn(snap);
      },
      capture: this.capture ? (frame, ts) => this.capture!.write(ts, frame) : undefined,
      notice: (text) => this.notices.push(text),
      onFeedState: (state, detail, conn, feed) => {
        this.stateDetail = `${feed} conn ${conn}: ${detail}`;
        if (state === 'login-needed') this.notices.push(`login needed (${feed}): ${detail}`);
      },
      onMasterProgress: (p) => this.onMasterProgress?.(p),
      record: (ins) => this.record(ins),
      master: async (refresh, ranAlready) => {
        this.master = new MasterSchedule(this.adapter.protocol, this.journal, refresh, (n) => this.notices.push(n));
        if (!ranAlready) await this.master.refreshOrSay();
        this.master.start();
      },
      addFeed: (feed) => this.feeds.push(feed),
      onStop: (undo) => this.undo.push(undo),
    };
  }

  private record(ins: Instrument): Instrument {
    this.recorded.set(ins.id, { symbol: `${ins.exchange}:${ins.symbol}`, tickSize: ins.tickSize });
    return ins;
  }

  /** The `limit` recorded instruments with the most rejects, most first. */
  rejectsByInstrument(limit = 10): InstrumentRejects[] {
    return this.pipeline.rejectsByInstrument(limit).map((r) => ({
      instrumentId: r.instrumentId,
      symbol: this.recorded.get(r.instrumentId)?.symbol ?? `#${r.instrumentId}`,
      total: r.total,
      byReason: r.rejected,
      reanchored: r.reanchored,
    }));
  }

  stats(): RecorderStats {
    const conns = this.feeds.flatMap((f) => f.connections);
    const states = this.feeds.map((f) => f.state);
    return {
      committed: this.journal.committed,
      pending: this.journal.pendingRows,
      accepted: this.pipeline.stats.accepted,
      rejected: this.pipeline.rejectedTotal,
      rejectedByReason: { ...this.pipeline.stats.rejected },
      reanchored: this.pipeline.stats.reanchored,
      instrumentsWithRejects: this.pipeline.instrumentsWithRejects,
      reconnects: conns.reduce((n, c) => n + c.stats.reconnects, 0),
      malformedFrames: this.feeds.reduce((n, f) => n + f.malformed(), 0),
      depthCommitted: this.journal.depthCommitted,
      lagMs: this.journal.lastLagMs,
      state: worstState(states, 'stopped'),
      stateDetail: this.stateDetail,
      instruments: this.opened?.instruments ?? 0,
      sink: this.replicator && this.journal.db.open ? this.replicator.snapshot() : (this.replicator?.stats ?? null),
    };
  }

  /** Stops the feed, commits everything queued, closes files. Safe to call twice. */
  async stop(drainMs = 0): Promise<void> {
    this.session?.stop();
    this.session = null;
    this.master?.stop();
    for (const f of this.feeds) f.stop();
    this.feeds = [];
    if (this.replicator) {
      this.journal.flush();
      // Give the sink a bounded chance to take the rest; what it does not take stays in the
      // journal and goes on the next start.
      const until = Date.now() + drainMs;
      while (Date.now() < until && this.replicator.stats.state === 'connected' && this.replicator.snapshot().backlogRows > 0) {
        await new Promise((r) => setTimeout(r, 50));
      }
      await this.replicator.stop();
    }
    if (this.journal.db.open) this.journal.close();
    this.capture?.close();
    this.capture = null;
    for (const undo of this.undo.splice(0).reverse()) await undo();
  }
}
