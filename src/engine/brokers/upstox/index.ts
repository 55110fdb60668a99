// The Upstox adapter (API v2/v3, Market Data Feed V3): what Upstox can do (ltpc and full ticks with
// 5 levels, a 30-level book with full_d30, v3 candles with their spans), its logins (the OAuth
// dialog, a token until 03:30 IST; the read-only analytics token pasted), its gzipped JSON
// instrument file, history, and the one feed socket a token may open, over the modules of this
// folder. `upstoxAdapter({ venue })` is the same adapter against a simulated venue (sim/upstox).
import type { BrokerForm } from '../../../shared/brokers';
import type { CandleInterval, Instrument } from '../../../shared/model';
import { AuthError, TokenExpired } from '../errors';
import { MissingCredentials, type BackfillRequest, type BrokerAdapter, type FeedContext, type MasterImportResult, type MasterOptions, type OpenedFeeds, type StoreContext, type SimMarketRequest, type VenueHandle } from '../types';
import { API_KEY_ENV, API_SECRET_ENV, BROKER, decodeUpstoxToken, TOKEN_ENV, UPSTOX_LOGIN_ROOT, upstoxExpiry, upstoxLoopbackLogin, upstoxPastedSession, upstoxRoots } from './auth';
import { UPSTOX_CAPTURES } from './capture';
import type { FeedMode } from './codec';
import { DEPTH_LEVELS, DEPTH_MODE } from './depth-codec';
import { planDepth, UpstoxDepthSink } from './depth-feed';
import { upstoxDesktop } from './desktop';
import { UPSTOX_CAPS, UpstoxFeed } from './feed';
import { fetchUpstoxHistory, RATE_PER_SECOND, UPSTOX_INTERVALS } from './history';
import { COMPLETE_FILE_PATH, importUpstoxMaster, resolveUpstox } from './instruments';
import { newFeedCache, normalizeFeed } from './normalize';
import { authorizeUpstoxFeed, UPSTOX_ERRORS, UpstoxRateLimiter } from './rest';

/** Where a (simulated) Upstox answers: REST (v2, v3, the feed's authorize, the instrument files) and the login dialog. */
export interface UpstoxRoots {
  rest: string;
  login: string;
}

export interface UpstoxCredentials {
  /** The app's API key (not needed for data: the token is enough). */
  apiKey?: string;
  accessToken: string;
}

/** A simulated Upstox, made for a recording (its market options) or a backfill. */
export type UpstoxVenueFactory = (sim: SimMarketRequest) => VenueHandle<UpstoxRoots, UpstoxCredentials>;

/**
 * The 30-level book (full_d30, Upstox Plus) for up to 50 instruments: Upstox publishes no cap for
 * it (one third-party README says 2000); 50 is a conservative guess (feed.ts UPSTOX_CAPS).
 */
const UPSTOX_DEPTH = [{ levels: DEPTH_LEVELS, maxInstruments: UPSTOX_CAPS.full_d30.individual }] as const;

/** An app's key and secret for the OAuth dialog, or a pasted analytics token. */
const UPSTOX_FORM: BrokerForm = {
  title: 'Upstox',
  credentials: [
    { key: 'apiKey', label: 'API key' },
    { key: 'apiSecret', label: 'API secret', secret: true },
    { key: 'redirectUrl', label: 'Redirect URL registered for the app' },
    { key: 'accessToken', label: 'or an analytics token (read-only, a year)', secret: true },
  ],
  tokenSite: 'account.upstox.com/developer/apps',
};

/** Upstox has no quote mode without the book: `quote` records full (5 levels), as `full` does. */
const MODES: Record<'ltp' | 'quote' | 'full', FeedMode> = { ltp: 'ltpc', quote: 'full', full: 'full' };

/** What every REST call of a session needs (HistorySource.opts: strings); the token is replaced in place on a new login. */
interface UpstoxAt {
  apiRoot: string;
  accessToken: string;
  [k: string]: string;
}

/** History into the journal, refusing another broker's instrument; every request of a session under one budget. */
function backfillUpstox(store: StoreContext, at: UpstoxAt, limiter: UpstoxRateLimiter, req: BackfillRequest) {
  const ins = req.instrument;
  return store.backfill(
    BROKER,
    (r) => fetchUpstoxHistory({ apiRoot: at.apiRoot, accessToken: at.accessToken, limiter, oi: !!ins.expiry, onPage: r.onProgress }, ins.token, r.interval, r.from, r.to),
    req,
  );
}

/** The complete instrument file (public, no auth), once per IST day unless forced. */
const importInstruments = (store: StoreContext, restRoot: string | undefined, opts: Partial<MasterOptions>) => importUpstoxMaster(store, `${upstoxRoots(restRoot).assets}${COMPLETE_FILE_PATH}`, opts);

const importedNotice = (res: MasterImportResult) =>
  `Upstox instruments: ${res.rows} imported${res.skipped ? `, ${res.skipped} unreadable records skipped` : ''}${res.reason ? `; ${res.reason}` : ''}`;

export function upstoxAdapter(o: { id?: string; name?: string; venue?: UpstoxVenueFactory } = {}): BrokerAdapter {
  const simulated = !!o.venue;
  const adapter: BrokerAdapter = {
    id: o.id ?? BROKER,
    name: o.name ?? 'Upstox',
    protocol: BROKER,
    simulated,
    has: {
      // One connection a token; 5000 keys in ltpc, 2000 in full (the feed refuses more, clearly).
      live: { modes: ['ltp', 'quote', 'full'], maxInstruments: UPSTOX_CAPS.ltpc.individual, all: simulated },
      depth: UPSTOX_DEPTH,
      history: {
        intervals: Object.keys(UPSTOX_INTERVALS) as CandleInterval[],
        maxDaysPerRequest: Object.fromEntries(Object.entries(UPSTOX_INTERVALS).map(([k, v]) => [k, v.maxDays])),
        ratePerSecond: RATE_PER_SECOND,
      },
      master: true,
      login: simulated ? ['none'] : ['oauth-popup', 'loopback', 'pasted-token'],
    },
    form: UPSTOX_FORM,
    ...(simulated ? {} : { desktop: upstoxDesktop, captures: UPSTOX_CAPTURES }),
    errors: UPSTOX_ERRORS,
    instrumentsHint: '(e.g. NSE:SBIN, NSE:NIFTY 50, NSE_FO|45450, or any broker’s EXCHANGE:SYMBOL in the journal): one connection, 5000 instruments in ltp mode, 2000 in full',
    auth: {
      tokenEnv: TOKEN_ENV,
      env: { apiKey: API_KEY_ENV, apiSecret: API_SECRET_ENV },
      // A day's token: 03:30 IST after the login (a pasted analytics token's JWT says a year).
      expiry: upstoxExpiry,
      // The account is the user id; an app key, where both have one, must match too.
      adopt: (c, s) => {
        if ((c.clientId && s.clientId && c.clientId !== s.clientId) || (c.apiKey && s.apiKey && c.apiKey !== s.apiKey)) return null;
        return { ...c, apiKey: s.apiKey ?? c.apiKey, clientId: s.clientId ?? c.clientId, accessToken: s.accessToken };
      },
      login: simulated
        ? undefined
        : (lo, f) => {
            const apiKey = f.apiKey ?? process.env[API_KEY_ENV];
            const apiSecret = f.apiSecret ?? process.env[API_SECRET_ENV];
            if (!apiKey || !apiSecret) throw new MissingCredentials(`Upstox login needs the app's API key and secret (${API_KEY_ENV}, ${API_SECRET_ENV}, or --api-key/--api-secret)`);
            return upstoxLoopbackLogin({ ...lo, apiKey, apiSecret, apiRoot: upstoxRoots(f.restRoot).api, loginRoot: f.loginRoot ?? f.restRoot ?? UPSTOX_LOGIN_ROOT });
          },
    },
    master: {
      import: (store, at, opts) => importInstruments(store, at.restRoot, opts ?? {}),
    },
    resolve: resolveUpstox,
    openFeeds: (ctx) => openUpstoxFeeds(ctx, o.venue),
    async openHistory(store, h, stops) {
      let restRoot = h.restRoot;
      let accessToken = h.credentials.accessToken;
      if (o.venue) {
        const venue = o.venue({ ticksPerSecond: 0 });
        stops.push(() => venue.stop());
        const { roots, credentials } = await venue.start();
        restRoot = roots.rest;
        accessToken = credentials.accessToken;
      }
      if (!accessToken) throw new MissingCredentials(`Upstox needs ${TOKEN_ENV} (or tickdesk login upstox, or an analytics token)`);
      await importInstruments(store, restRoot, { force: simulated });
      const ins = resolveUpstox(store.journal, h.ref);
      if (!ins) throw new MissingCredentials(`no Upstox instrument "${h.ref}" in the instrument file`);
      const at: UpstoxAt = { apiRoot: upstoxRoots(restRoot).api, accessToken };
      const limiter = new UpstoxRateLimiter();
      return { ins, run: (req) => backfillUpstox(store, at, limiter, req) };
    },
  };
  return adapter;
}

/** Instruments to record from the journal: named ones, or (`all`) the import's (a simulator's whole universe). */
function wantedInstruments(ctx: FeedContext, imported: number[] | undefined): Instrument[] {
  const { journal, request: r } = ctx;
  if (r.instruments === 'all') return (imported ?? journal.instruments().filter((i) => i.broker === BROKER).map((i) => i.id)).map((id) => journal.instrument(id)!);
  return r.instruments.map((ref) => {
    const ins = resolveUpstox(journal, ref);
    if (!ins) throw new Error(`unknown instrument "${ref}" (use an Upstox instrument key, e.g. NSE_EQ|INE062A01020, or EXCHANGE:SYMBOL, e.g. NSE:SBIN)`);
    return ins;
  });
}

/**
 * The venue (simulated), the token read (an expired JWT stops here), the instrument file (once per
 * IST day), the instruments, then the feed: the 30-level book for the first instruments when asked,
 * the rest in the recording's mode, all on the one socket.
 */
async function openUpstoxFeeds(ctx: FeedContext, venueOf: UpstoxVenueFactory | undefined): Promise<OpenedFeeds> {
  const { journal, request: r } = ctx;
  let { accessToken, restRoot } = r;
  let venue: VenueHandle<UpstoxRoots, UpstoxCredentials> | undefined;
  if (venueOf) {
    const v = (venue = venueOf({ ...r.sim, ticksPerSecond: r.sim?.ticksPerSecond ?? 3000, seed: r.sim?.seed }));
    ctx.onStop(() => v.stop());
    const { roots, credentials } = await v.start();
    accessToken = credentials.accessToken;
    restRoot = roots.rest;
  }
  // (wsRoot is not used: the authorize answer says where the socket is, a fresh URL every connect.)
  if (!accessToken) throw new AuthError(`Upstox needs an access token (${TOKEN_ENV}, tickdesk login upstox, or a pasted analytics token)`, BROKER);
  const token = decodeUpstoxToken(accessToken);
  if (token.expiresAt !== undefined && token.expiresAt <= Date.now()) throw new TokenExpired(`the Upstox access token expired at ${new Date(token.expiresAt).toISOString()}: log in again (tickdesk login upstox)`, BROKER);
  const at: UpstoxAt = { apiRoot: upstoxRoots(restRoot).api, accessToken };
  const limiter = new UpstoxRateLimiter();

  // Today's instrument file (a simulator's on every start); an older list will do if Upstox is down.
  let imported: number[] | undefined;
  try {
    const res = await importInstruments(ctx, restRoot, { force: !!venueOf, collectIds: true, onProgress: ctx.onMasterProgress });
    imported = res.ids;
    if (res.imported && !venueOf) ctx.notice(importedNotice(res));
  } catch (e) {
    if (!journal.masterImport(BROKER)) throw e;
    ctx.notice(`Upstox instruments not refreshed (${(e as Error).message}); using the ones from ${journal.masterImport(BROKER)!.istDay}`);
  }
  const refs = wantedInstruments(ctx, imported).map((i) => ({ ins: ctx.record(i), key: i.token, index: i.segment === 'INDICES' }));
  await ctx.master(async (force) => {
    const res = await importInstruments(ctx, restRoot, { force, onProgress: ctx.onMasterProgress });
    if (res.imported) ctx.notice(importedNotice(res));
  }, true);

  const idOf = new Map(refs.map((x) => [x.key, x.ins.id]));
  const deep = new Set<string>();
  if (r.depth === DEPTH_LEVELS) {
    const plan = planDepth(refs, UPSTOX_DEPTH[0].maxInstruments);
    for (const x of plan.deep) deep.add(x.key);
    if (plan.notice) ctx.notice(plan.notice);
  }
  const cache = newFeedCache();
  const depth = new UpstoxDepthSink((s) => ctx.depth(s));
  const feed = new UpstoxFeed({
    accessToken,
    authorize: (t) => authorizeUpstoxFeed({ apiRoot: at.apiRoot, accessToken: t, limiter }),
    gaps: journal,
    silenceMs: r.silenceMs ?? 30_000,
    onFrame: ctx.capture,
    onFeed: (key, f, type, ts) => {
      const id = idOf.get(key);
      const out = id === undefined ? null : normalizeFeed(cache, key, f, type, id, ts);
      if (!out) return;
      ctx.ingest(out.tick);
      if (out.depth && deep.has(key)) depth.book(out.depth);
    },
    onState: (state, detail, conn) => ctx.onFeedState(state, detail, conn, BROKER),
    onNotice: (text) => ctx.notice(text),
  });
  // Beyond the caps this throws, naming them, before anything is sent.
  if (deep.size) feed.subscribe([...deep], DEPTH_MODE);
  const rest = refs.filter((x) => !deep.has(x.key)).map((x) => x.key);
  if (rest.length) feed.subscribe(rest, MODES[r.mode]);
  feed.start();
  ctx.addFeed(feed);

  const userId = r.clientId ?? token.userId;
  return {
    instruments: idOf.size,
    history: { broker: BROKER, opts: at, backfill: (req: BackfillRequest) => backfillUpstox(ctx, at, limiter, req) },
    venue,
    loginTarget: venueOf
      ? null
      : {
          broker: BROKER,
          loopback: (lo, cfg, typedSecret) => {
            const apiKey = cfg.apiKey ?? r.apiKey ?? process.env[API_KEY_ENV];
            const apiSecret = typedSecret ?? cfg.apiSecret ?? process.env[API_SECRET_ENV];
            if (!apiKey || !apiSecret) throw new MissingCredentials(`the Upstox app's API key and secret are needed: type the secret in, or start with ${API_KEY_ENV} and ${API_SECRET_ENV} set`);
            return upstoxLoopbackLogin({ ...lo, apiKey, apiSecret, apiRoot: at.apiRoot, loginRoot: cfg.loginRoot ?? restRoot ?? UPSTOX_LOGIN_ROOT });
          },
          pasted: (t) => upstoxPastedSession({ accessToken: t, apiRoot: at.apiRoot }),
        },
    session: venueOf
      ? undefined
      : {
          broker: BROKER,
          token: accessToken,
          // The JWT's exp (03:30 IST for a day's token). An opaque token may be a day's or a pasted
          // analytics token (a year): no guess; the 401 at authorize says when it has ended.
          expiresAt: token.expiresAt,
          fits: (s) => !userId || !s.clientId || s.clientId === userId,
          resume: (t) => {
            at.accessToken = t;
            feed.setAccessToken(t);
          },
          end: (d) => feed.endSession(d),
        },
  };
}
