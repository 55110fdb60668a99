// Dhan Live Market Feed v2 client on the shared feed manager: up to 5 sockets of 5000
// instruments, subscriptions sent in messages of at most 100, resubscribed on every open.
import type { FeedState } from '../../../shared/model';
import { ShardedFeed } from '../../feed/sharded';
import type { BackoffOptions } from '../../feed/backoff';
import { FeedConnection, type GapRecorder } from '../../feed/connection';
import { decodeFeedFrame, newDhanStats, type DhanPacket, type TickSizeOf } from './codec';
import { AUTH_REASONS, type DhanInstrumentRef } from './depth-feed';

export const DHAN_FEED_ROOT = 'wss://api-feed.dhan.co';
export type DhanMode = 'ticker' | 'quote' | 'full';
const SUBSCRIBE_CODE: Record<DhanMode, number> = { ticker: 15, quote: 17, full: 21 };
export const MAX_PER_MESSAGE = 100;
export const MAX_PER_SOCKET = 5000;

export interface DhanFeedOptions {
  clientId: string;
  accessToken: string;
  root?: string;
  gaps?: GapRecorder;
  silenceMs?: number;
  backoff?: BackoffOptions;
  tickSizeOf?: TickSizeOf;
  onPacket: (p: DhanPacket, tsReceived: number) => void;
  onFrame?: (frame: Buffer, tsReceived: number) => void;
  onState?: (state: FeedState, detail: string, connection: number) => void;
}

/** Builds subscribe messages of at most 100 instruments each. */
export function dhanSubscribeMessages(list: readonly DhanInstrumentRef[], mode: DhanMode): string[] {
  const out: string[] = [];
  for (let i = 0; i < list.length; i += MAX_PER_MESSAGE) {
    const part = list.slice(i, i + MAX_PER_MESSAGE);
    out.push(
      JSON.stringify({
        RequestCode: SUBSCRIBE_CODE[mode],
        InstrumentCount: part.length,
        InstrumentList: part.map((x) => ({ ExchangeSegment: x.segment, SecurityId: String(x.securityId) })),
      }),
    );
  }
  return out;
}

type FeedShard = { conn: FeedConnection; subs: Array<DhanInstrumentRef & { mode: DhanMode }> };

export class DhanFeed extends ShardedFeed<FeedShard> {
  readonly stats = newDhanStats();

  malformed(): number {
    return this.stats.malformed;
  }
  readonly disconnects: number[] = [];

  constructor(private readonly opts: DhanFeedOptions) {
    super(opts.accessToken);
  }

  subscribe(list: readonly DhanInstrumentRef[], mode: DhanMode): void {
    const touched = new Map<FeedShard, DhanInstrumentRef[]>();
    for (const ins of list) {
      let shard = this.shards.find((s) => s.subs.length < MAX_PER_SOCKET);
      if (!shard) {
        if (this.shards.length >= 5) throw new Error(`Dhan allows 5 feed sockets of ${MAX_PER_SOCKET} instruments`);
        shard = this.newShard();
      }
      shard.subs.push({ ...ins, mode });
      let t = touched.get(shard);
      if (!t) touched.set(shard, (t = []));
      t.push(ins);
    }
    for (const [shard, items] of touched) if (shard.conn.isOpen) for (const m of dhanSubscribeMessages(items, mode)) shard.conn.send(m);
  }

  private newShard() {
    const index = this.shards.length;
    const root = this.opts.root ?? DHAN_FEED_ROOT;
    const shard: FeedShard = { subs: [], conn: null as unknown as FeedConnection };
    shard.conn = new FeedConnection({
      feed: 'dhan',
      index,
      url: () => `${root}/?version=2&token=${encodeURIComponent(this.accessToken)}&clientId=${encodeURIComponent(this.opts.clientId)}&authType=2`,
      silenceMs: this.opts.silenceMs ?? 30_000,
      backoff: this.opts.backoff,
      gaps: this.opts.gaps,
      authFailureStatuses: [401, 403],
      onOpen: (send) => {
        for (const mode of ['ticker', 'quote', 'full'] as const) {
          const list = shard.subs.filter((s) => s.mode === mode);
          for (const m of dhanSubscribeMessages(list, mode)) send(m);
        }
      },
      onBinary: (frame, ts) => {
        this.opts.onFrame?.(frame, ts);
        decodeFeedFrame(
          frame,
          (p) => {
            if (p.kind !== 'disconnect') return this.opts.onPacket(p, ts);
            this.disconnects.push(p.reason);
            if (AUTH_REASONS.has(p.reason)) shard.conn.failAuth(`Dhan disconnect ${p.reason} (token expired or invalid)`);
            else shard.conn.restart(`Dhan disconnect ${p.reason}`);
          },
          this.stats,
          this.opts.tickSizeOf,
        );
      },
      onState: (state, detail) => this.opts.onState?.(state, detail, index),
    });
    this.shards.push(shard);
    if (this.running) shard.conn.start();
    return shard;
  }
}
