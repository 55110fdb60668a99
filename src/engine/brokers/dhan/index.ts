// The Dhan adapter: what Dhan can do (20/200-level depth, its history intervals), its logins
// (consent redirect, pasted token) and token renewal, its scrip master, history, live and depth
// feeds, over the modules of this folder. `dhanAdapter({ venue })` is the same adapter against a
// simulated venue (the registry's `sim-dhan`).
import type { BrokerForm } from '../../../shared/brokers';
import type { Instrument } from '../../../shared/model';
import { AuthError } from '../errors';
import { DepthSlots } from '../depth-slots';
import { DepthRefused, MissingCredentials, type BackfillRequest, type BrokerAdapter, type DepthControl, type FeedContext, type MasterOptions, type OpenedFeeds, type StoreContext, type SimMarketRequest, type VenueHandle } from '../types';
import { dhanLoopbackLogin, dhanPastedSession, dhanRoots, dhanTokenWarnings, fetchDhanProfile } from './auth';
import { DHAN_ERROR_CODES } from './rest';
import { dhanDesktop } from './desktop';
import { DHAN_CAPTURES } from './capture';
import { DHAN_SEGMENTS } from './codec';
import { DhanDepthFeed, depthSnapshotOf } from './depth-feed';
import { DhanFeed, MAX_PER_SOCKET } from './feed';
import { DhanNormalizer } from './normalize';
import { DHAN_HISTORY_INTERVALS, fetchDhanHistory, type DhanHistoryOptions } from './history';
import { DHAN_MASTER, DHAN_SCRIP_MASTER_URL, DHAN_SEGMENT_REF, dhanScripMasterUrl, findDhanInstrument } from './instruments';
import { DhanTokenKeeper } from './session';

/** Where a (simulated) Dhan answers. */
export interface DhanRoots {
  feed: string;
  /** REST serving auth and api hosts (the clients' `restRoot`). */
  rest: string;
  auth: string;
  api: string;
  scripMaster: string;
}

export interface DhanCredentials {
  clientId: string;
  accessToken: string;
}

/** A simulated Dhan: its REST and live feed, its instruments, and depth feeds on demand. */
export interface DhanSimVenue extends VenueHandle<DhanRoots, DhanCredentials> {
  /** The venue's instruments as Dhan keys them, with the market model's token (for depth). */
  readonly instruments: ReadonlyArray<{ segment: string; securityId: number; token: number }>;
  /** The 20- and 200-level depth feeds over the live feed's books, for these instruments; resolves to their root. */
  startDepth(instruments: Array<{ securityId: number; segment: 'NSE_EQ' | 'NSE_FNO'; token: number }>): Promise<string>;
}

export type DhanVenueFactory = (sim: SimMarketRequest) => DhanSimVenue;

/** Full depth: 20 levels for up to 250 instruments, 200 levels for up to 5. */
const DHAN_DEPTH = [
  { levels: 20, maxInstruments: 250 },
  { levels: 200, maxInstruments: 5 },
] as const;

/** The client id, then an app's key and secret (the consent popup) or a token pasted from web.dhan.co. */
const DHAN_FORM: BrokerForm = {
  title: 'Dhan',
  credentials: [
    { key: 'clientId', label: 'Client id' },
    { key: 'apiKey', label: 'API key' },
    { key: 'apiSecret', label: 'API secret', secret: true },
    { key: 'redirectUrl', label: 'Redirect URL registered for the app' },
    { key: 'accessToken', label: 'or an access token from web.dhan.co', secret: true },
  ],
  tokenSite: 'web.dhan.co',
};

/** Sockets a Dhan account may open on the live feed. */
const MAX_SOCKETS = 5;

/** Dhan: intraday in 90-day pages or daily in one, 5 requests/s, 429s retried. */
function backfillDhan(store: StoreContext, dhan: Omit<DhanHistoryOptions, 'onPage'>, req: BackfillRequest) {
  return store.backfill('dhan', (r) => fetchDhanHistory({ ...dhan, onPage: r.onProgress }, r.instrument, r.interval, r.from, r.to), req);
}

/** Dhan's scrip master (public, no auth): Dhan's own file unless a url is given. */
function importDhanScripMaster(store: StoreContext, opts: Partial<MasterOptions> = {}) {
  return store.importMaster(DHAN_MASTER, { ...opts, url: opts.url ?? DHAN_SCRIP_MASTER_URL });
}

interface DhanRef {
  id: number;
  securityId: number;
  segment: string;
  tickSize: number;
}

export function dhanAdapter(o: { id?: string; name?: string; venue?: DhanVenueFactory } = {}): BrokerAdapter {
  const simulated = !!o.venue;
  const adapter: BrokerAdapter = {
    id: o.id ?? 'dhan',
    name: o.name ?? 'Dhan',
    protocol: 'dhan',
    simulated,
    has: {
      live: { modes: ['ltp', 'quote', 'full'], maxInstruments: MAX_PER_SOCKET * MAX_SOCKETS, all: simulated, bookLevels: 5 },
      depth: DHAN_DEPTH,
      history: { intervals: DHAN_HISTORY_INTERVALS, maxDaysPerRequest: { '1m': 90, '5m': 90, '15m': 90, '25m': 90, '1h': 90 }, ratePerSecond: 5 },
      master: true,
      login: simulated ? ['none'] : ['oauth-popup', 'loopback', 'pasted-token'],
    },
    form: DHAN_FORM,
    ...(simulated ? {} : { desktop: dhanDesktop }),
    errors: DHAN_ERROR_CODES,
    ...(simulated ? {} : { captures: DHAN_CAPTURES }),
    instrumentsHint: 'EXCHANGE:SYMBOL or SEGMENT:SECURITYID,... (e.g. NSE:HDFCBANK,NSE_EQ:1333)',
    auth: {
      tokenEnv: 'DHAN_ACCESS_TOKEN',
      env: { clientId: 'DHAN_CLIENT_ID', apiKey: 'DHAN_API_KEY', apiSecret: 'DHAN_API_SECRET' },
      // A Dhan token carries its own expiry.
      expiry: () => undefined,
      adopt: (c, s) => ({ ...c, accessToken: s.accessToken, clientId: c.clientId ?? s.clientId }),
      login: simulated
        ? undefined
        : (lo, f) => {
            const clientId = f.clientId ?? process.env.DHAN_CLIENT_ID;
            const apiKey = f.apiKey ?? process.env.DHAN_API_KEY;
            const apiSecret = f.apiSecret ?? process.env.DHAN_API_SECRET;
            if (!clientId || !apiKey || !apiSecret) throw new MissingCredentials('Dhan login needs the client id, API key and secret (DHAN_CLIENT_ID, DHAN_API_KEY, DHAN_API_SECRET)');
            return dhanLoopbackLogin({ ...lo, clientId, apiKey, apiSecret, authRoot: f.loginRoot });
          },
    },
    master: {
      import: (store, at, opts) => importDhanScripMaster(store, { url: dhanScripMasterUrl(at.restRoot), ...opts }),
    },
    resolve: findDhanInstrument,
    openFeeds: (ctx) => openDhanFeeds(ctx, o.venue),
    async openHistory(store, h, stops) {
      let rest = h.restRoot?.replace(/\/$/, '');
      let { clientId, accessToken } = h.credentials;
      if (o.venue) {
        const venue = o.venue({ ticksPerSecond: 0 });
        stops.push(() => venue.stop());
        const { roots, credentials } = await venue.start();
        rest = roots.rest;
        ({ clientId, accessToken } = credentials);
      }
      if (!clientId || !accessToken) throw new MissingCredentials('Dhan needs DHAN_CLIENT_ID and DHAN_ACCESS_TOKEN (or tickdesk login dhan)');
      await adapter.master.import(store, { restRoot: rest, credentials: { clientId, accessToken } }, { force: simulated });
      const ins = findDhanInstrument(store.journal, h.ref);
      if (!ins) throw new MissingCredentials(`no Dhan instrument "${h.ref}" in the scrip master`);
      const creds = { clientId, accessToken, apiRoot: dhanRoots(rest).apiRoot };
      return { ins, run: (req) => backfillDhan(store, creds, req) };
    },
  };
  return adapter;
}

/**
 * Validate the token (profile), refresh the scrip master (once per IST day), resolve the
 * instruments from it, keep the token renewed, then the live feed for ticks and the 20/200-level
 * depth feeds, with `--depth`'s instruments to start with and any others chosen while recording.
 * A simulated venue takes the same path.
 */
async function openDhanFeeds(ctx: FeedContext, venueOf: DhanVenueFactory | undefined): Promise<OpenedFeeds> {
  const { journal, request: r } = ctx;
  let clientId = r.clientId;
  let token = r.accessToken;
  let feedRoot = r.wsRoot;
  let { apiRoot } = dhanRoots(r.restRoot);
  let scripUrl = dhanScripMasterUrl(r.restRoot);
  let venue: DhanSimVenue | null = null;
  if (venueOf) {
    const v = (venue = venueOf({ ...r.sim, ticksPerSecond: r.sim?.ticksPerSecond ?? 3000, seed: r.sim?.seed }));
    ctx.onStop(() => v.stop());
    const { roots, credentials } = await v.start();
    ({ clientId, accessToken: token } = credentials);
    feedRoot = roots.feed;
    apiRoot = roots.api;
    scripUrl = roots.scripMaster;
  }
  if (!clientId || !token) throw new AuthError('Dhan needs a client id and an access token (DHAN_CLIENT_ID / DHAN_ACCESS_TOKEN)', 'dhan');
  const warned = new Set(dhanTokenWarnings(token, { depth200: r.depth === 200 }));
  for (const w of warned) ctx.notice(w);
  let expiresAt: number | undefined;
  try {
    const profile = await fetchDhanProfile({ clientId, accessToken: token, apiRoot });
    expiresAt = profile.tokenValidUntil;
    if (!profile.dataPlanActive) ctx.notice('the Dhan Data API is not active on this account: market data will be refused (806)');
  } catch (e) {
    if (e instanceof AuthError) throw e;
    ctx.notice(`Dhan profile check failed (${(e as Error).message}); going on`);
  }
  // Only Dhan's own file is known to be tens of MB; a simulator's is small.
  const realFile = scripUrl === DHAN_SCRIP_MASTER_URL;
  await ctx.master(async (force) => {
    const res = await importDhanScripMaster(ctx, { url: scripUrl, minBytes: realFile ? 1_000_000 : 0, force, onProgress: ctx.onMasterProgress });
    if (res.imported) ctx.notice(`Dhan scrip master: ${res.rows} instruments imported`);
  });

  const refs = resolveDhanRefs(ctx, venue);
  const key = (segment: string, securityId: number) => `${segment}:${securityId}`;
  const idOf = new Map(refs.map((x) => [key(x.segment, x.securityId), x.id]));
  const segName = (n: number) => DHAN_SEGMENTS[n] ?? String(n);
  const tickOf = new Map(refs.map((x) => [key(x.segment, x.securityId), x.tickSize]));
  const normalizer = new DhanNormalizer();
  const mode = r.mode === 'ltp' ? 'ticker' : r.mode;
  const feed = new DhanFeed({
    clientId,
    accessToken: token,
    root: feedRoot,
    gaps: journal,
    silenceMs: r.silenceMs ?? 30_000,
    tickSizeOf: (seg, id) => tickOf.get(key(segName(seg), id)),
    onFrame: ctx.capture,
    onPacket: (p, ts) => {
      const id = idOf.get(key(segName(p.segment), p.securityId));
      const t = id === undefined ? null : normalizer.toTick(p, id, ts);
      if (t) ctx.ingest(t);
    },
    onState: (state, detail, conn) => ctx.onFeedState(state, detail, conn, 'dhan'),
  });
  feed.subscribe(refs, mode);
  feed.start();
  ctx.addFeed(feed);
  // Renew the token ahead of its expiry; every feed resumes with the new one.
  const history = {
    broker: 'dhan' as const,
    opts: { apiRoot, clientId, accessToken: token },
    backfill: (req: BackfillRequest) => backfillDhan(ctx, { ...history.opts }, req),
  };
  const tokenSinks: Array<(t: string) => void> = [(t) => feed.setAccessToken(t), (t) => (history.opts.accessToken = t)];
  const keeper = new DhanTokenKeeper({
    clientId,
    accessToken: token,
    apiRoot,
    expiresAt,
    onRenewed: (s) => tokenSinks.forEach((f) => f(s.accessToken)),
    onNotice: (n) => ctx.notice(n),
  });
  keeper.start();
  ctx.onStop(() => keeper.stop());
  const accountId = clientId;
  const authRoot = dhanRoots(r.restRoot).authRoot;
  const opened: OpenedFeeds = {
    instruments: new Set(refs.map((x) => x.securityId)).size,
    venue: venue ?? undefined,
    history,
    loginTarget: venue
      ? null
      : {
          broker: 'dhan',
          loopback: (lo, cfg, typedSecret) => {
            const apiSecret = typedSecret ?? cfg.apiSecret;
            if (!cfg.apiKey || !apiSecret) throw new MissingCredentials('the Dhan API key and secret are needed: start with DHAN_API_KEY and DHAN_API_SECRET set');
            return dhanLoopbackLogin({ ...lo, clientId: accountId, apiKey: cfg.apiKey, apiSecret, authRoot: cfg.loginRoot ?? authRoot });
          },
          pasted: (accessToken) => dhanPastedSession({ clientId: accountId, accessToken, apiRoot: history.opts.apiRoot }),
        },
    session: venue
      ? undefined
      : {
          broker: 'dhan',
          token,
          expiresAt: keeper.validUntil,
          fits: (s) => !r.clientId || !s.clientId || s.clientId === r.clientId,
          resume: (t) => {
            keeper.replace({ accessToken: t });
            tokenSinks.forEach((f) => f(t));
          },
        },
  };

  const depth = dhanDepth({
    ctx,
    clientId,
    token: () => history.opts.accessToken,
    refs,
    idOf: (segment, securityId) => idOf.get(key(segName(segment), securityId)),
    venue,
    warn: (t) => {
      // The APP-token caveat, the first time a 200-level feed opens on a token not warned about.
      for (const w of dhanTokenWarnings(t, { depth200: true })) {
        if (warned.has(w)) continue;
        warned.add(w);
        ctx.notice(w);
      }
    },
  });
  tokenSinks.push(depth.setAccessToken);
  opened.depth = depth.control;
  const levels = r.depth as 20 | 200 | undefined;
  if (!levels) return opened;
  const cap = DHAN_DEPTH.find((d) => d.levels === levels)?.maxInstruments ?? 0;
  const eligible = refs.filter((x) => depth.control.refusal(x.id) === null);
  if (eligible.length > cap) ctx.notice(`depth ${levels}: ${eligible.length} instruments asked for, Dhan allows ${cap}; recording the first ${cap} (choose others in the ladder)`);
  for (const x of eligible.slice(0, cap)) await depth.control.set(x.id, levels);
  return opened;
}

/** The segments with full market depth (specs/dhan.md §1.1). */
const DEPTH_SEGMENTS = new Set(['NSE_EQ', 'NSE_FNO']);

/**
 * Full depth per instrument: a 20-level and a 200-level feed, each opened when it first gets an
 * instrument (a simulated venue's depth server started then, for every instrument it may be asked
 * for), within has.depth's limits. Sides of an instrument no longer on a feed (in flight, or a
 * server that ignores the unsubscribe) are dropped, so the journal holds only what is assigned.
 */
function dhanDepth(o: {
  ctx: FeedContext;
  clientId: string;
  token: () => string;
  refs: readonly DhanRef[];
  idOf: (segment: number, securityId: number) => number | undefined;
  venue: DhanSimVenue | null;
  warn: (token: string) => void;
}): { control: DepthControl; setAccessToken: (t: string) => void } {
  const { ctx, refs } = o;
  const byId = new Map(refs.map((x) => [x.id, x]));
  const nameOf = (id: number) => {
    const ins = ctx.journal.instrument(id);
    return ins ? `${ins.exchange}:${ins.symbol}` : `#${id}`;
  };
  const slots = new DepthSlots('Dhan', DHAN_DEPTH, nameOf);
  const feeds = new Map<number, DhanDepthFeed>();
  let root: Promise<string | undefined> | null = null;
  let stopped = false;
  ctx.onStop(() => {
    stopped = true;
    for (const f of feeds.values()) f.stop();
  });
  const refusal = (id: number): string | null => {
    const x = byId.get(id);
    if (!x) return `${nameOf(id)} is not recorded in this session: record it (--instruments) to give it full depth`;
    if (!DEPTH_SEGMENTS.has(x.segment)) return `Dhan streams full depth for NSE cash and F&O only (NSE_EQ, NSE_FNO); ${nameOf(id)} is in ${x.segment}`;
    return null;
  };
  const refOf = (x: DhanRef) => ({ securityId: x.securityId, segment: x.segment });
  const feedOf = async (levels: 20 | 200): Promise<DhanDepthFeed> => {
    const have = feeds.get(levels);
    if (have) return have;
    root ??= o.venue
      ? (() => {
          // One depth server for both feeds, over the live feed's market, for every instrument that may be chosen.
          const tokenOf = new Map(o.venue.instruments.map((u) => [`${u.segment}:${u.securityId}`, u.token]));
          const list = refs.filter((x) => refusal(x.id) === null && tokenOf.has(`${x.segment}:${x.securityId}`));
          return o.venue.startDepth(list.map((x) => ({ securityId: x.securityId, segment: x.segment as 'NSE_EQ' | 'NSE_FNO', token: tokenOf.get(`${x.segment}:${x.securityId}`)! })));
        })()
      : Promise.resolve(ctx.request.wsRoot);
    const at = await root;
    if (stopped) throw new DepthRefused('the recording has stopped');
    if (levels === 200) o.warn(o.token());
    const feed = new DhanDepthFeed({
      levels,
      clientId: o.clientId,
      accessToken: o.token(),
      root: at,
      gaps: ctx.journal,
      silenceMs: ctx.request.silenceMs ?? 30_000,
      onSide: (side, ts) => {
        const id = o.idOf(side.segment, side.securityId);
        if (id !== undefined && slots.levels(id) === levels) ctx.depth(depthSnapshotOf(side, id, ts));
      },
      onState: (state, detail, conn) => ctx.onFeedState(state, detail, conn, `dhan-depth${levels}`),
    });
    feed.start();
    ctx.addFeed(feed);
    feeds.set(levels, feed);
    return feed;
  };
  const apply = async (id: number, levels: number) => {
    slots.check(id, levels, levels ? refusal(id) : null);
    const was = slots.levels(id);
    if (was === levels) return;
    const x = byId.get(id)!;
    const to = levels ? await feedOf(levels as 20 | 200) : null;
    slots.move(id, levels);
    if (was) feeds.get(was)?.unsubscribe([refOf(x)]);
    to?.subscribe([refOf(x)]);
  };
  // One change at a time, in the order asked: each sees the usage the one before left.
  let queue: Promise<unknown> = Promise.resolve();
  return {
    control: {
      levels: (id) => slots.levels(id),
      refusal,
      set: (id, levels) => {
        const run = queue.then(() => apply(id, levels));
        queue = run.catch(() => undefined);
        return run;
      },
      assigned: () => slots.assigned(),
    },
    setAccessToken: (t) => {
      for (const f of feeds.values()) f.setAccessToken(t);
    },
  };
}

/**
 * The instruments to record, from the scrip master in the journal: SEGMENT:SECURITYID
 * (NSE_EQ:1333), EXCHANGE:SYMBOL (NSE:HDFCBANK, NFO:NIFTY-Jun2026-24000-CE; indices also by
 * Kite's name, NSE:NIFTY 50), or a security id that is unique across segments. A simulated venue's
 * "all" is its whole universe.
 */
function resolveDhanRefs(ctx: FeedContext, venue: DhanSimVenue | null): DhanRef[] {
  const { journal, request: r } = ctx;
  const out: DhanRef[] = [];
  const add = (ins: Instrument) => out.push({ id: ctx.record(ins).id, securityId: Number(ins.token), segment: ins.segment, tickSize: ins.tickSize });
  if (r.instruments === 'all') {
    if (!venue) throw new Error('--broker dhan needs --instruments (e.g. NSE:HDFCBANK or NSE_EQ:1333): the scrip master is too large to record whole');
    for (const u of venue.instruments) {
      const ins = journal.instrumentBySegmentToken('dhan', u.segment, String(u.securityId));
      if (ins) add(ins);
    }
    return out;
  }
  for (const raw of r.instruments) {
    const ref = raw.trim();
    let ins = findDhanInstrument(journal, ref);
    const bySeg = DHAN_SEGMENT_REF.exec(ref);
    if (!ins && bySeg) {
      // Not in the master (or no master): record it anyway, with a default tick size.
      const segment = bySeg[1].toUpperCase();
      ctx.notice(`${segment}:${bySeg[2]} is not in Dhan's scrip master; recording it with a 0.05 tick`);
      const id = journal.upsertInstrument({ broker: 'dhan', token: bySeg[2], exchange: segment.split('_')[0], segment, symbol: `${segment}:${bySeg[2]}`, tickSize: 0.05, lotSize: 1 });
      ins = journal.instrument(id)!;
    }
    if (!ins) throw new Error(`unknown instrument "${ref}" (not in Dhan's scrip master; use EXCHANGE:SYMBOL, e.g. NSE:HDFCBANK, or SEGMENT:SECURITYID, e.g. NSE_EQ:1333)`);
    add(ins);
  }
  return out;
}
