/* eslint-disable no-restricted-imports -- a unit test: it runs under Node, not in the page */
// The frame scheduler: one run per key per frame with its newest task, and tasks posted during a
// frame wait for the next (a chart's turn is one chart a frame).
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';

// A fake animation frame: callbacks wait until frame() runs them.
let callbacks: Array<() => void> = [];
const g = globalThis as unknown as { requestAnimationFrame: (cb: () => void) => number };
g.requestAnimationFrame = (cb) => callbacks.push(cb);
function frame(): void {
  const due = callbacks;
  callbacks = [];
  for (const cb of due) cb();
}

const { cancelFrameTask, onNextFrame } = await import('./frame');

beforeEach(() => {
  frame(); // nothing left over from the previous test
  frame();
});

test('a key posted many times before a frame runs once, with its newest task', () => {
  const ran: number[] = [];
  for (let i = 0; i < 5; i++) onNextFrame('chart', () => ran.push(i));
  assert.deepEqual(ran, []);
  frame();
  assert.deepEqual(ran, [4]);
  frame();
  assert.deepEqual(ran, [4], 'nothing more without a new post');
});

test('a task posted while a frame runs waits for the next frame', () => {
  const ran: string[] = [];
  const turn = (n: number) => () => {
    ran.push(`turn ${n}`);
    if (n < 3) onNextFrame('turn', turn(n + 1));
  };
  onNextFrame('turn', turn(1));
  onNextFrame('legend', () => ran.push('legend'));
  frame();
  assert.deepEqual(ran, ['turn 1', 'legend']);
  frame();
  assert.deepEqual(ran, ['turn 1', 'legend', 'turn 2']);
  frame();
  assert.deepEqual(ran, ['turn 1', 'legend', 'turn 2', 'turn 3']);
  frame(); // the frame asked for by the last one finds nothing to do
  assert.equal(callbacks.length, 0, 'no frame asked for once the queue is empty');
});

test("the scheduler's callback comes before the frame callbacks its tasks ask for", () => {
  const ran: string[] = [];
  // A chart library: given a bar, it asks for its own frame to draw.
  const library = () => requestAnimationFrame(() => ran.push('library draws'));
  onNextFrame('chart', () => {
    ran.push('chart update 1');
    library();
    onNextFrame('legend', () => ran.push('legend'));
  });
  frame();
  assert.deepEqual(ran, ['chart update 1']);
  frame();
  assert.deepEqual(ran, ['chart update 1', 'legend', 'library draws'], 'the text is written before the library draws');
});

test('a cancelled task does not run', () => {
  const ran: string[] = [];
  onNextFrame('tape', () => ran.push('tape'));
  cancelFrameTask('tape');
  frame();
  assert.deepEqual(ran, []);
});
