// The recorder's own checks on what it is asked to record, before it opens anything.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { brokers } from '../brokers/registry';
import { Recorder } from './recorder';

test('a depth the broker does not stream is refused, naming what it has, and no journal is created', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tickdesk-recorder-'));
  const withDepth = brokers().find((b) => b.has.depth.length > 0)!;
  const without = brokers().find((b) => b.has.depth.length === 0)!;
  const levels = withDepth.has.depth.map((d) => d.levels);
  const journalPath = join(dir, 'j.sqlite');
  assert.throws(() => new Recorder({ broker: withDepth.id, depth: 7, journalPath, instruments: 'all', mode: 'full' }), new RegExp(`no 7-level depth feed \\(it has ${levels.join(' and ')}\\)`));
  assert.throws(() => new Recorder({ broker: without.id, depth: levels[0], journalPath, instruments: 'all', mode: 'full' }), new RegExp(`^Error: .*no ${levels[0]}-level depth feed$`));
  assert.equal(existsSync(journalPath), false);
  // What it has is taken (constructed only: nothing starts until start()).
  new Recorder({ broker: withDepth.id, depth: levels[0], journalPath, instruments: 'all', mode: 'full' }).journal.close();
});
