// Simulated Dhan full-market-depth feeds (specs/dhan.md §3–§5): `/twentydepth` (≤ 50 instruments
// a socket, 20 levels) and `/twohundreddepth` (or `/` without `version`, as the Python SDK uses;
// one instrument a socket, up to 200 levels). Books are the market model's deep books (shared with
// the live-feed simulator when one is given, so both feeds tell one story), made when an instrument
// is first subscribed, and evolve realistically. Unsubscribes (code 24 or 25) are honoured.
import type { WebSocket } from 'ws';
import { sessionPhase } from '../../../shared/nse-calendar';
import { encodeDepthDisconnect, encodeDepthSide } from '../../brokers/dhan/depth-codec';
import type { OrderBook, BookLevel } from '../market/book';
import { MarketModel, kiteToken } from '../market/market';
import type { DhanFeedKind } from './pool';
import { DhanSocketServer, type DhanConn, type DhanSocketOptions } from './socket-server';

const SEGMENT_CODE: Record<string, number> = { NSE_EQ: 1, NSE_FNO: 2 };

/** The code of a segment name sent by a client (own keys only: "__proto__" is no segment). */
function segmentCode(name: unknown): number | undefined {
  return typeof name === 'string' && Object.hasOwn(SEGMENT_CODE, name) ? SEGMENT_CODE[name] : undefined;
}

export interface DhanDepthSimOptions extends DhanSocketOptions {
  /**
   * The market model whose deep books are published. Without one the simulator makes its own from
   * `mid`, `tick` and `lot` and steps it itself.
   */
  market?: MarketModel;
  /** Instruments: security id and segment; `token` is the model's token (with a shared market). */
  instruments: Array<{ securityId: number; segment: 'NSE_EQ' | 'NSE_FNO'; token?: number; mid?: number; tick?: number; lot?: number }>;
  /** Book events per second per instrument (between the live feed's own events). */
  eventsPerSecond?: number;
  /** Updates sent per second per instrument (a side is sent when it changed). */
  updatesPerSecond?: number;
  /** Send bid and ask of an instrument in separate frames instead of stacked. */
  splitSides?: boolean;
  /** Keep every book sent, for tests that compare what was recorded. */
  keepSent?: boolean;
  /** Sockets per client id per feed before the oldest is evicted with 805 (5); ignored with `pool`. */
  maxSocketsPerFeed?: number;
  /** Like the real 20-level server, send nothing outside 09:15–15:30 IST or on a holiday (off: the simulator is "forced on"). */
  marketHours?: boolean;
  now?: () => number;
  /** Reproduce §4.5: the 200-level server resets the TCP connection of an APP-type token on subscribe. */
  rejectAppTokens?: boolean;
  /** Request codes taken as an unsubscribe (§1.2: the sources say 24 or 25; default both). */
  unsubscribeCodes?: readonly number[];
}

/** Wire faults from specs/dhan.md §5, each sent once to every connection at the next update. */
export type DepthFault = 'truncated' | 'unknown-code' | 'rows-over-200' | 'one-side';

interface Conn extends DhanConn {
  feed: 20 | 200;
  subs: Array<{ securityId: number; segment: number }>;
  sentVersion: Map<number, number>;
  /** Message counters per (security, side). */
  seq: Map<number, number>;
  appToken: boolean;
}

/** The JWT claim that the 200-level server checks (§4.5); undefined for a token that is no JWT. */
function consumerTypeOf(token: string): string | undefined {
  try {
    return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')).tokenConsumerType;
  } catch {
    return undefined;
  }
}

export interface SentBook {
  ts: number;
  bids: BookLevel[];
  asks: BookLevel[];
}

export class DhanDepthSimulator extends DhanSocketServer<Conn> {
  readonly market: MarketModel;
  /** Deep books by security id, made at an instrument's first subscription. */
  readonly books = new Map<number, OrderBook>();
  private readonly tokenOf = new Map<number, number>();
  private readonly segmentOf = new Map<number, number>();
  private silentUntil = 0;
  /** Books as sent per security id (with keepSent). */
  readonly sent = new Map<number, SentBook[]>();
  readonly received: Array<{ feed: 20 | 200; msg: unknown }> = [];
  /** Sockets reset for an APP token (§4.5). */
  appResets = 0;
  private faults: DepthFault[] = [];

  constructor(private readonly opts: DhanDepthSimOptions) {
    super(opts, opts.maxSocketsPerFeed);
    this.market =
      opts.market ??
      new MarketModel({
        seed: 7,
        instruments: opts.instruments.map((i) => ({
          token: kiteToken(i.securityId, i.segment === 'NSE_EQ' ? 1 : 2),
          exchangeToken: i.securityId,
          symbol: String(i.securityId),
          name: '',
          exchange: i.segment === 'NSE_EQ' ? 'NSE' : 'NFO',
          segment: i.segment === 'NSE_EQ' ? 'NSE' : 'NFO-FUT',
          instrumentType: i.segment === 'NSE_EQ' ? 'EQ' : 'FUT',
          tickSize: i.tick ?? 0.05,
          lotSize: i.lot ?? 1,
          basePrice: i.mid ?? 1000,
        })),
      });
    for (const i of opts.instruments) {
      const token = opts.market ? i.token : kiteToken(i.securityId, i.segment === 'NSE_EQ' ? 1 : 2);
      if (token === undefined) throw new Error(`instrument ${i.securityId}: a shared market needs its token`);
      this.tokenOf.set(i.securityId, token);
      this.segmentOf.set(i.securityId, SEGMENT_CODE[i.segment]);
    }
  }

  /** The instrument's deep book, made on first use (from then on the market prices it from the book). */
  private bookOf(securityId: number): OrderBook {
    let book = this.books.get(securityId);
    if (!book) this.books.set(securityId, (book = this.market.deepBook(this.tokenOf.get(securityId)!, 200)));
    return book;
  }

  /** Security ids some connection is subscribed to now. */
  subscribed(feed?: 20 | 200): number[] {
    return [...new Set([...this.conns].filter((c) => feed === undefined || c.feed === feed).flatMap((c) => c.subs.map((s) => s.securityId)))];
  }

  protected override started(): void {
    super.started();
    const eps = this.opts.eventsPerSecond ?? 100;
    const ups = this.opts.updatesPerSecond ?? 20;
    this.whileUp(
      setInterval(() => {
        // An own market moves its fair prices here; a shared one is stepped by its live feed.
        if (!this.opts.market) this.market.step(this.tokenOf.size);
        for (const id of this.books.keys()) this.market.stepBook(this.tokenOf.get(id)!, eps / ups);
        this.publish();
      }, 1000 / ups),
    );
  }

  // --- fault injection ---
  goSilent(ms: number): void {
    this.silentUntil = (this.opts.now ?? Date.now)() + ms;
  }
  sendRaw(frame: Uint8Array): void {
    for (const c of this.conns) c.ws.send(frame);
  }
  /** Sends one faulty frame to every connection at the next update (§5). */
  injectFault(kind: DepthFault): void {
    this.faults.push(kind);
  }

  private faultFrame(kind: DepthFault, c: Conn): Buffer | null {
    const s = c.subs[0];
    if (!s) return null;
    const book = this.books.get(s.securityId)!;
    const n = c.feed === 20 ? 20 : 200;
    const bid = encodeDepthSide(c.feed, 'bid', s.segment, s.securityId, book.bids.levels.slice(0, n), this.nextSeq(c, s.securityId * 2));
    const ask = encodeDepthSide(c.feed, 'ask', s.segment, s.securityId, book.asks.levels.slice(0, n), this.nextSeq(c, s.securityId * 2 + 1));
    switch (kind) {
      case 'truncated': // a whole bid, then an ask cut short: the bid must still be delivered
        return Buffer.concat([bid, ask.subarray(0, 40)]);
      case 'unknown-code': {
        // A packet of an undocumented code with a sound length, then a whole book: skip, go on.
        const odd = Buffer.alloc(20);
        odd.writeUInt16LE(20, 0);
        odd.writeUInt8(0, 2);
        odd.writeUInt8(s.segment, 3);
        odd.writeUInt32LE(s.securityId, 4);
        return Buffer.concat([odd, bid, ask]);
      }
      case 'rows-over-200': {
        if (c.feed !== 200) return null;
        const levels = [...book.bids.levels, ...book.bids.levels].slice(0, 201);
        return encodeDepthSide(200, 'bid', s.segment, s.securityId, levels);
      }
      case 'one-side':
        return bid;
    }
  }

  private nextSeq(c: Conn, key: number): number {
    const n = (c.seq.get(key) ?? 0) + 1;
    c.seq.set(key, n);
    return n;
  }

  /** `/twentydepth`, or `/twohundreddepth` (also `/` without `version`, as the Python SDK uses). */
  protected override feedOf(url: URL): DhanFeedKind | null {
    if (url.pathname === '/twentydepth') return 'depth20';
    return url.pathname === '/twohundreddepth' || (url.pathname === '/' && !url.searchParams.has('version')) ? 'depth200' : null;
  }

  protected override connect(ws: WebSocket, feed: DhanFeedKind, clientId: string, token: string): Conn {
    return { ws, feed: feed === 'depth20' ? 20 : 200, clientId, subs: [], sentVersion: new Map(), seq: new Map(), token, appToken: consumerTypeOf(token) === 'APP', lastPong: Date.now() };
  }

  protected override disconnectPacket(c: Conn, reason: number): Buffer {
    const s = c.subs[0];
    return encodeDepthDisconnect(s?.segment ?? 0, s?.securityId ?? 0, reason);
  }

  protected override message(conn: Conn, msg: Record<string, unknown>): void {
    this.received.push({ feed: conn.feed, msg });
    this.control(conn, msg);
  }

  private control(conn: Conn, msg: Record<string, unknown>): void {
    const code = msg.RequestCode;
    if (code === 12) return void conn.ws.close();
    const list: Array<{ ExchangeSegment?: unknown; SecurityId?: unknown } | null> = Array.isArray(msg.InstrumentList)
      ? msg.InstrumentList
      : msg.SecurityId !== undefined
        ? [{ ExchangeSegment: msg.ExchangeSegment, SecurityId: msg.SecurityId }]
        : [];
    // Entries that are no instrument of this simulator (junk included) are passed over.
    const parsed = list
      .map((i) => ({ securityId: Number(i?.SecurityId), segment: segmentCode(i?.ExchangeSegment) }))
      .filter((i): i is { securityId: number; segment: number } => i.segment !== undefined && this.tokenOf.has(i.securityId));
    if (code === 23) {
      if (conn.feed === 200 && conn.appToken && this.opts.rejectAppTokens) {
        // §4.5: a TCP reset right after the subscribe, zero frames, no close frame.
        this.appResets++;
        this.forget(conn);
        return void conn.ws.terminate();
      }
      for (const p of parsed) this.bookOf(p.securityId);
      if (conn.feed === 200) {
        conn.subs = parsed.slice(-1); // one instrument per socket: a new subscription replaces it
        conn.sentVersion.clear();
      } else {
        for (const p of parsed) if (!conn.subs.some((s) => s.securityId === p.securityId)) conn.subs.push(p);
        if (conn.subs.length > 50) this.disconnect(conn, 804);
      }
    } else if (typeof code === 'number' && (this.opts.unsubscribeCodes ?? [24, 25]).includes(code)) {
      const drop = new Set(parsed.map((p) => p.securityId));
      conn.subs = conn.subs.filter((s) => !drop.has(s.securityId));
    }
  }

  private publish(): void {
    const now = (this.opts.now ?? Date.now)();
    if (now < this.silentUntil) return;
    const closed = this.opts.marketHours && sessionPhase(now, 'cash') !== 'open';
    const faults = this.faults.splice(0);
    for (const c of this.conns) {
      if (c.ws.readyState !== c.ws.OPEN || (closed && c.feed === 20)) continue;
      for (const f of faults) {
        const frame = this.faultFrame(f, c);
        if (frame) c.ws.send(frame);
      }
      const frames: Buffer[] = [];
      for (const s of c.subs) {
        const book = this.books.get(s.securityId)!;
        if (c.sentVersion.get(s.securityId) === book.version) continue;
        c.sentVersion.set(s.securityId, book.version);
        const levels = c.feed === 20 ? 20 : 200;
        const bids = book.bids.levels.slice(0, levels);
        const asks = book.asks.levels.slice(0, levels);
        // 20 levels: bytes 8–11 count the messages of each (security, side) (§5).
        const bid = encodeDepthSide(c.feed, 'bid', s.segment, s.securityId, bids, this.nextSeq(c, s.securityId * 2));
        const ask = encodeDepthSide(c.feed, 'ask', s.segment, s.securityId, asks, this.nextSeq(c, s.securityId * 2 + 1));
        if (this.opts.splitSides) frames.push(bid, ask);
        else frames.push(Buffer.concat([bid, ask]));
        if (this.opts.keepSent) {
          let log = this.sent.get(s.securityId);
          if (!log) this.sent.set(s.securityId, (log = []));
          log.push({ ts: now, bids: bids.map((l) => ({ ...l })), asks: asks.map((l) => ({ ...l })) });
        }
      }
      if (frames.length === 0) continue;
      if (this.opts.splitSides) for (const f of frames) c.ws.send(f);
      else c.ws.send(Buffer.concat(frames));
    }
  }
}
