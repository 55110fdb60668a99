import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRequest } from './api';

test('valid requests parse with defaults applied', () => {
  assert.deepEqual(parseRequest({ id: 1, method: 'searchInstruments', params: { query: 'NIFTY' } }), {
    ok: true,
    id: 1,
    method: 'searchInstruments',
    params: { query: 'NIFTY', limit: 50 },
  });
  assert.deepEqual(parseRequest({ id: 2, method: 'status' }), { ok: true, id: 2, method: 'status', params: {} });
});

test('malformed requests get a clear error, never an exception', () => {
  const r1 = parseRequest({ id: 3, method: 'getCandles', params: { instrumentId: -1, interval: '2m' } });
  assert.equal(r1.ok, false);
  assert.equal(!r1.ok && r1.code, 'bad-request');
  assert.match(!r1.ok ? r1.message : '', /getCandles: [\s\S]*at instrumentId[\s\S]*at interval/);
  const r2 = parseRequest({ id: 4, method: 'dropTables' });
  assert.deepEqual(r2, { ok: false, id: 4, code: 'unknown-method', message: 'unknown method "dropTables"' });
  const r3 = parseRequest('hello');
  assert.equal(r3.ok, false);
  assert.equal(!r3.ok && r3.id, -1);
  const r4 = parseRequest({ id: 5, method: 'subscribe', params: { instrumentIds: [1], extra: true } });
  assert.equal(r4.ok, false, 'unknown keys are rejected');
  const r5 = parseRequest({ id: 6, method: '__proto__' });
  assert.equal(!r5.ok && r5.code, 'unknown-method');
});
