// All the indicator lines of one chart pane as one lightweight-charts custom series: the price
// pane's seven (VWAP, EMA, SMA, three Bollinger bands, Supertrend), RSI's one, MACD's histogram and
// two lines. The library rebuilds each series' render data from every bar it holds whenever the
// chart changes, and autoscales and paints each series on its own: one series a pane instead of one
// a line (with every indicator on, 5 series a chart instead of 13, candles and volume included) is
// most of a chart's paint saved. The drawing is
// the library's own line and histogram renderers' (lightweight-charts 5: PaneRendererLine with
// walkLine, PaneRendererHistogram), so the picture is the one the line and histogram series drew:
// solid lines with round joins, a line's colour per point where it has one (the segment into a
// point takes the colour of the point before), one point beyond each edge of the view so lines run
// off it, histogram columns from 0 with the library's pixel snapping.
import {
  customSeriesDefaultOptions,
  type CustomData,
  type CustomSeriesOptions,
  type CustomSeriesPricePlotValues,
  type ICustomSeriesPaneRenderer,
  type ICustomSeriesPaneView,
  type PaneRendererCustomData,
  type PriceToCoordinateConverter,
  type Time,
  type WhitespaceData,
} from 'lightweight-charts';

/** One line of a pane: its colour and width, or the pane's histogram (drawn from 0). */
export interface PlotLine {
  color: string;
  width: 1 | 2;
  histogram?: boolean;
}

/** One bar's values, a value per line of the pane (NaN: none yet, a warming-up indicator). */
export interface LinesRow extends CustomData<Time> {
  values: number[];
  /** A colour per line for this point (where a line has its own, as Supertrend's direction), by line. */
  colors?: Array<string | undefined>;
}

type Target = Parameters<ICustomSeriesPaneRenderer['draw']>[0];
type Scope = Parameters<Parameters<Target['useBitmapCoordinateSpace']>[0]>[0];
type Bars = PaneRendererCustomData<Time, LinesRow>['bars'];

/** The library's series defaults, with no price line or last-value label (the line series had neither). */
const DEFAULTS: CustomSeriesOptions = { ...customSeriesDefaultOptions, lastValueVisible: false, priceLineVisible: false };

/** A time index's x on the chart (media px): the time scale's logicalToCoordinate. */
export type XOf = (index: number) => number;

export class IndicatorLinesView implements ICustomSeriesPaneView<Time, LinesRow, CustomSeriesOptions> {
  private data: PaneRendererCustomData<Time, LinesRow> | null = null;
  private readonly renders: ICustomSeriesPaneRenderer;
  /** The rows drawn for one line (indexes into the bars), reused between paints. */
  private readonly at: number[] = [];

  /**
   * `xOf`: where a bar is across (the library gives the x of the bars in view only; a line's point
   * beyond the edge needs one too).
   */
  constructor(
    readonly lines: readonly PlotLine[],
    private readonly xOf: XOf,
  ) {
    this.renders = { draw: (target, price) => this.paint(target, price) };
  }

  renderer(): ICustomSeriesPaneRenderer {
    return this.renders;
  }

  update(data: PaneRendererCustomData<Time, LinesRow>): void {
    this.data = data;
  }

  /** Every value of the bar (the pane autoscales to all its lines); 0 too with a histogram (its base). */
  priceValueBuilder(row: LinesRow): CustomSeriesPricePlotValues {
    const out: number[] = [];
    for (let k = 0; k < row.values.length; k++) {
      const v = row.values[k];
      if (!Number.isFinite(v)) continue;
      out.push(v);
      if (this.lines[k]?.histogram) out.push(0);
    }
    return out;
  }

  isWhitespace(row: LinesRow | WhitespaceData<Time>): row is WhitespaceData<Time> {
    return !(row as Partial<LinesRow>).values?.some(Number.isFinite);
  }

  defaultOptions(): CustomSeriesOptions {
    return { ...DEFAULTS };
  }

  private paint(target: Target, price: PriceToCoordinateConverter): void {
    const d = this.data;
    if (!d || !d.visibleRange || d.bars.length === 0) return;
    const { from, to } = d.visibleRange;
    target.useBitmapCoordinateSpace((scope) => {
      this.lines.forEach((line, k) => {
        const at = rowsOf(d.bars, k, from, to, this.at);
        if (at.length === 0) return;
        const points = at.map((i) => ({ x: this.xOf(d.bars[i].time), y: price(d.bars[i].originalData.values[k]), color: d.bars[i].originalData.colors?.[k] ?? line.color, time: d.bars[i].time }));
        if (points.some((p) => p.y === null)) return;
        if (line.histogram) drawHistogram(scope, points as Point[], d.barSpacing, price(0));
        else drawLine(scope, points as Point[], line.width, d.barSpacing);
      });
    });
  }
}

/** A point as drawn: media px, its colour, its time index. */
export interface Point {
  x: number;
  y: number;
  color: string;
  time: number;
}

/**
 * The rows a line series of line `k`'s points alone would draw for the view [from, to): its points
 * in view and, where it has them, its point before and its point after (lightweight-charts'
 * extended visible range), as indexes into `bars` (written into `out`).
 */
export function rowsOf(bars: Bars, k: number, from: number, to: number, out: number[]): number[] {
  out.length = 0;
  const has = (i: number) => Number.isFinite(bars[i].originalData.values[k]);
  let before = -1;
  for (let i = Math.min(from, bars.length) - 1; i >= 0; i--)
    if (has(i)) {
      before = i;
      break;
    }
  for (let i = Math.max(from, 0); i < to && i < bars.length; i++) if (has(i)) out.push(i);
  const inside = out.length;
  let after = -1;
  for (let i = Math.max(to, 0); i < bars.length; i++)
    if (has(i)) {
      after = i;
      break;
    }
  // One point more a side, where the line has points on both sides of that edge.
  if (before >= 0 && (inside > 0 || after >= 0)) out.unshift(before);
  if (after >= 0 && (inside > 0 || before >= 0)) out.push(after);
  return out;
}

/**
 * lightweight-charts' walkLine for a simple solid line: one path per run of a colour, the segment
 * into a point of a new colour drawn in the old one; a single point is a level stub one bar wide.
 */
export function drawLine(scope: Scope, points: readonly Point[], width: number, barSpacing: number): void {
  const { context: ctx, horizontalPixelRatio: hpr, verticalPixelRatio: vpr } = scope;
  ctx.lineCap = 'butt';
  ctx.lineWidth = width * vpr;
  ctx.setLineDash([]);
  ctx.lineJoin = 'round';
  const first = points[0];
  let style = first.color;
  if (points.length < 2) {
    ctx.beginPath();
    ctx.moveTo((first.x - barSpacing / 2) * hpr, first.y * vpr);
    ctx.lineTo((first.x + barSpacing / 2) * hpr, first.y * vpr);
    ctx.strokeStyle = style;
    ctx.stroke();
    return;
  }
  let styleFirst = first;
  let current = first;
  ctx.beginPath();
  ctx.moveTo(first.x * hpr, first.y * vpr);
  for (let i = 1; i < points.length; i++) {
    current = points[i];
    const x = current.x * hpr;
    const y = current.y * vpr;
    ctx.lineTo(x, y);
    if (current.color !== style) {
      ctx.strokeStyle = style;
      ctx.stroke();
      ctx.beginPath();
      style = current.color;
      styleFirst = current;
      ctx.moveTo(x, y);
    }
  }
  if (styleFirst !== current) {
    ctx.strokeStyle = style;
    ctx.stroke();
  }
}

/**
 * lightweight-charts' histogram renderer: a column per point (in its colour) from the base (`base`,
 * media px) to its value, columns one bar spacing wide less a pixel's gap, snapped to whole pixels and evened out.
 */
export function drawHistogram(scope: Scope, points: readonly Point[], barSpacing: number, base: number | null): void {
  if (base === null || points.length === 0) return;
  const { context: ctx, horizontalPixelRatio: hpr, verticalPixelRatio: vpr } = scope;
  const cols = columns(points, barSpacing, hpr);
  const tickWidth = Math.max(1, Math.floor(vpr));
  const topBase = Math.round(base * vpr) - Math.floor(tickWidth / 2);
  const bottomBase = topBase + tickWidth;
  for (let i = 0; i < points.length; i++) {
    const c = cols[i];
    const y = Math.round(points[i].y * vpr);
    ctx.fillStyle = points[i].color;
    let top: number;
    let bottom: number;
    if (y <= topBase) {
      top = y;
      bottom = bottomBase;
    } else {
      top = topBase;
      bottom = y - Math.floor(tickWidth / 2) + tickWidth;
    }
    ctx.fillRect(c.left, top, c.right - c.left + 1, bottom - top);
  }
}

/** The columns' left and right bitmap px (PaneRendererHistogram's precalculated cache). */
export function columns(points: readonly Point[], barSpacing: number, pixelRatio: number): Array<{ left: number; right: number }> {
  const spacing = Math.ceil(barSpacing * pixelRatio) <= 1 ? 0 : Math.max(1, Math.floor(pixelRatio));
  const columnWidth = Math.round(barSpacing * pixelRatio) - spacing;
  const cols = points.map((p) => {
    const x = Math.round(p.x * pixelRatio);
    const half = columnWidth % 2 ? (columnWidth - 1) / 2 : columnWidth / 2;
    return { left: x - half, right: columnWidth % 2 ? x + half : x + half - 1, rounded: x, center: p.x * pixelRatio, time: p.time };
  });
  for (let i = 1; i < cols.length; i++) {
    const cur = cols[i];
    const prev = cols[i - 1];
    if (cur.time !== prev.time + 1) continue;
    if (cur.left - prev.right !== spacing + 1) {
      if (prev.rounded > prev.center) prev.right = cur.left - spacing - 1;
      else cur.left = prev.right + spacing + 1;
    }
  }
  let minWidth = Math.ceil(barSpacing * pixelRatio);
  for (const c of cols) {
    if (c.right < c.left) c.right = c.left;
    minWidth = Math.min(c.right - c.left + 1, minWidth);
  }
  if (spacing > 0 && minWidth < 4)
    for (const c of cols)
      if (c.right - c.left + 1 > minWidth) {
        if (c.rounded > c.center) c.right -= 1;
        else c.left += 1;
      }
  return cols;
}
