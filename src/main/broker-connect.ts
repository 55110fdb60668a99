// "Connect broker" in the desktop app, kept free of Electron so it is tested under Node: credentials
// and sessions live in main, encrypted (SecretStore over safeStorage); the login runs in a popup
// (runLoginPopup); the token is exchanged here and handed to the engine process, never to the page.
// Non-secret choices (which broker, api key, client id, redirect URL, instruments) sit in a
// settings file beside them.
//
// Which brokers, their credential fields and their login steps come from the engine's catalog
// (brokers/catalog.ts, each broker's desktop.ts): nothing here names a broker but the roots.
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { writePrivateFile, type StoredSession } from '../engine/auth/session-store';
import { desktopBroker, desktopBrokers, type DesktopBroker } from '../engine/brokers/catalog';
import type { DesktopRoots, DesktopSettings } from '../engine/brokers/types';
import { ConnectRequest, type BrokerConnection, type BrokerName, type ConnectResult, type DesktopStatus, type EngineStart } from '../shared/desktop';
import type { PopupSpec } from './login-popup';
import { InsecureStorage, type SecretStore } from './secrets';

/**
 * Where each broker is reached, by id: a simulator's roots in development and tests; a broker
 * without an entry (or a root left out) is reached at its own hosts, which its adapter knows.
 */
export type BrokerRoots = Readonly<Record<string, DesktopRoots | undefined>>;

export const REAL_ROOTS: BrokerRoots = {};

/**
 * Roots from the environment: TICKDESK_<ID>_REST_ROOT, _WS_ROOT and _LOGIN_ROOT for each broker id
 * (e.g. TICKDESK_KITE_REST_ROOT). A simulator serves its login page on its REST root, so a REST root
 * without a login root is the login root too.
 */
export function rootsFromEnv(ids: readonly string[], env: Readonly<Record<string, string | undefined>> = process.env): BrokerRoots {
  const roots: Record<string, DesktopRoots> = {};
  for (const id of ids) {
    const v = (k: string) => env[`TICKDESK_${id.toUpperCase().replace(/-/g, '_')}_${k}_ROOT`];
    const r: DesktopRoots = { restRoot: v('REST'), wsRoot: v('WS'), loginRoot: v('LOGIN') ?? v('REST') };
    if (r.restRoot || r.wsRoot || r.loginRoot) roots[id] = r;
  }
  return roots;
}

/** A Kite app's redirect URL when the user has not said which one they registered. */
export const DEFAULT_REDIRECT = 'http://127.0.0.1:8421/callback';
/** What a new connection records until the user says otherwise: the indices and a few leaders. */
export const DEFAULT_INSTRUMENTS = ['NSE:NIFTY 50', 'NSE:NIFTY BANK', 'NSE:RELIANCE', 'NSE:HDFCBANK', 'NSE:INFY', 'NSE:TCS', 'NSE:SBIN'];

/** The settings file: what is recorded, and each broker's connection under its id ("kite": {...}). */
interface Settings {
  recording: 'sim' | BrokerName;
  allowPlainText?: boolean;
}

/** A catalog id as the desktop contract names it (desktop.ts BrokerName lists the same ids). */
const nameOf = (b: DesktopBroker) => b.id as BrokerName;

export interface ConnectorDeps {
  settingsFile: string;
  secrets: SecretStore;
  /** Opens the broker's login page in a popup and resolves with the redirect URL it reached. */
  openPopup: (spec: PopupSpec) => Promise<URL>;
  /**
   * The engine records from this broker already: hand it the new session (feeds resume); `config`
   * is what it should start with from now on (after a crash, say).
   */
  sendSession: (s: StoredSession, config: EngineStart) => void;
  /** The engine must start over with another broker. */
  restartEngine: (cfg: EngineStart) => void;
  roots?: BrokerRoots;
  now?: () => number;
}

export class BrokerConnector {
  private settings: Settings;
  private readonly roots: BrokerRoots;
  /** What the running engine was started with. */
  private running: EngineStart | null = null;
  private pending: Promise<ConnectResult> | null = null;

  constructor(private readonly d: ConnectorDeps) {
    this.roots = d.roots ?? REAL_ROOTS;
    this.settings = this.readSettings();
    this.d.secrets.allowPlainText = this.settings.allowPlainText ?? false;
  }

  private now(): number {
    return this.d.now?.() ?? Date.now();
  }

  private readSettings(): Settings {
    if (!existsSync(this.d.settingsFile)) return { recording: 'sim' };
    try {
      const s = JSON.parse(readFileSync(this.d.settingsFile, 'utf8')) as Settings;
      return s && typeof s === 'object' ? { ...s, recording: desktopBroker(s.recording) ? s.recording : 'sim' } : { recording: 'sim' };
    } catch {
      return { recording: 'sim' };
    }
  }

  /** A broker's connection as the settings file keeps it. */
  private brokerSettings(broker: string): DesktopSettings | undefined {
    return (this.settings as unknown as Record<string, DesktopSettings | undefined>)[broker];
  }

  /** Where a broker is reached (its entry in BrokerRoots). */
  private rootsOf(broker: string): DesktopRoots {
    return (Object.hasOwn(this.roots, broker) ? this.roots[broker] : undefined) ?? {};
  }

  private writeSettings(): void {
    writePrivateFile(this.d.settingsFile, JSON.stringify(this.settings, null, 2));
  }

  /** The stored session of a broker, unless it has expired (a token is never used past its expiry). */
  private session(broker: BrokerName): StoredSession | null {
    const raw = this.d.secrets.get(`${broker}.session`);
    if (!raw) return null;
    try {
      const s = JSON.parse(raw) as StoredSession;
      return s.expiresAt > this.now() ? s : null;
    } catch {
      return null;
    }
  }

  status(): DesktopStatus {
    const brokers: BrokerConnection[] = desktopBrokers().map((b) => {
      const broker = nameOf(b);
      const s = this.session(broker);
      const c = this.brokerSettings(broker);
      return {
        broker,
        apiKey: c?.apiKey,
        clientId: c?.clientId,
        hasSecret: this.d.secrets.get(`${broker}.apiSecret`) !== undefined,
        redirectUrl: c?.redirectUrl,
        instruments: c?.instruments ?? DEFAULT_INSTRUMENTS,
        depth: c?.depth,
        session: s ? { user: s.userId ?? s.clientId ?? '', validUntil: s.expiresAt } : null,
      };
    });
    return { recording: this.running?.broker ?? 'sim', storageProblem: this.d.secrets.problem(), brokers, connectable: desktopBrokers().map((b) => b.info) };
  }

  /**
   * What the engine records at launch: the chosen broker while its session is valid; otherwise
   * the simulator, saying why (the page then offers to log in).
   */
  engineStart(): EngineStart {
    const sim: EngineStart = { broker: 'sim', instruments: 'all' };
    const chosen = desktopBroker(this.settings.recording);
    if (!chosen) return (this.running = sim);
    const b = nameOf(chosen);
    const s = this.session(b);
    const c = this.brokerSettings(b);
    if (!s || !c) return (this.running = { ...sim, note: `the ${b} session has expired or is missing: connect again to record from ${b}` });
    return (this.running = { broker: b, ...chosen.login.engineStart(c, s, this.rootsOf(b)) });
  }

  /** Logs in (one login at a time), stores what is needed, and hands the session to the engine. */
  connect(input: unknown): Promise<ConnectResult> {
    const parsed = ConnectRequest.safeParse(input);
    if (!parsed.success) return Promise.reject(new Error(`connect: ${z.prettifyError(parsed.error)}`));
    if (this.pending) return Promise.reject(new Error('a login is already in progress'));
    const b = desktopBroker(parsed.data.broker);
    if (!b) return Promise.reject(new Error(`connect: no desktop login for ${parsed.data.broker}`));
    // Then the broker's own rules: the fields it takes and their shape.
    const own = b.login.request.safeParse(parsed.data);
    if (!own.success) return Promise.reject(new Error(`connect: ${z.prettifyError(own.error)}`));
    const req = own.data;
    const run = this.connectWith(b, req).finally(() => (this.pending = null));
    this.pending = run;
    return run;
  }

  /** Refuses before any login when the secrets could not be stored safely. */
  private checkStorage(allowPlainText: boolean | undefined): void {
    if (allowPlainText !== undefined) this.d.secrets.allowPlainText = allowPlainText;
    const why = this.d.secrets.problem();
    if (why) throw new InsecureStorage(`not connected: ${why}`);
  }

  /** The broker's own login steps (its desktop.ts), then what they gathered is kept and handed on. */
  private async connectWith(b: DesktopBroker, req: ConnectRequest): Promise<ConnectResult> {
    this.checkStorage(req.allowPlainText);
    const broker = nameOf(b);
    const prev = this.brokerSettings(broker);
    const r = await b.login.connect({
      req,
      prev,
      storedSecret: () => this.d.secrets.get(`${broker}.apiSecret`),
      openPopup: (spec) => this.d.openPopup(spec),
      roots: this.rootsOf(broker),
      defaults: { redirectUrl: DEFAULT_REDIRECT, instruments: DEFAULT_INSTRUMENTS },
    });
    // Stored only once the broker accepted them: a wrong secret is never kept.
    if (r.apiSecret) this.d.secrets.set(`${broker}.apiSecret`, r.apiSecret);
    Object.assign(this.settings, { [broker]: r.settings });
    this.adopt(r.session, r.changed);
    return { broker, user: r.user, validUntil: r.session.expiresAt };
  }

  /**
   * Keeps the session (encrypted) and makes the engine record with it: the running feeds take the
   * new token when they already record from this broker with the same account and instruments;
   * otherwise the engine starts over with the new choice.
   */
  private adopt(s: StoredSession, choiceChanged: boolean): void {
    this.d.secrets.set(`${s.broker}.session`, JSON.stringify(s));
    this.settings.recording = s.broker;
    this.settings.allowPlainText = this.d.secrets.allowPlainText || undefined;
    this.writeSettings();
    const r = this.running;
    const account = desktopBroker(s.broker)?.login.account;
    const same = r?.broker === s.broker && account !== undefined && r[account] === s[account];
    if (same && !choiceChanged) {
      this.running = { ...r, accessToken: s.accessToken, expiresAt: s.expiresAt };
      this.d.sendSession(s, this.running);
    } else this.d.restartEngine(this.engineStart());
  }

  /** Forgets a broker's secret and session; the engine goes back to the simulator if it recorded from it. */
  disconnect(broker: BrokerName): void {
    this.d.secrets.delete(`${broker}.apiSecret`);
    this.d.secrets.delete(`${broker}.session`);
    if (this.settings.recording === broker) {
      this.settings.recording = 'sim';
      this.writeSettings();
      this.d.restartEngine(this.engineStart());
    }
  }
}
