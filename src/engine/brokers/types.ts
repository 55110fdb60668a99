// What every broker adapter declares and does (ARCHITECTURE.md §2, "a broker is one folder"): its
// capabilities as data (`has`, in the manner of ccxt's describe()), how it logs in, how it keys
// its instrument master, how it fetches history and opens its feeds, and how its error codes map
// onto errors.ts. The recorder, the Engine API and the CLI read these; none names a broker.
import type { BrokerForm, BrokerId, LoginKind as SharedLoginKind } from '../../shared/brokers';
import type { MarketClock } from '../../shared/nse-calendar';
import type { z } from 'zod';
import type { ConnectRequest, EngineStart } from '../../shared/desktop';
import type { DepthUsage } from '../../shared/api';
import type { Candle, CandleInterval, DepthSnapshot, FeedState, Instrument, NewInstrument, Tick } from '../../shared/model';
import type { LoginResult, LoopbackLoginOptions } from '../auth/login-flow';
import type { StoredSession } from '../auth/session-store';
import type { FeedConnection, GapRecorder } from '../feed/connection';
import type { BrokerErrorKind } from './errors';

export type BrokerErrorKindTable = Readonly<Record<string, BrokerErrorKind>>;

/** Live tick modes, as `--mode` names them (Dhan's "ticker" is `ltp`). */
export type LiveMode = 'ltp' | 'quote' | 'full';

/**
 * How a session is obtained: the broker's page in a popup window (desktop), its redirect caught
 * on 127.0.0.1 (`tickdesk login`), a token pasted from the broker's site, or none (a simulator).
 */
export type LoginKind = SharedLoginKind;

/** The broker a session is saved under (`tickdesk login`): a real broker's id, its adapters' protocol. */
export type SessionBroker = BrokerId;

export interface BrokerCapabilities {
  live: {
    modes: readonly LiveMode[];
    /** Instruments one session may subscribe to (all its connections). */
    maxInstruments: number;
    /** Whether `--instruments all` (the whole master) may be recorded. */
    all: boolean;
    /** Levels a side of the book its richest mode's ticks carry (the depth without a full-depth feed). */
    bookLevels?: number;
  };
  /** Full market-depth feeds beyond the ticks' own levels: levels and how many instruments each takes. */
  depth: ReadonlyArray<{ levels: number; maxInstruments: number }>;
  history: {
    intervals: readonly CandleInterval[];
    /** The longest span one request may cover, days (longer ranges are paged). */
    maxDaysPerRequest: Partial<Record<CandleInterval, number>>;
    /** Requests per second the broker allows. */
    ratePerSecond: number;
  };
  /** The broker publishes an instrument master (downloaded daily at 08:30 IST). */
  master: boolean;
  login: readonly LoginKind[];
}

/**
 * The journal as adapters use it: the look-ups and writes they call, and the feeds' gap records.
 * brokers/ sits below store/, so it names no store type; the Journal satisfies this as it is.
 */
export interface AdapterJournal extends GapRecorder {
  instrument(id: number): Instrument | undefined;
  instruments(): Instrument[];
  findInstrument(ref: string, broker?: string): Instrument | undefined;
  findByKey(xkey: string, broker: string): Instrument | undefined;
  instrumentBySegmentToken(broker: string, segment: string, token: string): Instrument | undefined;
  instrumentsByToken(broker: string, token: string): Instrument[];
  upsertInstrument(i: NewInstrument): number;
  /** The broker's last instrument-master import (its IST day), if any. */
  masterImport(broker: string): { istDay: string } | undefined;
}

/** How one broker's master file reads. */
export interface MasterFormat {
  broker: string;
  /** Name used in messages. */
  title: string;
  /** Given the header line, a parser for data lines (null = nothing on this line; throw = bad line). */
  open(headerLine: string): (line: string) => NewInstrument | null;
  /** The error for a failed HTTP answer (e.g. Kite's 403 = log in again). */
  httpError?(status: number): Error | undefined;
}

export interface MasterProgress {
  broker: string;
  bytes: number;
  /** From Content-Length (of the encoded body when compressed); undefined when not sent. */
  totalBytes?: number;
  rows: number;
  done: boolean;
}

export interface MasterImportResult {
  imported: boolean;
  rows: number;
  /** Lines that could not be read (counted, skipped). */
  skipped: number;
  /** Journal ids of the rows imported, in file order (with collectIds). */
  ids?: number[];
  /** Why nothing was imported (already fresh today). */
  reason?: string;
  ms: number;
}

export interface MasterOptions {
  url: string;
  headers?: Record<string, string>;
  /** Import even when today's master is already in the journal. */
  force?: boolean;
  now?: () => number;
  onProgress?: (p: MasterProgress) => void;
  /** A download smaller than this is taken as truncated (Dhan's real file is tens of MB). */
  minBytes?: number;
  /** Rows per journal transaction. */
  batch?: number;
  collectIds?: boolean;
}

export interface BackfillProgress {
  page: number;
  pages: number;
  candles: number;
  retries: number;
}

export interface BackfillRequest {
  instrument: Instrument;
  interval: CandleInterval;
  from: number;
  to: number;
  onProgress?: (p: BackfillProgress) => void;
}

export interface BackfillResult {
  candles: number;
  first?: number;
  last?: number;
}

/**
 * The journal and what puts a broker's instrument master and history into it, lent to an adapter
 * by its caller (the recorder, `tickdesk backfill`): instruments/master.ts and backfill.ts sit above
 * brokers/, so adapters call them through here (instruments/store-context.ts makes one).
 */
export interface StoreContext {
  journal: AdapterJournal;
  /** Streams a master file into the journal, unless today's is there (instruments/master.ts importMaster). */
  importMaster(format: MasterFormat, opts: MasterOptions): Promise<MasterImportResult>;
  /** One instrument's candles, fetched with the broker's client, stored with the fetch time (backfill.ts). */
  backfill(broker: string, fetch: (req: BackfillRequest) => Promise<Candle[]>, req: BackfillRequest): Promise<BackfillResult>;
}

/** What a recording asks an adapter for (the recorder's options, broker-neutral). */
export interface FeedRequest {
  instruments: 'all' | string[];
  mode: LiveMode;
  /** Full depth at this many levels (has.depth). */
  depth?: number;
  apiKey?: string;
  clientId?: string;
  accessToken?: string;
  wsRoot?: string;
  restRoot?: string;
  silenceMs?: number;
  /** A simulated venue's market. */
  sim?: SimMarketRequest;
}

/** A simulated venue's market: its pace, seed, instruments (sim/market SimInstrument[]) and clock. */
export interface SimMarketRequest {
  ticksPerSecond?: number;
  seed?: number;
  instruments?: unknown[];
  /** Default 'always'; 'nse' follows NSE's sessions and holidays (`--sim-clock nse`). */
  clock?: MarketClock;
  /** The market's clock (tests drive it; default Date.now). */
  now?: () => number;
}

/** What the recorder hands an adapter to record into (its journal, master import and backfill too). */
export interface FeedContext extends StoreContext {
  request: FeedRequest;
  /** A decoded tick, into the pipeline. */
  ingest(t: Tick): void;
  /** A depth snapshot, into the journal and the listeners. */
  depth(snapshot: DepthSnapshot): void;
  /** Every raw frame, when a capture file is being written. */
  capture?: (frame: Uint8Array, ts: number) => void;
  notice(text: string): void;
  onFeedState(state: FeedState, detail: string, conn: number, feed: string): void;
  onMasterProgress(p: MasterProgress): void;
  /** Marks an instrument as recorded (its name for rejects, its tick size for the price band). */
  record(ins: Instrument): Instrument;
  /**
   * The instrument master from now on: `refresh(false)` now unless `ranAlready` (a failure is a
   * notice when an older list is in), then every day at 08:30 IST.
   */
  master(refresh: (force: boolean) => Promise<void>, ranAlready?: boolean): Promise<void>;
  /** A started feed: counted in the recorder's stats, stopped by its stop(). */
  addFeed(feed: RunningFeed): void;
  /** Undo for something started besides the feeds (token renewal, a simulated venue); run last on stop. */
  onStop(undo: () => Promise<void> | void): void;
}

/** A running feed, with the one stats shape the recorder reads. */
export interface RunningFeed {
  readonly state: FeedState;
  readonly connections: readonly FeedConnection[];
  malformed(): number;
  stop(): void;
}

/** Where historical candles come from for a session (credentials kept current). */
export interface HistorySource {
  broker: SessionBroker;
  opts: { accessToken: string } & Record<string, string>;
  /** Into the journal the source was opened with. */
  backfill(req: BackfillRequest): Promise<BackfillResult>;
}

/**
 * The browser login's settings (RecorderOptions.login): its port, a login host, and the broker app's
 * key and secret from the environment (the variables its adapter's `auth.env` names).
 */
export interface LoginConfig {
  port: number;
  loginRoot?: string;
  apiKey?: string;
  apiSecret?: string;
}

/** Environment variables a broker's credentials are read from (CLI), by credential. */
export interface CredentialEnv {
  apiKey?: string;
  apiSecret?: string;
  clientId?: string;
}

/** What a browser login needs for the recorded broker (null for the simulators). */
export interface LoginTarget {
  broker: SessionBroker;
  /**
   * Starts the broker's login on a 127.0.0.1 listener; throws MissingCredentials at once when a
   * secret is missing.
   */
  loopback(o: LoopbackLoginOptions, cfg: LoginConfig, typedSecret: string | undefined): Promise<LoginResult>;
  /** A token pasted from the broker's site, checked, as a session (has.login 'pasted-token'). */
  pasted?(accessToken: string): Promise<{ session: StoredSession; who: string }>;
}

/** The session being recorded on, watched by the recorder (expiry, new logins). */
export interface WatchedSession {
  broker: SessionBroker;
  token: string;
  expiresAt: number | undefined;
  /** Whether a new session is this recording's account. */
  fits(s: StoredSession): boolean;
  /** Every feed (and history) resumes with the new token. */
  resume(token: string): void;
  /** The token is retired at its expiry (Kite: 06:00 IST, though the broker would still take it). */
  end?(detail: string): void;
}

/** What openFeeds started (the feeds and undo steps went to the context as they started). */
export interface OpenedFeeds {
  /** Distinct instruments subscribed. */
  instruments: number;
  history: HistorySource;
  loginTarget: LoginTarget | null;
  /** Watched for expiry and new saved sessions (real brokers). */
  session?: WatchedSession;
  /** The simulated venue behind a simulated broker (benchmarks and tests reach its market). */
  venue?: VenueHandle<unknown, unknown>;
  /** Full depth chosen per instrument while recording, within has.depth (brokers that offer it). */
  depth?: DepthControl;
}

/**
 * Which recorded instruments get which full-depth feed, changed while recording. Each feed takes
 * at most its has.depth `maxInstruments`; an instrument is on one feed at most (0: none, the
 * ticks' own book). A dropped socket resubscribes exactly the instruments assigned to it.
 */
export interface DepthControl {
  /** The levels of the feed the instrument is on; 0 when none. */
  levels(instrumentId: number): number;
  /** Why the instrument cannot have full depth here (not recorded, a segment without it); null: it can. */
  refusal(instrumentId: number): string | null;
  /**
   * Moves the instrument to the feed of `levels` (0: off every feed). Throws DepthRefused, having
   * changed nothing, for levels the broker has no feed of, a refused instrument or a full feed.
   */
  set(instrumentId: number, levels: number): Promise<void>;
  /** Every full-depth feed of has.depth, in its order, with the instruments on it. */
  assigned(): DepthUsage[];
}

/** A full-depth change the broker's limits or instruments do not allow (the message says which). */
export class DepthRefused extends Error {}

/** Credentials a command line gathers for a broker (flags, environment, saved session). */
export interface Credentials {
  apiKey?: string;
  clientId?: string;
  accessToken?: string;
}

/** A simulated venue as an adapter takes it: its roots and credentials, in its broker's shapes. */
export interface VenueHandle<Roots, Creds> {
  start(): Promise<{ roots: Roots; credentials: Creds }>;
  stop(): Promise<void>;
  /**
   * The simulated market's open interest at the previous session's close, by the instrument's
   * token as this broker writes it; where the venue knows it (the change in OI's last resort).
   */
  previousOi?(token: string): number | undefined;
}

/** One instrument's history, resolved and ready to fetch (`tickdesk backfill`). */
export interface HistoryJob {
  ins: Instrument;
  run(req: BackfillRequest): Promise<BackfillResult>;
}

/**
 * A capture format: the raw frames of one of the broker's feeds as `record --capture` wrote them,
 * decoded by `tickdesk decode <name> FILE` into one JSON object per packet.
 */
export interface CaptureFormat {
  /** For `decode --help`: what each line holds (and any caveat). */
  readonly describe: string;
  /** A decoder with its own counters, for one file. */
  decoder(): CaptureDecoder;
}

export interface CaptureDecoder {
  /** One frame in, a JSON-able object out per packet (a malformed frame is counted, never thrown). */
  decode(frame: Buffer, tsReceived: number, emit: (line: object) => void): void;
  /** The counts for stderr ("decoded N frames: …"). */
  summary(): string;
}

export interface BrokerAdapter {
  /** `--broker` value (shared/brokers.ts BrokerId: any name, listed nowhere but the registry). */
  readonly id: BrokerId;
  /** Display name. */
  readonly name: string;
  /** The broker whose protocol, instruments and sessions these are (a simulator speaks a real one's). */
  readonly protocol: SessionBroker;
  /** A simulated venue stands in for the broker (no login, no saved session). */
  readonly simulated: boolean;
  readonly has: BrokerCapabilities;
  /** How the UI's forms present it: title, the credentials its connect form asks for (catalog.ts). */
  readonly form?: BrokerForm;
  /** The desktop app's "Connect broker" for this broker (real brokers with has.login 'oauth-popup'). */
  readonly desktop?: DesktopLogin;
  /** The broker's error codes → the one hierarchy (errors.ts). */
  readonly errors: BrokerErrorKindTable;
  /** Its feeds' capture formats by name (`tickdesk decode NAME`); simulators record in their protocol's. */
  readonly captures?: Readonly<Record<string, CaptureFormat>>;
  readonly auth: {
    /** The environment variable holding an access token. */
    tokenEnv: string;
    /** Where the CLI finds the app's key and secret and the account id in the environment. */
    env?: CredentialEnv;
    /** When a session that logged in at `loginAt` expires (undefined: the token says). */
    expiry(loginAt: number): number | undefined;
    /** Credentials completed from a saved session; null when the session is another account's. */
    adopt(c: Credentials, s: StoredSession): Credentials | null;
    /** `tickdesk login <id>`: the loopback login from flags/environment (throws MissingCredentials). */
    login?(o: LoopbackLoginOptions, flags: { apiKey?: string; apiSecret?: string; clientId?: string; restRoot?: string; loginRoot?: string }): Promise<LoginResult>;
  };
  readonly master: {
    /**
     * Downloads the instrument master from the broker's REST root (default: the broker's own),
     * parses it with the cross-broker key and stores it in the journal; once per IST day unless
     * forced. Streams: a list of tens of MB is never held whole.
     */
    import(store: StoreContext, at: { restRoot?: string; credentials: Credentials }, opts?: Partial<MasterOptions>): Promise<MasterImportResult>;
  };
  /** An instrument of this broker from a user's reference (EXCHANGE:SYMBOL, a token, ...). */
  resolve(journal: AdapterJournal, ref: string): Instrument | undefined;
  /** Usage text for `--instruments` when the whole master cannot be recorded. */
  readonly instrumentsHint: string;
  /** Starts the feeds of a recording. */
  openFeeds(ctx: FeedContext): Promise<OpenedFeeds>;
  /** `tickdesk backfill`: credentials, master, the instrument; `stops` undo what was started. */
  openHistory(store: StoreContext, o: { restRoot?: string; ref: string; credentials: Credentials }, stops: Array<() => Promise<void>>): Promise<HistoryJob>;
}

/** What the desktop app keeps of a broker connection (not secret: its settings file). */
export interface DesktopSettings {
  apiKey?: string;
  clientId?: string;
  redirectUrl: string;
  instruments: string[];
  depth?: number;
}

/** Where the desktop app reaches a broker: its hosts, or a simulator (development and tests). */
export interface DesktopRoots {
  restRoot?: string;
  wsRoot?: string;
  loginRoot?: string;
}

/** The broker's login page in a popup, until it reaches the app's redirect URL (main's PopupSpec). */
export interface PopupRequest {
  loginUrl: string;
  /** Origins the user may move between while logging in. */
  allowedOrigins: string[];
  redirectUrl: string;
}

/** What a connect gathered: the session, who, what to keep. */
export interface DesktopConnected {
  session: StoredSession;
  user: string;
  /** An api secret the broker accepted: kept encrypted by main (never one it refused). */
  apiSecret?: string;
  settings: DesktopSettings;
  /** The instruments (or depth) differ from the previous connection's: the engine starts over. */
  changed: boolean;
}

/**
 * "Connect broker" in the desktop app (src/main/broker-connect.ts), the broker's own steps: its
 * credentials checked, its login in a popup, the token exchanged; and what the engine starts with.
 */
export interface DesktopLogin {
  /** The session field naming the account: a new session of the same account resumes the feeds. */
  account: 'apiKey' | 'clientId';
  /**
   * This broker's connect request: desktop.ts ConnectRequest narrowed to the fields it takes and
   * their shape (strict: a field it does not take is refused). Main applies it before `connect`.
   */
  request: z.ZodType<ConnectRequest>;
  connect(c: {
    /** The page's request, validated against desktop.ts ConnectRequest and this broker's `request`. */
    req: ConnectRequest;
    prev: DesktopSettings | undefined;
    /** This broker's api secret as stored, if any. */
    storedSecret(): string | undefined;
    openPopup(spec: PopupRequest): Promise<URL>;
    roots: DesktopRoots;
    defaults: { redirectUrl: string; instruments: string[] };
  }): Promise<DesktopConnected>;
  /** What the engine records with: this connection's settings and session (broker and note aside). */
  engineStart(settings: DesktopSettings, session: StoredSession, roots: DesktopRoots): Omit<EngineStart, 'broker' | 'note'>;
}

/** A login cannot start: a key or secret is missing (the message says which, and where from). */
export class MissingCredentials extends Error {}
