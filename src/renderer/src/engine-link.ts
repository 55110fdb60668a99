// Owns the engine connection: connects (with retry), keeps quotes subscribed for the watchlist,
// watches the selected instrument (loading its history when the journal has little), routes events
// into the store and live data, and says when what the page shows stops being live: the engine
// gone or silent, or a server that refuses this page's token.
import type { Bar, RequestParams } from '../../shared/api';
import type { BrokerInfo } from '../../shared/brokers';
import type { CandleInterval, Instrument } from '../../shared/model';
import { BridgeClient, connect, pageToken, serverAnswers } from './bridge/client';
import { useApp } from './store/app';
import { live } from './store/live';

/** The engine sends its status every second: this long without a word means it is not responding. */
export const SILENT_AFTER_MS = 3000;
/** Fewer bars than this in the journal on open: fetch the broker's history for the chart. */
const HISTORY_BARS = 300;
/** Instrument/interval pairs whose history was fetched (or refused) in this page's life. */
const historyTried = new Set<string>();

let client: BridgeClient | null = null;
let watchKey = '';
let subscribed = new Set<number>();

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
    useApp.getState().applyQuotes(r.quotes);
  }
}

async function syncWatch(): Promise<void> {
  const c = client;
  const { selectedId, interval } = useApp.getState();
  if (!c || c.closed || selectedId === null) return;
  const key = `${selectedId}/${interval}`;
  if (key === watchKey) return;
  watchKey = key;
  const r = await c.request('watch', { instrumentId: selectedId, interval });
  if (watchKey !== key) return; // superseded while in flight
  live.pushBars(r.candles, true);
  live.setDepth(r.depth);
  live.resetTape(r.tape);
  // A chart that would open with a few candles: the broker's history, then watch again (progress).
  if (r.candles.length < HISTORY_BARS && interval !== '1s' && !historyTried.has(key)) {
    historyTried.add(key);
    c.request('backfill', { instrumentId: selectedId, interval }).catch(() => undefined); // no history here: the journal's is all
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

function attach(c: BridgeClient): void {
  c.on('quotes', (qs) => useApp.getState().applyQuotes(qs));
  c.on('status', (s) => useApp.getState().setStatus(s));
  c.on('candles', (e) => {
    const { selectedId, interval } = useApp.getState();
    if (e.instrumentId === selectedId && e.interval === interval) live.pushBars(e.bars, false);
  });
  c.on('depth', (d) => {
    if (d.instrumentId === useApp.getState().selectedId) live.setDepth(d);
  });
  c.on('progress', (p) => {
    useApp.getState().setProgress(p);
    // A finished backfill of what the chart shows: load the chart again, history included.
    const { selectedId, interval, instruments } = useApp.getState();
    const ins = selectedId !== null ? instruments[selectedId] : undefined;
    if (p.task === 'backfill' && p.done && !p.error && ins && p.label === `${ins.exchange}:${ins.symbol} ${interval}`) {
      watchKey = '';
      void syncWatch();
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
  useApp.subscribe((s, prev) => {
    if (s.watchlist !== prev.watchlist) void syncSubscriptions();
    if (s.selectedId !== prev.selectedId || s.interval !== prev.interval) void syncWatch();
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
      attach(c);
      const closed = new Promise<void>((r) => c.on('close', () => r()));
      useApp.getState().setConnection('connected');
      delay = 500;
      // Instruments may have new ids after an engine restart: refresh what the watchlist shows.
      const st = useApp.getState();
      // A first start (no list holds anything) gets a few instruments; a list emptied on purpose stays empty.
      if (st.lists.every((l) => l.ids.length === 0)) await seedWatchlist(c);
      await syncSubscriptions();
      await syncWatch();
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

/** Fetches the broker's history for the chart's instrument and interval; progress arrives as events. */
export async function backfillChart(): Promise<string | null> {
  const { selectedId, interval } = useApp.getState();
  if (!client || client.closed || selectedId === null) return 'not connected';
  try {
    await client.request('backfill', { instrumentId: selectedId, interval });
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
