import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Instrument } from '../../shared/model';
import { simInstruments } from '../testing';
import { InstrumentIndex, parseQuery } from './search';

const universe: Instrument[] = simInstruments({ optionStrikes: 20, from: new Date('2026-11-20T00:00:00Z') });
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
  // One per listed expiry (the weekly and the monthly), nearest expiry first.
  const strike = universe.find((i) => i.optionType === 'CE' && universe.filter((j) => j.optionType === 'CE' && j.strike === i.strike).length === 2)!.strike!;
  const ce = index.search(`NIFTY ${strike} CE`);
  assert.equal(ce.length, 2);
  assert.ok(ce.every((i) => i.strike === strike && i.optionType === 'CE'));
  assert.ok(ce[0].expiry! < ce[1].expiry!, 'nearest expiry first');
  const fut = index.search('BANKNIFTY FUT');
  assert.deepEqual(fut.map((i) => i.symbol), universe.filter((i) => i.name === 'BANKNIFTY' && !i.optionType && i.expiry).map((i) => i.symbol));
  assert.match(fut[0].symbol, /^BANKNIFTY\d{2}[A-Z]{3}FUT$/);
  const pes = index.search('NIFTY PE', 100);
  assert.equal(pes.length, universe.filter((i) => i.optionType === 'PE').length);
  assert.ok(pes.every((i) => i.optionType === 'PE'));
  const month = Number(ce[1].expiry!.slice(5, 7));
  const monthName = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'][month - 1];
  const inMonth = index.search(`NIFTY ${monthName} ${strike} CE`);
  assert.ok(inMonth.length >= 1 && inMonth.every((i) => Number(i.expiry!.slice(5, 7)) === month && i.strike === strike), 'the month narrows it');
});

test('over 100,000 instruments the staged index ranks exactly as scoring every instrument would', async () => {
  const { syntheticKiteDump } = await import('../../../bench/instruments');
  const { kiteRowToInstrument } = await import('../brokers/kite/instruments');
  const all: Instrument[] = syntheticKiteDump(100_000).map((r, i) => ({ ...kiteRowToInstrument(r), id: i + 1 }));
  const big = new InstrumentIndex(all);
  // The reference: score every instrument with the documented rules, sort, cut.
  const reference = (query: string, limit: number, plain = false): Instrument[] => {
    const q = plain ? { text: [query], futures: false, optionType: undefined, strike: undefined, expiry: undefined, month: undefined } : parseQuery(query);
    const text = q.text.join(' ');
    const fno = q.optionType !== undefined || q.futures || q.strike !== undefined || q.month !== undefined || q.expiry !== undefined;
    const sub = (n: string, h: string) => {
      let j = 0;
      for (let i = 0; i < h.length && j < n.length; i++) if (h[i] === n[j]) j++;
      return j === n.length;
    };
    const scored: Array<{ i: Instrument; s: number }> = [];
    for (const i of all) {
      const sym = i.symbol.toUpperCase();
      const name = (i.name ?? '').toUpperCase();
      if (fno && (!i.expiry || (q.futures && i.optionType) || (q.optionType && i.optionType !== q.optionType) || (q.strike !== undefined && i.strike !== q.strike) || (q.expiry && i.expiry !== q.expiry) || (q.month && Number(i.expiry.slice(5, 7)) !== q.month))) continue;
      let s = 0;
      if (!text) s = 1;
      else if (sym === text || name === text) s = 100;
      else if (fno && name.startsWith(text)) s = 70;
      else if (sym.startsWith(text)) s = 80 - Math.min(20, sym.length - text.length) / 2;
      else if (name.startsWith(text)) s = 50;
      else if (sym.includes(text) || name.includes(text)) s = 30;
      else if (text.length >= 2 && sub(text.replace(/ /g, ''), sym)) s = 10;
      if (!s) continue;
      if (!fno) s += i.expiry ? (i.optionType ? -30 : -20) : 5;
      scored.push({ i, s });
    }
    scored.sort((a, b) => b.s - a.s || (a.i.expiry ?? '').localeCompare(b.i.expiry ?? '') || (a.i.strike ?? 0) - (b.i.strike ?? 0) || (a.i.optionType ?? '').localeCompare(b.i.optionType ?? '') || a.i.symbol.toUpperCase().localeCompare(b.i.symbol.toUpperCase()));
    return scored.slice(0, limit).map((x) => x.i);
  };
  const queries = ['', 'NIFTY', 'nifty 1500 ce', 'BANKNIFTY DEC FUT', 'stockaa', 'STKB', 'finnifty 2026-12-31 1200 pe', 'EQ12', 'company 3999', 'banknifty 2000', 'xyz', 'N', 'FILL9', 'nifty pe', 'qzx', 'COMPANY', '1500 CE', 'STOCKAB JAN FUT', 'eq1nif', 'nifty 1525 ce', 'nifty 2031-01-01 fut', 'OCK', 'KAA', 'ANY 39'];
  for (const q of queries) {
    // As documented: a query that finds nothing as F&O is tried again as plain text.
    const words = q.toUpperCase().trim().split(/\s+/);
    const first = reference(q, 500);
    const want = first.length || parseQuery(q).text.length === 0 || words.length < 2 ? first : reference(words.join(' '), 500, true);
    for (const limit of [1, 10, 50, 500]) assert.deepEqual(big.search(q, limit).map((i) => i.id), want.slice(0, limit).map((i) => i.id), `"${q}" limit ${limit}`);
  }
});
