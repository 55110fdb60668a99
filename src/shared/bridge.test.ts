import assert from 'node:assert/strict';
import { test } from 'node:test';
import { frameMessage, MAX_MESSAGE_BYTES, Reassembler } from './bridge';

test('small messages are one frame; large ones are chunked under 64 KB and reassembled in any order', () => {
  assert.deepEqual(frameMessage({ id: 1, result: [1, 2] }), ['{"id":1,"result":[1,2]}']);
  const bars = Array.from({ length: 5000 }, (_, i) => ({ t: 1700000000 + 60 * i, o: 100.05, h: 101.5, l: 99.95, c: 100.4, v: 12345, name: 'ह' }));
  const big = { id: 7, result: bars };
  const frames = frameMessage(big);
  assert.ok(frames.length > 10);
  for (const f of frames) assert.ok(Buffer.byteLength(f) < MAX_MESSAGE_BYTES, `${Buffer.byteLength(f)} bytes`);
  const r = new Reassembler();
  const shuffled = [...frames].reverse();
  const results = shuffled.map((f) => r.accept(f));
  assert.deepEqual(results.slice(0, -1), Array(frames.length - 1).fill(undefined));
  assert.deepEqual(results.at(-1), big);
  assert.deepEqual(r.accept('{"event":"status","data":1}'), { event: 'status', data: 1 });
});
