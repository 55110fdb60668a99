// Owns the engine connection: connects (with retry), keeps quotes subscribed for the watchlist,
// watches the selected instrument (loading its history when the journal has little), streams the
// candles of the grid's other charts, routes events into the store and live data, and says when
// what the page shows stops being live: the engine gone or silent, or a server that refuses this
// page's token.
import type { Bar, Quote, RequestParams } from '../../shared/api';
import type { BrokerInfo } from '../../shared/brokers';
import type { CandleInterval, Instrument } from '../../shared/model';
import { BridgeClient, connect, pageToken, serverAnswers } from './bridge/client';
import { noteMessage } from './frame';
import { useApp } from './store/app';
import { bindChartsToApp, keyOf, shownSlots, useCharts } from './store/charts';
import { live } from './store/live';

/** The engine sends its status every second: this long without a word means it is not responding. */
export const SILENT_AFTER_MS = 3000;
/** Fewer bars than this in the journal on open: fetch the broker's history for the chart. */
const HISTORY_BARS = 300;
/** Instrument/interval pairs whose history was fetched (or refused) in this page's life. */
const historyTried = new Set<string>();

let client: BridgeClient | null = null;
/** The watched stream ("id/interval"), and the other charts' streams asked of the engine. */
let watchKey = '';
let chartsKey = '';
let chartStreams = new Set<string>();
/** Streams whose history changed (a backfill finished): drawn afresh when it comes. */
const reload = new Set<string>();
/** Streams answered on this connection: the first answer after a (re)connect is drawn afresh too. */
let answered = new Set<string>();
let subscribed = new Set<number>();

const streamKey = (instrumentId: number, interval: CandleInterval) => `${instrumentId}/${interval}`;
function historyKind(key: string): 'history' | 'reload' {
  const first = !answered.has(key);
  answered.add(key);
  return reload.delete(key) || first ? 'reload' : 'history';
}

export function bridge(): BridgeClient | null {
  return client;
}

const DEFAULT_WATCHLIST = ['NIFTY 50', 'NIFTY BANK', 'INFY', 'RELIANCE', 'NIFTY FUT'];

async function seedWatchlist(c: BridgeClient): Promise<void> {
  const add = useApp.getState().addToWatchlist;
  for (const q of DEFAULT_WATCHLIST) {
    const [hit] = await c.request('searchInstruments', { query: q, limit: 1 });
    if (hit) add(hit);
  }
}

async function syncSubscriptions(): Promise<void> {
  const c = client;
  if (!c || c.closed) return;
  const want = new Set(useApp.getState().watchlist);
  const add = [...want].filter((id) => !subscribed.has(id));
  const drop = [...subscribed].filter((id) => !want.has(id));
  subscribed = want;
  if (drop.length) await c.request('unsubscribe', { instrumentIds: drop });
  if (add.length) {
    const r = await c.request('subscribe', { instrumentIds: add });
    applyQuotes(r.quotes);
  }
}

/** A chart that would open with a few candles: the broker's history (progress events), then its stream again. */
function historyIfShort(c: BridgeClient, instrumentId: number, interval: CandleInterval, bars: number): void {
  const key = streamKey(instrumentId, interval);
  if (bars >= HISTORY_BARS || interval === '1s' || historyTried.has(key)) return;
  historyTried.add(key);
  c.request('backfill', { instrumentId, interval }).catch(() => undefined); // no history here: the journal's is all
}

async function syncWatch(): Promise<void> {
  const c = client;
  const { selectedId, interval } = useApp.getState();
  if (!c || c.closed || selectedId === null) return;
  const key = streamKey(selectedId, interval);
  if (key === watchKey) return;
  watchKey = key;
  let r;
  try {
    r = await c.request('watch', { instrumentId: selectedId, interval });
  } catch {
    if (watchKey === key) watchKey = ''; // an id the engine no longer knows: the chart's key is resolved again
    return;
  }
  if (watchKey !== key) return; // superseded while in flight
  live.pushBars({ instrumentId: selectedId, interval, bars: r.candles, kind: historyKind(key) });
  live.setDepth(r.depth);
  live.resetTape(r.tape);
  historyIfShort(c, selectedId, interval, r.candles.length);
}

/** The grid's charts other than the watched one: each instrument and interval streamed once. */
function wantedCharts(): Array<{ instrumentId: number; interval: CandleInterval }> {
  const { selectedId, interval } = useApp.getState();
  const watched = selectedId !== null ? streamKey(selectedId, interval) : '';
  const seen = new Set([watched]);
  const out: Array<{ instrumentId: number; interval: CandleInterval }> = [];
  for (const s of shownSlots(useCharts.getState())) {
    if (s.instrumentId === null || seen.has(streamKey(s.instrumentId, s.interval))) continue;
    seen.add(streamKey(s.instrumentId, s.interval));
    out.push({ instrumentId: s.instrumentId, interval: s.interval });
  }
  return out;
}

async function syncCharts(): Promise<void> {
  const c = client;
  if (!c || c.closed) return;
  const streams = wantedCharts();
  const key = streams.map((s) => streamKey(s.instrumentId, s.interval)).join(',');
  chartStreams = new Set(streams.map((s) => streamKey(s.instrumentId, s.interval)));
  live.keepStreams(new Set([...chartStreams, watchKey]));
  if (key === chartsKey) return;
  chartsKey = key;
  let r;
  try {
    r = await c.request('charts', { streams });
  } catch {
    if (chartsKey === key) chartsKey = ''; // asked again after the next change (an id resolved anew)
    return;
  }
  if (chartsKey !== key) return; // superseded while in flight
  for (const s of r.streams) {
    live.pushBars({ instrumentId: s.instrumentId, interval: s.interval, bars: s.candles, kind: historyKind(streamKey(s.instrumentId, s.interval)) });
    historyIfShort(c, s.instrumentId, s.interval, s.candles.length);
  }
}

let syncQueued = false;
/** The watch and the charts' streams brought in line once the store changes of this turn are done. */
function syncStreams(): void {
  if (syncQueued) return;
  syncQueued = true;
  queueMicrotask(() => {
    syncQueued = false;
    void syncWatch();
    void syncCharts();
  });
}

const resolving = new Set<string>();

/** An instrument as the engine knows it now: by id when that id is still the same EXCHANGE:SYMBOL, else by the key. */
async function findInstrument(c: BridgeClient, instrumentId: number | null, key: string | null): Promise<Instrument | null> {
  if (instrumentId !== null) {
    const ins = await c.request('getInstrument', { instrumentId }).catch(() => null);
    if (ins && (!key || keyOf(ins) === key)) return ins;
  }
  if (!key) return null;
  const at = key.indexOf(':');
  const [exchange, symbol] = [key.slice(0, at), key.slice(at + 1)];
  const hits = await c.request('searchInstruments', { query: symbol, limit: 50 }).catch(() => []);
  return hits.find((h) => h.exchange === exchange && h.symbol === symbol) ?? null;
}

/**
 * Charts whose instrument this page has no details of (a restored layout, an engine restarted with
 * new ids): found again by EXCHANGE:SYMBOL, and their details kept for the caption and the price format.
 */
async function resolveCharts(): Promise<void> {
  const c = client;
  if (!c || c.closed) return;
  const slots = shownSlots(useCharts.getState());
  for (let i = 0; i < slots.length; i++) {
    const { instrumentId, key } = slots[i];
    const known = instrumentId !== null ? useApp.getState().instruments[instrumentId] : undefined;
    if (known && (!key || keyOf(known) === key)) {
      if (!key) useCharts.getState().setInstrument(i, instrumentId, keyOf(known));
      continue;
    }
    const what = `${instrumentId}|${key}`;
    if ((instrumentId === null && !key) || resolving.has(what)) continue;
    resolving.add(what);
    try {
      const ins = await findInstrument(c, instrumentId, key);
      if (!ins) continue;
      useApp.setState((s) => ({ instruments: { ...s.instruments, [ins.id]: ins } }));
      const now = useCharts.getState().slots[i];
      if (now.instrumentId === instrumentId && now.key === key) useCharts.getState().setInstrument(i, ins.id, keyOf(ins));
    } finally {
      resolving.delete(what);
    }
  }
}

/**
 * Bars before `beforeSec` from the journal, for a chart scrolled to its left edge; [] when there
 * are none (or no engine).
 */
export async function olderCandles(instrumentId: number, interval: CandleInterval, beforeSec: number, limit = 1000): Promise<Bar[]> {
  const c = client;
  if (!c || c.closed) return [];
  try {
    return await c.request('getCandles', { instrumentId, interval, to: beforeSec * 1000 - 1, limit });
  } catch {
    return [];
  }
}

/** Quotes into the store (sorting, the keyboard) and straight into the watchlist's cells (live.ts). */
function applyQuotes(qs: Quote[]): void {
  useApp.getState().applyQuotes(qs);
  live.pushQuotes(qs);
}

function attach(c: BridgeClient): void {
  c.onReceive = noteMessage;
  c.on('quotes', applyQuotes);
  c.on('status', (s) => useApp.getState().setStatus(s));
  c.on('candles', (e) => {
    const key = streamKey(e.instrumentId, e.interval);
    if (key === watchKey || chartStreams.has(key)) live.pushBars({ ...e, kind: 'update' });
  });
  c.on('depth', (d) => {
    if (d.instrumentId === useApp.getState().selectedId) live.setDepth(d);
  });
  c.on('progress', (p) => {
    useApp.getState().setProgress(p);
    // A finished backfill of what a chart shows: load that chart again, history included.
    if (p.task !== 'backfill' || !p.done || p.error) return;
    const { instruments } = useApp.getState();
    const labelOf = (key: string) => {
      const [id, interval] = key.split('/');
      const ins = instruments[Number(id)];
      return ins ? `${keyOf(ins)} ${interval}` : '';
    };
    if (watchKey && p.label === labelOf(watchKey)) {
      reload.add(watchKey);
      watchKey = '';
      void syncWatch();
    }
    const again = [...chartStreams].filter((k) => p.label === labelOf(k));
    if (again.length) {
      for (const k of again) reload.add(k);
      chartsKey = '';
      void syncCharts();
    }
  });
  c.on('tape', (t) => {
    if (t.instrumentId === useApp.getState().selectedId) live.addTrades(t.trades);
  });
}

/** Marks the engine silent when nothing came for SILENT_AFTER_MS, and live again when it speaks. */
function watchSilence(): void {
  setInterval(() => {
    const c = client;
    const st = useApp.getState();
    if (!c || c.closed || st.connection !== 'connected') return;
    const quiet = Date.now() - c.lastReceived > SILENT_AFTER_MS;
    if (quiet && st.silentSince === null) {
      st.heard(c.lastReceived);
      st.setSilent(c.lastReceived);
    } else if (!quiet && st.silentSince !== null) st.setSilent(null);
  }, 500);
}

/** What to tell a user whose page the server refuses (a browser page; the desktop has no token). */
function refusedMessage(): string {
  const where = location.host;
  return pageToken()
    ? `The server at ${where} refuses this page's token: it was restarted and has a new one. Open the URL it printed ("Tickdesk UI: http://${where}/?token=…").`
    : `This page has no token: open the URL that tickdesk serve printed ("Tickdesk UI: http://${where}/?token=…").`;
}

/** Connects and reconnects forever, with backoff; resubscribes and rewatches after each reconnect. */
export async function connectEngine(): Promise<void> {
  let delay = 500;
  let refusals = 0;
  // The focused chart is the selection: the two stores agree before anything is asked of the engine.
  bindChartsToApp(useApp);
  useApp.subscribe((s, prev) => {
    if (s.watchlist !== prev.watchlist) void syncSubscriptions();
    if (s.selectedId !== prev.selectedId || s.interval !== prev.interval) syncStreams();
  });
  useCharts.subscribe((s, prev) => {
    if (s.slots === prev.slots && s.grid === prev.grid) return;
    void resolveCharts();
    syncStreams();
  });
  watchSilence();
  for (;;) {
    useApp.getState().setConnection('connecting');
    let c: BridgeClient;
    try {
      c = await connect();
    } catch (e) {
      useApp.getState().setConnection('disconnected', (e as Error).message);
      // The page loads but the bridge is refused, twice running: the token is not this server's.
      if (await serverAnswers()) {
        refusals++;
        delay = 1000; // the server is up: ask again soon, to be sure it is the token
      } else refusals = 0;
      if (refusals >= 2 && !useApp.getState().refused) useApp.getState().setRefused(refusedMessage());
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(useApp.getState().refused ? 30_000 : 10_000, delay * 2);
      continue;
    }
    refusals = 0;
    try {
      client = c;
      subscribed = new Set();
      watchKey = '';
      chartsKey = '';
      answered = new Set();
      attach(c);
      const closed = new Promise<void>((r) => c.on('close', () => r()));
      useApp.getState().setConnection('connected');
      delay = 500;
      // Instruments may have new ids after an engine restart: refresh what the watchlist shows.
      const st = useApp.getState();
      // A first start (no list holds anything) gets a few instruments; a list emptied on purpose stays empty.
      if (st.lists.every((l) => l.ids.length === 0)) await seedWatchlist(c);
      await syncSubscriptions();
      await resolveCharts();
      await syncWatch();
      await syncCharts();
      await closed;
      useApp.getState().heard(c.lastReceived);
      useApp.getState().setConnection('disconnected', 'engine connection closed');
    } catch (e) {
      useApp.getState().heard(c.lastReceived);
      useApp.getState().setConnection('disconnected', (e as Error).message);
      c.close();
    }
    client = null;
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(10_000, delay * 2);
  }
}

export async function searchInstruments(query: string): Promise<Instrument[]> {
  if (!client || client.closed || !query.trim()) return [];
  return client.request('searchInstruments', { query, limit: 30 });
}

/** Fetches the broker's history for a chart's instrument and interval; progress arrives as events. */
export async function backfillChart(instrumentId: number | null, interval: CandleInterval): Promise<string | null> {
  if (!client || client.closed || instrumentId === null) return 'not connected';
  try {
    await client.request('backfill', { instrumentId, interval });
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/** The engine's brokers with their capabilities and form fields (what the login and connect forms show). */
export async function brokerList(): Promise<BrokerInfo[]> {
  if (!client || client.closed) throw new Error('not connected to the engine');
  return client.request('brokers', {});
}

/** Starts the broker's login in the engine; returns the page to open, or throws with the reason. */
export async function loginStart(broker: RequestParams<'loginStart'>['broker'], apiSecret?: string): Promise<string> {
  if (!client || client.closed) throw new Error('not connected to the engine');
  const r = await client.request('loginStart', apiSecret ? { broker, apiSecret } : { broker });
  return r.url;
}

/** Hands a pasted access token to the engine (has.login 'pasted-token'; checked with the broker there). */
export async function loginToken(broker: RequestParams<'loginToken'>['broker'], accessToken: string): Promise<void> {
  if (!client || client.closed) throw new Error('not connected to the engine');
  await client.request('loginToken', { broker, accessToken });
}

/** Downloads the broker's instrument list again; progress arrives as events. */
export async function refreshInstruments(): Promise<number> {
  if (!client || client.closed) throw new Error('not connected to the engine');
  return (await client.request('refreshInstruments', {})).instruments;
}
