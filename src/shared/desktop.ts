// The desktop app's "Connect broker" contract between the page (through the preload) and Electron
// main. Main validates every request with these schemas; secrets go in, never come back out: the
// answers carry who is logged in and until when, not tokens.
import { z } from 'zod';
import { BrokerId, type BrokerInfo } from './brokers';

export const Secret = z.string().trim().min(8).max(200);
export const RedirectUrl = z
  .string()
  .trim()
  .max(500)
  .refine((u) => /^https?:\/\/[^\s]+$/.test(u), 'the redirect URL must be an http(s) URL');
/** What to record once connected: EXCHANGE:SYMBOL, SEGMENT:ID or tokens. */
const InstrumentList = z.array(z.string().trim().min(1).max(60)).min(1).max(9000);

/**
 * "Connect broker" from the page, for any broker: the credential kinds a form may carry
 * (brokers.ts CredentialField), what to record, the depth, the plain-text opt-in. This is only the
 * envelope every broker shares; each broker's own rules (which fields it takes, their shape, its
 * depth choices) are its adapter's `desktop.request` schema, applied by main after this one.
 */
export const ConnectRequest = z
  .object({
    broker: BrokerId,
    /** Once, then kept (the secret encrypted); omitted to log in again with the stored ones. */
    apiKey: z.string().trim().min(4).max(100).optional(),
    apiSecret: Secret.optional(),
    clientId: z.string().trim().min(1).max(64).optional(),
    /** The redirect URL registered for the broker's app: the popup stops there and reads the token. */
    redirectUrl: RedirectUrl.optional(),
    /** A token generated on the broker's site (the pasted-token login). */
    accessToken: z.string().trim().min(20).max(4000).optional(),
    instruments: InstrumentList.optional(),
    /** Levels from the broker's depth feed (its capabilities say which); 0: none beyond the ticks' own. */
    depth: z.number().int().min(0).max(1000).optional(),
    /** Store secrets with Linux's plain-text fallback when there is no keyring (an explicit opt-in). */
    allowPlainText: z.boolean().optional(),
  })
  .strict();
export type ConnectRequest = z.infer<typeof ConnectRequest>;

/** A broker's id as main and the page name it (the engine's catalog says which there are). */
export const BrokerName = BrokerId;
export type BrokerName = BrokerId;

export interface BrokerConnection {
  broker: BrokerName;
  /** Credentials are stored (api key shown, secret never). */
  apiKey?: string;
  clientId?: string;
  hasSecret: boolean;
  redirectUrl?: string;
  instruments: string[];
  depth?: number;
  /** The stored session: who and until when (ms UTC); null when none or expired. */
  session: { user: string; validUntil: number } | null;
}

export interface DesktopStatus {
  /** What the engine records from now. */
  recording: 'sim' | BrokerName;
  /** Why secrets cannot be stored (no keyring), or null. */
  storageProblem: string | null;
  brokers: BrokerConnection[];
  /** The brokers the dialog offers, with their login kinds, depth choices and form fields (the engine's catalog). */
  connectable: BrokerInfo[];
}

export interface ConnectResult {
  broker: BrokerName;
  user: string;
  validUntil: number;
}

/** What Electron main tells the engine process to record (main keeps the secrets; this is one session). */
export const EngineStart = z
  .object({
    broker: BrokerId,
    apiKey: z.string().optional(),
    clientId: z.string().optional(),
    accessToken: z.string().optional(),
    expiresAt: z.number().optional(),
    instruments: z.union([z.literal('all'), z.array(z.string())]),
    depth: z.number().int().positive().optional(),
    restRoot: z.string().optional(),
    wsRoot: z.string().optional(),
    loginRoot: z.string().optional(),
    /** Why the engine records from the simulator when a broker was chosen (e.g. the session expired). */
    note: z.string().optional(),
  })
  .strict();
export type EngineStart = z.infer<typeof EngineStart>;

/** Messages from Electron main to the engine process. */
export const HostMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('start'), config: EngineStart }).strict(),
  z
    .object({
      type: z.literal('session'),
      session: z.object({ broker: BrokerName, apiKey: z.string().optional(), clientId: z.string().optional(), accessToken: z.string(), userId: z.string().optional(), loginAt: z.number(), expiresAt: z.number() }).strict(),
    })
    .strict(),
  z.object({ type: z.literal('port') }).strict(),
  z.object({ type: z.literal('stop') }).strict(),
]);
export type HostMessage = z.infer<typeof HostMessage>;
