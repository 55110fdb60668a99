// Broker-neutral domain model: what every adapter produces and every consumer reads.
import { z } from 'zod';
import { BrokerId } from './brokers';
import { CANDLE_INTERVALS, INTERVAL_SECONDS } from './intervals';
import { IST_OFFSET_S } from './ist';

/** The broker an instrument belongs to: its adapter's protocol (brokers.ts BrokerId, an open name). */
export const Broker = BrokerId;
export type Broker = BrokerId;

export const OptionType = z.enum(['CE', 'PE']);

export const Instrument = z.object({
  /** Stable local id (journal row id). */
  id: z.number().int().nonnegative(),
  broker: Broker,
  /** The broker's own id for the instrument, as text (Kite: instrument_token). */
  token: z.string().min(1),
  exchange: z.string().min(1),
  segment: z.string(),
  symbol: z.string().min(1),
  name: z.string().optional(),
  expiry: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
  strike: z.number().nonnegative().optional(),
  optionType: OptionType.optional(),
  /** Derivatives: the underlying's symbol (e.g. NIFTY). */
  underlying: z.string().optional(),
  tickSize: z.number().positive(),
  lotSize: z.number().int().positive(),
});
export type Instrument = z.infer<typeof Instrument>;
export type NewInstrument = Omit<Instrument, 'id'>;

/**
 * Five (or N) levels of depth in one allocation. Layout, N = levels:
 * [bidPrice×N, bidQty×N, bidOrders×N, askPrice×N, askQty×N, askOrders×N].
 * Empty levels are all zeros. Best level first on each side.
 */
export type DepthBook = Float64Array;
export const DEPTH_FIELDS = 6;

// Allocating a fresh Float64Array costs ~0.7 µs in V8 (each gets its own ArrayBuffer); a view on
// a shared slab costs ~20 ns. Books are carved from 64 KiB slabs; a slab is freed by the GC once
// no book in it is referenced any more.
const SLAB_BYTES = 64 * 1024;
let slab = new ArrayBuffer(SLAB_BYTES);
let slabOffset = 0;

/** A zeroed book of `levels` levels per side. */
export function newDepthBook(levels: number): DepthBook {
  const bytes = levels * DEPTH_FIELDS * 8;
  if (bytes > SLAB_BYTES / 4) return new Float64Array(levels * DEPTH_FIELDS);
  if (slabOffset + bytes > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    slabOffset = 0;
  }
  const book = new Float64Array(slab, slabOffset, levels * DEPTH_FIELDS);
  slabOffset += bytes;
  return book;
}

export function depthLevels(book: DepthBook): number {
  return book.length / DEPTH_FIELDS;
}
export function bidPrice(book: DepthBook, i: number): number {
  return book[i];
}
export function bidQty(book: DepthBook, i: number): number {
  return book[depthLevels(book) + i];
}
export function bidOrders(book: DepthBook, i: number): number {
  return book[2 * depthLevels(book) + i];
}
export function askPrice(book: DepthBook, i: number): number {
  return book[3 * depthLevels(book) + i];
}
export function askQty(book: DepthBook, i: number): number {
  return book[4 * depthLevels(book) + i];
}
export function askOrders(book: DepthBook, i: number): number {
  return book[5 * depthLevels(book) + i];
}

export interface DepthLevel {
  price: number;
  qty: number;
  orders: number;
}

/** The book as plain objects (for JSON output); levels that are all zero are dropped. */
export function depthToLevels(book: DepthBook): { bids: DepthLevel[]; asks: DepthLevel[] } {
  const n = depthLevels(book);
  const bids: DepthLevel[] = [];
  const asks: DepthLevel[] = [];
  for (let i = 0; i < n; i++) {
    if (book[i] !== 0 || book[n + i] !== 0) bids.push({ price: book[i], qty: book[n + i], orders: book[2 * n + i] });
    if (book[3 * n + i] !== 0 || book[4 * n + i] !== 0)
      asks.push({ price: book[3 * n + i], qty: book[4 * n + i], orders: book[5 * n + i] });
  }
  return { bids, asks };
}

/** A normalized trade/quote update. Prices are rupees (broker divisor applied). */
export interface Tick {
  instrumentId: number;
  /** Exchange time, ms UTC. When the broker's packet carries none, the receive time. */
  tsExchange: number;
  /** Time the frame arrived at our socket, ms UTC. */
  tsReceived: number;
  ltp: number;
  ltq?: number;
  atp?: number;
  /** Cumulative volume traded today. */
  volume?: number;
  /** Volume since the previous tick of this instrument (enrichment; 0 on the first tick seen). */
  volDelta?: number;
  oi?: number;
  /** The previous session's closing OI, where the broker's feed says it (Dhan's code 6); not journaled. */
  prevOi?: number;
  totalBuyQty?: number;
  totalSellQty?: number;
  open?: number;
  high?: number;
  low?: number;
  close?: number;
  bid?: number;
  ask?: number;
  bidQty?: number;
  askQty?: number;
  spread?: number;
  mid?: number;
  /** (bidQty − askQty)/(bidQty + askQty) over the whole book carried by the tick. */
  imbalance?: number;
  depth5?: DepthBook;
}

export const Side = z.enum(['bid', 'ask']);
export type Side = z.infer<typeof Side>;

/** One side of an order book at one moment: arrays, never a row per level. */
export interface DepthSnapshot {
  instrumentId: number;
  ts: number;
  side: Side;
  levels: number;
  price: Float64Array;
  qty: Uint32Array;
  orders: Uint32Array;
}

export const CandleInterval = z.enum(CANDLE_INTERVALS);
export type CandleInterval = z.infer<typeof CandleInterval>;

export { INTERVAL_SECONDS };

/** IST is UTC+05:30 with no daylight saving; candle buckets align to IST wall-clock boundaries. */
export { IST_OFFSET_S };

/**
 * Intraday candles count from each day's session open, 09:15 IST, as the exchanges', Kite's and
 * Dhan's do: 10-, 25-, 30- and 60-minute bars start at 09:15, 09:25… / 09:40… / 09:45… / 10:15…
 * (for 1, 3, 5 and 15 minutes this is the same as counting from midnight). Daily bars start at
 * 00:00 IST.
 */
export const SESSION_OPEN_S = (9 * 60 + 15) * 60;

/** Bucket start (epoch seconds) of the candle holding time `tsMs`. */
export function bucketStart(tsMs: number, interval: CandleInterval): number {
  const iv = INTERVAL_SECONDS[interval];
  const s = Math.floor(tsMs / 1000);
  const ist = s + IST_OFFSET_S;
  if (iv >= 86400) return Math.floor(ist / iv) * iv - IST_OFFSET_S;
  // From this day's 09:15 (25 minutes do not divide a day: the count starts again each morning).
  const open = Math.floor(ist / 86400) * 86400 + SESSION_OPEN_S;
  return open + Math.floor((ist - open) / iv) * iv - IST_OFFSET_S;
}

export interface Candle {
  /** Bucket start, epoch seconds. */
  t: number;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
  oi?: number;
}

export interface FeedGap {
  id: number;
  feed: string;
  connection: number;
  startTs: number;
  endTs: number | null;
  reason: string;
}

export type FeedState = 'connecting' | 'connected' | 'reconnecting' | 'login-needed' | 'stopped';
