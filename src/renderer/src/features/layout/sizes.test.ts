/* eslint-disable no-restricted-imports -- a unit test: it runs under Node, not in the page */
// Panel widths by window size, and the chart's room when the user drags the side panels wide.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultWidths, fitShare, fitWidths, MIN_CHART, SPLITTER } from './sizes';

const chart = (w: number, p: { watch: number; right: number }) => w - p.watch - p.right - 2 * SPLITTER;

test('defaults grow with the window, within bounds', () => {
  assert.deepEqual(defaultWidths(1024), { watch: 300, right: 240 });
  assert.deepEqual(defaultWidths(1280), { watch: 371, right: 256 });
  assert.deepEqual(defaultWidths(1600), { watch: 464, right: 320 });
  assert.deepEqual(defaultWidths(2560), { watch: 620, right: 512 });
});

test('the chart keeps at least MIN_CHART px; the side panels give way', () => {
  for (const w of [1024, 1280, 1600, 2560]) assert.ok(chart(w, fitWidths(w, { watch: null, right: null })) >= MIN_CHART, `default at ${w}`);
  const wide = fitWidths(1280, { watch: 700, right: 500 });
  assert.equal(chart(1280, wide), MIN_CHART);
  assert.ok(wide.watch >= 220 && wide.right >= 200);
  // What the user chose, when it fits.
  assert.deepEqual(fitWidths(1600, { watch: 410, right: 300 }), { watch: 410, right: 300 });
});

test('the ladder share stays between a fifth and 85 %', () => {
  assert.equal(fitShare(0.05), 0.2);
  assert.equal(fitShare(0.99), 0.85);
  assert.equal(fitShare(0.5), 0.5);
  assert.equal(fitShare(NaN), 0.6);
});
