/* eslint-disable no-restricted-imports -- a unit test: it runs under Node, not in the page */
// The ladder's full-depth choice as data: the switch's options and counters from the engine's
// usage, the saved choices per broker, and the order they are applied again (slots freed first).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DepthUsage } from '../../../../shared/api';
import { depthOptions, levelsOf, loadSaved, reapplyPlan, saveChoice, scarcest } from './depth-choice';

const usage: DepthUsage[] = [
  { levels: 200, max: 5, instruments: [11, 12, 13, 14, 15] },
  { levels: 20, max: 250, instruments: [21] },
];

test('levels of an instrument, the options fewest levels first, a full feed marked, the scarcest feed', () => {
  assert.deepEqual([levelsOf(usage, 13), levelsOf(usage, 21), levelsOf(usage, 99), levelsOf(usage, null)], [200, 20, 0, 0]);
  assert.deepEqual(
    depthOptions(5, usage).map((o) => [o.levels, o.label, o.full, o.usage?.max ?? null]),
    [
      [0, '5', false, null],
      [20, '20', false, 250],
      [200, '200', true, 5],
    ],
  );
  assert.equal(depthOptions(0, usage)[0].label, 'off', 'a broker that does not say its ticks\' levels');
  assert.equal(scarcest(usage)?.levels, 200);
  assert.equal(scarcest([]), null);
});

function memory(): Storage & { data: Record<string, string> } {
  const data: Record<string, string> = {};
  return { data, getItem: (k) => data[k] ?? null, setItem: (k, v) => void (data[k] = v), removeItem: (k) => void delete data[k], clear: () => {}, key: () => null, length: 0 };
}

test('choices are kept per broker; a damaged entry reads as none', () => {
  const s = memory();
  saveChoice('brk-a', 11, 200, s);
  saveChoice('brk-a', 21, 0, s);
  saveChoice('brk-a', 11, 20, s);
  saveChoice('brk-b', 11, 200, s);
  assert.deepEqual(loadSaved('brk-a', s), { 11: 20, 21: 0 });
  assert.deepEqual(loadSaved('brk-b', s), { 11: 200 });
  assert.deepEqual(loadSaved('brk-c', s), {});
  s.data['tickdesk.depth.brk-a'] = '{not json';
  assert.deepEqual(loadSaved('brk-a', s), {});
  s.data['tickdesk.depth.brk-a'] = JSON.stringify({ 11: 200, x: 20, 12: -1, 13: 2.5, 14: 'a' });
  assert.deepEqual(loadSaved('brk-a', s), { 11: 200 });
});

test('re-applying after a reconnect: only what differs, levels the broker offers, slots freed before taken', () => {
  // The engine restarted with 11…15 at 200; the user had moved 11 off, put 16 on 200 and 21 on 20.
  const restarted: DepthUsage[] = [
    { levels: 200, max: 5, instruments: [11, 12, 13, 14, 15] },
    { levels: 20, max: 250, instruments: [] },
  ];
  assert.deepEqual(reapplyPlan({ 16: 200, 11: 0, 21: 20, 12: 200, 30: 50 }, restarted), [
    { instrumentId: 11, levels: 0 },
    { instrumentId: 21, levels: 20 },
    { instrumentId: 16, levels: 200 },
  ]);
  assert.deepEqual(reapplyPlan({ 11: 200, 21: 20 }, usage), [], 'nothing to do when the engine has it all');
});
