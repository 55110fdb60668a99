// The template broker's adapter: everything the recorder, the Engine API and the CLI ask of a
// broker, over the modules of this folder. To add a broker, copy this folder to brokers/<name>,
// replace what each file's header says to replace, and give registry.ts one line. The same adapter
// runs against a simulated venue (sim/_template) when given `venue`, as `sim` is Kite's adapter
// against sim/kite.
import type { CandleInterval } from '../../../shared/model';
import { AuthError } from '../errors';
import type { AdapterJournal, BackfillRequest, BrokerAdapter, CaptureFormat, FeedContext, HistorySource, MasterFormat, MasterOptions, OpenedFeeds, StoreContext, VenueHandle } from '../types';
import { MissingCredentials } from '../types';
import { BROKER, authHeaders, expiry, TOKEN_ENV } from './auth';
import { decodeFrame, newDecodeStats } from './codec';
import { TemplateFeed } from './feed';
import { fetchTemplateHistory, RATE_PER_SECOND, TEMPLATE_INTERVALS } from './history';
import { instrumentLineParser } from './instruments';
import { templatePacketToTick } from './normalize';
import { restError, TEMPLATE_ERRORS, TEMPLATE_REST_ROOT } from './rest';

export const TEMPLATE_WS_ROOT = 'wss://ws.template.invalid/';

/** Where a (simulated) template broker answers. */
export interface TemplateRoots {
  ws: string;
  rest: string;
}

export interface TemplateCredentials {
  accessToken: string;
}

/** A simulated venue, made for a recording (its market options from FeedRequest.sim) or a backfill. */
export type TemplateVenueFactory = (sim: NonNullable<FeedContext['request']['sim']>) => VenueHandle<TemplateRoots, TemplateCredentials>;

/** How the instrument list reads, for the shared streaming import (once per IST day unless forced). */
const MASTER: MasterFormat = {
  broker: BROKER,
  title: 'template instruments',
  open: instrumentLineParser,
  httpError: (status) => restError(status, null, 'template instruments'),
};

/** `tickdesk decode template FILE`: the frames `record --capture` saved, one JSON object per packet. */
const CAPTURES: Record<string, CaptureFormat> = {
  [BROKER]: {
    describe: '{token, ltp, ltq, volume, tsExchange (ISO 8601)}',
    decoder() {
      const stats = newDecodeStats();
      return {
        decode: (frame, _tsReceived, emit) => decodeFrame(frame, (p) => emit({ ...p, tsExchange: new Date(p.tsExchange).toISOString() }), stats),
        summary: () => `decoded ${stats.frames} frames: ${stats.packets} packets, ${stats.malformedFrames} malformed`,
      };
    },
  },
};

/** Through the caller's StoreContext: brokers/ imports nothing above it (instruments/, backfill.ts, store/). */
function importInstruments(store: StoreContext, restRoot: string, accessToken: string, opts: Partial<MasterOptions>) {
  return store.importMaster(MASTER, { ...opts, url: `${restRoot}/instruments`, headers: authHeaders(accessToken) });
}

/** History into the journal, refusing another broker's instrument. */
function backfillTemplate(store: StoreContext, at: { restRoot: string; accessToken: string }, req: BackfillRequest) {
  const ins = req.instrument;
  return store.backfill(BROKER, (r) => fetchTemplateHistory({ ...at, onPage: r.onProgress }, ins.token, r.interval, r.from, r.to), req);
}

/** A token, or EXCHANGE:SYMBOL. */
const resolve = (journal: AdapterJournal, ref: string) => journal.findInstrument(/^\d+$/.test(ref) ? ref : ref.toUpperCase(), BROKER);

export function templateAdapter(o: { id?: string; name?: string; venue?: TemplateVenueFactory } = {}): BrokerAdapter {
  const simulated = !!o.venue;
  return {
    id: o.id ?? BROKER,
    name: o.name ?? 'Template broker',
    protocol: BROKER,
    simulated,
    // Capabilities as data: the recorder, the UI and the CLI read these instead of naming brokers.
    has: {
      live: { modes: ['ltp'], maxInstruments: 1000, all: simulated },
      depth: [],
      history: {
        intervals: Object.keys(TEMPLATE_INTERVALS) as CandleInterval[],
        maxDaysPerRequest: Object.fromEntries(Object.entries(TEMPLATE_INTERVALS).map(([k, v]) => [k, v.maxDays])),
        ratePerSecond: RATE_PER_SECOND,
      },
      master: true,
      // No browser login: a token from TEMPLATE_ACCESS_TOKEN. A broker with one lists 'loopback' or
      // 'oauth-popup' here and adds auth.login and a loginTarget (kite/index.ts).
      login: simulated ? ['none'] : [],
    },
    // How the UI's forms present it (its connect form's fields). A broker with a desktop login
    // popup also gives `desktop` (kite/desktop.ts).
    form: { title: 'Template broker', credentials: [{ key: 'accessToken', label: 'Access token', secret: true }] },
    errors: TEMPLATE_ERRORS,
    // Capture formats are the real broker's: a simulated venue records in the same format.
    ...(simulated ? {} : { captures: CAPTURES }),
    instrumentsHint: '(e.g. TOY:ALPHA or tokens)',
    auth: {
      tokenEnv: TOKEN_ENV,
      expiry,
      adopt: (c, s) => ({ ...c, accessToken: s.accessToken }),
    },
    master: {
      import(store, at, opts) {
        const { accessToken } = at.credentials;
        if (!accessToken) throw new MissingCredentials(`the template broker needs ${TOKEN_ENV}`);
        return importInstruments(store, at.restRoot ?? TEMPLATE_REST_ROOT, accessToken, opts ?? {});
      },
    },
    resolve,
    openFeeds: (ctx) => openFeeds(ctx, o.venue),
    async openHistory(store, h, stops) {
      let restRoot = h.restRoot ?? TEMPLATE_REST_ROOT;
      let accessToken = h.credentials.accessToken;
      if (o.venue) {
        const venue = o.venue({});
        stops.push(() => venue.stop());
        const { roots, credentials } = await venue.start();
        ({ accessToken } = credentials);
        restRoot = roots.rest;
      }
      if (!accessToken) throw new MissingCredentials(`the template broker needs ${TOKEN_ENV}`);
      await importInstruments(store, restRoot, accessToken, { force: simulated });
      const ins = resolve(store.journal, h.ref);
      if (!ins) throw new MissingCredentials(`no template instrument "${h.ref}"`);
      const at = { restRoot, accessToken };
      return { ins, run: (req) => backfillTemplate(store, at, req) };
    },
  };
}

/** The venue (simulated), the instrument list, the instruments asked for, the feed. */
async function openFeeds(ctx: FeedContext, venueOf: TemplateVenueFactory | undefined): Promise<OpenedFeeds> {
  const { journal, request: r } = ctx;
  let { accessToken, wsRoot, restRoot } = r;
  let venue: VenueHandle<TemplateRoots, TemplateCredentials> | undefined;
  if (venueOf) {
    const v = (venue = venueOf(r.sim ?? {}));
    ctx.onStop(() => v.stop());
    const { roots, credentials } = await v.start();
    ({ accessToken } = credentials);
    [wsRoot, restRoot] = [roots.ws, roots.rest];
  }
  if (!accessToken) throw new AuthError(`the template broker needs an access token (${TOKEN_ENV})`, BROKER);
  const at = { restRoot: restRoot ?? TEMPLATE_REST_ROOT, accessToken };

  // Today's instrument list (a simulator's on every start); an older one will do if the broker is down.
  let imported: number[] | undefined;
  try {
    imported = (await importInstruments(ctx, at.restRoot, accessToken, { force: !!venueOf, collectIds: true, onProgress: ctx.onMasterProgress })).ids;
  } catch (e) {
    if (e instanceof AuthError || !journal.masterImport(BROKER)) throw e;
    ctx.notice(`template instruments not refreshed (${(e as Error).message}); using the ones from ${journal.masterImport(BROKER)!.istDay}`);
  }
  const ids: number[] = [];
  if (r.instruments === 'all') ids.push(...(imported ?? journal.instruments().filter((i) => i.broker === BROKER).map((i) => i.id)));
  else
    for (const ref of r.instruments) {
      const ins = resolve(journal, ref);
      if (!ins) throw new Error(`unknown instrument "${ref}" (use a token or EXCHANGE:SYMBOL, e.g. TOY:ALPHA)`);
      ids.push(ins.id);
    }
  const idByToken = new Map<number, number>();
  for (const id of ids) idByToken.set(Number(ctx.record(journal.instrument(id)!).token), id);
  await ctx.master(async (force) => {
    const res = await importInstruments(ctx, at.restRoot, at.accessToken, { force, onProgress: ctx.onMasterProgress });
    if (res.imported) ctx.notice(`template instruments: ${res.rows} imported${res.skipped ? `, ${res.skipped} unreadable lines skipped` : ''}`);
  }, true);

  const feed = new TemplateFeed({
    wsRoot: wsRoot ?? TEMPLATE_WS_ROOT,
    accessToken,
    gaps: journal,
    silenceMs: r.silenceMs ?? 5000,
    onFrame: ctx.capture,
    onPacket: (p, ts) => {
      const id = idByToken.get(p.token);
      if (id !== undefined) ctx.ingest(templatePacketToTick(p, id, ts));
    },
    onState: (state, detail, conn) => ctx.onFeedState(state, detail, conn, BROKER),
  });
  feed.subscribe([...idByToken.keys()]);
  feed.start();
  ctx.addFeed(feed);
  const history: HistorySource = { broker: BROKER, opts: at, backfill: (req) => backfillTemplate(ctx, at, req) };
  return { instruments: idByToken.size, history, loginTarget: null, venue };
}
