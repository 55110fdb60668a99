// Kite live feed: shards instruments over up to 3 supervised connections (3000 each), keeps every
// instrument's mode for resubscription, decodes frames and hands packets on.
import type { FeedState } from '../../../shared/model';
import { ShardedFeed } from '../../feed/sharded';
import { FeedConnection, type GapRecorder } from '../../feed/connection';
import type { BackoffOptions } from '../../feed/backoff';
import {
  decodeFrame,
  MAX_CONNECTIONS,
  MAX_TOKENS_PER_CONNECTION,
  modeMessage,
  newDecodeStats,
  parseTextFrame,
  subscribeMessage,
  unsubscribeMessage,
  type KiteMode,
  type KitePacket,
} from './codec';

export const KITE_WS_ROOT = 'wss://ws.kite.trade/';

export interface KiteFeedOptions {
  apiKey: string;
  accessToken: string;
  /** WebSocket root; the simulator's address in tests and `record --broker sim`. */
  root?: string;
  gaps?: GapRecorder;
  silenceMs?: number;
  backoff?: BackoffOptions;
  maxTokensPerConnection?: number;
  maxConnections?: number;
  onPacket: (p: KitePacket, tsReceived: number) => void;
  /** Every binary frame as received, before decoding (for `--capture`). */
  onFrame?: (frame: Buffer, tsReceived: number) => void;
  onState?: (state: FeedState, detail: string, connection: number) => void;
  /** Server error/message text frames, e.g. the 3000-instrument cap. */
  onNotice?: (kind: 'error' | 'message', text: string) => void;
  onOrder?: (order: Record<string, unknown>) => void;
}

interface Shard {
  conn: FeedConnection;
  tokens: Map<number, KiteMode>;
}

export class KiteFeed extends ShardedFeed<Shard> {
  readonly decodeStats = newDecodeStats();

  malformed(): number {
    return this.decodeStats.malformedFrames;
  }
  private readonly shardOf = new Map<number, Shard>();
  private readonly perConn: number;
  private readonly maxConns: number;

  constructor(private readonly opts: KiteFeedOptions) {
    super(opts.accessToken);
    this.perConn = opts.maxTokensPerConnection ?? MAX_TOKENS_PER_CONNECTION;
    this.maxConns = opts.maxConnections ?? MAX_CONNECTIONS;
  }

  get subscribedCount(): number {
    return this.shardOf.size;
  }

  /** Subscribes (or changes the mode of) instruments; spreads them over the connections. */
  subscribe(tokens: readonly number[], mode: KiteMode): void {
    const touched = new Map<Shard, number[]>();
    for (const token of tokens) {
      let shard = this.shardOf.get(token);
      if (!shard) {
        shard = this.shardWithRoom();
        this.shardOf.set(token, shard);
      }
      shard.tokens.set(token, mode);
      let list = touched.get(shard);
      if (!list) touched.set(shard, (list = []));
      list.push(token);
    }
    for (const [shard, list] of touched) {
      if (shard.conn.isOpen) {
        shard.conn.send(subscribeMessage(list));
        shard.conn.send(modeMessage(mode, list));
      } else if (this.running) shard.conn.start();
    }
  }

  unsubscribe(tokens: readonly number[]): void {
    const touched = new Map<Shard, number[]>();
    for (const token of tokens) {
      const shard = this.shardOf.get(token);
      if (!shard) continue;
      shard.tokens.delete(token);
      this.shardOf.delete(token);
      let list = touched.get(shard);
      if (!list) touched.set(shard, (list = []));
      list.push(token);
    }
    for (const [shard, list] of touched) shard.conn.send(unsubscribeMessage(list));
  }

  /** Fills connections in order: a second socket opens only when the first holds 3000. */
  private shardWithRoom(): Shard {
    const withRoom = this.shards.find((s) => s.tokens.size < this.perConn);
    if (withRoom) return withRoom;
    if (this.shards.length >= this.maxConns) {
      throw new Error(`Kite allows ${this.maxConns} connections of ${this.perConn} instruments: ${this.maxConns * this.perConn} at most`);
    }
    return this.newShard();
  }

  private newShard(): Shard {
    const index = this.shards.length;
    const shard: Shard = { tokens: new Map(), conn: null as unknown as FeedConnection };
    const root = this.opts.root ?? KITE_WS_ROOT;
    shard.conn = new FeedConnection({
      feed: 'kite',
      index,
      url: () =>
        `${root}?api_key=${encodeURIComponent(this.opts.apiKey)}&access_token=${encodeURIComponent(this.accessToken)}`,
      headers: { 'X-Kite-Version': '3' },
      silenceMs: this.opts.silenceMs ?? 5000,
      backoff: this.opts.backoff,
      gaps: this.opts.gaps,
      authFailureStatuses: [403],
      onOpen: (send) => this.resubscribe(shard, send),
      onBinary: (frame, ts) => {
        this.opts.onFrame?.(frame, ts);
        decodeFrame(frame, (p) => this.opts.onPacket(p, ts), this.decodeStats);
      },
      onText: (text) => {
        const msg = parseTextFrame(text);
        if (!msg) return;
        if (msg.type === 'order') this.opts.onOrder?.(msg.data);
        else this.opts.onNotice?.(msg.type, msg.data);
      },
      onState: (state, detail) => this.opts.onState?.(state, detail, index),
    });
    this.shards.push(shard);
    if (this.running) shard.conn.start();
    return shard;
  }

  /** On every (re)connect: subscribe everything this shard holds, then set each mode. */
  private resubscribe(shard: Shard, send: (text: string) => void): void {
    if (shard.tokens.size === 0) return;
    const byMode = new Map<KiteMode, number[]>();
    for (const [token, mode] of shard.tokens) {
      let list = byMode.get(mode);
      if (!list) byMode.set(mode, (list = []));
      list.push(token);
    }
    send(subscribeMessage([...shard.tokens.keys()]));
    for (const [mode, list] of byMode) send(modeMessage(mode, list));
  }
}
