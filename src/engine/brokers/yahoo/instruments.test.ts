// Yahoo's instruments: a symbol says what it is (.NS NSE, .BO BSE, ^NSEI an index), the list goes
// through the shared master import like any broker's file, and every NSE/BSE listing sits on the
// cross-broker key, so Kite's NSE:RELIANCE and Dhan's index NIFTY find Yahoo's RELIANCE.NS and ^NSEI.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { crossBrokerKey } from '../../../shared/xkey';
import { storeContext } from '../../instruments/store-context';
import { defaultUniverse } from '../../sim/market/market';
import { Journal } from '../../store/journal';
import { cleanupAfterEach } from '../../testing';
import {
  builtInListings,
  findOrAddYahooInstrument,
  findYahooInstrument,
  NIFTY_50,
  symbolListCsv,
  symbolListParser,
  symbolListUrl,
  YAHOO_INDICES,
  YAHOO_MASTER,
  yahooInstrument,
  yahooSymbolOf,
} from './instruments';

const cleanups = cleanupAfterEach();

function journal(): Journal {
  const j = new Journal(join(mkdtempSync(join(tmpdir(), 'tickdesk-yahoo-ins-')), 'j.sqlite'));
  cleanups.push(() => j.close());
  return j;
}

test('a Yahoo symbol as an instrument: shares by exchange symbol, indices by Kite\'s names, anything else as itself', () => {
  const base = { broker: 'yahoo', tickSize: 0.01, lotSize: 1 };
  assert.deepEqual(yahooInstrument('reliance.ns', 'Reliance Industries'), { ...base, token: 'RELIANCE.NS', exchange: 'NSE', segment: 'NSE', symbol: 'RELIANCE', name: 'Reliance Industries' });
  assert.deepEqual(yahooInstrument('RELIANCE.BO'), { ...base, token: 'RELIANCE.BO', exchange: 'BSE', segment: 'BSE', symbol: 'RELIANCE' });
  assert.deepEqual(yahooInstrument('M&M.NS'), { ...base, token: 'M&M.NS', exchange: 'NSE', segment: 'NSE', symbol: 'M&M' });
  assert.deepEqual(yahooInstrument('BAJAJ-AUTO.NS')!.symbol, 'BAJAJ-AUTO');
  assert.deepEqual(yahooInstrument('^NSEI'), { ...base, token: '^NSEI', exchange: 'NSE', segment: 'INDICES', symbol: 'NIFTY 50', name: 'NIFTY 50' });
  assert.deepEqual(yahooInstrument('^BSESN'), { ...base, token: '^BSESN', exchange: 'BSE', segment: 'INDICES', symbol: 'SENSEX', name: 'SENSEX' });
  assert.deepEqual(yahooInstrument('^NSEBANK')!.symbol, 'NIFTY BANK');
  // Not Indian: kept as Yahoo names it, on an exchange of its own (no other broker lists it).
  assert.deepEqual(yahooInstrument('USDINR=X'), { ...base, token: 'USDINR=X', exchange: 'YAHOO', segment: 'YAHOO', symbol: 'USDINR=X' });
  assert.deepEqual(yahooInstrument('^GSPC'), { ...base, token: '^GSPC', exchange: 'YAHOO', segment: 'INDICES', symbol: '^GSPC' });
  for (const bad of ['', 'NSE:RELIANCE', 'TWO WORDS.NS', 'x'.repeat(33), 'semi;colon']) assert.equal(yahooInstrument(bad), null, bad);
});

test('another broker\'s listing as a Yahoo symbol: cash and indices of NSE/BSE; no derivatives', () => {
  assert.equal(yahooSymbolOf({ exchange: 'NSE', segment: 'NSE', symbol: 'INFY' }), 'INFY.NS');
  assert.equal(yahooSymbolOf({ exchange: 'bse', symbol: 'reliance' }), 'RELIANCE.BO');
  assert.equal(yahooSymbolOf({ exchange: 'NSE', segment: 'INDICES', symbol: 'NIFTY 50' }), '^NSEI');
  assert.equal(yahooSymbolOf({ exchange: 'NSE', segment: 'IDX_I', symbol: 'BANKNIFTY' }), '^NSEBANK', "Dhan's index name");
  assert.equal(yahooSymbolOf({ exchange: 'BSE', segment: 'INDICES', symbol: 'SENSEX' }), '^BSESN');
  assert.equal(yahooSymbolOf({ exchange: 'NSE', segment: 'INDICES', symbol: 'NIFTY SMALLCAP 250' }), undefined, 'an index Yahoo has no symbol for here');
  assert.equal(yahooSymbolOf({ exchange: 'NFO', segment: 'NFO-FUT', symbol: 'NIFTY26DECFUT', expiry: '2026-12-31' }), undefined);
  assert.equal(yahooSymbolOf({ exchange: 'MCX', symbol: 'CRUDEOIL' }), undefined);
  // The simulator's universe: its shares and both indices, none of its futures and options.
  const served = defaultUniverse({ optionStrikes: 2 }).map(yahooSymbolOf).filter(Boolean);
  assert.deepEqual(served.slice(0, 4), ['^NSEI', '^NSEBANK', 'INFY.NS', 'RELIANCE.NS']);
  assert.equal(served.length, 23);
  assert.ok(served.includes('RELIANCE.BO'));
});

test('the built-in list: 15 indices and the NIFTY 50, each symbol once and readable', () => {
  const list = builtInListings();
  assert.equal(YAHOO_INDICES.length, 15);
  assert.equal(NIFTY_50.length, 50);
  assert.equal(list.length, 65);
  assert.equal(new Set(list.map((l) => l.symbol)).size, 65);
  for (const l of list) assert.ok(yahooInstrument(l.symbol), l.symbol);
  assert.deepEqual(list[0], { symbol: '^NSEI', name: 'NIFTY 50' });
  assert.ok(list.some((l) => l.symbol === 'RELIANCE.NS' && l.name === 'Reliance Industries'));
});

test('the list file: symbol,name; a BOM, CRLF, blank lines and commas in names are read; a bad symbol is refused', () => {
  assert.equal(symbolListCsv([{ symbol: '^NSEI', name: 'NIFTY 50' }, { symbol: 'LT.NS', name: 'Larsen & Toubro' }, { symbol: 'X.NS' }]), 'symbol,name\n^NSEI,NIFTY 50\nLT.NS,Larsen & Toubro\nX.NS,\n');
  const parse = symbolListParser('\uFEFFsymbol,name\r');
  assert.deepEqual(parse('ONGC.NS,Oil, Natural Gas Corp\r'), { broker: 'yahoo', token: 'ONGC.NS', exchange: 'NSE', segment: 'NSE', symbol: 'ONGC', name: 'Oil, Natural Gas Corp', tickSize: 0.01, lotSize: 1 });
  assert.equal(parse('X.NS,')!.name, undefined);
  assert.equal(parse('  \r'), null);
  assert.throws(() => parse('NOT A SYMBOL,x'), /not a Yahoo symbol: "NOT A SYMBOL"/);
  assert.throws(() => symbolListParser('token,exchange,symbol'), /not a Yahoo symbol list/);
});

test('imported through the shared master import (a data: URL), once a day; the same contracts found from Kite and Dhan', async () => {
  const j = journal();
  const kiteReliance = j.upsertInstrument({ broker: 'kite', token: '738561', exchange: 'NSE', segment: 'NSE', symbol: 'RELIANCE', tickSize: 0.05, lotSize: 1 });
  const kiteNifty = j.upsertInstrument({ broker: 'kite', token: '256265', exchange: 'NSE', segment: 'INDICES', symbol: 'NIFTY 50', tickSize: 0.05, lotSize: 1 });
  const dhanNifty = j.upsertInstrument({ broker: 'dhan', token: '13', exchange: 'NSE', segment: 'IDX_I', symbol: 'NIFTY', tickSize: 0.05, lotSize: 1 });
  const store = storeContext(j);
  const list = [...builtInListings(), { symbol: 'RELIANCE.BO', name: 'Reliance Industries' }];
  const res = await store.importMaster(YAHOO_MASTER, { url: symbolListUrl(list), collectIds: true });
  assert.deepEqual([res.imported, res.rows, res.skipped, res.ids!.length], [true, 66, 0, 66]);
  assert.equal(j.masterImport('yahoo')!.rows, 66);
  assert.equal((await store.importMaster(YAHOO_MASTER, { url: symbolListUrl(list) })).imported, false, 'once per IST day');

  const rel = findYahooInstrument(j, 'RELIANCE.NS')!;
  assert.deepEqual(j.counterparts(rel.id).map((i) => i.id), [kiteReliance]);
  assert.equal(j.findByKey(crossBrokerKey({ exchange: 'NSE', symbol: 'RELIANCE' }), 'yahoo')!.token, 'RELIANCE.NS');
  assert.equal(j.findByKey(crossBrokerKey({ exchange: 'BSE', symbol: 'RELIANCE' }), 'yahoo')!.token, 'RELIANCE.BO');
  const nifty = findYahooInstrument(j, '^nsei')!;
  assert.deepEqual(j.counterparts(nifty.id).map((i) => i.id).sort(), [kiteNifty, dhanNifty].sort());

  // References: Yahoo symbols in any case, EXCHANGE:SYMBOL, Dhan's and Kite's index names.
  for (const ref of ['NSE:NIFTY 50', 'NSE:NIFTY', 'nse:nifty 50', '^NSEI']) assert.equal(findYahooInstrument(j, ref)?.id, nifty.id, ref);
  assert.equal(findYahooInstrument(j, 'NSE:RELIANCE')!.id, rel.id);
  assert.equal(findYahooInstrument(j, 'BSE:SENSEX')!.token, '^BSESN');
  assert.equal(findYahooInstrument(j, 'TATAPOWER.NS'), undefined, 'not listed');

  // A symbol the list lacks is added when named: Yahoo answers for any symbol.
  const added = findOrAddYahooInstrument(j, 'tatapower.ns')!;
  assert.deepEqual([added.token, added.exchange, added.symbol], ['TATAPOWER.NS', 'NSE', 'TATAPOWER']);
  assert.equal(findOrAddYahooInstrument(j, 'NSE:TATAPOWER')!.id, added.id);
  assert.equal(findOrAddYahooInstrument(j, 'BSE:IRFC')!.token, 'IRFC.BO');
  assert.equal(findOrAddYahooInstrument(j, 'AAPL')!.exchange, 'YAHOO');
  assert.equal(findOrAddYahooInstrument(j, 'NFO:NIFTY26DEC24000CE'), undefined, 'no derivatives on Yahoo');
  assert.equal(findOrAddYahooInstrument(j, 'NSE:NOT A SYMBOL'), undefined);

  // A damaged list: bad lines are counted and skipped, the rest imported.
  const damaged = `data:text/csv,${encodeURIComponent('\uFEFFsymbol,name\r\nINFY.NS,Infosys\r\n@@@,bad\r\n\r\nITC.NS,ITC\r\n')}`;
  const again = await store.importMaster(YAHOO_MASTER, { url: damaged, force: true });
  assert.deepEqual([again.rows, again.skipped], [2, 1]);
});
