// The recording job: broker feed → pipeline → journal (and an optional raw capture). Used by
// `tickdesk record` and, later, by the engine host inside the desktop app.
import type { InstrumentRejects, RejectReason } from '../shared/api';
import type { DepthSnapshot, FeedState, Instrument } from '../shared/model';
import { KiteFeed, kitePacketToTick } from './brokers/kite/feed';
import { KITE_REST_ROOT } from './brokers/kite/login';
import type { KiteMode } from './brokers/kite/codec';
import { AuthError } from './brokers/errors';
import { CaptureWriter } from './capture/capture';
import { TickBus } from './pipeline/bus';
import { Pipeline, type ValidationOptions } from './pipeline/pipeline';
import { KiteSimulator } from './sim/kite/server';
import { defaultUniverse, type SimInstrument } from './sim/market/market';
import { DhanFeedSimulator, dhanSegmentOf } from './sim/dhan/feed-server';
import { DhanDepthSimulator } from './sim/dhan/depth-server';
import { DhanFeed, DhanNormalizer } from './brokers/dhan/feed';
import { DhanDepthFeed, depthSnapshotOf } from './brokers/dhan/depth-feed';
import { DHAN_SEGMENTS } from './brokers/dhan/codec';
import { DHAN_SEGMENT_REF, findDhanInstrument } from './brokers/dhan/instruments';
import { dhanRoots, dhanTokenWarnings, fetchDhanProfile } from './brokers/dhan/auth';
import { DhanTokenKeeper } from './brokers/dhan/session';
import { kiteExpiry, loadSession, type StoredSession } from './auth/session-store';
import { DhanRestSimulator } from './sim/dhan/rest-server';
import { DHAN_SCRIP_MASTER_URL, dhanScripMasterUrl, importDhanScripMaster, importKiteInstruments, msUntilIst, type MasterProgress } from './instruments/master';
import type { FeedConnection } from './feed/connection';
import { worstState } from './feed/sharded';
import { Journal } from './store/journal';
import { defaultSourceId, Replicator, type ReplicatorStats } from './store/replicator';


/** What the recorder needs from any running feed. */
interface RunningFeed {
  readonly state: FeedState;
  readonly connections: readonly FeedConnection[];
  malformed(): number;
  stop(): void;
}

export interface RecorderOptions {
  /** sim = the Kite-protocol simulator; sim-dhan = the Dhan-protocol simulators. */
  broker: 'sim' | 'kite' | 'sim-dhan' | 'dhan';
  /** Dhan: also record full market depth at 20 or 200 levels. */
  depth?: 20 | 200;
  /** Dhan credentials. */
  clientId?: string;
  journalPath: string;
  /** "all", or tokens / EXCHANGE:SYMBOL references. */
  instruments: 'all' | string[];
  mode: KiteMode;
  apiKey?: string;
  accessToken?: string;
  wsRoot?: string;
  restRoot?: string;
  capturePath?: string;
  /** Simulator only. */
  sim?: { ticksPerSecond?: number; seed?: number; instruments?: SimInstrument[] };
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
  login?: { port: number; loginRoot?: string; kiteApiSecret?: string; dhanApiKey?: string; dhanApiSecret?: string };
  /** How often to look for a new session (ms, default 2000). */
  sessionPollMs?: number;
  /** Replicate the journal to this PostgreSQL/TimescaleDB URL. */
  sinkUrl?: string;
  /** This recorder's name in a shared database (default: defaultSourceId, the host name and the journal's id). */
  sourceId?: string;
  /** With a sink: prune journal rows the sink confirmed once older than this many days (default 7). */
  journalRetainDays?: number;
}

interface DhanRef {
  id: number;
  securityId: number;
  segment: string;
  tickSize: number;
  /** The simulator's instrument (sim-dhan). */
  ins?: SimInstrument;
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
  private sim: KiteSimulator | null = null;
  private readonly sims: Array<{ stop(): Promise<void> }> = [];
  private feeds: RunningFeed[] = [];
  private capture: CaptureWriter | null = null;
  readonly replicator: Replicator | null = null;
  private readonly idByToken = new Map<number, number>();
  /** The recorded instruments by id: how rejects name them, and the tick size their price band needs. */
  private readonly recorded = new Map<number, { symbol: string; tickSize: number }>();
  private stateDetail = 'starting';
  readonly notices: string[] = [];
  /** Listeners for order-book snapshots from full-depth feeds (after they are queued for the journal). */
  readonly depthListeners = new Set<(d: DepthSnapshot) => void>();
  /** Progress of instrument master downloads (for a progress line or bar). */
  onMasterProgress?: (p: MasterProgress) => void;
  private dhanKeeper: DhanTokenKeeper | null = null;
  /** Where historical candles come from for this session (the same broker, credentials kept current). */
  history: { broker: 'kite'; opts: { restRoot: string; apiKey: string; accessToken: string } } | { broker: 'dhan'; opts: { apiRoot: string; clientId: string; accessToken: string } } | null = null;
  /** What a browser login needs for this session's broker (null for the simulators). */
  get loginTarget(): { broker: 'kite'; apiKey: string; restRoot: string } | { broker: 'dhan'; clientId: string; authRoot?: string } | null {
    const h = this.history;
    if (!h || (this.opts.broker !== 'kite' && this.opts.broker !== 'dhan')) return null;
    if (h.broker === 'kite') return { broker: 'kite', apiKey: h.opts.apiKey, restRoot: h.opts.restRoot };
    return { broker: 'dhan', clientId: h.opts.clientId, authRoot: dhanRoots(this.opts.restRoot).authRoot };
  }

  get options(): Readonly<RecorderOptions> {
    return this.opts;
  }

  /** Per broker: hands a new session to the running feeds (false when it is not for them). */
  private readonly sessionAppliers = new Map<'kite' | 'dhan', (s: StoredSession) => boolean>();

  /**
   * A new session from outside the session directory (the desktop app's main process keeps tokens
   * encrypted and hands them over): the feeds resume with it, subscriptions intact. False when this
   * recorder does not record from that broker, the token is the current one, expired, or another
   * account's.
   */
  useSession(s: StoredSession): boolean {
    return this.sessionAppliers.get(s.broker)?.(s) ?? false;
  }

  /** Undo steps for session watching (timers), run by stop(). */
  private sessionStops: Array<() => void> = [];
  private masterTimer: NodeJS.Timeout | null = null;
  /** Downloads this broker's instrument list (forced: even if today's is in); throws on failure. */
  private masterRefresh: ((force: boolean) => Promise<void>) | null = null;

  /**
   * The instrument list again, now (the UI's "refresh instruments"); progress comes through
   * onMasterProgress. Instruments being recorded stay as they are.
   */
  async refreshInstruments(): Promise<void> {
    if (!this.masterRefresh) throw new Error('the recorder has not started');
    await this.masterRefresh(true);
  }

  /** Today's instrument list unless it is in; a failure is a notice (the previous list serves). */
  private async refreshMasterOrSay(broker: string): Promise<void> {
    try {
      await this.masterRefresh?.(false);
    } catch (e) {
      const have = this.journal.masterImport(broker);
      this.notices.push(`${broker} instruments not refreshed (${(e as Error).message})${have ? `; using the ones from ${have.istDay}` : ''}`);
    }
  }

  /** Every day at 08:30 IST (before the pre-open), the instrument list is fetched again. */
  private scheduleMasterRefresh(broker: string): void {
    const arm = () => {
      this.masterTimer = setTimeout(() => {
        void this.refreshMasterOrSay(broker);
        arm();
      }, msUntilIst(8, 30));
      this.masterTimer.unref?.();
    };
    arm();
  }

  constructor(private readonly opts: RecorderOptions) {
    this.journal = new Journal(opts.journalPath, { flushMs: opts.flushMs ?? 100, migrationsDir: opts.migrationsDir });
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

  /** The broker whose protocol is spoken (the simulators speak Kite's or Dhan's). */
  get feedName(): string {
    return this.opts.broker === 'sim' ? 'kite' : this.opts.broker === 'sim-dhan' ? 'dhan' : this.opts.broker;
  }

  get simulator(): KiteSimulator | null {
    return this.sim;
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
    if (this.opts.broker === 'sim-dhan' || this.opts.broker === 'dhan') await this.startDhan();
    else await this.startKite();
    this.replicator?.start();
  }

  private onFeedState = (state: FeedState, detail: string, conn: number, feed = 'feed') => {
    this.stateDetail = `${feed} conn ${conn}: ${detail}`;
    if (state === 'login-needed') this.notices.push(`login needed (${feed}): ${detail}`);
  };

  private async startKite(): Promise<void> {
    let { apiKey, accessToken, wsRoot, restRoot } = this.opts;
    if (this.opts.broker === 'sim') {
      this.sim = new KiteSimulator({
        ticksPerSecond: this.opts.sim?.ticksPerSecond ?? 3000,
        seed: this.opts.sim?.seed ?? Date.now() % 1e9,
        instruments: this.opts.sim?.instruments,
      });
      await this.sim.start();
      apiKey = this.sim.apiKey;
      accessToken = 'sim_access_token';
      wsRoot = this.sim.wsUrl;
      restRoot = this.sim.restUrl;
    }
    if (!apiKey || !accessToken) {
      throw new AuthError('Kite needs an api key and an access token (KITE_API_KEY / KITE_ACCESS_TOKEN, or --config)', 'kite');
    }
    // The instrument dump: once per IST day (the simulator's every start: its universe can change).
    const sim = this.opts.broker === 'sim';
    let imported: number[] | undefined;
    try {
      const r = await importKiteInstruments(this.journal, restRoot ?? KITE_REST_ROOT, apiKey, accessToken, {
        force: sim,
        collectIds: true,
        onProgress: (p) => this.onMasterProgress?.(p),
      });
      imported = r.ids;
      if (r.imported && !sim) this.notices.push(`Kite instruments: ${r.rows} imported${r.skipped ? `, ${r.skipped} unreadable lines skipped` : ''}`);
    } catch (e) {
      if (e instanceof AuthError || !this.journal.masterImport('kite')) throw e;
      this.notices.push(`Kite instruments not refreshed (${(e as Error).message}); using the ones from ${this.journal.masterImport('kite')!.istDay}`);
    }
    const wanted: number[] = [];
    if (this.opts.instruments === 'all') wanted.push(...(imported ?? this.journal.instruments().filter((i) => i.broker === 'kite').map((i) => i.id)));
    else
      for (const ref of this.opts.instruments) {
        const ins = this.journal.findInstrument(/^\d+$/.test(ref) ? ref : ref.toUpperCase(), 'kite');
        if (!ins) throw new Error(`unknown instrument "${ref}" (use a Kite token or EXCHANGE:SYMBOL, e.g. NSE:INFY)`);
        wanted.push(ins.id);
      }
    for (const id of wanted) this.idByToken.set(Number(this.record(this.journal.instrument(id)!).token), id);

    this.masterRefresh = async (force) => {
      const h = this.history!.opts as { restRoot: string; apiKey: string; accessToken: string };
      const r = await importKiteInstruments(this.journal, h.restRoot, h.apiKey, h.accessToken, { force, onProgress: (p) => this.onMasterProgress?.(p) });
      if (r.imported) this.notices.push(`Kite instruments: ${r.rows} imported${r.skipped ? `, ${r.skipped} unreadable lines skipped` : ''}`);
    };
    this.scheduleMasterRefresh('kite');
    const feed = new KiteFeed({
      apiKey,
      accessToken,
      root: wsRoot,
      gaps: this.journal,
      silenceMs: this.opts.silenceMs ?? 5000,
      onFrame: this.capture ? (frame, ts) => this.capture!.write(ts, frame) : undefined,
      onPacket: (p, ts) => {
        const id = this.idByToken.get(p.token);
        if (id !== undefined) this.pipeline.ingest(kitePacketToTick(p, id, ts));
      },
      onState: (state, detail, conn) => this.onFeedState(state, detail, conn, 'kite'),
      onNotice: (kind, text) => this.notices.push(`${kind}: ${text}`),
    });
    feed.subscribe([...this.idByToken.keys()], this.opts.mode);
    feed.start();
    const history = { broker: 'kite' as const, opts: { restRoot: restRoot ?? KITE_REST_ROOT, apiKey, accessToken } };
    this.history = history;
    if (this.opts.broker === 'kite')
      this.watchSession(
        'kite',
        accessToken,
        kiteExpiry(Date.now()),
        (t) => {
          history.opts.accessToken = t;
          feed.setAccessToken(t);
        },
        (d) => feed.endSession(d),
      );
    this.feeds.push({
      get state() {
        return feed.state;
      },
      get connections() {
        return feed.connections;
      },
      malformed: () => feed.decodeStats.malformedFrames,
      stop: () => feed.stop(),
    });
  }

  /**
   * Dhan: validate the token (profile), refresh the scrip master (once per IST day), resolve the
   * instruments from it, keep the token renewed, then the live feed for ticks and the 20/200-level
   * depth feed when asked for. sim-dhan runs Dhan's REST and feed simulators and takes the same path.
   */
  private async startDhan(): Promise<void> {
    const sim = this.opts.broker === 'sim-dhan';
    const universe = this.opts.sim?.instruments ?? defaultUniverse();
    let clientId = this.opts.clientId;
    let token = this.opts.accessToken;
    let feedRoot = this.opts.wsRoot;
    let depthRoot = this.opts.wsRoot;
    let { apiRoot } = dhanRoots(this.opts.restRoot);
    let scripUrl = dhanScripMasterUrl(this.opts.restRoot);
    let feedSim: DhanFeedSimulator | null = null;
    // Tokens the simulators accept: every token the REST simulator issues (logins, renewals).
    const grants: Array<(t: string) => void> = [];
    const revokes: Array<(t: string) => void> = [];
    if (sim) {
      feedSim = new DhanFeedSimulator({ instruments: universe, tokens: [], ticksPerSecond: this.opts.sim?.ticksPerSecond ?? 3000, seed: this.opts.sim?.seed });
      await feedSim.start();
      this.sims.push(feedSim);
      grants.push((t) => feedSim!.grantToken(t));
      revokes.push((t) => feedSim!.expireToken(t));
      const restSim = new DhanRestSimulator({ instruments: universe, clientId: feedSim.clientId, onIssued: (t) => grants.forEach((g) => g(t)), onRevoked: (t) => revokes.forEach((r) => r(t)) });
      await restSim.start();
      this.sims.push(restSim);
      clientId = restSim.clientId;
      token = restSim.issueToken('SELF');
      feedRoot = feedSim.root;
      apiRoot = restSim.apiRoot;
      scripUrl = restSim.scripMasterUrl;
    }
    if (!clientId || !token) throw new AuthError('Dhan needs a client id and an access token (DHAN_CLIENT_ID / DHAN_ACCESS_TOKEN)', 'dhan');
    for (const w of dhanTokenWarnings(token, { depth200: this.opts.depth === 200 })) this.notices.push(w);
    let expiresAt: number | undefined;
    try {
      const profile = await fetchDhanProfile({ clientId, accessToken: token, apiRoot });
      expiresAt = profile.tokenValidUntil;
      if (!profile.dataPlanActive) this.notices.push('the Dhan Data API is not active on this account: market data will be refused (806)');
    } catch (e) {
      if (e instanceof AuthError) throw e;
      this.notices.push(`Dhan profile check failed (${(e as Error).message}); going on`);
    }
    // Only Dhan's own file is known to be tens of MB; a simulator's is small.
    const realFile = scripUrl === DHAN_SCRIP_MASTER_URL;
    this.masterRefresh = async (force) => {
      const r = await importDhanScripMaster(this.journal, { url: scripUrl, minBytes: realFile ? 1_000_000 : 0, force, onProgress: (p) => this.onMasterProgress?.(p) });
      if (r.imported) this.notices.push(`Dhan scrip master: ${r.rows} instruments imported`);
    };
    await this.refreshMasterOrSay('dhan');
    this.scheduleMasterRefresh('dhan');

    const refs = this.resolveDhanRefs(sim ? universe : null);
    const simBySecurity = new Map(universe.map((u) => [`${dhanSegmentOf(u)}:${u.exchangeToken}`, u]));
    for (const r of refs) if (sim) r.ins = simBySecurity.get(`${r.segment}:${r.securityId}`);
    const idOf = new Map(refs.map((r) => [`${r.segment}:${r.securityId}`, r.id]));
    const segName = (n: number) => DHAN_SEGMENTS[n] ?? String(n);
    const tickOf = new Map(refs.map((r) => [`${r.segment}:${r.securityId}`, r.tickSize]));
    const normalizer = new DhanNormalizer();
    const mode = this.opts.mode === 'ltp' ? 'ticker' : this.opts.mode;
    const feed = new DhanFeed({
      clientId,
      accessToken: token,
      root: feedRoot,
      gaps: this.journal,
      silenceMs: this.opts.silenceMs ?? 30_000,
      tickSizeOf: (seg, id) => tickOf.get(`${segName(seg)}:${id}`),
      onFrame: this.capture ? (frame, ts) => this.capture!.write(ts, frame) : undefined,
      onPacket: (p, ts) => {
        const id = idOf.get(`${segName(p.segment)}:${p.securityId}`);
        const t = id === undefined ? null : normalizer.toTick(p, id, ts);
        if (t) this.pipeline.ingest(t);
      },
      onState: (state, detail, conn) => this.onFeedState(state, detail, conn, 'dhan'),
    });
    feed.subscribe(refs, mode);
    feed.start();
    // Renew the token ahead of its expiry; every feed resumes with the new one.
    const history = { broker: 'dhan' as const, opts: { apiRoot, clientId, accessToken: token } };
    this.history = history;
    const tokenSinks: Array<(t: string) => void> = [(t) => feed.setAccessToken(t), (t) => (history.opts.accessToken = t)];
    this.dhanKeeper = new DhanTokenKeeper({
      clientId,
      accessToken: token,
      apiRoot,
      expiresAt,
      onRenewed: (s) => tokenSinks.forEach((f) => f(s.accessToken)),
      onNotice: (n) => this.notices.push(n),
    });
    this.dhanKeeper.start();
    if (!sim)
      this.watchSession('dhan', token, this.dhanKeeper.validUntil, (t) => {
        this.dhanKeeper!.replace({ accessToken: t });
        tokenSinks.forEach((f) => f(t));
      });
    for (const r of refs) this.idByToken.set(r.securityId, r.id);
    this.feeds.push({
      get state() {
        return feed.state;
      },
      get connections() {
        return feed.connections;
      },
      malformed: () => feed.stats.malformed,
      stop: () => feed.stop(),
    });

    const levels = this.opts.depth;
    if (!levels) return;
    const cap = levels === 20 ? 250 : 5;
    const eligible = refs.filter((r) => r.segment === 'NSE_EQ' || r.segment === 'NSE_FNO');
    const chosen = eligible.slice(0, cap);
    if (eligible.length > cap) this.notices.push(`depth ${levels}: ${eligible.length} instruments asked for, Dhan allows ${cap}; recording the first ${cap}`);
    if (sim) {
      // One market model behind both simulators: the depth books are the live feed's books.
      const depthSim = new DhanDepthSimulator({
        clientId,
        tokens: [token],
        market: feedSim!.market,
        instruments: chosen.map((r) => ({ securityId: r.securityId, segment: r.segment as 'NSE_EQ' | 'NSE_FNO', token: r.ins!.token })),
      });
      await depthSim.start();
      this.sims.push(depthSim);
      grants.push((t) => depthSim.grantToken(t));
      revokes.push((t) => depthSim.expireToken(t));
      depthRoot = depthSim.root;
    }
    const depthFeed = new DhanDepthFeed({
      levels,
      clientId,
      accessToken: token,
      root: depthRoot,
      gaps: this.journal,
      silenceMs: this.opts.silenceMs ?? 30_000,
      onSide: (side, ts) => {
        const id = idOf.get(`${segName(side.segment)}:${side.securityId}`);
        if (id === undefined) return;
        const snap = depthSnapshotOf(side, id, ts);
        this.journal.appendDepth(snap);
        for (const fn of this.depthListeners) fn(snap);
      },
      onState: (state, detail, conn) => this.onFeedState(state, detail, conn, `dhan-depth${levels}`),
    });
    depthFeed.subscribe(chosen.map((r) => ({ securityId: r.securityId, segment: r.segment })));
    depthFeed.start();
    tokenSinks.push((t) => depthFeed.setAccessToken(t));
    this.feeds.push({
      get state() {
        return depthFeed.state;
      },
      get connections() {
        return depthFeed.connections;
      },
      malformed: () => depthFeed.stats.malformed,
      stop: () => depthFeed.stop(),
    });
  }

  /**
   * The session's life while recording: a warning 15 minutes before it expires, "login needed" at
   * expiry (a token is never used past it), and a new session saved by `tickdesk login` picked up
   * within sessionPollMs — the feeds then resume with the same subscriptions.
   */
  private watchSession(broker: 'kite' | 'dhan', token: string, expiresAt: number | undefined, resume: (t: string) => void, end?: (detail: string) => void): void {
    const dir = this.opts.sessionDir;
    let current = token;
    let expiry = expiresAt;
    const timers = new Set<NodeJS.Timeout>();
    const arm = () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      if (expiry === undefined) return;
      const warnAt = expiry - 15 * 60_000 - Date.now();
      if (warnAt > 0) timers.add(setTimeout(() => this.notices.push(`the ${broker} session expires at ${new Date(expiry!).toISOString()}: log in again (tickdesk login ${broker})`), Math.min(warnAt, 2 ** 31 - 1)));
      if (end && expiry - Date.now() < 2 ** 31 - 1)
        timers.add(
          setTimeout(() => {
            this.notices.push(`login needed (${broker}): the session expired at ${new Date(expiry!).toISOString()}`);
            end(`the ${broker} session expired at ${new Date(expiry!).toISOString()}: log in again`);
          }, Math.max(0, expiry - Date.now())),
        );
      for (const t of timers) t.unref?.();
    };
    arm();
    const apply = (session: StoredSession): boolean => {
      if (session.accessToken === current || session.expiresAt <= Date.now()) return false;
      if (broker === 'kite' && this.opts.apiKey && session.apiKey !== this.opts.apiKey) return false;
      if (broker === 'dhan' && this.opts.clientId && session.clientId && session.clientId !== this.opts.clientId) return false;
      current = session.accessToken;
      expiry = session.expiresAt;
      arm();
      this.notices.push(`new ${broker} session picked up; feeds resume`);
      resume(current);
      return true;
    };
    this.sessionAppliers.set(broker, apply);
    if (dir) {
      const poll = setInterval(() => {
        const { session } = loadSession(broker, dir);
        if (session) apply(session);
      }, this.opts.sessionPollMs ?? 2000);
      poll.unref?.();
      this.sessionStops.push(() => clearInterval(poll));
    }
    this.sessionStops.push(() => timers.forEach((t) => clearTimeout(t)));
  }

  /**
   * The instruments to record, from the scrip master in the journal: SEGMENT:SECURITYID
   * (NSE_EQ:1333), EXCHANGE:SYMBOL (NSE:HDFCBANK, NFO:NIFTY-Jun2026-24000-CE; indices also by
   * Kite's name, NSE:NIFTY 50), or a security id that is unique across segments. The simulator's
   * "all" is its whole universe.
   */
  private resolveDhanRefs(universe: SimInstrument[] | null): DhanRef[] {
    const out: DhanRef[] = [];
    const add = (ins: Instrument) => out.push({ id: this.record(ins).id, securityId: Number(ins.token), segment: ins.segment, tickSize: ins.tickSize });
    if (this.opts.instruments === 'all') {
      if (!universe) throw new Error('--broker dhan needs --instruments (e.g. NSE:HDFCBANK or NSE_EQ:1333): the scrip master is too large to record whole');
      for (const u of universe) {
        const ins = this.journal.instrumentBySegmentToken('dhan', dhanSegmentOf(u), String(u.exchangeToken));
        if (ins) add(ins);
      }
      return out;
    }
    for (const raw of this.opts.instruments) {
      const ref = raw.trim();
      let ins = findDhanInstrument(this.journal, ref);
      const bySeg = DHAN_SEGMENT_REF.exec(ref);
      if (!ins && bySeg) {
        // Not in the master (or no master): record it anyway, with a default tick size.
        const segment = bySeg[1].toUpperCase();
        this.notices.push(`${segment}:${bySeg[2]} is not in Dhan's scrip master; recording it with a 0.05 tick`);
        const id = this.journal.upsertInstrument({ broker: 'dhan', token: bySeg[2], exchange: segment.split('_')[0], segment, symbol: `${segment}:${bySeg[2]}`, tickSize: 0.05, lotSize: 1 });
        ins = this.journal.instrument(id)!;
      }
      if (!ins) throw new Error(`unknown instrument "${ref}" (not in Dhan's scrip master; use EXCHANGE:SYMBOL, e.g. NSE:HDFCBANK, or SEGMENT:SECURITYID, e.g. NSE_EQ:1333)`);
      add(ins);
    }
    return out;
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
      instruments: this.idByToken.size,
      sink: this.replicator && this.journal.db.open ? this.replicator.snapshot() : (this.replicator?.stats ?? null),
    };
  }

  /** Stops the feed, commits everything queued, closes files. Safe to call twice. */
  async stop(drainMs = 0): Promise<void> {
    this.dhanKeeper?.stop();
    for (const undo of this.sessionStops.splice(0)) undo();
    if (this.masterTimer) clearTimeout(this.masterTimer);
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
    if (this.sim) await this.sim.stop();
    this.sim = null;
    for (const s of this.sims.splice(0)) await s.stop();
  }
}
