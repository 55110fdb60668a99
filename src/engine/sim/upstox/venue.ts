// Simulated Upstox as a venue: one UpstoxSimulator (login, REST, instrument files, history, the
// feed's authorize and socket, on one port) and an access token it issued, in the shapes the Upstox
// adapter takes (brokers/upstox/index.ts: UpstoxRoots, UpstoxCredentials). `upstoxSimVenue` is the
// factory the registry hands the adapter.
import type { UpstoxCredentials, UpstoxRoots } from '../../brokers/upstox';
import type { SimMarketRequest } from '../../brokers/types';
import type { SimInstrument } from '../market/market';
import type { SimulatedVenue } from '../venue';
import { UpstoxSimulator, type UpstoxSimOptions } from './server';

export class UpstoxVenue implements SimulatedVenue<UpstoxRoots, UpstoxCredentials> {
  readonly simulator: UpstoxSimulator;

  constructor(options: UpstoxSimOptions = {}) {
    this.simulator = new UpstoxSimulator(options);
  }

  async start(): Promise<{ roots: UpstoxRoots; credentials: UpstoxCredentials }> {
    await this.simulator.start();
    const root = this.simulator.root;
    return { roots: { rest: root, login: root }, credentials: { apiKey: this.simulator.apiKey, accessToken: this.simulator.issueToken() } };
  }

  stop(): Promise<void> {
    return this.simulator.stop();
  }
}

/** A simulated Upstox for a recording or a backfill (its market options from FeedRequest.sim). */
export function upstoxSimVenue(sim: SimMarketRequest): UpstoxVenue {
  return new UpstoxVenue({ instruments: sim.instruments as SimInstrument[] | undefined, ticksPerSecond: sim.ticksPerSecond, seed: sim.seed, clock: sim.clock, now: sim.now });
}
