// The template broker, simulated: its REST (the instrument list, history) and its live WebSocket,
// speaking brokers/_template's codec, on the SimServer base (one HTTP server, upgrades checked here).
// It plays what it is given: each instrument's ticks in order, once per subscription, then
// heartbeats; its candles as history. A real broker's simulator models a market instead
// (sim/market), but the shape is the same: check the credentials the way the broker does, answer
// in its format, refuse the way it refuses.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import type { Candle } from '../../../shared/model';
import { encodeFrame, parseControl, type TemplatePacket } from '../../brokers/_template/codec';
import { instrumentsCsv } from '../../brokers/_template/instruments';
import { SimServer, type SimServerOptions } from '../server';

export interface TemplateSimInstrument {
  token: number;
  exchange: string;
  symbol: string;
  name?: string;
  tickSize: number;
  lotSize: number;
  /** Played in order to each subscriber: exchange time (ms UTC), price (rupees), quantity. */
  ticks: ReadonlyArray<{ ts: number; price: number; qty: number }>;
  /** One-minute history (t: bucket start, seconds). */
  candles: readonly Candle[];
}

export interface TemplateSimOptions extends SimServerOptions {
  instruments: readonly TemplateSimInstrument[];
  /** One frame (the next tick of each subscribed instrument, or a heartbeat) every this many ms. */
  frameMs?: number;
}

export class TemplateSimulator extends SimServer {
  private readonly tokens = new Set<string>();
  private readonly byToken: Map<number, TemplateSimInstrument>;
  /** Per socket: each subscribed instrument's next tick. */
  private readonly clients = new Map<WebSocket, Map<number, number>>();

  constructor(private readonly options: TemplateSimOptions) {
    super(options);
    this.byToken = new Map(options.instruments.map((i) => [i.token, i]));
  }

  /** A token the REST and the WebSocket accept from now on. */
  grantAccessToken(token = randomBytes(16).toString('hex')): string {
    this.tokens.add(token);
    return token;
  }

  get restUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}/feed`;
  }

  protected override started(): void {
    this.whileUp(setInterval(() => this.play(), this.options.frameMs ?? 20));
  }

  private play(): void {
    for (const [ws, cursors] of this.clients) {
      const packets: TemplatePacket[] = [];
      for (const [token, i] of cursors) {
        const ins = this.byToken.get(token)!;
        if (i >= ins.ticks.length) continue;
        const volume = ins.ticks.slice(0, i + 1).reduce((s, t) => s + t.qty, 0);
        const t = ins.ticks[i];
        packets.push({ token, ltp: t.price, ltq: t.qty, volume, tsExchange: t.ts });
        cursors.set(token, i + 1);
      }
      ws.send(encodeFrame(packets));
    }
  }

  protected override upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== '/feed') return this.refuse(socket, 404, 'Not Found');
    if (!this.tokens.has(url.searchParams.get('access_token') ?? '')) return this.refuse(socket, 403, 'Forbidden');
    this.accept(req, socket, head, (ws) => {
      const cursors = new Map<number, number>();
      this.clients.set(ws, cursors);
      ws.on('close', () => this.clients.delete(ws));
      ws.on('message', (data, isBinary) => {
        const m = isBinary ? null : parseControl(data.toString());
        if (!m) return; // the real broker ignores what it cannot read
        for (const token of m.v) {
          if (m.a === 'unsubscribe') cursors.delete(token);
          else if (this.byToken.has(token) && !cursors.has(token)) cursors.set(token, 0);
        }
      });
    });
  }

  protected override request(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const json = (status: number, body: unknown): void => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    const auth = /^token (.+)$/.exec(req.headers.authorization ?? '');
    if (!auth || !this.tokens.has(auth[1])) return json(403, { error: 'TokenInvalid', message: 'invalid or expired access token' });
    if (url.pathname === '/instruments') {
      res.writeHead(200, { 'content-type': 'text/csv' }).end(instrumentsCsv(this.options.instruments.map((i) => ({ ...i, token: String(i.token) }))));
      return;
    }
    const hist = /^\/history\/(\d+)$/.exec(url.pathname);
    if (!hist) return json(404, { error: 'BadRequest', message: `no such endpoint ${url.pathname}` });
    const ins = this.byToken.get(Number(hist[1]));
    if (!ins) return json(400, { error: 'NoSuchInstrument', message: `no instrument ${hist[1]}` });
    const [from, to] = [Number(url.searchParams.get('from')), Number(url.searchParams.get('to'))];
    if (url.searchParams.get('interval') !== 'minute' || !Number.isFinite(from) || !Number.isFinite(to)) {
      return json(400, { error: 'BadRequest', message: 'interval=minute&from=<ms>&to=<ms>' });
    }
    const rows = ins.candles.filter((c) => c.t * 1000 >= from && c.t * 1000 <= to).map((c) => [c.t, c.o, c.h, c.l, c.c, c.v]);
    json(200, { candles: rows });
  }
}
