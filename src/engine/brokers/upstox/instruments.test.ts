// Upstox's instrument file on its real format (test/fixtures/upstox: a JSON array, gzipped as
// assets.upstox.com serves it — raw gzip, no Content-Encoding): records into the shared model (tick
// size in paise, expiry in epoch ms, index names, skipped segments), the array split as bytes arrive,
// the streamed import through the shared master import (bad records counted, the daily gate,
// truncated and foreign files refused), the cross-broker key against Kite's listing, look-ups, and
// the simulator's file read back.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { storeContext } from '../../instruments/store-context';
import { defaultUniverse } from '../../sim/market/market';
import { upstoxListings } from '../../sim/upstox/master';
import { UpstoxSimulator } from '../../sim/upstox/server';
import { Journal } from '../../store/journal';
import { cleanupAfterEach } from '../../testing';
import { BrokerError, NetworkError } from '../errors';
import { kiteRowToInstrument } from '../kite/instruments';
import { COMPLETE_FILE_PATH, importUpstoxMaster, JsonArraySplitter, parseUpstoxInstrument, resolveUpstox } from './instruments';

const cleanups = cleanupAfterEach();
const FIXTURE = readFileSync(join(import.meta.dirname, '..', '..', '..', '..', 'test', 'fixtures', 'upstox', 'instruments-sample.json'));
const RECORDS = JSON.parse(FIXTURE.toString('utf8')) as Array<Record<string, unknown>>;
const record = (key: string) => RECORDS.find((r) => r.instrument_key === key)!;

function journal(): Journal {
  const j = new Journal(join(mkdtempSync(join(tmpdir(), 'tickdesk-upstox-master-')), 'j.sqlite'));
  cleanups.push(() => j.close());
  return j;
}

/** Serves `body` at the complete file's path as assets.upstox.com does (raw gzip bytes), or `status`. */
async function assets(body: Buffer, o: { status?: number; contentType?: string } = {}): Promise<{ url: string; hits: () => number }> {
  let hits = 0;
  const server = createServer((req, res) => {
    hits++;
    if (req.url !== COMPLETE_FILE_PATH) return void res.writeHead(404).end();
    if (o.status) return void res.writeHead(o.status).end();
    res.writeHead(200, { 'Content-Type': o.contentType ?? 'application/gzip', 'Content-Length': body.length }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${COMPLETE_FILE_PATH}`, hits: () => hits };
}

test('records → the shared model: paise ticks, IST expiries from epoch ms, indices by name, Kite’s exchanges; other segments left out', () => {
  assert.deepEqual(parseUpstoxInstrument(record('NSE_EQ|INE062A01020')), {
    broker: 'upstox',
    token: 'NSE_EQ|INE062A01020',
    exchange: 'NSE',
    segment: 'NSE_EQ',
    symbol: 'SBIN',
    tickSize: 0.05,
    lotSize: 1,
    name: 'STATE BANK OF INDIA',
  });
  assert.deepEqual(parseUpstoxInstrument(record('NSE_INDEX|Nifty 50')), { broker: 'upstox', token: 'NSE_INDEX|Nifty 50', exchange: 'NSE', segment: 'INDICES', symbol: 'NIFTY 50', tickSize: 0.05, lotSize: 1, name: 'Nifty 50' });
  assert.deepEqual(parseUpstoxInstrument(record('NSE_FO|37590')), {
    broker: 'upstox',
    token: 'NSE_FO|37590',
    exchange: 'NFO',
    segment: 'NSE_FO',
    symbol: 'NIFTY 19650 CE 15 FEB 24',
    tickSize: 0.05,
    lotSize: 50,
    name: 'NIFTY',
    // 1708021799000 is 2024-02-15 23:59:59 IST (18:29:59 UTC): the IST day, not the UTC one.
    expiry: '2024-02-15',
    underlying: 'NIFTY',
    optionType: 'CE',
    strike: 19650,
  });
  const fut = parseUpstoxInstrument(record('NSE_FO|35005'))!;
  assert.deepEqual([fut.expiry, fut.optionType, fut.strike, fut.underlying], ['2024-02-29', undefined, undefined, 'NIFTY']);
  const crude = parseUpstoxInstrument(record('MCX_FO|426268'))!;
  assert.deepEqual([crude.exchange, crude.tickSize, crude.lotSize, crude.expiry, crude.underlying, crude.name], ['MCX', 1, 100, '2024-02-19', 'CRUDEOIL', 'CRUDE OIL']);
  const usdinr = parseUpstoxInstrument(record('NCD_FO|1200'))!;
  assert.deepEqual([usdinr.exchange, usdinr.tickSize], ['CDS', 0.0025]);
  assert.deepEqual([parseUpstoxInstrument(record('BSE_INDEX|SENSEX'))!.exchange, parseUpstoxInstrument(record('BSE_EQ|INE062A01020'))!.exchange], ['BSE', 'BSE']);
  assert.equal(parseUpstoxInstrument(record('GLOBAL_INDEX|SGX NIFTY')), null, 'no feed or exchange of its own: not recorded, not an error');
  assert.throws(() => parseUpstoxInstrument(record('NSE_FO|99999')), /not of segment NSE_EQ/);
  assert.throws(() => parseUpstoxInstrument({ segment: 'NSE_EQ', trading_symbol: 'X' }), /no instrument_key/);
  assert.throws(() => parseUpstoxInstrument([1]), /not an object/);
});

test('the array is split into records as bytes arrive: any chunking, strings holding braces, escapes and non-ASCII', () => {
  const text = ` \uFEFF[{"a":"}{[","b":{"c":[1,{"d":2}]}} ,{"e":"say \\"hi\\" \\\\","f":"₹ नमस्ते"},\n{"g":null}]  `;
  const bytes = Buffer.from(text, 'utf8');
  const expected = [{ a: '}{[', b: { c: [1, { d: 2 }] } }, { e: 'say "hi" \\', f: '₹ नमस्ते' }, { g: null }];
  for (let size = 1; size <= bytes.length; size++) {
    const s = new JsonArraySplitter();
    const got: unknown[] = [];
    for (let i = 0; i < bytes.length; i += size) s.push(bytes.subarray(i, i + size), (o) => got.push(JSON.parse(o.toString('utf8'))));
    s.end();
    assert.deepEqual(got, expected, `chunks of ${size}`);
  }
  const bad = (t: string) => {
    const s = new JsonArraySplitter();
    s.push(Buffer.from(t), () => {});
    s.end();
  };
  assert.throws(() => bad('{"a":1}'), /not a JSON array/);
  assert.throws(() => bad('[1,2]'), /not a JSON array of objects/);
  assert.throws(() => bad('[{"a":1}'), /cut short/);
  assert.throws(() => bad('[{"a":1}] x'), /after the end/);
  assert.throws(() => bad(''), /empty/);
});

test('the gzipped file streamed into the journal: every segment, unreadable records counted, once per IST day', async () => {
  const j = journal();
  const file = await assets(gzipSync(FIXTURE));
  const res = await importUpstoxMaster(storeContext(j), file.url, { collectIds: true });
  assert.deepEqual([res.imported, res.rows, res.skipped, res.ids!.length], [true, 9, 1, 9], 'GIFT NIFTY left out, the broken row counted');
  assert.deepEqual(
    j.instruments().map((i) => `${i.exchange}:${i.symbol} ${i.token}`),
    [
      'NSE:SBIN NSE_EQ|INE062A01020',
      'BSE:SBIN BSE_EQ|INE062A01020',
      'NSE:NIFTY 50 NSE_INDEX|Nifty 50',
      'NSE:NIFTY BANK NSE_INDEX|Nifty Bank',
      'BSE:SENSEX BSE_INDEX|SENSEX',
      'NFO:NIFTY 19650 CE 15 FEB 24 NSE_FO|37590',
      'NFO:NIFTY FUT 29 FEB 24 NSE_FO|35005',
      'MCX:CRUDEOIL FUT 19 FEB 24 MCX_FO|426268',
      'CDS:USDINR FUT 27 FEB 24 NCD_FO|1200',
    ],
  );
  assert.equal(j.masterImport('upstox')!.rows, 9);
  const again = await importUpstoxMaster(storeContext(j), file.url);
  assert.deepEqual([again.imported, file.hits()], [false, 1], 'today’s is in: not downloaded again');
  // A pretty-printed file (one field a line), and one served already gunzipped, read the same.
  const pretty = journal();
  const res2 = await importUpstoxMaster(storeContext(pretty), (await assets(gzipSync(JSON.stringify(RECORDS, null, 2)))).url);
  const plain = await importUpstoxMaster(storeContext(journal()), (await assets(FIXTURE, { contentType: 'application/json' })).url);
  assert.deepEqual([res2.rows, res2.skipped, plain.rows, plain.skipped], [9, 1, 9, 1]);
  assert.deepEqual(pretty.instruments().map((i) => i.token), j.instruments().map((i) => i.token));
});

test('a truncated download, a file that is no instrument array, and HTTP failures are errors of the one hierarchy; nothing is recorded as imported', async () => {
  const gz = gzipSync(FIXTURE);
  const j = journal();
  const cut = await importUpstoxMaster(storeContext(j), (await assets(gz.subarray(0, gz.length - 40))).url).catch((e: Error) => e);
  assert.ok(cut instanceof NetworkError, String(cut));
  assert.match(cut.message, /Upstox instrument file: .*(unexpected end of file|truncated)/);
  assert.equal(j.masterImport('upstox'), undefined);
  const html = await importUpstoxMaster(storeContext(j), (await assets(gzipSync('<html>maintenance</html>'))).url).catch((e: Error) => e);
  assert.ok(html instanceof BrokerError && !html.retryable, String(html));
  assert.match(html.message, /^Upstox instrument file: not a valid Upstox instrument file \(not a JSON array \(it begins with "<"\)\): http:/);
  await assert.rejects(importUpstoxMaster(storeContext(j), (await assets(gz, { status: 403 })).url), (e: Error) => e instanceof BrokerError && /HTTP 403 from http/.test(e.message) && !(e as BrokerError).retryable);
  await assert.rejects(importUpstoxMaster(storeContext(j), (await assets(gz, { status: 503 })).url), (e: Error) => e instanceof NetworkError && /HTTP 503/.test(e.message));
  await assert.rejects(importUpstoxMaster(storeContext(j), 'http://127.0.0.1:1/complete.json.gz'), (e: Error) => e instanceof NetworkError && /Upstox instrument file: fetch failed/.test(e.message));
  assert.equal(j.masterImport('upstox'), undefined);
});

test('the cross-broker key: Upstox’s SBIN, NIFTY 50, NIFTY BANK, future and option are Kite’s contracts; found from Kite’s references too', async () => {
  const j = journal();
  const kite = [
    { instrumentToken: 779521, exchangeToken: 3045, tradingsymbol: 'SBIN', name: 'STATE BANK OF INDIA', instrumentType: 'EQ', segment: 'NSE', exchange: 'NSE', expiry: '', strike: 0 },
    { instrumentToken: 256265, exchangeToken: 1001, tradingsymbol: 'NIFTY 50', name: 'NIFTY 50', instrumentType: 'EQ', segment: 'INDICES', exchange: 'NSE', expiry: '', strike: 0 },
    { instrumentToken: 260105, exchangeToken: 1016, tradingsymbol: 'NIFTY BANK', name: 'NIFTY BANK', instrumentType: 'EQ', segment: 'INDICES', exchange: 'NSE', expiry: '', strike: 0 },
    { instrumentToken: 13238786, exchangeToken: 35005, tradingsymbol: 'NIFTY24FEBFUT', name: 'NIFTY', instrumentType: 'FUT', segment: 'NFO-FUT', exchange: 'NFO', expiry: '2024-02-29', strike: 0 },
    { instrumentToken: 13239042, exchangeToken: 37590, tradingsymbol: 'NIFTY2421519650CE', name: 'NIFTY', instrumentType: 'CE', segment: 'NFO-OPT', exchange: 'NFO', expiry: '2024-02-15', strike: 19650 },
  ].map((r) => j.upsertInstrument(kiteRowToInstrument({ ...r, lastPrice: 0, tickSize: 0.05, lotSize: 1 })));
  await importUpstoxMaster(storeContext(j), (await assets(gzipSync(FIXTURE))).url);
  const upstoxOf = (kiteId: number) => j.counterparts(kiteId).map((i) => `${i.broker} ${i.token}`);
  assert.deepEqual(kite.map(upstoxOf), [['upstox NSE_EQ|INE062A01020'], ['upstox NSE_INDEX|Nifty 50'], ['upstox NSE_INDEX|Nifty Bank'], ['upstox NSE_FO|35005'], ['upstox NSE_FO|37590']]);
  const tok = (ref: string) => resolveUpstox(j, ref)?.token;
  assert.deepEqual(
    ['NSE_EQ|INE062A01020', 'nse_index|Nifty 50', 'NSE:SBIN', 'nse:sbin', 'NSE_EQ:SBIN', 'BSE:SBIN', 'NSE:NIFTY 50', 'NSE:NIFTY', 'NSE:BANKNIFTY', 'NFO:NIFTY 19650 CE 15 FEB 24', 'NFO:NIFTY2421519650CE', 'NFO:NIFTY24FEBFUT', 'NSE:NOPE', 'garbage'].map(tok),
    ['NSE_EQ|INE062A01020', 'NSE_INDEX|Nifty 50', 'NSE_EQ|INE062A01020', 'NSE_EQ|INE062A01020', 'NSE_EQ|INE062A01020', 'BSE_EQ|INE062A01020', 'NSE_INDEX|Nifty 50', 'NSE_INDEX|Nifty 50', 'NSE_INDEX|Nifty Bank', 'NSE_FO|37590', 'NSE_FO|37590', 'NSE_FO|35005', undefined, undefined],
  );
});

test('the simulator’s file reads back as its universe: keys, paise, epoch-ms expiries, one row per listing', async () => {
  const universe = defaultUniverse({ optionStrikes: 2 });
  const sim = new UpstoxSimulator({ instruments: universe, ticksPerSecond: 0 });
  await sim.start();
  cleanups.push(() => sim.stop());
  const j = journal();
  const res = await importUpstoxMaster(storeContext(j), `${sim.root}${COMPLETE_FILE_PATH}`);
  const listings = upstoxListings(universe);
  assert.deepEqual([res.rows, res.skipped], [listings.length, 0]);
  for (const l of listings) {
    const ins = j.instrumentsByToken('upstox', l.key)[0];
    assert.ok(ins, l.key);
    assert.deepEqual([ins.exchange, ins.tickSize, ins.lotSize, ins.expiry, ins.strike], [l.ins.exchange, l.ins.tickSize, l.ins.lotSize, l.ins.expiry, l.ins.instrumentType === 'CE' || l.ins.instrumentType === 'PE' ? l.ins.strike : undefined], l.key);
    assert.equal(ins.symbol, l.ins.segment === 'INDICES' ? l.ins.symbol : l.record.trading_symbol);
  }
  sim.truncateMaster = true;
  await assert.rejects(importUpstoxMaster(storeContext(journal()), `${sim.root}${COMPLETE_FILE_PATH}`), NetworkError);
});
