// What a chart hands the chart library, and when. lightweight-charts rebuilds its render data from
// every bar a series holds on each update (13 series with every indicator on, when 2,000 bars cost
// a frame tens of milliseconds and 600 a few; 5 since indicator-lines.ts draws a pane's lines as
// one). So a chart draws a window of its bars: the newest CHART_BARS when it opens, growing with
// live bars and cut back to CHART_BARS when it passes MAX_DRAWN while the user watches the live
// edge; scrolling left draws the older ones again (from memory, then from the journal). The chart
// keeps every bar it has for the legend and the indicators, which are computed over all of them:
// only what is drawn is windowed.
// Pure: no DOM, no chart library.
import type { Bar } from '../../../../shared/api';

/** Bars a chart opens with and keeps drawn at the live edge: more than the widest chart shows (2560 px at 6 px a bar). */
export const CHART_BARS = 600;
/** Drawn bars beyond which the oldest are taken off the chart (while the view is near the live edge). */
export const MAX_DRAWN = 1200;
/** Scrolled this close (in bars) to the oldest bar drawn: draw (or fetch) older ones. */
export const OLDER_AT = 15;

/**
 * Where the drawn window should start after live bars came: a new start when it has grown past
 * MAX_DRAWN and the view (its leftmost logical index, null when unknown) stays inside the newest
 * CHART_BARS; else null (leave it).
 */
export function trimmedStart(drawnFrom: number, size: number, visibleFrom: number | null): number | null {
  if (size - drawnFrom <= MAX_DRAWN || visibleFrom === null) return null;
  const start = size - CHART_BARS;
  // The view in the window's indexes after the cut: it must keep clear of the left edge.
  return visibleFrom + drawnFrom - start >= OLDER_AT ? start : null;
}

/** Where the drawn window starts when the user scrolls to its left edge: up to a page of older bars in memory. */
export function extendedStart(drawnFrom: number): number {
  return Math.max(0, drawnFrom - CHART_BARS);
}

/**
 * Live bars waiting for the next frame: each bar time's newest version once, oldest first, and
 * none older than the bar drawn last (the chart library takes only the last bar or newer ones).
 */
export class PendingBars {
  private readonly latest = new Map<number, Bar>();

  get size(): number {
    return this.latest.size;
  }

  add(bars: readonly Bar[]): void {
    for (const b of bars) this.latest.set(b.t, b);
  }

  clear(): void {
    this.latest.clear();
  }

  /** The bars to apply, in time order, from `lastT` on (null: any); empties the queue. */
  take(lastT: number | null): Bar[] {
    const out: Bar[] = [];
    for (const b of this.latest.values()) if (lastT === null || b.t >= lastT) out.push(b);
    this.latest.clear();
    return out.length > 1 ? out.sort((x, y) => x.t - y.t) : out;
  }
}
