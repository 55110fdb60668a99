// Upstox feeds → the shared Tick, and a bid/ask DepthSnapshot pair for 30-level books. Each
// instrument key's feeds are first merged into its state in a FeedCache the caller owns; the caller
// resolves the key to an instrumentId and passes the receive time. No I/O, no clock.
//
// Merge rules. An initial_feed is a snapshot: it replaces the key's state. So does a feed whose
// payload kind or RequestMode differs from the state's (a change of mode starts afresh instead of
// mixing a stale book into the new mode; a RequestMode left off the wire is not a change). A live_feed is a delta: a sub-message it leaves out keeps
// the cached one, and so does a scalar it leaves out — which proto3 cannot tell from a scalar that
// became 0, so a 0 in a delta keeps the cached value (a value that truly drops to 0 shows after the
// next snapshot). Depth rows come whole: a delta's book replaces the cached book. OHLC bars are kept
// per interval; a bar with a new start time replaces the old bar of its interval, otherwise its
// non-zero fields update it.
import { newDepthBook, type DepthSnapshot, type Tick } from '../../../shared/model';
import type { Feed, FeedType, Ltpc, Ohlc, OptionGreeks, Quote, RequestMode } from './codec';

/** Which member of the Feed oneof carried the data. */
export type PayloadKind = 'ltpc' | 'market' | 'index' | 'greeks';

/** One instrument key's merged state. Owned by the cache: read it, don't keep references into it. */
export interface KeyState {
  kind: PayloadKind;
  requestMode: RequestMode;
  /** Cash-segment instruments (…_EQ) carry no open interest. */
  cash: boolean;
  ltpc: Ltpc;
  /** Depth rows, best first: the market book (5 or 30 rows), or firstDepth as one row. */
  depth: Quote[];
  /** Whether the last merged feed brought a book (depth snapshots are due). */
  depthChanged: boolean;
  optionGreeks: OptionGreeks | undefined;
  /** One bar per interval ("1d", "I1"). */
  bars: Ohlc[];
  atp: number;
  vtt: number;
  oi: number;
  iv: number;
  tbq: number;
  tsq: number;
}

export type FeedCache = Map<string, KeyState>;
export const newFeedCache = (): FeedCache => new Map();

/** The payload kind of a feed, or null when it carries none. */
export function payloadKind(feed: Feed): PayloadKind | null {
  if (feed.marketFF) return 'market';
  if (feed.indexFF) return 'index';
  if (feed.firstLevelWithGreeks) return 'greeks';
  if (feed.ltpc) return 'ltpc';
  return null;
}

function emptyState(kind: PayloadKind, requestMode: RequestMode, key: string): KeyState {
  return {
    kind,
    requestMode,
    cash: /_EQ\|/.test(key),
    ltpc: { ltp: 0, ltt: 0, ltq: 0, cp: 0, iep: undefined },
    depth: [],
    depthChanged: false,
    optionGreeks: undefined,
    bars: [],
    atp: 0,
    vtt: 0,
    oi: 0,
    iv: 0,
    tbq: 0,
    tsq: 0,
  };
}

/** A delta's value: non-zero replaces, 0 keeps what was there. */
const upd = (cur: number, next: number): number => (next !== 0 ? next : cur);

function mergeLtpc(s: KeyState, l: Ltpc | undefined): void {
  if (!l) return;
  const c = s.ltpc;
  c.ltp = upd(c.ltp, l.ltp);
  c.ltt = upd(c.ltt, l.ltt);
  c.ltq = upd(c.ltq, l.ltq);
  c.cp = upd(c.cp, l.cp);
  if (l.iep !== undefined) c.iep = l.iep;
}

function mergeGreeks(s: KeyState, g: OptionGreeks | undefined): void {
  if (!g) return;
  const c = s.optionGreeks;
  if (!c) {
    s.optionGreeks = { ...g };
    return;
  }
  c.delta = upd(c.delta, g.delta);
  c.theta = upd(c.theta, g.theta);
  c.gamma = upd(c.gamma, g.gamma);
  c.vega = upd(c.vega, g.vega);
  c.rho = upd(c.rho, g.rho);
}

function mergeBars(s: KeyState, bars: readonly Ohlc[] | undefined): void {
  if (!bars) return;
  for (const b of bars) {
    const i = s.bars.findIndex((x) => x.interval === b.interval);
    if (i < 0) s.bars.push({ ...b });
    else if (b.ts !== 0 && b.ts !== s.bars[i].ts) s.bars[i] = { ...b };
    else {
      const c = s.bars[i];
      c.open = upd(c.open, b.open);
      c.high = upd(c.high, b.high);
      c.low = upd(c.low, b.low);
      c.close = upd(c.close, b.close);
      c.vol = upd(c.vol, b.vol);
    }
  }
}

/**
 * Merges one key's feed into `cache` and returns the key's state, or null when the feed carries no
 * payload (nothing changes then).
 */
export function mergeFeed(cache: FeedCache, key: string, feed: Feed, type: FeedType): KeyState | null {
  const kind = payloadKind(feed);
  if (kind === null) return null;
  let s = cache.get(key);
  // requestMode ltpc is 0, which is also what a requestMode left off the wire reads as: on a payload
  // other than ltpc it says nothing, and the state keeps its mode.
  const modeSent = feed.requestMode !== 'ltpc' || kind === 'ltpc';
  if (!s || type === 'initial_feed' || s.kind !== kind || (modeSent && s.requestMode !== feed.requestMode)) {
    s = emptyState(kind, feed.requestMode, key);
    cache.set(key, s);
  }
  s.depthChanged = false;
  if (feed.marketFF) {
    const m = feed.marketFF;
    mergeLtpc(s, m.ltpc);
    if (m.marketLevel) {
      s.depth = m.marketLevel;
      s.depthChanged = true;
    }
    mergeGreeks(s, m.optionGreeks);
    mergeBars(s, m.marketOHLC);
    s.atp = upd(s.atp, m.atp);
    s.vtt = upd(s.vtt, m.vtt);
    s.oi = upd(s.oi, m.oi);
    s.iv = upd(s.iv, m.iv);
    s.tbq = upd(s.tbq, m.tbq);
    s.tsq = upd(s.tsq, m.tsq);
  } else if (feed.indexFF) {
    mergeLtpc(s, feed.indexFF.ltpc);
    mergeBars(s, feed.indexFF.marketOHLC);
  } else if (feed.firstLevelWithGreeks) {
    const g = feed.firstLevelWithGreeks;
    mergeLtpc(s, g.ltpc);
    if (g.firstDepth) {
      s.depth = [g.firstDepth];
      s.depthChanged = true;
    }
    mergeGreeks(s, g.optionGreeks);
    s.vtt = upd(s.vtt, g.vtt);
    s.oi = upd(s.oi, g.oi);
    s.iv = upd(s.iv, g.iv);
  } else mergeLtpc(s, feed.ltpc);
  return s;
}

const DEPTH5 = 5;

/**
 * The Tick for a key's state. Prices are rupees as sent; tsExchange is the last trade time (the only
 * exchange time the feed carries), or `tsReceived` before the first trade. open/high/low come from
 * the "1d" bar; close is the previous close (`cp`), as for the other brokers (the "1d" bar's close
 * is today's running close, i.e. the ltp). depth5 is set when the book has at least 5 rows (full_d5,
 * and the top of a full_d30 book); bid/ask from level 1 also for option_greeks' single row.
 */
export function tickOf(s: KeyState, instrumentId: number, tsReceived: number): Tick {
  const l = s.ltpc;
  const t: Tick = { instrumentId, tsExchange: l.ltt > 0 ? l.ltt : tsReceived, tsReceived, ltp: l.ltp };
  if (l.ltq > 0 && s.kind !== 'index') t.ltq = l.ltq;
  if (s.kind === 'market') {
    t.atp = s.atp;
    t.volume = s.vtt;
    t.totalBuyQty = s.tbq;
    t.totalSellQty = s.tsq;
  } else if (s.kind === 'greeks') t.volume = s.vtt;
  if ((s.kind === 'market' || s.kind === 'greeks') && !s.cash) t.oi = s.oi;
  const day = s.bars.find((b) => b.interval === '1d');
  if (day) {
    t.open = day.open;
    t.high = day.high;
    t.low = day.low;
  }
  if (l.cp > 0) t.close = l.cp;
  const rows = s.depth;
  if (rows.length > 0) {
    const top = rows[0];
    if (top.bidP > 0) {
      t.bid = top.bidP;
      t.bidQty = top.bidQ;
    }
    if (top.askP > 0) {
      t.ask = top.askP;
      t.askQty = top.askQ;
    }
  }
  if (rows.length >= DEPTH5) {
    // DepthBook layout: [bidPrice×5, bidQty×5, bidOrders×5, askPrice×5, askQty×5, askOrders×5]; the
    // feed has no order counts, so those stay 0.
    const book = newDepthBook(DEPTH5);
    for (let i = 0; i < DEPTH5; i++) {
      const q = rows[i];
      book[i] = q.bidP;
      book[DEPTH5 + i] = q.bidQ;
      book[3 * DEPTH5 + i] = q.askP;
      book[4 * DEPTH5 + i] = q.askQ;
    }
    t.depth5 = book;
  }
  return t;
}

/**
 * The bid and ask snapshots of a full_d30 book (RequestMode full_d30, or more than 5 rows), or null.
 * `levels` is the number of rows sent (30); order counts are 0 (the feed has none).
 */
export function depthSnapshotsOf(s: KeyState, instrumentId: number, ts: number): [DepthSnapshot, DepthSnapshot] | null {
  if (s.depth.length === 0 || (s.requestMode !== 'full_d30' && s.depth.length <= DEPTH5)) return null;
  const rows = s.depth;
  const n = rows.length;
  const bid: DepthSnapshot = { instrumentId, ts, side: 'bid', levels: n, price: new Float64Array(n), qty: new Uint32Array(n), orders: new Uint32Array(n) };
  const ask: DepthSnapshot = { instrumentId, ts, side: 'ask', levels: n, price: new Float64Array(n), qty: new Uint32Array(n), orders: new Uint32Array(n) };
  for (let i = 0; i < n; i++) {
    const q = rows[i];
    bid.price[i] = q.bidP;
    bid.qty[i] = q.bidQ;
    ask.price[i] = q.askP;
    ask.qty[i] = q.askQ;
  }
  return [bid, ask];
}

/**
 * One step for the feed: merge, then the tick and — when this feed brought a 30-level book — its two
 * snapshots (stamped `tsReceived`, as the other depth feeds stamp theirs). Null when the feed carries
 * no payload.
 */
export function normalizeFeed(
  cache: FeedCache,
  key: string,
  feed: Feed,
  type: FeedType,
  instrumentId: number,
  tsReceived: number,
): { tick: Tick; depth: [DepthSnapshot, DepthSnapshot] | null } | null {
  const s = mergeFeed(cache, key, feed, type);
  if (!s) return null;
  return { tick: tickOf(s, instrumentId, tsReceived), depth: s.depthChanged ? depthSnapshotsOf(s, instrumentId, tsReceived) : null };
}
