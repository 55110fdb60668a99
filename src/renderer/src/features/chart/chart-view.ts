// One candle chart outside React: lightweight-charts with candles and volume (volume on its own
// hidden scale, no label on the price axis), prices with Indian grouping, IST times, a legend that
// follows the crosshair and stays on the bar under it while live bars arrive, and older bars
// loaded from the journal when the user scrolls to the left edge.
import {
  CandlestickSeries,
  ColorType,
  createChart,
  CrosshairMode,
  HistogramSeries,
  LineStyle,
  type IChartApi,
  type IPriceLine,
  type ISeriesApi,
  type LogicalRange,
  type UTCTimestamp,
} from 'lightweight-charts';
import type { Bar } from '../../../../shared/api';
import { IST_OFFSET_S } from '../../../../shared/ist';
import type { CandleInterval } from '../../../../shared/model';
import { barTime, crosshairTime, direction, grouped, pct, price, qty } from '../../format';
import { cancelFrameTask, onNextFrame } from '../../frame';
import { IndicatorPlots } from './indicator-plots';

const UP = '#26a69a';
const DOWN = '#ef5350';
const VOL_UP = '#26a69a55';
const VOL_DOWN = '#ef535055';
/** Scrolled this close (in bars) to the oldest bar: ask the journal for older ones. */
const OLDER_AT = 15;

/** lightweight-charts draws UTC; shifting by +05:30 makes its axis read IST. */
const ist = (t: number) => (t + IST_OFFSET_S) as UTCTimestamp;

/** The legend's nodes, written directly (a React render per tick would cost more than the chart). */
export interface LegendNodes {
  root: HTMLElement;
  time: HTMLElement;
  o: HTMLElement;
  h: HTMLElement;
  l: HTMLElement;
  c: HTMLElement;
  v: HTMLElement;
  chg: HTMLElement;
}

export interface ChartViewOptions {
  /** Bars before `beforeSec` for the instrument and interval shown ([] when there are none). */
  older(beforeSec: number): Promise<Bar[]>;
  /** The horizontal lines changed by the user (Alt+click adds one, Alt+click on one removes it). */
  onLines?(prices: number[]): void;
}

/** How near (px) an Alt+click must be to a line to remove it rather than add another. */
const LINE_HIT_PX = 5;

export class ChartView {
  readonly chart: IChartApi;
  private readonly candles: ISeriesApi<'Candlestick'>;
  private readonly volume: ISeriesApi<'Histogram'>;
  /** Every bar shown, by time (s), oldest first. */
  private bars = new Map<number, Bar>();
  private last: Bar | null = null;
  /** The bar under the crosshair (s), or null: the legend shows the live bar. */
  private hoverT: number | null = null;
  private readonly pending: Bar[] = [];
  private decimals = 2;
  private interval: CandleInterval = '1m';
  /** Bumped by every full load: an older-bars answer for a previous load is dropped. */
  private generation = 0;
  private loadingOlder = false;
  private noOlder = false;
  private prevOf: { t: number; gen: number; bar: Bar | undefined } | null = null;
  private readonly plots: IndicatorPlots;
  private lines: Array<{ price: number; line: IPriceLine }> = [];
  private tick = 0.05;

  constructor(
    private readonly el: HTMLElement,
    private readonly legend: LegendNodes,
    private readonly opts: ChartViewOptions,
  ) {
    this.chart = createChart(el, {
      autoSize: true,
      layout: { background: { type: ColorType.Solid, color: '#0b0e11' }, textColor: '#8b93a1', fontSize: 11 },
      grid: { vertLines: { color: '#161b22' }, horzLines: { color: '#161b22' } },
      crosshair: { mode: CrosshairMode.Normal },
      rightPriceScale: { borderColor: '#222a35', scaleMargins: { top: 0.08, bottom: 0.22 } },
      // A few empty bars on the right keep the newest time label clear of the price axis.
      timeScale: { borderColor: '#222a35', timeVisible: true, secondsVisible: false, rightOffset: 6 },
      localization: { timeFormatter: (t: number) => crosshairTime(t - IST_OFFSET_S, this.interval) },
    });
    this.candles = this.chart.addSeries(CandlestickSeries, {
      upColor: UP,
      downColor: DOWN,
      borderVisible: false,
      wickUpColor: UP,
      wickDownColor: DOWN,
      priceFormat: { type: 'custom', formatter: (p: number) => grouped(p, this.decimals), minMove: 0.05 },
    });
    // Volume: its own overlay scale at the bottom, in K / L / Cr, and no label on the price axis.
    this.volume = this.chart.addSeries(HistogramSeries, {
      priceScaleId: 'vol',
      lastValueVisible: false,
      priceLineVisible: false,
      priceFormat: { type: 'custom', formatter: (v: number) => qty(v), minMove: 1 },
    });
    this.volume.priceScale().applyOptions({ scaleMargins: { top: 0.82, bottom: 0 } });
    this.plots = new IndicatorPlots(this.chart);
    // Alt+click: a horizontal line at that price (on the tick), or off again when on one.
    this.chart.subscribeClick((p) => {
      if (!p.point || !p.sourceEvent?.altKey) return;
      const near = this.lines.find((l) => Math.abs((this.candles.priceToCoordinate(l.price) ?? -1e9) - p.point!.y) <= LINE_HIT_PX);
      const at = this.candles.coordinateToPrice(p.point.y);
      if (!near && at === null) return;
      const prices = near ? this.lines.filter((l) => l !== near).map((l) => l.price) : [...this.lines.map((l) => l.price), roundTo(at as number, this.tick)];
      this.setLines(prices);
      this.opts.onLines?.(prices);
    });
    this.chart.subscribeCrosshairMove((p) => {
      this.hoverT = p.time !== undefined && p.point ? (p.time as number) - IST_OFFSET_S : null;
      this.showLegend();
    });
    this.chart.timeScale().subscribeVisibleLogicalRangeChange(this.onRange);
  }

  /** The instrument's price decimals and tick, and the interval (axis labels follow it). */
  configure(decimals: number, tickSize: number, interval: CandleInterval): void {
    this.decimals = decimals;
    this.tick = tickSize;
    this.interval = interval;
    this.candles.applyOptions({ priceFormat: { type: 'custom', formatter: (p: number) => grouped(p, decimals), minMove: tickSize } });
    this.chart.applyOptions({ timeScale: { timeVisible: interval !== '1d', secondsVisible: interval === '1s' } });
    this.showLegend();
  }

  /** Keyboard on the focused chart: ←/→ pan, +/− zoom, End back to the latest bar. */
  key(key: string): boolean {
    const ts = this.chart.timeScale();
    const r = ts.getVisibleLogicalRange();
    if (!r) return false;
    const span = r.to - r.from;
    const pan = Math.max(1, Math.round(span / 8));
    if (key === 'ArrowLeft' || key === 'ArrowRight') {
      const by = key === 'ArrowLeft' ? -pan : pan;
      ts.setVisibleLogicalRange({ from: r.from + by, to: r.to + by });
    } else if (key === '+' || key === '=' || key === '-' || key === '_') {
      const f = key === '+' || key === '=' ? 0.8 : 1.25;
      ts.setVisibleLogicalRange({ from: r.to - span * f, to: r.to });
    } else if (key === 'End') ts.scrollToRealTime();
    else return false;
    return true;
  }

  /** The horizontal price lines of the instrument shown (its own, remembered by the page). */
  setLines(prices: readonly number[]): void {
    for (const l of this.lines) this.candles.removePriceLine(l.line);
    this.lines = prices.map((price) => ({
      price,
      line: this.candles.createPriceLine({ price, color: '#f0b429', lineWidth: 1, lineStyle: LineStyle.Dashed, axisLabelVisible: true, title: '' }),
    }));
    this.el.dataset.lines = prices.join(',');
    if (!prices.length) this.el.dataset.lineYs = '';
  }

  /** The indicators shown (ids of CHART_INDICATORS), computed over the bars on the chart. */
  setIndicators(ids: readonly string[]): void {
    this.plots.set(ids, [...this.bars.values()]);
    this.el.dataset.indicators = this.plots.ids.join(',');
    this.showLegend();
  }

  setFontSize(px: number): void {
    this.chart.applyOptions({ layout: { fontSize: px } });
  }

  /** A full history (after a watch): replaces what is shown. */
  load(list: Bar[]): void {
    this.generation++;
    this.noOlder = false;
    this.loadingOlder = false;
    this.pending.length = 0;
    this.bars = new Map(list.map((b) => [b.t, b]));
    this.candles.setData(list.map(candle));
    this.volume.setData(list.map(volumeBar));
    this.plots.load(list);
    this.last = list.at(-1) ?? null;
    this.hoverT = null;
    if (list.length) this.chart.timeScale().scrollToRealTime();
    this.showLegend();
  }

  /** Live bar updates: applied once per frame, the newest version of each bar winning. */
  update(list: Bar[]): void {
    this.pending.push(...list);
    onNextFrame('chart', this.applyPending);
  }

  dispose(): void {
    cancelFrameTask('chart');
    cancelFrameTask('chart-legend');
    this.chart.timeScale().unsubscribeVisibleLogicalRangeChange(this.onRange);
    this.chart.remove();
  }

  private readonly applyPending = () => {
    const latest = new Map<number, Bar>();
    for (const b of this.pending) latest.set(b.t, b);
    this.pending.length = 0;
    for (const b of [...latest.values()].sort((x, y) => x.t - y.t)) {
      if (this.last && b.t < this.last.t) continue; // older than what is drawn: the chart cannot take it
      this.candles.update(candle(b));
      this.volume.update(volumeBar(b));
      this.plots.update(b);
      this.bars.set(b.t, b);
      this.last = b;
    }
    this.showLegend();
  };

  private readonly onRange = (range: LogicalRange | null) => {
    // Where the view is, in bars from the oldest (tests and the keyboard's pan read it).
    if (range) this.el.dataset.rangeTo = range.to.toFixed(1);
    if (!range || range.from > OLDER_AT || this.loadingOlder || this.noOlder || this.bars.size === 0) return;
    void this.loadOlder();
  };

  /** Prepends the journal's bars before the oldest one shown, keeping the view where it is. */
  private async loadOlder(): Promise<void> {
    const gen = this.generation;
    const first = this.bars.keys().next().value as number;
    this.loadingOlder = true;
    const older = (await this.opts.older(first)).filter((b) => b.t < first);
    if (gen !== this.generation) return;
    this.loadingOlder = false;
    if (!older.length) {
      this.noOlder = true;
      return;
    }
    const range = this.chart.timeScale().getVisibleLogicalRange();
    this.prevOf = null;
    this.bars = new Map([...older.map((b): [number, Bar] => [b.t, b]), ...this.bars]);
    const all = [...this.bars.values()];
    this.candles.setData(all.map(candle));
    this.volume.setData(all.map(volumeBar));
    this.plots.load(all);
    if (range) this.chart.timeScale().setVisibleLogicalRange({ from: range.from + older.length, to: range.to + older.length });
  }

  /** Points the legend at the hovered bar (it stays there while live bars arrive), else the live one. */
  private showLegend(): void {
    onNextFrame('chart-legend', this.paintLegend);
  }

  private readonly paintLegend = () => {
    const { el, legend: n, last } = this;
    el.dataset.lastTime = last ? String(last.t) : '';
    el.dataset.lastClose = last ? String(last.c) : '';
    el.dataset.bars = String(this.bars.size);
    if (this.plots.ids.length) el.dataset.indicatorValues = JSON.stringify(this.plots.latest());
    // Where each line is drawn (px from the chart's top), for the keyboard-less tests of removal.
    if (this.lines.length) el.dataset.lineYs = this.lines.map((l) => Math.round(this.candles.priceToCoordinate(l.price) ?? -1)).join(',');
    const b = (this.hoverT !== null ? this.bars.get(this.hoverT) : undefined) ?? last;
    n.root.dataset.time = b ? String(b.t) : '';
    n.root.dataset.hover = b && b !== last ? '1' : '0';
    n.root.hidden = !b;
    if (!b) return;
    const d = this.decimals;
    const prev = this.previous(b.t);
    const change = prev ? ((b.c - prev.c) / prev.c) * 100 : undefined;
    set(n.time, barTime(b.t, this.interval));
    set(n.o, price(b.o, d));
    set(n.h, price(b.h, d));
    set(n.l, price(b.l, d));
    set(n.c, price(b.c, d));
    set(n.v, qty(b.v));
    set(n.chg, change === undefined ? '' : pct(change));
    const dir = b.c > b.o ? 'up' : b.c < b.o ? 'down' : 'flat';
    if (n.c.className !== dir) n.c.className = dir;
    const cdir = direction(change);
    if (n.chg.className !== cdir) n.chg.className = cdir;
  };

  /** The bar before `t`, for the legend's change (cached: the legend repaints every frame). */
  private previous(t: number): Bar | undefined {
    if (this.prevOf?.t === t && this.prevOf.gen === this.generation) return this.prevOf.bar;
    let bar: Bar | undefined;
    for (const [bt, b] of this.bars) {
      if (bt >= t) break;
      bar = b;
    }
    this.prevOf = { t, gen: this.generation, bar };
    return bar;
  }
}

/** A price on the tick, without binary noise (24,150.05, not 24,150.050000000003). */
function roundTo(p: number, tick: number): number {
  return Number((Math.round(p / tick) * tick).toFixed(6));
}

function set(node: HTMLElement, text: string): void {
  if (node.textContent !== text) node.textContent = text;
}

function candle(b: Bar) {
  return { time: ist(b.t), open: b.o, high: b.h, low: b.l, close: b.c };
}

function volumeBar(b: Bar) {
  return { time: ist(b.t), value: b.v, color: b.c >= b.o ? VOL_UP : VOL_DOWN };
}
