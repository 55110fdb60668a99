/* eslint-disable no-restricted-imports -- a unit test: it runs under Node, not in the page */
// Trend lines: a point in time and price lands on the same moment at any interval (bars of 1 and 5
// minutes, across a night); a click is on a line within a few pixels of it, nearest first; lines
// are kept per instrument in localStorage beside the horizontal lines, damaged entries left out.
import assert from 'node:assert/strict';
import { test } from 'node:test';

const items = new Map<string, string>();
Object.assign(globalThis, {
  localStorage: { getItem: (k: string) => items.get(k) ?? null, setItem: (k: string, v: string) => void items.set(k, v), removeItem: (k: string) => void items.delete(k) },
});
const { distanceToSegment, hitSegment, logicalOf, timeOf } = await import('./trend-geometry');
const { onDrawings, savedLines, savedTrends, saveLines, saveTrends } = await import('./drawings');

const D1 = Date.UTC(2026, 0, 5, 3, 45) / 1000; // Mon 09:15 IST
const D2 = Date.UTC(2026, 0, 6, 3, 45) / 1000; // Tue 09:15 IST
/** 1-minute bars 09:15–15:29 IST on two days; 5-minute bars 09:15–15:25. */
const day = (start: number, step: number, n: number) => Array.from({ length: n }, (_, i) => start + i * step);
const m1 = [...day(D1, 60, 375), ...day(D2, 60, 375)];
const m5 = [...day(D1, 300, 75), ...day(D2, 300, 75)];

test('a time on a bar is that bar; between bars, the way to the next; outside, one interval a bar', () => {
  assert.equal(logicalOf(D1, m1, 60), 0);
  assert.equal(logicalOf(D1 + 60 * 10, m1, 60), 10);
  assert.equal(logicalOf(D1 + 60 * 10 + 30, m1, 60), 10.5);
  // 10:07 IST on 5-minute bars: 10:05's bar (index 10) and two fifths of the way to 10:10's.
  const t1007 = D1 + 52 * 60;
  assert.equal(logicalOf(t1007, m5, 300), 10.4);
  // The night between the days is one step on the axis, whatever it lasts.
  const lastMon = D1 + 374 * 60; // 15:29
  assert.equal(logicalOf(lastMon, m1, 60), 374);
  assert.equal(logicalOf(D2, m1, 60), 375);
  assert.ok(logicalOf(lastMon + 3600, m1, 60) > 374 && logicalOf(lastMon + 3600, m1, 60) < 375);
  // Before the first bar and after the last: one interval per bar.
  assert.equal(logicalOf(D1 - 600, m5, 300), -2);
  assert.equal(logicalOf(m5.at(-1)! + 900, m5, 300), m5.length - 1 + 3);
  assert.equal(logicalOf(D1, [], 60), 0);
});

test('timeOf undoes logicalOf, inside the bars and beyond them', () => {
  for (const t of [D1, D1 + 52 * 60, D1 + 374 * 60 + 1800, D2 + 4 * 3600, D1 - 1200, m5.at(-1)! + 600]) assert.equal(Math.round(timeOf(logicalOf(t, m5, 300), m5, 300)), t, `t ${t}`);
  assert.equal(timeOf(2.5, m1, 60), D1 + 150);
});

test('a line drawn on 1-minute bars sits on the same moments on 5-minute bars', () => {
  // From 09:20 to 10:40 on Monday: minutes 5 and 85, five-minute bars 1 and 17.
  const line = { t1: D1 + 5 * 60, t2: D1 + 85 * 60 };
  assert.deepEqual([logicalOf(line.t1, m1, 60), logicalOf(line.t2, m1, 60)], [5, 85]);
  assert.deepEqual([logicalOf(line.t1, m5, 300), logicalOf(line.t2, m5, 300)], [1, 17]);
});

test('distance to a segment: perpendicular inside it, to the nearer end outside it', () => {
  assert.equal(distanceToSegment(5, 3, 0, 0, 10, 0), 3);
  assert.equal(distanceToSegment(13, 4, 0, 0, 10, 0), 5);
  assert.equal(distanceToSegment(-3, -4, 0, 0, 10, 0), 5);
  assert.equal(distanceToSegment(3, 4, 0, 0, 0, 0), 5, 'a segment of one point');
  const segs = [
    { id: 'a', x1: 0, y1: 0, x2: 100, y2: 100 },
    { id: 'b', x1: 0, y1: 10, x2: 100, y2: 10 },
  ];
  assert.equal(hitSegment(segs, 50, 48, 6)?.id, 'a');
  assert.equal(hitSegment(segs, 50, 12, 6)?.id, 'b');
  // Near where they cross, the nearer of the two.
  assert.equal(hitSegment(segs, 11, 9.2, 6)?.id, 'b');
  assert.equal(hitSegment(segs, 12, 11, 6)?.id, 'a');
  assert.equal(hitSegment(segs, 50, 30, 6), null);
});

test('kept per instrument beside the horizontal lines; a change is heard; damaged entries are left out', () => {
  const heard: string[] = [];
  const off = onDrawings((k) => heard.push(k));
  const a = { id: 'x1', t1: D1, p1: 24150.05, t2: D1 + 3600, p2: 24210.5 };
  const b = { id: 'x2', t1: D2, p1: 24300, t2: D2 + 600, p2: 24280 };
  saveTrends('NFO:NIFTY26DECFUT', [a, b]);
  saveTrends('NSE:INFY', [{ id: 'y', t1: D1, p1: 1850, t2: D1 + 60, p2: 1851 }]);
  saveLines('NFO:NIFTY26DECFUT', [24100, 24400.5]);
  assert.deepEqual(savedTrends('NFO:NIFTY26DECFUT'), [a, b]);
  assert.deepEqual(savedLines('NFO:NIFTY26DECFUT'), [24100, 24400.5]);
  assert.deepEqual(JSON.parse(items.get('tickdesk.trends.v1')!), { 'NFO:NIFTY26DECFUT': [a, b], 'NSE:INFY': [{ id: 'y', t1: D1, p1: 1850, t2: D1 + 60, p2: 1851 }] });
  assert.deepEqual(JSON.parse(items.get('tickdesk.lines.v1')!), { 'NFO:NIFTY26DECFUT': [24100, 24400.5] }, 'the horizontal lines keep their format');
  saveTrends('NSE:INFY', []);
  assert.deepEqual(Object.keys(JSON.parse(items.get('tickdesk.trends.v1')!)), ['NFO:NIFTY26DECFUT'], 'an instrument without lines leaves no entry');
  assert.deepEqual(heard, ['NFO:NIFTY26DECFUT', 'NSE:INFY', 'NFO:NIFTY26DECFUT', 'NSE:INFY']);
  off();

  items.set('tickdesk.trends.v1', JSON.stringify({ 'NSE:TCS': [{ id: 'ok', t1: 1, p1: 2, t2: 3, p2: 4 }, { id: 'bad', t1: 'x', p1: 2, t2: 3, p2: 4 }, null, { t1: 1, p1: 2, t2: 3, p2: 4 }] }));
  assert.deepEqual(savedTrends('NSE:TCS'), [{ id: 'ok', t1: 1, p1: 2, t2: 3, p2: 4 }]);
  items.set('tickdesk.trends.v1', '{not json');
  assert.deepEqual(savedTrends('NSE:TCS'), []);
  assert.deepEqual(savedTrends('NSE:NONE'), []);
});
