// What the scale and day benches replay, built the same way in both processes: synthetic
// instrument universes (Kite tokens, Dhan security ids) and real-protocol frames of full-mode
// packets, encoded with the brokers' own encoders. Pure: no I/O.
import { encodeFrame, type KiteQuote } from '../src/engine/brokers/kite/codec';
import { encodeFeedPacket, type DhanPacket } from '../src/engine/brokers/dhan/codec';
import { encodeDepthSide } from '../src/engine/brokers/dhan/depth-codec';
import type { SimInstrument } from '../src/engine/sim/market/market';
import { newDepthBook, type NewInstrument } from '../src/shared/model';

/** Packets per binary frame (a busy Kite or Dhan frame carries tens to hundreds). */
export const PACKETS_PER_FRAME = 100;

const round2 = (v: number) => Math.round(v * 100) / 100;

/** The next Thursday at least `days` ahead, as yyyy-mm-dd (an option expiry). */
function expiryAfter(days: number): string {
  const d = new Date(Date.now() + days * 86400_000);
  while (d.getUTCDay() !== 4) d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/**
 * `n` tradable Kite instruments: a third NSE equities, the rest NFO options (CE/PE pairs), tick
 * ₹0.05. Tokens are exchangeToken·256 + segment, as Kite's are.
 */
export function kiteUniverse(n: number): SimInstrument[] {
  const expiry = expiryAfter(20);
  const out: SimInstrument[] = [];
  for (let k = 0; k < n; k++) {
    const exchangeToken = 200_000 + k;
    if (k % 3 === 0) {
      out.push({
        token: exchangeToken * 256 + 1,
        exchangeToken,
        symbol: `EQ${k}`,
        name: `EQUITY ${k}`,
        exchange: 'NSE',
        segment: 'NSE',
        instrumentType: 'EQ',
        tickSize: 0.05,
        lotSize: 1,
        basePrice: 100 + (k % 97) * 25,
      });
    } else {
      const strike = 10_000 + k * 50;
      const type = k % 3 === 1 ? 'CE' : 'PE';
      out.push({
        token: exchangeToken * 256 + 2,
        exchangeToken,
        symbol: `NIFTY${expiry.slice(2, 4)}${expiry.slice(5, 7)}${strike}${type}`,
        name: 'NIFTY',
        exchange: 'NFO',
        segment: 'NFO-OPT',
        instrumentType: type,
        expiry,
        strike,
        tickSize: 0.05,
        lotSize: 75,
        basePrice: 20 + (k % 211) * 3,
      });
    }
  }
  return out;
}

/** One instrument's state as the sender moves it: enough for a full packet of either broker. */
export interface ReplayQuote {
  ltp: number;
  ltq: number;
  volume: number;
  open: number;
  high: number;
  low: number;
  close: number;
  oi: number;
}

export function startQuote(basePrice: number): ReplayQuote {
  return { ltp: basePrice, ltq: 25, volume: 10_000, open: basePrice, high: basePrice, low: basePrice, close: basePrice, oi: 50_000 };
}

/** One trade: the price moves by at most one tick (`step` −1, 0 or 1), volume grows. */
export function trade(q: ReplayQuote, step: number, tick: number, ltq: number): void {
  const ltp = round2(Math.max(tick, q.ltp + step * tick));
  q.ltp = ltp;
  q.ltq = ltq;
  q.volume += ltq;
  if (ltp > q.high) q.high = ltp;
  if (ltp < q.low) q.low = ltp;
  q.oi += step;
}

/** A Kite full packet's content for a quote: a 5-level book one tick apart around the price. */
export function kiteQuote(token: number, q: ReplayQuote, tsMs: number): KiteQuote {
  const depth = newDepthBook(5);
  for (let l = 0; l < 5; l++) {
    depth[l] = round2(q.ltp - 0.05 * (l + 1));
    depth[5 + l] = 100 + 25 * l;
    depth[10 + l] = 1 + l;
    depth[15 + l] = round2(q.ltp + 0.05 * (l + 1));
    depth[20 + l] = 120 + 25 * l;
    depth[25 + l] = 2 + l;
  }
  return {
    token,
    ltp: q.ltp,
    ltq: q.ltq,
    atp: q.close,
    volume: q.volume,
    totalBuyQty: 50_000,
    totalSellQty: 60_000,
    open: q.open,
    high: q.high,
    low: q.low,
    close: q.close,
    lastTradeTime: tsMs,
    oi: (token & 0xff) === 2 ? q.oi : 0,
    oiDayHigh: q.oi + 100,
    oiDayLow: q.oi - 100,
    tsExchange: tsMs,
    depth,
  };
}

/**
 * Kite frames for a connection's tokens: `cycles` rounds over all of them, PACKETS_PER_FRAME full
 * packets a frame, each round one trade further (prices wander by a tick, volume grows).
 */
export function kiteFrames(tokens: readonly number[], basePrice: (token: number) => number, cycles: number, tsMs: number): Buffer[] {
  const quotes = tokens.map((t) => startQuote(basePrice(t)));
  const frames: Buffer[] = [];
  for (let c = 0; c < cycles; c++) {
    for (let i = 0; i < tokens.length; i += PACKETS_PER_FRAME) {
      const items = [];
      for (let k = i; k < Math.min(tokens.length, i + PACKETS_PER_FRAME); k++) {
        // Up for the first half of the rounds, down for the second: a loop ends where it began.
        trade(quotes[k], c < cycles / 2 ? 1 : -1, 0.05, 25);
        items.push({ quote: kiteQuote(tokens[k], quotes[k], tsMs), mode: 'full' as const });
      }
      frames.push(encodeFrame(items));
    }
  }
  return frames;
}

/** Byte offsets of every full (184-byte) packet in a Kite frame. */
export function kitePacketOffsets(frame: Buffer): number[] {
  const out: number[] = [];
  const n = frame.readUInt16BE(0);
  let off = 2;
  for (let i = 0; i < n; i++) {
    const plen = frame.readUInt16BE(off);
    if (plen === 184) out.push(off + 2);
    off += 2 + plen;
  }
  return out;
}

/** Where in a Kite full packet the sender writes its send time (the total-buy-quantity field). */
export const KITE_STAMP_OFFSET = 20;
/** The exchange timestamp (seconds) of a Kite full packet. */
export const KITE_TS_OFFSET = 60;

// --- Dhan -------------------------------------------------------------------------------------

export interface DhanRef {
  securityId: number;
  /** 1 NSE_EQ, 2 NSE_FNO. */
  segCode: number;
  segment: 'NSE_EQ' | 'NSE_FNO';
  symbol: string;
  basePrice: number;
}

/** `n` Dhan instruments, alternating NSE_EQ and NSE_FNO (both carry full depth). */
export function dhanUniverse(n: number): DhanRef[] {
  return Array.from({ length: n }, (_, k) => {
    const fno = k % 2 === 1;
    return { securityId: 10_000 + k, segCode: fno ? 2 : 1, segment: fno ? 'NSE_FNO' : 'NSE_EQ', symbol: `${fno ? 'FUT' : 'EQ'}${k}`, basePrice: 100 + (k % 97) * 25 };
  });
}

/** A Dhan instrument as the journal stores it. */
export function dhanInstrument(r: DhanRef): NewInstrument {
  return { broker: 'dhan', token: String(r.securityId), exchange: r.segment === 'NSE_EQ' ? 'NSE' : 'NFO', segment: r.segment, symbol: r.symbol, tickSize: 0.05, lotSize: 1 };
}

/** Dhan full packets (162 bytes), PACKETS_PER_FRAME a frame, `cycles` rounds over the instruments. */
export function dhanFrames(refs: readonly DhanRef[], cycles: number, tsMs: number): Buffer[] {
  const quotes = refs.map((r) => startQuote(r.basePrice));
  const frames: Buffer[] = [];
  for (let c = 0; c < cycles; c++) {
    for (let i = 0; i < refs.length; i += PACKETS_PER_FRAME) {
      const packets: Buffer[] = [];
      for (let k = i; k < Math.min(refs.length, i + PACKETS_PER_FRAME); k++) {
        const q = quotes[k];
        trade(q, c < cycles / 2 ? 1 : -1, 0.05, 25);
        const depth = new Float64Array(30);
        for (let l = 0; l < 5; l++) {
          depth[l] = round2(q.ltp - 0.05 * (l + 1));
          depth[5 + l] = 100 + 25 * l;
          depth[10 + l] = 1 + l;
          depth[15 + l] = round2(q.ltp + 0.05 * (l + 1));
          depth[20 + l] = 120 + 25 * l;
          depth[25 + l] = 2 + l;
        }
        const p: DhanPacket = {
          code: 8,
          kind: 'full',
          segment: refs[k].segCode,
          securityId: refs[k].securityId,
          ltp: q.ltp,
          ltq: q.ltq,
          ltt: tsMs,
          atp: q.close,
          volume: q.volume,
          totalSellQty: 60_000,
          totalBuyQty: 50_000,
          oi: q.oi,
          oiDayHigh: q.oi + 100,
          oiDayLow: q.oi - 100,
          open: q.open,
          close: q.close,
          high: q.high,
          low: q.low,
          depth,
        };
        packets.push(encodeFeedPacket(p));
      }
      frames.push(Buffer.concat(packets));
    }
  }
  return frames;
}

/** Instruments per 20-level depth frame (both sides of each). */
export const DEPTH_INSTRUMENTS_PER_FRAME = 5;

/** 20-level depth frames: both sides of DEPTH_INSTRUMENTS_PER_FRAME instruments a frame, `cycles` rounds. */
export function dhanDepthFrames(refs: readonly DhanRef[], cycles: number): Buffer[] {
  const frames: Buffer[] = [];
  let seq = 0;
  for (let c = 0; c < cycles; c++) {
    for (let i = 0; i < refs.length; i += DEPTH_INSTRUMENTS_PER_FRAME) {
      const parts: Buffer[] = [];
      for (const r of refs.slice(i, i + DEPTH_INSTRUMENTS_PER_FRAME)) {
        const mid = r.basePrice + (c % 4) * 0.05;
        for (const side of ['bid', 'ask'] as const) {
          const levels = Array.from({ length: 20 }, (_, l) => ({ price: round2(side === 'bid' ? mid - 0.05 * (l + 1) : mid + 0.05 * (l + 1)), qty: 100 + ((l * 7 + c) % 50), orders: 1 + (l % 9) }));
          parts.push(encodeDepthSide(20, side, r.segCode, r.securityId, levels, ++seq));
        }
      }
      frames.push(Buffer.concat(parts));
    }
  }
  return frames;
}
