// Dhan's capture formats for `tickdesk decode`: the main feed (dhan) and the 20- and 200-level
// depth feeds (dhan-depth20, dhan-depth200), one JSON object per packet or per side of a book.
import { depthToLevels } from '../../../shared/model';
import type { CaptureFormat } from '../types';
import { DHAN_SEGMENTS, decodeFeedFrame, newDhanStats, type DhanPacket } from './codec';
import { decodeDepthFrame } from './depth-codec';

const iso = (ms: number | null | undefined) => (ms ? new Date(ms).toISOString() : null);

function dhanPacketJson(p: DhanPacket, tsReceived: number): Record<string, unknown> {
  const { code: _code, ...rest } = p as DhanPacket & { depth?: Float64Array };
  void _code;
  const out: Record<string, unknown> = { ...rest, segment: DHAN_SEGMENTS[p.segment] ?? p.segment, tsReceived: new Date(tsReceived).toISOString() };
  if ('ltt' in p) out.tsExchange = iso(p.ltt);
  delete out.ltt;
  if (p.kind === 'full') {
    const { bids, asks } = depthToLevels(p.depth);
    delete out.depth;
    out.bids = bids;
    out.asks = asks;
  }
  return out;
}

function depthCapture(levels: 20 | 200): CaptureFormat {
  return {
    describe: '{securityId, segment, side: "bid"|"ask", levels: [{price, qty, orders}]}; disconnects as {disconnect, securityId, segment}',
    decoder() {
      const stats = newDhanStats();
      let n = 0;
      return {
        decode: (frame, tsReceived, emit) =>
          decodeDepthFrame(frame, levels, (p) => {
            emit(
              p.kind === 'depth'
                ? {
                    securityId: p.securityId,
                    segment: DHAN_SEGMENTS[p.segment] ?? p.segment,
                    side: p.side,
                    levels: Array.from(p.price, (price, i) => ({ price, qty: p.qty[i], orders: p.orders[i] })),
                    tsReceived: new Date(tsReceived).toISOString(),
                  }
                : { disconnect: p.reason, securityId: p.securityId, segment: DHAN_SEGMENTS[p.segment] ?? p.segment },
            );
            n++;
          }, stats),
        summary: () => `decoded ${stats.frames} frames: ${n} packets, ${stats.malformed} malformed, ${stats.unknown} unknown`,
      };
    },
  };
}

export const DHAN_CAPTURES: Readonly<Record<string, CaptureFormat>> = {
  dhan: {
    describe:
      'ticks with securityId, ltp, volume, oi, tsExchange (ISO 8601 or null), bids/asks [{price, qty, orders}], ...; prices without the instrument list are rounded to the paisa (currencies: 4 decimals)',
    decoder() {
      const stats = newDhanStats();
      let n = 0;
      return {
        decode: (frame, tsReceived, emit) =>
          decodeFeedFrame(frame, (p) => {
            emit(dhanPacketJson(p, tsReceived));
            n++;
          }, stats),
        summary: () => `decoded ${stats.frames} frames: ${n} packets, ${stats.malformed} malformed, ${stats.unknown} unknown`,
      };
    },
  },
  'dhan-depth20': depthCapture(20),
  'dhan-depth200': depthCapture(200),
};
