/* eslint-disable no-restricted-imports -- a unit test: it runs under Node, not in the page */
// The LTP flash's fade: full strength at the start, one step down every FLASH_MS / FLASH_STEPS,
// clear at FLASH_MS and let go; a class write only when the step changes; stepped only while needed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FLASH_MS, FLASH_STEPS, Flasher } from './flash';

class El {
  writes: string[] = [];
  get className(): string {
    return this.writes.at(-1) ?? '';
  }
  set className(v: string) {
    this.writes.push(v);
  }
  setAttribute(): void {}
}

function setup() {
  let now = 0;
  let pending: (() => void) | null = null;
  let scheduled = 0;
  const f = new Flasher(
    () => now,
    (step) => {
      scheduled++;
      pending = step;
    },
  );
  /** Runs the scheduled step at `ms` (as the next frame would). */
  const frameAt = (ms: number) => {
    now = ms;
    const step = pending;
    pending = null;
    step?.();
  };
  return { f, frameAt, at: (ms: number) => (now = ms), scheduled: () => scheduled, pending: () => pending !== null };
}

test('a flash steps down from l6 to clear over FLASH_MS, one class write per step, then stops asking for frames', () => {
  const s = setup();
  const el = new El();
  s.f.start(el, true);
  assert.equal(el.className, `flash up l${FLASH_STEPS}`);
  const per = FLASH_MS / FLASH_STEPS;
  // Frames every 16 ms: the class changes only at each step's boundary.
  for (let t = 16; t < FLASH_MS + 50 && s.pending(); t += 16) s.frameAt(t);
  assert.deepEqual(el.writes, ['flash up l6', 'flash up l5', 'flash up l4', 'flash up l3', 'flash up l2', 'flash up l1', 'flash']);
  assert.equal(s.f.size, 0, 'let go once clear');
  assert.equal(s.pending(), false, 'no more frames asked for');
  assert.equal(FLASH_STEPS, 6);
  assert.ok(per > 16, 'a step lasts several frames');
});

test('a late frame jumps to the strength the age calls for (a hidden tab clears at once)', () => {
  const s = setup();
  const a = new El();
  const b = new El();
  s.f.start(a, false);
  s.at(300);
  s.f.start(b, true);
  s.frameAt(350); // a: 350 ms old → step 3 (l3); b: 50 ms → still l6 (no write)
  assert.equal(a.className, 'flash down l3');
  assert.deepEqual(b.writes, ['flash up l6']);
  s.frameAt(10_000);
  assert.equal(a.className, 'flash');
  assert.equal(b.className, 'flash');
  assert.equal(s.f.size, 0);
});

test('a cell flashed again while fading starts again from full strength, in the new direction', () => {
  const s = setup();
  const el = new El();
  s.f.start(el, true);
  s.frameAt(400);
  assert.equal(el.className, 'flash up l3');
  s.at(450);
  s.f.start(el, false);
  assert.equal(el.className, 'flash down l6');
  s.frameAt(460);
  assert.equal(el.className, 'flash down l6', 'its age counts from the new start');
  assert.equal(s.f.size, 1);
});
