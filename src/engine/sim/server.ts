// What every simulated broker server shares, whatever protocol it speaks: one HTTP server on
// 127.0.0.1 (REST, or a 404 where the venue has none) whose WebSocket upgrades the subclass checks
// and accepts or refuses, the sockets it has open, the timers that run while it is up, and the
// start/stop lifecycle. stop() destroys every open socket (keep-alive and upgraded) rather than
// waiting for clients to hang up, so a test or a recorder never hangs on a simulator's close.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

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
