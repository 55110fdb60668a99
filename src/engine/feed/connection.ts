// One supervised WebSocket to a broker feed: reconnect with backoff and jitter, a silence
// watchdog, resubscription on every open, "login needed" on an auth rejection, and a gap record
// for every outage. Broker adapters supply the URL, the subscribe messages and the frame handler.
import WebSocket from 'ws';
import type { FeedState } from '../../shared/model';
import { redactSecrets } from '../../shared/redact';
import { Backoff, DEFAULT_BACKOFF, type BackoffOptions } from './backoff';

/** Where outages are written (the journal implements it). */
export interface GapRecorder {
  openGap(feed: string, connection: number, startTs: number, reason: string): number;
  closeGap(id: number, endTs: number): void;
}

export interface FeedConnectionOptions {
  /** Feed name for gaps and status, e.g. "kite". */
  feed: string;
  /** Index of this connection among the feed's shards. */
  index: number;
  url: () => string;
  headers?: Record<string, string>;
  backoff?: BackoffOptions;
  /** No frame at all (heartbeats included) for this long → reconnect. */
  silenceMs?: number;
  /** A connection that stays up this long resets the backoff. */
  stableMs?: number;
  /** HTTP statuses at the upgrade that mean the credentials are no good (stop retrying). */
  authFailureStatuses?: number[];
  gaps?: GapRecorder;
  /** Called on every open, before any frame: send the subscriptions here. */
  onOpen: (send: (text: string) => void) => void;
  onBinary: (frame: Buffer, tsReceived: number) => void;
  onText?: (text: string, tsReceived: number) => void;
  onState?: (state: FeedState, detail: string) => void;
  /**
   * The server closed an open socket: return a reason to treat it as "login needed" instead of
   * reconnecting (e.g. a server that resets a token it will never accept, §4.5 of dhan.md).
   */
  judgeClose?: (framesSinceOpen: number, reason: string) => string | undefined;
}

export interface ConnectionStats {
  opens: number;
  reconnects: number;
  silenceTimeouts: number;
  framesIn: number;
  bytesIn: number;
  lastError: string;
}

export class FeedConnection {
  private ws: WebSocket | null = null;
  private readonly backoff: Backoff;
  private retryTimer: NodeJS.Timeout | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  private stableTimer: NodeJS.Timeout | null = null;
  private lastFrameAt = 0;
  private stopped = true;
  private everOpened = false;
  private gapId: number | null = null;
  private pendingReason = '';
  private framesSinceOpen = 0;
  state: FeedState = 'stopped';
  /** Why the connection is in its state (shown next to it). */
  detail = '';
  readonly stats: ConnectionStats = { opens: 0, reconnects: 0, silenceTimeouts: 0, framesIn: 0, bytesIn: 0, lastError: '' };

  constructor(private readonly opts: FeedConnectionOptions) {
    this.backoff = new Backoff(opts.backoff ?? DEFAULT_BACKOFF);
  }

  get isOpen(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  /** Closes for good; an open outage is closed at this moment. */
  stop(): void {
    this.stopped = true;
    this.clearTimers();
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.removeAllListeners();
      ws.on('error', () => {});
      ws.terminate();
    }
    this.endGap(Date.now());
    this.setState('stopped', 'stopped');
  }

  send(text: string): boolean {
    if (!this.isOpen) return false;
    this.ws!.send(text);
    return true;
  }

  /** Details reach the status bar and the journal's gaps: a bad root's error quotes the URL, token and all. */
  private setState(state: FeedState, detail: string): void {
    this.state = state;
    this.detail = redactSecrets(detail);
    this.opts.onState?.(state, this.detail);
  }

  private openGap(reason: string): void {
    if (this.everOpened && this.gapId === null && this.opts.gaps) this.gapId = this.opts.gaps.openGap(this.opts.feed, this.opts.index, Date.now(), redactSecrets(reason));
  }

  private connect(): void {
    if (this.stopped) return;
    this.setState(this.everOpened ? 'reconnecting' : 'connecting', this.pendingReason || 'connecting');
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.opts.url(), { headers: this.opts.headers, handshakeTimeout: 10_000, perMessageDeflate: false });
    } catch (e) {
      this.lost(`bad url: ${(e as Error).message}`);
      return;
    }
    this.ws = ws;
    let failedUpgrade = false;
    ws.binaryType = 'nodebuffer';
    ws.on('unexpected-response', (_req, res) => {
      failedUpgrade = true;
      const status = res.statusCode ?? 0;
      res.resume();
      ws.terminate();
      if ((this.opts.authFailureStatuses ?? [401, 403]).includes(status)) {
        this.authFailed(`HTTP ${status} at upgrade`);
      } else {
        this.lost(`HTTP ${status} at upgrade`, status === 429);
      }
    });
    ws.on('open', () => this.opened(ws));
    ws.on('message', (data: Buffer, isBinary) => {
      const now = Date.now();
      this.lastFrameAt = now;
      this.framesSinceOpen++;
      this.stats.framesIn++;
      this.stats.bytesIn += data.length;
      if (isBinary) this.opts.onBinary(data, now);
      else this.opts.onText?.(data.toString('utf8'), now);
    });
    ws.on('error', (err) => {
      this.stats.lastError = err.message;
    });
    ws.on('close', (code) => {
      if (this.ws !== ws || failedUpgrade) return;
      const reason = this.stats.lastError && code === 1006 ? `closed 1006 (${this.stats.lastError})` : `closed ${code}`;
      const auth = this.opts.judgeClose?.(this.framesSinceOpen, reason);
      if (auth) this.authFailed(auth);
      else this.lost(reason);
    });
  }

  private opened(ws: WebSocket): void {
    if (this.ws !== ws) return;
    this.stats.opens++;
    if (this.everOpened) this.stats.reconnects++;
    this.everOpened = true;
    this.stats.lastError = '';
    this.pendingReason = '';
    this.framesSinceOpen = 0;
    this.lastFrameAt = Date.now();
    this.opts.onOpen((text) => ws.send(text));
    this.endGap(Date.now());
    this.setState('connected', 'connected');
    const silenceMs = this.opts.silenceMs ?? 5000;
    this.watchdog = setInterval(() => {
      if (Date.now() - this.lastFrameAt > silenceMs) {
        this.stats.silenceTimeouts++;
        this.drop(ws, `silent for ${silenceMs} ms`);
      }
    }, Math.max(50, Math.floor(silenceMs / 4)));
    this.stableTimer = setTimeout(() => this.backoff.reset(), this.opts.stableMs ?? 5000);
  }

  private drop(ws: WebSocket, reason: string): void {
    if (this.ws !== ws) return;
    ws.removeAllListeners();
    ws.on('error', () => {});
    ws.terminate();
    this.lost(reason);
  }

  /** The socket is gone (or never came up): open a gap if data was flowing, retry later. */
  private lost(reason: string, rateLimited = false): void {
    this.clearTimers();
    this.ws = null;
    if (this.stopped) return;
    this.openGap(reason);
    this.pendingReason = reason;
    let delay = this.backoff.next();
    if (rateLimited) delay = Math.max(delay, 2000);
    this.setState('reconnecting', `${reason}; retry in ${delay} ms`);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  private authFailed(reason: string): void {
    this.clearTimers();
    this.ws = null;
    this.openGap(`login needed: ${reason}`);
    this.setState('login-needed', reason);
  }

  /** The broker said, in-band, that the credentials are no good: close and wait for a re-login. */
  failAuth(detail: string): void {
    const ws = this.ws;
    if (ws) {
      ws.removeAllListeners();
      ws.on('error', () => {});
      ws.terminate();
    }
    this.authFailed(detail);
  }

  /** The broker dropped us in-band (e.g. evicted): close and reconnect with backoff. */
  restart(detail: string): void {
    if (this.ws) this.drop(this.ws, detail);
  }

  /** After a re-login: try again at once with the new credentials (url() is read anew). */
  resume(): void {
    if (this.stopped || this.isOpen) return;
    this.clearTimers();
    this.backoff.reset();
    this.connect();
  }

  private endGap(ts: number): void {
    if (this.gapId !== null && this.opts.gaps) this.opts.gaps.closeGap(this.gapId, ts);
    this.gapId = null;
  }

  private clearTimers(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.watchdog) clearInterval(this.watchdog);
    if (this.stableTimer) clearTimeout(this.stableTimer);
    this.retryTimer = this.watchdog = this.stableTimer = null;
  }
}
