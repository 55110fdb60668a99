// Simulated Yahoo Finance as a venue: one YahooSimulator (streamer, chart, cookie and crumb on one
// port) in the shapes the Yahoo adapter takes (brokers/yahoo/index.ts: YahooRoots, no credentials),
// with the symbols of its universe as the venue's symbol list.
import type { YahooSimVenue } from '../../brokers/yahoo';
import type { SimMarketRequest } from '../../brokers/types';
import type { SimulatedVenue } from '../venue';
import type { SimInstrument } from '../market/market';
import { YahooSimulator, type YahooSimOptions } from './server';

export class YahooVenue implements SimulatedVenue<YahooSimVenueRoots, Record<string, never>> {
  readonly simulator: YahooSimulator;

  constructor(options: YahooSimOptions = {}) {
    this.simulator = new YahooSimulator(options);
  }

  async start(): Promise<{ roots: YahooSimVenueRoots; credentials: Record<string, never> }> {
    const sim = this.simulator;
    await sim.start();
    return { roots: { ws: sim.wsUrl, rest: sim.restUrl, crumb: sim.restUrl, fc: `${sim.restUrl}/fc` }, credentials: {} };
  }

  stop(): Promise<void> {
    return this.simulator.stop();
  }
}

type YahooSimVenueRoots = { ws: string; rest: string; crumb: string; fc: string };

/**
 * What the adapter's `venue` option takes (`yahooAdapter({ venue: yahooSimVenue })`): a simulated
 * Yahoo over the market model (its universe, or the default one), trading around the clock unless
 * it keeps NSE's (`clock: 'nse'`).
 */
export function yahooSimVenue(sim: SimMarketRequest): YahooSimVenue & { simulator: YahooSimulator } {
  const venue = new YahooVenue({ instruments: sim.instruments as SimInstrument[] | undefined, ticksPerSecond: sim.ticksPerSecond, seed: sim.seed, clock: sim.clock, now: sim.now });
  return {
    start: () => venue.start(),
    stop: () => venue.stop(),
    listings: venue.simulator.listings,
    allHours: sim.clock !== 'nse',
    simulator: venue.simulator,
  };
}
