// The chart's indicators (src/shared/indicators.ts, computed incrementally): overlays on the price
// pane (VWAP, EMA, SMA, Bollinger, Supertrend), RSI and MACD in panes of their own. A full load
// recomputes once; a live bar costs one update per indicator (O(1)), never a recompute per frame.
// Colors are the theme's (theme.ts palette().indicator), taken when the indicators are set.
import { HistogramSeries, LineSeries, type IChartApi, type ISeriesApi, type UTCTimestamp } from 'lightweight-charts';
import type { Bar } from '../../../../shared/api';
import { createIndicator, type Indicator, type IndicatorOutputs, type IndicatorSpecInput } from '../../../../shared/indicators';
import { IST_OFFSET_S } from '../../../../shared/ist';
import { palette } from '../../theme';

/** The indicators a trader reaches for first, with the usual settings; the menu's order. */
export const CHART_INDICATORS: ReadonlyArray<{ id: string; label: string; spec: IndicatorSpecInput }> = [
  { id: 'vwap', label: 'VWAP', spec: { kind: 'vwap' } },
  { id: 'ema20', label: 'EMA 20', spec: { kind: 'ema', period: 20 } },
  { id: 'sma50', label: 'SMA 50', spec: { kind: 'sma', period: 50 } },
  { id: 'bb20', label: 'Bollinger 20, 2', spec: { kind: 'bollinger', period: 20, stdDev: 2 } },
  { id: 'st10', label: 'Supertrend 10, 3', spec: { kind: 'supertrend', period: 10, multiplier: 3 } },
  { id: 'rsi14', label: 'RSI 14', spec: { kind: 'rsi', period: 14 } },
  { id: 'macd', label: 'MACD 12, 26, 9', spec: { kind: 'macd', fast: 12, slow: 26, signal: 9 } },
];

type AnyOut = IndicatorOutputs[keyof IndicatorOutputs];
type Point = { time: UTCTimestamp; value: number; color?: string };
type Line = {
  series: ISeriesApi<'Line'> | ISeriesApi<'Histogram'>;
  pick: (v: AnyOut) => number;
  color?: (v: AnyOut) => string;
  /** Every point computed (over all the chart's bars); the series draws those from the window's start. */
  points?: Point[];
};
interface Plot {
  id: string;
  ind: Indicator<AnyOut>;
  lines: Line[];
}

const ist = (t: number) => (t + IST_OFFSET_S) as UTCTimestamp;
const point = (l: Line, t: number, v: AnyOut): Point => (l.color ? { time: ist(t), value: l.pick(v), color: l.color(v) } : { time: ist(t), value: l.pick(v) });

/** The points from time `t` (s, null: all) on. */
function pointsFrom(points: Point[], t: number | null): Point[] {
  if (t === null || !points.length || points[0].time >= ist(t)) return points;
  let lo = 0;
  let hi = points.length;
  const at = ist(t);
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid].time < at) lo = mid + 1;
    else hi = mid;
  }
  return points.slice(lo);
}

export class IndicatorPlots {
  private plots: Plot[] = [];
  private lastT: number | null = null;

  constructor(private readonly chart: IChartApi) {}

  /** The ids shown (CHART_INDICATORS), computed over these bars and drawn from time `from` (s; null: all). */
  set(ids: readonly string[], bars: readonly Bar[], from: number | null = null): void {
    for (const p of this.plots) for (const l of p.lines) this.chart.removeSeries(l.series);
    this.plots = [];
    // Panes below the price: RSI first, then MACD, numbered as they are asked for.
    let pane = 1;
    for (const def of CHART_INDICATORS.filter((d) => ids.includes(d.id))) {
      const ind = createIndicator(def.spec) as Indicator<AnyOut>;
      this.plots.push({ id: def.id, ind, lines: this.linesFor(def.id, def.spec.kind === 'rsi' || def.spec.kind === 'macd' ? pane++ : 0) });
    }
    this.load(bars, from);
  }

  get ids(): string[] {
    return this.plots.map((p) => p.id);
  }

  /**
   * Recomputes every indicator over a full history (a new instrument, interval or older bars),
   * drawing the points from time `from` (s; null: all) on.
   */
  load(bars: readonly Bar[], from: number | null = null): void {
    this.lastT = bars.at(-1)?.t ?? null;
    for (const p of this.plots) {
      p.ind = createIndicator(p.ind.spec) as Indicator<AnyOut>;
      const points: Point[][] = p.lines.map(() => []);
      for (const b of bars) {
        const v = p.ind.push(b);
        if (v !== undefined) p.lines.forEach((l, k) => points[k].push(point(l, b.t, v)));
      }
      p.lines.forEach((l, k) => {
        l.points = points[k];
        l.series.setData(pointsFrom(points[k], from));
      });
    }
  }

  /** Draws the points computed from time `from` (s; null: all) on: the chart's window moved. */
  show(from: number | null): void {
    for (const p of this.plots) for (const l of p.lines) l.series.setData(pointsFrom(l.points ?? [], from));
  }

  /** A live bar: the same bar again is an update, a newer one a push. */
  update(b: Bar): void {
    const same = this.lastT === b.t;
    this.lastT = b.t;
    for (const p of this.plots) {
      const v = same ? p.ind.update(b) : p.ind.push(b);
      if (v === undefined) continue;
      for (const l of p.lines) {
        const pt = point(l, b.t, v);
        const pts = (l.points ??= []);
        if (pts.length && pts[pts.length - 1].time === pt.time) pts[pts.length - 1] = pt;
        else pts.push(pt);
        l.series.update(pt);
      }
    }
  }

  /** The latest values, by id (the page exposes them for tests and the legend). */
  latest(): Record<string, AnyOut | undefined> {
    return Object.fromEntries(this.plots.map((p) => [p.id, p.ind.value()]));
  }

  private linesFor(id: string, pane: number): Line[] {
    const p = palette();
    const c = p.indicator;
    const line = (color: string, pick: (v: AnyOut) => number, width: 1 | 2 = 1, paneIndex = pane): Line => ({
      series: this.chart.addSeries(LineSeries, { color, lineWidth: width, priceLineVisible: false, lastValueVisible: false, crosshairMarkerVisible: false }, paneIndex),
      pick,
    });
    switch (id) {
      case 'vwap':
        return [line(c.vwap, (v) => v as number, 2)];
      case 'ema20':
        return [line(c.ema, (v) => v as number)];
      case 'sma50':
        return [line(c.sma, (v) => v as number)];
      case 'bb20':
        return [
          line(c.bb, (v) => (v as IndicatorOutputs['bollinger']).upper),
          line(c.bb, (v) => (v as IndicatorOutputs['bollinger']).middle),
          line(c.bb, (v) => (v as IndicatorOutputs['bollinger']).lower),
        ];
      case 'st10':
        // Green under the price in an uptrend, red over it in a downtrend.
        return [{ ...line(p.up, (v) => (v as IndicatorOutputs['supertrend']).value, 2), color: (v) => ((v as IndicatorOutputs['supertrend']).direction === 'up' ? p.up : p.down) }];
      case 'rsi14':
        return [line(c.rsi, (v) => v as number)];
      case 'macd':
        return [
          {
            series: this.chart.addSeries(HistogramSeries, { color: c.hist, priceLineVisible: false, lastValueVisible: false }, pane),
            pick: (v) => (v as IndicatorOutputs['macd']).histogram,
          },
          line(c.macd, (v) => (v as IndicatorOutputs['macd']).macd),
          line(c.signal, (v) => (v as IndicatorOutputs['macd']).signal),
        ];
      default:
        return [];
    }
  }
}
