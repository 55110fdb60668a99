// Where a trend line's points fall on a chart, and whether a click is on one. A point is kept in
// time and price; the chart's horizontal axis is bars (a logical index, nights and weekends left
// out), so a time maps to a fractional bar index: inside a bar's span, the way from it to the next
// bar; before the first or after the last bar, one interval per bar. Pure: no DOM, no chart.

/** The (fractional) bar index of time `t` among bar times `times` (seconds, ascending). */
export function logicalOf(t: number, times: readonly number[], stepSec: number): number {
  const n = times.length;
  if (n === 0) return 0;
  if (t <= times[0]) return (t - times[0]) / stepSec;
  if (t >= times[n - 1]) return n - 1 + (t - times[n - 1]) / stepSec;
  // The last bar at or before t (binary search).
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (times[mid] <= t) lo = mid;
    else hi = mid;
  }
  return lo + (t - times[lo]) / (times[hi] - times[lo]);
}

/** The time (seconds) at a (fractional) bar index: logicalOf's inverse. */
export function timeOf(logical: number, times: readonly number[], stepSec: number): number {
  const n = times.length;
  if (n === 0) return 0;
  if (logical <= 0) return times[0] + logical * stepSec;
  if (logical >= n - 1) return times[n - 1] + (logical - (n - 1)) * stepSec;
  const i = Math.floor(logical);
  return times[i] + (logical - i) * (times[i + 1] - times[i]);
}

/** Distance (px) from point p to the segment a–b. */
export function distanceToSegment(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  const u = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / len2));
  return Math.hypot(px - (ax + u * dx), py - (ay + u * dy));
}

export interface Segment {
  id: string;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/** The segment nearest (x, y) within `tolerancePx`, or null. */
export function hitSegment(segments: readonly Segment[], x: number, y: number, tolerancePx: number): Segment | null {
  let best: Segment | null = null;
  let bestD = tolerancePx;
  for (const s of segments) {
    const d = distanceToSegment(x, y, s.x1, s.y1, s.x2, s.y2);
    if (d <= bestD) {
      best = s;
      bestD = d;
    }
  }
  return best;
}
