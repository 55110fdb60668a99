import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kiteRowToInstrument, parseKiteInstrumentsCsv } from '../kite/instruments';
import { decodeDhanToken, dhanTokenWarnings } from './auth';
import { crossBrokerKey } from '../../../shared/xkey';
import { parseDhanScripMaster } from './instruments';

const SCRIP = [
  'SEM_EXM_EXCH_ID,SEM_SEGMENT,SEM_SMST_SECURITY_ID,SEM_INSTRUMENT_NAME,SEM_EXPIRY_CODE,SEM_TRADING_SYMBOL,SEM_LOT_UNITS,SEM_CUSTOM_SYMBOL,SEM_EXPIRY_DATE,SEM_STRIKE_PRICE,SEM_OPTION_TYPE,SEM_TICK_SIZE,SEM_EXPIRY_FLAG,SEM_EXCH_INSTRUMENT_TYPE,SEM_SERIES,SM_SYMBOL_NAME',
  'NSE,E,1333,EQUITY,,HDFCBANK,1.0,HDFC Bank,0001-01-01,-0.01,XX,5.0000,NA,ES,EQ,HDFC BANK LTD',
  'NSE,I,13,INDEX,,NIFTY,1.0,Nifty 50,,,,5.0000,NA,IX,X,NIFTY',
  'NSE,D,55796,OPTIDX,0,NIFTY-Jun2026-24000-CE,75.0,NIFTY 30 JUN 24000 CALL,2026-06-30 14:30:00,24000.00000,CE,5.0000,M,OP,NA,NIFTY',
  'NSE,D,55800,FUTIDX,0,NIFTY-Jun2026-FUT,75.0,NIFTY JUN FUT,2026-06-30 14:30:00,-0.01,XX,10.0000,M,FUTIDX,NA,NIFTY',
  'MCX,M,434001,FUTCOM,0,CRUDEOIL-19Jun2026-FUT,100.0,CRUDEOIL JUN FUT,2026-06-19,-0.01,XX,100.0000,M,FUTCOM,NA,CRUDEOIL',
  'NSE,Z,1,WEIRD,,X,1,X,,,,5,NA,X,X,X',
  '',
].join('\n');

test('the compact scrip master: segments, paise tick sizes, lots, options, futures; unknown segments skipped', () => {
  const rows = parseDhanScripMaster(SCRIP);
  assert.equal(rows.length, 5);
  const [hdfc, nifty, ce, fut, crude] = rows;
  assert.deepEqual(
    { id: hdfc.securityId, seg: hdfc.segment, ex: hdfc.exchange, sym: hdfc.symbol, tick: hdfc.tickSize, lot: hdfc.lotSize, exp: hdfc.expiry, strike: hdfc.strike },
    { id: 1333, seg: 'NSE_EQ', ex: 'NSE', sym: 'HDFCBANK', tick: 0.05, lot: 1, exp: undefined, strike: undefined },
  );
  assert.equal(nifty.segment, 'IDX_I');
  assert.deepEqual([ce.segment, ce.exchange, ce.expiry, ce.strike, ce.optionType, ce.lotSize, ce.underlying], ['NSE_FNO', 'NFO', '2026-06-30', 24000, 'CE', 75, 'NIFTY']);
  assert.deepEqual([fut.optionType, fut.strike, fut.tickSize], [undefined, undefined, 0.1]);
  assert.deepEqual([crude.segment, crude.exchange, crude.tickSize, crude.lotSize], ['MCX_COMM', 'MCX', 1, 100]);
  assert.throws(() => parseDhanScripMaster('a,b,c\n1,2,3'), /no SEM_EXM_EXCH_ID column/);
});

test('instruments map across brokers: same key for Kite and Dhan rows of the same contract', () => {
  const kite = parseKiteInstrumentsCsv(
    [
      'instrument_token,exchange_token,tradingsymbol,name,last_price,expiry,strike,tick_size,lot_size,instrument_type,segment,exchange',
      '341249,1333,HDFCBANK,HDFC BANK,0.0,,0.0,0.05,1,EQ,NSE,NSE',
      '12345602,48225,NIFTY26JUN24000CE,NIFTY,0.0,2026-06-30,24000.0,0.05,75,CE,NFO-OPT,NFO',
      '12345603,48226,NIFTY26JUNFUT,NIFTY,0.0,2026-06-30,0.0,0.1,75,FUT,NFO-FUT,NFO',
      '256265,1001,NIFTY 50,NIFTY 50,0.0,,0.0,0.0,0,EQ,INDICES,NSE',
    ].join('\n'),
  ).map(kiteRowToInstrument);
  const dhan = parseDhanScripMaster(SCRIP);
  const dhanKeys = new Map(dhan.map((d) => [crossBrokerKey(d), d.securityId]));
  assert.deepEqual(kite.map((k) => dhanKeys.get(crossBrokerKey(k))), [1333, 55796, 55800, 13], 'Dhan NIFTY (IDX_I) is Kite NIFTY 50 (INDICES)');
});

const jwt = (payload: object) => ['e30', Buffer.from(JSON.stringify(payload)).toString('base64url'), 'sig'].join('.');

test('token payload: expiry and consumer type; warnings for expiry and APP tokens on 200 levels', () => {
  const now = Date.parse('2026-11-22T06:00:00Z');
  const app = jwt({ iss: 'dhan', dhanClientId: '1000000001', exp: now / 1000 + 1800, tokenConsumerType: 'APP' });
  assert.deepEqual(decodeDhanToken(app), { clientId: '1000000001', expiresAt: now + 1_800_000, consumerType: 'APP' });
  const w = dhanTokenWarnings(app, { depth200: true, now });
  assert.equal(w.length, 2);
  assert.match(w[0], /expires at 2026-11-22T06:30:00.000Z/);
  assert.match(w[1], /APP-type token/);
  assert.deepEqual(dhanTokenWarnings(jwt({ exp: now / 1000 + 86400, tokenConsumerType: 'SELF' }), { depth200: true, now }), []);
  assert.match(dhanTokenWarnings(jwt({ exp: now / 1000 - 1 }), { depth200: false, now })[0], /expired/);
  assert.match(dhanTokenWarnings('not-a-jwt', { depth200: false })[0], /cannot read the access token/);
});
