import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { decodeFramePackets } from '../../brokers/kite/codec';
import { KiteSimulator } from './server';
import { kiteToken } from '../market/market';

const require = createRequire(import.meta.url);

let sim: KiteSimulator;
before(async () => {
  sim = new KiteSimulator({ ticksPerSecond: 3000, seed: 42 });
  await sim.start();
});
after(() => sim.stop());

const INFY = kiteToken(1594, 1); // 408065
const NIFTY = kiteToken(1001, 9); // 256265

function openSocket(query: string): Promise<{ ws: WebSocket; status?: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${sim.wsUrl}?${query}`);
    ws.on('open', () => resolve({ ws }));
    ws.on('unexpected-response', (_req, res) => resolve({ ws, status: res.statusCode }));
    ws.on('error', reject);
  });
}

test('the official KiteTicker connects to the simulator and receives full ticks with depth', async () => {
  const { KiteTicker } = require('kiteconnect');
  const ticker = new KiteTicker({ api_key: sim.apiKey, access_token: 'sim_access_token', root: sim.wsUrl, reconnect: false });
  const ticks: any[] = await new Promise((resolve, reject) => {
    const got: any[] = [];
    const timer = setTimeout(() => reject(new Error('no ticks within 5 s')), 5000);
    ticker.on('connect', () => {
      ticker.subscribe([INFY, NIFTY]);
      ticker.setMode(ticker.modeFull, [INFY, NIFTY]);
    });
    ticker.on('ticks', (batch: any[]) => {
      got.push(...batch);
      const modes = new Set(got.filter((t) => t.mode === 'full').map((t) => t.instrument_token));
      if (modes.has(INFY) && modes.has(NIFTY)) {
        clearTimeout(timer);
        resolve(got);
      }
    });
    ticker.on('error', reject);
    ticker.connect();
  });
  // The ticker's socket is a module global; close it directly so it never tries to reconnect.
  ticker.autoReconnect(false);
  try {
    ticker.disconnect();
  } catch {
    /* already closed */
  }
  const infy = ticks.filter((t) => t.instrument_token === INFY && t.mode === 'full').at(-1);
  assert.equal(infy.tradable, true);
  assert.equal(infy.depth.buy.length, 5);
  assert.ok(infy.depth.buy[0].price < infy.depth.sell[0].price, 'best bid below best ask');
  assert.ok(infy.exchange_timestamp instanceof Date);
  assert.ok(Math.abs(infy.exchange_timestamp.getTime() - Date.now()) < 5000);
  const nifty = ticks.find((t) => t.instrument_token === NIFTY && t.mode === 'full');
  assert.equal(nifty.tradable, false);
  assert.ok(nifty.last_price > 20000);
});

test('subscribe starts in quote mode with a snapshot; ltp mode sends only LTP changes', async () => {
  const { ws } = await openSocket('api_key=sim_api_key&access_token=sim_access_token&uid=1');
  const packets: ReturnType<typeof decodeFramePackets> = [];
  ws.on('message', (d: Buffer, bin) => bin && packets.push(...decodeFramePackets(d)));
  ws.send(JSON.stringify({ a: 'subscribe', v: [INFY] }));
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(packets[0].token, INFY);
  assert.equal(packets[0].mode, 'quote', 'new subscriptions default to quote');
  ws.send(JSON.stringify({ a: 'mode', v: ['ltp', [INFY]] }));
  await new Promise((r) => setTimeout(r, 150));
  packets.length = 0;
  await new Promise((r) => setTimeout(r, 1500));
  assert.ok(packets.length > 0);
  assert.ok(packets.every((p) => p.mode === 'ltp'));
  for (let i = 1; i < packets.length; i++) assert.notEqual(packets[i].ltp, packets[i - 1].ltp, 'ltp mode: only changes');
  ws.terminate();
});

test('idle connections get a 1-byte heartbeat about every second', async () => {
  const { ws } = await openSocket('api_key=sim_api_key&access_token=sim_access_token');
  const frames: number[] = [];
  ws.on('message', (d: Buffer) => frames.push(d.length));
  await new Promise((r) => setTimeout(r, 2300));
  ws.terminate();
  assert.ok(frames.length >= 2 && frames.length <= 3, `heartbeats: ${frames.length}`);
  assert.ok(frames.every((n) => n === 1));
});

test('bad token → HTTP 403 at upgrade; a 4th connection → HTTP 429', async () => {
  assert.equal((await openSocket('api_key=sim_api_key&access_token=nope')).status, 403);
  const open = await Promise.all([1, 2, 3].map(() => openSocket('api_key=sim_api_key&access_token=sim_access_token')));
  assert.ok(open.every((o) => o.status === undefined));
  const fourth = await openSocket('api_key=sim_api_key&access_token=sim_access_token');
  assert.equal(fourth.status, 429);
  for (const o of open) o.ws.terminate();
});

test('more than 3000 instruments on one connection: error text frame, connection stays up', async () => {
  const { ws } = await openSocket('api_key=sim_api_key&access_token=sim_access_token');
  const texts: string[] = [];
  ws.on('message', (d: Buffer, bin) => !bin && texts.push(d.toString()));
  ws.send(JSON.stringify({ a: 'subscribe', v: Array.from({ length: 3001 }, (_, i) => 1000 + i) }));
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(texts.map((t) => JSON.parse(t)), [{ type: 'error', data: "Can't subscribe to more than 3000 instruments." }]);
  assert.equal(ws.readyState, WebSocket.OPEN);
  ws.terminate();
});

test('REST: session exchange with checksum, gzipped instruments CSV, historical candles — through the official KiteConnect', async () => {
  const { KiteConnect } = require('kiteconnect');
  const kc = new KiteConnect({ api_key: sim.apiKey, root: sim.restUrl });
  const rt = sim.issueRequestToken();
  await assert.rejects(kc.generateSession(rt, 'wrong secret'), (e: any) => e.error_type === 'TokenException');
  const session = await kc.generateSession(rt, sim.apiSecret);
  assert.equal(session.api_key, sim.apiKey);
  assert.match(session.access_token, /^[0-9a-f]{32}$/);
  await assert.rejects(kc.generateSession(rt, sim.apiSecret), (e: any) => e.error_type === 'TokenException', 'request tokens are single use');

  const rows: any[] = await kc.getInstruments();
  const real = rows.filter((r) => r.instrument_token !== '');
  assert.equal(real.length, sim.market.instruments.length);
  assert.equal(rows.length - real.length, 1, "papaparse's junk row from the trailing newline");
  const infy = real.find((r) => r.tradingsymbol === 'INFY');
  assert.equal(Number(infy.instrument_token), INFY);
  assert.equal(infy.exchange, 'NSE');

  const candles = await kc.getHistoricalData(INFY, 'minute', '2026-11-20 09:15:00', '2026-11-20 09:20:00');
  assert.equal(candles.length, 6);
  assert.equal(new Date(candles[0].date).toISOString(), '2026-11-20T03:45:00.000Z');
  for (const c of candles) assert.ok(c.high >= Math.max(c.open, c.close) && c.low <= Math.min(c.open, c.close));
  await assert.rejects(kc.getHistoricalData(INFY, 'minute', '2026-01-01 09:15:00', '2026-11-20 09:20:00'), (e: any) => e.error_type === 'InputException');

  const stranger = new KiteConnect({ api_key: sim.apiKey, root: sim.restUrl });
  stranger.setAccessToken('bogus');
  await assert.rejects(stranger.getInstruments(), (e: any) => e.error_type === 'TokenException');
});
