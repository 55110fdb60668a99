// The simulated Yahoo on the wire, read without the adapter: the chart's column arrays (gmtoffset
// 19800, float32 prices, null bars, daily bars at the 09:15 IST open, no data as quote:[{}]), its
// error answers (plain-text 429, result:null), and the streamer's two framings and idle drop.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import WebSocket from 'ws';
import { BROWSER_USER_AGENT } from '../../brokers/yahoo/auth';
import { decodePricingData, QuoteType, subscribeMessage } from '../../brokers/yahoo/codec';
import { cleanupAfterEach, until } from '../../testing';
import { YahooSimulator, type YahooSimOptions } from './server';

const cleanups = cleanupAfterEach();
/** Wednesday 25 Nov 2026, 11:00 IST (the day after Guru Nanak Jayanti, an exchange holiday). */
const NOW = Date.UTC(2026, 10, 25, 5, 30);
const S = NOW / 1000;

async function start(o: YahooSimOptions = {}) {
  const sim = new YahooSimulator({ ticksPerSecond: 500, batchMs: 20, now: () => NOW, ...o });
  await sim.start();
  cleanups.push(() => sim.stop());
  const get = async (path: string, ua = BROWSER_USER_AGENT) => {
    const res = await fetch(`${sim.restUrl}${path}`, { headers: { 'User-Agent': ua } });
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
  };
  return { sim, get };
}

test('chart: column arrays of one length, gmtoffset 19800, float32 prices, whole null bars; 1m bars from 09:15 IST', async () => {
  const { get } = await start({ nullBarRate: 0.1 });
  const r = await get(`/v8/finance/chart/RELIANCE.NS?period1=${S - 7200}&period2=${S}&interval=1m`);
  assert.equal(r.status, 200);
  assert.match(r.type!, /^application\/json/);
  const res = JSON.parse(r.text).chart.result[0];
  assert.equal(JSON.parse(r.text).chart.error, null);
  const { meta, timestamp, indicators } = res;
  assert.deepEqual(
    [meta.symbol, meta.currency, meta.exchangeName, meta.instrumentType, meta.gmtoffset, meta.timezone, meta.exchangeTimezoneName, meta.priceHint, meta.dataGranularity],
    ['RELIANCE.NS', 'INR', 'NSI', 'EQUITY', 19800, 'IST', 'Asia/Kolkata', 2, '1m'],
  );
  // 09:15 to 10:59: the bars of the two hours asked for that the session has (105 from 09:15).
  assert.equal(timestamp[0], S - 105 * 60);
  assert.equal(timestamp.length, 105);
  const q = indicators.quote[0];
  for (const k of ['open', 'high', 'low', 'close', 'volume']) assert.equal(q[k].length, timestamp.length, k);
  const nulls = timestamp.filter((_: number, i: number) => q.close[i] === null).length;
  assert.ok(nulls > 0 && nulls < 40, `${nulls} null bars`);
  timestamp.forEach((_: number, i: number) => {
    const fields = [q.open[i], q.high[i], q.low[i], q.close[i], q.volume[i]];
    assert.ok(fields.every((v) => v === null) || fields.every((v) => v !== null), 'a bar is null whole or not at all');
    if (q.close[i] !== null) assert.equal(Math.fround(q.close[i]), q.close[i], 'float32 values written as doubles');
  });
  assert.ok(q.close.some((c: number | null) => c !== null && String(c).length > 10), 'e.g. 2885.199951171875, not 2885.2');
  assert.equal(indicators.adjclose, undefined, 'intraday carries no adjclose');
});

test('chart: daily bars at 09:15 IST with adjclose and the live row; an index has volume 0; no data is quote:[{}]', async () => {
  const { get } = await start({ nullBarRate: 0 });
  const d = JSON.parse((await get(`/v8/finance/chart/%5ENSEI?period1=${S - 3 * 86400}&period2=${S}&interval=1d`)).text).chart.result[0];
  // Sun; Mon 23 at 09:15 IST; Tue 24 none (a holiday); Wed 25 at 09:15 and the live row at 11:00.
  assert.deepEqual(d.timestamp, [S - 2 * 86400 - 6300, S - 6300, S]);
  assert.deepEqual(d.indicators.quote[0].volume, [0, 0, 0]);
  assert.deepEqual(d.indicators.adjclose[0].adjclose, d.indicators.quote[0].close);
  assert.equal(d.meta.instrumentType, 'INDEX');
  const weekend = JSON.parse((await get(`/v8/finance/chart/INFY.NS?period1=${S - 4 * 86400}&period2=${S - 3 * 86400}&interval=5m`)).text).chart.result[0];
  assert.equal(weekend.timestamp, undefined);
  assert.deepEqual(weekend.indicators, { quote: [{}] });
});

test("chart errors as Yahoo answers them: plain-text 429s, result:null with a code, the interval's limits", async () => {
  const { sim, get } = await start();
  const ok = `/v8/finance/chart/INFY.NS?period1=${S - 3600}&period2=${S}&interval=5m`;
  assert.deepEqual(await get(ok, 'python-requests/2.32'), { status: 429, type: 'text/plain;charset=utf-8', text: 'Edge: Too Many Requests' });
  sim.rateLimitNext(1);
  assert.deepEqual(await get(ok), { status: 429, type: 'text/plain;charset=utf-8', text: 'Edge: Too Many Requests' });
  sim.failNext(1);
  const e500 = await get(ok);
  assert.deepEqual([e500.status, JSON.parse(e500.text)], [500, { chart: { result: null, error: { code: 'Internal Server Error', description: 'Internal Server Error' } } }]);
  const unknown = await get(`/v8/finance/chart/RELIANC.NS?period1=${S - 3600}&period2=${S}&interval=5m`);
  assert.deepEqual([unknown.status, JSON.parse(unknown.text).chart], [404, { result: null, error: { code: 'Not Found', description: 'No data found, symbol may be delisted' } }]);
  const tooLong = await get(`/v8/finance/chart/INFY.NS?period1=${S - 9 * 86400}&period2=${S}&interval=1m`);
  assert.deepEqual([tooLong.status, JSON.parse(tooLong.text).chart.error.description], [422, 'Only 8 days worth of 1m granularity data are allowed to be fetched per request.']);
  const tooOld = await get(`/v8/finance/chart/INFY.NS?period1=${S - 40 * 86400}&period2=${S - 35 * 86400}&interval=1m`);
  assert.match(JSON.parse(tooOld.text).chart.error.description, /^1m data not available for startTime=\d+ and endTime=\d+\. The requested range must be within the last 30 days\.$/);
  const backwards = await get(`/v8/finance/chart/INFY.NS?period1=${S}&period2=${S - 60}&interval=5m`);
  assert.deepEqual([backwards.status, JSON.parse(backwards.text).chart.error.code], [400, 'Bad Request']);
  const ranged = await get('/v8/finance/chart/INFY.NS?range=5d&interval=15m');
  // Five days back is Friday 11:00: 11:00–15:15 (18 bars), Monday whole (25), Tuesday none (a
  // holiday), Wednesday 09:15–10:45 (7).
  assert.equal(JSON.parse(ranged.text).chart.result[0].timestamp.length, 18 + 25 + 7);
});

test('streamer: ?version=2 JSON envelopes and legacy bare base64, a snapshot then changes; an idle socket is dropped', async () => {
  const { sim } = await start({ idleDropMs: 800, ticksPerSecond: 3000 });
  const open = async (url: string) => {
    const ws = new WebSocket(url);
    cleanups.push(() => ws.terminate());
    const frames: string[] = [];
    ws.on('message', (d) => frames.push(String(d)));
    await new Promise((r) => ws.once('open', r));
    return { ws, frames };
  };
  const v2 = await open(`${sim.wsUrl}?version=2`);
  const legacy = await open(sim.wsUrl);
  v2.ws.send(subscribeMessage(['^NSEBANK', 'SBIN.NS']));
  legacy.ws.send(subscribeMessage(['SBIN.NS']));
  await until(() => v2.frames.length > 5 && legacy.frames.length > 3, 'frames');
  const env = JSON.parse(v2.frames[0]) as { type: string; message: string };
  assert.equal(env.type, 'pricing');
  const first = decodePricingData(Buffer.from(env.message, 'base64'))!;
  assert.equal(first.id, '^NSEBANK', 'the snapshot, in subscribe order');
  assert.equal(first.quoteType, QuoteType.INDEX);
  assert.match(legacy.frames[0], /^[A-Za-z0-9+/]+=*$/);
  const bare = decodePricingData(Buffer.from(legacy.frames[0], 'base64'))!;
  assert.deepEqual([bare.id, bare.exchange, bare.currency, bare.priceHint], ['SBIN.NS', 'NSI', 'INR', 2]);
  assert.ok(bare.time > 0 && bare.dayVolume >= 0);
  // Neither client says anything more: both are dropped once idle.
  await until(() => sim.stats.idleDrops === 2 && sim.connectionCount === 0, 'idle drops', 3000);
  assert.deepEqual(sim.received.map((r) => r.msg), [
    { action: 'subscribe', symbols: ['^NSEBANK', 'SBIN.NS'] },
    { action: 'subscribe', symbols: ['SBIN.NS'] },
  ]);
});
