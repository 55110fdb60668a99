// The bridge over a real WebSocket: token and origin checks, request validation, coalesced streams.
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { Reassembler } from '../../shared/bridge';
import { Recorder } from '../recorder';
import { EngineService } from '../service';
import { startUiServer, type UiServer } from './http';

const dir = mkdtempSync(join(tmpdir(), 'tickdesk-bridge-'));
const staticDir = join(dir, 'static');
mkdirSync(staticDir);
writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>t</title>');
let recorder: Recorder;
let service: EngineService;
let server: UiServer;

before(async () => {
  recorder = new Recorder({ broker: 'sim', journalPath: join(dir, 'j.sqlite'), instruments: 'all', mode: 'full', sim: { ticksPerSecond: 4000, seed: 2 } });
  await recorder.start();
  service = new EngineService(recorder);
  service.start();
  server = await startUiServer({ service, staticDir, port: 0 });
});
after(async () => {
  await server.close();
  service.stop();
  await recorder.stop();
});

function wsUrl(token: string) {
  return `ws://127.0.0.1:${server.port}/bridge?token=${token}`;
}

function open(url: string, headers: Record<string, string> = {}): Promise<{ ws: WebSocket; status?: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on('open', () => resolve({ ws }));
    ws.on('unexpected-response', (_q, res) => resolve({ ws, status: res.statusCode }));
    ws.on('error', reject);
  });
}

/** A tiny client: requests by id, events collected with their raw sizes. */
async function client() {
  const { ws } = await open(wsUrl(server.token));
  const r = new Reassembler();
  const waiting = new Map<number, (m: any) => void>();
  const events: Array<{ event: string; data: any; bytes: number }> = [];
  ws.on('message', (d: Buffer) => {
    const msg = r.accept(d.toString()) as any;
    if (!msg) return;
    if (msg.events) for (const [event, data] of msg.events) events.push({ event, data, bytes: d.length });
    else if (msg.event) events.push({ ...msg, bytes: d.length });
    else waiting.get(msg.id)?.(msg);
  });
  let id = 0;
  const call = (method: string, params?: unknown): Promise<any> =>
    new Promise((resolve) => {
      const my = ++id;
      waiting.set(my, resolve);
      ws.send(JSON.stringify({ id: my, method, params }));
    });
  const raw = (text: string): Promise<any> =>
    new Promise((resolve) => {
      waiting.set(-1, resolve);
      ws.send(text);
    });
  return { ws, call, raw, events, waiting };
}

test('the page is served from 127.0.0.1 with a strict CSP; a WebSocket without the token is refused', async () => {
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{20,}$/);
  const res = await fetch(`http://127.0.0.1:${server.port}/`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-security-policy')!, /default-src 'self'/);
  writeFileSync(join(dir, 'secret.json'), '{}');
  assert.equal((await fetch(`http://127.0.0.1:${server.port}/%2e%2e/secret.json`)).status, 404, 'nothing outside the static root');
  assert.equal((await fetch(`http://127.0.0.1:${server.port}/nope.js`)).status, 404);
  assert.equal((await open(wsUrl(''))).status, 401);
  assert.equal((await open(wsUrl(server.token.slice(0, -1) + 'x'))).status, 401);
  assert.equal((await open(wsUrl(server.token), { Origin: 'http://evil.example' })).status, 401, 'cross-site pages cannot connect');
  const ok = await open(wsUrl(server.token), { Origin: `http://127.0.0.1:${server.port}` });
  assert.equal(ok.status, undefined);
  ok.ws.close();
});

test('malformed requests get a clear error and the connection stays usable', async () => {
  const c = await client();
  assert.deepEqual(await c.raw('not json'), { id: -1, error: { code: 'bad-request', message: 'request is not valid JSON' } });
  const bad = await c.call('getCandles', { instrumentId: 'INFY', interval: '1m' });
  assert.equal(bad.error.code, 'bad-request');
  assert.match(bad.error.message, /instrumentId/);
  assert.deepEqual((await c.call('rm -rf')).error, { code: 'unknown-method', message: 'unknown method "rm -rf"' });
  assert.match((await c.call('watch', { instrumentId: 999999, interval: '1m' })).error.message, /no instrument with id 999999/);
  const found = await c.call('searchInstruments', { query: 'INFY', limit: 1 });
  assert.equal(found.result[0].symbol, 'INFY');
  c.ws.close();
});

test('quotes are coalesced per frame: at most one per instrument per message, every message < 64 KB', async () => {
  const c = await client();
  const all = (await c.call('searchInstruments', { query: '', limit: 500 })).result as Array<{ id: number }>;
  assert.ok(all.length > 100);
  const sub = await c.call('subscribe', { instrumentIds: all.map((i) => i.id) });
  assert.equal(sub.result.subscribed.length, all.length);
  await new Promise((r) => setTimeout(r, 1500));
  const quoteMsgs = c.events.filter((e) => e.event === 'quotes');
  assert.ok(quoteMsgs.length >= 20, `${quoteMsgs.length} quote messages in 1.5 s`);
  for (const m of quoteMsgs) {
    const ids = m.data.map((q: any) => q.instrumentId);
    assert.equal(new Set(ids).size, ids.length, 'one quote per instrument per frame');
    assert.ok(m.bytes < 64 * 1024);
  }
  assert.ok(quoteMsgs.length <= 1500 / 30, 'no more than one quotes message per 33 ms frame');
  assert.ok(c.events.some((e) => e.event === 'status' && e.data.feeds[0].state === 'connected'));
  c.ws.close();
});

test('watch: history then live bars continue it without a gap or a double-counted volume', async () => {
  const c = await client();
  const [infy] = (await c.call('searchInstruments', { query: 'INFY', limit: 1 })).result;
  await new Promise((r) => setTimeout(r, 1200)); // let some 1s bars close first
  const w = (await c.call('watch', { instrumentId: infy.id, interval: '1s' })).result;
  assert.ok(w.candles.length >= 1);
  assert.equal(w.depth.levels, 5);
  await new Promise((r) => setTimeout(r, 2500));
  // Merge history and live updates as the chart does: the latest version of each bar wins.
  const bars = new Map<number, any>(w.candles.map((b: any) => [b.t, b]));
  for (const e of c.events) if (e.event === 'candles') for (const b of e.data.bars) bars.set(b.t, b);
  const depthMsgs = c.events.filter((e) => e.event === 'depth');
  assert.ok(depthMsgs.length > 5);
  assert.ok(depthMsgs.every((d) => d.data.instrumentId === infy.id));
  const tape = c.events.filter((e) => e.event === 'tape').flatMap((e) => e.data.trades);
  assert.ok(tape.length > 5);
  c.ws.close();
  await new Promise((r) => setTimeout(r, 100));
  // The journal is the truth: its 1s candles over the same span must equal what the UI assembled.
  const first = Math.min(...bars.keys());
  const last = Math.max(...bars.keys());
  recorder.journal.flush();
  const truth = recorder.journal.candles(infy.id, '1s', first * 1000, last * 1000 + 999);
  const assembled = [...bars.values()].filter((b) => b.t >= first && b.t <= last).sort((a, b) => a.t - b.t);
  // The newest bar may still be growing in the journal: compare every bar before it.
  assert.deepEqual(assembled.slice(0, -1), truth.slice(0, assembled.length - 1));
  assert.ok(assembled.length >= 3);
});
