// Simulated Dhan Live Market Feed v2 (specs/dhan.md §2): `/?version=2&token&clientId&authType=2`,
// JSON subscribe messages (15 ticker, 17 quote, 21 full; ≤ 100 instruments a message, ≤ 5000 a
// socket), binary LE packets from the shared market model, several packets per frame.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { encodeFeedPacket, type DhanPacket } from '../brokers/dhan/codec';
import { MarketModel, type SimInstrument, type SimQuote } from './market';

const SEGMENT_CODE: Record<string, number> = { IDX_I: 0, NSE_EQ: 1, NSE_FNO: 2, NSE_CURRENCY: 3, BSE_EQ: 4, MCX_COMM: 5, BSE_CURRENCY: 7, BSE_FNO: 8 };

/** The Dhan segment of a simulated instrument. */
export function dhanSegmentOf(ins: SimInstrument): string {
  if (ins.segment === 'INDICES') return 'IDX_I';
  return ({ NSE: 'NSE_EQ', NFO: 'NSE_FNO', CDS: 'NSE_CURRENCY', BSE: 'BSE_EQ', BFO: 'BSE_FNO', MCX: 'MCX_COMM', BCD: 'BSE_CURRENCY' } as Record<string, string>)[ins.exchange] ?? 'NSE_EQ';
}

type Mode = 'ticker' | 'quote' | 'full';
const MODE_OF: Record<number, Mode> = { 15: 'ticker', 17: 'quote', 21: 'full' };

interface Conn {
  ws: WebSocket;
  subs: Map<number, Set<Mode>>;
}

export interface DhanFeedSimOptions {
  instruments: SimInstrument[];
  clientId?: string;
  tokens?: string[];
  ticksPerSecond?: number;
  seed?: number;
}

export class DhanFeedSimulator {
  readonly market: MarketModel;
  readonly clientId: string;
  private readonly tokens: Set<string>;
  private readonly expired = new Set<string>();
  private readonly bySecurity = new Map<number, SimInstrument>();
  private readonly conns: Conn[] = [];
  private readonly http: Server;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sockets = new Set<Socket>();
  private timer: NodeJS.Timeout | null = null;
  private carry = 0;
  readonly received: unknown[] = [];

  constructor(private readonly opts: DhanFeedSimOptions) {
    this.market = new MarketModel({ instruments: opts.instruments, seed: opts.seed ?? 5 });
    this.clientId = opts.clientId ?? '1000000001';
    this.tokens = new Set(opts.tokens ?? ['sim-dhan-token']);
    // The security id is the instrument's exchange token, as in Dhan's scrip master.
    for (const i of opts.instruments) this.bySecurity.set(i.exchangeToken, i);
    this.http = createServer((_q, res) => res.writeHead(404).end());
    this.http.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.http.on('upgrade', (req, socket, head) => this.upgrade(req, socket as Socket, head));
  }

  async start(): Promise<void> {
    await new Promise<void>((r) => this.http.listen(0, '127.0.0.1', () => r()));
    this.timer = setInterval(() => this.pump(), 25);
  }

  get root(): string {
    return `ws://127.0.0.1:${(this.http.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    for (const c of this.conns) c.ws.terminate();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.http.close(() => r()));
  }

  expireToken(token: string): void {
    this.expired.add(token);
    for (const c of [...this.conns]) this.disconnect(c, 807);
  }

  private disconnect(c: Conn, reason: number): void {
    c.ws.send(encodeFeedPacket({ code: 50, kind: 'disconnect', segment: 0, securityId: 0, reason }));
    c.ws.close();
  }

  private upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const q = new URL(req.url ?? '/', 'http://x').searchParams;
    if (q.get('version') !== '2' || !q.get('token') || !q.get('clientId') || q.get('authType') !== '2') {
      socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const conn: Conn = { ws, subs: new Map() };
      this.conns.push(conn);
      ws.on('close', () => this.conns.splice(this.conns.indexOf(conn), 1));
      ws.on('error', () => {});
      const token = q.get('token')!;
      if (this.expired.has(token)) return this.disconnect(conn, 807);
      if (!this.tokens.has(token) || q.get('clientId') !== this.clientId) return this.disconnect(conn, 808);
      ws.on('message', (data, isBinary) => {
        if (isBinary) return; // stray legacy frames are ignored
        let msg: { RequestCode?: number; InstrumentList?: Array<{ ExchangeSegment: string; SecurityId: string }> };
        try {
          msg = JSON.parse(String(data));
        } catch {
          return;
        }
        this.received.push(msg);
        const list = msg.InstrumentList ?? [];
        if (list.length > 100) return this.disconnect(conn, 804);
        const mode = MODE_OF[msg.RequestCode ?? 0];
        const unsub = MODE_OF[(msg.RequestCode ?? 0) - 1];
        for (const i of list) {
          const id = Number(i.SecurityId);
          if (!this.bySecurity.has(id)) continue;
          if (mode) {
            let modes = conn.subs.get(id);
            if (!modes) conn.subs.set(id, (modes = new Set()));
            modes.add(mode);
            this.send(conn, [this.packet(this.market.quote(this.bySecurity.get(id)!.token)!, id, mode)]);
          } else if (unsub) conn.subs.get(id)?.delete(unsub);
        }
        if (conn.subs.size > 5000) this.disconnect(conn, 804);
      });
    });
  }

  private packet(q: SimQuote, securityId: number, mode: Mode): Buffer {
    const ins = this.bySecurity.get(securityId)!;
    const segment = SEGMENT_CODE[dhanSegmentOf(ins)];
    const base = { segment, securityId };
    let p: DhanPacket;
    // Indices carry only LTP-type data, as an index packet (code 1), whatever the mode.
    if (segment === 0) p = { ...base, code: 1, kind: 'ticker', ltp: q.ltp, ltt: q.tsExchange };
    else if (mode === 'ticker') p = { ...base, code: 2, kind: 'ticker', ltp: q.ltp, ltt: q.lastTradeTime };
    else {
      const common = {
        ...base,
        ltp: q.ltp,
        ltq: q.ltq,
        ltt: q.lastTradeTime,
        atp: q.atp,
        volume: q.volume,
        totalSellQty: q.totalSellQty,
        totalBuyQty: q.totalBuyQty,
        open: q.open,
        close: q.close,
        high: q.high,
        low: q.low,
      };
      p =
        mode === 'quote'
          ? { ...common, code: 4, kind: 'quote' }
          : { ...common, code: 8, kind: 'full', oi: q.oi, oiDayHigh: q.oiDayHigh, oiDayLow: q.oiDayLow, depth: q.depth };
    }
    return encodeFeedPacket(p);
  }

  private send(conn: Conn, packets: Buffer[]): void {
    if (packets.length && conn.ws.readyState === conn.ws.OPEN) conn.ws.send(Buffer.concat(packets));
  }

  private pump(): void {
    this.carry += ((this.opts.ticksPerSecond ?? 2000) * 25) / 1000;
    const n = Math.floor(this.carry);
    this.carry -= n;
    const changed = new Set(this.market.step(n));
    for (const conn of this.conns) {
      const packets: Buffer[] = [];
      for (const q of changed) {
        const ins = this.market.instrument(q.token);
        const modes = ins && conn.subs.get(ins.exchangeToken);
        if (modes) for (const m of modes) packets.push(this.packet(q, ins.exchangeToken, m));
      }
      this.send(conn, packets);
    }
  }
}
