// Panel sizes: defaults that follow the window (29 % for the watchlist, a fifth for the
// ladder and tape), the user's dragged sizes kept within limits so the chart always keeps room.
// Pure: the window width in, pixels out.

export const MIN_WATCH = 220;
export const MIN_RIGHT = 200;
/** The chart never gets narrower than this while the window allows it. */
export const MIN_CHART = 360;
export const SPLITTER = 5;

export interface PanelWidths {
  watch: number;
  right: number;
}

const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v));

/** Widths for a window `width` px wide when the user has not dragged them. */
export function defaultWidths(width: number): PanelWidths {
  return { watch: Math.round(clamp(width * 0.29, 300, 620)), right: Math.round(clamp(width * 0.2, 240, 520)) };
}

/**
 * The widths to lay out: the user's (null = default) within limits; when the window is too narrow
 * for both and a usable chart, the side panels give way (the larger first), not the chart.
 */
export function fitWidths(width: number, saved: { watch: number | null; right: number | null }): PanelWidths {
  const d = defaultWidths(width);
  let watch = Math.max(MIN_WATCH, saved.watch ?? d.watch);
  let right = Math.max(MIN_RIGHT, saved.right ?? d.right);
  let over = watch + right + 2 * SPLITTER + MIN_CHART - width;
  if (over > 0) {
    const fromWatch = Math.min(over * (watch / (watch + right)), watch - MIN_WATCH);
    watch -= fromWatch;
    over -= fromWatch;
    const fromRight = Math.min(over, right - MIN_RIGHT);
    right -= fromRight;
    over -= fromRight;
    if (over > 0) watch = Math.max(MIN_WATCH, watch - over);
  }
  return { watch: Math.round(watch), right: Math.round(right) };
}

/** The ladder's share of the right column's height, kept so both the ladder and the tape show. */
export function fitShare(share: number): number {
  return clamp(Number.isFinite(share) ? share : 0.6, 0.2, 0.85);
}
