// Simulated Fyers API v3 (specs/fyers-upstox-yahoo.md §1) over the shared market model, on one
// SimServer: the login (generate-authcode page → redirect with auth_code and state,
// validate-authcode with appIdHash, validate-refresh-token with the PIN), JWT access tokens with
// `exp` and `hsm_key`, the public symbol masters (/sym_details/<SEG>.csv, no header, 21 columns),
// /data/symbol-token, /data/history, one REST budget per app (10 a second, 200 a minute), and the
// HSM data socket at /hsm/v1-5/prod: auth "K"/"N", mode and subscribe acks, an 'S' snapshot per new
// topic, then 'U' full updates (INT32_MIN for what did not change) or 'L' lite updates.
//
// The faults users meet (§1.6–1.7), switchable: an upgrade carrying an Authorization header is
// accepted and its auth frame never answered (always, as the gateway does since ~Aug 2026); more
// than 5000 topics on a connection refused ("N"); a stall, the sockets open and silent; dropped
// sockets; symbol-token failing ("unexpected EOF") right after reconnects; tokens expiring or
// revoked; refresh refused (-16); garbage frames.
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import {
  encodeAuthReply,
  encodeDataFrame,
  encodeStatusReply,
  parseClientFrame,
  toWireValues,
  type FyersClientRequest,
  type FyersSentState,
  type FyersTopicKind,
  type FyersWireItem,
} from '../../brokers/fyers/codec';
import { formatFyersMaster } from '../../brokers/fyers/instruments';
import { simHistoryCandles } from '../market/history';
import { defaultUniverse, MarketModel, type SimClock, type SimInstrument, type SimQuote } from '../market/market';
import { TokenStreamingSimServer, type SimServerOptions } from '../server';
import { fyersListings, fyersMasterRow, type FyersSimListing } from './master';

export const HSM_PATH = '/hsm/v1-5/prod';

export interface FyersSimOptions extends SimServerOptions {
  /** Default: the market model's default universe. */
  instruments?: SimInstrument[];
  seed?: number;
  /** Market events a second across all instruments. */
  ticksPerSecond?: number;
  /** How often data frames go out, ms. */
  batchMs?: number;
  appId?: string;
  appSecret?: string;
  /** The simulated user: client id and PIN (the real page also asks for an OTP/TOTP). */
  fyId?: string;
  pin?: string;
  /** The app's registered redirect URL; generate-authcode refuses any other. */
  redirectUrl?: string;
  tokenTtlMs?: number;
  refreshTtlMs?: number;
  /** How long an auth_code can be exchanged. */
  authCodeTtlMs?: number;
  /** Topics a connection may hold across its channels (Fyers: 5000). */
  maxTopicsPerConnection?: number;
  /** The app's REST budget (Fyers: 10 a second, 200 a minute). */
  restPerSecond?: number;
  restPerMinute?: number;
  now?: () => number;
  /** When the market trades (market.ts SimClock; default around the clock). */
  clock?: SimClock;
}

interface TokenState {
  hsmKey: string;
  /** ms UTC, as in the JWT (expireToken moves it to now). */
  exp: number;
  revoked: boolean;
}

interface Sub {
  topic: string;
  id: number;
  kind: FyersTopicKind;
  channel: number;
  listing: FyersSimListing;
  divisor: number;
  /** Last ltp sent as a lite item. */
  lastLtp: number;
}

interface Conn {
  id: number;
  ws: WebSocket;
  /** The upgrade carried an Authorization header: the gateway ignores its auth frame. */
  silent: boolean;
  token: string | null;
  modes: Map<number, 'lite' | 'full'>;
  paused: Set<number>;
  subs: Map<string, Sub>;
  byMarketToken: Map<number, Sub[]>;
  nextTopicId: number;
  sent: FyersSentState;
  messageNumber: number;
  stalled: boolean;
}

const JSON_HEADERS = { 'Content-Type': 'application/json' };
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

/** Fyers' resolutions → minutes (D: a day). Seconds resolutions exist at Fyers; the simulator has no second bars. */
const RESOLUTION_MINUTES: Record<string, number> = { 1: 1, 2: 2, 3: 3, 5: 5, 10: 10, 15: 15, 20: 20, 30: 30, 60: 60, 120: 120, 240: 240, D: 1440, '1D': 1440 };

export class FyersSimulator extends TokenStreamingSimServer<Conn> {
  readonly market: MarketModel;
  readonly appId: string;
  readonly appSecret: string;
  readonly fyId: string;
  readonly listings: FyersSimListing[];
  private readonly byTicker: Map<string, FyersSimListing>;
  private readonly byTopic = new Map<string, { listing: FyersSimListing; kind: FyersTopicKind }>();
  private readonly tokens = new Map<string, TokenState>();
  private readonly byHsmKey = new Map<string, string>();
  private readonly refreshTokens = new Map<string, number>();
  private readonly authCodes = new Map<string, { exp: number; used: boolean }>();
  private readonly now: () => number;
  private carry = 0;
  private connSeq = 0;
  private restCalls: number[] = [];
  private symbolTokenFailures = 0;
  /** validate-refresh-token answers -16 (Fyers wants a full login, as reported under SEBI rules). */
  refuseRefresh = false;
  /** Client requests per connection, in order (tests check auth, mode and resubscription with it). */
  readonly received: Array<{ conn: number; req: FyersClientRequest }> = [];
  /** Every upgrade's Authorization header (undefined: none), in order. */
  readonly upgrades: Array<{ authorization: string | undefined }> = [];
  /** Requests by path, and what the faults did, for tests. */
  readonly hits = new Map<string, number>();
  readonly stats = { rateLimited: 0, historyServed: 0, refusedSubscriptions: 0, ignoredAuth: 0, malformedRequests: 0, pings: 0 };

  constructor(private readonly opts: FyersSimOptions = {}) {
    super(opts);
    this.now = opts.now ?? Date.now;
    this.appId = opts.appId ?? 'SIMAPP1-100';
    this.appSecret = opts.appSecret ?? 'sim-fyers-secret';
    this.fyId = opts.fyId ?? 'XS00001';
    this.market = new MarketModel({ instruments: opts.instruments ?? defaultUniverse(), seed: opts.seed ?? 7, now: this.now, clock: opts.clock });
    this.listings = fyersListings(this.market.instruments);
    this.byTicker = new Map(this.listings.map((l) => [l.ticker, l]));
    for (const l of this.listings) {
      this.byTopic.set(l.topics.quote, { listing: l, kind: l.topics.quote.startsWith('if|') ? 'if' : 'sf' });
      if (l.topics.depth) this.byTopic.set(l.topics.depth, { listing: l, kind: 'dp' });
    }
  }

  protected override started(): void {
    this.whileUp(setInterval(() => this.pump(), this.opts.batchMs ?? 25));
  }

  get root(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}${HSM_PATH}`;
  }
  get redirectUrl(): string {
    return this.opts.redirectUrl ?? 'http://127.0.0.1:8421/fyers/callback';
  }

  /** The listing behind a ticker (tests: its market token, its topics). */
  listing(ticker: string): FyersSimListing | undefined {
    return this.byTicker.get(ticker);
  }

  // --- tokens ---------------------------------------------------------------------------------

  /** Mints an access token (JWT with exp and hsm_key) and a refresh token, as validate-authcode does. */
  issueToken(ttlMs = this.opts.tokenTtlMs ?? 12 * 3600_000): { accessToken: string; refreshToken: string } {
    const now = this.now();
    const exp = now + ttlMs;
    const hsmKey = randomBytes(20).toString('hex');
    const payload = {
      iss: 'api.fyers.in',
      iat: Math.floor(now / 1000),
      exp: Math.floor(exp / 1000),
      nbf: Math.floor(now / 1000),
      sub: 'access_token',
      at_hash: randomBytes(12).toString('base64url'),
      display_name: 'SIM TRADER',
      oms: 'K1',
      hsm_key: hsmKey,
      fy_id: this.fyId,
      appType: 100,
      poa_flag: 'N',
    };
    const accessToken = [b64({ alg: 'HS256', typ: 'JWT' }), b64(payload), randomBytes(24).toString('base64url')].join('.');
    this.tokens.set(accessToken, { hsmKey, exp: Math.floor(exp / 1000) * 1000, revoked: false });
    this.byHsmKey.set(hsmKey, accessToken);
    const rexp = now + (this.opts.refreshTtlMs ?? 15 * 86400_000);
    const refreshToken = [b64({ alg: 'HS256', typ: 'JWT' }), b64({ iss: 'api.fyers.in', exp: Math.floor(rexp / 1000), sub: 'refresh_token', fy_id: this.fyId }), randomBytes(24).toString('base64url')].join('.');
    this.refreshTokens.set(refreshToken, rexp);
    return { accessToken, refreshToken };
  }

  /** Ends a token now (as its day's expiry would): REST answers -8, the socket closes, its auth is refused. */
  expireToken(token: string): void {
    const t = this.tokens.get(token);
    if (t) t.exp = Math.min(t.exp, this.now() - 1);
    this.closeSocketsOf(token);
  }

  /** Revokes a token (a logout elsewhere): REST answers -15, its auth is refused from now on. */
  revokeToken(token: string): void {
    const t = this.tokens.get(token);
    if (t) t.revoked = true;
    this.closeSocketsOf(token);
  }

  /** A token's state: valid, expired (-8) or unknown/revoked (-15). */
  private check(token: string): 'ok' | 'expired' | 'invalid' {
    const t = this.tokens.get(token);
    if (!t || t.revoked) return 'invalid';
    return t.exp <= this.now() ? 'expired' : 'ok';
  }

  // --- faults ---------------------------------------------------------------------------------

  /** The next `n` symbol-token calls fail mid-answer, as the SDKs saw right after reconnects. */
  failSymbolToken(n: number): void {
    this.symbolTokenFailures = n;
  }

  /** Raw bytes as one binary frame to every authenticated socket. */
  sendRaw(frame: Uint8Array): void {
    for (const c of this.conns) if (c.token && !c.stalled) c.ws.send(frame);
  }

  // --- the data socket ------------------------------------------------------------------------

  protected override upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://x');
    // Only v1-5 is live; the other versions answer 404.
    if (url.pathname !== HSM_PATH) return this.refuse(socket, 404, 'Not Found');
    this.upgrades.push({ authorization: req.headers.authorization });
    const silent = req.headers.authorization !== undefined;
    this.accept(req, socket, head, (ws) => this.opened(ws, silent));
  }

  private opened(ws: WebSocket, silent: boolean): void {
    const conn: Conn = {
      id: ++this.connSeq,
      ws,
      silent,
      token: null,
      modes: new Map(),
      paused: new Set(),
      subs: new Map(),
      byMarketToken: new Map(),
      nextTopicId: 1,
      sent: new Map(),
      messageNumber: 0,
      stalled: false,
    };
    this.track(conn);
    ws.on('message', (data: Buffer, isBinary) => {
      const req = isBinary ? parseClientFrame(data) : null;
      if (!req) {
        this.stats.malformedRequests++;
        return;
      }
      this.received.push({ conn: conn.id, req });
      if (conn.silent) {
        if (req.type === 'auth') this.stats.ignoredAuth++;
        return;
      }
      this.handle(conn, req);
    });
  }

  private send(conn: Conn, frame: Buffer): void {
    if (conn.ws.readyState === conn.ws.OPEN && !conn.stalled) conn.ws.send(frame);
  }

  private handle(conn: Conn, req: FyersClientRequest): void {
    if (req.type === 'ping') return void this.stats.pings++;
    if (req.type === 'auth') {
      const token = this.byHsmKey.get(req.hsmKey);
      const ok = token !== undefined && this.check(token) === 'ok';
      if (ok) conn.token = token;
      return this.send(conn, encodeAuthReply({ ok, ackCount: 0 }));
    }
    // Nothing before a successful auth.
    if (!conn.token) return;
    switch (req.type) {
      case 'mode':
        for (const ch of req.channels) conn.modes.set(ch, req.mode);
        return this.send(conn, encodeStatusReply('mode', true));
      case 'pause':
      case 'resume':
        for (const ch of req.channels) {
          if (req.type === 'pause') conn.paused.add(ch);
          else conn.paused.delete(ch);
        }
        return this.send(conn, encodeStatusReply(req.type, true));
      case 'unsubscribe':
        for (const t of req.topics) this.unsubscribe(conn, t);
        return this.send(conn, encodeStatusReply('unsubscribe', true));
      case 'subscribe':
        return this.subscribe(conn, req.topics, req.channel);
      case 'ack':
        return;
    }
  }

  private subscribe(conn: Conn, topics: string[], channel: number): void {
    const fresh = [...new Set(topics)].filter((t) => !conn.subs.has(t) && this.byTopic.has(t));
    if (conn.subs.size + fresh.length > (this.opts.maxTopicsPerConnection ?? 5000)) {
      this.stats.refusedSubscriptions++;
      return this.send(conn, encodeStatusReply('subscribe', false));
    }
    this.send(conn, encodeStatusReply('subscribe', true));
    const snapshots: FyersWireItem[] = [];
    for (const topic of fresh) {
      const { listing, kind } = this.byTopic.get(topic)!;
      const sub: Sub = { topic, id: conn.nextTopicId++ & 0xffff, kind, channel, listing, divisor: 10 ** listing.precision, lastLtp: NaN };
      conn.subs.set(topic, sub);
      const token = listing.ins.token;
      conn.byMarketToken.set(token, [...(conn.byMarketToken.get(token) ?? []), sub]);
      const q = this.market.quote(token)!;
      sub.lastLtp = q.ltp;
      const hsmSeg = topic.split('|')[1];
      snapshots.push({
        item: 'snapshot',
        topicId: sub.id,
        topic,
        values: this.values(sub, q),
        multiplier: 1,
        precision: listing.precision,
        exchange: hsmSeg,
        exchangeToken: String(listing.ins.exchangeToken),
        symbol: listing.ticker.slice(listing.ticker.indexOf(':') + 1),
      });
    }
    this.sendItems(conn, snapshots);
  }

  private unsubscribe(conn: Conn, topic: string): void {
    const sub = conn.subs.get(topic);
    if (!sub) return;
    conn.subs.delete(topic);
    conn.sent.delete(sub.id);
    const token = sub.listing.ins.token;
    conn.byMarketToken.set(token, (conn.byMarketToken.get(token) ?? []).filter((s) => s !== sub));
  }

  /** A topic's values from the market, as the wire's integers. */
  private values(sub: Sub, q: SimQuote): Int32Array {
    const ins = sub.listing.ins;
    const s = (ms: number) => Math.floor(ms / 1000);
    const tick = (v: number) => Math.round(v / ins.tickSize) * ins.tickSize;
    const n = this.market.levels;
    const d = q.depth;
    if (sub.kind === 'if') return toWireValues('if', { ltp: q.ltp, prevClosePrice: q.close, exchFeedTime: s(q.tsExchange), highPrice: q.high, lowPrice: q.low, openPrice: q.open }, sub.divisor);
    if (sub.kind === 'dp') {
      const side = (from: number) => Array.from({ length: 5 }, (_, i) => (i < n ? d[from + i] : 0));
      return toWireValues('dp', { bidPrice: side(0), bidSize: side(n), bidOrders: side(2 * n), askPrice: side(3 * n), askSize: side(4 * n), askOrders: side(5 * n) }, sub.divisor);
    }
    const derivative = ins.instrumentType !== 'EQ';
    return toWireValues(
      'sf',
      {
        ltp: q.ltp,
        volTradedToday: q.volume,
        lastTradedTime: s(q.lastTradeTime),
        exchFeedTime: s(q.tsExchange),
        bidSize: d[n],
        askSize: d[4 * n],
        bidPrice: d[0],
        askPrice: d[3 * n],
        lastTradedQty: q.ltq,
        totBuyQty: q.totalBuyQty,
        totSellQty: q.totalSellQty,
        avgTradePrice: q.atp,
        oi: derivative ? q.oi : 0,
        lowPrice: q.low,
        highPrice: q.high,
        yearHigh: tick(ins.basePrice * 1.25),
        yearLow: tick(ins.basePrice * 0.75),
        lowerCircuit: tick(q.close * 0.8),
        upperCircuit: tick(q.close * 1.2),
        openPrice: q.open,
        prevClosePrice: q.close,
      },
      sub.divisor,
    );
  }

  /** Items in data frames of at most 100 (the real server batches too). */
  private sendItems(conn: Conn, items: FyersWireItem[]): void {
    for (let i = 0; i < items.length; i += 100) this.send(conn, encodeDataFrame(++conn.messageNumber, items.slice(i, i + 100), conn.sent));
  }

  /** One batch: advance the market, then each socket's changes in its channels' modes. */
  private pump(): void {
    this.carry += ((this.opts.ticksPerSecond ?? 2000) * (this.opts.batchMs ?? 25)) / 1000;
    const events = Math.floor(this.carry);
    this.carry -= events;
    const changed = new Set([...this.stepped, ...this.market.step(events)]);
    this.stepped.clear();
    for (const conn of this.conns) {
      // A token that ran out ends its socket (the client then sees the expiry on reconnect).
      if (conn.token && this.check(conn.token) !== 'ok') {
        conn.ws.terminate();
        continue;
      }
      if (!conn.token || conn.stalled) continue;
      const items: FyersWireItem[] = [];
      for (const q of changed) {
        for (const sub of conn.byMarketToken.get(q.token) ?? []) {
          if (conn.paused.has(sub.channel)) continue;
          if ((conn.modes.get(sub.channel) ?? 'lite') === 'full') items.push({ item: 'update', topicId: sub.id, values: this.values(sub, q) });
          else if (sub.kind !== 'dp' && q.ltp !== sub.lastLtp) {
            sub.lastLtp = q.ltp;
            items.push({ item: 'lite', topicId: sub.id, ltp: Math.round(q.ltp * sub.divisor) });
          }
        }
      }
      if (items.length) this.sendItems(conn, items);
    }
  }

  // --- REST -----------------------------------------------------------------------------------

  private json(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, JSON_HEADERS).end(JSON.stringify(body));
  }

  private fail(res: ServerResponse, status: number, code: number, message: string): void {
    this.json(res, status, { s: 'error', code, message });
  }

  private async body(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  protected override request(req: IncomingMessage, res: ServerResponse): void {
    this.route(req, res).catch((e) => this.fail(res, 500, -1, String(e)));
  }

  /** `Authorization: APP_ID:TOKEN`, within the app's budget; else answered as Fyers answers. */
  private authorized(req: IncomingMessage, res: ServerResponse): boolean {
    const m = /^([^:\s]+):(\S+)$/.exec(req.headers.authorization ?? '');
    const state = m && m[1] === this.appId ? this.check(m[2]) : 'invalid';
    if (state === 'expired') return this.fail(res, 401, -8, 'Your token has expired. Please generate a token'), false;
    if (state !== 'ok') return this.fail(res, 401, -15, 'Could not authenticate the user'), false;
    const now = this.now();
    this.restCalls = this.restCalls.filter((t) => t > now - 60_000);
    const lastSecond = this.restCalls.filter((t) => t > now - 1000).length;
    if (lastSecond >= (this.opts.restPerSecond ?? 10) || this.restCalls.length >= (this.opts.restPerMinute ?? 200)) {
      this.stats.rateLimited++;
      return this.fail(res, 429, 429, 'request limit reached'), false;
    }
    this.restCalls.push(now);
    return true;
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    this.hits.set(path, (this.hits.get(path) ?? 0) + 1);
    const master = /^\/sym_details\/([A-Z_]+)\.csv$/.exec(path);
    if (master && req.method === 'GET') return this.masterFile(master[1], res);
    switch (path) {
      case '/api/v3/generate-authcode':
        return req.method === 'POST' ? this.loginSubmit(req, res) : this.loginPage(url.searchParams, res);
      case '/api/v3/validate-authcode':
        return this.validateAuthCode(req, res);
      case '/api/v3/validate-refresh-token':
        return this.validateRefresh(req, res);
      case '/api/v3/profile':
        if (!this.authorized(req, res)) return;
        return this.json(res, 200, { s: 'ok', code: 200, message: '', data: { fy_id: this.fyId, name: 'SIM TRADER', display_name: 'SIM TRADER' } });
      case '/data/symbol-token':
        if (req.method !== 'POST') return this.fail(res, 405, -50, 'use POST');
        if (!this.authorized(req, res)) return;
        return this.symbolToken(req, res);
      case '/data/history':
        if (!this.authorized(req, res)) return;
        return this.history(url.searchParams, res);
      default:
        return this.fail(res, 404, -50, `no such endpoint ${path}`);
    }
  }

  private masterFile(file: string, res: ServerResponse): void {
    const rows = this.listings.filter((l) => l.file === file);
    if (!rows.length && !['NSE_CM', 'NSE_FO', 'NSE_CD', 'BSE_CM', 'BSE_FO', 'MCX_COM'].includes(file)) return void res.writeHead(404).end();
    const csv = Buffer.from(formatFyersMaster(rows.map((l) => fyersMasterRow(l, this.now()))));
    res.writeHead(200, { 'Content-Type': 'text/csv', 'Content-Length': csv.length }).end(csv);
  }

  private async symbolToken(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let symbols: unknown;
    try {
      symbols = (JSON.parse(await this.body(req)) as { symbols?: unknown }).symbols;
    } catch {
      return this.fail(res, 400, -50, 'body is not JSON');
    }
    if (!Array.isArray(symbols)) return this.fail(res, 400, -50, 'symbols must be a list');
    if (this.symbolTokenFailures > 0) {
      this.symbolTokenFailures--;
      // The headers, then the connection drops: the client reads a body cut short ("unexpected EOF").
      res.writeHead(200, JSON_HEADERS);
      res.write('{"s":"ok","validSymbol":{');
      return void setTimeout(() => res.socket?.destroy(), 5);
    }
    const validSymbol: Record<string, string> = {};
    const invalidSymbol: string[] = [];
    for (const s of symbols) {
      const l = typeof s === 'string' ? this.byTicker.get(s) : undefined;
      if (l) validSymbol[l.ticker] = l.fytoken;
      else invalidSymbol.push(String(s));
    }
    this.json(res, 200, { s: 'ok', code: 200, message: '', validSymbol, invalidSymbol });
  }

  /** GET /data/history: rows [epochSec, o, h, l, c, v(, oi)] from the same history as the other simulators. */
  private history(q: URLSearchParams, res: ServerResponse): void {
    const l = this.byTicker.get(q.get('symbol') ?? '');
    if (!l) return this.fail(res, 400, -300, 'Invalid symbol');
    const step = RESOLUTION_MINUTES[q.get('resolution') ?? ''];
    if (!step) return this.fail(res, 400, -50, `Invalid resolution ${q.get('resolution')}`);
    const format = q.get('date_format');
    const day = (s: string | null, end: boolean) => (/^\d{4}-\d{2}-\d{2}$/.test(s ?? '') ? Date.parse(`${s}T${end ? '23:59:59' : '00:00:00'}+05:30`) : NaN);
    const [from, to] =
      format === '1' ? [day(q.get('range_from'), false), day(q.get('range_to'), true)] : format === '0' ? [Number(q.get('range_from')) * 1000, Number(q.get('range_to')) * 1000] : [NaN, NaN];
    if (!Number.isFinite(from) || !Number.isFinite(to) || to < from) return this.fail(res, 400, -50, 'Invalid range_from/range_to (date_format 0: epoch seconds, 1: yyyy-mm-dd)');
    if (q.get('cont_flag') === null) return this.fail(res, 400, -50, 'cont_flag is required');
    // Fyers' caps: ~100 days a request intraday, ~a year daily.
    const maxDays = step === 1440 ? 366 : 100;
    if (to - from > maxDays * 86400_000) return this.fail(res, 400, -50, `range exceeds ${maxDays} days for resolution ${q.get('resolution')}`);
    this.stats.historyServed++;
    const ins = l.ins;
    const rows = simHistoryCandles(ins, step, from, to, this.now()).map((c) => {
      const row: number[] = [c.t, c.o, c.h, c.l, c.c, c.v];
      if (q.get('oi_flag') === '1') row.push(ins.instrumentType === 'EQ' ? 0 : 10_000 * ins.lotSize);
      return row;
    });
    if (!rows.length) return this.json(res, 200, { s: 'no_data', code: 200, message: '', candles: [] });
    this.json(res, 200, { s: 'ok', code: 200, message: '', candles: rows });
  }

  // --- login ----------------------------------------------------------------------------------

  private loginPage(q: URLSearchParams, res: ServerResponse, error = ''): void {
    const [clientId, redirectUri, state] = [q.get('client_id') ?? '', q.get('redirect_uri') ?? '', q.get('state') ?? ''];
    if (clientId !== this.appId) return this.fail(res, 400, -371, 'Invalid client_id');
    if (redirectUri !== this.redirectUrl) return this.fail(res, 400, -372, 'redirect_uri does not match the app');
    if (q.get('response_type') !== 'code') return this.fail(res, 400, -50, 'response_type must be code');
    const hidden = (name: string, value: string) => `<input type="hidden" name="${name}" value="${value.replace(/&/g, '&amp;').replace(/"/g, '&quot;')}">`;
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(
      `<!doctype html><html><head><meta charset="utf-8"><title>Fyers login (simulator)</title></head><body><h1>Login to Fyers</h1>` +
        (error ? `<p class="error">${error}</p>` : '') +
        `<form method="post" action="/api/v3/generate-authcode">${hidden('client_id', clientId)}${hidden('redirect_uri', redirectUri)}${hidden('response_type', 'code')}${hidden('state', state)}` +
        `<label>Client ID <input name="fy_id"></label><label>PIN <input name="pin" type="password"></label><button type="submit">Login</button></form></body></html>`,
    );
  }

  private async loginSubmit(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = new URLSearchParams(await this.body(req));
    if (form.get('fy_id') !== this.fyId || form.get('pin') !== (this.opts.pin ?? '1234')) return this.loginPage(form, res, 'Invalid client ID or PIN.');
    if (form.get('client_id') !== this.appId || form.get('redirect_uri') !== this.redirectUrl) return this.loginPage(form, res);
    const code = randomBytes(16).toString('hex');
    this.authCodes.set(code, { exp: this.now() + (this.opts.authCodeTtlMs ?? 5 * 60_000), used: false });
    const target = new URL(this.redirectUrl);
    for (const [k, v] of [['s', 'ok'], ['code', '200'], ['auth_code', code], ['state', form.get('state') ?? '']]) target.searchParams.set(k, v);
    res.writeHead(302, { Location: target.toString() }).end();
  }

  private hashOk(hash: unknown): boolean {
    return hash === createHash('sha256').update(`${this.appId}:${this.appSecret}`).digest('hex');
  }

  private async validateAuthCode(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') return this.fail(res, 405, -50, 'use POST');
    let b: Record<string, unknown>;
    try {
      b = JSON.parse(await this.body(req));
    } catch {
      return this.fail(res, 400, -50, 'body is not JSON');
    }
    if (b.grant_type !== 'authorization_code') return this.fail(res, 400, -50, 'grant_type must be authorization_code');
    if (!this.hashOk(b.appIdHash)) return this.fail(res, 401, -16, 'Invalid appIdHash');
    const code = this.authCodes.get(String(b.code ?? ''));
    if (!code || code.used || code.exp <= this.now()) return this.fail(res, 400, -413, 'Invalid or expired auth code');
    code.used = true;
    const t = this.issueToken();
    this.json(res, 200, { s: 'ok', code: 200, message: '', access_token: t.accessToken, refresh_token: t.refreshToken });
  }

  private async validateRefresh(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') return this.fail(res, 405, -50, 'use POST');
    let b: Record<string, unknown>;
    try {
      b = JSON.parse(await this.body(req));
    } catch {
      return this.fail(res, 400, -50, 'body is not JSON');
    }
    if (b.grant_type !== 'refresh_token') return this.fail(res, 400, -50, 'grant_type must be refresh_token');
    if (!this.hashOk(b.appIdHash)) return this.fail(res, 401, -16, 'Invalid appIdHash');
    const exp = this.refreshTokens.get(String(b.refresh_token ?? ''));
    if (exp === undefined || exp <= this.now()) return this.fail(res, 401, -17, 'refresh token invalid or expired');
    if (b.pin !== (this.opts.pin ?? '1234')) return this.fail(res, 400, -16, 'Invalid PIN');
    if (this.refuseRefresh) return this.fail(res, 400, -16, 'Could not authenticate the user: please log in again');
    this.json(res, 200, { s: 'ok', code: 200, message: '', access_token: this.issueToken().accessToken });
  }
}
