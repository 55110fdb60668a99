// The chart's indicators (src/shared/indicators.ts, computed incrementally): overlays on the price
// pane (VWAP, EMA, SMA, Bollinger, Supertrend), RSI and MACD in panes of their own. A full load
// recomputes once; a live bar costs one update per indicator (O(1)), never a recompute per frame.
// Colors are the theme's (theme.ts palette().indicator), taken when the indicators are set.
import type { CustomSeriesOptions, IChartApi, ISeriesApi, Logical, Time, UTCTimestamp, WhitespaceData } from 'lightweight-charts';
import type { Bar } from '../../../../shared/api';
import { createIndicator, type Indicator, type IndicatorOutputs, type IndicatorSpecInput } from '../../../../shared/indicators';
import { IST_OFFSET_S } from '../../../../shared/ist';
import { palette } from '../../theme';
import { IndicatorLinesView, type LinesRow, type PlotLine } from './indicator-lines';

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
type Line = PlotLine & {
  pick: (v: AnyOut) => number;
  /** A colour per point (Supertrend's direction). */
  colorOf?: (v: AnyOut) => string;
};
interface Plot {
  id: string;
  ind: Indicator<AnyOut>;
  lines: Line[];
  /** The pane drawn on, and where its lines start among the pane's. */
  pane: Pane;
  first: number;
}
/** One pane's lines: one custom series (indicator-lines.ts) drawing them all. */
interface Pane {
  series: ISeriesApi<'Custom', Time, LinesRow | WhitespaceData<Time>, CustomSeriesOptions>;
  lines: Line[];
  /** A row per bar from the first with a value (over all the chart's bars); the series draws those from the window's start. */
  rows: LinesRow[];
  /** The row being built for the bar at hand (null: none of the pane's indicators has a value yet). */
  next: LinesRow | null;
}

const ist = (t: number) => (t + IST_OFFSET_S) as UTCTimestamp;

/** The rows from time `t` (s, null: all) on. */
function rowsFrom(rows: LinesRow[], t: number | null): LinesRow[] {
  if (t === null || !rows.length || (rows[0].time as number) >= ist(t)) return rows;
  let lo = 0;
  let hi = rows.length;
  const at = ist(t);
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((rows[mid].time as number) < at) lo = mid + 1;
    else hi = mid;
  }
  return rows.slice(lo);
}

export class IndicatorPlots {
  private plots: Plot[] = [];
  private panes: Pane[] = [];
  private lastT: number | null = null;

  constructor(private readonly chart: IChartApi) {}

  /** The ids shown (CHART_INDICATORS), computed over these bars and drawn from time `from` (s; null: all). */
  set(ids: readonly string[], bars: readonly Bar[], from: number | null = null): void {
    for (const p of this.panes) this.chart.removeSeries(p.series);
    this.plots = [];
    this.panes = [];
    // Panes below the price: RSI first, then MACD, numbered as they are asked for.
    const byPane: Array<Array<{ id: string; ind: Indicator<AnyOut>; lines: Line[] }>> = [[]];
    for (const def of CHART_INDICATORS.filter((d) => ids.includes(d.id))) {
      const own = def.spec.kind === 'rsi' || def.spec.kind === 'macd';
      if (own) byPane.push([]);
      byPane[own ? byPane.length - 1 : 0].push({ id: def.id, ind: createIndicator(def.spec) as Indicator<AnyOut>, lines: this.linesFor(def.id) });
    }
    // One series a pane, the price pane's first: the panes and the lines' order as a series a line made them.
    const plots: Plot[] = [];
    byPane.forEach((list, index) => {
      if (!list.length) return;
      const lines = list.flatMap((p) => p.lines);
      const view = new IndicatorLinesView(lines, (i) => this.chart.timeScale().logicalToCoordinate(i as Logical) ?? NaN);
      const pane: Pane = { series: this.chart.addCustomSeries(view, {}, index), lines, rows: [], next: null };
      this.panes.push(pane);
      let first = 0;
      for (const p of list) {
        plots.push({ ...p, pane, first });
        first += p.lines.length;
      }
    });
    // The menu's order (the legend's values, the page's data-indicators).
    this.plots = CHART_INDICATORS.flatMap((d) => plots.filter((p) => p.id === d.id));
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
    for (const p of this.plots) p.ind = createIndicator(p.ind.spec) as Indicator<AnyOut>;
    for (const pane of this.panes) pane.rows = [];
    for (const b of bars) {
      this.compute(b, false);
      for (const pane of this.panes) if (pane.next) pane.rows.push(pane.next);
    }
    for (const pane of this.panes) pane.series.setData(rowsFrom(pane.rows, from));
  }

  /** Draws the points computed from time `from` (s; null: all) on: the chart's window moved. */
  show(from: number | null): void {
    for (const pane of this.panes) pane.series.setData(rowsFrom(pane.rows, from));
  }

  /** A live bar: the same bar again is an update, a newer one a push. */
  update(b: Bar): void {
    const same = this.lastT === b.t;
    this.lastT = b.t;
    this.compute(b, same);
    for (const pane of this.panes) {
      const row = pane.next;
      if (!row) continue;
      const rows = pane.rows;
      if (rows.length && rows[rows.length - 1].time === row.time) rows[rows.length - 1] = row;
      else rows.push(row);
      pane.series.update(row);
    }
  }

  /** Each pane's row for bar `b` (pane.next), its indicators pushed the bar (or, `same`, updated with it). */
  private compute(b: Bar, same: boolean): void {
    for (const pane of this.panes) pane.next = null;
    for (const p of this.plots) {
      const v = same ? p.ind.update(b) : p.ind.push(b);
      if (v === undefined) continue;
      const pane = p.pane;
      const row = (pane.next ??= { time: ist(b.t), values: pane.lines.map(() => NaN) });
      p.lines.forEach((l, k) => {
        row.values[p.first + k] = l.pick(v);
        if (l.colorOf) (row.colors ??= [])[p.first + k] = l.colorOf(v);
      });
    }
  }

  /** The latest values, by id (the page exposes them for tests and the legend). */
  latest(): Record<string, AnyOut | undefined> {
    return Object.fromEntries(this.plots.map((p) => [p.id, p.ind.value()]));
  }

  private linesFor(id: string): Line[] {
    const p = palette();
    const c = p.indicator;
    const line = (color: string, pick: (v: AnyOut) => number, width: 1 | 2 = 1): Line => ({ color, width, pick });
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
        return [{ ...line(p.up, (v) => (v as IndicatorOutputs['supertrend']).value, 2), colorOf: (v) => ((v as IndicatorOutputs['supertrend']).direction === 'up' ? p.up : p.down) }];
      case 'rsi14':
        return [line(c.rsi, (v) => v as number)];
      case 'macd':
        return [
          { color: c.hist, width: 1, histogram: true, pick: (v) => (v as IndicatorOutputs['macd']).histogram },
          line(c.macd, (v) => (v as IndicatorOutputs['macd']).macd),
          line(c.signal, (v) => (v as IndicatorOutputs['macd']).signal),
        ];
      default:
        return [];
    }
  }
}
