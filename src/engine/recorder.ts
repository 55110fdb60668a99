// The recording job: broker feed → pipeline → journal (and an optional raw capture). Used by
// `tickdesk record` and, later, by the engine host inside the desktop app.
import type { FeedState, NewInstrument } from '../shared/model';
import { kiteRowToInstrument, parseKiteInstrumentsCsv } from './brokers/kite/instruments';
import { KiteFeed, kitePacketToTick } from './brokers/kite/feed';
import type { KiteMode } from './brokers/kite/codec';
import { AuthError, NetworkError, TokenExpired } from './brokers/errors';
import { CaptureWriter } from './capture/capture';
import { TickBus } from './pipeline/bus';
import { Pipeline, type ValidationOptions } from './pipeline/pipeline';
import { KiteSimulator } from './sim/kite-server';
import type { SimInstrument } from './sim/market';
import { Journal } from './store/journal';
import { Replicator, type ReplicatorStats } from './store/replicator';
import { hostname } from 'node:os';

export const KITE_REST_ROOT = 'https://api.kite.trade';

export interface RecorderOptions {
  broker: 'sim' | 'kite';
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
  private feed: KiteFeed | null = null;
  private capture: CaptureWriter | null = null;
  readonly replicator: Replicator | null = null;
  private readonly idByToken = new Map<number, number>();
  private stateDetail = 'starting';
  readonly notices: string[] = [];

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

    if (this.opts.capturePath) this.capture = new CaptureWriter(this.opts.capturePath);
    this.journal.onCommit = () => this.capture?.flush();
    this.feed = new KiteFeed({
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
      onState: (state, detail, conn) => {
        this.stateDetail = `conn ${conn}: ${detail}`;
        if (state === 'login-needed') this.notices.push(`login needed: ${detail}`);
      },
      onNotice: (kind, text) => this.notices.push(`${kind}: ${text}`),
    });
    this.feed.subscribe([...this.idByToken.keys()], this.opts.mode);
    this.feed.start();
    this.replicator?.start();
  }

  stats(): RecorderStats {
    const conns = this.feed?.connections ?? [];
    return {
      committed: this.journal.committed,
      pending: this.journal.pendingRows,
      accepted: this.pipeline.stats.accepted,
      rejected: this.pipeline.rejectedTotal,
      reconnects: conns.reduce((n, c) => n + c.stats.reconnects, 0),
      malformedFrames: this.feed?.decodeStats.malformedFrames ?? 0,
      lagMs: this.journal.lastLagMs,
      state: this.feed?.state ?? 'stopped',
      stateDetail: this.stateDetail,
      instruments: this.idByToken.size,
      sink: this.replicator && this.journal.db.open ? this.replicator.snapshot() : (this.replicator?.stats ?? null),
    };
  }

  /** Stops the feed, commits everything queued, closes files. Safe to call twice. */
  async stop(drainMs = 0): Promise<void> {
    this.feed?.stop();
    this.feed = null;
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
  }
}
