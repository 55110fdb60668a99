import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isoIst, parseDuration, parseTime, UsageError } from './args';

test('durations', () => {
  assert.deepEqual(['20s', '5m', '1h', '1500ms', '3', '0.5s'].map(parseDuration), [20000, 300000, 3600000, 1500, 3000, 500]);
  assert.throws(() => parseDuration('soon'), /bad duration/);
});

test('a duration of 0 or less is refused (it would stop before starting)', () => {
  for (const s of ['0', '0s', '0ms', '0.0001ms', '-5s', '-1', '-0']) {
    assert.throws(() => parseDuration(s), (e: Error) => e instanceof UsageError && /must be more than 0/.test(e.message), s);
  }
  assert.equal(parseDuration('1ms'), 1);
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
