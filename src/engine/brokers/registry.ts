// Every broker Tickdesk records from, real and simulated: the one list the recorder, the CLI and
// the Engine API ask (by id, or by capability) instead of naming brokers. A simulated broker is its
// real broker's adapter against a simulated venue (sim/<broker>/venue.ts), so it takes the same
// code path; the venues are imported here and nowhere else outside tests.
// Adding a broker: a folder under brokers/ (copy the nearest), one under sim/, one line below.
import { DhanVenue } from '../sim/dhan/venue';
import { dhanSegmentOf } from '../sim/dhan/feed-server';
import { fyersSimVenue } from '../sim/fyers/venue';
import { KiteVenue } from '../sim/kite/venue';
import { upstoxSimVenue } from '../sim/upstox/venue';
import { yahooSimVenue } from '../sim/yahoo/venue';
import { defaultUniverse, type SimInstrument } from '../sim/market/market';
import { dhanAdapter, type DhanSimVenue } from './dhan';
import { fyersAdapter } from './fyers';
import { kiteAdapter } from './kite';
import { upstoxAdapter } from './upstox';
import { yahooAdapter } from './yahoo';
import type { BrokerAdapter, SimMarketRequest } from './types';

/** A simulated Dhan as the adapter takes it: the venue plus its universe keyed Dhan's way. */
function dhanSimVenue(sim: SimMarketRequest): DhanSimVenue {
  const universe = (sim.instruments as SimInstrument[] | undefined) ?? defaultUniverse();
  const venue = new DhanVenue({ instruments: universe, ticksPerSecond: sim.ticksPerSecond, seed: sim.seed, clock: sim.clock, now: sim.now });
  return {
    start: () => venue.start(),
    stop: () => venue.stop(),
    instruments: universe.map((u) => ({ segment: dhanSegmentOf(u), securityId: u.exchangeToken, token: u.token })),
    startDepth: (instruments) => venue.startDepth(instruments),
  };
}

/** In the order `--broker` lists them. */
const ADAPTERS: BrokerAdapter[] = [
  kiteAdapter({ id: 'sim', name: 'Simulator (Kite protocol)', venue: (sim) => new KiteVenue({ ...sim, instruments: sim.instruments as SimInstrument[] | undefined }) }),
  kiteAdapter(),
  dhanAdapter({ id: 'sim-dhan', name: 'Simulator (Dhan protocol)', venue: dhanSimVenue }),
  dhanAdapter(),
  fyersAdapter({ id: 'sim-fyers', name: 'Simulator (Fyers protocol)', venue: fyersSimVenue }),
  fyersAdapter(),
  yahooAdapter({ id: 'sim-yahoo', name: 'Simulator (Yahoo protocol)', venue: yahooSimVenue }),
  yahooAdapter(),
  upstoxAdapter({ id: 'sim-upstox', name: 'Simulator (Upstox protocol)', venue: upstoxSimVenue }),
  upstoxAdapter(),
];

/** Every adapter, in the order `--broker` lists them. */
export function brokers(): readonly BrokerAdapter[] {
  return ADAPTERS;
}

/** The adapter of this id, or undefined. */
export function findBroker(id: string): BrokerAdapter | undefined {
  return ADAPTERS.find((a) => a.id === id);
}

/** The adapter of this id; throws naming the ids there are. */
export function broker(id: string): BrokerAdapter {
  const a = findBroker(id);
  if (!a) throw new Error(`unknown broker "${id}" (${brokerIds().join(', ')})`);
  return a;
}

export function brokerIds(): string[] {
  return ADAPTERS.map((a) => a.id);
}

/** "a, b, c or d". */
export function orList(items: readonly string[]): string {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}

/** Real brokers first, then the simulators (how help and messages list them). */
export function realFirst(list: readonly BrokerAdapter[]): BrokerAdapter[] {
  return [...list.filter((a) => !a.simulated), ...list.filter((a) => a.simulated)];
}

/**
 * Adds a broker after the built-in ones (a plug-in, or a test's broker: brokers/_template); throws
 * when its id is taken. Returns the undo, which removes it again.
 */
export function registerBroker(adapter: BrokerAdapter): () => void {
  if (findBroker(adapter.id)) throw new Error(`a broker "${adapter.id}" is registered already`);
  ADAPTERS.push(adapter);
  return () => {
    const at = ADAPTERS.indexOf(adapter);
    if (at >= 0) ADAPTERS.splice(at, 1);
  };
}
