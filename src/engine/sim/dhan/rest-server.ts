// Simulated Dhan REST (specs/dhan.md §6, §8): the API-key consent flow on "auth.dhan.co"
// (generate-consent, the consent login page that redirects with a tokenId, consumeApp-consent),
// RenewToken and profile on "api.dhan.co/v2", and the public scrip master CSV. Tokens are JWTs
// with Dhan's claims; every token issued is announced so the feed simulators accept it.
import { istDay, istWallClock } from '../../../shared/ist';
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dhanSegmentOf } from './feed-server';
import { simHistoryCandles } from '../market/history';
import type { SimInstrument } from '../market/market';
import { SimServer } from '../server';

export interface DhanRestSimOptions {
  clientId?: string;
  clientName?: string;
  apiKey?: string;
  apiSecret?: string;
  /** The redirect URL registered with the API key (the login page sends the browser there). */
  redirectUrl?: string;
  /** What the user types on the login page (the real page asks for a password/OTP/PIN). */
  pin?: string;
  /** Token lifetime (24 h, §6.1). */
  tokenTtlMs?: number;
  /** How long a tokenId from the login page can be consumed. */
  tokenIdTtlMs?: number;
  /** The consumer type the consent flow's tokens carry (undocumented, §6.3). */
  consentTokenType?: 'SELF' | 'APP';
  /** Instruments for the scrip master and the charts endpoints. */
  instruments?: SimInstrument[];
  /** Data API requests a second before HTTP 429 DH-904 (Dhan: 5). */
  dataPerSecond?: number;
  /** Every token issued (login or renewal) and every token revoked. */
  onIssued?: (token: string) => void;
  onRevoked?: (token: string) => void;
  now?: () => number;
}

interface TokenState {
  clientId: string;
  type: string;
  exp: number;
  revoked: boolean;
}


/** A time as Dhan writes it: IST wall clock with no zone, "YYYY-MM-DDTHH:MM:SS". */
function istIso(ms: number): string {
  return istWallClock(ms).replace(' ', 'T');
}

/** "dd/MM/yyyy HH:mm" in IST, as the profile's tokenValidity. */
function istDmy(ms: number): string {
  const d = istIso(ms);
  return `${d.slice(8, 10)}/${d.slice(5, 7)}/${d.slice(0, 4)} ${d.slice(11, 16)}`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** Dhan's names for the indices Kite calls otherwise. */
const DHAN_INDEX_SYMBOL: Record<string, string> = { 'NIFTY 50': 'NIFTY', 'NIFTY BANK': 'BANKNIFTY', 'NIFTY FIN SERVICE': 'FINNIFTY', 'NIFTY MID SELECT': 'MIDCPNIFTY' };

function csvField(v: string | number): string {
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The compact scrip master (§8.3) for simulated instruments, with Dhan's symbols and paise tick sizes. */
export function dhanScripMasterCsv(instruments: readonly SimInstrument[]): string {
  const header = [
    'SEM_EXM_EXCH_ID', 'SEM_SEGMENT', 'SEM_SMST_SECURITY_ID', 'SEM_INSTRUMENT_NAME', 'SEM_EXPIRY_CODE', 'SEM_TRADING_SYMBOL', 'SEM_LOT_UNITS',
    'SEM_CUSTOM_SYMBOL', 'SEM_EXPIRY_DATE', 'SEM_STRIKE_PRICE', 'SEM_OPTION_TYPE', 'SEM_TICK_SIZE', 'SEM_EXPIRY_FLAG', 'SEM_EXCH_INSTRUMENT_TYPE',
    'SEM_SERIES', 'SM_SYMBOL_NAME',
  ];
  const lines = [header.join(',')];
  // The month's last expiry of an underlying is its monthly ('M'); earlier ones are weeklies ('W').
  const monthly = new Map<string, string>();
  for (const i of instruments)
    if (i.instrumentType !== 'EQ' && i.expiry) {
      const k = `${i.name}:${i.expiry.slice(0, 7)}`;
      if (!monthly.has(k) || monthly.get(k)! < i.expiry) monthly.set(k, i.expiry);
    }
  for (const i of instruments) {
    const seg = dhanSegmentOf(i);
    const exch = seg === 'IDX_I' ? i.exchange : seg.startsWith('BSE') ? 'BSE' : seg === 'MCX_COMM' ? 'MCX' : 'NSE';
    const segLetter = seg === 'IDX_I' ? 'I' : seg.endsWith('_EQ') ? 'E' : seg.endsWith('_FNO') ? 'D' : seg.endsWith('CURRENCY') ? 'C' : 'M';
    const deriv = i.instrumentType !== 'EQ';
    const isIndexDeriv = ['NIFTY', 'BANKNIFTY', 'FINNIFTY', 'MIDCPNIFTY', 'SENSEX'].includes(i.name);
    const instrument = seg === 'IDX_I' ? 'INDEX' : !deriv ? 'EQUITY' : seg === 'MCX_COMM' ? (i.instrumentType === 'FUT' ? 'FUTCOM' : 'OPTFUT') : seg.endsWith('CURRENCY') ? (i.instrumentType === 'FUT' ? 'FUTCUR' : 'OPTCUR') : `${i.instrumentType === 'FUT' ? 'FUT' : 'OPT'}${isIndexDeriv ? 'IDX' : 'STK'}`;
    let symbol = seg === 'IDX_I' ? (DHAN_INDEX_SYMBOL[i.symbol] ?? i.symbol) : i.symbol;
    let custom = i.name || symbol;
    if (deriv && i.expiry) {
      const [y, m, d] = i.expiry.split('-');
      const mon = MONTHS[Number(m) - 1];
      symbol = i.instrumentType === 'FUT' ? `${i.name}-${mon}${y}-FUT` : `${i.name}-${mon}${y}-${i.strike}-${i.instrumentType}`;
      custom = i.instrumentType === 'FUT' ? `${i.name} ${mon.toUpperCase()} FUT` : `${i.name} ${Number(d)} ${mon.toUpperCase()} ${i.strike} ${i.instrumentType === 'CE' ? 'CALL' : 'PUT'}`;
    }
    lines.push(
      [
        exch, segLetter, i.exchangeToken, instrument, deriv ? 0 : '', symbol, `${i.lotSize}.0`, custom,
        deriv && i.expiry ? `${i.expiry} 14:30:00` : '0001-01-01', deriv && i.strike ? i.strike.toFixed(5) : '-0.01000',
        i.instrumentType === 'CE' || i.instrumentType === 'PE' ? i.instrumentType : 'XX', (i.tickSize * 100).toFixed(4),
        deriv ? (i.expiry && monthly.get(`${i.name}:${i.expiry.slice(0, 7)}`) !== i.expiry ? 'W' : 'M') : 'NA', seg === 'IDX_I' ? 'IX' : deriv ? (i.instrumentType === 'FUT' ? 'FUT' : 'OP') : 'ES', deriv ? 'XX' : 'EQ', i.name,
      ]
        .map(csvField)
        .join(','),
    );
  }
  return lines.join('\n') + '\n';
}

export class DhanRestSimulator extends SimServer {
  readonly clientId: string;
  readonly apiKey: string;
  readonly apiSecret: string;
  readonly redirectUrl: string;
  private readonly pin: string;
  private readonly now: () => number;
  private readonly consents = new Map<string, { used: boolean; day: string }>();
  private readonly tokenIds = new Map<string, { expires: number; used: boolean }>();
  private readonly tokens = new Map<string, TokenState>();
  /** Requests by path, for tests. */
  readonly hits = new Map<string, number>();
  private dataWindow = { second: 0, count: 0 };
  readonly chartStats = { served: 0, rateLimited: 0 };
  scripMasterDownloads = 0;

  constructor(private readonly opts: DhanRestSimOptions = {}) {
    super();
    this.clientId = opts.clientId ?? '1000000001';
    this.apiKey = opts.apiKey ?? 'sim-dhan-key';
    this.apiSecret = opts.apiSecret ?? 'sim-dhan-secret';
    this.redirectUrl = opts.redirectUrl ?? 'http://127.0.0.1:8421/dhan/callback';
    this.pin = opts.pin ?? '1234';
    this.now = opts.now ?? Date.now;
  }

  protected override request(req: IncomingMessage, res: ServerResponse): void {
    this.route(req, res).catch((e) => this.json(res, 500, { errorType: 'Internal', errorCode: 'DH-908', errorMessage: String(e) }));
  }

  get root(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  /** Where the auth endpoints live (auth.dhan.co). */
  get authRoot(): string {
    return this.root;
  }
  /** Where the v2 API lives (api.dhan.co/v2). */
  get apiRoot(): string {
    return `${this.root}/v2`;
  }
  get scripMasterUrl(): string {
    return `${this.root}/api-data/api-scrip-master.csv`;
  }

  /** Mints a token directly (as web.dhan.co's "Generate Access Token" does: SELF type). */
  issueToken(type: 'SELF' | 'APP' = 'SELF', ttlMs = this.opts.tokenTtlMs ?? 24 * 3600_000): string {
    const exp = this.now() + ttlMs;
    const payload = { iss: 'dhan', partnerId: '', exp: Math.floor(exp / 1000), tokenConsumerType: type, webhookUrl: '', dhanClientId: this.clientId };
    const token = ['eyJhbGciOiJIUzUxMiIsInR5cCI6IkpXVCJ9', Buffer.from(JSON.stringify(payload)).toString('base64url'), randomBytes(24).toString('base64url')].join('.');
    this.tokens.set(token, { clientId: this.clientId, type, exp, revoked: false });
    this.opts.onIssued?.(token);
    return token;
  }

  /** Ends a token now (as the daily expiry would). */
  expireToken(token: string): void {
    const t = this.tokens.get(token);
    if (t) t.exp = Math.min(t.exp, this.now() - 1);
    this.opts.onRevoked?.(token);
  }

  /**
   * POST /v2/charts/historical (daily; toDate exclusive) and /v2/charts/intraday (1, 5, 15, 25, 60
   * minutes; at most 90 days; times IST): column arrays (§7), from the same history as Kite's.
   */
  private async charts(req: IncomingMessage, res: ServerResponse, intraday: boolean): Promise<void> {
    const auth = this.tokenOf(req);
    if (!('token' in auth)) return this.fail(res, auth.status, auth.code, auth.message);
    const now = this.now();
    const second = Math.floor(now / 1000);
    if (this.dataWindow.second !== second) this.dataWindow = { second, count: 0 };
    if (++this.dataWindow.count > (this.opts.dataPerSecond ?? 5)) {
      this.chartStats.rateLimited++;
      return this.fail(res, 429, 'DH-904', 'Too many requests', 'Rate_Limit');
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(await this.body(req));
    } catch {
      return this.fail(res, 400, 'DH-905', 'body is not JSON', 'Input_Exception');
    }
    const ins = (this.opts.instruments ?? []).find((i) => String(i.exchangeToken) === String(body.securityId) && dhanSegmentOf(i) === body.exchangeSegment);
    if (!ins) return this.fail(res, 400, 'DH-905', 'Invalid SecurityId', 'Input_Exception');
    const ist = (text: unknown) => {
      const m = /^(\d{4}-\d{2}-\d{2})(?: (\d{2}:\d{2}:\d{2}))?$/.exec(String(text ?? ''));
      return m ? Date.parse(`${m[1]}T${m[2] ?? '00:00:00'}+05:30`) : NaN;
    };
    const from = ist(body.fromDate);
    const to = ist(body.toDate);
    if (!Number.isFinite(from) || !Number.isFinite(to) || to < from) return this.fail(res, 400, 'DH-905', 'Invalid fromDate/toDate', 'Input_Exception');
    let step = 1440;
    let last = to - 1; // daily: toDate is exclusive
    if (intraday) {
      step = Number(body.interval);
      if (![1, 5, 15, 25, 60].includes(step)) return this.fail(res, 400, 'DH-905', 'Invalid interval', 'Input_Exception');
      if (to - from > 90 * 86400_000) return this.fail(res, 400, 'DH-905', 'at most 90 days per request', 'Input_Exception');
      last = to;
      // The current day: every candle up to now, whatever toDate says (DhanHQ-py#80).
      if (istDay(now) === istDay(to)) last = now;
    }
    this.chartStats.served++;
    const candles = simHistoryCandles(ins, step, from, last, now);
    const out: Record<string, number[]> = { open: [], high: [], low: [], close: [], volume: [], timestamp: [] };
    for (const k of candles) {
      out.open.push(k.o);
      out.high.push(k.h);
      out.low.push(k.l);
      out.close.push(k.c);
      out.volume.push(k.v);
      out.timestamp.push(k.t);
    }
    if (body.oi === true) out.open_interest = candles.map(() => (ins.instrumentType === 'EQ' ? 0 : 10000 * ins.lotSize));
    return this.json(res, 200, out);
  }

  /** The answer of a login or a renewal (§6.2). */
  private session(accessToken: string): Record<string, unknown> {
    return {
      dhanClientId: this.clientId,
      dhanClientName: this.opts.clientName ?? 'SIM TRADER',
      dhanClientUcc: 'SIM0001',
      givenPowerOfAttorney: false,
      accessToken,
      expiryTime: istIso(this.tokens.get(accessToken)!.exp),
    };
  }

  private count(path: string): void {
    this.hits.set(path, (this.hits.get(path) ?? 0) + 1);
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }

  private fail(res: ServerResponse, status: number, code: string, message: string, type = 'Invalid_Authentication'): void {
    this.json(res, status, { errorType: type, errorCode: code, errorMessage: message });
  }

  private appAuthorized(req: IncomingMessage): boolean {
    return req.headers['app_id'] === this.apiKey && req.headers['app_secret'] === this.apiSecret;
  }

  /**
   * The token of a request, or why it is refused as Dhan refuses it: an unknown or revoked token
   * with HTTP 401 DH-901, an expired one with HTTP 400 DH-906 "Invalid Token".
   */
  private tokenOf(req: IncomingMessage): { token: string; state: TokenState } | { status: number; code: string; message: string } {
    const token = String(req.headers['access-token'] ?? '');
    const state = this.tokens.get(token);
    if (!token || !state || state.revoked) return { status: 401, code: 'DH-901', message: 'Invalid access token' };
    if (state.exp <= this.now()) return { status: 400, code: 'DH-906', message: 'Invalid Token' };
    return { token, state };
  }

  private async body(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const q = url.searchParams;
    this.count(url.pathname);
    switch (url.pathname) {
      case '/app/generate-consent': {
        if (req.method !== 'POST') return this.fail(res, 405, 'DH-905', 'use POST', 'Input_Exception');
        if (!this.appAuthorized(req)) return this.fail(res, 401, 'DH-901', 'Invalid app_id or app_secret');
        if (q.get('client_id') !== this.clientId) return this.fail(res, 400, 'DH-905', 'Invalid client_id', 'Input_Exception');
        const day = istIso(this.now()).slice(0, 10);
        if ([...this.consents.values()].filter((c) => c.day === day).length >= 25) return this.fail(res, 429, 'DH-904', 'At most 25 consents a day', 'Rate_Limit');
        const consentAppId = randomBytes(12).toString('hex');
        this.consents.set(consentAppId, { used: false, day });
        return this.json(res, 200, { consentAppId, consentAppStatus: 'GENERATED', status: 'success' });
      }
      case '/login/consentApp-login': {
        const id = q.get('consentAppId') ?? '';
        const consent = this.consents.get(id);
        if (!consent || consent.used) return void res.writeHead(400, { 'content-type': 'text/html' }).end('<p>This login link is no longer valid.</p>');
        if (req.method === 'GET') return void res.writeHead(200, { 'content-type': 'text/html' }).end(loginPage(id, ''));
        const form = new URLSearchParams(await this.body(req));
        if (form.get('clientId') !== this.clientId || form.get('pin') !== this.pin)
          return void res.writeHead(200, { 'content-type': 'text/html' }).end(loginPage(id, 'Wrong client id or PIN'));
        consent.used = true;
        const tokenId = randomBytes(16).toString('hex');
        this.tokenIds.set(tokenId, { expires: this.now() + (this.opts.tokenIdTtlMs ?? 5 * 60_000), used: false });
        const target = new URL(this.redirectUrl);
        target.searchParams.set('tokenId', tokenId);
        return void res.writeHead(302, { location: target.toString() }).end();
      }
      case '/app/consumeApp-consent': {
        // DOC-LLM says POST, the Python SDK uses GET: both are accepted (§6.3).
        if (!this.appAuthorized(req)) return this.fail(res, 401, 'DH-901', 'Invalid app_id or app_secret');
        const t = this.tokenIds.get(q.get('tokenId') ?? '');
        if (!t || t.used || t.expires <= this.now()) return this.fail(res, 400, 'DH-905', 'Invalid or expired tokenId', 'Input_Exception');
        t.used = true;
        // Only one token is active at a time: the previous consent tokens end here.
        for (const [old, s] of this.tokens)
          if (!s.revoked && s.exp > this.now()) {
            s.revoked = true;
            this.opts.onRevoked?.(old);
          }
        return this.json(res, 200, this.session(this.issueToken(this.opts.consentTokenType ?? 'SELF')));
      }
      case '/v2/RenewToken': {
        const auth = this.tokenOf(req);
        if (!('token' in auth)) return this.fail(res, auth.status, auth.code, auth.message);
        if (String(req.headers['dhanclientid'] ?? '') !== auth.state.clientId) return this.fail(res, 400, 'DH-905', 'dhanClientId header missing or wrong', 'Input_Exception');
        // A renewal keeps the token's type (TV: SELF stays SELF).
        return this.json(res, 200, this.session(this.issueToken(auth.state.type as 'SELF' | 'APP')));
      }
      case '/v2/profile': {
        const auth = this.tokenOf(req);
        if (!('token' in auth)) return this.fail(res, auth.status, auth.code, auth.message);
        return this.json(res, 200, {
          dhanClientId: auth.state.clientId,
          tokenValidity: istDmy(auth.state.exp),
          activeSegment: 'Equity, Derivative, Currency, Commodity',
          ddpi: 'Active',
          mtf: 'Deactive',
          dataPlan: 'Active',
          dataValidity: `${istIso(this.now() + 30 * 86400_000).replace('T', ' ')}.0`,
        });
      }
      case '/v2/charts/historical':
      case '/v2/charts/intraday':
        return this.charts(req, res, url.pathname.endsWith('intraday'));
      case '/api-data/api-scrip-master.csv': {
        this.scripMasterDownloads++;
        const csv = Buffer.from(dhanScripMasterCsv(this.opts.instruments ?? []));
        return void res.writeHead(200, { 'content-type': 'text/csv', 'content-length': csv.length }).end(csv);
      }
      default:
        return this.fail(res, 404, 'DH-905', `no such endpoint ${url.pathname}`, 'Input_Exception');
    }
  }
}

function loginPage(consentAppId: string, error: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Dhan login (simulator)</title></head><body>
<h1>Log in to Dhan</h1>${error ? `<p class="error">${error}</p>` : ''}
<form method="post" action="/login/consentApp-login?consentAppId=${encodeURIComponent(consentAppId)}">
<label>Client id <input name="clientId" autocomplete="username"></label>
<label>PIN <input name="pin" type="password" autocomplete="current-password"></label>
<button type="submit">Log in</button></form></body></html>`;
}
