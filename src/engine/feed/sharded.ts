// What every broker feed with several supervised sockets shares: start/stop, the aggregate state,
// and new credentials after a re-login. Adapters add sharding rules and their protocol.
import type { FeedState } from '../../shared/model';
import type { FeedConnection } from './connection';

/** The state that most needs attention: login needed, then reconnecting, then connecting. */
export function worstState(states: readonly FeedState[], whenNone: FeedState): FeedState {
  for (const s of ['login-needed', 'reconnecting', 'connecting'] as const) if (states.includes(s)) return s;
  return states[0] ?? whenNone;
}

export abstract class ShardedFeed<S extends { conn: FeedConnection }> {
  protected readonly shards: S[] = [];
  protected running = false;

  constructor(protected accessToken: string) {}

  get connections(): readonly FeedConnection[] {
    return this.shards.map((s) => s.conn);
  }

  get state(): FeedState {
    return worstState(
      this.shards.map((s) => s.conn.state),
      this.running ? 'connecting' : 'stopped',
    );
  }

  /** Frames that could not be decoded (counted and skipped, never thrown). */
  abstract malformed(): number;

  start(): void {
    this.running = true;
    for (const s of this.shards) s.conn.start();
  }

  stop(): void {
    this.running = false;
    for (const s of this.shards) s.conn.stop();
  }

  /** The session is over (e.g. Kite's 06:00 IST rollover): stop using the token, show "login needed". */
  endSession(detail: string): void {
    for (const s of this.shards) s.conn.failAuth(detail);
  }

  /** New credentials after a re-login: every connection retries at once and resubscribes. */
  setAccessToken(token: string): void {
    this.accessToken = token;
    for (const s of this.shards) s.conn.resume();
  }
}
