// Feed gaps as a sink asks for them: the new ones, and again those it last saw open.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Journal } from '../journal';

test('gapsForSync: gaps after the watermark and the open ones named, each once, in id order', () => {
  const j = new Journal(join(mkdtempSync(join(tmpdir(), 'tickdesk-gaps-')), 'j.sqlite'));
  const t0 = 1_763_612_400_000;
  const ids = [0, 1, 2, 3, 4].map((k) => j.openGap('kite', k, t0 + k * 1000, `closed ${1000 + k}`));
  assert.deepEqual(ids, [1, 2, 3, 4, 5]);
  j.closeGap(1, t0 + 500);
  const gap = (id: number, endTs: number | null) => ({ id, feed: 'kite', connection: id - 1, startTs: t0 + (id - 1) * 1000, endTs, reason: `closed ${999 + id}` });
  assert.deepEqual(j.gapsForSync(3, []), [gap(4, null), gap(5, null)]);
  assert.deepEqual(j.gapsForSync(3, [1, 2]), [gap(1, t0 + 500), gap(2, null), gap(4, null), gap(5, null)]);
  assert.deepEqual(j.gapsForSync(3, [4, 2, 99]), [gap(2, null), gap(4, null), gap(5, null)]);
  assert.deepEqual(j.gapsForSync(5, []), []);
  j.close();
});
