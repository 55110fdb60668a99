// Kite's capture format for `tickdesk decode kite`: every packet of a captured binary frame as one
// JSON object (times ISO 8601, the book as bids/asks level objects).
import { depthToLevels } from '../../../shared/model';
import type { CaptureFormat } from '../types';
import { decodeFrame, newDecodeStats, type KitePacket } from './codec';

const iso = (ms: number | null | undefined) => (ms ? new Date(ms).toISOString() : null);

export function kitePacketJson(p: KitePacket, tsReceived: number): Record<string, unknown> {
  const { bids, asks } = p.depth ? depthToLevels(p.depth) : { bids: [], asks: [] };
  return {
    token: p.token,
    segment: p.segment,
    mode: p.mode,
    tradable: p.tradable,
    ltp: p.ltp,
    ltq: p.ltq ?? null,
    atp: p.atp ?? null,
    volume: p.volume ?? null,
    oi: p.oi ?? null,
    oiDayHigh: p.oiDayHigh ?? null,
    oiDayLow: p.oiDayLow ?? null,
    totalBuyQty: p.totalBuyQty ?? null,
    totalSellQty: p.totalSellQty ?? null,
    open: p.open ?? null,
    high: p.high ?? null,
    low: p.low ?? null,
    close: p.close ?? null,
    change: p.change ?? null,
    lastTradeTime: iso(p.lastTradeTime),
    tsExchange: iso(p.tsExchange),
    tsReceived: new Date(tsReceived).toISOString(),
    bids,
    asks,
  };
}

export const KITE_CAPTURES: Readonly<Record<string, CaptureFormat>> = {
  kite: {
    describe: 'ticks with token, ltp, volume, oi, tsExchange (ISO 8601 or null), bids/asks [{price, qty, orders}], ...',
    decoder() {
      const stats = newDecodeStats();
      let ticks = 0;
      return {
        decode: (frame, tsReceived, emit) =>
          decodeFrame(frame, (p) => {
            emit(kitePacketJson(p, tsReceived));
            ticks++;
          }, stats),
        summary: () => `decoded ${stats.frames} frames: ${ticks} ticks, ${stats.heartbeats} heartbeats, ${stats.malformedFrames} malformed, ${stats.unknownPackets} unknown packets`,
      };
    },
  },
};
