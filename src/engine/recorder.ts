// The recording job: broker feed → pipeline → journal (and an optional raw capture). Used by
// `tickdesk record` and, later, by the engine host inside the desktop app.
import type { DepthSnapshot, FeedState, NewInstrument } from '../shared/model';
import { kiteRowToInstrument, parseKiteInstrumentsCsv } from './brokers/kite/instruments';
import { KiteFeed, kitePacketToTick } from './brokers/kite/feed';
import type { KiteMode } from './brokers/kite/codec';
import { AuthError, NetworkError, TokenExpired } from './brokers/errors';
import { CaptureWriter } from './capture/capture';
import { TickBus } from './pipeline/bus';
import { Pipeline, type ValidationOptions } from './pipeline/pipeline';
import { KiteSimulator } from './sim/kite-server';
import { defaultUniverse, type SimInstrument } from './sim/market';
import { DhanFeedSimulator, dhanSegmentOf } from './sim/dhan-feed-server';
import { DhanDepthSimulator } from './sim/dhan-depth-server';
import { DhanFeed, DhanNormalizer } from './brokers/dhan/feed';
import { DhanDepthFeed, depthSnapshotOf } from './brokers/dhan/depth-feed';
import { DHAN_SEGMENTS } from './brokers/dhan/codec';
import { dhanTokenWarnings } from './brokers/dhan/auth';
import type { FeedConnection } from './feed/connection';
import { worstState } from './feed/sharded';
import { Journal } from './store/journal';
import { Replicator, type ReplicatorStats } from './store/replicator';
import { hostname } from 'node:os';

export const KITE_REST_ROOT = 'https://api.kite.trade';

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
  /** Replicate the journal to this PostgreSQL/TimescaleDB URL. */
  sinkUrl?: string;
  /** This recorder's name in a shared database (default: the host name). */
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
  reconnects: number;
  malformedFrames: number;
  /** Depth snapshots (one side each) committed. */
  depthCommitted: number;
  lagMs: number;
  state: FeedState;
  stateDetail: string;
  instruments: number;
}

/** Downloads Kite's instrument dump (gzipped CSV) from `restRoot`. */
export async function fetchKiteInstruments(restRoot: string, apiKey: string, accessToken: string): Promise<NewInstrument[]> {
  let res: Response;
  try {
    res = await fetch(`${restRoot}/instruments`, {
      headers: { 'X-Kite-Version': '3', Authorization: `token ${apiKey}:${accessToken}` },
    });
  } catch (e) {
    throw new NetworkError(`instruments download failed: ${(e as Error).message}`, 'kite');
  }
  if (res.status === 403) throw new TokenExpired('Kite rejected the access token (HTTP 403): log in again', 'kite');
  if (!res.ok) throw new NetworkError(`instruments download failed: HTTP ${res.status}`, 'kite');
  return parseKiteInstrumentsCsv(await res.text()).map(kiteRowToInstrument);
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
  private stateDetail = 'starting';
  readonly notices: string[] = [];
  /** Listeners for order-book snapshots from full-depth feeds (after they are queued for the journal). */
  readonly depthListeners = new Set<(d: DepthSnapshot) => void>();

  constructor(private readonly opts: RecorderOptions) {
    this.journal = new Journal(opts.journalPath, { flushMs: opts.flushMs ?? 100, migrationsDir: opts.migrationsDir });
    this.pipeline = new Pipeline(this.bus, opts.validation);
    this.bus.onAny((t) => this.journal.append(t));
    if (opts.sinkUrl) {
      this.replicator = new Replicator({
        journal: this.journal,
        url: opts.sinkUrl,
        sourceId: opts.sourceId ?? hostname(),
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
    const master = await fetchKiteInstruments(restRoot ?? KITE_REST_ROOT, apiKey, accessToken);
    const ids = this.journal.upsertInstruments(master);
    const byToken = new Map<string, number>();
    const bySymbol = new Map<string, number>();
    master.forEach((ins, i) => {
      byToken.set(ins.token, ids[i]);
      bySymbol.set(`${ins.exchange}:${ins.symbol}`, ids[i]);
      if (ins.segment === 'INDICES') bySymbol.set(`INDICES:${ins.symbol}`, ids[i]);
    });
    const tokenOfId = new Map(master.map((ins, i) => [ids[i], Number(ins.token)]));
    const wanted: number[] = [];
    if (this.opts.instruments === 'all') wanted.push(...ids);
    else
      for (const ref of this.opts.instruments) {
        const id = /^\d+$/.test(ref) ? byToken.get(ref) : bySymbol.get(ref.toUpperCase());
        if (id === undefined) throw new Error(`unknown instrument "${ref}" (use a Kite token or EXCHANGE:SYMBOL, e.g. NSE:INFY)`);
        wanted.push(id);
      }
    for (const id of wanted) this.idByToken.set(tokenOfId.get(id)!, id);

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

  /** Dhan: the live feed for ticks, and the 20/200-level depth feed when asked for. */
  private async startDhan(): Promise<void> {
    const sim = this.opts.broker === 'sim-dhan';
    const universe = this.opts.sim?.instruments ?? defaultUniverse();
    let clientId = this.opts.clientId;
    let token = this.opts.accessToken;
    let feedRoot = this.opts.wsRoot;
    let depthRoot = this.opts.wsRoot;
    const refs: Array<{ id: number; securityId: number; segment: string; ins?: SimInstrument }> = [];
    if (sim) {
      const feedSim = new DhanFeedSimulator({ instruments: universe, ticksPerSecond: this.opts.sim?.ticksPerSecond ?? 3000, seed: this.opts.sim?.seed });
      await feedSim.start();
      this.sims.push(feedSim);
      clientId = feedSim.clientId;
      token = 'sim-dhan-token';
      feedRoot = feedSim.root;
      const list = universe.map((i) => ({
        broker: 'dhan' as const,
        token: String(i.exchangeToken),
        exchange: i.exchange,
        segment: dhanSegmentOf(i),
        symbol: i.symbol,
        name: i.name || undefined,
        expiry: i.expiry,
        strike: i.instrumentType === 'CE' || i.instrumentType === 'PE' ? i.strike : undefined,
        optionType: i.instrumentType === 'CE' || i.instrumentType === 'PE' ? i.instrumentType : undefined,
        tickSize: i.tickSize,
        lotSize: i.lotSize,
      }));
      const ids = this.journal.upsertInstruments(list);
      const all = universe.map((ins, k) => ({ id: ids[k], securityId: ins.exchangeToken, segment: list[k].segment, ins }));
      if (this.opts.instruments === 'all') refs.push(...all);
      else
        for (const ref of this.opts.instruments) {
          const hit = all.find((a) => String(a.securityId) === ref || `${a.ins.exchange}:${a.ins.symbol}` === ref.toUpperCase());
          if (!hit) throw new Error(`unknown instrument "${ref}" (use a security id or EXCHANGE:SYMBOL, e.g. NSE:INFY)`);
          refs.push(hit);
        }
    } else {
      if (!clientId || !token) throw new AuthError('Dhan needs a client id and an access token (DHAN_CLIENT_ID / DHAN_ACCESS_TOKEN)', 'dhan');
      for (const w of dhanTokenWarnings(token, { depth200: this.opts.depth === 200 })) this.notices.push(w);
      if (this.opts.instruments === 'all') throw new Error('--broker dhan needs --instruments SEGMENT:SECURITYID,... (e.g. NSE_EQ:1333)');
      for (const ref of this.opts.instruments) {
        const m = /^([A-Z_]+):(\d+)$/.exec(ref.toUpperCase());
        if (!m) throw new Error(`"${ref}": use SEGMENT:SECURITYID, e.g. NSE_EQ:1333 or NSE_FNO:55796`);
        const id = this.journal.upsertInstrument({ broker: 'dhan', token: m[2], exchange: m[1].split('_')[0], segment: m[1], symbol: `${m[1]}:${m[2]}`, tickSize: 0.05, lotSize: 1 });
        refs.push({ id, securityId: Number(m[2]), segment: m[1] });
      }
    }
    const idOf = new Map(refs.map((r) => [`${r.segment}:${r.securityId}`, r.id]));
    const segName = (n: number) => DHAN_SEGMENTS[n] ?? String(n);
    const tickOf = new Map(refs.map((r) => [`${r.segment}:${r.securityId}`, r.ins?.tickSize]));
    const normalizer = new DhanNormalizer();
    const mode = this.opts.mode === 'ltp' ? 'ticker' : this.opts.mode;
    const feed = new DhanFeed({
      clientId: clientId!,
      accessToken: token!,
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
      const depthSim = new DhanDepthSimulator({
        clientId,
        instruments: chosen.map((r) => ({ securityId: r.securityId, segment: r.segment as 'NSE_EQ' | 'NSE_FNO', mid: r.ins!.basePrice, tick: r.ins!.tickSize, lot: r.ins!.lotSize })),
      });
      await depthSim.start();
      this.sims.push(depthSim);
      depthRoot = depthSim.root;
    }
    const depthFeed = new DhanDepthFeed({
      levels,
      clientId: clientId!,
      accessToken: token!,
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

  stats(): RecorderStats {
    const conns = this.feeds.flatMap((f) => f.connections);
    const states = this.feeds.map((f) => f.state);
    return {
      committed: this.journal.committed,
      pending: this.journal.pendingRows,
      accepted: this.pipeline.stats.accepted,
      rejected: this.pipeline.rejectedTotal,
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
