// Keeps a Dhan access token alive: renews it (GET /v2/RenewToken) ahead of its expiry and hands
// the new token on (the feeds resume with it, subscriptions intact). A refused renewal means
// "login needed": said once, never retried in a loop. Network trouble retries a few minutes later.
import { AuthError } from '../errors';
import { decodeDhanToken, dhanRenewAt, renewDhanToken, type DhanSession } from './auth';

export interface DhanTokenKeeperOptions {
  clientId: string;
  accessToken: string;
  apiRoot?: string;
  /** ms UTC; read from the token when not given. */
  expiresAt?: number;
  onRenewed: (session: DhanSession) => void;
  onNotice: (text: string) => void;
  /** Wait after a failed renewal that was not a refusal (5 min). */
  retryMs?: number;
}

export class DhanTokenKeeper {
  private timer: NodeJS.Timeout | null = null;
  private token: string;
  private expiresAt: number | undefined;
  private stopped = false;
  renewals = 0;

  constructor(private readonly opts: DhanTokenKeeperOptions) {
    this.token = opts.accessToken;
    this.expiresAt = opts.expiresAt ?? safeExpiry(opts.accessToken);
  }

  get accessToken(): string {
    return this.token;
  }

  get validUntil(): number | undefined {
    return this.expiresAt;
  }

  start(): void {
    this.stopped = false;
    if (this.expiresAt !== undefined) this.schedule(dhanRenewAt(this.expiresAt));
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** A token from a new login replaces the kept one. */
  replace(session: { accessToken: string; expiresAt?: number }): void {
    this.token = session.accessToken;
    this.expiresAt = session.expiresAt ?? safeExpiry(session.accessToken);
    if (!this.stopped && this.timer) this.start();
  }

  private schedule(at: number): void {
    if (this.timer) clearTimeout(this.timer);
    // setTimeout holds at most ~24.8 days.
    this.timer = setTimeout(() => void this.renewNow(), Math.min(2 ** 31 - 1, Math.max(0, at - Date.now())));
    this.timer.unref?.();
  }

  async renewNow(): Promise<void> {
    if (this.stopped) return;
    try {
      const s = await renewDhanToken({ clientId: this.opts.clientId, accessToken: this.token, apiRoot: this.opts.apiRoot });
      if (this.stopped) return;
      this.token = s.accessToken;
      this.expiresAt = s.expiresAt;
      this.renewals++;
      this.opts.onRenewed(s);
      this.opts.onNotice(`Dhan token renewed; valid until ${new Date(s.expiresAt).toISOString()}`);
      this.schedule(dhanRenewAt(s.expiresAt));
    } catch (e) {
      if (this.stopped) return;
      if (e instanceof AuthError) {
        this.opts.onNotice(`login needed (dhan): the token could not be renewed: ${e.message}`);
        return;
      }
      const retry = Date.now() + (this.opts.retryMs ?? 300_000);
      if (this.expiresAt === undefined || retry < this.expiresAt) {
        this.opts.onNotice(`Dhan token renewal failed (${(e as Error).message}); retrying at ${new Date(retry).toISOString()}`);
        this.schedule(retry);
      } else this.opts.onNotice(`login needed (dhan): the token expires before a renewal can be retried: ${(e as Error).message}`);
    }
  }
}

function safeExpiry(token: string): number | undefined {
  try {
    return decodeDhanToken(token).expiresAt;
  } catch {
    return undefined;
  }
}
