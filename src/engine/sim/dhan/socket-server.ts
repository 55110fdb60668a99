// What Dhan's WebSocket feeds (the live feed and the 20/200-level depth feeds) do alike before any
// market data (specs/dhan.md §1.4, §4.6, §5): the query `token&clientId&authType=2`, HTTP 429 at
// the upgrade in a reconnect storm, a disconnect packet with 807 for an expired token and 808 for
// an unknown one, the per-client socket pool that evicts the oldest with 805, the 10 s ping with
// its 40 s pong timeout, and JSON requests. Each feed's simulator supplies its paths, its
// connection state, its disconnect packet and what it does with a request.
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import { SimServer } from '../server';
import { pingLoop, trackPongs, type KeepAliveConn } from './keepalive';
import { DhanSocketPool, type DhanFeedKind } from './pool';

export interface DhanSocketOptions {
  clientId?: string;
  /** Tokens accepted from the start (default: 'sim-dhan-token'). */
  tokens?: string[];
  /** WebSocket ping interval (10 s, as Dhan's servers). */
  pingMs?: number;
  /** A socket that has not answered a ping for this long is dropped with no close frame (40 s). */
  pongTimeoutMs?: number;
  /** A connection pool shared with the other Dhan feed simulators (§4.6). */
  pool?: DhanSocketPool;
}

export interface DhanConn extends KeepAliveConn {
  clientId: string;
  token: string;
}

export abstract class DhanSocketServer<C extends DhanConn> extends SimServer {
  readonly clientId: string;
  readonly pool: DhanSocketPool;
  /** Sockets dropped for not answering pings. */
  pongTimeouts = 0;
  protected readonly conns: C[] = [];
  private readonly tokens: Set<string>;
  private readonly expired = new Set<string>();

  /** `maxSockets`: per client id (and feed, unless the pool is shared) when no pool is given (5). */
  constructor(
    private readonly socketOpts: DhanSocketOptions,
    maxSockets?: number,
  ) {
    super();
    this.clientId = socketOpts.clientId ?? '1000000001';
    this.pool = socketOpts.pool ?? new DhanSocketPool({ max: maxSockets });
    this.tokens = new Set(socketOpts.tokens ?? ['sim-dhan-token']);
  }

  get evictions(): number {
    return this.pool.evictions;
  }
  get connectionCount(): number {
    return this.conns.length;
  }
  get root(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  /** The token expires: its sockets get an 807 and new ones are refused. */
  expireToken(token: string): void {
    this.expired.add(token);
    for (const c of [...this.conns]) if (c.token === token) this.disconnect(c, 807);
  }
  /** The network drops: every socket is cut, no close frame, no disconnect packet. Returns how many. */
  dropConnections(): number {
    const all = this.conns.splice(0);
    for (const c of all) c.ws.terminate();
    return all.length;
  }
  grantToken(token: string): void {
    this.tokens.add(token);
    this.expired.delete(token);
  }

  /** The feed an upgrade request is for, from its path and query; null: HTTP 400. */
  protected abstract feedOf(url: URL): DhanFeedKind | null;
  /** The state of a new socket. */
  protected abstract connect(ws: WebSocket, feed: DhanFeedKind, clientId: string, token: string): C;
  /** The feed's disconnect packet with this reason code. */
  protected abstract disconnectPacket(c: C, reason: number): Buffer;
  /** A JSON object from an authenticated socket (its fields still unchecked). */
  protected abstract message(c: C, msg: Record<string, unknown>): void;

  /** Subclasses that start timers of their own call this too. */
  protected override started(): void {
    this.whileUp(
      pingLoop(
        () => this.conns,
        this.socketOpts,
        (c) => {
          this.pongTimeouts++;
          this.forget(c);
        },
      ),
    );
  }

  protected forget(c: C): void {
    const i = this.conns.indexOf(c);
    if (i >= 0) this.conns.splice(i, 1);
  }

  /** Sends the disconnect packet, then closes the socket. */
  protected disconnect(c: C, reason: number): void {
    c.ws.send(this.disconnectPacket(c, reason));
    c.ws.close();
    this.forget(c);
  }

  protected override upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const q = url.searchParams;
    const feed = this.feedOf(url);
    const token = q.get('token');
    const clientId = q.get('clientId');
    if (!feed || !token || !clientId || q.get('authType') !== '2') return this.refuse(socket, 400, 'Bad Request');
    if (!this.pool.admit(clientId)) return this.refuse(socket, 429, 'Too Many Requests');
    this.accept(req, socket, head, (ws) => {
      const conn = this.connect(ws, feed, clientId, token);
      trackPongs(conn);
      this.conns.push(conn);
      ws.on('close', () => this.forget(conn));
      ws.on('error', () => {});
      if (this.expired.has(token)) return this.disconnect(conn, 807);
      if (!this.tokens.has(token) || clientId !== this.clientId) return this.disconnect(conn, 808);
      // A 6th socket evicts the oldest with 805.
      const member = this.pool.join(clientId, feed, () => this.disconnect(conn, 805));
      ws.on('close', () => this.pool.leave(member));
      ws.on('message', (data, isBinary) => {
        if (isBinary) return; // stray legacy frames are ignored
        let msg: unknown;
        try {
          msg = JSON.parse(String(data));
        } catch {
          return;
        }
        // A request is an object; anything else is junk, ignored like unparsable text.
        if (typeof msg === 'object' && msg !== null) this.message(conn, msg as Record<string, unknown>);
      });
    });
  }
}
