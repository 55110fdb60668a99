// Upstox's Market Data Feed V3 (specs/fyers-upstox-yahoo.md §2.4): one supervised WebSocket
// (../../feed/connection.ts: reconnect with backoff, gaps) per token — Upstox allows one connection
// per app and user, so there is never a second. Each (re)connect first asks the authorize endpoint
// for a one-shot wss URL (its code is single-use: a fresh one every time; a 401 there is the token's
// end — login needed, no retry loop against authorize), then sends the subscriptions as JSON in
// binary frames (sub per mode, with a guid); the server answers market_info first, an initial_feed
// snapshot per subscription, then live_feed deltas (decoded here, merged by the caller with
// normalize.ts). Failures come back as text frames {status: "failed"}: counted and told.
//
// The URL a connection opens is read synchronously, so it is fetched ahead: when the socket is
// lost, at once (the reconnect's backoff is the time it has); a connect that finds none ready (or
// only a stale one) waits one more backoff step for it.
//
// Silence: the server sends WebSocket pings when idle and no application heartbeat, and pings do
// not reach the connection's frame counter, so a quiet socket after the close is a healthy one
// (openalgo#1419: a watchdog that fired then reconnected every minute and hammered authorize). The
// connection's own watchdog is left off; this feed watches instead, by the exchange's own word:
// while a subscribed segment is NORMAL_OPEN per the latest market_info (or before any market_info)
// silence for `silenceMs` reconnects; otherwise only `closedSilenceMs` (30 min) does, doubling after
// each quiet reconnect (up to 16×), so a dead socket is still found overnight without a loop.
import type { FeedState } from '../../../shared/model';
import type { BackoffOptions } from '../../feed/backoff';
import { FeedConnection, type GapRecorder } from '../../feed/connection';
import { ShardedFeed } from '../../feed/sharded';
import { AuthError } from '../errors';
import {
  changeModeRequest,
  decodeFeedResponse,
  newDecodeStats,
  parseFeedFailure,
  subscribeRequest,
  unsubscribeRequest,
  type Feed,
  type FeedMode,
  type FeedType,
  type MarketInfo,
  type MarketStatus,
} from './codec';

/** Instrument keys a mode may hold: alone ("individual"), or when modes are mixed ("combined"). */
export type UpstoxCaps = Record<FeedMode, { individual: number; combined: number }>;

/**
 * Upstox's V3 limits (Market Data Feed V3 page): LTPC 5000/2000, Option Greeks 3000/2000, Full
 * 2000/1500. Full D30's cap is not published (one third-party README says 2000; Upstox Plus only):
 * 50 here, a guess on the safe side, configurable like the others.
 */
export const UPSTOX_CAPS: UpstoxCaps = {
  ltpc: { individual: 5000, combined: 2000 },
  option_greeks: { individual: 3000, combined: 2000 },
  full: { individual: 2000, combined: 1500 },
  full_d30: { individual: 50, combined: 50 },
};

/** Keys per request frame (no limit is published; the SDK sends a list whole). */
export const KEYS_PER_REQUEST = 500;

/** The first problem with these per-mode counts under the caps, or undefined. */
export function capsProblem(counts: ReadonlyMap<FeedMode, number>, caps: UpstoxCaps = UPSTOX_CAPS): string | undefined {
  const used = [...counts].filter(([, n]) => n > 0);
  const mixed = used.length > 1;
  for (const [mode, n] of used) {
    const cap = mixed ? caps[mode].combined : caps[mode].individual;
    if (n > cap) return `Upstox allows ${cap} instruments in ${mode} mode${mixed ? ' when modes are mixed' : ''} (one connection a token): ${n} asked for`;
  }
  return undefined;
}

/** The segment a key's trading state is read from: its own, or (an index segment) its exchange's cash one. */
function statusOf(segment: string, status: ReadonlyMap<string, MarketStatus>): MarketStatus | undefined {
  return status.get(segment) ?? status.get(segment.replace(/_INDEX$/, '_EQ'));
}

export interface UpstoxFeedOptions {
  accessToken: string;
  /** The authorize call: a token → a one-shot wss URL (rest.ts authorizeUpstoxFeed); AuthError when refused. */
  authorize: (accessToken: string) => Promise<string>;
  gaps?: GapRecorder;
  /** No frame for this long while a subscribed segment trades → reconnect (30 s). */
  silenceMs?: number;
  /** No frame for this long while none does (30 min, doubling after each quiet reconnect). */
  closedSilenceMs?: number;
  /** An authorized URL older than this is not used (its code may have lapsed): 20 s. */
  maxUrlAgeMs?: number;
  backoff?: BackoffOptions;
  caps?: Partial<UpstoxCaps>;
  onFeed: (key: string, feed: Feed, type: FeedType, tsReceived: number) => void;
  onMarketInfo?: (info: MarketInfo, tsReceived: number) => void;
  /** Every binary frame as received, before decoding (for `--capture`). */
  onFrame?: (frame: Buffer, tsReceived: number) => void;
  onState?: (state: FeedState, detail: string, connection: number) => void;
  /** Failure replies, refused connections and the like. */
  onNotice?: (text: string) => void;
}

/**
 * FeedConnection sends text; `ws` sends a Buffer given to the same call as a binary frame, which is
 * what Upstox takes. (FeedConnection's `send` could be typed `string | Buffer`; until then, this.)
 */
function sendBinary(send: (text: string) => unknown, frame: Buffer): void {
  send(frame as unknown as string);
}

export class UpstoxFeed extends ShardedFeed<{ conn: FeedConnection }> {
  readonly decodeStats = newDecodeStats();
  /** What the feed did on its own: authorize calls, URLs used, failure replies, silence reconnects. */
  readonly watch = { authorizes: 0, urlsUsed: 0, failures: 0, silenceTimeouts: 0 };
  /** Segment → status, from the latest market_info. */
  readonly marketStatus = new Map<string, MarketStatus>();
  private readonly conn: FeedConnection;
  private readonly subs = new Map<string, FeedMode>();
  private readonly caps: UpstoxCaps;
  private timers: NodeJS.Timeout[] = [];
  private fresh: { url: string; at: number } | null = null;
  private authorizing: { token: string; done: Promise<void> } | null = null;
  /** The token was refused at authorize (login needed), with why. */
  private refused: string | null = null;
  private lastAuthorizeError = '';
  private connStarted = false;
  private guidSeq = 0;
  private aliveAt = 0;
  private quietRounds = 0;
  private toldRefusedUpgrade = false;

  constructor(private readonly opts: UpstoxFeedOptions) {
    super(opts.accessToken);
    this.caps = { ...UPSTOX_CAPS, ...opts.caps };
    this.conn = new FeedConnection({
      feed: 'upstox',
      index: 0,
      url: () => this.takeUrl(),
      // Off: pings do not reach it (see the header); checkSilence watches instead.
      silenceMs: 24 * 3600_000,
      backoff: opts.backoff,
      gaps: opts.gaps,
      // The upgrade's answer says nothing of the token (authorize does): a refused upgrade (a code
      // used or lapsed, a second connection) is retried with a fresh code.
      authFailureStatuses: [],
      onOpen: (send) => this.opened(send),
      onBinary: (frame, ts) => this.binary(frame, ts),
      onText: (text) => this.text(text),
      onState: (state, detail) => this.state_(state, detail),
    });
    this.shards.push({ conn: this.conn });
  }

  malformed(): number {
    return this.decodeStats.malformedFrames;
  }

  /** Before the first connect (authorize under way): connecting, or login needed when it was refused. */
  override get state(): FeedState {
    if (this.running && !this.connStarted) return this.refused ? 'login-needed' : 'connecting';
    return super.state;
  }

  /** Keys subscribed, by mode. */
  get subscriptions(): ReadonlyMap<string, FeedMode> {
    return this.subs;
  }

  /**
   * Subscribes keys in a mode (a key already subscribed in another mode changes mode); sent now
   * when the socket is open, else on its next open. Throws, changing nothing, beyond the caps.
   */
  subscribe(keys: readonly string[], mode: FeedMode): void {
    const next = new Map(this.subs);
    for (const k of keys) next.set(k, mode);
    const counts = new Map<FeedMode, number>();
    for (const m of next.values()) counts.set(m, (counts.get(m) ?? 0) + 1);
    const problem = capsProblem(counts, this.caps);
    if (problem) throw new Error(problem);
    const fresh: string[] = [];
    const changed: string[] = [];
    for (const k of new Set(keys)) {
      const had = this.subs.get(k);
      if (had === mode) continue;
      (had === undefined ? fresh : changed).push(k);
      this.subs.set(k, mode);
    }
    if (!this.conn.isOpen) return;
    const send = (f: Buffer) => sendBinary((t) => this.conn.send(t), f);
    for (let i = 0; i < fresh.length; i += KEYS_PER_REQUEST) send(subscribeRequest(this.guid(), mode, fresh.slice(i, i + KEYS_PER_REQUEST)));
    for (let i = 0; i < changed.length; i += KEYS_PER_REQUEST) send(changeModeRequest(this.guid(), mode, changed.slice(i, i + KEYS_PER_REQUEST)));
  }

  unsubscribe(keys: readonly string[]): void {
    const gone = keys.filter((k) => this.subs.delete(k));
    if (!gone.length || !this.conn.isOpen) return;
    for (let i = 0; i < gone.length; i += KEYS_PER_REQUEST) sendBinary((t) => this.conn.send(t), unsubscribeRequest(this.guid(), gone.slice(i, i + KEYS_PER_REQUEST)));
  }

  /** Authorizes first, then connects (a refused token: login needed at once). */
  override start(): void {
    if (this.running) return;
    this.running = true;
    const silenceMs = this.opts.silenceMs ?? 30_000;
    this.timers.push(setInterval(() => this.checkSilence(silenceMs), Math.max(50, Math.floor(silenceMs / 4))));
    void this.authorize().then(() => {
      if (!this.running || this.connStarted) return;
      this.connStarted = true;
      this.conn.start();
    });
  }

  override stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.fresh = null;
    this.connStarted = false;
    super.stop();
  }

  /** A new token (a new login): authorized, then the connection retries at once and resubscribes. */
  override setAccessToken(token: string): void {
    this.accessToken = token;
    this.fresh = null;
    this.refused = null;
    this.lastAuthorizeError = '';
    void this.authorize().then(() => {
      if (this.running && this.connStarted) this.conn.resume();
    });
  }

  /** The session is over (03:30 IST): no authorize with this token again; login needed. */
  override endSession(detail: string): void {
    this.refused = detail;
    this.fresh = null;
    super.endSession(detail);
  }

  // --- the one-shot URL -------------------------------------------------------------------------

  /** One authorize call at a time, for the current token; its URL kept for the next connect. */
  private authorize(): Promise<void> {
    const token = this.accessToken;
    if (this.authorizing) {
      if (this.authorizing.token === token) return this.authorizing.done;
      return this.authorizing.done.then(() => this.authorize());
    }
    this.watch.authorizes++;
    const done = this.opts
      .authorize(token)
      .then(
        (url) => {
          if (token !== this.accessToken) return;
          this.fresh = { url, at: Date.now() };
          this.lastAuthorizeError = '';
        },
        (e: Error & { retryable?: boolean }) => {
          if (token !== this.accessToken) return;
          // The token's end (401), or a refusal retrying cannot change: stop and say so.
          if (e instanceof AuthError || e.retryable === false) {
            this.refused = e.message;
            if (this.running && this.connStarted && this.conn.state !== 'login-needed') this.conn.failAuth(e.message);
          } else this.lastAuthorizeError = e.message;
        },
      )
      .finally(() => {
        if (this.authorizing?.done === done) this.authorizing = null;
      });
    this.authorizing = { token, done };
    return done;
  }

  /** The URL for the connect happening now: the one fetched ahead, used once; else why not (and fetch one). */
  private takeUrl(): string {
    const f = this.fresh;
    this.fresh = null;
    if (f && Date.now() - f.at <= (this.opts.maxUrlAgeMs ?? 20_000)) {
      this.watch.urlsUsed++;
      return f.url;
    }
    if (this.refused) {
      const why = this.refused;
      // After connect() is done with this attempt: failAuth cancels its retry.
      setImmediate(() => this.running && this.conn.failAuth(why));
      throw new Error(why);
    }
    void this.authorize();
    throw new Error(this.lastAuthorizeError ? `feed not authorized (${this.lastAuthorizeError})` : 'waiting for a one-shot feed URL from authorize');
  }

  private state_(state: FeedState, detail: string): void {
    // Lost: fetch the next URL now, while the backoff runs.
    if (state === 'reconnecting' && !this.fresh && !this.refused && this.running) void this.authorize();
    if (/HTTP 403 at upgrade/.test(detail) && !this.toldRefusedUpgrade) {
      this.toldRefusedUpgrade = true;
      this.opts.onNotice?.('Upstox refused the feed connection (HTTP 403): it allows one connection per token — is another client using this token?');
    }
    this.opts.onState?.(state, detail, 0);
  }

  // --- frames -----------------------------------------------------------------------------------

  private guid(): string {
    return `td${Date.now().toString(36)}${(++this.guidSeq).toString(36)}`;
  }

  /** Every open: all subscriptions again, by mode. */
  private opened(sendText: (text: string) => void): void {
    this.aliveAt = Date.now();
    this.toldRefusedUpgrade = false;
    const byMode = new Map<FeedMode, string[]>();
    for (const [k, m] of this.subs) {
      let list = byMode.get(m);
      if (!list) byMode.set(m, (list = []));
      list.push(k);
    }
    for (const [mode, keys] of byMode)
      for (let i = 0; i < keys.length; i += KEYS_PER_REQUEST) sendBinary(sendText, subscribeRequest(this.guid(), mode, keys.slice(i, i + KEYS_PER_REQUEST)));
  }

  private binary(frame: Buffer, ts: number): void {
    this.aliveAt = ts;
    this.quietRounds = 0;
    this.opts.onFrame?.(frame, ts);
    const r = decodeFeedResponse(frame, this.decodeStats);
    if (!r) return;
    if (r.marketInfo) {
      for (const [seg, status] of r.marketInfo.segmentStatus) this.marketStatus.set(seg, status);
      this.opts.onMarketInfo?.(r.marketInfo, ts);
    }
    for (const [key, feed] of r.feeds) this.opts.onFeed(key, feed, r.type, ts);
  }

  private text(text: string): void {
    this.aliveAt = Date.now();
    const f = parseFeedFailure(text);
    if (!f) return;
    this.watch.failures++;
    this.opts.onNotice?.(`Upstox refused a ${f.method ?? 'feed'} request${f.code ? ` (${f.code})` : ''}: ${f.error}`);
  }

  /** Whether silence is trouble now: a subscribed segment is NORMAL_OPEN, or no segment's state is known. */
  trading(): boolean {
    let known = false;
    for (const seg of new Set([...this.subs.keys()].map((k) => k.slice(0, k.indexOf('|'))))) {
      const s = statusOf(seg, this.marketStatus);
      if (s === 'NORMAL_OPEN') return true;
      if (s !== undefined) known = true;
    }
    return !known;
  }

  private checkSilence(silenceMs: number): void {
    const now = Date.now();
    if (!this.conn.isOpen || this.subs.size === 0) {
      this.aliveAt = now;
      return;
    }
    const open = this.trading();
    const limit = (open ? silenceMs : (this.opts.closedSilenceMs ?? 30 * 60_000)) * 2 ** Math.min(this.quietRounds, 4);
    if (now - this.aliveAt > limit) {
      this.watch.silenceTimeouts++;
      this.quietRounds++;
      this.aliveAt = now;
      this.conn.restart(`no data for ${limit} ms${open ? '' : ' (market closed)'}`);
    }
  }
}
