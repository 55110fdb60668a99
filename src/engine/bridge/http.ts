// `tickdesk serve`'s HTTP side: the built renderer as static files and the bridge WebSocket at
// /bridge, which demands the per-launch token. Binds 127.0.0.1 unless told otherwise. Whatever a
// client or a web page sends (a malformed request line, a bad escape, a foreign Host header, an
// oversize or non-UTF-8 frame) gets an error answer or a closed socket, never the process's end.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { realpathSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import { extname, join, normalize, sep } from 'node:path';
import { WebSocketServer } from 'ws';
import { MAX_MESSAGE_BYTES } from '../../shared/bridge';
import { filesUnder } from '../paths';
import { serveBridge, type BridgeOptions, type EngineChannel } from './server';
import { StaticFiles } from './static-files';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

export interface UiServerOptions {
  /**
   * The engine. A promise: the page is served at once and WebSockets are taken once it resolves
   * (`serve` prints its URL while the engine is still starting; the page loads meanwhile). Rejected: 503.
   */
  service: EngineChannel | Promise<EngineChannel>;
  staticDir: string;
  host?: string;
  port?: number;
  token?: string;
  bridge?: BridgeOptions;
}

export interface UiServer {
  url: string;
  token: string;
  port: number;
  rejectedUpgrades: number;
  /** WebSockets closed for a frame over the size limit or text that is not UTF-8. */
  badFrames: number;
  close(): Promise<void>;
}

function tokenOk(given: string | null, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The Host header values that name this server. A page that rebinds its own DNS name to 127.0.0.1
 * reaches our port but still sends its own name, so anything else is refused. A wildcard bind
 * (0.0.0.0, ::) answers to every address of this machine.
 */
export function allowedHosts(bound: string, port: number): Set<string> {
  const names = new Set(['127.0.0.1', 'localhost', '[::1]']);
  const add = (h: string) => names.add((h.includes(':') && !h.startsWith('[') ? `[${h}]` : h).toLowerCase());
  add(bound);
  if (bound === '0.0.0.0' || bound === '::') for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) add(a.address);
  const hosts = new Set<string>();
  for (const n of names) {
    hosts.add(`${n}:${port}`);
    if (port === 80) hosts.add(n);
  }
  return hosts;
}

/** A request target in origin form ("/path?query"), parsed; null for anything else or unparsable. */
function originFormUrl(target: string | undefined): URL | null {
  if (!target?.startsWith('/') || target.startsWith('//')) return null;
  try {
    return new URL(target, 'http://localhost');
  } catch {
    return null;
  }
}

/** The path with its escapes decoded; null for a malformed escape ("/%", "/%E0%A4%A"). */
function decodedPath(url: URL): string | null {
  try {
    return decodeURIComponent(url.pathname);
  } catch {
    return null;
  }
}

/** The file under `realRoot` a decoded path names, symlinks resolved; null when none or outside. */
function staticFile(root: string, realRoot: string, rel: string): string | null {
  if (rel.includes('\0')) return null;
  const file = normalize(join(root, rel));
  if (!file.startsWith(root)) return null;
  try {
    const real = realpathSync(file);
    return real.startsWith(realRoot) && statSync(real).isFile() ? real : null;
  } catch {
    return null; // missing, or a dangling link
  }
}

/** Regular files under `dir` (at most `limit`; none when it is missing): what the server warms. */
function listFiles(dir: string, limit = 256): string[] {
  const out: string[] = [];
  try {
    for (const f of filesUnder(dir)) {
      if (out.length >= limit) break;
      if (f.isFile) out.push(f.path);
    }
  } catch {
    // not built yet (or unreadable): nothing to warm
  }
  return out;
}

export async function startUiServer(opts: UiServerOptions): Promise<UiServer> {
  const token = opts.token ?? randomBytes(18).toString('base64url');
  const host = opts.host ?? '127.0.0.1';
  const root = normalize(opts.staticDir + sep);
  let realRoot = root;
  try {
    realRoot = join(realpathSync(root), sep);
  } catch {
    // Not built yet: every request is a 404 until it is.
  }
  // The page's files in memory, gzipped, before the browser asks (static-files.ts).
  const files = new StaticFiles();
  files.warm(listFiles(realRoot));
  let hosts = new Set<string>();
  const hostOk = (req: IncomingMessage) => hosts.has((req.headers.host ?? '').toLowerCase());
  const sockets = new Set<Socket>();
  const http: Server = createServer((req, res) => {
    const text = (status: number, body: string) => res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' }).end(body);
    if (!hostOk(req)) return void text(421, 'this server does not answer to that Host name\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405).end();
    const url = originFormUrl(req.url);
    let rel = url && decodedPath(url);
    if (rel === null) return void text(400, 'bad request target\n');
    if (rel === '/' || !extname(rel)) rel = '/index.html';
    const file = staticFile(root, realRoot, rel);
    if (!file) return void text(404, 'not found');
    files.get(file, req.headers['accept-encoding']).then(
      ({ body, encoding }) => {
        res.writeHead(200, {
          'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
          'Content-Length': body.length,
          ...(encoding ? { 'Content-Encoding': encoding } : {}),
          Vary: 'Accept-Encoding',
          'Content-Security-Policy': CSP,
          'X-Content-Type-Options': 'nosniff',
          'Referrer-Policy': 'no-referrer',
          'Cache-Control': rel === '/index.html' ? 'no-store' : 'max-age=3600',
        });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      // A file removed between the check and the read ends this response, not the process.
      () => res.destroy(),
    );
  });
  http.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  // One message per turn of the event loop: the frames of one read (megabytes, in a flood) would
  // otherwise all be handled before the feed's next tick or the next timer.
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES, allowSynchronousEvents: false });
  const server: UiServer = { url: '', token, port: 0, rejectedUpgrades: 0, badFrames: 0, close: async () => {} };
  http.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const refuse = (status: string) => {
      server.rejectedUpgrades++;
      socket.end(`HTTP/1.1 ${status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
    };
    if (!hostOk(req)) return refuse('421 Misdirected Request');
    const url = originFormUrl(req.url);
    if (!url) return refuse('400 Bad Request');
    const origin = req.headers.origin;
    const sameOrigin = !origin || origin === `http://${req.headers.host}`;
    if (url.pathname !== '/bridge' || !tokenOk(url.searchParams.get('token'), token) || !sameOrigin) return refuse('401 Unauthorized');
    if (!(opts.service instanceof Promise)) return upgrade(opts.service, req, socket, head);
    opts.service.then(
      (service) => !socket.destroyed && upgrade(service, req, socket, head),
      () => !socket.destroyed && refuse('503 Service Unavailable'),
    );
  });
  if (opts.service instanceof Promise) opts.service.catch(() => {}); // a failed start is each WebSocket's 503, not an unhandled rejection
  const upgrade = (service: EngineChannel, req: IncomingMessage, socket: Socket, head: Buffer) =>
    wss.handleUpgrade(req, socket, head, (ws) => {
      // ws has already answered a frame over maxPayload (1009) or text that is not UTF-8 (1007)
      // with a close; the event only reports it, and unheard it would end the process.
      ws.on('error', () => server.badFrames++);
      serveBridge(
        service,
        {
          send: (text) => ws.readyState === ws.OPEN && ws.send(text),
          onMessage: (fn) => ws.on('message', (d) => fn(d.toString())),
          onClose: (fn) => ws.on('close', fn),
        },
        opts.bridge,
      );
    });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (http.address() as AddressInfo).port;
  hosts = allowedHosts(host, port);
  server.port = port;
  server.url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/?token=${token}`;
  server.close = async () => {
    for (const c of wss.clients) c.terminate();
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => http.close(() => r()));
  };
  return server;
}
