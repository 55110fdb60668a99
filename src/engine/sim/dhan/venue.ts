// Simulated Dhan as a venue: the REST simulator (consent login, RenewToken, profile, charts, scrip
// master) and the live-feed simulator, plus depth simulators on demand over the live feed's
// market. Every token the REST simulator issues is accepted by the feeds and every one it revokes
// or expires is refused there, as on Dhan, where one login serves every feed.
import type { SimulatedVenue } from '../venue';
import { defaultUniverse, type SimClock, type SimInstrument } from '../market/market';
import { DhanDepthSimulator, type DhanDepthSimOptions } from './depth-server';
import { DhanFeedSimulator } from './feed-server';
import { DhanRestSimulator } from './rest-server';

export interface DhanVenueOptions {
  /** Default: the market model's default universe. */
  instruments?: SimInstrument[];
  ticksPerSecond?: number;
  seed?: number;
  /** The market's clock and history's (default Date.now). */
  now?: () => number;
  /** When the market trades (market.ts SimClock; default around the clock). */
  clock?: SimClock;
}

export interface DhanVenueRoots {
  /** The live feed (Dhan: wss://api-feed.dhan.co). */
  feed: string;
  /** REST serving both hosts below, as the clients' `restRoot` (see dhanRoots). */
  rest: string;
  /** auth.dhan.co: the consent flow. */
  auth: string;
  /** api.dhan.co/v2: profile, RenewToken, charts. */
  api: string;
  scripMaster: string;
}

export interface DhanVenueCredentials {
  clientId: string;
  /** A token as web.dhan.co's "Generate Access Token" gives (SELF type). */
  accessToken: string;
  /** The API key and secret of the consent flow. */
  apiKey: string;
  apiSecret: string;
}

export class DhanVenue implements SimulatedVenue<DhanVenueRoots, DhanVenueCredentials> {
  readonly feed: DhanFeedSimulator;
  readonly rest: DhanRestSimulator;
  readonly depths: DhanDepthSimulator[] = [];
  /** Tokens issued and neither revoked nor expired: what a depth simulator started later accepts. */
  private readonly live = new Set<string>();

  constructor(opts: DhanVenueOptions = {}) {
    const instruments = opts.instruments ?? defaultUniverse();
    this.feed = new DhanFeedSimulator({ instruments, tokens: [], ticksPerSecond: opts.ticksPerSecond ?? 3000, seed: opts.seed, now: opts.now, clock: opts.clock });
    this.rest = new DhanRestSimulator({
      instruments,
      now: opts.now,
      clientId: this.feed.clientId,
      onIssued: (t) => {
        this.live.add(t);
        for (const s of [this.feed, ...this.depths]) s.grantToken(t);
      },
      onRevoked: (t) => {
        this.live.delete(t);
        for (const s of [this.feed, ...this.depths]) s.expireToken(t);
      },
    });
  }

  async start(): Promise<{ roots: DhanVenueRoots; credentials: DhanVenueCredentials }> {
    await this.feed.start();
    await this.rest.start();
    const { rest } = this;
    return {
      roots: { feed: this.feed.root, rest: rest.root, auth: rest.authRoot, api: rest.apiRoot, scripMaster: rest.scripMasterUrl },
      credentials: { clientId: rest.clientId, accessToken: rest.issueToken('SELF'), apiKey: rest.apiKey, apiSecret: rest.apiSecret },
    };
  }

  /**
   * A 20/200-level depth simulator publishing the live feed's books for these instruments (their
   * `token` is the market model's); resolves to its root. `opts`: its faults (tests).
   */
  async startDepth(instruments: Array<DhanDepthSimOptions['instruments'][number] & { token: number }>, opts: Partial<Omit<DhanDepthSimOptions, 'market' | 'instruments'>> = {}): Promise<string> {
    const depth = new DhanDepthSimulator({ clientId: this.feed.clientId, tokens: [...this.live], ...opts, market: this.feed.market, instruments });
    await depth.start();
    this.depths.push(depth);
    return depth.root;
  }

  async stop(): Promise<void> {
    for (const s of this.depths.splice(0)) await s.stop();
    await this.rest.stop();
    await this.feed.stop();
  }
}
