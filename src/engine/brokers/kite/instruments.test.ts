import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { formatKiteInstrumentsCsv, kiteRowToInstrument, parseKiteInstrumentsCsv, splitCsvLine } from './instruments';

const fixture = (name: string) => readFileSync(new URL(`../../../../test/fixtures/kite/${name}`, import.meta.url), 'utf8');

test("parses Zerodha's instruments dump: exact columns, CRLF, trailing newline, empty fields", () => {
  const rows = parseKiteInstrumentsCsv(fixture('instruments_all.csv'));
  assert.equal(rows.length, 99);
  const opt = rows.find((r) => r.instrumentType === 'CE')!;
  assert.equal(opt.segment, 'NFO-OPT');
  assert.ok(opt.strike > 0);
  assert.match(opt.expiry, /^\d{4}-\d{2}-\d{2}$/);
  assert.equal(opt.instrumentToken & 0xff, 2, 'NFO tokens carry segment 2');
  assert.equal(opt.instrumentToken >> 8, opt.exchangeToken);
  const eq = rows.find((r) => r.tradingsymbol === 'ERAINFRA')!;
  assert.deepEqual(eq, {
    instrumentToken: 3411713,
    exchangeToken: 13327,
    tradingsymbol: 'ERAINFRA',
    name: 'ERA INFRA ENGINEERING',
    lastPrice: 0,
    expiry: '',
    strike: 0,
    tickSize: 0.05,
    lotSize: 1,
    instrumentType: 'EQ',
    segment: 'NSE',
    exchange: 'NSE',
  });
  assert.deepEqual(kiteRowToInstrument(eq), {
    broker: 'kite',
    token: '3411713',
    exchange: 'NSE',
    segment: 'NSE',
    symbol: 'ERAINFRA',
    name: 'ERA INFRA ENGINEERING',
    expiry: undefined,
    strike: undefined,
    optionType: undefined,
    tickSize: 0.05,
    lotSize: 1,
  });
  assert.equal(kiteRowToInstrument(opt).optionType, 'CE');
});

test('format → parse round-trips, quoting names with commas', () => {
  const rows = parseKiteInstrumentsCsv(fixture('instruments_nse.csv'));
  rows[0].name = 'A, "quoted" name';
  const again = parseKiteInstrumentsCsv(formatKiteInstrumentsCsv(rows));
  assert.deepEqual(again, rows);
  assert.deepEqual(splitCsvLine('1,"a,b","c""d",'), ['1', 'a,b', 'c"d', '']);
});

test('a file that is not a Kite dump is refused with a clear error', () => {
  assert.throws(() => parseKiteInstrumentsCsv('SEM_EXM_EXCH_ID,SEM_SEGMENT\nNSE,E\n'), /not a Kite instruments dump/);
  assert.throws(() => parseKiteInstrumentsCsv(fixture('instruments_nse.csv') + '1,2,3\n'), /12/);
});
