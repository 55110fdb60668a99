// Yahoo's streamer (specs/fyers-upstox-yahoo.md §3.2): one supervised WebSocket (../../feed/
// connection.ts reconnects with backoff and records gaps) that subscribes by symbol on every open,
// re-sends the whole subscription every 15 s as a keep-alive (as yfinance does: the server drops
// idle sessions), and decodes text frames in either framing (`?version=2` JSON envelope, legacy
// bare base64) with the codec. There is no login: nothing here is ever "login needed".
//
// Silence: Yahoo sends nothing for a symbol that does not trade, and no heartbeat, so after the
// close a quiet socket is a healthy one. The connection's own watchdog (which counts any frame) is
// therefore left off, and this feed watches instead: no pricing for `silenceMs` while the market is
// open (`trading()`) drops the socket and reconnects; outside market hours silence is not counted.
// A socket that stays silent after such a reconnect waits twice as long before the next (up to
// 16×): on an exchange holiday (not known here) that is a few quiet reconnects, not one a minute.
import type { FeedState } from '../../../shared/model';
import type { BackoffOptions } from '../../feed/backoff';
import { FeedConnection, type GapRecorder } from '../../feed/connection';
import { ShardedFeed } from '../../feed/sharded';
import { BROKER, BROWSER_USER_AGENT, YAHOO_ORIGIN } from './auth';
import { decodeFrame, newDecodeStats, subscribeMessage, unsubscribeMessage, type PricingData } from './codec';

/** yfinance re-sends its subscription this often; the server is said to drop sessions idle for ~20 min. */
export const KEEP_ALIVE_MS = 15_000;
/** Symbols per subscribe message (one published client sends its lists in chunks of 500). */
export const SUBSCRIBE_CHUNK = 500;
/** The connection's own watchdog, effectively off (it would fire every night): see the header. */
const CONNECTION_SILENCE_OFF_MS = 24 * 3600_000;

export type YahooFraming = 'json' | 'legacy';

/** The streamer URL: `?version=2` for JSON envelopes, the bare root for legacy base64 frames. */
export function streamerUrl(root: string, framing: YahooFraming = 'json'): string {
  if (framing === 'legacy') return root;
  return `${root}${root.includes('?') ? '&' : '?'}version=2`;
}

export interface YahooFeedOptions {
  wsRoot: string;
  framing?: YahooFraming;
  gaps?: GapRecorder;
  /** No pricing for this long while `trading()` says the market is open → reconnect (30 s). */
  silenceMs?: number;
  /** Whether silence means trouble now (the subscribed market is open); default always. */
  trading?: () => boolean;
  /** How often the whole subscription is sent again (15 s; 0: never). */
  keepAliveMs?: number;
  backoff?: BackoffOptions;
  onMessage: (p: PricingData, tsReceived: number) => void;
  /** Every frame as received, before decoding (for `--capture`): text frames as their UTF-8 bytes. */
  onFrame?: (frame: Buffer, tsReceived: number) => void;
  onState?: (state: FeedState, detail: string, connection: number) => void;
}

export class YahooFeed extends ShardedFeed<{ conn: FeedConnection }> {
  readonly decodeStats = newDecodeStats();
  /** Reconnects for silence in market hours, and keep-alives sent. */
  readonly watch = { silenceTimeouts: 0, keepAlives: 0 };
  private readonly symbols = new Set<string>();
  private readonly conn: FeedConnection;
  private timers: NodeJS.Timeout[] = [];
  /** When the socket last showed life (a frame, an open), or the market last was closed. */
  private aliveAt = 0;
  /** Silence reconnects since the last frame. */
  private quietRounds = 0;

  constructor(private readonly opts: YahooFeedOptions) {
    super('');
    this.conn = new FeedConnection({
      feed: BROKER,
      index: 0,
      url: () => streamerUrl(opts.wsRoot, opts.framing),
      headers: { Origin: YAHOO_ORIGIN, 'User-Agent': BROWSER_USER_AGENT },
      silenceMs: CONNECTION_SILENCE_OFF_MS,
      backoff: opts.backoff,
      gaps: opts.gaps,
      // No credentials: a refused upgrade (a 403 to a blocked client) is retried with backoff.
      authFailureStatuses: [],
      onOpen: (send) => {
        this.aliveAt = Date.now();
        this.sendAll(send);
      },
      onText: (text, ts) => this.frame(text, ts),
      onBinary: (frame, ts) => this.frame(frame, ts),
      onState: (state, detail) => opts.onState?.(state, detail, 0),
    });
    this.shards.push({ conn: this.conn });
  }

  malformed(): number {
    return this.decodeStats.malformedFrames;
  }

  /** The symbols subscribed (sent on every open and keep-alive). */
  get subscribed(): readonly string[] {
    return [...this.symbols];
  }

  override start(): void {
    if (this.running) return;
    super.start();
    const silenceMs = this.opts.silenceMs ?? 30_000;
    this.timers.push(setInterval(() => this.checkSilence(silenceMs), Math.max(50, Math.floor(silenceMs / 4))));
    const keepAliveMs = this.opts.keepAliveMs ?? KEEP_ALIVE_MS;
    if (keepAliveMs > 0)
      this.timers.push(
        setInterval(() => {
          if (this.conn.isOpen && this.symbols.size) {
            this.sendAll((t) => this.conn.send(t));
            this.watch.keepAlives++;
          }
        }, keepAliveMs),
      );
  }

  override stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    super.stop();
  }

  /** Adds symbols; sent now when the socket is open, else on its next open. */
  subscribe(symbols: readonly string[]): void {
    const added = symbols.filter((s) => !this.symbols.has(s));
    for (const s of added) this.symbols.add(s);
    if (added.length && this.conn.isOpen) for (let i = 0; i < added.length; i += SUBSCRIBE_CHUNK) this.conn.send(subscribeMessage(added.slice(i, i + SUBSCRIBE_CHUNK)));
  }

  unsubscribe(symbols: readonly string[]): void {
    const removed = symbols.filter((s) => this.symbols.delete(s));
    if (removed.length && this.conn.isOpen) this.conn.send(unsubscribeMessage(removed));
  }

  private sendAll(send: (text: string) => void): void {
    const all = [...this.symbols];
    for (let i = 0; i < all.length; i += SUBSCRIBE_CHUNK) send(subscribeMessage(all.slice(i, i + SUBSCRIBE_CHUNK)));
  }

  private frame(frame: string | Buffer, ts: number): void {
    this.aliveAt = ts;
    this.quietRounds = 0;
    this.opts.onFrame?.(typeof frame === 'string' ? Buffer.from(frame, 'utf8') : frame, ts);
    decodeFrame(frame, (p) => this.opts.onMessage(p, ts), this.decodeStats);
  }

  /** Silence counts only while the socket is up, something is subscribed, and the market is open. */
  private checkSilence(silenceMs: number): void {
    const now = Date.now();
    if (!this.conn.isOpen || this.symbols.size === 0 || !(this.opts.trading?.() ?? true)) {
      this.aliveAt = now;
      return;
    }
    const limit = silenceMs * 2 ** Math.min(this.quietRounds, 4);
    if (now - this.aliveAt > limit) {
      this.watch.silenceTimeouts++;
      this.quietRounds++;
      this.aliveAt = now;
      this.conn.restart(`no pricing for ${limit} ms in market hours`);
    }
  }
}
