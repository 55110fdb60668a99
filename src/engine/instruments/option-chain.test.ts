import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Instrument } from '../../shared/model';
import { simInstruments } from '../testing';
import { optionChain, optionUnderlyings, spotInstrument } from './option-chain';

const from = new Date('2026-11-20T00:00:00Z');
const all: Instrument[] = simInstruments({ optionStrikes: 30, from });

test('underlyings with expiries; the spot is the index for index options', () => {
  const u = optionUnderlyings(all, '2026-11-20');
  assert.deepEqual(u.map((x) => [x.exchange, x.underlying]), [['NFO', 'NIFTY']]);
  assert.equal(u[0].expiries.length, 2, 'the weekly and the monthly');
  // NSE index options expire on Tuesdays, or the trading day before one that is a holiday: the
  // November monthly on Monday the 23rd (Tuesday 24 Nov 2026 is Guru Nanak Jayanti).
  assert.deepEqual(u[0].expiries, ['2026-11-23', '2026-12-01']);
  assert.equal(spotInstrument(all, 'NIFTY', 'NFO')!.symbol, 'NIFTY 50', 'Kite lists the NIFTY index as NIFTY 50');
  assert.equal(spotInstrument(all, 'BANKNIFTY', 'NFO')!.symbol, 'NIFTY BANK');
  assert.equal(optionUnderlyings(all, '2030-01-01').length, 0, 'expired contracts are not offered');
});

test('strikes around the money, CE and PE side by side, ascending', () => {
  const expiry = optionUnderlyings(all, '2026-11-20')[0].expiries[0];
  const listed = [...new Set(all.filter((i) => i.expiry === expiry && i.optionType).map((i) => i.strike!))].sort((a, b) => a - b);
  const mid = listed[Math.floor(listed.length / 2)];
  const spot = mid + 12;
  const { rows, atm } = optionChain(all, { underlying: 'NIFTY', exchange: 'NFO', expiry, around: 3, spot });
  assert.equal(atm, listed.reduce((a, k) => (Math.abs(k - spot) < Math.abs(a - spot) ? k : a)), 'the listed strike nearest the spot');
  const at = listed.indexOf(atm!);
  assert.deepEqual(rows.map((r) => r.strike), listed.slice(at - 3, at + 4), 'three listed strikes each side, ascending');
  for (const r of rows) {
    assert.equal(r.ce!.optionType, 'CE');
    assert.equal(r.pe!.optionType, 'PE');
    assert.equal(r.ce!.strike, r.strike);
  }
  // Near the edge of the listed strikes: what there is, no padding.
  const low = optionChain(all, { underlying: 'NIFTY', exchange: 'NFO', expiry, around: 3, spot: 1 });
  assert.equal(low.rows[0].strike, low.atm);
  assert.equal(low.rows.length, 4);
  // No spot: the middle strike.
  assert.equal(optionChain(all, { underlying: 'NIFTY', exchange: 'NFO', expiry, around: 1, spot: null }).rows.length, 3);
  assert.deepEqual(optionChain(all, { underlying: 'NOPE', exchange: 'NFO', expiry, around: 1, spot: null }), { rows: [], atm: null });
});
