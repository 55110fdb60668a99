// `tickdesk decode dhan|dhan-depth20|dhan-depth200` on capture files built from the codecs' encoders.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { encodeFeedPacket } from '../src/engine/brokers/dhan/codec';
import { encodeDepthDisconnect, encodeDepthSide } from '../src/engine/brokers/dhan/depth-codec';
import { CaptureWriter } from '../src/engine/capture/capture';

const BIN = new URL('../bin/tickdesk.mjs', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'tickdesk-dhan-cli-'));
const run = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
const T = Date.parse('2026-11-20T04:00:00Z');

test('decode dhan prints ticks as NDJSON with UTC times and the 5-level book', () => {
  const path = join(dir, 'feed.capture');
  const w = new CaptureWriter(path);
  const depth = new Float64Array(30);
  depth[0] = 152.25;
  depth[5] = 75;
  depth[10] = 2;
  depth[15] = 152.3;
  depth[20] = 150;
  depth[25] = 3;
  w.write(T, Buffer.concat([
    encodeFeedPacket({ code: 2, kind: 'ticker', segment: 1, securityId: 1333, ltp: 1650.35, ltt: T }),
    encodeFeedPacket({ code: 8, kind: 'full', segment: 2, securityId: 55796, ltp: 152.3, ltq: 75, ltt: T, atp: 152.1, volume: 5000, totalSellQty: 1, totalBuyQty: 2, oi: 100, oiDayHigh: 110, oiDayLow: 90, open: 150, close: 149.5, high: 153, low: 149, depth }),
  ]));
  w.write(T + 1, Buffer.from([8, 1]));
  w.close();
  const r = run(['decode', 'dhan', path]);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 2);
  assert.deepEqual([lines[0].kind, lines[0].securityId, lines[0].segment, lines[0].ltp, lines[0].tsExchange], ['ticker', 1333, 'NSE_EQ', 1650.35, '2026-11-20T04:00:00.000Z']);
  assert.equal(lines[1].oi, 100);
  assert.deepEqual(lines[1].bids, [{ price: 152.25, qty: 75, orders: 2 }]);
  assert.deepEqual(lines[1].asks, [{ price: 152.3, qty: 150, orders: 3 }]);
  assert.match(r.stderr, /decoded 2 frames: 2 packets, 1 malformed/);
});

test('decode dhan-depth200 / dhan-depth20 print one line per side with its levels; disconnects too', () => {
  const path = join(dir, 'depth.capture');
  const w = new CaptureWriter(path);
  const lv = (n: number, from: number, step: number) => Array.from({ length: n }, (_, i) => ({ price: Math.round((from + step * i) * 100) / 100, qty: i + 1, orders: 1 }));
  w.write(T, Buffer.concat([encodeDepthSide(200, 'bid', 2, 55796, lv(150, 152.25, -0.05)), encodeDepthSide(200, 'ask', 2, 55796, lv(3, 152.3, 0.05))]));
  w.write(T + 5, encodeDepthDisconnect(2, 55796, 805));
  w.close();
  const r = run(['decode', 'dhan-depth200', path]);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((l) => l.side ?? `disconnect ${l.disconnect}`), ['bid', 'ask', 'disconnect 805']);
  assert.equal(lines[0].levels.length, 150);
  assert.deepEqual(lines[1], { securityId: 55796, segment: 'NSE_FNO', side: 'ask', levels: lv(3, 152.3, 0.05), tsReceived: new Date(T).toISOString() });
  const path20 = join(dir, 'depth20.capture');
  const w20 = new CaptureWriter(path20);
  w20.write(T, encodeDepthSide(20, 'bid', 1, 1333, lv(20, 1650, -0.05), 9));
  w20.close();
  const r20 = run(['decode', 'dhan-depth20', path20]);
  assert.equal(JSON.parse(r20.stdout).levels.length, 20);
  assert.equal(run(['decode', 'nobroker', path20]).status, 2);
});

test('record --broker sim-dhan --depth 20 journals ticks and 20-level books; bad combinations are refused', async () => {
  const { Journal } = await import('../src/engine/store/journal');
  const path = join(dir, 'dhan.sqlite');
  const r = run(['record', '--broker', 'sim-dhan', '--depth', '20', '--duration', '3s', '--journal', path, '--instruments', 'NSE:INFY,NSE:SBIN,NSE:NIFTY 50']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /depth \d+ sides/);
  const j = new Journal(path, { readonly: true });
  const infy = j.findInstrument('NSE:INFY')!;
  assert.equal(infy.broker, 'dhan');
  assert.equal(infy.segment, 'NSE_EQ');
  assert.ok(j.countTicks(infy.id) > 5);
  const book = j.latestBook(infy.id);
  assert.equal(book.bid!.levels, 20);
  assert.equal(book.ask!.levels, 20);
  assert.ok(book.bid!.price[0] < book.ask!.price[0]);
  // Asked for by Kite's name, recorded under the scrip master's: Dhan lists NIFTY 50 as NIFTY (IDX_I).
  const nifty = j.findInstrument('NSE:NIFTY', 'dhan')!;
  assert.equal(nifty.segment, 'IDX_I');
  assert.equal(j.masterImport('dhan')!.rows, j.instruments().filter((i) => i.broker === 'dhan').length, 'the scrip master was downloaded and imported');
  assert.equal(j.countDepth(nifty.id), 0, 'indices have no full depth');
  assert.ok(j.countTicks(nifty.id) > 0);
  j.close();
  assert.match(run(['record', '--broker', 'kite', '--depth', '20']).stderr, /--depth needs --broker dhan/);
  assert.match(run(['record', '--broker', 'sim-dhan', '--depth', '50']).stderr, /--depth must be 20, 30 or 200/);
  assert.match(run(['record', '--broker', 'dhan']).stderr, /--broker dhan needs --instruments EXCHANGE:SYMBOL or SEGMENT:SECURITYID/);
});

/** Runs the CLI without blocking this process (the simulators here must keep answering). */
function runAsync(args: string[], env: Record<string, string>): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (status) => resolve({ status, stderr }));
  });
}

test('record --broker dhan, the real-broker path, against Dhan simulators: profile, scrip master, ticks; a dead token exits 3', async () => {
  const { DhanFeedSimulator } = await import('../src/engine/sim/dhan/feed-server');
  const { DhanRestSimulator } = await import('../src/engine/sim/dhan/rest-server');
  const { defaultUniverse } = await import('../src/engine/sim/market/market');
  const { Journal } = await import('../src/engine/store/journal');
  const universe = defaultUniverse({ optionStrikes: 4 });
  const feedSim = new DhanFeedSimulator({ instruments: universe, tokens: [], ticksPerSecond: 1000 });
  await feedSim.start();
  const rest = new DhanRestSimulator({ instruments: universe, onIssued: (t) => feedSim.grantToken(t) });
  await rest.start();
  try {
    const token = rest.issueToken('SELF');
    const path = join(dir, 'dhan-real.sqlite');
    const args = ['record', '--broker', 'dhan', '--client-id', rest.clientId, '--instruments', 'NSE:INFY,NSE_EQ:2885,NSE:NIFTY 50', '--duration', '3s', '--journal', path, '--rest-root', rest.root, '--ws-root', feedSim.root];
    const ok = await runAsync(args, { DHAN_ACCESS_TOKEN: token });
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stderr, new RegExp(`Dhan scrip master: ${universe.length} instruments imported`));
    assert.equal(rest.hits.get('/v2/profile'), 1, 'the token was validated first');
    const j = new Journal(path, { readonly: true });
    const infy = j.findInstrument('NSE:INFY', 'dhan')!;
    const rel = j.instrumentBySegmentToken('dhan', 'NSE_EQ', '2885')!;
    const nifty = j.findInstrument('NSE:NIFTY', 'dhan')!;
    for (const i of [infy, rel, nifty]) assert.ok(j.countTicks(i.id) > 0, `${i.symbol} recorded`);
    // Prices are on the scrip master's tick (float32 on the wire, rounded back).
    const ticks = j.ticks(infy.id, 0, Date.now() + 60_000);
    assert.ok(ticks.every((t) => Math.abs(Math.round(t.ltp / 0.05) * 0.05 - t.ltp) < 1e-9));
    j.close();

    rest.expireToken(token);
    const dead = await runAsync(args, { DHAN_ACCESS_TOKEN: token });
    assert.equal(dead.status, 3, dead.stderr);
    assert.match(dead.stderr, /login needed \(dhan\): Dhan profile: HTTP 400 DH-906 \(Invalid Token\): log in again/);
  } finally {
    await feedSim.stop();
    await rest.stop();
  }
});
