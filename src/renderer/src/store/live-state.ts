// Whether what the page shows is live, from the connection and the engine's status: pure, so the
// rules (engine gone, silent or refusing; a feed down; nothing shown yet) are tested on their own.
import type { EngineStatus, FeedStatus } from '../../../shared/api';

/** What the live state is derived from (the app store's fields of the same names). */
export interface LiveInputs {
  connection: 'connecting' | 'connected' | 'disconnected';
  lastHeardAt: number | null;
  silentSince: number | null;
  refused: string | null;
  status: EngineStatus | null;
  feedDownSince: Record<string, number>;
}

const feedUp = (f: FeedStatus) => f.state === 'connected';

/** Whether the live panels show live data, and if not since when and why. */
export interface LiveState {
  stale: boolean;
  /** The moment the data stopped (ms), when known. */
  since: number | null;
  reason: string;
}

export const LIVE: LiveState = { stale: false, since: null, reason: '' };

/**
 * The page's live state from the store: stale when the engine is gone, silent or refusing this
 * page, or when a feed is down (one engine records from one broker, so any feed down means the
 * prices on screen may be old).
 */
export function liveState(s: LiveInputs): LiveState {
  if (s.refused) return { stale: true, since: s.lastHeardAt, reason: 'the server refuses this page' };
  // Before the first connection nothing is on screen to be stale.
  if (s.connection !== 'connected') return s.lastHeardAt === null ? LIVE : { stale: true, since: s.lastHeardAt, reason: 'engine disconnected' };
  if (s.silentSince !== null) return { stale: true, since: s.silentSince, reason: 'engine not responding' };
  const down = s.status?.feeds.filter((f) => !feedUp(f)) ?? [];
  if (down.length) {
    const times = down.map((f) => s.feedDownSince[f.feed]).filter((t) => t !== undefined);
    return { stale: true, since: times.length ? Math.min(...times) : null, reason: down.map((f) => `${f.feed} ${f.state === 'login-needed' ? 'login needed' : f.state}`).join(', ') };
  }
  return LIVE;
}
