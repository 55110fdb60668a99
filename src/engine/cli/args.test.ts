import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isoIst, parseDuration, parseTime } from './args';

test('durations', () => {
  assert.deepEqual(['20s', '5m', '1h', '1500ms', '3', '0.5s'].map(parseDuration), [20000, 300000, 3600000, 1500, 3000, 500]);
  assert.throws(() => parseDuration('soon'), /bad duration/);
});

test('times: zone-less means IST; dates are IST midnight; epoch ms passes through', () => {
  assert.equal(parseTime('2026-11-20T09:15:00'), Date.parse('2026-11-20T03:45:00Z'));
  assert.equal(parseTime('2026-11-20 09:15:00'), Date.parse('2026-11-20T03:45:00Z'));
  assert.equal(parseTime('2026-11-20'), Date.parse('2026-11-19T18:30:00Z'));
  assert.equal(parseTime('2026-11-20T03:45:00Z'), Date.parse('2026-11-20T03:45:00Z'));
  assert.equal(parseTime('1763610300000'), 1763610300000);
  assert.throws(() => parseTime('yesterday'), /bad time/);
  assert.equal(isoIst(Date.parse('2026-11-20T03:45:00Z')), '2026-11-20T09:15:00.000+05:30');
});
