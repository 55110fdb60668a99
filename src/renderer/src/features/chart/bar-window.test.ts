/* eslint-disable no-restricted-imports -- a unit test: it runs under Node, not in the page */
// What a chart hands the chart library: live bars coalesced to the newest version of each (one
// update per bar however many messages came), and the window of bars drawn.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Bar } from '../../../../shared/api';
import { CHART_BARS, extendedStart, MAX_DRAWN, OLDER_AT, PendingBars, trimmedStart } from './bar-window';

const bar = (t: number, c: number): Bar => ({ t, o: 100, h: Math.max(100, c), l: Math.min(100, c), c, v: 10 });

test('many messages before a frame: each bar once, its newest version, in time order', () => {
  const p = new PendingBars();
  // Thirty messages of the live bar at t=120 (the bar at 60 closing in the first), as a busy second brings them.
  p.add([bar(60, 99), bar(120, 100)]);
  for (let i = 1; i <= 30; i++) p.add([bar(120, 100 + i / 10)]);
  assert.equal(p.size, 2);
  const out = p.take(60);
  assert.deepEqual(
    out.map((b) => [b.t, b.c]),
    [
      [60, 99],
      [120, 103],
    ],
  );
  assert.equal(p.size, 0, 'taken: nothing waits');
  assert.deepEqual(p.take(60), []);
});

test('bars older than the one drawn last are dropped (the library takes only the last bar or newer)', () => {
  const p = new PendingBars();
  p.add([bar(180, 101), bar(60, 98), bar(120, 99)]);
  assert.deepEqual(
    p.take(120).map((b) => b.t),
    [120, 180],
  );
  p.add([bar(60, 1)]);
  assert.deepEqual(p.take(null).map((b) => b.t), [60], 'nothing drawn yet: every bar');
});

test('the window: cut back to CHART_BARS once past MAX_DRAWN, only while the view is near the live edge', () => {
  // Drawn 0..MAX_DRAWN (one too many), the view on the newest 80 bars: cut to the newest CHART_BARS.
  const size = MAX_DRAWN + 1;
  assert.equal(trimmedStart(0, size, size - 80), size - CHART_BARS);
  // Not past MAX_DRAWN yet: left alone.
  assert.equal(trimmedStart(0, MAX_DRAWN, MAX_DRAWN - 80), null);
  // The user scrolled back to older bars than the cut would keep: left alone.
  assert.equal(trimmedStart(0, size, 100), null);
  // The view must keep clear of the new left edge (else the cut would draw the older bars again at once).
  assert.equal(trimmedStart(0, size, size - CHART_BARS + OLDER_AT - 1), null);
  assert.equal(trimmedStart(0, size, size - CHART_BARS + OLDER_AT), size - CHART_BARS);
  // Indexes are the window's: a window drawn from 500 with the view at its index 700 is at bar 1,200 overall.
  assert.equal(trimmedStart(500, 500 + size, size - 80), 500 + size - CHART_BARS);
  assert.equal(trimmedStart(0, size, null), null, 'no view yet');
});

test('scrolling to the left edge draws up to CHART_BARS older bars from memory', () => {
  assert.equal(extendedStart(1500), 1500 - CHART_BARS);
  assert.equal(extendedStart(CHART_BARS - 1), 0);
  assert.equal(extendedStart(0), 0);
});
