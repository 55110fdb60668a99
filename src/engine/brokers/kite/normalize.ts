// A decoded Kite packet → the shared Tick (the adapter's "normalize" step): rupees, ms UTC; OI only
// for derivatives (Kite sends 0 in its place for cash and index segments).
import type { Tick } from '../../../shared/model';
import type { KitePacket } from './codec';

/** Normalizes a Kite packet to the shared Tick (the adapter's "normalize" step). */
export function kitePacketToTick(p: KitePacket, instrumentId: number, tsReceived: number): Tick {
  const t: Tick = { instrumentId, tsExchange: p.tsExchange ?? tsReceived, tsReceived, ltp: p.ltp };
  if (p.ltq !== undefined) t.ltq = p.ltq;
  if (p.atp !== undefined) t.atp = p.atp;
  if (p.volume !== undefined) t.volume = p.volume;
  if (p.oi !== undefined && p.segment !== 1 && p.segment !== 4) t.oi = p.oi;
  if (p.totalBuyQty !== undefined) t.totalBuyQty = p.totalBuyQty;
  if (p.totalSellQty !== undefined) t.totalSellQty = p.totalSellQty;
  if (p.open !== undefined) {
    t.open = p.open;
    t.high = p.high;
    t.low = p.low;
    t.close = p.close;
  }
  if (p.depth) t.depth5 = p.depth;
  return t;
}
