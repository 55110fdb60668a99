// Instrument masters into the journal: Dhan's scrip master streamed from the simulator, once per
// IST day, refusing a truncated download; Kite and Dhan rows of one contract share a key.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DhanRestSimulator } from '../sim/dhan/rest-server';
import { KiteSimulator } from '../sim/kite/server';
import { defaultUniverse } from '../sim/market/market';
import { Journal } from '../store/journal';
import { cleanupAfterEach } from '../testing';
import { importDhanScripMaster, importKiteInstruments, istDay, msUntilIst, type MasterProgress } from './master';

const cleanups = cleanupAfterEach();

function journal(): Journal {
  const j = new Journal(join(mkdtempSync(join(tmpdir(), 'tickdesk-master-')), 'j.sqlite'));
  cleanups.push(() => j.close());
  return j;
}

test('IST day and the next IST time of day', () => {
  assert.equal(istDay(Date.UTC(2026, 10, 22, 18, 29)), '2026-11-22');
  assert.equal(istDay(Date.UTC(2026, 10, 22, 18, 30)), '2026-11-23');
  const now = Date.UTC(2026, 10, 22, 2, 0); // 07:30 IST
  assert.equal(msUntilIst(8, 30, now), 3600_000);
  assert.equal(msUntilIst(7, 0, now), 23.5 * 3600_000);
});

test("Dhan's scrip master streams into the journal once a day; Kite and Dhan rows of a contract are counterparts", async () => {
  const universe = defaultUniverse({ optionStrikes: 6 });
  const rest = new DhanRestSimulator({ instruments: universe });
  await rest.start();
  const kite = new KiteSimulator({ instruments: universe, ticksPerSecond: 1 });
  await kite.start();
  cleanups.push(() => rest.stop(), () => kite.stop());
  const j = journal();
  let now = Date.UTC(2026, 10, 23, 3, 0);
  const progress: MasterProgress[] = [];
  const r = await importDhanScripMaster(j, { url: rest.scripMasterUrl, now: () => now, onProgress: (p) => progress.push(p), batch: 10 });
  assert.deepEqual([r.imported, r.rows, r.skipped], [true, universe.length, 0]);
  assert.deepEqual(progress.at(-1), { broker: 'dhan', bytes: progress.at(-1)!.totalBytes, totalBytes: progress.at(-1)!.totalBytes, rows: universe.length, done: true });
  assert.ok(progress.at(-1)!.bytes! > 1000);

  const reliance = j.instrumentBySegmentToken('dhan', 'NSE_EQ', '2885')!;
  // ₹0.10: NSE's tick for a share priced ₹1,000–5,000.
  assert.deepEqual([reliance.exchange, reliance.symbol, reliance.tickSize, reliance.lotSize], ['NSE', 'RELIANCE', 0.1, 1]);
  const nifty = j.instrumentBySegmentToken('dhan', 'IDX_I', '1001')!;
  assert.equal(nifty.symbol, 'NIFTY', "Dhan's name for NIFTY 50");
  // A monthly option by its trading symbol; a weekly of the same month (which shares that symbol in
  // Dhan's file) by its custom symbol with the day: both kept, neither overwrites the other.
  const calls = universe.filter((i) => i.instrumentType === 'CE');
  const lastOfMonth = (e: string) => calls.every((c) => c.expiry!.slice(0, 7) !== e.slice(0, 7) || c.expiry! <= e);
  const call = calls.find((i) => lastOfMonth(i.expiry!))!;
  const dCall = j.instrumentBySegmentToken('dhan', 'NSE_FNO', String(call.exchangeToken))!;
  assert.match(dCall.symbol, /^NIFTY-[A-Z][a-z]{2}\d{4}-\d+-CE$/);
  assert.deepEqual([dCall.underlying, dCall.expiry, dCall.strike, dCall.optionType, dCall.lotSize], ['NIFTY', call.expiry, call.strike, 'CE', 75]);
  const weekly = calls.find((i) => !lastOfMonth(i.expiry!) && i.expiry!.slice(0, 7) === call.expiry!.slice(0, 7));
  if (weekly) {
    const dWeekly = j.instrumentBySegmentToken('dhan', 'NSE_FNO', String(weekly.exchangeToken))!;
    assert.match(dWeekly.symbol, /^NIFTY \d{1,2} [A-Z]{3} \d+ CALL$/);
    assert.deepEqual([dWeekly.underlying, dWeekly.expiry, dWeekly.strike], ['NIFTY', weekly.expiry, weekly.strike]);
  }
  assert.equal(j.masterImport('dhan')!.rows, j.instruments().filter((i) => i.broker === 'dhan').length, 'every row its own instrument');
  const crude = j.instrumentBySegmentToken('dhan', 'MCX_COMM', '2400')!;
  assert.equal(crude.tickSize, 1, 'tick size from paise');

  // Same day again: nothing downloaded. Next IST day: imported again.
  const downloads = rest.scripMasterDownloads;
  const again = await importDhanScripMaster(j, { url: rest.scripMasterUrl, now: () => now });
  assert.equal(again.imported, false);
  assert.match(again.reason!, /already imported today \(2026-11-23\)/);
  assert.equal(rest.scripMasterDownloads, downloads);
  now += 86400_000;
  assert.equal((await importDhanScripMaster(j, { url: rest.scripMasterUrl, now: () => now })).imported, true);
  assert.equal(j.masterImport('dhan')!.istDay, '2026-11-24');
  assert.equal(j.instruments().filter((i) => i.broker === 'dhan').length, universe.length, 'a re-import updates rows in place');

  // Kite's dump for the same universe: every Kite instrument finds its Dhan counterpart.
  const ids = (await importKiteInstruments(j, kite.restUrl, kite.apiKey, 'sim_access_token', { collectIds: true })).ids!;
  const kiteRows = ids.map((id) => j.instrument(id)!);
  const missing = ids.filter((id) => !j.counterparts(id).some((c) => c.broker === 'dhan'));
  assert.deepEqual(missing.map((id) => j.instrument(id)!.symbol), []);
  const kiteRel = ids[kiteRows.findIndex((k) => k.exchange === 'NSE' && k.symbol === 'RELIANCE')];
  assert.deepEqual(j.counterparts(kiteRel).map((c) => [c.broker, c.segment, c.token]), [['dhan', 'NSE_EQ', '2885']]);
  const kiteCall = ids[kiteRows.findIndex((k) => k.token === String(call.token))];
  assert.deepEqual(j.counterparts(kiteCall).map((c) => c.symbol), [dCall.symbol]);
});

test('a truncated download throws and is not recorded as imported; a wrong file is refused by its header', async () => {
  const header =
    'SEM_EXM_EXCH_ID,SEM_SEGMENT,SEM_SMST_SECURITY_ID,SEM_INSTRUMENT_NAME,SEM_EXPIRY_CODE,SEM_TRADING_SYMBOL,SEM_LOT_UNITS,SEM_CUSTOM_SYMBOL,SEM_EXPIRY_DATE,SEM_STRIKE_PRICE,SEM_OPTION_TYPE,SEM_TICK_SIZE,SEM_EXPIRY_FLAG,SEM_EXCH_INSTRUMENT_TYPE,SEM_SERIES,SM_SYMBOL_NAME\n';
  const server = createServer((req, res) => {
    if (req.url === '/cut') {
      res.writeHead(200, { 'content-length': 100_000 });
      res.write(header + 'NSE,E,1333,EQUITY,,HDFCBANK,1.0,HDFC Bank,0001-01-01,-0.01,XX,5.0000,NA,ES,EQ,HDFC BANK LTD\n');
      setTimeout(() => res.socket?.destroy(), 50);
    } else if (req.url === '/small') res.end(header);
    else res.end('<html>maintenance</html>\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  cleanups.push(() => new Promise((r) => server.close(r)));
  const root = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const j = journal();
  await assert.rejects(importDhanScripMaster(j, { url: `${root}/cut` }), /truncated download/);
  assert.equal(j.masterImport('dhan'), undefined);
  await assert.rejects(importDhanScripMaster(j, { url: `${root}/small`, minBytes: 5_000_000 }), /truncated download \(\d+ bytes; the real file is at least 5000000\)/);
  await assert.rejects(importDhanScripMaster(j, { url: `${root}/html` }), /not a Dhan scrip master/);
  assert.equal(j.masterImport('dhan'), undefined);
});

test("Kite's dump streams in (gzipped, exact columns, empty fields, trailing newline) once a day; a 403 means log in again", async () => {
  const { KITE_MASTER } = await import('./master');
  const { TokenExpired } = await import('../brokers/errors');
  const universe = defaultUniverse({ optionStrikes: 4 });
  const kite = new KiteSimulator({ instruments: universe, ticksPerSecond: 1 });
  await kite.start();
  cleanups.push(() => kite.stop());
  const j = journal();
  let now = Date.UTC(2026, 10, 23, 3, 0);
  const r = await importKiteInstruments(j, kite.restUrl, kite.apiKey, 'sim_access_token', { now: () => now, collectIds: true });
  assert.deepEqual([r.imported, r.rows, r.skipped, r.ids!.length], [true, universe.length, 0, universe.length]);
  const nifty = j.findInstrument('NSE:NIFTY 50', 'kite')!;
  assert.deepEqual([nifty.segment, nifty.token, nifty.name], ['INDICES', String(universe[0].token), 'NIFTY 50']);
  const fut = j.instruments().find((i) => i.broker === 'kite' && i.segment === 'NFO-FUT')!;
  assert.deepEqual([fut.strike, fut.optionType, fut.underlying], [undefined, undefined, 'NIFTY'], 'empty strike/type fields');
  assert.equal((await importKiteInstruments(j, kite.restUrl, kite.apiKey, 'sim_access_token', { now: () => now })).imported, false);
  now += 86400_000;
  await assert.rejects(importKiteInstruments(j, kite.restUrl, kite.apiKey, 'stale-token', { now: () => now }), TokenExpired);
  assert.equal(j.masterImport('kite')!.istDay, '2026-11-23', 'a refused download leaves the last import in place');

  // The line parser: a quoted field with a comma, CRLF, a BOM, a short line (skipped and counted).
  const open = KITE_MASTER.open('\uFEFFinstrument_token,exchange_token,tradingsymbol,name,last_price,expiry,strike,tick_size,lot_size,instrument_type,segment,exchange\r');
  assert.deepEqual(open('3861249,15083,ADANIPORTS,"ADANI PORT, SEZ",0.0,,0.0,0.05,1,EQ,NSE,NSE\r'), {
    broker: 'kite', token: '3861249', exchange: 'NSE', segment: 'NSE', symbol: 'ADANIPORTS', name: 'ADANI PORT, SEZ', expiry: undefined, strike: undefined, optionType: undefined, tickSize: 0.05, lotSize: 1,
  });
  assert.equal(open(''), null);
  assert.throws(() => open('1,2,3'), /3 fields, expected 12/);
  assert.throws(() => KITE_MASTER.open('a,b'), /not a Kite instruments dump/);
});
