// Fyers' market-data socket ("HSM", specs/fyers-upstox-yahoo.md §1.4): supervised connections
// (../../feed/connection.ts: reconnect, silence watchdog, gaps) that each authenticate with the
// token's hsm_key, set the channel's mode, subscribe their topics once the server said "K", and
// ping every 30 s. At most 5000 topics a connection: topics are spread over connections up to
// `maxConnections` and refused beyond, clearly. The upgrade carries NO Authorization header: since
// ~Aug 2026 the gateway then ignores the auth frame in silence (openalgo#1947); the watchdog would
// reconnect forever. The topics are kept (they came from symbol-token once), so a reconnect
// resubscribes without asking REST again.
import type { FeedState } from '../../../shared/model';
import type { BackoffOptions } from '../../feed/backoff';
import { FeedConnection, type GapRecorder } from '../../feed/connection';
import { ShardedFeed } from '../../feed/sharded';
import { decodeFyersToken, FYERS_WS_ROOT } from './auth';
import {
  decodeServerFrame,
  DEFAULT_CHANNEL,
  encodeClientRequest,
  MAX_TOPICS_PER_CONNECTION,
  MAX_TOPICS_PER_REQUEST,
  newFyersDecodeStats,
  newFyersDecoderState,
  PING_FRAME,
  type FyersDecoderState,
  type FyersQuote,
} from './codec';

export type FyersFeedMode = 'lite' | 'full';

export interface FyersFeedOptions {
  accessToken: string;
  /** The data socket; the simulator's in tests and `record --broker sim-fyers`. */
  root?: string;
  mode: FyersFeedMode;
  channel?: number;
  gaps?: GapRecorder;
  silenceMs?: number;
  backoff?: BackoffOptions;
  /** 5000 (Fyers' cap). */
  maxTopicsPerConnection?: number;
  /** Connections one token may open. 1: the official SDKs are singletons; more is not known to be allowed. */
  maxConnections?: number;
  /** Client heartbeat `00 01 0B` (30 s). */
  pingMs?: number;
  /** The auth frame's source label. */
  source?: string;
  now?: () => number;
  onQuote: (q: FyersQuote, tsReceived: number) => void;
  /** Every binary frame as received, before decoding (for `--capture`). */
  onFrame?: (frame: Buffer, tsReceived: number) => void;
  onState?: (state: FeedState, detail: string, connection: number) => void;
  /** A refused subscription or mode, and the like. */
  onNotice?: (text: string) => void;
}

interface Shard {
  conn: FeedConnection;
  topics: Set<string>;
  /** Topic ids are the server's, per socket: a fresh state on every open. */
  decoder: FyersDecoderState;
  authed: boolean;
  /** Data frames since the last ack (only when the auth reply asked for acks). */
  ackEvery: number;
  sinceAck: number;
}

/** The token says it has expired (the SDKs report -99 and do not connect). */
export const EXPIRED_DETAIL = 'the access token has expired (-99): log in again';

/**
 * FeedConnection sends text; `ws` sends a Buffer given to the same call as a binary frame, which is
 * what HSM takes. (FeedConnection's `send` could be typed `string | Buffer`; until then, this.)
 */
function sendBinary(send: (text: string) => unknown, frame: Buffer): void {
  send(frame as unknown as string);
}

export class FyersFeed extends ShardedFeed<Shard> {
  readonly decodeStats = newFyersDecodeStats();
  private readonly shardOf = new Map<string, Shard>();
  private readonly perConn: number;
  private readonly maxConns: number;
  private readonly channel: number;
  private ping: NodeJS.Timeout | null = null;
  /** Subscriptions the server refused ("N"), for tests and the status line. */
  refusals = 0;

  constructor(private readonly opts: FyersFeedOptions) {
    super(opts.accessToken);
    this.perConn = opts.maxTopicsPerConnection ?? MAX_TOPICS_PER_CONNECTION;
    this.maxConns = opts.maxConnections ?? 1;
    this.channel = opts.channel ?? DEFAULT_CHANNEL;
  }

  malformed(): number {
    return this.decodeStats.malformedFrames;
  }

  get topicCount(): number {
    return this.shardOf.size;
  }

  /**
   * Adds topics; sent now on connections already authenticated, else after their auth reply.
   * Throws, subscribing none of them, when they do not fit `maxConnections` × 5000.
   */
  subscribe(topics: readonly string[]): void {
    const fresh = [...new Set(topics)].filter((t) => !this.shardOf.has(t));
    const room = this.shards.reduce((n, s) => n + (this.perConn - s.topics.size), 0) + (this.maxConns - this.shards.length) * this.perConn;
    if (fresh.length > room)
      throw new Error(
        `Fyers allows ${this.perConn} topics a connection (${this.maxConns} connection${this.maxConns > 1 ? 's' : ''} here): ${this.shardOf.size + fresh.length} asked for; record fewer instruments (full mode takes two topics an instrument, with its depth)`,
      );
    const touched = new Map<Shard, string[]>();
    for (const t of fresh) {
      const shard = this.shards.find((s) => s.topics.size < this.perConn) ?? this.newShard();
      shard.topics.add(t);
      this.shardOf.set(t, shard);
      let list = touched.get(shard);
      if (!list) touched.set(shard, (list = []));
      list.push(t);
    }
    for (const [shard, list] of touched) {
      if (shard.authed && shard.conn.isOpen) this.sendTopics('subscribe', list, FyersFeed.sendNow(shard));
      else if (this.running) shard.conn.start();
    }
  }

  unsubscribe(topics: readonly string[]): void {
    const touched = new Map<Shard, string[]>();
    for (const t of topics) {
      const shard = this.shardOf.get(t);
      if (!shard) continue;
      shard.topics.delete(t);
      this.shardOf.delete(t);
      let list = touched.get(shard);
      if (!list) touched.set(shard, (list = []));
      list.push(t);
    }
    for (const [shard, list] of touched) if (shard.authed) this.sendTopics('unsubscribe', list, FyersFeed.sendNow(shard));
  }

  override start(): void {
    super.start();
    this.ping ??= setInterval(() => {
      for (const s of this.shards) if (s.conn.isOpen) FyersFeed.sendNow(s)(PING_FRAME);
    }, this.opts.pingMs ?? 30_000);
    this.ping.unref?.();
  }

  override stop(): void {
    if (this.ping) clearInterval(this.ping);
    this.ping = null;
    super.stop();
  }

  /** At most 1500 topics a request, as the HSM library sends them. */
  private sendTopics(type: 'subscribe' | 'unsubscribe', topics: readonly string[], send: (frame: Buffer) => void): void {
    for (let i = 0; i < topics.length; i += MAX_TOPICS_PER_REQUEST) send(encodeClientRequest({ type, topics: topics.slice(i, i + MAX_TOPICS_PER_REQUEST), channel: this.channel }));
  }

  /** On an open socket now. */
  private static sendNow(shard: Shard): (frame: Buffer) => void {
    return (f) => sendBinary((t) => shard.conn.send(t), f);
  }

  private newShard(): Shard {
    const index = this.shards.length;
    const shard: Shard = { topics: new Set(), conn: null as unknown as FeedConnection, decoder: newFyersDecoderState(), authed: false, ackEvery: 0, sinceAck: 0 };
    let send: (frame: Buffer) => void = () => {};
    shard.conn = new FeedConnection({
      feed: 'fyers',
      index,
      url: () => this.opts.root ?? FYERS_WS_ROOT,
      // No headers: an Authorization header on the upgrade silences the auth frame.
      silenceMs: this.opts.silenceMs ?? 30_000,
      backoff: this.opts.backoff,
      gaps: this.opts.gaps,
      authFailureStatuses: [401, 403],
      onOpen: (sendText) => {
        send = (f) => sendBinary(sendText, f);
        shard.decoder = newFyersDecoderState();
        shard.authed = false;
        shard.sinceAck = 0;
        let key: string | undefined;
        let expiresAt: number | undefined;
        try {
          ({ hsmKey: key, expiresAt } = decodeFyersToken(this.accessToken));
        } catch {
          // not a JWT: no key to send
        }
        // After opened() is done with this socket: failAuth closes it and waits for a new token.
        const refuse = (detail: string) => void setImmediate(() => this.running && shard.conn.failAuth(detail));
        if (expiresAt !== undefined && expiresAt <= (this.opts.now ?? Date.now)()) return refuse(EXPIRED_DETAIL);
        if (!key) return refuse('the access token carries no hsm_key: log in again');
        send(encodeClientRequest({ type: 'auth', hsmKey: key, mode: 'P', source: this.opts.source ?? 'tickdesk' }));
      },
      onBinary: (frame, ts) => {
        this.opts.onFrame?.(frame, ts);
        const f = decodeServerFrame(frame, shard.decoder, (q) => this.opts.onQuote(q, ts), this.decodeStats);
        if (!f) return;
        if (f.type === 'auth') {
          if (!f.ok) return shard.conn.failAuth('Fyers refused the token on the data socket (11001): log in again');
          shard.authed = true;
          shard.ackEvery = f.ackCount;
          send(encodeClientRequest({ type: 'mode', channels: [this.channel], mode: this.opts.mode }));
          if (shard.topics.size) this.sendTopics('subscribe', [...shard.topics], send);
        } else if (f.type === 'data' && shard.ackEvery > 0 && ++shard.sinceAck >= shard.ackEvery) {
          shard.sinceAck = 0;
          send(encodeClientRequest({ type: 'ack', messageNumber: f.messageNumber }));
        } else if ((f.type === 'subscribe' || f.type === 'mode' || f.type === 'unsubscribe') && !f.ok) {
          if (f.type === 'subscribe') this.refusals++;
          this.opts.onNotice?.(`Fyers refused a ${f.type} request on connection ${index} (${shard.topics.size} topics on it)`);
        }
      },
      onState: (state, detail) => this.opts.onState?.(state, detail, index),
    });
    this.shards.push(shard);
    if (this.running) shard.conn.start();
    return shard;
  }
}
