// Dhan's connection limits (specs/dhan.md §4.6, §5): at most 5 sockets per client id, a further
// one evicting the oldest with an 805. Dhan support says the pools are independent per feed
// (main, 20-level, 200-level); openalgo assumed one shared pool, and saw HTTP 429 at the upgrade
// when it reconnected in a storm. Both models and the storm rule are configurable; simulators of
// the three feeds can share one pool object.

export type DhanFeedKind = 'main' | 'depth20' | 'depth200';

export interface DhanPoolOptions {
  /** independent: 5 per feed (Dhan support, 2026-04); shared: 5 across all feeds (openalgo#944). */
  model?: 'independent' | 'shared';
  max?: number;
  /** More than `connects` upgrades by one client id within `windowMs` → HTTP 429. */
  storm?: { connects: number; windowMs: number };
}

interface Member {
  clientId: string;
  feed: DhanFeedKind;
  evict: () => void;
}

export class DhanSocketPool {
  private readonly members: Member[] = [];
  private readonly recent = new Map<string, number[]>();
  evictions = 0;
  stormRejections = 0;

  constructor(private readonly opts: DhanPoolOptions = {}) {}

  /** Before the upgrade: false means answer 429 (too many connects in the window). */
  admit(clientId: string, now = Date.now()): boolean {
    const storm = this.opts.storm;
    if (!storm) return true;
    const times = (this.recent.get(clientId) ?? []).filter((t) => now - t < storm.windowMs);
    times.push(now);
    this.recent.set(clientId, times);
    if (times.length > storm.connects) {
      this.stormRejections++;
      return false;
    }
    return true;
  }

  /** After authentication: joins, evicting the oldest socket in scope when over the limit. */
  join(clientId: string, feed: DhanFeedKind, evict: () => void): Member {
    const m: Member = { clientId, feed, evict };
    this.members.push(m);
    const scope = this.members.filter((x) => x.clientId === clientId && (this.opts.model === 'shared' || x.feed === feed));
    if (scope.length > (this.opts.max ?? 5)) {
      this.evictions++;
      this.leave(scope[0]);
      scope[0].evict();
    }
    return m;
  }

  leave(m: Member): void {
    const i = this.members.indexOf(m);
    if (i >= 0) this.members.splice(i, 1);
  }
}
