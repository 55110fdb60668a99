// The template broker's live feed: one supervised WebSocket (../../feed/connection.ts reconnects,
// watches for silence, records gaps, says "login needed" on a 403) that subscribes on every open and
// decodes binary frames with the codec. A broker with a cap per socket shards instruments over
// several connections (kite/feed.ts); the template's one socket takes them all.
import type { FeedState } from '../../../shared/model';
import type { BackoffOptions } from '../../feed/backoff';
import { FeedConnection, type GapRecorder } from '../../feed/connection';
import { ShardedFeed } from '../../feed/sharded';
import { BROKER, feedUrl } from './auth';
import { decodeFrame, newDecodeStats, subscribeMessage, type TemplatePacket } from './codec';

export interface TemplateFeedOptions {
  wsRoot: string;
  accessToken: string;
  gaps?: GapRecorder;
  silenceMs?: number;
  backoff?: BackoffOptions;
  onPacket: (p: TemplatePacket, tsReceived: number) => void;
  /** Every binary frame as received, before decoding (for `--capture`). */
  onFrame?: (frame: Buffer, tsReceived: number) => void;
  onState?: (state: FeedState, detail: string, connection: number) => void;
}

export class TemplateFeed extends ShardedFeed<{ conn: FeedConnection }> {
  readonly decodeStats = newDecodeStats();
  private readonly tokens = new Set<number>();

  constructor(private readonly opts: TemplateFeedOptions) {
    super(opts.accessToken);
    const conn: FeedConnection = new FeedConnection({
      feed: BROKER,
      index: 0,
      url: () => feedUrl(opts.wsRoot, this.accessToken),
      silenceMs: opts.silenceMs ?? 5000,
      backoff: opts.backoff,
      gaps: opts.gaps,
      authFailureStatuses: [403],
      onOpen: (send) => {
        if (this.tokens.size) send(subscribeMessage([...this.tokens]));
      },
      onBinary: (frame, ts) => {
        opts.onFrame?.(frame, ts);
        decodeFrame(frame, (p) => opts.onPacket(p, ts), this.decodeStats);
      },
      onState: (state, detail) => opts.onState?.(state, detail, 0),
    });
    this.shards.push({ conn });
  }

  malformed(): number {
    return this.decodeStats.malformedFrames;
  }

  /** Adds instruments; sent now when the socket is open, else on its next open. */
  subscribe(tokens: readonly number[]): void {
    for (const t of tokens) this.tokens.add(t);
    const conn = this.shards[0].conn;
    if (conn.isOpen) conn.send(subscribeMessage(tokens));
  }
}
