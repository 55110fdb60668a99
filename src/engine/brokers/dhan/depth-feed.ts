// Dhan full-market-depth feeds (20 and 200 levels) on the shared feed manager: shards by each
// feed's limit (50 instruments a socket at 20 levels, 1 at 200), resubscribes on every open
// exactly the instruments its socket holds, unsubscribes while running (a socket left empty is
// closed, freeing one of the five), and maps disconnect packets onto the error hierarchy
// (807/808/809 → login needed; 805 → reconnect).
import type { DepthSnapshot, FeedState } from '../../../shared/model';
import { ShardedFeed } from '../../feed/sharded';
import type { BackoffOptions } from '../../feed/backoff';
import { FeedConnection, type GapRecorder } from '../../feed/connection';
import { newDhanStats } from './codec';
import { decodeDepthFrame, type DhanDepthSide } from './depth-codec';
import { decodeDhanToken } from './auth';

/** Resets with zero frames in a row before an APP token is called rejected at 200 levels. */
const APP_RESETS_BEFORE_LOGIN = 3;

export const DHAN_DEPTH_ROOT = 'wss://depth-api-feed.dhan.co';
export const DHAN_DEPTH200_ROOT = 'wss://full-depth-api.dhan.co';

/** Reasons that mean the token is no good (specs/dhan.md §1.4). */
export const AUTH_REASONS = new Set([807, 808, 809, 810]);

export interface DhanInstrumentRef {
  securityId: number;
  /** 'NSE_EQ' or 'NSE_FNO' (the only segments with full depth). */
  segment: string;
}

export interface DhanDepthFeedOptions {
  levels: 20 | 200;
  clientId: string;
  accessToken: string;
  /** ws root (the simulator's in tests). */
  root?: string;
  gaps?: GapRecorder;
  silenceMs?: number;
  backoff?: BackoffOptions;
  onSide: (side: DhanDepthSide, tsReceived: number) => void;
  onState?: (state: FeedState, detail: string, connection: number) => void;
  /**
   * The unsubscribe request code (specs/dhan.md §1.2: the sources say 24 or 25; 25 is what a
   * client run against the live feed sends). Default 25.
   */
  unsubscribeCode?: 24 | 25;
}

/** Converts a decoded side to the shared DepthSnapshot. */
export function depthSnapshotOf(side: DhanDepthSide, instrumentId: number, ts: number): DepthSnapshot {
  return { instrumentId, ts, side: side.side, levels: side.levels, price: side.price, qty: side.qty, orders: side.orders };
}

type DepthShard = { conn: FeedConnection; index: number; instruments: DhanInstrumentRef[]; emptyResets: number; closed?: boolean };

const sameRef = (a: DhanInstrumentRef, b: DhanInstrumentRef) => a.securityId === b.securityId && a.segment === b.segment;

export class DhanDepthFeed extends ShardedFeed<DepthShard> {
  readonly stats = newDhanStats();

  malformed(): number {
    return this.stats.malformed;
  }
  readonly disconnects: number[] = [];

  constructor(private readonly opts: DhanDepthFeedOptions) {
    super(opts.accessToken);
  }

  private tokenType(): string | undefined {
    try {
      return decodeDhanToken(this.accessToken).consumerType;
    } catch {
      return undefined;
    }
  }

  get perSocket(): number {
    return this.opts.levels === 20 ? 50 : 1;
  }

  /** An idle feed (no instrument, no socket) is no outage: it does not hold the recorder's state back. */
  override get state(): FeedState {
    return this.shards.length === 0 && this.running ? 'connected' : super.state;
  }

  /** The instruments subscribed, socket by socket. */
  instruments(): DhanInstrumentRef[] {
    return this.shards.flatMap((s) => s.instruments);
  }

  /** Adds instruments (one already subscribed is passed over); throws beyond 5 sockets, before sending anything. */
  subscribe(list: readonly DhanInstrumentRef[]): void {
    const fresh = list.filter((ins, i) => !this.has(ins) && list.findIndex((x) => sameRef(x, ins)) === i);
    for (const ins of fresh) if (ins.segment !== 'NSE_EQ' && ins.segment !== 'NSE_FNO') throw new Error(`full depth covers NSE_EQ and NSE_FNO only (got ${ins.segment})`);
    const room = this.shards.reduce((n, s) => n + this.perSocket - s.instruments.length, 0) + (5 - this.shards.length) * this.perSocket;
    if (fresh.length > room) throw new Error(`Dhan allows 5 sockets per feed: ${5 * this.perSocket} instruments at ${this.opts.levels} levels`);
    for (const ins of fresh) {
      const shard = this.shards.find((s) => s.instruments.length < this.perSocket) ?? this.newShard();
      shard.instruments.push(ins);
      if (shard.conn.isOpen) shard.conn.send(this.subscribeMessage([ins]));
    }
  }

  /**
   * Drops instruments: Dhan's unsubscribe request on a socket that keeps others; a socket left
   * without any is closed (a 200-level socket holds one). Unknown instruments are passed over.
   */
  unsubscribe(list: readonly DhanInstrumentRef[]): void {
    for (const shard of [...this.shards]) {
      const gone = shard.instruments.filter((i) => list.some((x) => sameRef(x, i)));
      if (!gone.length) continue;
      shard.instruments = shard.instruments.filter((i) => !gone.includes(i));
      if (shard.instruments.length === 0) {
        shard.closed = true; // closed on purpose: no state to report
        shard.conn.stop();
        this.shards.splice(this.shards.indexOf(shard), 1);
      } else if (shard.conn.isOpen) shard.conn.send(this.subscribeMessage(gone, this.opts.unsubscribeCode ?? 25));
    }
  }

  private has(ins: DhanInstrumentRef): boolean {
    return this.shards.some((s) => s.instruments.some((i) => sameRef(i, ins)));
  }

  private subscribeMessage(list: readonly DhanInstrumentRef[], code = 23): string {
    if (this.opts.levels === 200) {
      const [i] = list;
      return JSON.stringify({ RequestCode: code, ExchangeSegment: i.segment, SecurityId: String(i.securityId) });
    }
    return JSON.stringify({
      RequestCode: code,
      InstrumentCount: list.length,
      InstrumentList: list.map((i) => ({ ExchangeSegment: i.segment, SecurityId: String(i.securityId) })),
    });
  }

  private newShard() {
    // The lowest connection number free (a closed socket's number is taken again).
    let index = 0;
    while (this.shards.some((s) => s.index === index)) index++;
    const path = this.opts.levels === 20 ? '/twentydepth' : '/twohundreddepth';
    const root = this.opts.root ?? (this.opts.levels === 20 ? DHAN_DEPTH_ROOT : DHAN_DEPTH200_ROOT);
    const shard: DepthShard = { index, instruments: [], conn: null as unknown as FeedConnection, emptyResets: 0 };
    shard.conn = new FeedConnection({
      feed: `dhan-depth${this.opts.levels}`,
      index,
      url: () => `${root}${path}?token=${encodeURIComponent(this.accessToken)}&clientId=${encodeURIComponent(this.opts.clientId)}&authType=2`,
      silenceMs: this.opts.silenceMs ?? 15_000,
      backoff: this.opts.backoff,
      gaps: this.opts.gaps,
      authFailureStatuses: [401, 403],
      onOpen: (send) => {
        if (shard.instruments.length) send(this.subscribeMessage(shard.instruments));
      },
      onBinary: (frame, ts) =>
        decodeDepthFrame(
          frame,
          this.opts.levels,
          (p) => {
            if (p.kind === 'depth') this.opts.onSide(p, ts);
            else {
              this.disconnects.push(p.reason);
              if (AUTH_REASONS.has(p.reason)) shard.conn.failAuth(`Dhan disconnect ${p.reason} (token expired or invalid)`);
              else shard.conn.restart(`Dhan disconnect ${p.reason}${p.reason === 805 ? ' (too many connections: evicted)' : ''}`);
            }
          },
          this.stats,
        ),
      onState: (state, detail) => {
        if (!shard.closed) this.opts.onState?.(state, detail, index);
      },
      judgeClose: (frames) => {
        // §4.5: the 200-level server resets APP-type tokens right after the subscribe, sending
        // nothing. After a few such resets, stop and ask for a web-generated (SELF) token.
        if (this.opts.levels !== 200) return undefined;
        shard.emptyResets = frames === 0 && shard.instruments.length > 0 ? shard.emptyResets + 1 : 0;
        if (shard.emptyResets < APP_RESETS_BEFORE_LOGIN || this.tokenType() !== 'APP') return undefined;
        shard.emptyResets = 0;
        return 'the 200-level depth server keeps resetting this APP-type token (TOTP/API-key flow) without data: generate an access token on web.dhan.co and log in again';
      },
    });
    this.shards.push(shard);
    if (this.running) shard.conn.start();
    return shard;
  }
}

