// Fyers' symbol masters on their real layout (test/fixtures/fyers: no header, 21 columns): lines
// into the shared model, the segment files streamed into the journal (the headerless first line
// kept, bad lines counted), the daily gate, the cross-broker key against Kite's listing, look-ups
// by ticker and by Kite's names, and the simulator's files read back.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { NewInstrument } from '../../../shared/model';
import { crossBrokerKey } from '../../../shared/xkey';
import { storeContext } from '../../instruments/store-context';
import { fyersListings, fyersMasterRow } from '../../sim/fyers/master';
import { defaultUniverse } from '../../sim/market/market';
import { Journal } from '../../store/journal';
import { cleanupAfterEach } from '../../testing';
import { kiteRowToInstrument } from '../kite/instruments';
import { formatFyersMaster, FYERS_MASTER_FILES, fyersIndexName, fyersTopics, importFyersMaster, parseFyersMasterLine, resolveFyers } from './instruments';

const cleanups = cleanupAfterEach();
const FIXTURES = join(import.meta.dirname, '..', '..', '..', '..', 'test', 'fixtures', 'fyers');
const fixture = (file: string) => readFileSync(join(FIXTURES, file), 'utf8');
const lineOf = (file: string, ticker: string) => fixture(file).split('\n').find((l) => l.includes(`,${ticker},`))!;

function journal(): Journal {
  const j = new Journal(join(mkdtempSync(join(tmpdir(), 'tickdesk-fyers-master-')), 'j.sqlite'));
  cleanups.push(() => j.close());
  return j;
}

/** The fixture files over HTTP, as public.fyers.in/sym_details serves them; `status` overrides a file's answer. */
async function masterServer(status: Record<string, number> = {}): Promise<{ root: string; hits: string[]; server: Server }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    const file = /^\/sym_details\/([A-Z_]+\.csv)$/.exec(req.url ?? '')?.[1];
    hits.push(file ?? req.url ?? '');
    if (!file) return void res.writeHead(404).end();
    if (status[file]) return void res.writeHead(status[file]).end();
    const body = Buffer.from(fixture(file));
    res.writeHead(200, { 'Content-Type': 'text/csv', 'Content-Length': body.length }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise((r) => server.close(r)));
  return { root: `http://127.0.0.1:${(server.address() as AddressInfo).port}/sym_details`, hits, server };
}

test('master lines → the shared model: token = ticker, Kite’s exchanges and symbols, expiry as the IST day, index lot size 0 read as 1', () => {
  const got = (file: string, ticker: string) => parseFyersMasterLine(lineOf(file, ticker));
  const base = { broker: 'fyers' };
  assert.deepEqual(got('NSE_CM.csv', 'NSE:SBIN-EQ'), { ...base, token: 'NSE:SBIN-EQ', exchange: 'NSE', segment: 'NSE_CM', symbol: 'SBIN', name: 'STATE BANK OF INDIA', tickSize: 0.05, lotSize: 1 });
  // A ticker with a dash of its own keeps it; another series keeps its suffix (as Kite writes both).
  assert.equal(got('NSE_CM.csv', 'NSE:BAJAJ-AUTO-EQ')!.symbol, 'BAJAJ-AUTO');
  assert.equal(got('NSE_CM.csv', 'NSE:ASHOKA-BE')!.symbol, 'ASHOKA-BE');
  assert.deepEqual(got('NSE_CM.csv', 'NSE:NIFTY50-INDEX'), { ...base, token: 'NSE:NIFTY50-INDEX', exchange: 'NSE', segment: 'INDICES', symbol: 'NIFTY 50', name: 'NIFTY50-INDEX', tickSize: 0.05, lotSize: 1 });
  assert.equal(got('NSE_CM.csv', 'NSE:NIFTYBANK-INDEX')!.symbol, 'NIFTY BANK');
  // Not in the index table: the ticker before -INDEX, as the SDKs name its topic.
  assert.equal(got('NSE_CM.csv', 'NSE:NIFTYMIDCAP50-INDEX')!.symbol, 'NIFTYMIDCAP50');
  assert.deepEqual(got('NSE_FO.csv', 'NSE:NIFTY26DECFUT'), {
    ...base,
    token: 'NSE:NIFTY26DECFUT',
    exchange: 'NFO',
    segment: 'NSE_FO',
    symbol: 'NIFTY26DECFUT',
    name: 'NIFTY 29 Dec 26 FUT',
    expiry: '2026-12-29',
    underlying: 'NIFTY',
    tickSize: 0.1,
    lotSize: 65,
  });
  assert.deepEqual(got('NSE_FO.csv', 'NSE:NIFTY26D0324500CE'), {
    ...base,
    token: 'NSE:NIFTY26D0324500CE',
    exchange: 'NFO',
    segment: 'NSE_FO',
    symbol: 'NIFTY26D0324500CE',
    name: 'NIFTY 03 Dec 26 24500 CE',
    expiry: '2026-12-03',
    underlying: 'NIFTY',
    optionType: 'CE',
    strike: 24500,
    tickSize: 0.05,
    lotSize: 65,
  });
  // MCX expires at 23:30 IST: still its own day.
  assert.deepEqual(
    [got('MCX_COM.csv', 'MCX:CRUDEOIL26DECFUT')].map((i) => [i!.exchange, i!.segment, i!.expiry, i!.tickSize, i!.lotSize]),
    [['MCX', 'MCX_COM', '2026-12-18', 1, 100]],
  );
  // BSE cash tickers carry the scrip's group.
  assert.deepEqual([got('BSE_CM.csv', 'BSE:RELIANCE-A')].map((i) => [i!.exchange, i!.symbol]), [['BSE', 'RELIANCE']]);
  assert.deepEqual([got('BSE_CM.csv', 'BSE:SENSEX-INDEX')].map((i) => [i!.exchange, i!.segment, i!.symbol]), [['BSE', 'INDICES', 'SENSEX']]);
});

test('a short line, an unknown exchange code and a fytoken of another segment throw (the import counts them); blank lines are nothing', () => {
  assert.throws(() => parseFyersMasterLine('10100000009999,A LINE CUT SHORT,0,1'), /4 fields, expected 21/);
  assert.throws(() => parseFyersMasterLine(lineOf('NSE_FO.csv', 'NSE:NIFTY26DECFUT').replace('101126122935001', '101026122935001')), /unreadable line/);
  assert.throws(() => parseFyersMasterLine(fixture('NSE_FO.csv').split('\n').find((l) => l.startsWith('2011'))!), /unreadable line/);
  assert.equal(parseFyersMasterLine(''), null);
  assert.equal(parseFyersMasterLine('\r'), null);
});

test('topics: sf/dp by the fytoken’s segment and exchange token, if by the exchange’s index name', () => {
  assert.deepEqual(fyersTopics('NSE:SBIN-EQ', '10100000003045'), { quote: 'sf|nse_cm|3045', depth: 'dp|nse_cm|3045' });
  assert.deepEqual(fyersTopics('NSE:NIFTY26DECFUT', '101126122935001'), { quote: 'sf|nse_fo|35001', depth: 'dp|nse_fo|35001' });
  assert.deepEqual(fyersTopics('MCX:CRUDEOIL26DECFUT', '1120261218450001'), { quote: 'sf|mcx_fo|450001', depth: 'dp|mcx_fo|450001' });
  assert.deepEqual(fyersTopics('NSE:NIFTY50-INDEX', '101000000026000'), { quote: 'if|nse_cm|Nifty 50' });
  assert.deepEqual(fyersTopics('BSE:SENSEX-INDEX', '12100000001'), { quote: 'if|bse_cm|SENSEX' });
  assert.equal(fyersIndexName('NSE:NIFTYMIDCAP50-INDEX'), 'NIFTYMIDCAP50');
});

test('the segment files stream into the journal: the headerless first line kept, bad lines skipped, empty files nothing; once a day; today’s only when the last file is in', async () => {
  const j = journal();
  const store = storeContext(j);
  const { root, hits } = await masterServer();
  const progress: Array<{ broker: string; rows: number; done: boolean }> = [];
  const res = await importFyersMaster(store, root, { collectIds: true, onProgress: (p) => progress.push({ broker: p.broker, rows: p.rows, done: p.done }) });
  assert.deepEqual(hits, FYERS_MASTER_FILES.map((f) => `${f}.csv`));
  // NSE_FO 5 (of 6; one unknown exchange), BSE_CM 2, MCX_COM 1, NSE_CM 7 (of 8; one cut short).
  assert.deepEqual([res.imported, res.rows, res.skipped, res.ids!.length], [true, 15, 2, 15]);
  assert.equal(j.instruments().length, 15);
  // The first line of every file (which the shared import reads as a header) is in.
  for (const t of ['NSE:NIFTY26DECFUT', 'RELIANCE', 'MCX:CRUDEOIL26DECFUT', 'NIFTY 50']) assert.ok(j.instruments().some((i) => i.token === t || i.symbol === t), t);
  assert.deepEqual(progress.at(-1), { broker: 'fyers', rows: 15, done: true });
  assert.ok(progress.every((p) => p.broker === 'fyers') && progress.filter((p) => p.done).length === 1);
  // The day's record is the shared import's of the last file: its rows after the line it took for a header.
  assert.equal(j.masterImport('fyers')!.rows, 6);
  assert.equal(j.masterImport('fyers')!.source, `${root}/NSE_CM.csv`);
  assert.match((await importFyersMaster(store, root)).reason!, /^already imported today/);
  assert.equal((await importFyersMaster(store, root, { force: true })).rows, 15);

  // The last file fails: the earlier ones are in, the day's import is not (it is tried again).
  const k = journal();
  const failing = await masterServer({ 'NSE_CM.csv': 503 });
  await assert.rejects(importFyersMaster(storeContext(k), failing.root), /Fyers NSE_CM symbol master: HTTP 503/);
  assert.equal(k.masterImport('fyers'), undefined);
  assert.equal(k.instruments().length, 8);
  assert.equal((await importFyersMaster(storeContext(k), root)).rows, 15);

  // A segment file the host does not have (only NSE/BSE CM/FO are known to be published as CSV) is skipped and named.
  const m = journal();
  const partial = await masterServer({ 'MCX_COM.csv': 404, 'NSE_CD.csv': 404 });
  const got = await importFyersMaster(storeContext(m), partial.root);
  assert.deepEqual([got.imported, got.rows, got.reason], [true, 14, 'not found (skipped): NSE_CD.csv, MCX_COM.csv']);
  assert.equal(m.masterImport('fyers')!.istDay, m.masterImport('fyers:NSE_FO')!.istDay);
  await assert.rejects(importFyersMaster(storeContext(journal()), (await masterServer({ 'NSE_CM.csv': 404 })).root), /NSE_CM symbol master: HTTP 404/);
});

test('the cross-broker key: Fyers’ SBIN, NIFTY 50, NIFTY BANK, a future and an option are the same contracts as Kite’s', async () => {
  const j = journal();
  const kite = [
    { instrumentToken: 779521, exchangeToken: 3045, tradingsymbol: 'SBIN', name: 'STATE BANK OF INDIA', instrumentType: 'EQ', segment: 'NSE', exchange: 'NSE', expiry: '', strike: 0 },
    { instrumentToken: 256265, exchangeToken: 1001, tradingsymbol: 'NIFTY 50', name: 'NIFTY 50', instrumentType: 'EQ', segment: 'INDICES', exchange: 'NSE', expiry: '', strike: 0 },
    { instrumentToken: 260105, exchangeToken: 1016, tradingsymbol: 'NIFTY BANK', name: 'NIFTY BANK', instrumentType: 'EQ', segment: 'INDICES', exchange: 'NSE', expiry: '', strike: 0 },
    { instrumentToken: 13238786, exchangeToken: 51714, tradingsymbol: 'NIFTY26DECFUT', name: 'NIFTY', instrumentType: 'FUT', segment: 'NFO-FUT', exchange: 'NFO', expiry: '2026-12-29', strike: 0 },
    { instrumentToken: 13239042, exchangeToken: 51715, tradingsymbol: 'NIFTY26D0324500CE', name: 'NIFTY', instrumentType: 'CE', segment: 'NFO-OPT', exchange: 'NFO', expiry: '2026-12-03', strike: 24500 },
  ].map((r) => j.upsertInstrument(kiteRowToInstrument({ ...r, lastPrice: 0, tickSize: 0.05, lotSize: 1 })));
  await importFyersMaster(storeContext(j), (await masterServer()).root);
  const fyersOf = (kiteId: number) => j.counterparts(kiteId).map((i) => `${i.broker} ${i.token}`);
  assert.deepEqual(kite.map(fyersOf), [['fyers NSE:SBIN-EQ'], ['fyers NSE:NIFTY50-INDEX'], ['fyers NSE:NIFTYBANK-INDEX'], ['fyers NSE:NIFTY26DECFUT'], ['fyers NSE:NIFTY26D0324500CE']]);
});

test('resolve: a Fyers ticker, Kite’s EXCHANGE:SYMBOL, an index by its short name; nothing for what is not there', async () => {
  const j = journal();
  await importFyersMaster(storeContext(j), (await masterServer()).root);
  const token = (ref: string) => resolveFyers(j, ref)?.token;
  assert.equal(token('NSE:SBIN-EQ'), 'NSE:SBIN-EQ');
  assert.equal(token('nse:sbin-eq'), 'NSE:SBIN-EQ');
  assert.equal(token('NSE:SBIN'), 'NSE:SBIN-EQ');
  assert.equal(token('NFO:NIFTY26DECFUT'), 'NSE:NIFTY26DECFUT');
  assert.equal(token('NSE:NIFTY26DECFUT'), 'NSE:NIFTY26DECFUT');
  assert.equal(token('NSE:NIFTY 50'), 'NSE:NIFTY50-INDEX');
  assert.equal(token('NSE:NIFTY'), 'NSE:NIFTY50-INDEX');
  assert.equal(token('NSE:BANKNIFTY'), 'NSE:NIFTYBANK-INDEX');
  assert.equal(token('BSE:RELIANCE'), 'BSE:RELIANCE-A');
  assert.equal(token('NSE:TCS-EQ'), undefined);
  assert.equal(token('SBIN'), undefined);
});

test('the simulator’s masters read back: every listed instrument with its exchange, symbol, expiry, strike and topics', () => {
  const universe = defaultUniverse({ optionStrikes: 4 });
  const listings = fyersListings(universe);
  const now = Date.UTC(2026, 11, 1, 4);
  const parsed = formatFyersMaster(listings.map((l) => fyersMasterRow(l, now)))
    .trimEnd()
    .split('\n')
    .map((l) => parseFyersMasterLine(l)!);
  assert.equal(parsed.length, listings.length);
  const key = (i: Pick<NewInstrument, 'exchange' | 'segment' | 'symbol' | 'expiry' | 'strike' | 'optionType' | 'name' | 'underlying'>) => crossBrokerKey(i);
  for (const [k, l] of listings.entries()) {
    const ins = l.ins;
    const kiteKey = key({ exchange: ins.exchange, segment: ins.segment, symbol: ins.symbol, expiry: ins.expiry, strike: ins.strike, optionType: ins.instrumentType === 'CE' || ins.instrumentType === 'PE' ? ins.instrumentType : undefined, name: ins.name });
    assert.equal(key(parsed[k]), kiteKey, l.ticker);
    assert.equal(parsed[k].token, l.ticker);
  }
  // Every universe instrument is listed; only the BSE currency future is in a file the client does not import.
  assert.equal(listings.length, universe.length);
  assert.deepEqual(listings.filter((l) => !FYERS_MASTER_FILES.includes(l.file)).map((l) => [l.ins.exchange, l.file]), [['BCD', 'BSE_CD']]);
  assert.deepEqual(listings.find((l) => l.ticker === 'NSE:NIFTY50-INDEX')!.topics, { quote: 'if|nse_cm|Nifty 50' });
});
