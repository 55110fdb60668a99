// Trend lines drawn on the price pane: a lightweight-charts series primitive on the candles. Points
// are time and price (trend-geometry.ts maps them to bars at any interval); the segments in pixels
// are worked out once per redraw, for drawing and for the chart's hit test of a click.
import type { IChartApi, IPrimitivePaneRenderer, IPrimitivePaneView, ISeriesApi, ISeriesPrimitive, Logical, SeriesAttachedParameter, SeriesType, Time } from 'lightweight-charts';
import type { TrendLine } from './drawings';
import { hitSegment, logicalOf, type Segment } from './trend-geometry';

type Target = Parameters<IPrimitivePaneRenderer['draw']>[0];

/** The bars a line is placed against: their times (s, ascending) and the interval (s). */
export interface BarAxis {
  times(): readonly number[];
  step(): number;
}

/** A line being drawn: its first point fixed, the second following the pointer. */
export type Draft = Omit<TrendLine, 'id'>;

export class TrendLines implements ISeriesPrimitive<Time> {
  private chart: IChartApi | null = null;
  private series: ISeriesApi<SeriesType> | null = null;
  private requestUpdate: (() => void) | null = null;
  private lines: readonly TrendLine[] = [];
  private draft: Draft | null = null;
  private selected: string | null = null;
  /** Where each line was last drawn (px in the pane), the draft as id ''. */
  segments: Segment[] = [];
  private readonly views: readonly IPrimitivePaneView[];

  constructor(
    private readonly axis: BarAxis,
    private color: string,
  ) {
    const renderer: IPrimitivePaneRenderer = { draw: (target) => this.draw(target) };
    // Over the candles on the pane's own layer: the library's top layer (the crosshair's) is shown
    // only under the pointer (chart.css), and a line must stay when the pointer leaves.
    this.views = [{ zOrder: () => 'normal', renderer: () => renderer }];
  }

  attached(p: SeriesAttachedParameter<Time, SeriesType>): void {
    this.chart = p.chart as IChartApi;
    this.series = p.series;
    this.requestUpdate = p.requestUpdate;
  }

  detached(): void {
    this.chart = this.series = this.requestUpdate = null;
  }

  paneViews(): readonly IPrimitivePaneView[] {
    return this.views;
  }

  /** Called by the chart before each redraw: the segments at today's scales. */
  updateAllViews(): void {
    const chart = this.chart;
    const series = this.series;
    if (!chart || !series) return;
    const ts = chart.timeScale();
    const times = this.axis.times();
    const step = this.axis.step();
    const out: Segment[] = [];
    // The chart places whole bars only (a fractional index is 0 to it): between two, in proportion.
    const xOf = (logical: number) => {
      const i = Math.floor(logical);
      const a = ts.logicalToCoordinate(i as Logical);
      const b = ts.logicalToCoordinate((i + 1) as Logical);
      return a === null || b === null ? null : a + (logical - i) * (b - a);
    };
    const place = (id: string, l: Draft) => {
      const x1 = xOf(logicalOf(l.t1, times, step));
      const x2 = xOf(logicalOf(l.t2, times, step));
      const y1 = series.priceToCoordinate(l.p1);
      const y2 = series.priceToCoordinate(l.p2);
      if (x1 !== null && x2 !== null && y1 !== null && y2 !== null) out.push({ id, x1, y1, x2, y2 });
    };
    if (times.length) {
      for (const l of this.lines) place(l.id, l);
      if (this.draft) place('', this.draft);
    }
    this.segments = out;
  }

  set(lines: readonly TrendLine[]): void {
    this.lines = lines;
    if (this.selected && !lines.some((l) => l.id === this.selected)) this.selected = null;
    this.redraw();
  }

  setDraft(draft: Draft | null): void {
    this.draft = draft;
    this.redraw();
  }

  select(id: string | null): void {
    this.selected = id;
    this.redraw();
  }

  get selectedId(): string | null {
    return this.selected;
  }

  setColor(color: string): void {
    this.color = color;
    this.redraw();
  }

  /** The line under (x, y) in the pane (px), within `tolerance` px. */
  hit(x: number, y: number, tolerance: number): TrendLine | null {
    this.updateAllViews();
    const s = hitSegment(
      this.segments.filter((x) => x.id !== ''),
      x,
      y,
      tolerance,
    );
    return s ? (this.lines.find((l) => l.id === s.id) ?? null) : null;
  }

  private redraw(): void {
    this.updateAllViews();
    this.requestUpdate?.();
  }

  private draw(target: Target): void {
    target.useMediaCoordinateSpace(({ context: ctx }) => {
      ctx.save();
      ctx.strokeStyle = this.color;
      ctx.fillStyle = this.color;
      ctx.lineCap = 'round';
      for (const s of this.segments) {
        const selected = s.id !== '' && s.id === this.selected;
        ctx.lineWidth = selected ? 2.5 : 1.5;
        ctx.setLineDash(s.id === '' ? [5, 4] : []);
        ctx.beginPath();
        ctx.moveTo(s.x1, s.y1);
        ctx.lineTo(s.x2, s.y2);
        ctx.stroke();
        // Its ends: handles on the selected line, the fixed point of the one being drawn.
        if (selected || s.id === '') {
          for (const [x, y] of selected ? [[s.x1, s.y1], [s.x2, s.y2]] : [[s.x1, s.y1]]) {
            ctx.beginPath();
            ctx.arc(x, y, 3.5, 0, Math.PI * 2);
            ctx.fill();
          }
        }
      }
      ctx.restore();
    });
  }
}
