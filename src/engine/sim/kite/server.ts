// A local server that speaks Kite Connect's real protocols (specs/kite.md §1, §3–§6) over the
// market model: the binary ticker WebSocket and the REST endpoints a client needs to start.
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import type { WebSocket } from 'ws';
import {
  encodeFrame,
  HEARTBEAT_FRAME,
  MAX_CONNECTIONS,
  MAX_TOKENS_PER_CONNECTION,
  type KiteMode,
  type KiteQuote,
} from '../../brokers/kite/codec';
import { formatKiteInstrumentsCsv, type KiteInstrumentRow } from '../../brokers/kite/instruments';
import { istWallClock } from '../../../shared/ist';
import { simHistoryCandles } from '../market/history';
export { simHistoryPrice } from '../market/history';
import { MarketModel, defaultUniverse, type SimClock, type SimInstrument } from '../market/market';
import { StreamingSimServer } from '../server';

export interface KiteSimOptions {
  port?: number;
  host?: string;
  apiKey?: string;
  apiSecret?: string;
  /** Access tokens accepted from the start (a real one comes from /session/token). */
  accessTokens?: string[];
  instruments?: SimInstrument[];
  seed?: number;
  /** Market events per second across all instruments. */
  ticksPerSecond?: number;
  /** How often the server flushes batched packets, ms. */
  batchMs?: number;
  heartbeatMs?: number;
  /** Largest number of packets in one frame. */
  maxPacketsPerFrame?: number;
  /** The app's registered redirect URL: the login page sends the browser there with a request token. */
  redirectUrl?: string;
  /** The simulated user's login (the real page also asks for a TOTP; this one does not). */
  userId?: string;
  password?: string;
  /** How long a request token can be exchanged (Kite: "a few minutes"). */
  requestTokenTtlMs?: number;
  /** Historical-candle requests allowed per second before HTTP 429 (Kite: 3). */
  historicalPerSecond?: number;
  /** Sends the instruments dump at this many bytes a second (a slow line; default: at once). */
  instrumentsBytesPerSecond?: number;
  /** The market's clock and history's (default Date.now). */
  now?: () => number;
  /** When the market trades (market.ts SimClock; default around the clock). */
  clock?: SimClock;
}

interface Sub {
  mode: KiteMode;
  /** LTP last sent in ltp mode: ltp-mode clients only hear of LTP changes. */
  lastLtp: number;
}

interface Conn {
  ws: WebSocket;
  apiKey: string;
  subs: Map<number, Sub>;
  snapshots: Set<number>;
  lastSend: number;
}

const JSON_HEADERS = { 'Content-Type': 'application/json' };

/** Kite's from/to: IST wall-clock "yyyy-mm-dd hh:mm:ss" or a bare date. */
function parseIst(s: string | null): number {
  const m = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}:\d{2}))?$/.exec(s ?? '');
  return m ? Date.parse(`${m[1]}T${m[2] ?? '00:00:00'}+05:30`) : NaN;
}

/** Simulated Kite: WebSocket ticker on `/`, REST beside it on the same port. */
export class KiteSimulator extends StreamingSimServer<Conn> {
  readonly market: MarketModel;
  readonly apiKey: string;
  readonly apiSecret: string;
  private readonly accessTokens: Set<string>;
  private readonly requestTokens = new Map<string, number>();
  private readonly opts: Required<Pick<KiteSimOptions, 'ticksPerSecond' | 'batchMs' | 'heartbeatMs' | 'maxPacketsPerFrame'>>;
  private silentUntil = 0;
  private carry = 0;
  /** Client → server text messages, in order (tests check resubscription with it). */
  readonly received: Array<{ conn: number; msg: unknown }> = [];
  private connSeq = 0;
  upgradesRejected = { auth: 0, tooMany: 0 };
  private readonly instrumentRows: KiteInstrumentRow[];
  private histWindow = { second: 0, count: 0 };
  /** Historical requests answered and refused with 429, for tests. */
  readonly historicalStats = { served: 0, rateLimited: 0 };

  constructor(private readonly options: KiteSimOptions = {}) {
    super({ port: options.port, host: options.host });
    this.apiKey = options.apiKey ?? 'sim_api_key';
    this.apiSecret = options.apiSecret ?? 'sim_api_secret';
    this.accessTokens = new Set(options.accessTokens ?? ['sim_access_token']);
    this.market = new MarketModel({ instruments: options.instruments ?? defaultUniverse(), seed: options.seed ?? 1, now: options.now, clock: options.clock });
    this.opts = {
      ticksPerSecond: options.ticksPerSecond ?? 2000,
      batchMs: options.batchMs ?? 20,
      heartbeatMs: options.heartbeatMs ?? 1000,
      maxPacketsPerFrame: options.maxPacketsPerFrame ?? 500,
    };
    this.instrumentRows = this.market.instruments.map((i) => ({
      instrumentToken: i.token,
      exchangeToken: i.exchangeToken,
      tradingsymbol: i.symbol,
      name: i.name,
      lastPrice: 0,
      expiry: i.expiry ?? '',
      strike: i.strike ?? 0,
      tickSize: i.tickSize,
      lotSize: i.lotSize,
      instrumentType: i.instrumentType,
      segment: i.segment,
      exchange: i.exchange,
    }));
  }

  protected override started(): void {
    this.whileUp(setInterval(() => this.pump(), this.opts.batchMs));
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}/`;
  }
  get restUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  // --- fault injection ------------------------------------------------------------------------

  /** Sends nothing at all (no ticks, no heartbeats) for `ms`, keeping sockets open. */
  goSilent(ms: number): void {
    this.silentUntil = Date.now() + ms;
  }
  /** Invalidates an access token: later upgrades with it get HTTP 403. */
  revokeAccessToken(token: string): void {
    this.accessTokens.delete(token);
  }
  grantAccessToken(token: string): void {
    this.accessTokens.add(token);
  }
  /** Sends raw bytes as one binary frame to every connection (garbage, truncated frames...). */
  sendRaw(frame: Uint8Array): void {
    for (const c of this.conns) c.ws.send(frame);
  }
  sendText(text: string): void {
    for (const c of this.conns) c.ws.send(text);
  }
  /** Issues a request token as the login redirect would; single use, valid for `ttlMs`. */
  issueRequestToken(ttlMs = this.options.requestTokenTtlMs ?? 5 * 60_000): string {
    const t = randomBytes(16).toString('hex');
    this.requestTokens.set(t, Date.now() + ttlMs);
    return t;
  }

  // --- WebSocket ------------------------------------------------------------------------------

  protected override upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const apiKey = url.searchParams.get('api_key') ?? '';
    const accessToken = url.searchParams.get('access_token') ?? '';
    if (apiKey !== this.apiKey || !this.accessTokens.has(accessToken)) {
      this.upgradesRejected.auth++;
      return this.refuse(socket, 403, 'Forbidden');
    }
    let open = 0;
    for (const c of this.conns) if (c.apiKey === apiKey) open++;
    if (open >= MAX_CONNECTIONS) {
      this.upgradesRejected.tooMany++;
      return this.refuse(socket, 429, 'Too Many Requests');
    }
    this.accept(req, socket, head, (ws) => this.opened(ws, apiKey));
  }

  private opened(ws: WebSocket, apiKey: string): void {
    const conn: Conn = { ws, apiKey, subs: new Map(), snapshots: new Set(), lastSend: Date.now() };
    const id = ++this.connSeq;
    this.track(conn);
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      let msg: unknown;
      try {
        msg = JSON.parse(String(data));
      } catch {
        return; // the real server ignores junk
      }
      this.received.push({ conn: id, msg });
      this.control(conn, msg);
    });
  }

  private control(conn: Conn, msg: unknown): void {
    if (typeof msg !== 'object' || msg === null) return;
    const { a, v } = msg as { a?: unknown; v?: unknown };
    const tokensOf = (x: unknown): number[] =>
      Array.isArray(x) ? x.filter((t): t is number => typeof t === 'number' && Number.isInteger(t)) : [];
    if (a === 'subscribe') {
      const tokens = tokensOf(v).filter((t) => !conn.subs.has(t));
      if (conn.subs.size + tokens.length > MAX_TOKENS_PER_CONNECTION) {
        conn.ws.send(JSON.stringify({ type: 'error', data: "Can't subscribe to more than 3000 instruments." }));
        return;
      }
      for (const t of tokens) {
        if (!this.market.quote(t)) continue; // unknown tokens produce no ticks
        conn.subs.set(t, { mode: 'quote', lastLtp: NaN });
        conn.snapshots.add(t);
      }
    } else if (a === 'unsubscribe') {
      for (const t of tokensOf(v)) {
        conn.subs.delete(t);
        conn.snapshots.delete(t);
      }
    } else if (a === 'mode' && Array.isArray(v) && v.length === 2) {
      const mode = v[0];
      if (mode !== 'ltp' && mode !== 'quote' && mode !== 'full') return;
      for (const t of tokensOf(v[1])) {
        const sub = conn.subs.get(t);
        if (!sub) continue;
        sub.mode = mode;
        conn.snapshots.add(t);
      }
    }
  }

  /** One batch: advance the market, then send each connection what changed for it. */
  private pump(): void {
    const now = Date.now();
    this.carry += (this.opts.ticksPerSecond * this.opts.batchMs) / 1000;
    const events = Math.floor(this.carry);
    this.carry -= events;
    const changed = this.market.step(events);
    if (now < this.silentUntil) return;
    for (const conn of this.conns) {
      if (conn.ws.readyState !== conn.ws.OPEN) continue;
      const items: Array<{ quote: KiteQuote; mode: KiteMode }> = [];
      const seen = new Set<number>();
      for (const t of conn.snapshots) {
        const sub = conn.subs.get(t);
        const q = this.market.quote(t);
        if (!sub || !q) continue;
        items.push({ quote: q, mode: sub.mode });
        sub.lastLtp = q.ltp;
        seen.add(t);
      }
      conn.snapshots.clear();
      for (const q of changed) {
        if (seen.has(q.token)) continue;
        const sub = conn.subs.get(q.token);
        if (!sub) continue;
        if (sub.mode === 'ltp') {
          if (q.ltp === sub.lastLtp) continue;
          sub.lastLtp = q.ltp;
        }
        seen.add(q.token);
        items.push({ quote: q, mode: sub.mode });
      }
      if (items.length > 0) {
        for (let i = 0; i < items.length; i += this.opts.maxPacketsPerFrame) {
          const part = items.slice(i, i + this.opts.maxPacketsPerFrame);
          conn.ws.send(encodeFrame(part));
        }
        conn.lastSend = now;
      } else if (now - conn.lastSend >= this.opts.heartbeatMs) {
        conn.ws.send(HEARTBEAT_FRAME);
        conn.lastSend = now;
      }
    }
  }

  // --- REST -----------------------------------------------------------------------------------

  private send(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, JSON_HEADERS);
    res.end(JSON.stringify(body));
  }
  private error(res: ServerResponse, status: number, errorType: string, message: string): void {
    this.send(res, status, { status: 'error', message, error_type: errorType, data: null });
  }

  private authorized(req: IncomingMessage): boolean {
    const auth = req.headers.authorization ?? '';
    const m = /^token ([^:]+):(.+)$/.exec(auth);
    return !!m && m[1] === this.apiKey && this.accessTokens.has(m[2]);
  }

  protected override request(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (req.method === 'POST' && path === '/session/token') {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => this.sessionToken(new URLSearchParams(body), res));
      return;
    }
    if (path === '/connect/login') return this.loginPage(req, url, res);
    if (req.method !== 'GET') return this.error(res, 405, 'InputException', 'Method not allowed');
    if (!this.authorized(req)) return this.error(res, 403, 'TokenException', 'Incorrect `api_key` or `access_token`.');
    const inst = /^\/instruments(?:\/([A-Z]+))?$/.exec(path);
    if (inst) {
      const rows = inst[1] ? this.instrumentRows.filter((r) => r.exchange === inst[1]) : this.instrumentRows;
      res.writeHead(200, { 'Content-Type': 'text/csv', 'Content-Encoding': 'gzip' });
      const body = gzipSync(formatKiteInstrumentsCsv(rows));
      const rate = this.options.instrumentsBytesPerSecond;
      if (!rate) return void res.end(body);
      const step = Math.max(1, Math.ceil(rate / 10));
      let off = 0;
      const send = () => {
        if (res.destroyed) return;
        res.write(body.subarray(off, (off += step)));
        if (off >= body.length) res.end();
        else setTimeout(send, 100);
      };
      send();
      return;
    }
    const hist = /^\/instruments\/historical\/(\d+)\/([a-z0-9]+)$/.exec(path);
    if (hist) return this.historical(Number(hist[1]), hist[2], url.searchParams, res);
    this.error(res, 404, 'GeneralException', 'Route not found');
  }

  /**
   * kite.zerodha.com/connect/login: a form, then a 302 to the app's redirect URL with
   * request_token, action, type, status and the caller's redirect_params (specs/kite.md §4).
   */
  private loginPage(req: IncomingMessage, url: URL, res: ServerResponse): void {
    const page = (status: number, error: string, apiKey: string, params: string): void =>
      void res
        .writeHead(status, { 'Content-Type': 'text/html; charset=utf-8' })
        .end(
          `<!doctype html><html><head><meta charset="utf-8"><title>Kite login (simulator)</title></head><body><h1>Login to Kite</h1>` +
            (error ? `<p class="error">${error}</p>` : '') +
            `<form method="post" action="/connect/login"><input type="hidden" name="api_key" value="${encodeURIComponent(apiKey)}">` +
            `<input type="hidden" name="redirect_params" value="${encodeURIComponent(params)}">` +
            `<label>User ID <input name="user_id"></label><label>Password <input name="password" type="password"></label><button type="submit">Login</button></form></body></html>`,
        );
    if (req.method === 'GET') {
      const apiKey = url.searchParams.get('api_key') ?? '';
      if (apiKey !== this.apiKey) return page(400, 'Invalid `api_key`.', apiKey, '');
      return page(200, '', apiKey, url.searchParams.get('redirect_params') ?? '');
    }
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      const apiKey = decodeURIComponent(form.get('api_key') ?? '');
      const params = decodeURIComponent(form.get('redirect_params') ?? '');
      if (apiKey !== this.apiKey) return page(400, 'Invalid `api_key`.', apiKey, params);
      if (form.get('user_id') !== (this.options.userId ?? 'SIM001') || form.get('password') !== (this.options.password ?? 'sim-password'))
        return page(200, 'Invalid user ID or password.', apiKey, params);
      const target = new URL(this.options.redirectUrl ?? 'http://127.0.0.1:8421/kite/callback');
      target.searchParams.set('action', 'login');
      target.searchParams.set('type', 'login');
      target.searchParams.set('status', 'success');
      target.searchParams.set('request_token', this.issueRequestToken());
      for (const [k, v] of new URLSearchParams(params)) target.searchParams.set(k, v);
      res.writeHead(302, { Location: target.toString() }).end();
    });
  }

  private sessionToken(form: URLSearchParams, res: ServerResponse): void {
    const apiKey = form.get('api_key') ?? '';
    const requestToken = form.get('request_token') ?? '';
    const checksum = form.get('checksum') ?? '';
    if (!apiKey || !requestToken || !checksum) return this.error(res, 400, 'InputException', 'Missing `api_key`, `request_token` or `checksum`.');
    const expiresAt = this.requestTokens.get(requestToken);
    if (apiKey !== this.apiKey || expiresAt === undefined || expiresAt < Date.now()) {
      this.requestTokens.delete(requestToken);
      return this.error(res, 403, 'TokenException', 'Token is invalid or has expired.');
    }
    const expected = createHash('sha256').update(apiKey + requestToken + this.apiSecret).digest('hex');
    if (checksum !== expected) return this.error(res, 403, 'TokenException', 'Invalid `checksum`.');
    this.requestTokens.delete(requestToken); // single use
    const accessToken = randomBytes(16).toString('hex');
    this.accessTokens.add(accessToken);
    const loginTime = istWallClock(Date.now());
    this.send(res, 200, {
      status: 'success',
      data: {
        user_type: 'individual',
        email: 'sim@example.com',
        user_name: 'Tickdesk Simulator',
        user_shortname: 'Simulator',
        broker: 'ZERODHA',
        exchanges: ['NSE', 'NFO', 'BFO', 'CDS', 'BSE', 'MCX', 'BCD', 'MF'],
        products: ['CNC', 'NRML', 'MIS', 'BO', 'CO'],
        order_types: ['MARKET', 'LIMIT', 'SL', 'SL-M'],
        avatar_url: null,
        user_id: 'SIM001',
        api_key: apiKey,
        access_token: accessToken,
        public_token: randomBytes(8).toString('hex'),
        enctoken: randomBytes(8).toString('hex'),
        refresh_token: '',
        silo: '',
        login_time: loginTime,
        meta: { demat_consent: 'physical' },
      },
    });
  }

  private historical(token: number, interval: string, q: URLSearchParams, res: ServerResponse): void {
    const now = (this.options.now ?? Date.now)();
    // Kite: 3 requests a second for historical candles, then 429 (per second, no minute window).
    const second = Math.floor(now / 1000);
    if (this.histWindow.second !== second) this.histWindow = { second, count: 0 };
    if (++this.histWindow.count > (this.options.historicalPerSecond ?? 3)) {
      this.historicalStats.rateLimited++;
      return this.error(res, 429, 'NetworkException', 'Too many requests');
    }
    const minutes: Record<string, number> = { minute: 1, '3minute': 3, '5minute': 5, '10minute': 10, '15minute': 15, '30minute': 30, '60minute': 60, day: 1440 };
    const maxDays: Record<string, number> = { minute: 60, '3minute': 100, '5minute': 100, '10minute': 100, '15minute': 200, '30minute': 200, '60minute': 400, day: 2000 };
    const step = minutes[interval];
    if (!step) return this.error(res, 400, 'InputException', 'invalid interval');
    const ins = this.market.instrument(token);
    if (!ins) return this.error(res, 400, 'InputException', 'invalid token');
    // from/to are IST wall-clock times "yyyy-mm-dd hh:mm:ss" (or a date), both inclusive.
    const from = parseIst(q.get('from'));
    const to = parseIst(q.get('to'));
    if (!Number.isFinite(from) || !Number.isFinite(to) || to < from) return this.error(res, 400, 'InputException', 'invalid from/to');
    if (to - from > maxDays[interval] * 86400_000) return this.error(res, 400, 'InputException', 'interval exceeds max limit: ' + maxDays[interval] + ' days');
    this.historicalStats.served++;
    const withOi = q.get('oi') === '1';
    const candles: unknown[][] = [];
    const fmt = (ms: number) => istWallClock(ms).replace(' ', 'T') + '+0530';
    for (const k of simHistoryCandles(ins, step, from, to, now)) {
      const row: unknown[] = [fmt(k.t * 1000), k.o, k.h, k.l, k.c, k.v];
      if (withOi) row.push(ins.instrumentType === 'EQ' ? 0 : 10000 * ins.lotSize);
      candles.push(row);
    }
    this.send(res, 200, { status: 'success', data: { candles } });
  }
}
