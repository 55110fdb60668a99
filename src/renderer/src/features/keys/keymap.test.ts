/* eslint-disable no-restricted-imports -- a unit test: it runs under Node, not in the page */
// The interval keys: minutes typed as digits, letters, and stepping.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stepInterval, typeInterval } from './keymap';

test('a digit that no longer interval starts with applies at once', () => {
  assert.deepEqual(typeInterval('', '5'), { kind: 'apply', interval: '5m' });
  assert.deepEqual(typeInterval('1', '5'), { kind: 'apply', interval: '15m' });
  assert.deepEqual(typeInterval('1', '0'), { kind: 'apply', interval: '10m' });
  assert.deepEqual(typeInterval('2', '5'), { kind: 'apply', interval: '25m' });
  assert.deepEqual(typeInterval('6', '0'), { kind: 'apply', interval: '1h' });
});

test('a prefix of a longer interval waits, with what it means if nothing follows', () => {
  assert.deepEqual(typeInterval('', '1'), { kind: 'wait', buffer: '1', interval: '1m' });
  assert.deepEqual(typeInterval('', '3'), { kind: 'wait', buffer: '3', interval: '3m' });
  assert.deepEqual(typeInterval('', '2'), { kind: 'wait', buffer: '2', interval: undefined });
  assert.deepEqual(typeInterval('', '6'), { kind: 'wait', buffer: '6', interval: undefined });
});

test('letters pick an interval; other keys are not intervals', () => {
  assert.deepEqual(typeInterval('', 's'), { kind: 'apply', interval: '1s' });
  assert.deepEqual(typeInterval('', 'H'), { kind: 'apply', interval: '1h' });
  assert.deepEqual(typeInterval('', 'd'), { kind: 'apply', interval: '1d' });
  assert.deepEqual(typeInterval('', '7'), { kind: 'none' });
  assert.deepEqual(typeInterval('', 'x'), { kind: 'none' });
  // "1" then "2": not "12"; the 2 starts afresh (it may become 25).
  assert.deepEqual(typeInterval('1', '2'), { kind: 'wait', buffer: '2', interval: undefined });
});

test('[ and ] step through the intervals, clamped at the ends', () => {
  const list = ['1s', '1m', '5m', '1d'] as const;
  assert.equal(stepInterval(list, '1m', 1), '5m');
  assert.equal(stepInterval(list, '1m', -1), '1s');
  assert.equal(stepInterval(list, '1s', -1), '1s');
  assert.equal(stepInterval(list, '1d', 1), '1d');
});

test('the chart grid’s keys take no key the interval keys or the other letters use', async () => {
  const { CHART_KEYS, KEY_LIST } = await import('./keymap');
  const letters = [CHART_KEYS.cycleGrid, CHART_KEYS.link, CHART_KEYS.trend];
  assert.equal(new Set(letters).size, 3);
  for (const k of letters) {
    assert.deepEqual(typeInterval('', k), { kind: 'none' }, `${k} is no interval key`);
    assert.notEqual(k, 'c', 'C is the option chain');
  }
  assert.deepEqual(Object.values(CHART_KEYS.grid), [1, 2, 4]);
  // Every key the grid answers to is in the list `?` shows.
  const listed = KEY_LIST.flatMap(([k]) => k.split(/\s+/));
  for (const k of ['T', 'G', 'L', 'Alt+1']) assert.ok(listed.includes(k), `${k} in the key list`);
});
