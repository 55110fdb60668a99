// The full-depth bookkeeping any broker with per-instrument depth shares (depth-slots.ts), on a
// made-up broker: refusals name the levels offered, the adapter's reason or the holders of a full
// feed, and change nothing; moves keep each feed's order.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DepthSlots } from './depth-slots';
import { DepthRefused } from './types';

test('one feed per instrument, each within its limit; refusals say why and change nothing', () => {
  const slots = new DepthSlots('Acme', [
    { levels: 30, maxInstruments: 7 },
    { levels: 100, maxInstruments: 2 },
  ], (id) => `X:${id}`);
  const refused = (id: number, levels: number, message: string, why: string | null = null) =>
    assert.throws(() => slots.check(id, levels, why), (e: Error) => e instanceof DepthRefused && e.message === message);
  for (const id of [1, 2]) {
    slots.check(id, 100);
    slots.move(id, 100);
  }
  const full = slots.assigned();
  assert.deepEqual(full, [
    { levels: 30, max: 7, instruments: [] },
    { levels: 100, max: 2, instruments: [1, 2] },
  ]);
  refused(3, 100, "Acme's 100-level depth takes 2 instruments, all in use (X:1, X:2): move one of them off it first");
  refused(3, 50, "Acme streams full depth at 30 or 100 levels (0: the ticks' own book), not 50");
  refused(3, 30, 'X:3 has none', 'X:3 has none');
  assert.deepEqual(slots.assigned(), full);
  slots.check(2, 100); // on it already: no change, no refusal
  slots.check(3, 0);

  assert.equal(slots.move(1, 30), 100);
  slots.check(3, 100);
  slots.move(3, 100);
  for (const id of [4, 5, 6, 7, 8, 9]) slots.move(id, 30);
  assert.deepEqual(slots.assigned(), [
    { levels: 30, max: 7, instruments: [1, 4, 5, 6, 7, 8, 9] },
    { levels: 100, max: 2, instruments: [2, 3] },
  ]);
  refused(10, 30, "Acme's 30-level depth takes 7 instruments, all in use (X:1, X:4, X:5, X:6, X:7 and 2 more): move one of them off it first");
  assert.equal(slots.move(4, 0), 30);
  assert.deepEqual([slots.levels(4), slots.levels(3), slots.holders(30)], [0, 100, [1, 5, 6, 7, 8, 9]]);
  assert.throws(() => new DepthSlots('Plain', [], String).check(1, 20), (e: Error) => e instanceof DepthRefused && e.message === 'Plain streams no full depth');
});
