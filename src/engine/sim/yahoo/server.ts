// A local Yahoo Finance (specs/fyers-upstox-yahoo.md §3.1–3.5) over the market model: the streamer
// WebSocket (subscribe/unsubscribe JSON in; one PricingData per text frame out, `?version=2` JSON
// envelopes or legacy bare base64; a snapshot on subscribe, then every change; an idle socket
// dropped), and on the same port the chart API v8 (column arrays, gmtoffset 19800, null bars, the
// per-interval span and lookback limits answered as Yahoo answers them), fc.yahoo.com's cookie and
// getcrumb. Faults users meet are switchable: 429 waves in plain text, result:null errors, invalid
// crumbs, a throttled getcrumb, silence, dropped sockets, a closed market.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import { IST_MS } from '../../../shared/ist';
import { sessionPhase } from '../../../shared/nse-calendar';
import { encodeLegacyFrame, encodePricingFrame, MarketHours, parseControl, QuoteType, type PricingData } from '../../brokers/yahoo/codec';
import { YAHOO_INTERVAL_LIMITS, type YahooInterval } from '../../brokers/yahoo/history';
import { yahooSymbolOf, type YahooListing } from '../../brokers/yahoo/instruments';
import { hash2, simHistoryCandles } from '../market/history';
import { defaultUniverse, MarketModel, type SimClock, type SimInstrument, type SimQuote } from '../market/market';
import { StreamingSimServer, type SimServerOptions } from '../server';

export interface YahooSimOptions extends SimServerOptions {
  /** Default: the market model's default universe (its NSE/BSE shares and indices are served). */
  instruments?: SimInstrument[];
  seed?: number;
  /** Market events per second across all instruments. */
  ticksPerSecond?: number;
  /** How often the market steps and changes are sent, ms. */
  batchMs?: number;
  /** A socket whose client has sent nothing for this long is dropped (Yahoo: reported ~20–25 min). */
  idleDropMs?: number;
  /** Send nothing outside NSE hours (09:15–15:30 IST on trading days, by `now`), as the real stream is quiet then. */
  marketHours?: boolean;
  /** The clock for the market, market hours and history (default Date.now). */
  now?: () => number;
  /** When the market trades (market.ts SimClock; default around the clock). */
  clock?: SimClock;
  /** The share of chart bars that come back all null (Yahoo's empty bars); default 1 %. */
  nullBarRate?: number;
  /** Chart requests answered per second before plain-text 429s. */
  chartPerSecond?: number;
  /** Chart requests without a valid cookie and crumb are answered 401 "Invalid Crumb". */
  requireCrumb?: boolean;
}

interface Conn {
  id: number;
  ws: WebSocket;
  framing: 'json' | 'legacy';
  symbols: Set<string>;
  /** Symbols subscribed since the last batch: their current quote goes first. */
  snapshots: Set<string>;
  lastClientAt: number;
}

/** The chart intervals the simulator serves, in minutes. */
const STEP_MIN: Partial<Record<YahooInterval, number>> = { '1m': 1, '2m': 2, '5m': 5, '15m': 15, '30m': 30, '60m': 60, '90m': 90, '1h': 60, '1d': 1440 };
const ALL_INTERVALS = '[1m, 2m, 5m, 15m, 30m, 60m, 90m, 1h, 1d, 5d, 1wk, 1mo, 3mo]';
const RANGE_DAYS: Record<string, number> = { '1d': 1, '5d': 5, '1mo': 30, '3mo': 91, '6mo': 182, '1y': 365, '2y': 730, '5y': 1826, '10y': 3652, max: 7305 };
/** The NSE session open, seconds after IST midnight: Yahoo stamps daily bars there. */
const OPEN_S = (9 * 60 + 15) * 60;

export class YahooSimulator extends StreamingSimServer<Conn> {
  readonly market: MarketModel;
  /** The served symbols, in universe order, with their names (the venue's master). */
  readonly listings: YahooListing[] = [];
  private readonly bySymbol = new Map<string, SimInstrument>();
  private readonly symbolOf = new Map<number, string>();
  private connSeq = 0;
  private carry = 0;
  private silentUntil = 0;
  private rateLimitLeft = 0;
  private crumbThrottleLeft = 0;
  private readonly failures: Array<{ status: number; code: string; description: string }> = [];
  private readonly cookies = new Set<string>();
  /** crumb → the cookie it was issued with. */
  private readonly crumbs = new Map<string, string>();
  private chartWindow = { second: 0, count: 0 };
  private refusals: number[] = [];
  /** Client text frames in order ({conn, msg}: the parsed control message, or the raw text). */
  readonly received: Array<{ conn: number; msg: unknown }> = [];
  /** Chart requests as asked (whatever the answer), for paging tests. */
  readonly chartRequests: Array<{ symbol: string; interval: string; period1: number; period2: number; crumb?: string }> = [];
  readonly stats = { chart: { served: 0, rateLimited: 0, errors: 0 }, cookies: 0, crumbs: 0, idleDrops: 0, framesSent: 0 };
  /** Mutable: tests shorten it while a feed runs. */
  idleDropMs: number;
  private readonly now: () => number;

  constructor(private readonly opts: YahooSimOptions = {}) {
    super(opts);
    this.now = opts.now ?? Date.now;
    this.market = new MarketModel({ instruments: opts.instruments ?? defaultUniverse(), seed: opts.seed ?? 1, now: this.now, clock: opts.clock });
    this.idleDropMs = opts.idleDropMs ?? 20 * 60_000;
    for (const ins of this.market.instruments) {
      const symbol = yahooSymbolOf(ins);
      if (!symbol || this.bySymbol.has(symbol)) continue;
      this.bySymbol.set(symbol, ins);
      this.symbolOf.set(ins.token, symbol);
      this.listings.push({ symbol, name: ins.name });
    }
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}/`;
  }
  get restUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  protected override started(): void {
    this.whileUp(setInterval(() => this.pump(), this.opts.batchMs ?? 50));
  }

  // --- faults ---------------------------------------------------------------------------------

  /** Sends nothing for `ms`, sockets kept open. */
  goSilent(ms: number): void {
    this.silentUntil = Date.now() + ms;
  }
  /** One text frame to every streamer socket (garbage, another type, a legacy frame...). */
  sendText(text: string): void {
    for (const c of this.conns) c.ws.send(text);
  }
  /** The next `n` chart requests get HTTP 429 "Edge: Too Many Requests" in plain text. */
  rateLimitNext(n: number): void {
    this.rateLimitLeft = n;
  }
  /** The next `n` chart requests get {chart:{result:null, error:{code, description}}} with `status`. */
  failNext(n: number, e = { status: 500, code: 'Internal Server Error', description: 'Internal Server Error' }): void {
    for (let i = 0; i < n; i++) this.failures.push(e);
  }
  /** Every crumb (and cookie) issued so far stops working: clients must fetch new ones. */
  invalidateCrumbs(): void {
    this.crumbs.clear();
    this.cookies.clear();
  }
  /** The next `n` streamer upgrades are refused with this HTTP status (a blocked client). */
  refuseUpgrades(n: number, status = 403): void {
    for (let i = 0; i < n; i++) this.refusals.push(status);
  }
  /** The next `n` getcrumb requests answer 429 with the text "Too Many Requests". */
  throttleCrumb(n: number): void {
    this.crumbThrottleLeft = n;
  }

  // --- streamer -------------------------------------------------------------------------------

  protected override upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== '/') return this.refuse(socket, 404, 'Not Found');
    const refused = this.refusals.shift();
    if (refused !== undefined) return this.refuse(socket, refused, refused === 429 ? 'Too Many Requests' : 'Forbidden');
    const framing = url.searchParams.get('version') === '2' ? 'json' : 'legacy';
    this.accept(req, socket, head, (ws) => {
      const conn: Conn = { id: ++this.connSeq, ws, framing, symbols: new Set(), snapshots: new Set(), lastClientAt: Date.now() };
      this.track(conn);
      ws.on('message', (data) => {
        conn.lastClientAt = Date.now();
        const text = String(data);
        const m = parseControl(text);
        this.received.push({ conn: conn.id, msg: m ?? text });
        if (!m) return; // the real server ignores what it cannot read
        for (const s of m.symbols) {
          if (m.action === 'unsubscribe') {
            conn.symbols.delete(s);
            conn.snapshots.delete(s);
          } else if (this.bySymbol.has(s) && !conn.symbols.has(s)) {
            conn.symbols.add(s);
            conn.snapshots.add(s);
          }
        }
      });
    });
  }

  /** The streamer's message for a quote: proto3, so what is 0 stays off the wire (the encoder leaves it out). */
  pricingOf(q: SimQuote, symbol: string): Partial<PricingData> {
    const ins = this.bySymbol.get(symbol)!;
    const index = ins.segment === 'INDICES';
    const change = q.ltp - q.close;
    return {
      id: symbol,
      price: q.ltp,
      time: q.tsExchange,
      currency: 'INR',
      exchange: ins.exchange === 'BSE' ? 'BSE' : 'NSI',
      quoteType: index ? QuoteType.INDEX : QuoteType.EQUITY,
      marketHours: MarketHours.REGULAR_MARKET,
      changePercent: q.close ? (change / q.close) * 100 : 0,
      dayVolume: index ? 0 : q.volume,
      dayHigh: q.high,
      dayLow: q.low,
      change,
      openPrice: q.open,
      previousClose: q.close,
      priceHint: 2,
    };
  }

  private closed(): boolean {
    return !!this.opts.marketHours && sessionPhase(this.now(), 'cash') !== 'open';
  }

  /** One batch: step the market, drop idle sockets, send each socket its snapshots and changes. */
  private pump(): void {
    const now = Date.now();
    this.carry += ((this.opts.ticksPerSecond ?? 500) * (this.opts.batchMs ?? 50)) / 1000;
    const events = Math.floor(this.carry);
    this.carry -= events;
    const changed = this.market.step(events);
    for (const c of this.conns) {
      if (now - c.lastClientAt > this.idleDropMs) {
        this.stats.idleDrops++;
        this.conns.delete(c);
        c.ws.terminate();
      }
    }
    if (now < this.silentUntil || this.closed()) return;
    for (const c of this.conns) {
      if (c.ws.readyState !== c.ws.OPEN) continue;
      const sent = new Set<string>();
      const send = (symbol: string, q: SimQuote) => {
        if (sent.has(symbol)) return;
        sent.add(symbol);
        const msg = this.pricingOf(q, symbol);
        c.ws.send(c.framing === 'json' ? encodePricingFrame(msg) : encodeLegacyFrame(msg));
        this.stats.framesSent++;
      };
      for (const s of c.snapshots) send(s, this.market.quote(this.bySymbol.get(s)!.token)!);
      c.snapshots.clear();
      for (const q of changed) {
        const s = this.symbolOf.get(q.token);
        if (s && c.symbols.has(s)) send(s, q);
      }
    }
  }

  // --- REST -----------------------------------------------------------------------------------

  protected override request(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    const text = (status: number, body: string, headers: Record<string, string> = {}) => void res.writeHead(status, { 'Content-Type': 'text/plain;charset=utf-8', ...headers }).end(body);
    const json = (status: number, body: unknown) => void res.writeHead(status, { 'Content-Type': 'application/json;charset=utf-8' }).end(JSON.stringify(body));
    if (path === '/fc' || path.startsWith('/fc/')) {
      // fc.yahoo.com: a 404 page whose only use is the A3 cookie it sets.
      const a3 = `d=AQABBK${randomBytes(12).toString('hex')}&S=AQAAA${randomBytes(6).toString('hex')}`;
      this.cookies.add(a3);
      this.stats.cookies++;
      return void res.writeHead(404, { 'Content-Type': 'text/html', 'Set-Cookie': `A3=${a3}; Max-Age=31557600; Domain=.yahoo.com; Path=/; SameSite=None; Secure; HttpOnly` }).end('<html><body>404 Not Found</body></html>');
    }
    // Requests without a browser's User-Agent are throttled before anything else.
    if (!/Mozilla\//.test(req.headers['user-agent'] ?? '')) return text(429, 'Edge: Too Many Requests');
    if (path === '/v1/test/getcrumb') {
      if (this.crumbThrottleLeft > 0) {
        this.crumbThrottleLeft--;
        return text(429, 'Too Many Requests');
      }
      const cookie = this.cookieOf(req);
      if (!cookie) return json(401, { finance: { result: null, error: { code: 'Unauthorized', description: 'Invalid Cookie' } } });
      const crumb = randomBytes(8).toString('base64').replace(/=+$/, '').replace(/\+/g, '.');
      this.crumbs.set(crumb, cookie);
      this.stats.crumbs++;
      return text(200, crumb);
    }
    const chart = /^\/v8\/finance\/chart\/([^/]+)$/.exec(path);
    if (chart) return this.chart(decodeURIComponent(chart[1]), url.searchParams, req, res);
    json(404, { finance: { result: null, error: { code: 'Not Found', description: 'HTTP 404 Not Found' } } });
  }

  /** The A3 cookie of a request, when it is one this server set (and has not invalidated). */
  private cookieOf(req: IncomingMessage): string | undefined {
    const a3 = /(?:^|;\s*)A3=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    return a3 && this.cookies.has(a3) ? a3 : undefined;
  }

  private chart(symbol: string, q: URLSearchParams, req: IncomingMessage, res: ServerResponse): void {
    const fail = (status: number, code: string, description: string) => {
      this.stats.chart.errors++;
      res.writeHead(status, { 'Content-Type': 'application/json;charset=utf-8' }).end(JSON.stringify({ chart: { result: null, error: { code, description } } }));
    };
    const throttled = () => {
      this.stats.chart.rateLimited++;
      res.writeHead(429, { 'Content-Type': 'text/plain;charset=utf-8' }).end('Edge: Too Many Requests');
    };
    this.chartRequests.push({ symbol, interval: q.get('interval') ?? '', period1: Number(q.get('period1')), period2: Number(q.get('period2')), ...(q.has('crumb') ? { crumb: q.get('crumb')! } : {}) });
    const now = this.now();
    const second = Math.floor(Date.now() / 1000);
    if (this.chartWindow.second !== second) this.chartWindow = { second, count: 0 };
    if (this.rateLimitLeft > 0) {
      this.rateLimitLeft--;
      return throttled();
    }
    if (++this.chartWindow.count > (this.opts.chartPerSecond ?? 20)) return throttled();
    const forced = this.failures.shift();
    if (forced) return fail(forced.status, forced.code, forced.description);
    if (this.opts.requireCrumb) {
      const cookie = this.cookieOf(req);
      const crumb = q.get('crumb') ?? '';
      if (!cookie || this.crumbs.get(crumb) !== cookie) return fail(401, 'Unauthorized', 'Invalid Crumb');
    }
    const ins = this.bySymbol.get(symbol);
    if (!ins) return fail(404, 'Not Found', 'No data found, symbol may be delisted');
    const interval = (q.get('interval') ?? '1d') as YahooInterval;
    const step = STEP_MIN[interval];
    if (!step) return fail(400, 'Bad Request', `Invalid input - interval=${interval} is not supported. Valid intervals: ${ALL_INTERVALS}`);
    const nowS = Math.floor(now / 1000);
    let p1: number;
    let p2: number;
    const range = q.get('range');
    if (range !== null) {
      const days = RANGE_DAYS[range];
      if (days === undefined) return fail(400, 'Bad Request', `Invalid input - range=${range} is not supported`);
      [p1, p2] = [nowS - days * 86400, nowS];
    } else {
      [p1, p2] = [Number(q.get('period1')), Number(q.get('period2'))];
      if (!Number.isInteger(p1) || !Number.isInteger(p2)) return fail(400, 'Bad Request', 'Invalid input - period1 and period2 must be whole seconds');
      if (p1 >= p2) return fail(400, 'Bad Request', `Invalid input - start date cannot be after end date. startDate = ${p1}, endDate = ${p2}`);
    }
    const { perRequestDays, lookbackDays } = YAHOO_INTERVAL_LIMITS[interval];
    if (p1 < nowS - lookbackDays * 86400)
      return fail(422, 'Unprocessable Entity', `${interval} data not available for startTime=${p1} and endTime=${p2}. The requested range must be within the last ${lookbackDays} days.`);
    if (p2 - p1 > perRequestDays * 86400) return fail(422, 'Unprocessable Entity', `Only ${perRequestDays} days worth of ${interval} granularity data are allowed to be fetched per request.`);
    this.stats.chart.served++;
    res.writeHead(200, { 'Content-Type': 'application/json;charset=utf-8' }).end(JSON.stringify(this.chartBody(symbol, ins, interval, step, p1, p2, now)));
  }

  /** {chart:{result:[{meta, timestamp, indicators}], error:null}}, as Yahoo writes it: float32 prices, null bars. */
  private chartBody(symbol: string, ins: SimInstrument, interval: YahooInterval, step: number, p1: number, p2: number, now: number): unknown {
    const index = ins.segment === 'INDICES';
    const quote = this.market.quote(ins.token)!;
    const daily = step === 1440;
    const rows: Array<{ t: number; o: number | null; h: number | null; l: number | null; c: number | null; v: number | null }> = [];
    for (const c of simHistoryCandles(ins, step, p1 * 1000, p2 * 1000 - 1, now)) {
      // Daily bars are stamped at the session open (09:15 IST), as Yahoo stamps NSE's.
      const t = daily ? c.t + OPEN_S : c.t;
      if (hash2(ins.token ^ 0x7a40, Math.floor(t / 60)) < (this.opts.nullBarRate ?? 0.01)) rows.push({ t, o: null, h: null, l: null, c: null, v: null });
      else rows.push({ t, o: Math.fround(c.o), h: Math.fround(c.h), l: Math.fround(c.l), c: Math.fround(c.c), v: index ? 0 : c.v });
    }
    // While the market is open, the daily chart carries today's bar twice: the day so far, and a
    // live row at the last trade (yfinance folds them together; so does parseChart).
    const last = rows.at(-1);
    if (daily && last && last.c !== null && sessionPhase(now, 'cash') === 'open' && Math.floor((last.t * 1000 + IST_MS) / 86400_000) === Math.floor((now + IST_MS) / 86400_000)) {
      rows.push({ ...last, t: Math.floor(now / 1000) });
    }
    const dayStart = Math.floor((now + IST_MS) / 86400_000) * 86400 - IST_MS / 1000;
    const period = (start: number, end: number) => ({ timezone: 'IST', start: dayStart + start, end: dayStart + end, gmtoffset: 19800 });
    const meta = {
      currency: 'INR',
      symbol,
      exchangeName: ins.exchange === 'BSE' ? 'BSE' : 'NSI',
      fullExchangeName: ins.exchange === 'BSE' ? 'BSE' : 'NSE',
      instrumentType: index ? 'INDEX' : 'EQUITY',
      firstTradeDate: 820467900,
      regularMarketTime: Math.floor(quote.tsExchange / 1000),
      hasPrePostMarketData: false,
      gmtoffset: 19800,
      timezone: 'IST',
      exchangeTimezoneName: 'Asia/Kolkata',
      regularMarketPrice: Math.fround(quote.ltp),
      regularMarketDayHigh: Math.fround(quote.high),
      regularMarketDayLow: Math.fround(quote.low),
      regularMarketVolume: index ? 0 : quote.volume,
      longName: ins.name,
      shortName: ins.name,
      chartPreviousClose: Math.fround(quote.close),
      previousClose: Math.fround(quote.close),
      scale: 3,
      priceHint: 2,
      currentTradingPeriod: { pre: period(OPEN_S - 900, OPEN_S), regular: period(OPEN_S, 15.5 * 3600), post: period(15.5 * 3600, 16 * 3600) },
      dataGranularity: interval,
      range: '',
      validRanges: Object.keys(RANGE_DAYS).concat('ytd'),
    };
    const result: Record<string, unknown> = { meta };
    if (rows.length === 0) result.indicators = { quote: [{}] };
    else {
      result.timestamp = rows.map((r) => r.t);
      result.indicators = {
        quote: [{ open: rows.map((r) => r.o), high: rows.map((r) => r.h), low: rows.map((r) => r.l), close: rows.map((r) => r.c), volume: rows.map((r) => r.v) }],
        ...(daily ? { adjclose: [{ adjclose: rows.map((r) => r.c) }] } : {}),
      };
    }
    return { chart: { result: [result], error: null } };
  }
}
