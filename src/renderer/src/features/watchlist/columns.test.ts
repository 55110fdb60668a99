/* eslint-disable no-restricted-imports -- a unit test: it runs under Node, not in the page */
// The watchlist's columns: each cell's text (Indian grouping, K / L / Cr) and the header sort.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Quote } from '../../../../shared/api';
import type { Instrument } from '../../../../shared/model';
import { COLUMNS, nextSort, normalizeColumns, sortedIds } from './columns';

const ins = (id: number, symbol: string, o: Partial<Instrument> = {}): Instrument =>
  ({ id, broker: 'kite', token: String(id), exchange: 'NSE', segment: 'NSE', symbol, tickSize: 0.05, lotSize: 1, ...o }) as Instrument;
const q = (instrumentId: number, o: Partial<Quote>): Quote => ({ instrumentId, ts: 0, ltp: 0, ...o });

test('cells: LTP, change and change % signed, volume and OI in K / L / Cr, bid and ask grouped', () => {
  const nifty = ins(1, 'NIFTY 50');
  const quote = q(1, { ltp: 24140.75, close: 24000.5, changePct: 0.5844, volume: 3_410_000, oi: 0, bid: 24140.7, ask: 24140.8 });
  assert.equal(COLUMNS.ltp.text(quote, nifty), '24,140.75');
  assert.equal(COLUMNS.change.text(quote, nifty), '+140.25');
  assert.equal(COLUMNS.change.tone(quote, nifty), 'up');
  assert.equal(COLUMNS.changePct.text(quote, nifty), '+0.58%');
  assert.equal(COLUMNS.volume.text(quote, nifty), '34.1L');
  assert.equal(COLUMNS.oi.text(quote, nifty), '', 'no OI for an index');
  assert.equal(COLUMNS.bid.text(quote, nifty), '24,140.70');
  assert.equal(COLUMNS.ask.text(quote, nifty), '24,140.80');
  // The day's range, grouped; nothing where the feed sends none.
  const ranged = { ...quote, high: 24210.05, low: 23998.4 };
  assert.deepEqual([COLUMNS.high.text(ranged, nifty), COLUMNS.low.text(ranged, nifty), COLUMNS.high.text(quote, nifty)], ['24,210.05', '23,998.40', '']);
  // Down a paisa on a 0.0025 tick: four decimals, red; unchanged reads 0.00 and is neutral.
  const fx = ins(2, 'USDINR', { tickSize: 0.0025 });
  assert.equal(COLUMNS.change.text(q(2, { ltp: 83.1, close: 83.11 }), fx), '-0.0100');
  assert.equal(COLUMNS.change.tone(q(2, { ltp: 83.1, close: 83.11 }), fx), 'down');
  assert.equal(COLUMNS.change.text(q(2, { ltp: 83.1, close: 83.1 }), fx), '0.0000');
  assert.equal(COLUMNS.change.tone(q(2, { ltp: 83.1, close: 83.1 }), fx), 'flat');
  // No close, no quote: nothing to say.
  assert.equal(COLUMNS.change.text(q(2, { ltp: 83.1 }), fx), '—');
  assert.equal(COLUMNS.ltp.text(undefined, fx), '—');
  assert.equal(COLUMNS.bid.text(undefined, fx), '');
});

test('a header click cycles ascending → descending → none; another column starts ascending', () => {
  assert.deepEqual(nextSort(null, 'ltp'), { key: 'ltp', dir: 'asc' });
  assert.deepEqual(nextSort({ key: 'ltp', dir: 'asc' }, 'ltp'), { key: 'ltp', dir: 'desc' });
  assert.equal(nextSort({ key: 'ltp', dir: 'desc' }, 'ltp'), null);
  assert.deepEqual(nextSort({ key: 'ltp', dir: 'desc' }, 'volume'), { key: 'volume', dir: 'asc' });
});

test('sorted rows: by value, missing values last either way, ties in list order; by name numerically', () => {
  const instruments = { 1: ins(1, 'A'), 2: ins(2, 'B'), 3: ins(3, 'C'), 4: ins(4, 'D') };
  const quotes = { 1: q(1, { ltp: 10, volume: 500 }), 2: q(2, { ltp: 30 }), 3: q(3, { ltp: 20, volume: 500 }), 4: q(4, { ltp: 5, volume: 900 }) };
  const ids = [1, 2, 3, 4];
  assert.deepEqual(sortedIds(ids, null, quotes, instruments), [1, 2, 3, 4]);
  assert.deepEqual(sortedIds(ids, { key: 'ltp', dir: 'asc' }, quotes, instruments), [4, 1, 3, 2]);
  assert.deepEqual(sortedIds(ids, { key: 'ltp', dir: 'desc' }, quotes, instruments), [2, 3, 1, 4]);
  // 2 has no volume: last whichever way; 1 and 3 tie and keep the list's order.
  assert.deepEqual(sortedIds(ids, { key: 'volume', dir: 'asc' }, quotes, instruments), [1, 3, 4, 2]);
  assert.deepEqual(sortedIds(ids, { key: 'volume', dir: 'desc' }, quotes, instruments), [4, 1, 3, 2]);
  const opts = {
    5: ins(5, 'NIFTY26DEC9500CE', { exchange: 'NFO', name: 'NIFTY', expiry: '2026-12-29', strike: 9500, optionType: 'CE' }),
    6: ins(6, 'NIFTY26DEC24450CE', { exchange: 'NFO', name: 'NIFTY', expiry: '2026-12-29', strike: 24450, optionType: 'CE' }),
    7: ins(7, 'INFY'),
  };
  // "NIFTY 9500 CE" before "NIFTY 24450 CE": numbers compare as numbers.
  assert.deepEqual(sortedIds([6, 5, 7], { key: 'symbol', dir: 'asc' }, {}, opts), [7, 5, 6]);
  assert.deepEqual(sortedIds([6, 5, 7], { key: 'symbol', dir: 'desc' }, {}, opts), [6, 5, 7]);
});

test('stored columns are cleaned: unknown keys dropped, table order, never none', () => {
  assert.deepEqual(normalizeColumns(['oi', 'vwap', 'high', 'ltp', 'oi']), ['ltp', 'oi', 'high']);
  assert.deepEqual(normalizeColumns([]), ['ltp', 'changePct', 'volume', 'oi']);
  assert.deepEqual(normalizeColumns('x'), ['ltp', 'changePct', 'volume', 'oi']);
});
