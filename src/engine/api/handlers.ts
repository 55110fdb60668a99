// The Engine API as one typed map: a handler for every Method, its validated parameters in, its
// Responses type out. The map's type is the proof: a method without a handler, or a handler that
// answers another shape, does not compile, and nothing between the bridge and a handler needs a
// cast. Handlers read and answer; per-page streaming is the bridge's (bridge/page-coalescer.ts).
import type { Method, Quote, Responses, ValidParams } from '../../shared/api';
import { INTERVAL_SECONDS, type CandleInterval, type Instrument, type Tick } from '../../shared/model';
import { buildChain, type ChainSide as AnalyticsSide } from '../analytics/chain';
import { PreviousOi } from '../analytics/prev-oi';
import { nextSessionStart, sessionStart } from '../analytics/session';
import { SessionVolumeCache } from '../store/journal/session-reads';
import { brokerInfo } from '../brokers/catalog';
import type { BrokerAdapter } from '../brokers/types';
import { brokerIds, brokers, findBroker } from '../brokers/registry';
import { optionChain, optionUnderlyings, spotInstrument } from '../instruments/option-chain';
import type { Recorder } from '../recorder';
import { toDepth, toTrade } from './convert';
import { EngineError } from './errors';
import type { PageInterest } from './page';
import type { EngineService } from './service';

/**
 * The registry's adapter of this id: the schema took any well-formed id (a broker is listed
 * nowhere but the registry), so one the engine does not have is refused here.
 */
function registered(id: string): BrokerAdapter {
  const a = findBroker(id);
  if (!a) throw new EngineError('bad-request', `unknown broker "${id}" (${brokerIds().join(', ')})`);
  return a;
}

/** One method's handler: the page that asked, and the parameters its schema let through. */
export type Handler<M extends Method> = (page: PageInterest, params: ValidParams<M>) => Responses[M] | Promise<Responses[M]>;

/** Every method of the Engine API, each handled with its own types. */
export type EngineHandlers = { readonly [M in Method]: Handler<M> };

/** Intervals some registered broker's history has (no 1s candles anywhere). */
const historyIntervals = () => new Set<CandleInterval>(brokers().flatMap((b) => b.has.history.intervals));

type Journal = Recorder['journal'];

/** `limit` bars of the chart ending at `to` (default: now), recorded candles joined to history. */
function chartBars(journal: Journal, instrumentId: number, interval: CandleInterval, from: number | undefined, to: number | undefined, limit: number) {
  journal.flush(); // everything already published is then in the journal: no gap at the seam
  const hi = to ?? Date.now() + 60_000;
  // `limit` bars, not `limit` intervals of time: history has nights and weekends in it.
  const stored = from === undefined ? journal.storedCandleStart(instrumentId, interval, hi, limit) : undefined;
  const lo = from ?? Math.min(hi - limit * INTERVAL_SECONDS[interval] * 1000, stored ?? Infinity);
  return journal.chartCandles(instrumentId, interval, lo, hi).slice(-limit);
}

export function engineHandlers(engine: EngineService): EngineHandlers {
  // The previous session's closing OI (the change in OI's base): the broker's value, else the
  // journal's (read once per option per session), else the simulator's (analytics/prev-oi.ts).
  const previousOi = new PreviousOi({
    broker: (id) => engine.lastTick(id)?.prevOi,
    journal: (ids, from, to) => engine.journal.lastOiBetween(ids, from, to),
    sim: (ins) => engine.simulatedPreviousOi(ins),
  });
  // The session's volume at price per instrument, read on from where the last answer left off.
  const sessionVolume = new SessionVolumeCache();
  return {
    status: () => engine.status(),

    brokers: () => brokers().map(brokerInfo),

    searchInstruments: (_page, { query, limit }) => engine.index.search(query, limit),

    getInstrument: (_page, { instrumentId }) => engine.instrument(instrumentId),

    subscribe: (page, { instrumentIds }) => {
      for (const id of instrumentIds) engine.instrument(id);
      page.subscribe(instrumentIds);
      const quotes = instrumentIds.map((id) => engine.quote(id)).filter((q): q is Quote => !!q);
      return { subscribed: instrumentIds, quotes };
    },

    unsubscribe: (page, { instrumentIds }) => {
      page.unsubscribe(instrumentIds);
      return { unsubscribed: instrumentIds };
    },

    getCandles: (_page, { instrumentId, interval, from, to, limit }) => {
      engine.instrument(instrumentId);
      return chartBars(engine.journal, instrumentId, interval, from, to, limit);
    },

    watch: (page, { instrumentId, interval, limit }) => {
      engine.instrument(instrumentId);
      const candles = chartBars(engine.journal, instrumentId, interval, undefined, undefined, limit);
      const full = engine.fullBook(instrumentId);
      page.watch({ instrumentId, interval, lastBar: candles.at(-1) ?? null, fullDepth: full !== null });
      const last = engine.lastTick(instrumentId);
      const tape = engine.journal
        .ticks(instrumentId, Date.now() - 60_000, Date.now() + 60_000)
        .filter((t) => t.volDelta !== 0)
        .slice(-50)
        .map(toTrade);
      const depth = full ?? (last ? toDepth(last) : null);
      return { instrumentId, interval, candles, depth, tape };
    },

    unwatch: (page) => {
      page.unwatch();
      return { ok: true };
    },

    charts: (page, { streams, limit }) => {
      for (const s of streams) engine.instrument(s.instrumentId); // an unknown instrument refuses the whole set
      const answered = streams.map((s) => ({ ...s, candles: chartBars(engine.journal, s.instrumentId, s.interval, undefined, undefined, limit) }));
      page.charts(answered.map((s) => ({ instrumentId: s.instrumentId, interval: s.interval, lastBar: s.candles.at(-1) ?? null })));
      return { streams: answered };
    },

    volumeAtPrice: (_page, { instrumentId }) => {
      const ins = engine.instrument(instrumentId);
      // Everything published is then in the journal: the seam (the largest cumulative volume read)
      // is the last trade the page needs no more of; the live tape continues after it.
      engine.journal.flush();
      const now = Date.now();
      const from = sessionStart(now);
      const v = engine.journal.sessionVolume(sessionVolume, instrumentId, from, ins.tickSize);
      return { instrumentId, from, until: nextSessionStart(now), tickSize: ins.tickSize, ...v };
    },

    setDepth: (_page, { instrumentId, levels }) => engine.setDepth(instrumentId, levels),

    depthOf: (_page, { instrumentId }) => engine.depthOf(instrumentId),

    getTicks: (_page, { instrumentId, from, to, limit }) => {
      engine.instrument(instrumentId);
      engine.journal.flush();
      const hi = to ?? Date.now() + 60_000;
      const lo = from ?? hi - 3_600_000;
      return engine.journal.ticks(instrumentId, lo, hi).slice(-limit).map(toTrade);
    },

    backfill: (_page, { instrumentId, interval, days }) => {
      if (!historyIntervals().has(interval)) throw new EngineError('bad-request', `no broker history at ${interval}`);
      return engine.startBackfill(instrumentId, interval, days);
    },

    loginStart: (_page, { broker, apiSecret }) => engine.loginStart(registered(broker).id, apiSecret),

    loginToken: (_page, { broker, accessToken }) => {
      const a = registered(broker);
      if (!a.has.login.includes('pasted-token')) throw new EngineError('bad-request', `${a.name} takes no pasted access token`);
      return engine.loginToken(accessToken);
    },

    refreshInstruments: () => engine.refreshInstruments(),

    optionUnderlyings: () => optionUnderlyings(engine.index.list()),

    optionChain: (_page, { underlying, exchange, expiry, around, model, rate }) => {
      const u = underlying.toUpperCase();
      const all = engine.index.list();
      const spotIns = spotInstrument(all, u, exchange);
      const spot = spotIns ? (engine.quote(spotIns.id)?.ltp ?? null) : null;
      const chain = optionChain(all, { underlying: u, exchange, expiry, around, spot });
      // IV, Greeks, PCR and max pain over the whole expiry, from the latest ticks (analytics/chain.ts).
      const wanted = all.filter((i) => i.expiry === expiry && i.exchange === exchange && (i.underlying ?? i.name ?? '').toUpperCase() === u);
      const ticks = new Map<number, Tick>();
      for (const i of [...wanted, ...(spotIns ? [spotIns] : [])]) {
        const t = engine.lastTick(i.id);
        if (t) ticks.set(i.id, t);
      }
      const prev = previousOi.of(wanted);
      const prevOis = new Map([...prev].map(([id, p]) => [id, p.oi]));
      const full = buildChain(wanted, ticks, { underlying: u, exchange, model, rate, spotId: spotIns?.id }, Date.now(), prevOis).find((e) => e.expiry === expiry);
      const analyticsOf = new Map<number, AnalyticsSide>();
      for (const r of full?.rows ?? []) for (const s of [r.ce, r.pe]) if (s) analyticsOf.set(s.instrumentId, s);
      const side = (i: Instrument | undefined) => {
        if (!i) return undefined;
        const q = engine.quote(i.id);
        const a = analyticsOf.get(i.id);
        return {
          instrument: i,
          ltp: q?.ltp,
          oi: q?.oi,
          ...(a ? { change: a.change, bid: a.bid, ask: a.ask, volume: a.volume, iv: a.iv, ivReason: a.ivReason, greeks: a.greeks, itm: a.itm } : {}),
          oiChange: a?.oiChange ?? null,
          prevOi: prev.get(i.id)?.oi ?? null,
          prevOiFrom: prev.get(i.id)?.from ?? null,
        };
      };
      const analytics = full
        ? { model: full.model, priceFrom: full.priceFrom, underlyingPrice: full.underlyingPrice, rate: full.rate, years: full.years, pcrOi: full.pcrOi, pcrVolume: full.pcrVolume, maxPain: full.maxPain, ceOiChange: full.ceOiChange, peOiChange: full.peOiChange, pcrOiChange: full.pcrOiChange, oiChangeKnown: full.oiChangeKnown, oiSides: full.oiSides }
        : null;
      return { underlying: u, exchange, expiry, spot, atm: chain.atm, rows: chain.rows.map((r) => ({ strike: r.strike, ce: side(r.ce), pe: side(r.pe) })), analytics };
    },
  };
}
