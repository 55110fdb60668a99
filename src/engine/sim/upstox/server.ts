// Simulated Upstox (specs/fyers-upstox-yahoo.md §2) over the shared market model, on one SimServer:
// the OAuth login (authorization dialog → redirect with code and state; token exchange, form-encoded,
// the code spent even when the exchange fails), JWT tokens that die at 03:30 IST (analytics tokens a
// year on), the instrument files (gzipped JSON arrays, served as raw gzip), v3 historical and
// intraday candles (newest first, ISO +05:30, span limits per unit), the LTP quote, one REST budget
// per token, and Market Data Feed V3: GET authorize hands out a wss URL with a single-use code (the
// bare endpoint answers a Bearer upgrade with a 307 to one); on connect a market_info frame, on each
// sub an initial_feed snapshot in the subscription's mode (ltpc, full = full_d5, option_greeks,
// full_d30), then live_feed deltas (OHLC bars only when they changed); requests JSON in binary frames,
// bad ones answered with a text {status: "failed"}; per-mode caps; WebSocket pings when idle, no
// application heartbeat, a socket that leaves a ping unanswered closed.
//
// The faults users meet (§2.6–2.7), switchable: a second concurrent connection per token refused
// (always); a reused or lapsed code refused (always); tokens expiring (03:30 IST, or now) — the open
// socket then closes and authorize answers 401; the market closing (market_info, then silence with
// pings only); a stall (open, silent, no pings); dropped sockets; REST failures on demand (429s,
// 5xx, any UDAPI code); a truncated instrument file; garbage frames.
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import type { WebSocket } from 'ws';
import { IST_MS } from '../../../shared/ist';
import { lastPrintAt, sessionAt, type SessionKind } from '../../../shared/nse-calendar';
import { ANALYTICS_TOKEN_MS, upstoxExpiry } from '../../brokers/upstox/auth';
import {
  encodeFeedFailure,
  encodeFeedResponse,
  parseFeedRequest,
  requestModeOf,
  type Feed,
  type FeedMode,
  type FeedResponse,
  type Ltpc,
  type MarketStatus,
  type Ohlc,
  type Quote,
} from '../../brokers/upstox/codec';
import { capsProblem, UPSTOX_CAPS, type UpstoxCaps } from '../../brokers/upstox/feed';
import { simHistoryCandles } from '../market/history';
import { defaultUniverse, MarketModel, type SimClock, type SimInstrument, type SimQuote } from '../market/market';
import { TokenStreamingSimServer, type SimServerOptions } from '../server';
import { GLOBAL_INDEX_RECORD, upstoxListings, type UpstoxSimListing } from './master';

export const FEED_PATH = '/v3/feed/market-data-feed';
export const FEEDS_PATH = '/feeds';

export interface UpstoxSimOptions extends SimServerOptions {
  /** Default: the market model's default universe. */
  instruments?: SimInstrument[];
  seed?: number;
  /** Market events a second across all instruments. */
  ticksPerSecond?: number;
  /** How often live_feed frames go out, ms. */
  batchMs?: number;
  /** The app: API key (client_id), secret, registered redirect URL. */
  apiKey?: string;
  apiSecret?: string;
  redirectUrl?: string;
  /** The simulated user: id (UCC) and PIN (the real page asks mobile, OTP and PIN). */
  userId?: string;
  pin?: string;
  /** How long a feed URL's code may be used (single use either way). */
  feedCodeTtlMs?: number;
  /** How long a login code may be exchanged. */
  loginCodeTtlMs?: number;
  caps?: Partial<UpstoxCaps>;
  /** The token's REST budget. */
  restPerSecond?: number;
  restPerMinute?: number;
  /** A socket sent nothing for this long is pinged; one that leaves a ping unanswered this long is closed. */
  pingMs?: number;
  now?: () => number;
  /** When the market trades (market.ts SimClock; default around the clock). */
  clock?: SimClock;
}

interface TokenState {
  /** ms UTC. */
  exp: number;
  revoked: boolean;
  kind: 'access' | 'analytics';
}

interface Conn {
  id: number;
  ws: WebSocket;
  token: string;
  subs: Map<string, FeedMode>;
  /** Per key: the bars last sent (deltas carry OHLC only when it changed). */
  sentBars: Map<string, string>;
  lastSentAt: number;
  awaitingPong: boolean;
  stalled: boolean;
}

const JSON_HEADERS = { 'Content-Type': 'application/json' };
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

/** ISO 8601 in IST without milliseconds, as Upstox writes candle times: 2026-06-01T09:15:00+05:30. */
export function isoIstSeconds(ms: number): string {
  return new Date(ms + IST_MS).toISOString().slice(0, 19) + '+05:30';
}

/** 00:00 IST of the day of `ms`. */
const istMidnight = (ms: number) => Math.floor((ms + IST_MS) / 86400_000) * 86400_000 - IST_MS;
/** YYYY-MM-DD → 00:00 IST, ms (NaN when not a date). */
const dayStart = (day: string) => (/^\d{4}-\d{2}-\d{2}$/.test(day) ? Date.parse(`${day}T00:00:00+05:30`) : NaN);
/** A YYYY-MM-DD plus months (clamped to the month's end). */
function addMonths(day: string, n: number): string {
  const [y, m, d] = day.split('-').map(Number);
  const last = new Date(Date.UTC(y, m - 1 + n + 1, 0)).getUTCDate();
  return new Date(Date.UTC(y, m - 1 + n, Math.min(d, last))).toISOString().slice(0, 10);
}

/** The session patterns of Upstox's segments. */
const SEGMENT_SESSIONS: Readonly<Record<string, SessionKind>> = {
  NSE_EQ: 'cash', BSE_EQ: 'cash', NSE_INDEX: 'index', BSE_INDEX: 'index', NSE_FO: 'futures', BSE_FO: 'futures', NCD_FO: 'currency', BCD_FO: 'currency', MCX_FO: 'commodity', MCX_INDEX: 'commodity',
};

/** A segment's status at `ms` by NSE's calendar: the pre-open's two stages, open, the closing session, closed. */
export function upstoxSegmentStatus(segment: string, ms: number): MarketStatus {
  const kind = SEGMENT_SESSIONS[segment] ?? 'cash';
  const w = sessionAt(ms, kind);
  if (w?.phase === 'pre-open') return ms < w.auctionAt! ? 'PRE_OPEN_START' : 'PRE_OPEN_END';
  if (w?.phase === 'open') return 'NORMAL_OPEN';
  if (w?.phase === 'closing') return 'CLOSING_START';
  const last = lastPrintAt(ms, kind);
  return last?.phase === 'closing' ? 'CLOSING_END' : 'NORMAL_CLOSE';
}

export class UpstoxSimulator extends TokenStreamingSimServer<Conn> {
  readonly market: MarketModel;
  readonly apiKey: string;
  readonly apiSecret: string;
  readonly userId: string;
  readonly listings: UpstoxSimListing[];
  private readonly byKey: Map<string, UpstoxSimListing>;
  private readonly byToken = new Map<number, UpstoxSimListing>();
  private readonly tokens = new Map<string, TokenState>();
  private readonly feedCodes = new Map<string, { token: string; exp: number; used: boolean }>();
  private readonly loginCodes = new Map<string, { exp: number; used: boolean }>();
  private readonly now: () => number;
  private readonly caps: UpstoxCaps;
  private readonly status = new Map<string, MarketStatus>();
  /** The current minute's bar and the day's volume at its start, per market token. */
  private readonly minuteBars = new Map<number, { bar: Ohlc; volAtStart: number }>();
  private carry = 0;
  private connSeq = 0;
  private restCalls = new Map<string, number[]>();
  private restFailures: Array<{ status: number; code: string; message: string }> = [];
  /** The instrument files are served cut short (a truncated download). */
  truncateMaster = false;
  /** Client requests in order, with their frame kind (tests check resubscription and binary framing). */
  readonly received: Array<{ conn: number; binary: boolean; method?: string; mode?: string; keys?: string[]; guid?: string }> = [];
  /** Requests by path. */
  readonly hits = new Map<string, number>();
  readonly stats = { rateLimited: 0, historyServed: 0, refusedUpgrades: 0, redirects: 0, failures: 0, pings: 0, pongTimeouts: 0 };

  constructor(private readonly opts: UpstoxSimOptions = {}) {
    super(opts);
    this.now = opts.now ?? Date.now;
    this.apiKey = opts.apiKey ?? 'sim-upstox-api-key';
    this.apiSecret = opts.apiSecret ?? 'sim-upstox-secret';
    this.userId = opts.userId ?? '7SIM01';
    this.caps = { ...UPSTOX_CAPS, ...opts.caps };
    this.market = new MarketModel({ instruments: opts.instruments ?? defaultUniverse(), seed: opts.seed ?? 7, now: this.now, levels: 30, clock: opts.clock });
    this.listings = upstoxListings(this.market.instruments);
    this.byKey = new Map(this.listings.map((l) => [l.key, l]));
    for (const l of this.listings) this.byToken.set(l.ins.token, l);
    for (const l of this.listings) this.status.set(l.segment, 'NORMAL_OPEN');
    if (opts.clock === 'nse') this.followCalendar();
  }

  /**
   * On NSE's clock each segment's status follows the calendar (shared/nse-calendar.ts), and a
   * change goes out as a market_info frame, as Upstox announces the session's stages.
   */
  private followCalendar(): void {
    const t = this.now();
    let changed = false;
    for (const segment of this.status.keys()) {
      const status = upstoxSegmentStatus(segment, t);
      if (this.status.get(segment) !== status) {
        this.status.set(segment, status);
        changed = true;
      }
    }
    if (changed) for (const c of this.conns) this.send(c, this.marketInfoFrame());
  }

  protected override started(): void {
    this.whileUp(setInterval(() => this.pump(), this.opts.batchMs ?? 25));
    const pingMs = this.opts.pingMs ?? 10_000;
    this.whileUp(setInterval(() => this.pingIdle(pingMs), Math.max(20, Math.floor(pingMs / 2))));
  }

  get root(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  get redirectUrl(): string {
    return this.opts.redirectUrl ?? 'http://127.0.0.1:8421/upstox/callback';
  }

  listing(key: string): UpstoxSimListing | undefined {
    return this.byKey.get(key);
  }

  // --- tokens ---------------------------------------------------------------------------------

  /**
   * Mints a token as the token exchange does: a JWT whose exp is 03:30 IST after `at` (an access
   * token), or a year on (an analytics token, from the developer apps page).
   */
  issueToken(o: { at?: number; kind?: 'access' | 'analytics' } = {}): string {
    const at = o.at ?? this.now();
    const kind = o.kind ?? 'access';
    const exp = kind === 'analytics' ? at + ANALYTICS_TOKEN_MS : upstoxExpiry(at);
    const payload = { sub: this.userId, jti: randomUUID(), isMultiClient: false, isPlusPlan: true, isExtended: false, iat: Math.floor(at / 1000), iss: 'udapi-gateway-service', exp: Math.floor(exp / 1000) };
    const token = [b64({ typ: 'JWT', key_id: 'sk_v1.0', alg: 'HS256' }), b64(payload), randomBytes(24).toString('base64url')].join('.');
    this.tokens.set(token, { exp: Math.floor(exp / 1000) * 1000, revoked: false, kind });
    return token;
  }

  /** Ends a token now (as its 03:30 IST would): REST and authorize answer 401, its socket closes. */
  expireToken(token: string): void {
    const t = this.tokens.get(token);
    if (t) t.exp = Math.min(t.exp, this.now() - 1);
    this.closeSocketsOf(token);
  }

  /** Replaces a token (a new login elsewhere makes the old one invalid). */
  revokeToken(token: string): void {
    const t = this.tokens.get(token);
    if (t) t.revoked = true;
    this.closeSocketsOf(token);
  }

  private valid(token: string | undefined): TokenState | undefined {
    const t = token === undefined ? undefined : this.tokens.get(token);
    return t && !t.revoked && t.exp > this.now() ? t : undefined;
  }

  // --- faults ---------------------------------------------------------------------------------

  /** Segments' trading state (all, when none named): a market_info frame to every socket; only NORMAL_OPEN segments tick. */
  setMarketStatus(status: MarketStatus, segments: readonly string[] = [...this.status.keys()]): void {
    for (const s of segments) this.status.set(s, status);
    for (const c of this.conns) this.send(c, this.marketInfoFrame());
  }

  /** The next `n` REST answers are this failure (429 UDAPI10005, 500 UDAPI100500, 401 UDAPI100050, …). */
  failRest(n: number, status: number, code: string, message = 'simulated failure'): void {
    for (let i = 0; i < n; i++) this.restFailures.push({ status, code, message });
  }

  /** Raw bytes as one binary frame to every socket. */
  sendRaw(frame: Uint8Array): void {
    for (const c of this.conns) if (!c.stalled) c.ws.send(frame);
  }

  // --- the feed socket ------------------------------------------------------------------------

  /** A one-shot feed URL for a valid token (authorize, and the bare endpoint's 307). */
  private mintFeedUrl(token: string): string {
    const code = randomBytes(16).toString('hex');
    this.feedCodes.set(code, { token, exp: this.now() + (this.opts.feedCodeTtlMs ?? 60_000), used: false });
    return `ws://127.0.0.1:${this.port}${FEEDS_PATH}?requestId=${randomUUID()}&code=${code}`;
  }

  protected override upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === FEED_PATH) {
      // The bare endpoint: a Bearer upgrade is redirected (307) to an authorized URL, as the SDK follows.
      const token = /^Bearer\s+(\S+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (!token || !this.valid(token)) return this.refuseUpgrade(socket, 401, 'Unauthorized');
      this.stats.redirects++;
      return void socket.end(`HTTP/1.1 307 Temporary Redirect\r\nLocation: ${this.mintFeedUrl(token)}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
    }
    if (url.pathname !== FEEDS_PATH) return this.refuseUpgrade(socket, 404, 'Not Found');
    const code = this.feedCodes.get(url.searchParams.get('code') ?? '');
    // Single use, even when refused.
    if (!code || code.used || code.exp <= this.now()) return this.refuseUpgrade(socket, 401, 'Unauthorized');
    code.used = true;
    if (!this.valid(code.token)) return this.refuseUpgrade(socket, 401, 'Unauthorized');
    // One connection per app and user.
    if ([...this.conns].some((c) => c.token === code.token)) return this.refuseUpgrade(socket, 403, 'Forbidden');
    this.accept(req, socket, head, (ws) => this.opened(ws, code.token));
  }

  private refuseUpgrade(socket: Socket, status: number, reason: string): void {
    this.stats.refusedUpgrades++;
    this.refuse(socket, status, reason);
  }

  private opened(ws: WebSocket, token: string): void {
    const conn: Conn = { id: ++this.connSeq, ws, token, subs: new Map(), sentBars: new Map(), lastSentAt: this.now(), awaitingPong: false, stalled: false };
    this.track(conn);
    ws.on('pong', () => (conn.awaitingPong = false));
    ws.on('message', (data: Buffer, isBinary) => this.feedRequest(conn, data, isBinary));
    this.send(conn, this.marketInfoFrame());
  }

  private send(conn: Conn, frame: Buffer | string): void {
    if (conn.ws.readyState !== conn.ws.OPEN || conn.stalled) return;
    conn.ws.send(frame);
    conn.lastSentAt = this.now();
  }

  private fail(conn: Conn, error: string, guid?: string, method?: string): void {
    this.stats.failures++;
    this.send(conn, encodeFeedFailure({ error, guid, method }));
  }

  private feedRequest(conn: Conn, data: Buffer, binary: boolean): void {
    const req = parseFeedRequest(data);
    this.received.push({ conn: conn.id, binary, method: req?.method, mode: req?.mode, keys: req?.instrumentKeys, guid: req?.guid });
    if (!binary) return this.fail(conn, 'requests are sent as binary frames');
    if (!req) return this.fail(conn, 'Invalid request');
    if (req.method === 'unsub') {
      for (const k of req.instrumentKeys) {
        conn.subs.delete(k);
        conn.sentBars.delete(k);
      }
      return;
    }
    const mode = req.mode!;
    const known = req.instrumentKeys.filter((k) => this.byKey.has(k));
    const unknown = req.instrumentKeys.filter((k) => !this.byKey.has(k));
    const next = new Map(conn.subs);
    for (const k of known) next.set(k, mode);
    const counts = new Map<FeedMode, number>();
    for (const m of next.values()) counts.set(m, (counts.get(m) ?? 0) + 1);
    const over = capsProblem(counts, this.caps);
    if (over) return this.fail(conn, over, req.guid, req.method);
    if (unknown.length) this.fail(conn, `Invalid instrument key: ${unknown.slice(0, 5).join(', ')}`, req.guid, req.method);
    for (const k of known) {
      conn.subs.set(k, mode);
      conn.sentBars.delete(k);
    }
    if (!known.length) return;
    const feeds = new Map<string, Feed>();
    for (const k of known) feeds.set(k, this.feedOf(conn, k, mode, true));
    this.send(conn, encodeFeedResponse({ type: 'initial_feed', feeds, currentTs: this.now() }));
  }

  private marketInfoFrame(): Buffer {
    return encodeFeedResponse({ type: 'market_info', feeds: new Map(), currentTs: this.now(), marketInfo: { segmentStatus: new Map(this.status), casMarketStatus: new Map(), preOpenSessionStatus: new Map() } });
  }

  /** The day's and the current minute's bars of a quote. */
  private bars(q: SimQuote): Ohlc[] {
    const t = this.now();
    const day: Ohlc = { interval: '1d', open: q.open, high: q.high, low: q.low, close: q.ltp, vol: q.volume, ts: istMidnight(t) };
    const m = this.minuteBars.get(q.token);
    const minute: Ohlc = m ? { ...m.bar } : { interval: 'I1', open: q.ltp, high: q.ltp, low: q.ltp, close: q.ltp, vol: 0, ts: Math.floor(t / 60_000) * 60_000 };
    return [day, minute];
  }

  /** Rows of the book, best first: a bid level and an ask level side by side. */
  private rows(q: SimQuote, n: number): Quote[] {
    const L = this.market.levels;
    const d = q.depth;
    return Array.from({ length: Math.min(n, L) }, (_, i) => ({ bidQ: d[L + i], bidP: d[i], askQ: d[4 * L + i], askP: d[3 * L + i] }));
  }

  /**
   * One key's feed in its subscription's mode: the whole state for a snapshot; for a delta the same
   * but the OHLC bars only when they changed since they were last sent to this socket.
   */
  private feedOf(conn: Conn, key: string, mode: FeedMode, snapshot: boolean): Feed {
    const l = this.byKey.get(key)!;
    const ins = l.ins;
    const q = this.market.quote(ins.token)!;
    const index = ins.segment === 'INDICES';
    const derivative = ins.instrumentType !== 'EQ';
    const option = ins.instrumentType === 'CE' || ins.instrumentType === 'PE';
    const ltpc: Ltpc = { ltp: q.ltp, ltt: index ? q.tsExchange : q.lastTradeTime, ltq: index ? 0 : q.ltq, cp: q.close };
    const requestMode = requestModeOf(mode);
    const empty: Feed = { requestMode, ltpc: undefined, marketFF: undefined, indexFF: undefined, firstLevelWithGreeks: undefined };
    if (mode === 'ltpc') return { ...empty, ltpc };
    const greeks = option ? { delta: ins.instrumentType === 'CE' ? 0.52 : -0.48, theta: -11.5, gamma: 0.0009, vega: 12.4, rho: 1.9 } : undefined;
    if (mode === 'option_greeks') {
      return { ...empty, firstLevelWithGreeks: { ltpc, firstDepth: index ? undefined : this.rows(q, 1)[0], optionGreeks: greeks, vtt: q.volume, oi: derivative ? q.oi : 0, iv: option ? 0.142 : 0 } };
    }
    const bars = this.bars(q);
    const barsKey = bars.map((b) => `${b.ts}:${b.open}:${b.high}:${b.low}`).join('|');
    const sendBars = snapshot || conn.sentBars.get(key) !== barsKey;
    if (sendBars) conn.sentBars.set(key, barsKey);
    // An index has no book: its full feed is IndexFullFeed (reported as full_d5).
    if (index) return { ...empty, requestMode: 'full_d5', indexFF: { ltpc, marketOHLC: sendBars ? bars : undefined } };
    return {
      ...empty,
      marketFF: {
        ltpc,
        marketLevel: this.rows(q, mode === 'full_d30' ? 30 : 5),
        optionGreeks: greeks,
        marketOHLC: sendBars ? bars : undefined,
        atp: q.atp,
        vtt: q.volume,
        oi: derivative ? q.oi : 0,
        iv: option ? 0.142 : 0,
        tbq: q.totalBuyQty,
        tsq: q.totalSellQty,
        iep: 0,
        rp: 0,
        ieq: 0,
        iiqTotal: 0,
        iiqM: 0,
        casEligible: false,
      },
    };
  }

  private updateMinuteBar(q: SimQuote): void {
    const t = this.now();
    const start = Math.floor(t / 60_000) * 60_000;
    const m = this.minuteBars.get(q.token);
    if (!m || m.bar.ts !== start) {
      this.minuteBars.set(q.token, { bar: { interval: 'I1', open: q.ltp, high: q.ltp, low: q.ltp, close: q.ltp, vol: 0, ts: start }, volAtStart: q.volume });
      return;
    }
    const b = m.bar;
    b.high = Math.max(b.high, q.ltp);
    b.low = Math.min(b.low, q.ltp);
    b.close = q.ltp;
    b.vol = q.volume - m.volAtStart;
  }

  /** One batch: advance the market, then each socket's changed keys as a live_feed (open segments only). */
  private pump(): void {
    this.carry += ((this.opts.ticksPerSecond ?? 2000) * (this.opts.batchMs ?? 25)) / 1000;
    const events = Math.floor(this.carry);
    this.carry -= events;
    const changed = new Set([...this.stepped, ...this.market.step(events)]);
    this.stepped.clear();
    if (this.market.clock === 'nse') this.followCalendar();
    for (const q of changed) this.updateMinuteBar(q);
    for (const conn of this.conns) {
      // A token that ran out ends its socket (the client meets the 401 at authorize).
      if (!this.valid(conn.token)) {
        conn.ws.terminate();
        continue;
      }
      if (conn.stalled || conn.subs.size === 0) continue;
      const feeds = new Map<string, Feed>();
      for (const q of changed) {
        const l = this.byToken.get(q.token);
        // On NSE's clock the market decides what trades (the 09:08 auction, the closing session too).
        if (!l || (this.market.clock !== 'nse' && this.status.get(l.segment) !== 'NORMAL_OPEN')) continue;
        const mode = conn.subs.get(l.key);
        if (mode) feeds.set(l.key, this.feedOf(conn, l.key, mode, false));
      }
      if (feeds.size) this.send(conn, encodeFeedResponse({ type: 'live_feed', feeds, currentTs: this.now() } satisfies FeedResponse));
    }
  }

  /** WebSocket pings to sockets that were sent nothing for pingMs; one whose last ping went unanswered is closed. */
  private pingIdle(pingMs: number): void {
    const now = this.now();
    for (const c of this.conns) {
      if (c.stalled || now - c.lastSentAt < pingMs) continue;
      if (c.awaitingPong) {
        this.stats.pongTimeouts++;
        c.ws.terminate();
        continue;
      }
      c.awaitingPong = true;
      c.lastSentAt = now;
      this.stats.pings++;
      c.ws.ping();
    }
  }

  // --- REST -----------------------------------------------------------------------------------

  private json(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, JSON_HEADERS).end(JSON.stringify(body));
  }

  /** Upstox's error envelope. */
  private error(res: ServerResponse, status: number, code: string, message: string): void {
    this.json(res, status, { status: 'error', errors: [{ errorCode: code, message, propertyPath: null, invalidValue: null, error_code: code, property_path: null, invalid_value: null }] });
  }

  private async body(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  protected override request(req: IncomingMessage, res: ServerResponse): void {
    this.route(req, res).catch((e) => this.error(res, 500, 'UDAPI100500', String(e)));
  }

  /** A valid Bearer token within its REST budget; else answered as Upstox answers (the token is returned). */
  private authorized(req: IncomingMessage, res: ServerResponse): string | null {
    const token = /^Bearer\s+(\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!token || !this.valid(token)) return this.error(res, 401, 'UDAPI100050', 'Invalid token used to access API'), null;
    const now = this.now();
    const calls = (this.restCalls.get(token) ?? []).filter((t) => t > now - 60_000);
    if (calls.filter((t) => t > now - 1000).length >= (this.opts.restPerSecond ?? 50) || calls.length >= (this.opts.restPerMinute ?? 500)) {
      this.stats.rateLimited++;
      return this.error(res, 429, 'UDAPI10005', 'Too Many Request Sent'), null;
    }
    calls.push(now);
    this.restCalls.set(token, calls);
    return token;
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    this.hits.set(path, (this.hits.get(path) ?? 0) + 1);
    const master = /^\/market-quote\/instruments\/exchange\/(complete|NSE|BSE|MCX)\.json\.gz$/.exec(path);
    if (master && req.method === 'GET') return this.masterFile(master[1], res);
    if (path === '/v2/login/authorization/dialog') return req.method === 'POST' ? this.loginSubmit(req, res) : this.loginPage(url.searchParams, res);
    if (path === '/v2/login/authorization/token') return this.tokenExchange(req, res);
    const failure = this.restFailures.shift();
    if (failure) return this.error(res, failure.status, failure.code, failure.message);
    const token = this.authorized(req, res);
    if (!token) return;
    if (path === '/v3/feed/market-data-feed/authorize') {
      const uri = this.mintFeedUrl(token);
      return this.json(res, 200, { status: 'success', data: { authorizedRedirectUri: uri, authorized_redirect_uri: uri } });
    }
    if (path === '/v2/user/profile') {
      if (this.tokens.get(token)!.kind === 'analytics') return this.error(res, 401, 'UDAPI100050', 'Invalid token used to access API');
      return this.json(res, 200, { status: 'success', data: { email: 'sim@example.com', exchanges: ['NSE', 'NFO', 'BSE', 'CDS', 'BFO', 'BCD', 'MCX'], products: ['D', 'I'], broker: 'UPSTOX', user_id: this.userId, user_name: 'SIM TRADER', user_type: 'individual', poa: false, is_active: true } });
    }
    if (path === '/v3/market-quote/ltp') return this.ltp(url.searchParams, res);
    const history = /^\/v3\/historical-candle\/(.+)$/.exec(path);
    if (history && req.method === 'GET') return this.history(history[1].split('/').map(decodeURIComponent), res);
    return this.error(res, 404, 'UDAPI10000', 'This request is not supported by Upstox API');
  }

  private masterFile(file: string, res: ServerResponse): void {
    const rows = this.listings.filter((l) => file === 'complete' || l.record.exchange === file).map((l) => l.record);
    if (file === 'complete') rows.push(GLOBAL_INDEX_RECORD);
    let gz = gzipSync(Buffer.from(JSON.stringify(rows)));
    if (this.truncateMaster) gz = gz.subarray(0, Math.floor(gz.length / 2));
    // Raw gzip bytes, no Content-Encoding: the client gunzips.
    res.writeHead(200, { 'Content-Type': 'application/gzip', 'Content-Length': gz.length }).end(gz);
  }

  private ltp(q: URLSearchParams, res: ServerResponse): void {
    const keys = (q.get('instrument_key') ?? '').split(',').filter(Boolean);
    if (!keys.length) return this.error(res, 400, 'UDAPI100036', 'Invalid Input');
    const data: Record<string, unknown> = {};
    for (const k of keys) {
      const l = this.byKey.get(k);
      if (!l) continue;
      const quote = this.market.quote(l.ins.token)!;
      // Keyed SEGMENT:TRADING_SYMBOL, the pipe key in instrument_token.
      data[`${l.segment}:${l.record.trading_symbol}`] = { last_price: quote.ltp, instrument_token: l.key, ltq: quote.ltq, volume: quote.volume, cp: quote.close };
    }
    this.json(res, 200, { status: 'success', data });
  }

  /**
   * GET /v3/historical-candle/{key}/{unit}/{interval}/{to}/{from} (days before today) and
   * …/intraday/{key}/{unit}/{interval} (today): the same history as the other simulators, newest
   * first, ISO +05:30; spans past the unit's limit refused as invalid input.
   */
  private history(parts: string[], res: ServerResponse): void {
    const intraday = parts[0] === 'intraday';
    const [key, unit, intervalRaw, toDay, fromDay] = intraday ? parts.slice(1) : parts;
    const l = this.byKey.get(key ?? '');
    if (!l) return this.error(res, 400, 'UDAPI100011', 'Invalid Instrument key');
    const n = Number(intervalRaw);
    const maxN = { minutes: 300, hours: 5, days: 1 }[unit as 'minutes' | 'hours' | 'days'];
    if (!maxN || !Number.isInteger(n) || n < 1 || n > maxN) return this.error(res, 400, 'UDAPI100036', `Invalid input: unit ${unit}, interval ${intervalRaw}`);
    const stepMin = unit === 'minutes' ? n : unit === 'hours' ? n * 60 : 1440;
    const now = this.now();
    const today = istMidnight(now);
    let from: number;
    let to: number;
    if (intraday) {
      [from, to] = [today, now];
    } else {
      const last = dayStart(toDay ?? '');
      const first = fromDay === undefined ? last : dayStart(fromDay);
      if (!Number.isFinite(last) || !Number.isFinite(first) || first > last) return this.error(res, 400, 'UDAPI100036', 'Invalid input: to_date and from_date (YYYY-MM-DD, from_date not after to_date)');
      // One month for 1–15 minutes, a quarter for longer minutes and for hours, a decade for days.
      const months = unit === 'days' ? 120 : unit === 'minutes' && n <= 15 ? 1 : 3;
      if (fromDay !== undefined && addMonths(fromDay, months) < toDay!) return this.error(res, 400, 'UDAPI100036', `Invalid input: the range exceeds ${months} month(s) for ${unit}/${n}`);
      // The days before today only (today is the intraday endpoint's).
      [from, to] = [first, Math.min(last + 86400_000 - 1, today - 1)];
    }
    this.stats.historyServed++;
    const ins = l.ins;
    const rows = simHistoryCandles(ins, stepMin, from, to, now).map((c) => [isoIstSeconds(c.t * 1000), c.o, c.h, c.l, c.c, c.v, ins.instrumentType === 'EQ' ? 0 : 10_000 * ins.lotSize]);
    this.json(res, 200, { status: 'success', data: { candles: rows.reverse() } });
  }

  // --- login ----------------------------------------------------------------------------------

  private loginPage(q: URLSearchParams, res: ServerResponse, error = ''): void {
    const [clientId, redirectUri, state] = [q.get('client_id') ?? '', q.get('redirect_uri') ?? '', q.get('state') ?? ''];
    if (clientId !== this.apiKey || redirectUri !== this.redirectUrl) return this.error(res, 400, 'UDAPI100068', "Check your 'client_id' and 'redirect_uri'; one or both are incorrect.");
    if (q.get('response_type') !== 'code') return this.error(res, 400, 'UDAPI100036', 'response_type must be code');
    const hidden = (name: string, value: string) => `<input type="hidden" name="${name}" value="${value.replace(/&/g, '&amp;').replace(/"/g, '&quot;')}">`;
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(
      `<!doctype html><html><head><meta charset="utf-8"><title>Upstox login (simulator)</title></head><body><h1>Login to Upstox</h1>` +
        (error ? `<p class="error">${error}</p>` : '') +
        `<form method="post" action="/v2/login/authorization/dialog">${hidden('client_id', clientId)}${hidden('redirect_uri', redirectUri)}${hidden('response_type', 'code')}${hidden('state', state)}` +
        `<label>User ID <input name="user_id"></label><label>PIN <input name="pin" type="password"></label><button type="submit">Login</button></form></body></html>`,
    );
  }

  private async loginSubmit(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = new URLSearchParams(await this.body(req));
    if (form.get('client_id') !== this.apiKey || form.get('redirect_uri') !== this.redirectUrl) return this.loginPage(form, res);
    if (form.get('user_id') !== this.userId || form.get('pin') !== (this.opts.pin ?? '123456')) return this.loginPage(form, res, 'Invalid user id or PIN.');
    const code = randomBytes(6).toString('base64url');
    this.loginCodes.set(code, { exp: this.now() + (this.opts.loginCodeTtlMs ?? 5 * 60_000), used: false });
    const target = new URL(this.redirectUrl);
    target.searchParams.set('code', code);
    if (form.get('state')) target.searchParams.set('state', form.get('state')!);
    res.writeHead(302, { Location: target.toString() }).end();
  }

  /** POST /v2/login/authorization/token, form-encoded; the answer not wrapped. The code is spent first, whatever follows. */
  private async tokenExchange(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') return this.error(res, 405, 'UDAPI10000', 'This request is not supported by Upstox API');
    if (!/application\/x-www-form-urlencoded/.test(req.headers['content-type'] ?? '')) return this.error(res, 400, 'UDAPI100036', 'Invalid Input: the body must be form-encoded');
    const form = new URLSearchParams(await this.body(req));
    const code = this.loginCodes.get(form.get('code') ?? '');
    const usable = !!code && !code.used && code.exp > this.now();
    if (code) code.used = true;
    if (form.get('grant_type') !== 'authorization_code') return this.error(res, 400, 'UDAPI100036', 'Invalid Input: grant_type');
    if (form.get('client_id') !== this.apiKey || form.get('client_secret') !== this.apiSecret || form.get('redirect_uri') !== this.redirectUrl) return this.error(res, 401, 'UDAPI100016', 'Invalid Credentials');
    if (!usable) return this.error(res, 400, 'UDAPI100036', 'Invalid Input: the code is invalid or used');
    const token = this.issueToken();
    this.json(res, 200, {
      email: 'sim@example.com',
      exchanges: ['NSE', 'NFO', 'BSE', 'CDS', 'BFO', 'BCD', 'MCX'],
      products: ['D', 'I'],
      broker: 'UPSTOX',
      user_id: this.userId,
      user_name: 'SIM TRADER',
      order_types: ['MARKET', 'LIMIT', 'SL', 'SL-M'],
      user_type: 'individual',
      poa: false,
      is_active: true,
      access_token: token,
      extended_token: null,
    });
  }
}
