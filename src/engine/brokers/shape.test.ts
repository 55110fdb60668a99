// Every broker folder has the same shape (issue: "one broker, one folder"), so a contributor finds
// the same file for the same job in each: the registered brokers' folders and the template.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { brokers } from './registry';

const SHAPE = ['index', 'auth', 'rest', 'instruments', 'history', 'feed', 'codec', 'normalize'];

test('each registered broker’s folder and _template have index, auth, rest, instruments, history, feed, codec, normalize', () => {
  const folders = ['_template', ...new Set(brokers().map((b) => b.protocol))];
  for (const folder of folders) {
    const missing = SHAPE.filter((f) => !existsSync(new URL(`./${folder}/${f}.ts`, import.meta.url)));
    assert.deepEqual(missing, [], `brokers/${folder}/ lacks ${missing.map((f) => `${f}.ts`).join(', ')}`);
  }
  // A broker with a full-depth feed keeps its socket and its codec beside the main ones.
  for (const b of brokers().filter((x) => x.has.depth.length > 0)) {
    for (const f of ['depth-feed', 'depth-codec']) assert.ok(existsSync(new URL(`./${b.protocol}/${f}.ts`, import.meta.url)), `brokers/${b.protocol}/${f}.ts`);
  }
});
