// "Connect broker" in the desktop app, kept free of Electron so it is tested under Node: credentials
// and sessions live in main, encrypted (SecretStore over safeStorage); the login runs in a popup
// (runLoginPopup); the token is exchanged here and handed to the engine process, never to the page.
// Non-secret choices (which broker, api key, client id, redirect URL, instruments) sit in a
// settings file beside them.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { dhanPastedSession, dhanSessionFromRedirect, kiteSessionFromRedirect } from '../engine/auth/login-flow';
import { writePrivateFile, type StoredSession } from '../engine/auth/session-store';
import { dhanConsentLoginUrl, dhanRoots, generateDhanConsent } from '../engine/brokers/dhan/auth';
import { AuthError } from '../engine/brokers/errors';
import { kiteLoginUrl, KITE_LOGIN_ROOT, KITE_REST_ROOT } from '../engine/brokers/kite/login';
import { ConnectRequest, type BrokerConnection, type BrokerName, type ConnectResult, type DesktopStatus, type EngineStart } from '../shared/desktop';
import type { PopupSpec } from './login-popup';
import { InsecureStorage, type SecretStore } from './secrets';

/** Where each broker is reached (the real hosts, or simulators in development and tests). */
export interface BrokerRoots {
  kite: { restRoot: string; loginRoot: string; wsRoot?: string };
  /** Dhan's auth, API and scrip master under one root (a simulator), or the real hosts when absent. */
  dhan: { restRoot?: string; wsRoot?: string };
}

export const REAL_ROOTS: BrokerRoots = { kite: { restRoot: KITE_REST_ROOT, loginRoot: KITE_LOGIN_ROOT }, dhan: {} };

/** A Kite app's redirect URL when the user has not said which one they registered. */
export const DEFAULT_REDIRECT = 'http://127.0.0.1:8421/callback';
/** What a new connection records until the user says otherwise: the indices and a few leaders. */
export const DEFAULT_INSTRUMENTS = ['NSE:NIFTY 50', 'NSE:NIFTY BANK', 'NSE:RELIANCE', 'NSE:HDFCBANK', 'NSE:INFY', 'NSE:TCS', 'NSE:SBIN'];

interface Settings {
  recording: 'sim' | BrokerName;
  allowPlainText?: boolean;
  kite?: { apiKey: string; redirectUrl: string; instruments: string[] };
  dhan?: { clientId: string; apiKey?: string; redirectUrl: string; instruments: string[]; depth?: 20 | 200 };
}

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
      return s && typeof s === 'object' ? { ...s, recording: s.recording === 'kite' || s.recording === 'dhan' ? s.recording : 'sim' } : { recording: 'sim' };
    } catch {
      return { recording: 'sim' };
    }
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
    const brokers: BrokerConnection[] = (['kite', 'dhan'] as const).map((broker) => {
      const s = this.session(broker);
      const k = broker === 'kite' ? this.settings.kite : undefined;
      const dh = broker === 'dhan' ? this.settings.dhan : undefined;
      return {
        broker,
        apiKey: k?.apiKey ?? dh?.apiKey,
        clientId: dh?.clientId,
        hasSecret: this.d.secrets.get(`${broker}.apiSecret`) !== undefined,
        redirectUrl: k?.redirectUrl ?? dh?.redirectUrl,
        instruments: k?.instruments ?? dh?.instruments ?? DEFAULT_INSTRUMENTS,
        depth: dh?.depth,
        session: s ? { user: s.userId ?? s.clientId ?? '', validUntil: s.expiresAt } : null,
      };
    });
    return { recording: this.running?.broker ?? 'sim', storageProblem: this.d.secrets.problem(), brokers };
  }

  /**
   * What the engine records at launch: the chosen broker while its session is valid; otherwise
   * the simulator, saying why (the page then offers to log in).
   */
  engineStart(): EngineStart {
    const b = this.settings.recording;
    const sim: EngineStart = { broker: 'sim', instruments: 'all' };
    if (b === 'sim') return (this.running = sim);
    const s = this.session(b);
    if (!s) return (this.running = { ...sim, note: `the ${b} session has expired or is missing: connect again to record from ${b}` });
    if (b === 'kite') {
      const k = this.settings.kite!;
      return (this.running = { broker: 'kite', apiKey: k.apiKey, accessToken: s.accessToken, expiresAt: s.expiresAt, instruments: k.instruments, restRoot: this.roots.kite.restRoot, wsRoot: this.roots.kite.wsRoot, loginRoot: this.roots.kite.loginRoot });
    }
    const dh = this.settings.dhan!;
    return (this.running = { broker: 'dhan', clientId: dh.clientId, accessToken: s.accessToken, expiresAt: s.expiresAt, instruments: dh.instruments, depth: dh.depth, restRoot: this.roots.dhan.restRoot, wsRoot: this.roots.dhan.wsRoot });
  }

  /** Logs in (one login at a time), stores what is needed, and hands the session to the engine. */
  connect(input: unknown): Promise<ConnectResult> {
    const parsed = ConnectRequest.safeParse(input);
    if (!parsed.success) return Promise.reject(new Error(`connect: ${z.prettifyError(parsed.error)}`));
    const req = parsed.data;
    if (this.pending) return Promise.reject(new Error('a login is already in progress'));
    const run = (req.broker === 'kite' ? this.connectKite(req) : this.connectDhan(req)).finally(() => (this.pending = null));
    this.pending = run;
    return run;
  }

  /** Refuses before any login when the secrets could not be stored safely. */
  private checkStorage(allowPlainText: boolean | undefined): void {
    if (allowPlainText !== undefined) this.d.secrets.allowPlainText = allowPlainText;
    const why = this.d.secrets.problem();
    if (why) throw new InsecureStorage(`not connected: ${why}`);
  }

  private async connectKite(req: Extract<ConnectRequest, { broker: 'kite' }>): Promise<ConnectResult> {
    this.checkStorage(req.allowPlainText);
    const prev = this.settings.kite;
    const apiKey = req.apiKey ?? prev?.apiKey;
    const apiSecret = req.apiSecret ?? (apiKey === prev?.apiKey ? this.d.secrets.get('kite.apiSecret') : undefined);
    if (!apiKey || !apiSecret) throw new AuthError('enter the Kite app’s api key and api secret (once; they are kept encrypted)', 'kite');
    const redirectUrl = req.redirectUrl ?? prev?.redirectUrl ?? DEFAULT_REDIRECT;
    const state = randomBytes(12).toString('hex');
    const { loginRoot, restRoot } = this.roots.kite;
    const url = await this.d.openPopup({ loginUrl: kiteLoginUrl(apiKey, state, loginRoot), allowedOrigins: [new URL(loginRoot).origin], redirectUrl });
    const session = await kiteSessionFromRedirect(url, state, { restRoot, apiKey, apiSecret });
    // Stored only once the broker accepted them: a wrong secret is never kept.
    this.d.secrets.set('kite.apiSecret', apiSecret);
    this.settings.kite = { apiKey, redirectUrl, instruments: req.instruments ?? prev?.instruments ?? DEFAULT_INSTRUMENTS };
    this.adopt(session, req.instruments !== undefined && String(req.instruments) !== String(prev?.instruments));
    return { broker: 'kite', user: session.userId ?? '', validUntil: session.expiresAt };
  }

  private async connectDhan(req: Extract<ConnectRequest, { broker: 'dhan' }>): Promise<ConnectResult> {
    this.checkStorage(req.allowPlainText);
    const prev = this.settings.dhan;
    const clientId = req.clientId ?? prev?.clientId;
    if (!clientId) throw new AuthError('enter your Dhan client id', 'dhan');
    const { apiRoot, authRoot } = dhanRoots(this.roots.dhan.restRoot);
    let session: StoredSession;
    let user: string;
    let apiKey = prev?.apiKey;
    let apiSecret: string | undefined;
    const redirectUrl = req.redirectUrl ?? prev?.redirectUrl ?? DEFAULT_REDIRECT;
    if (req.accessToken) {
      // A token from web.dhan.co: the broker must accept it before it is kept.
      ({ session, who: user } = await dhanPastedSession({ clientId, accessToken: req.accessToken, apiRoot }));
    } else {
      apiKey = req.apiKey ?? prev?.apiKey;
      apiSecret = req.apiSecret ?? (apiKey === prev?.apiKey ? this.d.secrets.get('dhan.apiSecret') : undefined);
      if (!apiKey || !apiSecret) throw new AuthError('enter the Dhan app’s API key and secret, or paste an access token', 'dhan');
      const app = { clientId, apiKey, apiSecret, authRoot };
      const consentAppId = await generateDhanConsent(app);
      const url = await this.d.openPopup({ loginUrl: dhanConsentLoginUrl(consentAppId, authRoot), allowedOrigins: [new URL(authRoot).origin], redirectUrl });
      ({ session, who: user } = await dhanSessionFromRedirect(url, app));
    }
    if (apiSecret) this.d.secrets.set('dhan.apiSecret', apiSecret);
    const instruments = req.instruments ?? prev?.instruments ?? DEFAULT_INSTRUMENTS;
    const depth = req.depth === 0 ? undefined : (req.depth ?? prev?.depth);
    const changed = String(instruments) !== String(prev?.instruments) || depth !== prev?.depth;
    this.settings.dhan = { clientId: session.clientId!, apiKey, redirectUrl, instruments, depth };
    this.adopt(session, changed);
    return { broker: 'dhan', user, validUntil: session.expiresAt };
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
    const same = r?.broker === s.broker && (s.broker === 'kite' ? r.apiKey === s.apiKey : r.clientId === s.clientId);
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
