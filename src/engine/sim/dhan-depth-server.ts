// Simulated Dhan full-market-depth feeds (specs/dhan.md §3–§5): `/twentydepth` (≤ 50 instruments
// a socket, 20 levels) and `/twohundreddepth` (or `/` without `version`, as the Python SDK uses;
// one instrument a socket, up to 200 levels). Books come from OrderBook and evolve realistically.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { encodeDepthDisconnect, encodeDepthSide } from '../brokers/dhan/codec';
import { OrderBook, type BookLevel } from './book';

const SEGMENT_CODE: Record<string, number> = { NSE_EQ: 1, NSE_FNO: 2 };

export interface DhanDepthSimOptions {
  clientId?: string;
  tokens?: string[];
  /** Instruments: securityId → starting mid, tick and lot. */
  instruments: Array<{ securityId: number; segment: 'NSE_EQ' | 'NSE_FNO'; mid: number; tick: number; lot: number }>;
  /** Book events per second per instrument. */
  eventsPerSecond?: number;
  /** Updates sent per second per instrument (a side is sent when it changed). */
  updatesPerSecond?: number;
  /** Send bid and ask of an instrument in separate frames instead of stacked. */
  splitSides?: boolean;
  /** Keep every book sent, for tests that compare what was recorded. */
  keepSent?: boolean;
  maxSocketsPerFeed?: number;
  pingMs?: number;
}

interface Conn {
  ws: WebSocket;
  feed: 20 | 200;
  clientId: string;
  subs: Array<{ securityId: number; segment: number }>;
  sentVersion: Map<number, number>;
  seq: number;
}

export interface SentBook {
  ts: number;
  bids: BookLevel[];
  asks: BookLevel[];
}

export class DhanDepthSimulator {
  readonly books = new Map<number, OrderBook>();
  private readonly segmentOf = new Map<number, number>();
  private readonly tokens: Set<string>;
  private readonly expired = new Set<string>();
  private readonly conns: Conn[] = [];
  private readonly http: Server;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sockets = new Set<Socket>();
  private timers: NodeJS.Timeout[] = [];
  private silentUntil = 0;
  readonly clientId: string;
  /** Books as sent per security id (with keepSent). */
  readonly sent = new Map<number, SentBook[]>();
  readonly received: Array<{ feed: 20 | 200; msg: unknown }> = [];
  evictions = 0;

  constructor(private readonly opts: DhanDepthSimOptions) {
    this.clientId = opts.clientId ?? '1000000001';
    this.tokens = new Set(opts.tokens ?? ['sim-dhan-token']);
    for (const i of opts.instruments) {
      this.books.set(i.securityId, new OrderBook(i.securityId, i.mid, i.tick, i.lot));
      this.segmentOf.set(i.securityId, SEGMENT_CODE[i.segment]);
    }
    this.http = createServer((_req, res) => res.writeHead(404).end());
    this.http.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.http.on('upgrade', (req, socket, head) => this.upgrade(req, socket as Socket, head));
  }

  async start(): Promise<number> {
    await new Promise<void>((r) => this.http.listen(0, '127.0.0.1', () => r()));
    const eps = this.opts.eventsPerSecond ?? 100;
    const ups = this.opts.updatesPerSecond ?? 20;
    this.timers.push(
      setInterval(() => {
        for (const b of this.books.values()) for (let k = 0; k < eps / ups; k++) b.step();
        this.publish();
      }, 1000 / ups),
      setInterval(() => {
        for (const c of this.conns) c.ws.ping();
      }, this.opts.pingMs ?? 10_000),
    );
    return this.port;
  }

  get port(): number {
    return (this.http.address() as AddressInfo).port;
  }
  get root(): string {
    return `ws://127.0.0.1:${this.port}`;
  }
  get connectionCount(): number {
    return this.conns.length;
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    for (const c of this.conns) c.ws.terminate();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.http.close(() => r()));
  }

  // --- fault injection ---
  goSilent(ms: number): void {
    this.silentUntil = Date.now() + ms;
  }
  expireToken(token: string): void {
    this.expired.add(token);
    for (const c of [...this.conns]) this.disconnect(c, 807);
  }
  grantToken(token: string): void {
    this.tokens.add(token);
    this.expired.delete(token);
  }
  sendRaw(frame: Uint8Array): void {
    for (const c of this.conns) c.ws.send(frame);
  }

  private disconnect(c: Conn, reason: number): void {
    const s = c.subs[0];
    c.ws.send(encodeDepthDisconnect(s?.segment ?? 0, s?.securityId ?? 0, reason));
    c.ws.close();
    this.conns.splice(this.conns.indexOf(c), 1);
  }

  private upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const q = url.searchParams;
    const feed: 20 | 200 | null =
      url.pathname === '/twentydepth' ? 20 : url.pathname === '/twohundreddepth' || (url.pathname === '/' && !q.has('version')) ? 200 : null;
    if (!feed || !q.get('token') || !q.get('clientId') || q.get('authType') !== '2') {
      socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const conn: Conn = { ws, feed, clientId: q.get('clientId')!, subs: [], sentVersion: new Map(), seq: 0 };
      const token = q.get('token')!;
      this.conns.push(conn);
      ws.on('close', () => {
        const i = this.conns.indexOf(conn);
        if (i >= 0) this.conns.splice(i, 1);
      });
      ws.on('error', () => {});
      if (this.expired.has(token)) return this.disconnect(conn, 807);
      if (!this.tokens.has(token) || conn.clientId !== this.clientId) return this.disconnect(conn, 808);
      // A 6th socket of the same feed evicts the oldest with 805.
      const same = this.conns.filter((c) => c.feed === feed && c.clientId === conn.clientId);
      if (same.length > (this.opts.maxSocketsPerFeed ?? 5)) {
        this.evictions++;
        this.disconnect(same[0], 805);
      }
      ws.on('message', (data, isBinary) => {
        if (isBinary) return;
        let msg: Record<string, unknown>;
        try {
          msg = JSON.parse(String(data));
        } catch {
          return;
        }
        this.received.push({ feed, msg });
        this.control(conn, msg);
      });
    });
  }

  private control(conn: Conn, msg: Record<string, unknown>): void {
    const code = msg.RequestCode;
    if (code === 12) return void conn.ws.close();
    const list: Array<{ ExchangeSegment?: unknown; SecurityId?: unknown }> = Array.isArray(msg.InstrumentList)
      ? (msg.InstrumentList as Array<{ ExchangeSegment?: unknown; SecurityId?: unknown }>)
      : msg.SecurityId !== undefined
        ? [{ ExchangeSegment: msg.ExchangeSegment, SecurityId: msg.SecurityId }]
        : [];
    const parsed = list
      .map((i) => ({ securityId: Number(i.SecurityId), segment: SEGMENT_CODE[String(i.ExchangeSegment)] }))
      .filter((i) => i.segment !== undefined && this.books.has(i.securityId));
    if (code === 23) {
      if (conn.feed === 200) {
        conn.subs = parsed.slice(-1); // one instrument per socket: a new subscription replaces it
        conn.sentVersion.clear();
      } else {
        for (const p of parsed) if (!conn.subs.some((s) => s.securityId === p.securityId)) conn.subs.push(p);
        if (conn.subs.length > 50) this.disconnect(conn, 804);
      }
    } else if (code === 24 || code === 25) {
      const drop = new Set(parsed.map((p) => p.securityId));
      conn.subs = conn.subs.filter((s) => !drop.has(s.securityId));
    }
  }

  private publish(): void {
    if (Date.now() < this.silentUntil) return;
    const now = Date.now();
    for (const c of this.conns) {
      if (c.ws.readyState !== c.ws.OPEN) continue;
      const frames: Buffer[] = [];
      for (const s of c.subs) {
        const book = this.books.get(s.securityId)!;
        if (c.sentVersion.get(s.securityId) === book.version) continue;
        c.sentVersion.set(s.securityId, book.version);
        const levels = c.feed === 20 ? 20 : 200;
        const bids = book.bids.levels.slice(0, levels);
        const asks = book.asks.levels.slice(0, levels);
        c.seq++;
        const bid = encodeDepthSide(c.feed, 'bid', s.segment, s.securityId, bids, c.seq);
        const ask = encodeDepthSide(c.feed, 'ask', s.segment, s.securityId, asks, c.seq);
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
