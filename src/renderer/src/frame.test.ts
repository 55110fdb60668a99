/* eslint-disable no-restricted-imports -- a unit test: it runs under Node, not in the page */
// The frame scheduler: one run per key per frame with its newest task, and tasks posted during a
// frame wait for the next; turns (paced chart redraws) one a frame, in frames carrying a message.
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';

// A fake animation frame: callbacks wait until frame() runs them, 16 ms of a fake clock apart.
let callbacks: Array<() => void> = [];
let clock = 1000;
const g = globalThis as unknown as { requestAnimationFrame: (cb: () => void) => number };
g.requestAnimationFrame = (cb) => callbacks.push(cb);
performance.now = () => clock;
function frame(): void {
  clock += 16;
  const due = callbacks;
  callbacks = [];
  for (const cb of due) cb();
}
/** The engine's message handled between two frames. */
function message(): void {
  clock += 1;
  noteMessage();
}

const { cancelFrameTask, dropTurn, noteMessage, onNextFrame, takeTurn } = await import('./frame');

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

test('turns: one a frame in the order asked, each in a frame that carries an engine message', () => {
  const ran: string[] = [];
  const chart = (n: number) => () => ran.push(`chart ${n}`);
  const [c1, c2, c3] = [chart(1), chart(2), chart(3)];
  message(); // the previous frame handled nothing: this one carries a message
  takeTurn(c1);
  takeTurn(c2);
  takeTurn(c1); // already waiting: once
  frame();
  assert.deepEqual(ran, ['chart 1'], 'with a message: at once');
  frame();
  assert.deepEqual(ran, ['chart 1'], 'no message since the last frame: it waits');
  message();
  frame();
  assert.deepEqual(ran, ['chart 1', 'chart 2'], 'the next message frame');
  takeTurn(c3);
  frame();
  assert.deepEqual(ran, ['chart 1', 'chart 2'], 'waits one frame for a message…');
  frame();
  assert.deepEqual(ran, ['chart 1', 'chart 2', 'chart 3'], '…and no more: an engine with nothing to say does not hold the charts back');
  frame();
  assert.equal(callbacks.length, 0, 'no frame asked for once the turns are done');
});

test('turns: a dropped turn does not run (a chart closed while waiting)', () => {
  const ran: string[] = [];
  const a = () => ran.push('a');
  const b = () => ran.push('b');
  message();
  takeTurn(a);
  takeTurn(b);
  dropTurn(a);
  frame();
  assert.deepEqual(ran, ['b']);
  frame();
  frame();
  assert.deepEqual(ran, ['b']);
  // Dropped while it waited for a message: the next turn waits afresh, not run at once.
  takeTurn(a);
  frame();
  dropTurn(a);
  frame();
  takeTurn(b);
  frame();
  assert.deepEqual(ran, ['b'], 'a frame without a message: it waits');
  message();
  frame();
  assert.deepEqual(ran, ['b', 'b']);
});
