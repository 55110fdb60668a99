// What every simulated broker server shares, whatever protocol it speaks: one HTTP server on
// 127.0.0.1 (REST, or a 404 where the venue has none) whose WebSocket upgrades the subclass checks
// and accepts or refuses, the sockets it has open, the timers that run while it is up, and the
// start/stop lifecycle. stop() destroys every open socket (keep-alive and upgraded) rather than
// waiting for clients to hang up, so a test or a recorder never hangs on a simulator's close.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { MarketModel, SimQuote } from './market/market';

export interface SimServerOptions {
  /** 0 (default): any free port. */
  port?: number;
  host?: string;
}

export abstract class SimServer {
  private readonly http: Server;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sockets = new Set<Socket>();
  private timers: NodeJS.Timeout[] = [];

  constructor(private readonly listenOn: SimServerOptions = {}) {
    this.http = createServer((req, res) => this.request(req, res));
    this.http.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    // Without an upgrade handler Node answers an upgrade request as a plain request, as a REST
    // server should.
    if (this.upgrade) this.http.on('upgrade', (req, socket, head) => this.upgrade!(req, socket as Socket, head));
  }

  /** Listens, then runs `started` (where a simulator starts its timers); resolves to the port. */
  async start(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(this.listenOn.port ?? 0, this.listenOn.host ?? '127.0.0.1', () => resolve());
    });
    this.started();
    return this.port;
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    for (const ws of this.wss.clients) ws.terminate();
    for (const s of this.sockets) s.destroy();
    this.wss.close();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  get port(): number {
    return (this.http.address() as AddressInfo).port;
  }

  /** Called once listening: start the simulator's timers here with `whileUp`. */
  protected started(): void {}

  /** Intervals that stop() clears. */
  protected whileUp(...timers: NodeJS.Timeout[]): void {
    this.timers.push(...timers);
  }

  /** An HTTP request; a server with no REST answers 404. */
  protected request(_req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(404).end();
  }

  /** A WebSocket upgrade request: check it, then `accept` or `refuse`. Only servers with a WebSocket define it. */
  protected upgrade?(req: IncomingMessage, socket: Socket, head: Buffer): void;

  /** Completes the WebSocket handshake. */
  protected accept(req: IncomingMessage, socket: Socket, head: Buffer, open: (ws: WebSocket) => void): void {
    this.wss.handleUpgrade(req, socket, head, open);
  }

  /** Answers an upgrade request with an HTTP error and no WebSocket, as the brokers' servers do. */
  protected refuse(socket: Socket, status: number, reason: string): void {
    socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
  }
}

/** One open data socket of a simulator, with whatever its protocol keeps beside it. */
export interface SimConn {
  ws: WebSocket;
}

/**
 * A simulator that streams to data sockets it keeps track of (Kite, Yahoo, Fyers, Upstox): the open
 * ones, how many, and the fault every feed test needs — every socket dropped without a close.
 */
export abstract class StreamingSimServer<C extends SimConn> extends SimServer {
  /** The data sockets open now (`track` adds one until its socket closes or fails). */
  protected readonly conns = new Set<C>();

  get connectionCount(): number {
    return this.conns.size;
  }

  /** Drops every data socket without a close handshake. */
  dropConnections(): void {
    for (const c of this.conns) c.ws.terminate();
  }

  /** Keeps `conn` among the open sockets until its socket closes or fails. */
  protected track(conn: C): C {
    this.conns.add(conn);
    conn.ws.on('close', () => this.conns.delete(conn));
    conn.ws.on('error', () => this.conns.delete(conn));
    return conn;
  }
}

/** A data socket opened with an access token, which the simulator can stall (open, sending nothing). */
export interface TokenSimConn extends SimConn {
  token: string | null;
  stalled: boolean;
}

/**
 * A streaming simulator whose sockets belong to access tokens (Fyers, Upstox): a token that
 * expires or is revoked closes its sockets; sockets can stall; tests step the market by hand
 * (with ticksPerSecond 0), the changes published with the next batch (`stepped`).
 */
export abstract class TokenStreamingSimServer<C extends TokenSimConn> extends StreamingSimServer<C> {
  abstract readonly market: MarketModel;
  /** Quotes changed by step(), published with the next batch. */
  protected readonly stepped = new Set<SimQuote>();

  /** Advances the market by `events` now (tests, with ticksPerSecond 0); published with the next batch. */
  step(events: number): SimQuote[] {
    const changed = this.market.step(events);
    for (const q of changed) this.stepped.add(q);
    return changed;
  }

  /** The open sockets go silent for good (no frames, no pings) without closing, as Fyers' did (openalgo#810); new ones work. */
  stall(): void {
    for (const c of this.conns) c.stalled = true;
  }

  /** Terminates the sockets opened with `token` (it expired, or was revoked). */
  protected closeSocketsOf(token: string): void {
    for (const c of this.conns) if (c.token === token) c.ws.terminate();
  }
}
