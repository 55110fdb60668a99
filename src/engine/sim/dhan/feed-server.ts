// Simulated Dhan Live Market Feed v2 (specs/dhan.md §2): `/?version=2&token&clientId&authType=2`,
// JSON subscribe messages (15 ticker, 17 quote, 21 full; ≤ 100 instruments a message, ≤ 5000 a
// socket), binary LE packets from the shared market model, several packets per frame.
import type { WebSocket } from 'ws';
import { encodeFeedPacket, type DhanPacket } from '../../brokers/dhan/codec';
import { MarketModel, type SimClock, type SimInstrument, type SimQuote } from '../market/market';
import type { DhanFeedKind } from './pool';
import { DhanSocketServer, type DhanConn, type DhanSocketOptions } from './socket-server';

const SEGMENT_CODE: Record<string, number> = { IDX_I: 0, NSE_EQ: 1, NSE_FNO: 2, NSE_CURRENCY: 3, BSE_EQ: 4, MCX_COMM: 5, BSE_CURRENCY: 7, BSE_FNO: 8 };

/** The Dhan segment of a simulated instrument. */
export function dhanSegmentOf(ins: SimInstrument): string {
  if (ins.segment === 'INDICES') return 'IDX_I';
  return ({ NSE: 'NSE_EQ', NFO: 'NSE_FNO', CDS: 'NSE_CURRENCY', BSE: 'BSE_EQ', BFO: 'BSE_FNO', MCX: 'MCX_COMM', BCD: 'BSE_CURRENCY' } as Record<string, string>)[ins.exchange] ?? 'NSE_EQ';
}

type Mode = 'ticker' | 'quote' | 'full';
const MODE_OF: Record<number, Mode> = { 15: 'ticker', 17: 'quote', 21: 'full' };

interface Conn extends DhanConn {
  subs: Map<number, Set<Mode>>;
}

/** Wire faults from specs/dhan.md §5, each sent once to every connection with the next packets. */
export type FeedFault = 'truncated' | 'unknown-code';

export interface DhanFeedSimOptions extends DhanSocketOptions {
  instruments: SimInstrument[];
  ticksPerSecond?: number;
  seed?: number;
  /** Sockets per client id; a further one evicts the oldest with 805 (5); ignored with `pool`. */
  maxSockets?: number;
  /** The market's clock (default Date.now). */
  now?: () => number;
  /** When the market trades (market.ts SimClock; default around the clock). */
  clock?: SimClock;
}

export class DhanFeedSimulator extends DhanSocketServer<Conn> {
  readonly market: MarketModel;
  private readonly bySecurity = new Map<number, SimInstrument>();
  private carry = 0;
  private faults: FeedFault[] = [];
  readonly received: unknown[] = [];

  constructor(private readonly opts: DhanFeedSimOptions) {
    super(opts, opts.maxSockets);
    this.market = new MarketModel({ instruments: opts.instruments, seed: opts.seed ?? 5, now: opts.now, clock: opts.clock });
    // The security id is the instrument's exchange token, as in Dhan's scrip master.
    for (const i of opts.instruments) this.bySecurity.set(i.exchangeToken, i);
  }

  protected override started(): void {
    super.started();
    this.whileUp(setInterval(() => this.pump(), 25));
  }

  /** Sends one faulty frame to every connection with the next packets (§5). */
  injectFault(kind: FeedFault): void {
    this.faults.push(kind);
  }

  /** The live feed: `/?version=2&…`. */
  protected override feedOf(url: URL): DhanFeedKind | null {
    return url.searchParams.get('version') === '2' ? 'main' : null;
  }

  protected override connect(ws: WebSocket, _feed: DhanFeedKind, clientId: string, token: string): Conn {
    return { ws, clientId, token, subs: new Map(), lastPong: Date.now() };
  }

  protected override disconnectPacket(_c: Conn, reason: number): Buffer {
    return encodeFeedPacket({ code: 50, kind: 'disconnect', segment: 0, securityId: 0, reason });
  }

  protected override message(conn: Conn, msg: Record<string, unknown>): void {
    this.received.push(msg);
    // Fields of the wrong type mean nothing, as unknown security ids mean nothing.
    const list: unknown[] = Array.isArray(msg.InstrumentList) ? msg.InstrumentList : [];
    if (list.length > 100) return this.disconnect(conn, 804);
    const code = Number(msg.RequestCode ?? 0); // NaN (no mode) for what is no number
    const mode = MODE_OF[code];
    const unsub = MODE_OF[code - 1];
    for (const i of list) {
      const id = Number((i as { SecurityId?: unknown } | null)?.SecurityId);
      if (!this.bySecurity.has(id)) continue;
      if (mode) {
        let modes = conn.subs.get(id);
        const first = !modes;
        if (!modes) conn.subs.set(id, (modes = new Set()));
        modes.add(mode);
        const q = this.market.quote(this.bySecurity.get(id)!.token)!;
        // Previous close once per subscription (code 6), then a snapshot in the mode.
        this.send(conn, [...(first ? [this.prevClose(q, id)] : []), ...this.packets(q, id, mode)]);
      } else if (unsub) conn.subs.get(id)?.delete(unsub);
    }
    if (conn.subs.size > 5000) this.disconnect(conn, 804);
  }

  private prevClose(q: SimQuote, securityId: number): Buffer {
    const segment = SEGMENT_CODE[dhanSegmentOf(this.bySecurity.get(securityId)!)];
    return encodeFeedPacket({ code: 6, kind: 'prevClose', segment, securityId, prevClose: q.close, prevOi: this.market.previousOi(q.token) ?? 0 });
  }

  /** Packets for one mode: 15 → code 2; 17 → codes 4 + 5 (OI, derivatives); 21 → code 8 (§5). */
  private packets(q: SimQuote, securityId: number, mode: Mode): Buffer[] {
    const out = [this.packet(q, securityId, mode)];
    const ins = this.bySecurity.get(securityId)!;
    if (mode === 'quote' && ins.instrumentType !== 'EQ' && ins.segment !== 'INDICES')
      out.push(encodeFeedPacket({ code: 5, kind: 'oi', segment: SEGMENT_CODE[dhanSegmentOf(ins)], securityId, oi: q.oi }));
    return out;
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
    // Book events published by the depth simulator also change the quote (and its 5 levels).
    for (const q of this.market.takeTouched()) changed.add(q);
    const faults = this.faults.splice(0);
    for (const conn of this.conns) {
      const packets: Buffer[] = [];
      for (const q of changed) {
        const ins = this.market.instrument(q.token);
        const modes = ins && conn.subs.get(ins.exchangeToken);
        if (modes) for (const m of modes) packets.push(...this.packets(q, ins.exchangeToken, m));
      }
      for (const f of faults) this.sendFault(conn, f);
      this.send(conn, packets);
    }
  }

  private sendFault(conn: Conn, kind: FeedFault): void {
    const [id, modes] = conn.subs.entries().next().value ?? [];
    if (id === undefined || !modes || conn.ws.readyState !== conn.ws.OPEN) return;
    const ins = this.bySecurity.get(id)!;
    const good = this.packet(this.market.quote(ins.token)!, id, [...modes][0] ?? 'ticker');
    if (kind === 'truncated') conn.ws.send(Buffer.concat([good, good.subarray(0, good.length - 3)]));
    else {
      // Code 0 (seen live, undocumented) with a sound length, then a real packet: skip, go on.
      const odd = Buffer.alloc(12);
      odd.writeUInt16LE(12, 1);
      odd.writeUInt8(SEGMENT_CODE[dhanSegmentOf(ins)], 3);
      odd.writeUInt32LE(id, 4);
      conn.ws.send(Buffer.concat([odd, good]));
    }
  }
}
