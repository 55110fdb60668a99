// The Engine API: the one contract between the engine and any UI. Requests are validated with these
// schemas at the engine's edge; the bridge carries them over a MessagePort or a WebSocket.
import { z } from 'zod';
import { BrokerId, type BrokerInfo } from './brokers';
import { CandleInterval, Instrument } from './model';
import type { SessionPhase } from './nse-calendar';

const InstrumentId = z.number().int().positive();
const TimeMs = z.number().int();

/** Request parameter schemas, one per method. */
export const Requests = {
  status: z.object({}).strict(),
  /** The engine's brokers: names, login kinds, depth and history capabilities, connect-form fields. */
  brokers: z.object({}).strict(),
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
  /**
   * The page's other charts (a grid of up to 4): candles of each instrument at its interval stream
   * as `candles` events from now on, beside the watched instrument's. Replaces the previous set;
   * [] stops them all. Each answered with its history (up to `limit` bars).
   */
  charts: z
    .object({
      streams: z
        .array(z.object({ instrumentId: InstrumentId, interval: CandleInterval }).strict())
        .max(4)
        .refine((list) => new Set(list.map((s) => `${s.instrumentId}/${s.interval}`)).size === list.length, 'each instrument and interval at most once'),
      limit: z.number().int().min(1).max(20_000).default(2000),
    })
    .strict(),
  /**
   * Fetch the broker's history for one instrument into the journal, in the background; progress
   * comes as `progress` events, then `watch` again to see it.
   */
  backfill: z
    .object({
      instrumentId: InstrumentId,
      interval: CandleInterval,
      days: z.number().int().min(1).max(3650).optional(),
    })
    .strict(),
  /**
   * Log in to the session's broker again: the engine listens for the redirect on 127.0.0.1 and
   * answers with the broker's login page for the UI to open. The secret is optional when the
   * engine has it from its environment.
   */
  loginStart: z
    .object({
      broker: BrokerId,
      apiSecret: z.string().min(1).max(200).optional(),
    })
    .strict(),
  /**
   * Use an access token generated on the broker's site (a broker whose has.login includes
   * 'pasted-token', e.g. Dhan's web.dhan.co), checked with the broker, then saved.
   */
  loginToken: z
    .object({
      broker: BrokerId,
      accessToken: z.string().min(20).max(4000),
    })
    .strict(),
  /** Option underlyings with their expiries. */
  optionUnderlyings: z.object({}).strict(),
  /** Download the broker's instrument list again now; progress comes as `progress` events. */
  refreshInstruments: z.object({}).strict(),
  /** One expiry's chain: strikes around the money, CE and PE side by side. */
  optionChain: z
    .object({
      underlying: z.string().min(1).max(40),
      exchange: z.string().min(1).max(10),
      expiry: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
      around: z.number().int().min(1).max(60).default(10),
      /** Black-76 on the expiry's future (falls back to Black-Scholes on spot without one), or Black-Scholes on spot. */
      model: z.enum(['black76', 'bs']).default('black76'),
      /** Risk-free rate per year, continuously compounded (0.065 = 6.5 %). */
      rate: z.number().min(-0.05).max(0.5).default(0.065),
    })
    .strict(),
  /**
   * The volume traded at each price by one instrument in the current trading session (from its
   * 09:00 IST pre-open; the last session's while the market is closed), from the journal.
   */
  volumeAtPrice: z.object({ instrumentId: InstrumentId }).strict(),
  /**
   * Full market depth for one instrument: `levels` one of the broker's full-depth feeds (status
   * `depth.usage`), or 0 for the ticks' own book. Refused, changing nothing, beyond the broker's
   * limit, for an instrument it has no full depth for, or on a broker without the choice.
   */
  setDepth: z.object({ instrumentId: InstrumentId, levels: z.number().int().min(0).max(10_000) }).strict(),
  /** An instrument's full-depth levels now, whether it may have full depth here, and the usage. */
  depthOf: z.object({ instrumentId: InstrumentId }).strict(),
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
/**
 * A request its method's schema accepted: for each method, the method with its own parameters
 * (a union over `M`, so a handler map indexed by `method` takes `params` without a cast).
 */
export type ValidRequest<M extends Method = Method> = { [K in M]: { id: number; method: K; params: ValidParams<K> } }[M];

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
  /** The day's high and low so far, where the feed sends them. */
  high?: number;
  low?: number;
}

export interface FeedStatus {
  feed: string;
  state: 'connecting' | 'connected' | 'reconnecting' | 'login-needed' | 'stopped';
  detail: string;
}

export interface LoginState {
  broker: BrokerId;
  state: 'pending' | 'ok' | 'failed';
  detail: string;
}

/** Why the pipeline refused a tick (see the engine's pipeline/pipeline.ts). */
export type RejectReason = 'nonFinite' | 'nonPositive' | 'timestamp' | 'band';

/** One instrument's rejects since the engine started. */
export interface InstrumentRejects {
  instrumentId: number;
  /** EXCHANGE:SYMBOL. */
  symbol: string;
  total: number;
  byReason: Record<RejectReason, number>;
  /** Times its price band moved to a new level that several prices in a row agreed on. */
  reanchored: number;
}

/** One full-depth feed of the recorded broker: its levels, its limit and the instruments on it. */
export interface DepthUsage {
  levels: number;
  /** Instruments it takes at most (the broker's has.depth). */
  max: number;
  /** Instrument ids on it now, in the order they were given it. */
  instruments: number[];
}

/** One instrument's full depth (Requests.setDepth, Requests.depthOf). */
export interface DepthState {
  instrumentId: number;
  /** Its full-depth feed's levels; 0: the ticks' own book. */
  levels: number;
  /** Why it cannot have full depth here (null: it can, within the limits in `usage`). */
  refusal: string | null;
  usage: DepthUsage[];
}

export interface EngineStatus {
  /**
   * The engine records from a simulated venue: its market trades at any hour (the page must not say
   * "market closed" over ticking prices). Absent from engines before it was added.
   */
  simulated?: boolean;
  /** A simulated market on the exchange's clock (`--sim-clock nse`): its phase and what to say. */
  market?: { phase: SessionPhase; text: string } | null;
  feeds: FeedStatus[];
  /** Logins started from the UI. */
  logins: LoginState[];
  /**
   * Full depth chosen per instrument while recording (absent or null: the broker has no such
   * choice): the broker's id (a page keeps its choices per broker), the levels of the ticks' own
   * book (0: unknown), and each full-depth feed's usage.
   */
  depth?: { broker: string; base: number; usage: DepthUsage[] } | null;
  /** The engine's latest notices, oldest first (session expiring, instruments not refreshed, …). */
  notices: string[];
  ticksPerSecond: number;
  journalRows: number;
  rejects: number;
  rejectsByReason: Record<RejectReason, number>;
  /** Price bands moved to a new level (a real jump), all instruments. */
  bandReanchors: number;
  /** The instruments with the most rejects, most first (at most 10). */
  rejectsByInstrument: InstrumentRejects[];
  /** How many instruments have rejects (rejectsByInstrument may list fewer). */
  instrumentsWithRejects: number;
  reconnects: number;
  /** The database replica; 'refused': this journal will not replicate there (detail says why and what to do). */
  sink: { state: 'connected' | 'disconnected' | 'refused'; detail: string; backlogRows: number; backlogSeconds: number; rowsPerSecond: number } | null;
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
  /** The day's cumulative volume after this trade (where the feed sends it): the seam with a journal read. */
  volume?: number;
}

export interface DepthUpdate {
  instrumentId: number;
  ts: number;
  levels: number;
  /** DepthBook layout: [bidPx×N, bidQty×N, bidOrders×N, askPx×N, askQty×N, askOrders×N]. */
  book: number[];
}

export interface ChainSide {
  instrument: Instrument;
  ltp?: number;
  oi?: number;
  /** Analytics, computed in the engine from the live stream; null where the feed has not said. */
  change?: number | null;
  bid?: number | null;
  ask?: number | null;
  volume?: number | null;
  /** OI − the previous session's closing OI; null when that is not known (`prevOiFrom` says where it came from). */
  oiChange?: number | null;
  prevOi?: number | null;
  prevOiFrom?: 'broker' | 'journal' | 'sim' | null;
  /** Annualised implied volatility (0.15 = 15 %), solved from the LTP; null with `ivReason`. */
  iv?: number | null;
  ivReason?: string | null;
  /** At `iv`: delta, gamma, theta per calendar day, vega per vol point, rho per rate point. */
  greeks?: { delta: number; gamma: number; theta: number; vega: number; rho: number } | null;
  /** CE: strike below the underlying's price; PE: above. */
  itm?: boolean | null;
}

/** The expiry's analytics: which model on which price, put/call ratios and max pain. */
export interface ChainAnalytics {
  model: 'black76' | 'bs';
  priceFrom: 'future' | 'spot';
  /** The price IV and Greeks are on (the future's or the spot's). */
  underlyingPrice: number | null;
  rate: number;
  /** Years to the expiry moment (15:30 IST on the expiry date for NSE). */
  years: number;
  pcrOi: number | null;
  pcrVolume: number | null;
  maxPain: number | null;
  /** Σ change in OI of the calls and of the puts whose previous OI is known (null: none is), and their ratio. */
  ceOiChange?: number | null;
  peOiChange?: number | null;
  pcrOiChange?: number | null;
  /** Options with a known change in OI, of those with an OI. */
  oiChangeKnown?: number;
  oiSides?: number;
}

/** One instrument's traded volume at price over a session (Requests.volumeAtPrice). */
export interface SessionVolumeAtPrice {
  instrumentId: number;
  /** The session: its opening moment and the next session's (ms UTC). */
  from: number;
  until: number;
  /** Prices as tick indices (price / tickSize, rounded), ascending, and the volume at each. */
  tickSize: number;
  ticks: number[];
  volumes: number[];
  total: number;
  trades: number;
  /** First and last trade counted; null without trades. */
  first: number | null;
  last: { price: number; ts: number } | null;
  /**
   * Where live trades take over: a live trade is new when its cumulative `volume` exceeds
   * seamVolume or, for a feed without cumulative volume (seamVolume null), its time exceeds seamTs.
   */
  seamVolume: number | null;
  seamTs: number | null;
}

export interface OptionChain {
  underlying: string;
  exchange: string;
  expiry: string;
  /** The underlying's last price, when known. */
  spot: number | null;
  /** The strike nearest the spot (the middle one without a spot). */
  atm: number | null;
  rows: Array<{ strike: number; ce?: ChainSide; pe?: ChainSide }>;
  /** Over the whole expiry (every strike, not only the rows shown); null without any option listed. */
  analytics: ChainAnalytics | null;
}

/** A long task's progress (a backfill, an instrument list download). */
export interface Progress {
  id: number;
  task: 'backfill' | 'instruments';
  label: string;
  /** 0…1 when known. */
  fraction: number | null;
  detail: string;
  done: boolean;
  error?: string;
}

/** Result types, one per method. */
export interface Responses {
  status: EngineStatus;
  brokers: BrokerInfo[];
  searchInstruments: Instrument[];
  getInstrument: Instrument;
  subscribe: { subscribed: number[]; quotes: Quote[] };
  unsubscribe: { unsubscribed: number[] };
  getCandles: Bar[];
  watch: { instrumentId: number; interval: CandleInterval; candles: Bar[]; depth: DepthUpdate | null; tape: Trade[] };
  unwatch: { ok: true };
  charts: { streams: Array<{ instrumentId: number; interval: CandleInterval; candles: Bar[] }> };
  getTicks: Trade[];
  backfill: { id: number; label: string };
  loginStart: { url: string };
  loginToken: { validUntil: number | null };
  optionUnderlyings: Array<{ underlying: string; exchange: string; expiries: string[] }>;
  refreshInstruments: { instruments: number };
  optionChain: OptionChain;
  volumeAtPrice: SessionVolumeAtPrice;
  setDepth: DepthState;
  depthOf: DepthState;
}

/** Event streams the engine pushes, coalesced per frame by the bridge. */
export interface Events {
  quotes: Quote[];
  /** Bars of the watched instrument, or of one of the page's `charts`, that changed in this frame, oldest first. */
  candles: { instrumentId: number; interval: CandleInterval; bars: Bar[] };
  /** The latest book of the watched instrument. */
  depth: DepthUpdate;
  /** Ticks of the watched instrument since the last frame. */
  tape: { instrumentId: number; trades: Trade[] };
  status: EngineStatus;
  progress: Progress;
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
  | { id: number; error: { code: 'bad-request' | 'unknown-method' | 'rate-limited' | 'internal'; message: string } };

export interface EventMessage {
  event: keyof Events;
  data: unknown;
}

/** An event with its data's type, for the engine's side (each is sent as an EventMessage). */
export type EngineEvent<E extends keyof Events = keyof Events> = { [K in E]: { event: K; data: Events[K] } }[E];

/** Validates a request's parameters; returns a readable error rather than throwing. */
export function parseRequest(
  raw: unknown,
): ({ ok: true } & ValidRequest) | { ok: false; id: number; code: 'bad-request' | 'unknown-method'; message: string } {
  const msg = RequestMessage.safeParse(raw);
  if (!msg.success) return { ok: false, id: -1, code: 'bad-request', message: `malformed request: ${z.prettifyError(msg.error)}` };
  const { id, method } = msg.data;
  if (!Object.hasOwn(Requests, method)) return { ok: false, id, code: 'unknown-method', message: `unknown method "${method}"` };
  const schema = Requests[method as Method];
  const params = schema.safeParse(msg.data.params ?? {});
  if (!params.success) return { ok: false, id, code: 'bad-request', message: `${method}: ${z.prettifyError(params.error)}` };
  // The schema of `method` produced these parameters: they are that method's, whatever the union says.
  return { ok: true, id, method, params: params.data } as { ok: true } & ValidRequest;
}

export { Instrument };
