// The Engine API: the one contract between the engine and any UI. Requests are validated with these
// schemas at the engine's edge; the bridge carries them over a MessagePort or a WebSocket.
import { z } from 'zod';
import { CandleInterval, Instrument } from './model';

const InstrumentId = z.number().int().positive();
const TimeMs = z.number().int();

/** Request parameter schemas, one per method. */
export const Requests = {
  status: z.object({}).strict(),
  searchInstruments: z
    .object({
      query: z.string().max(100),
      limit: z.number().int().min(1).max(500).default(50),
    })
    .strict(),
  getInstrument: z.object({ instrumentId: InstrumentId }).strict(),
  subscribe: z.object({ instrumentIds: z.array(InstrumentId).min(1).max(3000) }).strict(),
  unsubscribe: z.object({ instrumentIds: z.array(InstrumentId).min(1).max(3000) }).strict(),
  getCandles: z
    .object({
      instrumentId: InstrumentId,
      interval: CandleInterval,
      from: TimeMs.optional(),
      to: TimeMs.optional(),
      limit: z.number().int().min(1).max(50_000).default(5000),
    })
    .strict(),
  /** Focus one instrument: its candles at `interval`, its depth and its tape stream from now on. */
  watch: z
    .object({
      instrumentId: InstrumentId,
      interval: CandleInterval,
      limit: z.number().int().min(1).max(20_000).default(2000),
    })
    .strict(),
  unwatch: z.object({}).strict(),
  getTicks: z
    .object({
      instrumentId: InstrumentId,
      from: TimeMs.optional(),
      to: TimeMs.optional(),
      limit: z.number().int().min(1).max(10_000).default(500),
    })
    .strict(),
} as const;

export type Method = keyof typeof Requests;
export type RequestParams<M extends Method> = z.input<(typeof Requests)[M]>;
export type ValidParams<M extends Method> = z.output<(typeof Requests)[M]>;

/** A quote as the UI sees it: the latest state of one instrument. */
export interface Quote {
  instrumentId: number;
  ts: number;
  ltp: number;
  close?: number;
  changePct?: number;
  volume?: number;
  oi?: number;
  bid?: number;
  ask?: number;
}

export interface FeedStatus {
  feed: string;
  state: 'connecting' | 'connected' | 'reconnecting' | 'login-needed' | 'stopped';
  detail: string;
}

export interface EngineStatus {
  feeds: FeedStatus[];
  ticksPerSecond: number;
  journalRows: number;
  rejects: number;
  reconnects: number;
  sink: { state: 'connected' | 'disconnected'; backlogRows: number; backlogSeconds: number; rowsPerSecond: number } | null;
}

export interface Bar {
  t: number;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
  oi?: number;
}

export interface Trade {
  ts: number;
  ltp: number;
  ltq?: number;
  /** Volume since the previous tick: what actually traded. */
  volDelta?: number;
}

export interface DepthUpdate {
  instrumentId: number;
  ts: number;
  levels: number;
  /** DepthBook layout: [bidPx×N, bidQty×N, bidOrders×N, askPx×N, askQty×N, askOrders×N]. */
  book: number[];
}

/** Result types, one per method. */
export interface Responses {
  status: EngineStatus;
  searchInstruments: Instrument[];
  getInstrument: Instrument;
  subscribe: { subscribed: number[]; quotes: Quote[] };
  unsubscribe: { unsubscribed: number[] };
  getCandles: Bar[];
  watch: { instrumentId: number; interval: CandleInterval; candles: Bar[]; depth: DepthUpdate | null; tape: Trade[] };
  unwatch: { ok: true };
  getTicks: Trade[];
}

/** Event streams the engine pushes, coalesced per frame by the bridge. */
export interface Events {
  quotes: Quote[];
  /** Bars of the watched instrument that changed in this frame, oldest first. */
  candles: { instrumentId: number; interval: CandleInterval; bars: Bar[] };
  /** The latest book of the watched instrument. */
  depth: DepthUpdate;
  /** Ticks of the watched instrument since the last frame. */
  tape: { instrumentId: number; trades: Trade[] };
  status: EngineStatus;
}

// --- bridge framing -------------------------------------------------------------------------

export const RequestMessage = z.object({
  id: z.number().int().nonnegative(),
  method: z.string().max(64),
  params: z.unknown().optional(),
});
export type RequestMessage = z.infer<typeof RequestMessage>;

export type ResponseMessage =
  | { id: number; result: unknown }
  | { id: number; error: { code: 'bad-request' | 'unknown-method' | 'internal'; message: string } };

export interface EventMessage {
  event: keyof Events;
  data: unknown;
}

/** Validates a request's parameters; returns a readable error rather than throwing. */
export function parseRequest(
  raw: unknown,
): { ok: true; id: number; method: Method; params: unknown } | { ok: false; id: number; code: 'bad-request' | 'unknown-method'; message: string } {
  const msg = RequestMessage.safeParse(raw);
  if (!msg.success) return { ok: false, id: -1, code: 'bad-request', message: `malformed request: ${z.prettifyError(msg.error)}` };
  const { id, method } = msg.data;
  if (!Object.hasOwn(Requests, method)) return { ok: false, id, code: 'unknown-method', message: `unknown method "${method}"` };
  const schema = Requests[method as Method];
  const params = schema.safeParse(msg.data.params ?? {});
  if (!params.success) return { ok: false, id, code: 'bad-request', message: `${method}: ${z.prettifyError(params.error)}` };
  return { ok: true, id, method: method as Method, params: params.data };
}

export { Instrument };
