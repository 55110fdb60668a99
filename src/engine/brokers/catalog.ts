// The brokers as a UI sees them: an adapter's id, names, capabilities and form as plain data
// (shared/brokers.ts BrokerInfo), so pages render their broker lists, login choices, depth choices
// and credential forms from the engine's registry instead of naming brokers; and the real brokers
// the desktop app connects to (Electron main may not import the registry: it pulls in simulators).
// Imports no simulator.
import type { BrokerInfo } from '../../shared/brokers';
import { dhanAdapter } from './dhan';
import { fyersAdapter } from './fyers';
import { kiteAdapter } from './kite';
import { upstoxAdapter } from './upstox';
import type { BrokerAdapter, DesktopLogin } from './types';

/** An adapter's descriptor, serializable (the Engine API's `brokers` answer). */
export function brokerInfo(a: BrokerAdapter): BrokerInfo {
  return {
    id: a.id,
    name: a.name,
    title: a.form?.title ?? a.name,
    protocol: a.protocol,
    simulated: a.simulated,
    login: [...a.has.login],
    depth: a.has.depth.map((d) => ({ levels: d.levels, maxInstruments: d.maxInstruments })),
    intervals: [...a.has.history.intervals],
    credentials: (a.form?.credentials ?? []).map((c) => ({ ...c })),
    ...(a.form?.tokenSite ? { tokenSite: a.form.tokenSite } : {}),
  };
}

/** The real brokers the desktop app connects to through its login popup, in the registry's order. */
const DESKTOP: readonly BrokerAdapter[] = [kiteAdapter(), dhanAdapter(), fyersAdapter(), upstoxAdapter()].filter((a) => !a.simulated && a.desktop && a.has.login.includes('oauth-popup'));

/** A broker of the desktop app's "Connect broker": its descriptor and its own login steps. */
export interface DesktopBroker {
  id: string;
  info: BrokerInfo;
  login: DesktopLogin;
}

/** The brokers "Connect broker" offers (src/main/broker-connect.ts; simulator-free, unlike the registry). */
export function desktopBrokers(): DesktopBroker[] {
  return DESKTOP.map((a) => ({ id: a.id, info: brokerInfo(a), login: a.desktop! }));
}

/** The desktop broker of this id, or undefined (e.g. the simulator). */
export function desktopBroker(id: string): DesktopBroker | undefined {
  return desktopBrokers().find((b) => b.id === id);
}
