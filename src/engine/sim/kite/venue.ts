// Simulated Kite as a venue: the ticker WebSocket and REST (login, session, instruments,
// history) of one KiteSimulator, with a fresh access token as a completed login would give.
import { randomBytes } from 'node:crypto';
import type { SimulatedVenue } from '../venue';
import { KiteSimulator, type KiteSimOptions } from './server';

export interface KiteVenueRoots {
  /** The ticker (Kite: wss://ws.kite.trade). */
  ws: string;
  /** REST (Kite: https://api.kite.trade). */
  rest: string;
  /** The login page (Kite: https://kite.zerodha.com). */
  login: string;
}

export interface KiteVenueCredentials {
  apiKey: string;
  apiSecret: string;
  accessToken: string;
}

export class KiteVenue implements SimulatedVenue<KiteVenueRoots, KiteVenueCredentials> {
  readonly simulator: KiteSimulator;

  constructor(options: KiteSimOptions = {}) {
    this.simulator = new KiteSimulator(options);
  }

  async start(): Promise<{ roots: KiteVenueRoots; credentials: KiteVenueCredentials }> {
    const sim = this.simulator;
    await sim.start();
    const accessToken = randomBytes(16).toString('hex');
    sim.grantAccessToken(accessToken);
    return {
      roots: { ws: sim.wsUrl, rest: sim.restUrl, login: sim.restUrl },
      credentials: { apiKey: sim.apiKey, apiSecret: sim.apiSecret, accessToken },
    };
  }

  stop(): Promise<void> {
    return this.simulator.stop();
  }

  /** A derivative's OI at the previous session's close, by Kite instrument token. */
  previousOi(token: string): number | undefined {
    return this.simulator.market.previousOi(Number(token));
  }
}
