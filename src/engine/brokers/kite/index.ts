// The Kite adapter: what Kite can do, its login and token rule (06:00 IST), its instrument dump,
// history and ticker, over the modules of this folder. `kiteAdapter({ venue })` is the same
// adapter against a simulated venue (the registry's `sim`).
import { kiteExpiry, kiteLoopbackLogin, KITE_REST_ROOT } from './auth';
import { AuthError } from '../errors';
import { KITE_ERROR_TYPES } from './rest';
import type { AdapterJournal, BackfillRequest, BrokerAdapter, Credentials, FeedContext, MasterOptions, OpenedFeeds, StoreContext, SimMarketRequest, VenueHandle } from '../types';
import { MissingCredentials } from '../types';
import { kiteDesktop } from './desktop';
import { KITE_CAPTURES } from './capture';
import { MAX_CONNECTIONS, MAX_TOKENS_PER_CONNECTION } from './codec';
import { KiteFeed } from './feed';
import { kitePacketToTick } from './normalize';
import { KITE_MASTER, kiteMasterRequest } from './instruments';
import { fetchKiteHistory, KITE_INTERVALS, type KiteHistoryOptions } from './history';
import type { BrokerForm } from '../../../shared/brokers';
import type { CandleInterval } from '../../../shared/model';

/** Where a (simulated) Kite answers: ticker, REST, login page. */
export interface KiteRoots {
  ws: string;
  rest: string;
  login: string;
}

export interface KiteCredentials {
  apiKey: string;
  apiSecret: string;
  accessToken: string;
}

/** A simulated Kite, made for a recording (its market options) or a backfill (`ticksPerSecond` 1). */
export type KiteVenueFactory = (sim: SimMarketRequest) => VenueHandle<KiteRoots, KiteCredentials>;

/** Kite: pages by span, 3 requests/s, 429s retried. */
async function backfillKite(store: StoreContext, kite: Omit<KiteHistoryOptions, 'onPage'>, req: BackfillRequest) {
  const ins = req.instrument;
  return store.backfill('kite', (r) => fetchKiteHistory({ ...kite, oi: !!ins.expiry, onPage: r.onProgress }, ins.token, r.interval, r.from, r.to), req);
}

/** A Kite app's key and secret, once, and the redirect URL registered for it (desktop "Connect broker"). */
const KITE_FORM: BrokerForm = {
  title: 'Zerodha Kite',
  credentials: [
    { key: 'apiKey', label: 'API key' },
    { key: 'apiSecret', label: 'API secret', secret: true },
    { key: 'redirectUrl', label: 'Redirect URL registered for the app' },
  ],
};

/** Kite's instruments dump (signed request), once per IST day unless forced. */
function importKiteInstruments(store: StoreContext, restRoot: string, apiKey: string, accessToken: string, opts: Partial<MasterOptions> = {}) {
  return store.importMaster(KITE_MASTER, { ...opts, ...kiteMasterRequest(restRoot, apiKey, accessToken) });
}

const resolveKite = (journal: AdapterJournal, ref: string) => journal.findInstrument(/^\d+$/.test(ref) ? ref : ref.toUpperCase(), 'kite');

export function kiteAdapter(o: { id?: string; name?: string; venue?: KiteVenueFactory } = {}): BrokerAdapter {
  const simulated = !!o.venue;
  const adapter: BrokerAdapter = {
    id: o.id ?? 'kite',
    name: o.name ?? 'Kite',
    protocol: 'kite',
    simulated,
    has: {
      live: { modes: ['ltp', 'quote', 'full'], maxInstruments: MAX_TOKENS_PER_CONNECTION * MAX_CONNECTIONS, all: simulated },
      depth: [],
      history: {
        intervals: Object.keys(KITE_INTERVALS) as CandleInterval[],
        maxDaysPerRequest: Object.fromEntries(Object.entries(KITE_INTERVALS).map(([k, v]) => [k, v.maxDays])),
        ratePerSecond: 3,
      },
      master: true,
      login: simulated ? ['none'] : ['oauth-popup', 'loopback'],
    },
    form: KITE_FORM,
    ...(simulated ? {} : { desktop: kiteDesktop }),
    errors: KITE_ERROR_TYPES,
    ...(simulated ? {} : { captures: KITE_CAPTURES }),
    instrumentsHint: '(e.g. NSE:INFY,NFO:NIFTY26DECFUT or tokens): Kite caps a session at 9000',
    auth: {
      tokenEnv: 'KITE_ACCESS_TOKEN',
      env: { apiKey: 'KITE_API_KEY', apiSecret: 'KITE_API_SECRET' },
      expiry: kiteExpiry,
      // A Kite token belongs to an app (api key).
      adopt: (c, s) => (!c.apiKey || c.apiKey === s.apiKey ? { ...c, accessToken: s.accessToken, apiKey: s.apiKey } : null),
      login: simulated
        ? undefined
        : (lo, f) => {
            const apiKey = f.apiKey ?? process.env.KITE_API_KEY;
            const apiSecret = f.apiSecret ?? process.env.KITE_API_SECRET;
            if (!apiKey || !apiSecret) throw new MissingCredentials('Kite login needs the api key and secret (KITE_API_KEY, KITE_API_SECRET)');
            return kiteLoopbackLogin({ ...lo, apiKey, apiSecret, restRoot: f.restRoot ?? KITE_REST_ROOT, loginRoot: f.loginRoot });
          },
    },
    master: {
      import(store, at, opts) {
        const { apiKey, accessToken } = at.credentials;
        if (!apiKey || !accessToken) throw new MissingCredentials('Kite needs KITE_API_KEY and KITE_ACCESS_TOKEN (or tickdesk login kite)');
        return importKiteInstruments(store, at.restRoot ?? KITE_REST_ROOT, apiKey, accessToken, opts);
      },
    },
    resolve: resolveKite,
    openFeeds: (ctx) => openKiteFeeds(ctx, o.venue),
    async openHistory(store, h, stops) {
      let restRoot = h.restRoot ?? KITE_REST_ROOT;
      let { apiKey, accessToken } = h.credentials;
      if (o.venue) {
        const venue = o.venue({ ticksPerSecond: 1 });
        stops.push(() => venue.stop());
        const { roots, credentials } = await venue.start();
        ({ apiKey, accessToken } = credentials);
        restRoot = roots.rest;
      }
      // The instrument list, unless today's is in the journal already.
      await adapter.master.import(store, { restRoot, credentials: { apiKey, accessToken } }, { force: simulated });
      const ins = resolveKite(store.journal, h.ref);
      if (!ins) throw new MissingCredentials(`no Kite instrument "${h.ref}"`);
      const creds = { restRoot, apiKey: apiKey!, accessToken: accessToken! };
      return { ins, run: (req) => backfillKite(store, creds, req) };
    },
  };
  return adapter;
}

/** The instrument dump (once per IST day; a simulator's every start), the instruments, the ticker. */
async function openKiteFeeds(ctx: FeedContext, venueOf: KiteVenueFactory | undefined): Promise<OpenedFeeds> {
  const r = ctx.request;
  let { apiKey, accessToken, wsRoot, restRoot } = r;
  let venue: VenueHandle<KiteRoots, KiteCredentials> | undefined;
  if (venueOf) {
    venue = venueOf({ ...r.sim, ticksPerSecond: r.sim?.ticksPerSecond ?? 3000, seed: r.sim?.seed ?? Date.now() % 1e9 });
    const v = venue;
    ctx.onStop(() => v.stop());
    const { roots, credentials } = await v.start();
    ({ apiKey, accessToken } = credentials);
    wsRoot = roots.ws;
    restRoot = roots.rest;
  }
  return { ...(await openKite(ctx, { apiKey, accessToken, wsRoot, restRoot: restRoot ?? KITE_REST_ROOT }, !!venueOf)), venue };
}

async function openKite(ctx: FeedContext, c: Credentials & { wsRoot?: string; restRoot: string }, sim: boolean): Promise<OpenedFeeds> {
  const { journal, request: r } = ctx;
  const { apiKey, accessToken, wsRoot, restRoot } = c;
  if (!apiKey || !accessToken) {
    throw new AuthError('Kite needs an api key and an access token (KITE_API_KEY / KITE_ACCESS_TOKEN, or --config)', 'kite');
  }
  let imported: number[] | undefined;
  try {
    const res = await importKiteInstruments(ctx, restRoot, apiKey, accessToken, { force: sim, collectIds: true, onProgress: ctx.onMasterProgress });
    imported = res.ids;
    if (res.imported && !sim) ctx.notice(`Kite instruments: ${res.rows} imported${res.skipped ? `, ${res.skipped} unreadable lines skipped` : ''}`);
  } catch (e) {
    if (e instanceof AuthError || !journal.masterImport('kite')) throw e;
    ctx.notice(`Kite instruments not refreshed (${(e as Error).message}); using the ones from ${journal.masterImport('kite')!.istDay}`);
  }
  const wanted: number[] = [];
  if (r.instruments === 'all') wanted.push(...(imported ?? journal.instruments().filter((i) => i.broker === 'kite').map((i) => i.id)));
  else
    for (const ref of r.instruments) {
      const ins = resolveKite(journal, ref);
      if (!ins) throw new Error(`unknown instrument "${ref}" (use a Kite token or EXCHANGE:SYMBOL, e.g. NSE:INFY)`);
      wanted.push(ins.id);
    }
  const idByToken = new Map<number, number>();
  for (const id of wanted) idByToken.set(Number(ctx.record(journal.instrument(id)!).token), id);

  const history = {
    broker: 'kite' as const,
    opts: { restRoot, apiKey, accessToken },
    backfill: (req: BackfillRequest) => backfillKite(ctx, { ...history.opts }, req),
  };
  await ctx.master(async (force) => {
    const h = history.opts;
    const res = await importKiteInstruments(ctx, h.restRoot, h.apiKey, h.accessToken, { force, onProgress: ctx.onMasterProgress });
    if (res.imported) ctx.notice(`Kite instruments: ${res.rows} imported${res.skipped ? `, ${res.skipped} unreadable lines skipped` : ''}`);
  }, true);
  const feed = new KiteFeed({
    apiKey,
    accessToken,
    root: wsRoot,
    gaps: journal,
    silenceMs: r.silenceMs ?? 5000,
    onFrame: ctx.capture,
    onPacket: (p, ts) => {
      const id = idByToken.get(p.token);
      if (id !== undefined) ctx.ingest(kitePacketToTick(p, id, ts));
    },
    onState: (state, detail, conn) => ctx.onFeedState(state, detail, conn, 'kite'),
    onNotice: (kind, text) => ctx.notice(`${kind}: ${text}`),
  });
  feed.subscribe([...idByToken.keys()], r.mode);
  feed.start();
  ctx.addFeed(feed);
  return {
    instruments: idByToken.size,
    history,
    loginTarget: sim
      ? null
      : {
          broker: 'kite',
          loopback: (lo, cfg, typedSecret) => {
            const apiSecret = typedSecret ?? cfg.apiSecret;
            if (!apiSecret) throw new MissingCredentials('the Kite API secret is needed: type it in, or start with KITE_API_SECRET set');
            return kiteLoopbackLogin({ ...lo, apiKey: history.opts.apiKey, apiSecret, restRoot: history.opts.restRoot, loginRoot: cfg.loginRoot });
          },
        },
    session: sim
      ? undefined
      : {
          broker: 'kite',
          token: accessToken,
          expiresAt: kiteExpiry(Date.now()),
          fits: (s) => !r.apiKey || s.apiKey === r.apiKey,
          resume: (t) => {
            history.opts.accessToken = t;
            feed.setAccessToken(t);
          },
          end: (d) => feed.endSession(d),
        },
  };
}
