// The 30-level book (full_d30). Upstox has no depth wire format of its own: the book comes in the
// same FeedResponse frames as everything else (MarketLevel with 30 Quote rows instead of 5,
// codec.ts). What is depth's own is which feeds carry it and how its rows become the journal's
// depth snapshots — a bid side and an ask side of 30 levels each, without order counts (the feed
// has none), as Dhan's 20/200-level snapshots are stored (normalize.ts depthSnapshotsOf).
import type { DepthSnapshot } from '../../../shared/model';
import type { Feed, FeedMode } from './codec';
import { depthSnapshotsOf, type KeyState } from './normalize';

/** Levels a side of the deep book. */
export const DEPTH_LEVELS = 30;
/** The subscription mode that carries it (Upstox Plus). */
export const DEPTH_MODE: FeedMode = 'full_d30';

/** Whether a decoded feed carries a deep book (its mode says so, or it brought more than 5 rows). */
export function carriesDeepBook(feed: Feed): boolean {
  return feed.requestMode === 'full_d30' || (feed.marketFF?.marketLevel?.length ?? 0) > 5;
}

/** A key's merged state as its bid and ask snapshots, when its last feed brought a deep book; else null. */
export function deepBookSnapshots(s: KeyState, instrumentId: number, ts: number): [DepthSnapshot, DepthSnapshot] | null {
  return s.depthChanged ? depthSnapshotsOf(s, instrumentId, ts) : null;
}
