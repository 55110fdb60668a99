// What every broker adapter declares and does (ARCHITECTURE.md §2, "a broker is one folder"): its
// capabilities as data (`has`, in the manner of ccxt's describe()), how it logs in, how it keys
// its instrument master, how it fetches history and opens its feeds, and how its error codes map
// onto errors.ts. The recorder, the Engine API and the CLI read these; none names a broker.
import type { BrokerForm, LoginKind as SharedLoginKind } from '../../shared/brokers';
import type { ConnectRequest, EngineStart } from '../../shared/desktop';
import type { CandleInterval, DepthSnapshot, FeedState, Instrument, Tick } from '../../shared/model';
import type { LoginResult, LoopbackLoginOptions } from '../auth/login-flow';
import type { StoredSession } from '../auth/session-store';
import type { FeedConnection } from '../feed/connection';
import type { BackfillRequest, BackfillResult } from '../backfill';
import type { MasterImportResult, MasterOptions, MasterProgress } from '../instruments/master';
import type { Journal } from '../store/journal';
import type { BrokerErrorKind } from './errors';

export type BrokerErrorKindTable = Readonly<Record<string, BrokerErrorKind>>;

/** Live tick modes, as `--mode` names them (Dhan's "ticker" is `ltp`). */
export type LiveMode = 'ltp' | 'quote' | 'full';

/**
 * How a session is obtained: the broker's page in a popup window (desktop), its redirect caught
 * on 127.0.0.1 (`tickdesk login`), a token pasted from the broker's site, or none (a simulator).
 */
export type LoginKind = SharedLoginKind;

/** The brokers whose sessions are saved (`tickdesk login`): the StoredSession broker names. */
export type SessionBroker = StoredSession['broker'];

export interface BrokerCapabilities {
  live: {
    modes: readonly LiveMode[];
    /** Instruments one session may subscribe to (all its connections). */
    maxInstruments: number;
    /** Whether `--instruments all` (the whole master) may be recorded. */
    all: boolean;
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
  sim?: { ticksPerSecond?: number; seed?: number; instruments?: unknown[] };
}

/** What the recorder hands an adapter to record into. */
export interface FeedContext {
  request: FeedRequest;
  journal: Journal;
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
  backfill(journal: Journal, req: BackfillRequest): Promise<BackfillResult>;
}

/** The browser login's settings (RecorderOptions.login): its port, a login host, secrets from the environment. */
export interface LoginConfig {
  port: number;
  loginRoot?: string;
  kiteApiSecret?: string;
  dhanApiKey?: string;
  dhanApiSecret?: string;
}

/** What a browser login needs for this session's broker (null for the simulators). */
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
}

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
}

/** One instrument's history, resolved and ready to fetch (`tickdesk backfill`). */
export interface HistoryJob {
  ins: Instrument;
  run(req: BackfillRequest): Promise<BackfillResult>;
}

export interface BrokerAdapter {
  /** `--broker` value. */
  readonly id: string;
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
  readonly auth: {
    /** The environment variable holding an access token. */
    tokenEnv: string;
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
    import(journal: Journal, at: { restRoot?: string; credentials: Credentials }, opts?: Partial<MasterOptions>): Promise<MasterImportResult>;
  };
  /** An instrument of this broker from a user's reference (EXCHANGE:SYMBOL, a token, ...). */
  resolve(journal: Journal, ref: string): Instrument | undefined;
  /** Usage text for `--instruments` when the whole master cannot be recorded. */
  readonly instrumentsHint: string;
  /** Starts the feeds of a recording. */
  openFeeds(ctx: FeedContext): Promise<OpenedFeeds>;
  /** `tickdesk backfill`: credentials, master, the instrument; `stops` undo what was started. */
  openHistory(journal: Journal, o: { restRoot?: string; ref: string; credentials: Credentials }, stops: Array<() => Promise<void>>): Promise<HistoryJob>;
}

/** What the desktop app keeps of a broker connection (not secret: its settings file). */
export interface DesktopSettings {
  apiKey?: string;
  clientId?: string;
  redirectUrl: string;
  instruments: string[];
  depth?: 20 | 200;
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
  connect(c: {
    /** The page's request, validated against desktop.ts ConnectRequest (this broker's branch). */
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
