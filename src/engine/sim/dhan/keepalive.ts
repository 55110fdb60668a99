// Dhan's servers ping every 10 s and drop a socket that has not answered for 40 s, with no close
// frame (specs/dhan.md §5): what users report as "1011 keepalive ping timeout".
import type { WebSocket } from 'ws';

export interface KeepAliveConn {
  ws: WebSocket;
  lastPong: number;
}

export interface KeepAliveOptions {
  pingMs?: number;
  pongTimeoutMs?: number;
}

/** Call for each new socket: records its pongs. */
export function trackPongs(conn: KeepAliveConn): void {
  conn.lastPong = Date.now();
  conn.ws.on('pong', () => (conn.lastPong = Date.now()));
}

/** Starts the ping loop over the live connections; `dropped` is called for each one it drops. */
export function pingLoop<C extends KeepAliveConn>(conns: () => readonly C[], opts: KeepAliveOptions, dropped: (c: C) => void): NodeJS.Timeout {
  return setInterval(() => {
    const now = Date.now();
    for (const c of [...conns()]) {
      if (now - c.lastPong > (opts.pongTimeoutMs ?? 40_000)) {
        dropped(c);
        c.ws.terminate();
      } else c.ws.ping();
    }
  }, opts.pingMs ?? 10_000);
}
