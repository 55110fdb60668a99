// The Fyers (API v3) adapter: what Fyers can do (lite/quote/full, 5 levels with full ticks, its
// resolutions), its login (auth code + appIdHash; expiry = the JWT's exp), its segment symbol
// masters, history, and the HSM data socket, over the modules of this folder.
// `fyersAdapter({ venue })` is the same adapter against a simulated venue (sim/fyers).
import type { BrokerForm } from '../../../shared/brokers';
import type { CandleInterval, Instrument } from '../../../shared/model';
import { AuthError, TokenExpired } from '../errors';
import { MissingCredentials, type BackfillRequest, type BrokerAdapter, type Credentials, type FeedContext, type MasterImportResult, type MasterOptions, type OpenedFeeds, type StoreContext, type SimMarketRequest, type VenueHandle } from '../types';
import { APP_ID_ENV, APP_SECRET_ENV, BROKER, decodeFyersToken, FYERS_APP_ID_SHAPE, fyersLoopbackLogin, fyersRoots, FYERS_LOGIN_ROOT, PIN_ENV, TOKEN_ENV } from './auth';
import { FYERS_CAPTURES } from './capture';
import { MAX_TOPICS_PER_CONNECTION } from './codec';
import { fyersDesktop } from './desktop';
import { FyersFeed, type FyersFeedMode } from './feed';
import { fetchFyersHistory, FYERS_INTERVALS, RATE_PER_SECOND } from './history';
import { fyersTopics, importFyersMaster, resolveFyers } from './instruments';
import { FyersNormalizer } from './normalize';
import { fetchSymbolTokens, FYERS_ERRORS, FyersRateLimiter } from './rest';

/** Where a (simulated) Fyers answers: the data socket, REST (`/api/v3`, `/data`, `/sym_details`), the login page. */
export interface FyersRoots {
  ws: string;
  rest: string;
  login: string;
}

export interface FyersCredentials {
  /** The app id, XJ12345-100 (Credentials.apiKey). */
  apiKey: string;
  accessToken: string;
}

/** A simulated Fyers, made for a recording (its market options) or a backfill. */
export type FyersVenueFactory = (sim: SimMarketRequest) => VenueHandle<FyersRoots, FyersCredentials>;

/** An app's id and secret, once, and the redirect URL registered for it (desktop "Connect broker"). */
const FYERS_FORM: BrokerForm = {
  title: 'Fyers',
  credentials: [
    { key: 'apiKey', label: 'App ID (e.g. XJ12345-100)' },
    { key: 'apiSecret', label: 'App secret', secret: true },
    { key: 'redirectUrl', label: 'Redirect URL registered for the app' },
  ],
};

/**
 * What every REST call of a session needs (HistorySource.opts: strings); the token is replaced in
 * place on a new login. restRoot '' is Fyers' own hosts.
 */
interface FyersAt {
  restRoot: string;
  appId: string;
  accessToken: string;
  [k: string]: string;
}

/** History into the journal, refusing another broker's instrument; every request of a session under one budget. */
function backfillFyers(store: StoreContext, at: FyersAt, limiter: FyersRateLimiter, req: BackfillRequest) {
  const ins = req.instrument;
  return store.backfill(
    BROKER,
    (r) => fetchFyersHistory({ dataRoot: fyersRoots(at.restRoot).data, appId: at.appId, accessToken: at.accessToken, limiter, oi: !!ins.expiry, onPage: r.onProgress }, ins.token, r.interval, r.from, r.to),
    req,
  );
}

/** The segment masters (public, no auth), once per IST day unless forced. */
const importInstruments = (store: StoreContext, restRoot: string | undefined, opts: Partial<MasterOptions>) => importFyersMaster(store, fyersRoots(restRoot).master, opts);

const importedNotice = (res: MasterImportResult) =>
  `Fyers symbol masters: ${res.rows} instruments imported${res.skipped ? `, ${res.skipped} unreadable lines skipped` : ''}${res.reason ? `; ${res.reason}` : ''}`;

/**
 * The app id (Fyers' REST needs it beside every token): the one given when it is shaped like one
 * (the command line fills apiKey from KITE_API_KEY, which is no Fyers app id), else FYERS_APP_ID.
 */
const appIdOf = (c: Credentials) => (c.apiKey && FYERS_APP_ID_SHAPE.test(c.apiKey) ? c.apiKey : (process.env[APP_ID_ENV] ?? c.apiKey));

const MODES: Record<'ltp' | 'quote' | 'full', { feed: FyersFeedMode; depth: boolean }> = {
  ltp: { feed: 'lite', depth: false },
  quote: { feed: 'full', depth: false },
  full: { feed: 'full', depth: true },
};

export function fyersAdapter(o: { id?: string; name?: string; venue?: FyersVenueFactory } = {}): BrokerAdapter {
  const simulated = !!o.venue;
  const adapter: BrokerAdapter = {
    id: o.id ?? BROKER,
    name: o.name ?? 'Fyers',
    protocol: BROKER,
    simulated,
    has: {
      // One connection (the SDKs are singletons) of 5000 topics; full mode takes two an instrument.
      live: { modes: ['ltp', 'quote', 'full'], maxInstruments: MAX_TOPICS_PER_CONNECTION, all: simulated },
      // Five levels come with full-mode ticks (the dp topic); no deeper feed is offered here.
      depth: [],
      history: {
        intervals: Object.keys(FYERS_INTERVALS) as CandleInterval[],
        maxDaysPerRequest: Object.fromEntries(Object.entries(FYERS_INTERVALS).map(([k, v]) => [k, v.maxDays])),
        ratePerSecond: RATE_PER_SECOND,
      },
      master: true,
      login: simulated ? ['none'] : ['oauth-popup', 'loopback'],
    },
    form: FYERS_FORM,
    ...(simulated ? {} : { desktop: fyersDesktop, captures: FYERS_CAPTURES }),
    errors: FYERS_ERRORS,
    instrumentsHint: '(e.g. NSE:SBIN-EQ,NSE:NIFTY50-INDEX,NSE:NIFTY26SEPFUT, or NSE:SBIN as on Kite): Fyers takes 5000 topics a connection',
    auth: {
      tokenEnv: TOKEN_ENV,
      env: { apiKey: APP_ID_ENV, apiSecret: APP_SECRET_ENV },
      // The token says (its JWT exp).
      expiry: () => undefined,
      // A Fyers token belongs to an app (its id travels with it on every call).
      // (An apiKey that is no Fyers app id, e.g. KITE_API_KEY filled in by the command line, says nothing.)
      adopt: (c, s) => (!c.apiKey || !FYERS_APP_ID_SHAPE.test(c.apiKey) || c.apiKey === s.apiKey ? { ...c, apiKey: s.apiKey, accessToken: s.accessToken } : null),
      login: simulated
        ? undefined
        : (lo, f) => {
            const appId = f.apiKey ?? process.env[APP_ID_ENV];
            const appSecret = f.apiSecret ?? process.env[APP_SECRET_ENV];
            if (!appId || !appSecret) throw new MissingCredentials(`Fyers login needs the app id and secret (${APP_ID_ENV}, ${APP_SECRET_ENV}, or --api-key/--api-secret)`);
            return fyersLoopbackLogin({ ...lo, appId, appSecret, apiRoot: fyersRoots(f.restRoot).api, loginRoot: f.loginRoot ?? f.restRoot ?? FYERS_LOGIN_ROOT, pin: process.env[PIN_ENV] });
          },
    },
    master: {
      import: (store, at, opts) => importInstruments(store, at.restRoot, opts ?? {}),
    },
    resolve: resolveFyers,
    openFeeds: (ctx) => openFyersFeeds(ctx, o.venue),
    async openHistory(store, h, stops) {
      let restRoot = h.restRoot;
      let appId = appIdOf(h.credentials);
      let accessToken = h.credentials.accessToken;
      if (o.venue) {
        const venue = o.venue({ ticksPerSecond: 0 });
        stops.push(() => venue.stop());
        const { roots, credentials } = await venue.start();
        restRoot = roots.rest;
        ({ apiKey: appId, accessToken } = credentials);
      }
      if (!appId || !accessToken) throw new MissingCredentials(`Fyers needs ${APP_ID_ENV} and ${TOKEN_ENV} (or tickdesk login fyers)`);
      await importInstruments(store, restRoot, { force: simulated });
      const ins = resolveFyers(store.journal, h.ref);
      if (!ins) throw new MissingCredentials(`no Fyers instrument "${h.ref}" in the symbol masters`);
      const at: FyersAt = { restRoot: restRoot ?? '', appId, accessToken };
      const limiter = new FyersRateLimiter(RATE_PER_SECOND);
      return { ins, run: (req) => backfillFyers(store, at, limiter, req) };
    },
  };
  return adapter;
}

/**
 * The venue (simulated), the token checked, the symbol masters (once per IST day), the
 * instruments, their tickers mapped to topics (symbol-token, once), the data socket.
 */
async function openFyersFeeds(ctx: FeedContext, venueOf: FyersVenueFactory | undefined): Promise<OpenedFeeds> {
  const { journal, request: r } = ctx;
  let { accessToken, wsRoot, restRoot } = r;
  let appId = appIdOf(r);
  let venue: VenueHandle<FyersRoots, FyersCredentials> | undefined;
  if (venueOf) {
    const v = (venue = venueOf({ ...r.sim, ticksPerSecond: r.sim?.ticksPerSecond ?? 3000, seed: r.sim?.seed }));
    ctx.onStop(() => v.stop());
    const { roots, credentials } = await v.start();
    ({ apiKey: appId, accessToken } = credentials);
    [wsRoot, restRoot] = [roots.ws, roots.rest];
  }
  if (!appId || !accessToken) throw new AuthError(`Fyers needs an app id and an access token (${APP_ID_ENV} / ${TOKEN_ENV}, or tickdesk login fyers)`, BROKER);
  let expiresAt: number | undefined;
  try {
    expiresAt = decodeFyersToken(accessToken).expiresAt;
  } catch (e) {
    throw new AuthError(`the Fyers access token cannot be read (${(e as Error).message}): log in again`, BROKER);
  }
  if (expiresAt !== undefined && expiresAt <= Date.now()) throw new TokenExpired(`the Fyers access token expired at ${new Date(expiresAt).toISOString()}: log in again (tickdesk login fyers)`, BROKER);
  const at: FyersAt = { restRoot: restRoot ?? '', appId, accessToken };
  const limiter = new FyersRateLimiter(RATE_PER_SECOND);

  // Today's symbol masters (a simulator's on every start); an older set will do if Fyers is down.
  let imported: number[] | undefined;
  try {
    const res = await importInstruments(ctx, restRoot, { force: !!venueOf, collectIds: true, onProgress: ctx.onMasterProgress });
    imported = res.ids;
    if (res.imported && !venueOf) ctx.notice(importedNotice(res));
  } catch (e) {
    if (!journal.masterImport(BROKER)) throw e;
    ctx.notice(`Fyers symbol masters not refreshed (${(e as Error).message}); using the ones from ${journal.masterImport(BROKER)!.istDay}`);
  }
  const wanted: Instrument[] = [];
  if (r.instruments === 'all') {
    const ids = imported ?? journal.instruments().filter((i) => i.broker === BROKER).map((i) => i.id);
    for (const id of ids) wanted.push(journal.instrument(id)!);
  } else
    for (const ref of r.instruments) {
      const ins = resolveFyers(journal, ref);
      if (!ins) throw new Error(`unknown instrument "${ref}" (use a Fyers ticker, e.g. NSE:SBIN-EQ or NSE:NIFTY50-INDEX)`);
      wanted.push(ins);
    }
  await ctx.master(async (force) => {
    const res = await importInstruments(ctx, at.restRoot, { force, onProgress: ctx.onMasterProgress });
    if (res.imported) ctx.notice(importedNotice(res));
  }, true);

  // Tickers → fytokens → topics, once: the feed keeps the topics and resubscribes them itself.
  const byTicker = new Map(wanted.map((i) => [i.token, i]));
  const { valid, invalid } = await fetchSymbolTokens({ dataRoot: fyersRoots(at.restRoot).data, appId: at.appId, accessToken: at.accessToken, limiter }, [...byTicker.keys()]);
  if (invalid.length) ctx.notice(`Fyers does not know ${invalid.length} of the tickers (${invalid.slice(0, 5).join(', ')}${invalid.length > 5 ? ', …' : ''}); they are not recorded`);
  const mode = MODES[r.mode];
  const idOfTopic = new Map<string, number>();
  for (const [ticker, fytoken] of valid) {
    const ins = ctx.record(byTicker.get(ticker)!);
    const t = fyersTopics(ticker, fytoken);
    idOfTopic.set(t.quote, ins.id);
    if (mode.depth && t.depth) idOfTopic.set(t.depth, ins.id);
  }

  const normalizer = new FyersNormalizer();
  const feed = new FyersFeed({
    accessToken,
    root: wsRoot,
    mode: mode.feed,
    gaps: journal,
    silenceMs: r.silenceMs ?? 30_000,
    onFrame: ctx.capture,
    onQuote: (q, ts) => {
      const id = idOfTopic.get(q.topic);
      const t = id === undefined ? null : normalizer.toTick(q, id, ts);
      if (t) ctx.ingest(t);
    },
    onState: (state, detail, conn) => ctx.onFeedState(state, detail, conn, BROKER),
    onNotice: (text) => ctx.notice(text),
  });
  feed.subscribe([...idOfTopic.keys()]);
  feed.start();
  ctx.addFeed(feed);

  const history = { broker: BROKER, opts: at, backfill: (req: BackfillRequest) => backfillFyers(ctx, at, limiter, req) };
  return {
    instruments: new Set(idOfTopic.values()).size,
    history,
    venue,
    loginTarget: venueOf
      ? null
      : {
          broker: BROKER,
          loopback: (lo, cfg, typedSecret) => {
            const appSecret = typedSecret ?? cfg.apiSecret ?? process.env[APP_SECRET_ENV];
            if (!appSecret) throw new MissingCredentials(`the Fyers app secret is needed: type it in, or start with ${APP_SECRET_ENV} set`);
            return fyersLoopbackLogin({ ...lo, appId: at.appId, appSecret, apiRoot: fyersRoots(at.restRoot).api, loginRoot: cfg.loginRoot ?? (at.restRoot || FYERS_LOGIN_ROOT), pin: process.env[PIN_ENV] });
          },
        },
    session: venueOf
      ? undefined
      : {
          broker: BROKER,
          token: accessToken,
          expiresAt,
          fits: (s) => s.apiKey === at.appId,
          resume: (t) => {
            at.accessToken = t;
            feed.setAccessToken(t);
          },
          end: (d) => feed.endSession(d),
        },
  };
}
