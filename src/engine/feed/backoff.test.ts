import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Backoff } from './backoff';

test('delays double up to the cap; jitter only shortens; reset starts over', () => {
  const noJitter = new Backoff({ initialMs: 100, maxMs: 1000, jitter: 0 });
  assert.deepEqual([1, 2, 3, 4, 5, 6].map(() => noJitter.next()), [100, 200, 400, 800, 1000, 1000]);
  noJitter.reset();
  assert.equal(noJitter.next(), 100);

  const seq = [0, 0.999, 0.5];
  let i = 0;
  const jittered = new Backoff({ initialMs: 1000, maxMs: 60_000, jitter: 0.5 }, () => seq[i++ % seq.length]);
  assert.deepEqual([jittered.next(), jittered.next(), jittered.next()], [1000, 1001, 3000]);
});
