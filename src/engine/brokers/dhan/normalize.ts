// A decoded Dhan packet → the shared Tick (the adapter's "normalize" step). Dhan sends OI in a
// packet of its own for quote subscriptions: it is kept per instrument and carried into the ticks.
// So is the previous session's OI from the prev-close packet (code 6), when it is not 0.
import type { Tick } from '../../../shared/model';
import type { DhanPacket } from './codec';

/** Normalizes a Dhan packet to the shared Tick; OI arrives in its own packet and is carried over. */
export class DhanNormalizer {
  private readonly oi = new Map<number, number>();
  private readonly prevOi = new Map<number, number>();

  toTick(p: DhanPacket, instrumentId: number, tsReceived: number): Tick | null {
    if (p.kind === 'oi') {
      this.oi.set(instrumentId, p.oi);
      return null;
    }
    if (p.kind === 'prevClose') {
      if (p.prevOi > 0) this.prevOi.set(instrumentId, p.prevOi);
      return null;
    }
    if (p.kind !== 'ticker' && p.kind !== 'quote' && p.kind !== 'full') return null;
    const t: Tick = { instrumentId, tsExchange: p.ltt ?? tsReceived, tsReceived, ltp: p.ltp };
    const prevOi = this.prevOi.get(instrumentId);
    if (prevOi !== undefined) t.prevOi = prevOi;
    if (p.kind === 'ticker') return t;
    t.ltq = p.ltq;
    t.atp = p.atp;
    t.volume = p.volume;
    t.totalBuyQty = p.totalBuyQty;
    t.totalSellQty = p.totalSellQty;
    t.open = p.open;
    t.high = p.high;
    t.low = p.low;
    t.close = p.close;
    if (p.kind === 'full') {
      t.oi = p.oi;
      t.depth5 = p.depth;
    } else if (this.oi.has(instrumentId)) t.oi = this.oi.get(instrumentId);
    return t;
  }
}
