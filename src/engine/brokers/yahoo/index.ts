// The Yahoo Finance adapter (unofficial: chart API v8 and the streamer, specs/fyers-upstox-yahoo.md
// §3): no login, no account, no instrument master — symbols say what they are (RELIANCE.NS, ^NSEI)
// and the list is built in, plus whatever a recording names. Live prices come from the streamer
// (one socket, cumulative day volume: the pipeline takes the deltas), history from the chart API.
// NSE/BSE shares and indices only: Yahoo carries no Indian futures or options. `yahooAdapter({
// venue })` is the same adapter against a simulated Yahoo (sim/yahoo).
import type { BrokerForm } from '../../../shared/brokers';
import { marketOpen } from '../../../shared/ist';
import type { Instrument } from '../../../shared/model';
import { RateLimiter } from '../rate-limit';
import { MissingCredentials, type BackfillRequest, type BrokerAdapter, type FeedContext, type MasterOptions, type OpenedFeeds, type StoreContext, type SimMarketRequest, type VenueHandle } from '../types';
import { BROKER, expiry, TOKEN_ENV, YahooSession, yahooRoots, type YahooRoots } from './auth';
import { YAHOO_CAPTURES } from './capture';
import { YahooFeed } from './feed';
import { fetchYahooHistory, RATE_PER_SECOND, YAHOO_HISTORY_INTERVALS, YAHOO_MAX_DAYS } from './history';
import { builtInListings, findOrAddYahooInstrument, findYahooInstrument, symbolListUrl, YAHOO_MASTER, type YahooListing } from './instruments';
import { pricingToTick } from './normalize';
import { YAHOO_ERRORS } from './rest';

export type { YahooRoots };

/** Yahoo asks for none; a cookie may be given instead of the one fetched from fc.yahoo.com. */
export interface YahooCredentials {
  cookie?: string;
}

/** A simulated Yahoo: its hosts, and the symbols of its universe (the venue's list). */
export interface YahooSimVenue extends VenueHandle<YahooRoots, YahooCredentials> {
  readonly listings: readonly YahooListing[];
  /** The simulated market trades around the clock: silence is trouble at any hour. */
  readonly allHours: boolean;
}

export type YahooVenueFactory = (sim: SimMarketRequest) => YahooSimVenue;

/**
 * Symbols one recording subscribes. Yahoo publishes no cap; this is Tickdesk's, for one socket
 * whose whole subscription is re-sent every 15 s.
 */
export const MAX_SYMBOLS = 1000;

/** Nothing to ask: no key, no login. */
const YAHOO_FORM: BrokerForm = { title: 'Yahoo Finance', credentials: [] };

interface HistoryAt {
  restRoot: string;
  session: YahooSession;
  limiter: RateLimiter;
}

/** The symbol list into the journal, through the shared master import (once per IST day unless forced). */
function importYahooSymbols(store: StoreContext, list: readonly YahooListing[], opts: Partial<MasterOptions> = {}) {
  return store.importMaster(YAHOO_MASTER, { ...opts, url: symbolListUrl(list) });
}

/** History into the journal, refusing another broker's instrument. */
function backfillYahoo(store: StoreContext, at: HistoryAt, req: BackfillRequest) {
  const ins = req.instrument;
  return store.backfill(BROKER, (r) => fetchYahooHistory({ ...at, onPage: r.onProgress }, ins.token, r.interval, r.from, r.to), req);
}

const unknownRef = (ref: string) =>
  new Error(`unknown instrument "${ref}" (use a Yahoo symbol, e.g. RELIANCE.NS, RELIANCE.BO, ^NSEI, or NSE:RELIANCE; Yahoo has no Indian futures or options)`);

export function yahooAdapter(o: { id?: string; name?: string; venue?: YahooVenueFactory; symbols?: readonly string[] } = {}): BrokerAdapter {
  const simulated = !!o.venue;
  const extra = (o.symbols ?? []).map((symbol) => ({ symbol }));
  return {
    id: o.id ?? BROKER,
    name: o.name ?? 'Yahoo Finance',
    protocol: BROKER,
    simulated,
    has: {
      // One stream whatever is asked: last price, cumulative day volume, day OHLC, previous close
      // (and a best bid/ask when Yahoo sends one). No depth.
      live: { modes: ['quote'], maxInstruments: MAX_SYMBOLS, all: simulated },
      depth: [],
      history: { intervals: YAHOO_HISTORY_INTERVALS, maxDaysPerRequest: YAHOO_MAX_DAYS, ratePerSecond: RATE_PER_SECOND },
      // Yahoo publishes no master: the symbol list is Tickdesk's own (instruments.ts).
      master: false,
      login: simulated ? ['none'] : [],
    },
    form: YAHOO_FORM,
    errors: YAHOO_ERRORS,
    ...(simulated ? {} : { captures: YAHOO_CAPTURES }),
    instrumentsHint: '(Yahoo symbols or EXCHANGE:SYMBOL, e.g. RELIANCE.NS,RELIANCE.BO,^NSEI,NSE:INFY): NSE/BSE shares and indices; Yahoo has no Indian futures or options',
    auth: {
      tokenEnv: TOKEN_ENV,
      expiry,
      // There are no Yahoo sessions to adopt.
      adopt: () => null,
    },
    master: {
      import: (store, _at, opts) => importYahooSymbols(store, [...builtInListings(), ...extra], opts),
    },
    resolve: findYahooInstrument,
    openFeeds: (ctx) => openYahooFeeds(ctx, o.venue, extra),
    async openHistory(store, h, stops) {
      let roots = yahooRoots(h.restRoot);
      let cookie = h.credentials.accessToken;
      let list: YahooListing[] = [...builtInListings(), ...extra];
      if (o.venue) {
        const venue = o.venue({ ticksPerSecond: 1 });
        stops.push(() => venue.stop());
        const started = await venue.start();
        ({ roots } = started);
        cookie = started.credentials.cookie;
        list = [...venue.listings, ...extra];
      }
      await importYahooSymbols(store, list, { force: simulated });
      const ins = findOrAddYahooInstrument(store.journal, h.ref);
      if (!ins) throw new MissingCredentials(unknownRef(h.ref).message);
      const at: HistoryAt = { restRoot: roots.rest, session: new YahooSession({ roots, cookie }), limiter: new RateLimiter(RATE_PER_SECOND) };
      return { ins, run: (req) => backfillYahoo(store, at, req) };
    },
  };
}

/** The symbol list (a simulator's every start), the instruments asked for, the streamer. */
async function openYahooFeeds(ctx: FeedContext, venueOf: YahooVenueFactory | undefined, extra: readonly YahooListing[]): Promise<OpenedFeeds> {
  const { journal, request: r } = ctx;
  let roots = yahooRoots(r.restRoot, r.wsRoot);
  let cookie = r.accessToken;
  let list: YahooListing[] = [...builtInListings(), ...extra];
  let venue: YahooSimVenue | undefined;
  if (venueOf) {
    const v = (venue = venueOf({ ...r.sim, ticksPerSecond: r.sim?.ticksPerSecond ?? 1000, seed: r.sim?.seed ?? Date.now() % 1e9 }));
    ctx.onStop(() => v.stop());
    const started = await v.start();
    ({ roots } = started);
    cookie = started.credentials.cookie;
    list = [...v.listings, ...extra];
  }
  await ctx.master(async (force) => {
    const res = await importYahooSymbols(ctx, list, { force: force || !!venue, onProgress: ctx.onMasterProgress });
    if (res.imported && !venue) ctx.notice(`Yahoo symbols: ${res.rows} listed${res.skipped ? `, ${res.skipped} unreadable skipped` : ''}`);
  });

  const wanted: Instrument[] = [];
  if (r.instruments === 'all') {
    if (!venue) throw new Error('--broker yahoo needs --instruments (e.g. RELIANCE.NS,^NSEI): Yahoo has no list of everything it carries');
    for (const l of list) {
      const ins = findYahooInstrument(journal, l.symbol);
      if (ins) wanted.push(ins);
    }
  } else
    for (const ref of r.instruments) {
      const ins = findOrAddYahooInstrument(journal, ref);
      if (!ins) throw unknownRef(ref);
      wanted.push(ins);
    }
  const idBySymbol = new Map<string, number>();
  for (const ins of wanted) idBySymbol.set(ctx.record(ins).token, ins.id);
  if (idBySymbol.size > MAX_SYMBOLS) throw new Error(`${idBySymbol.size} symbols asked for: Tickdesk records at most ${MAX_SYMBOLS} from Yahoo`);

  // Silence means trouble only while the market of what is recorded is open: NSE/BSE hours for
  // Indian listings; other listings (AAPL, USDINR=X) have hours this does not know, so never.
  const indian = wanted.some((i) => i.exchange === 'NSE' || i.exchange === 'BSE');
  const trading = venue?.allHours ? () => true : indian ? () => marketOpen(Date.now()) : () => false;
  const feed = new YahooFeed({
    wsRoot: roots.ws,
    gaps: journal,
    silenceMs: r.silenceMs ?? 60_000,
    trading,
    onFrame: ctx.capture,
    onMessage: (p, ts) => {
      const id = idBySymbol.get(p.id);
      const t = id === undefined ? null : pricingToTick(p, id, ts);
      if (t) ctx.ingest(t);
    },
    onState: (state, detail, conn) => ctx.onFeedState(state, detail, conn, BROKER),
  });
  feed.subscribe([...idBySymbol.keys()]);
  feed.start();
  ctx.addFeed(feed);

  const at: HistoryAt = { restRoot: roots.rest, session: new YahooSession({ roots, cookie }), limiter: new RateLimiter(RATE_PER_SECOND) };
  return {
    instruments: idBySymbol.size,
    venue,
    history: {
      broker: BROKER,
      opts: { accessToken: cookie ?? '', restRoot: roots.rest },
      backfill: (req) => backfillYahoo(ctx, at, req),
    },
    // Nothing to log in to, no session to watch.
    loginTarget: null,
  };
}
