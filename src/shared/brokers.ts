// What a UI knows of the brokers (the Engine API's `brokers` answer): each adapter's capabilities
// as plain data, and the fields its connect form asks for. Pages render broker names, login
// choices, depth choices and credential forms from this, never from broker ids of their own.
import { z } from 'zod';
import type { CandleInterval } from './model';

/**
 * A broker's id (`--broker`, an instrument's and a session's broker): an open name, any adapter
 * the engine registers (brokers/registry.ts), so a new broker adds it nowhere else. The shape is
 * checked here (it names files: session-<id>.json); whether the engine has such a broker is the
 * engine's to say, at its edge.
 */
export const BrokerId = z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'a broker id is lowercase letters, digits and dashes');
export type BrokerId = string;

/**
 * How a session is obtained: the broker's page in a popup window (desktop), its redirect caught
 * on 127.0.0.1 (`tickdesk login`), a token pasted from the broker's site, or none (a simulator).
 */
export type LoginKind = 'oauth-popup' | 'loopback' | 'pasted-token' | 'none';

/** A credential the desktop "Connect broker" form asks for: its ConnectRequest key and label. */
export interface CredentialField {
  key: 'apiKey' | 'apiSecret' | 'clientId' | 'redirectUrl' | 'accessToken';
  label: string;
  /** Typed into a password box, kept encrypted, never shown again. */
  secret?: boolean;
}

/** How a broker presents itself in the UI's forms (an adapter's `form`). */
export interface BrokerForm {
  /** The name shown in tabs and titles ("Zerodha Kite"). */
  title: string;
  /** The connect form's fields, in order (an access token among them: the pasted-token login). */
  credentials: readonly CredentialField[];
  /** Where a pasted access token is generated (has.login 'pasted-token'). */
  tokenSite?: string;
}

/** One broker of the engine's registry, serializable. */
export interface BrokerInfo {
  /** `--broker` value, and what loginStart / ConnectRequest name. */
  id: string;
  name: string;
  title: string;
  /** The real broker whose protocol this speaks (a simulator speaks a real one's). */
  protocol: string;
  simulated: boolean;
  login: LoginKind[];
  /** Full-depth feeds beyond the ticks' own 5 levels. */
  depth: Array<{ levels: number; maxInstruments: number }>;
  intervals: CandleInterval[];
  credentials: CredentialField[];
  tokenSite?: string;
}
