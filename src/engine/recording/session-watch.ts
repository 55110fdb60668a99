// The session's life while recording: a warning 15 minutes before it expires, "login needed" at
// expiry (a token is never used past it), and a new session — saved by `tickdesk login`, or handed
// over by the desktop app — picked up; the feeds then resume with the same subscriptions.
import { loadSession, type StoredSession } from '../auth/session-store';
import type { WatchedSession } from '../brokers/types';

export interface SessionWatchOptions {
  notice(text: string): void;
  /** Where `tickdesk login` saves sessions; polled every pollMs when set. */
  dir?: string;
  pollMs?: number;
}

export class SessionWatch {
  private current: string;
  private expiry: number | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  private poll: NodeJS.Timeout | null = null;

  constructor(
    private readonly s: WatchedSession,
    private readonly o: SessionWatchOptions,
  ) {
    this.current = s.token;
    this.expiry = s.expiresAt;
    this.arm();
    if (o.dir) {
      const dir = o.dir;
      this.poll = setInterval(() => {
        const { session } = loadSession(s.broker, dir);
        if (session) this.apply(session);
      }, o.pollMs ?? 2000);
      this.poll.unref?.();
    }
  }

  /**
   * A new session: the feeds resume with it. False when it is another broker's or account's, the
   * current token, or expired.
   */
  apply(session: StoredSession): boolean {
    const { broker } = this.s;
    if (session.broker !== broker || session.accessToken === this.current || session.expiresAt <= Date.now() || !this.s.fits(session)) return false;
    this.current = session.accessToken;
    this.expiry = session.expiresAt;
    this.arm();
    this.o.notice(`new ${broker} session picked up; feeds resume`);
    this.s.resume(this.current);
    return true;
  }

  stop(): void {
    if (this.poll) clearInterval(this.poll);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private arm(): void {
    const { broker, end } = this.s;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const expiry = this.expiry;
    if (expiry === undefined) return;
    const at = new Date(expiry).toISOString();
    const warnAt = expiry - 15 * 60_000 - Date.now();
    if (warnAt > 0) this.timers.add(setTimeout(() => this.o.notice(`the ${broker} session expires at ${at}: log in again (tickdesk login ${broker})`), Math.min(warnAt, 2 ** 31 - 1)));
    if (end && expiry - Date.now() < 2 ** 31 - 1)
      this.timers.add(
        setTimeout(() => {
          this.o.notice(`login needed (${broker}): the session expired at ${at}`);
          end(`the ${broker} session expired at ${at}: log in again`);
        }, Math.max(0, expiry - Date.now())),
      );
    for (const t of this.timers) t.unref?.();
  }
}
