/* eslint-disable no-restricted-imports -- a unit test: it runs under Node, not in the page */
// Instruments as a trader reads them: two strikes or CE/PE of one expiry never look alike.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Instrument } from '../../../../shared/model';
import { instrumentLabel } from './symbol';

const ins = (o: Partial<Instrument>): Instrument => ({ id: 1, broker: 'kite', token: '1', exchange: 'NSE', segment: 'NSE', symbol: 'INFY', tickSize: 0.05, lotSize: 1, ...o }) as Instrument;
const opt = (strike: number, optionType: 'CE' | 'PE') =>
  ins({ exchange: 'NFO', segment: 'NFO-OPT', symbol: `NIFTY24DEC${strike}${optionType}`, name: 'NIFTY', expiry: '2024-12-26', strike, optionType });

test('options: underlying, strike and CE/PE, the expiry beside', () => {
  assert.deepEqual(instrumentLabel(opt(24450, 'CE')), { main: 'NIFTY 24450 CE', sub: '26 Dec', full: 'NFO:NIFTY24DEC24450CE (NIFTY 24450 CE 26 Dec)', title: 'NFO:NIFTY24DEC24450CE (NIFTY 24450 CE 26 Dec)' });
  const labels = [opt(24400, 'CE'), opt(24450, 'CE'), opt(24450, 'PE')].map((i) => instrumentLabel(i).main);
  assert.deepEqual(labels, ['NIFTY 24400 CE', 'NIFTY 24450 CE', 'NIFTY 24450 PE']);
});

test('futures, and exchanges named only where not the obvious one', () => {
  assert.deepEqual(instrumentLabel(ins({ exchange: 'NFO', symbol: 'NIFTY24DECFUT', name: 'NIFTY', expiry: '2024-12-26' })).main, 'NIFTY FUT');
  assert.equal(instrumentLabel(ins({ exchange: 'CDS', symbol: 'USDINR24DECFUT', name: 'USDINR', expiry: '2024-12-27' })).sub, '27 Dec CDS');
  assert.deepEqual(instrumentLabel(ins({ name: 'INFOSYS' })), { main: 'INFY', sub: '', full: 'NSE:INFY', title: 'NSE:INFY · INFOSYS' });
  assert.equal(instrumentLabel(ins({ exchange: 'BSE', symbol: 'RELIANCE' })).sub, 'BSE');
});
