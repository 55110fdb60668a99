// The desktop app's "Connect broker" contract between the page (through the preload) and Electron
// main. Main validates every request with these schemas; secrets go in, never come back out: the
// answers carry who is logged in and until when, not tokens.
import { z } from 'zod';
import { BrokerId, type BrokerInfo } from './brokers';

const Secret = z.string().trim().min(8).max(200);
const RedirectUrl = z
  .string()
  .trim()
  .max(500)
  .refine((u) => /^https?:\/\/[^\s]+$/.test(u), 'the redirect URL must be an http(s) URL');
/** What to record once connected: EXCHANGE:SYMBOL, SEGMENT:ID or tokens. */
const InstrumentList = z.array(z.string().trim().min(1).max(60)).min(1).max(9000);

export const ConnectRequest = z.discriminatedUnion('broker', [
  z
    .object({
      broker: z.literal('kite'),
      /** Once, then kept (the secret encrypted); omitted to log in again with the stored ones. */
      apiKey: z.string().trim().regex(/^[A-Za-z0-9_]{4,64}$/, 'a Kite api key is letters and digits').optional(),
      apiSecret: Secret.optional(),
      /** The redirect URL registered for the Kite app: the popup stops there and reads the token. */
      redirectUrl: RedirectUrl.optional(),
      instruments: InstrumentList.optional(),
      /** Store secrets with Linux's plain-text fallback when there is no keyring (an explicit opt-in). */
      allowPlainText: z.boolean().optional(),
    })
    .strict(),
  z
    .object({
      broker: z.literal('dhan'),
      clientId: z.string().trim().regex(/^\d{4,20}$/, 'a Dhan client id is digits').optional(),
      /** API key + secret: the consent flow in the popup. */
      apiKey: z.string().trim().min(4).max(100).optional(),
      apiSecret: Secret.optional(),
      redirectUrl: RedirectUrl.optional(),
      /** Or an access token generated on web.dhan.co. */
      accessToken: z.string().trim().min(20).max(4000).optional(),
      instruments: InstrumentList.optional(),
      /** 20 or 200 levels from Dhan's depth feeds; 0: none (the 5 levels that come with ticks). */
      depth: z.union([z.literal(0), z.literal(20), z.literal(200)]).optional(),
      allowPlainText: z.boolean().optional(),
    })
    .strict(),
]);
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
  depth?: 20 | 200;
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
    depth: z.union([z.literal(20), z.literal(200)]).optional(),
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
