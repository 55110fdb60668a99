import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Instrument } from '../../shared/model';
import { defaultUniverse } from '../sim/market';
import { InstrumentIndex, parseQuery } from './search';

const universe: Instrument[] = defaultUniverse({ optionStrikes: 20, from: new Date('2026-11-20T00:00:00Z') }).map((s, i) => ({
  id: i + 1,
  broker: 'kite',
  token: String(s.token),
  exchange: s.exchange,
  segment: s.segment,
  symbol: s.symbol,
  name: s.name,
  expiry: s.expiry,
  strike: s.instrumentType === 'CE' || s.instrumentType === 'PE' ? s.strike : undefined,
  optionType: s.instrumentType === 'CE' || s.instrumentType === 'PE' ? s.instrumentType : undefined,
  tickSize: s.tickSize,
  lotSize: s.lotSize,
}));
const index = new InstrumentIndex(universe);
const syms = (q: string, n = 5) => index.search(q, n).map((i) => `${i.exchange}:${i.symbol}`);

test('parses F&O queries', () => {
  assert.deepEqual(parseQuery('nifty dec 24500 ce'), { text: ['NIFTY'], futures: false, month: 12, strike: 24500, optionType: 'CE' });
  assert.deepEqual(parseQuery('BANKNIFTY FUT'), { text: ['BANKNIFTY'], futures: true });
  assert.deepEqual(parseQuery('NSE:INFY'), { text: ['NSE', 'INFY'], futures: false });
});

test('exact symbol first, then prefixes; cash before derivatives', () => {
  assert.deepEqual(syms('INFY', 1), ['NSE:INFY']);
  assert.deepEqual(syms('reli', 2), ['NSE:RELIANCE', 'BSE:RELIANCE']);
  assert.deepEqual(syms('TATA', 5), ['NSE:TATASTEEL', 'NSE:TATAMOTORS', 'NSE:TCS'], 'symbol prefixes (shorter first), then names');
  assert.deepEqual(syms('nifty', 2), ['NSE:NIFTY 50', 'NSE:NIFTY BANK']);
  assert.deepEqual(syms('NIFTY 50', 1), ['NSE:NIFTY 50'], 'a number in an index name is not taken for a strike');
});

test('fuzzy subsequence finds what prefixes miss', () => {
  assert.ok(syms('HDFBK').includes('NSE:HDFCBANK'));
  assert.deepEqual(syms('zzqq'), []);
});

test('F&O by underlying, strike, option type and expiry month', () => {
  const ce = index.search('NIFTY 24500 CE');
  assert.equal(ce.length, 1);
  assert.equal(ce[0].strike, 24500);
  assert.equal(ce[0].optionType, 'CE');
  const fut = index.search('BANKNIFTY FUT');
  assert.deepEqual(fut.map((i) => i.symbol), ['BANKNIFTY26DECFUT']);
  const pes = index.search('NIFTY PE', 100);
  assert.equal(pes.length, 20);
  assert.ok(pes.every((i) => i.optionType === 'PE'));
  assert.deepEqual(pes.map((i) => i.strike), [...pes.map((i) => i.strike!)].sort((a, b) => a - b), 'strikes ascending');
  const month = Number(ce[0].expiry!.slice(5, 7));
  const monthName = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'][month - 1];
  assert.equal(index.search(`NIFTY ${monthName} 24500 CE`).length, 1);
});
