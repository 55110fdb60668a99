// Simulated Fyers as a venue: one FyersSimulator (REST, login, symbol masters, HSM socket) and an
// access token it issued, in the shapes the Fyers adapter takes (brokers/fyers/index.ts:
// FyersRoots, FyersCredentials). `fyersSimVenue` is the factory the registry hands the adapter.
import type { FyersCredentials, FyersRoots } from '../../brokers/fyers';
import type { SimMarketRequest } from '../../brokers/types';
import type { SimInstrument } from '../market/market';
import type { SimulatedVenue } from '../venue';
import { FyersSimulator, type FyersSimOptions } from './server';

export class FyersVenue implements SimulatedVenue<FyersRoots, FyersCredentials> {
  readonly simulator: FyersSimulator;

  constructor(options: FyersSimOptions = {}) {
    this.simulator = new FyersSimulator(options);
  }

  async start(): Promise<{ roots: FyersRoots; credentials: FyersCredentials }> {
    await this.simulator.start();
    const { accessToken } = this.simulator.issueToken();
    const root = this.simulator.root;
    return { roots: { ws: this.simulator.wsUrl, rest: root, login: root }, credentials: { apiKey: this.simulator.appId, accessToken } };
  }

  stop(): Promise<void> {
    return this.simulator.stop();
  }
}

/** A simulated Fyers for a recording or a backfill (its market options from FeedRequest.sim). */
export function fyersSimVenue(sim: SimMarketRequest): FyersVenue {
  return new FyersVenue({ instruments: sim.instruments as SimInstrument[] | undefined, ticksPerSecond: sim.ticksPerSecond, seed: sim.seed, clock: sim.clock, now: sim.now });
}
