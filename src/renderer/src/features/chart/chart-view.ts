// One candle chart outside React: lightweight-charts with candles and volume (volume on its own
// hidden scale, no label on the price axis), prices with Indian grouping, IST times, a legend that
// follows the crosshair and stays on the bar under it while live bars arrive, older bars loaded
// from the journal when the user scrolls to the left edge, the user's horizontal and trend lines,
// and the theme's colors (theme.ts), repainted when the theme changes.
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
  type TickMarkType,
  type Time,
  type UTCTimestamp,
} from 'lightweight-charts';
import type { Bar } from '../../../../shared/api';
import { IST_OFFSET_S } from '../../../../shared/ist';
import { INTERVAL_SECONDS } from '../../../../shared/intervals';
import type { CandleInterval } from '../../../../shared/model';
import { barTime, crosshairTime, direction, grouped, pct, price, qty, tickMarkLabel } from '../../format';
import { setText } from '../../dom-text';
import { cancelFrameTask, dropTurn, onNextFrame, takeTurn } from '../../frame';
import { onThemeChange, palette, type Palette } from '../../theme';
import { newLineId, type TrendLine } from './drawings';
import { CHART_BARS, extendedStart, MAX_DRAWN, OLDER_AT, PendingBars, trimmedStart } from './bar-window';
import { IndicatorPlots } from './indicator-plots';
import { timeOf } from './trend-geometry';
import { TrendLines, type Draft } from './trend-lines';

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
  /** The trend lines changed by the user (drawn, or removed with Delete or Alt+click). */
  onTrends?(lines: TrendLine[]): void;
  /** The drawing tool turned on or off (a line finished, Esc). */
  onTool?(tool: Tool): void;
  /** TradingView's logo in the corner (lightweight-charts' attribution; once per page is enough). */
  attribution?: boolean;
}

/** What a plain click on the chart does: nothing special, or place a trend line's next point. */
export type Tool = 'trend' | null;

/** How near (px) an Alt+click must be to a line to remove it rather than add another. */
const LINE_HIT_PX = 5;
/** How near (px) a click must be to a trend line to pick it. */
const TREND_HIT_PX = 6;

let views = 0;

/**
 * How often a chart draws its live bars at most (ms), unless told otherwise (the focused chart, or
 * the only one; ChartPane slows the others): a tick after a quiet tenth of a second is drawn in the
 * next frame, a burst ten times a second. Each redraw repaints every pane and price axis of the
 * chart; at the 30 to 60 redraws a second a busy instrument would ask for, that was the page's
 * largest cost per frame (the UI bench, part A).
 */
export const LIVE_PACE_MS = 100;

export class ChartView {
  readonly chart: IChartApi;
  private readonly candles: ISeriesApi<'Candlestick'>;
  private readonly volume: ISeriesApi<'Histogram'>;
  /** Every bar the chart has, by time (s), oldest first. */
  private bars = new Map<number, Bar>();
  /** The first of them drawn (bar-window.ts: the library holds a window of the newest). */
  private drawnFrom = 0;
  private last: Bar | null = null;
  /** The bar under the crosshair (s), or null: the legend shows the live bar. */
  private hoverT: number | null = null;
  private readonly pending = new PendingBars();
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
  private colors: Palette = palette();
  /** Bar times (s), ascending: the axis trend lines are placed on (rebuilt when null). */
  private times: number[] | null = null;
  private readonly trends: TrendLines;
  private trendList: TrendLine[] = [];
  private tool: Tool = null;
  private draft: Draft | null = null;
  /** This view's key in the frame scheduler (one per chart: four charts, four legends). */
  private readonly legendKey: string;
  private readonly offTheme: () => void;
  private updateEvery = LIVE_PACE_MS;
  private updateTimer: ReturnType<typeof setTimeout> | 0 = 0;
  private appliedAt = 0;

  constructor(
    private readonly el: HTMLElement,
    private readonly legend: LegendNodes,
    private readonly opts: ChartViewOptions,
  ) {
    const n = ++views;
    this.legendKey = `chart-legend:${n}`;
    const c = this.colors;
    this.chart = createChart(el, {
      autoSize: true,
      grid: { vertLines: { color: c.grid }, horzLines: { color: c.grid } },
      crosshair: { mode: CrosshairMode.Normal },
      rightPriceScale: { borderColor: c.axisBorder, scaleMargins: { top: 0.08, bottom: 0.22 } },
      // A few empty bars on the right keep the newest time label clear of the price axis.
      // Its labels from format.ts's tickMarkLabel: the library's own call toLocaleString per label and paint.
      timeScale: { borderColor: c.axisBorder, timeVisible: true, secondsVisible: false, rightOffset: 6, tickMarkFormatter: (t: Time, type: TickMarkType) => (typeof t === 'number' ? tickMarkLabel(t, type) : null) },
      localization: { timeFormatter: (t: number) => crosshairTime(t - IST_OFFSET_S, this.interval) },
      layout: { background: { type: ColorType.Solid, color: c.bg }, textColor: c.axisText, fontSize: 11, attributionLogo: opts.attribution ?? true },
    });
    this.candles = this.chart.addSeries(CandlestickSeries, {
      upColor: c.up,
      downColor: c.down,
      borderVisible: false,
      wickUpColor: c.up,
      wickDownColor: c.down,
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
    this.trends = new TrendLines({ times: () => this.barTimes(), step: () => INTERVAL_SECONDS[this.interval] }, c.drawing);
    this.candles.attachPrimitive(this.trends);
    // Clicks from the DOM: the chart's own click event swallows a second click within 500 ms (its
    // double-click timer), and a trend line's two ends are often clicked that fast.
    el.addEventListener('pointerdown', this.onPointerDown);
    el.addEventListener('pointerup', this.onPointerUp);
    this.chart.subscribeCrosshairMove((p) => {
      this.hoverT = p.time !== undefined && p.point ? (p.time as number) - IST_OFFSET_S : null;
      if (this.draft && p.point && (p.paneIndex ?? 0) === 0) {
        const at = this.pointAt(p.point.x, p.point.y);
        if (at) this.trends.setDraft((this.draft = { ...this.draft, t2: at.t, p2: at.p }));
      }
      this.showLegend();
    });
    this.chart.timeScale().subscribeVisibleLogicalRangeChange(this.onRange);
    this.offTheme = onThemeChange((p) => this.applyTheme(p));
  }

  /** The theme's colors on everything drawn: background, axes, candles, volume, lines, indicators. */
  applyTheme(c: Palette): void {
    this.colors = c;
    this.chart.applyOptions({
      layout: { background: { type: ColorType.Solid, color: c.bg }, textColor: c.axisText },
      grid: { vertLines: { color: c.grid }, horzLines: { color: c.grid } },
      rightPriceScale: { borderColor: c.axisBorder },
      timeScale: { borderColor: c.axisBorder },
    });
    this.candles.applyOptions({ upColor: c.up, downColor: c.down, wickUpColor: c.up, wickDownColor: c.down });
    const all = [...this.bars.values()];
    this.volume.setData(all.slice(this.drawnFrom).map(this.volumeBar)); // each bar carries its color
    for (const l of this.lines) l.line.applyOptions({ color: c.drawing });
    this.trends.setColor(c.drawing);
    this.plots.set(this.plots.ids, all, all[this.drawnFrom]?.t ?? null);
  }

  /** A plain click picks a trend line or places the drawing tool's point; Alt+click adds or removes a line. */
  private pressedAt: { x: number; y: number } | null = null;
  private readonly onPointerDown = (e: PointerEvent) => {
    this.pressedAt = e.button === 0 ? { x: e.clientX, y: e.clientY } : null;
  };
  private readonly onPointerUp = (e: PointerEvent) => {
    const down = this.pressedAt;
    this.pressedAt = null;
    // A press that moved is a pan, not a click.
    if (!down || e.button !== 0 || Math.abs(e.clientX - down.x) + Math.abs(e.clientY - down.y) > 4) return;
    const r = this.el.getBoundingClientRect();
    const x = e.clientX - r.left;
    const y = e.clientY - r.top;
    // Only the price pane's plot (not the price axis, the time axis or an indicator's pane).
    if (x < 0 || x >= this.chart.timeScale().width() || y < 0 || y >= (this.chart.panes()[0]?.getHeight() ?? 0)) return;
    this.onClick(x, y, e.altKey);
  };

  private onClick(x: number, y: number, alt: boolean): void {
    if (this.tool === 'trend' && !alt) {
      const at = this.pointAt(x, y);
      if (!at) return;
      if (!this.draft) {
        this.trends.setDraft((this.draft = { t1: at.t, p1: at.p, t2: at.t, p2: at.p }));
        return;
      }
      const line: TrendLine = { id: newLineId(), ...this.draft, t2: at.t, p2: at.p };
      if (line.t1 === line.t2 && line.p1 === line.p2) return; // the same point twice: not a line yet
      this.draft = null;
      this.trends.setDraft(null);
      this.setTrends([...this.trendList, line]);
      this.trends.select(line.id);
      this.opts.onTrends?.(this.trendList);
      this.setTool(null);
      return;
    }
    const trend = this.trends.hit(x, y, TREND_HIT_PX);
    if (!alt) {
      this.trends.select(trend?.id ?? null);
      this.showLegend();
      return;
    }
    // Alt+click: on a trend line removes it; else a horizontal line at that price (on the tick), or off again when on one.
    if (trend) return this.removeTrend(trend.id);
    const near = this.lines.find((l) => Math.abs((this.candles.priceToCoordinate(l.price) ?? -1e9) - y) <= LINE_HIT_PX);
    const at = this.candles.coordinateToPrice(y);
    if (!near && at === null) return;
    const prices = near ? this.lines.filter((l) => l !== near).map((l) => l.price) : [...this.lines.map((l) => l.price), roundTo(at as number, this.tick)];
    this.setLines(prices);
    this.opts.onLines?.(prices);
  }

  /** The time and price (on the tick) at a point of the price pane, for a trend line's end. */
  private pointAt(x: number, y: number): { t: number; p: number } | null {
    const logical = this.chart.timeScale().coordinateToLogical(x);
    const at = this.candles.coordinateToPrice(y);
    if (logical === null || at === null || !this.bars.size) return null;
    return { t: Math.round(timeOf(logical, this.barTimes(), INTERVAL_SECONDS[this.interval])), p: roundTo(at, this.tick) };
  }

  /** The drawn bars' times: the library's logical axis. */
  private barTimes(): number[] {
    this.times ??= [...this.bars.keys()].slice(this.drawnFrom).sort((a, b) => a - b);
    return this.times;
  }

  /** The drawing tool: 'trend' makes the next two clicks a trend line's ends. */
  setTool(tool: Tool): void {
    if (tool === this.tool) return;
    this.tool = tool;
    if (!tool && this.draft) {
      this.draft = null;
      this.trends.setDraft(null);
    }
    this.el.dataset.tool = tool ?? '';
    this.el.style.cursor = tool ? 'crosshair' : '';
    this.opts.onTool?.(tool);
  }

  get activeTool(): Tool {
    return this.tool;
  }

  /** The instrument's trend lines (its own, remembered by the page). */
  setTrends(lines: readonly TrendLine[]): void {
    this.trendList = [...lines];
    this.trends.set(this.trendList);
    this.el.dataset.trends = JSON.stringify(this.trendList.map(({ t1, p1, t2, p2 }) => [t1, p1, t2, p2]));
    this.showLegend();
  }

  private removeTrend(id: string): void {
    this.setTrends(this.trendList.filter((l) => l.id !== id));
    this.opts.onTrends?.(this.trendList);
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

  /** Keyboard on the focused chart: ←/→ pan, +/− zoom, End back to the latest bar; Delete a picked trend line, Esc the tool. */
  key(key: string): boolean {
    if ((key === 'Delete' || key === 'Backspace') && this.trends.selectedId) {
      this.removeTrend(this.trends.selectedId);
      return true;
    }
    if (key === 'Escape' && (this.tool || this.trends.selectedId)) {
      this.setTool(null);
      this.trends.select(null);
      return true;
    }
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
      line: this.candles.createPriceLine({ price, color: this.colors.drawing, lineWidth: 1, lineStyle: LineStyle.Dashed, axisLabelVisible: true, title: '' }),
    }));
    this.el.dataset.lines = prices.join(',');
    if (!prices.length) this.el.dataset.lineYs = '';
  }

  /** The indicators shown (ids of CHART_INDICATORS), computed over the bars on the chart. */
  setIndicators(ids: readonly string[]): void {
    const all = [...this.bars.values()];
    this.plots.set(ids, all, all[this.drawnFrom]?.t ?? null);
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
    this.pending.clear();
    this.bars = new Map(list.map((b) => [b.t, b]));
    this.drawnFrom = Math.max(0, list.length - CHART_BARS);
    this.draw(list);
    this.last = list.at(-1) ?? null;
    this.hoverT = null;
    if (list.length) this.chart.timeScale().scrollToRealTime();
    this.showLegend();
  }

  /**
   * The same instrument and interval's history again (the chart moved between the watch and the
   * other charts' streams): only what is newer than the live bar shown is applied, the view stays.
   */
  merge(list: Bar[]): void {
    if (!this.last) return this.load(list);
    const from = this.last.t;
    this.update(list.filter((b) => b.t >= from));
  }

  /** Bars the chart has (0 before the first history). */
  get size(): number {
    return this.bars.size;
  }

  /** Bars handed to the chart library (the window of the newest, bar-window.ts). */
  get drawn(): number {
    return this.bars.size - this.drawnFrom;
  }

  /** `all` (every bar, oldest first) into the library from `drawnFrom` on: candles, volume, indicators. */
  private draw(all: readonly Bar[]): void {
    const shown = this.drawnFrom ? all.slice(this.drawnFrom) : all;
    this.times = null;
    this.candles.setData(shown.map(candle));
    this.volume.setData(shown.map(this.volumeBar));
    this.plots.load(all, shown[0]?.t ?? null);
  }

  /** Live bars are drawn at most this often (ms; LIVE_PACE_MS until set): a bar after a quiet spell at the next turn, a burst at this pace. */
  setUpdateEvery(ms: number): void {
    this.updateEvery = ms;
  }

  /**
   * Live bar updates, applied at most once per `setUpdateEvery` in a turn (frame.ts takeTurn), the
   * newest version of each bar winning (bar-window.ts PendingBars): however many messages come
   * between two turns, the library takes one update per bar, and draws it in the next frame.
   */
  update(list: Bar[]): void {
    if (!list.length) return;
    this.pending.add(list);
    if (this.updateTimer) return;
    const wait = this.updateEvery - (performance.now() - this.appliedAt);
    if (wait <= 0) takeTurn(this.applyPending);
    else
      this.updateTimer = setTimeout(() => {
        this.updateTimer = 0;
        takeTurn(this.applyPending);
      }, wait);
  }

  dispose(): void {
    clearTimeout(this.updateTimer);
    dropTurn(this.applyPending);
    cancelFrameTask(this.legendKey);
    this.offTheme();
    this.el.removeEventListener('pointerdown', this.onPointerDown);
    this.el.removeEventListener('pointerup', this.onPointerUp);
    this.chart.timeScale().unsubscribeVisibleLogicalRangeChange(this.onRange);
    this.chart.remove();
  }

  private readonly applyPending = () => {
    this.appliedAt = performance.now();
    // Older than what is drawn is dropped: the chart cannot take it.
    for (const b of this.pending.take(this.last?.t ?? null)) {
      this.candles.update(candle(b));
      this.volume.update(this.volumeBar(b));
      this.plots.update(b);
      if (!this.bars.has(b.t)) this.times?.push(b.t);
      this.bars.set(b.t, b);
      this.last = b;
    }
    if (this.drawn > MAX_DRAWN) this.trim();
    // The legend now, in the frame the bars are given (not the next): the library draws them in the
    // next frame, and its axis text (a canvas font) forces a layout of the page when text written
    // in that frame is waiting for one. The UI bench's heaviest frames were those.
    cancelFrameTask(this.legendKey);
    this.paintLegend();
  };

  /** Live bars grew the window past MAX_DRAWN: the oldest drawn ones come off while the view is at the live edge. */
  private trim(): void {
    const start = trimmedStart(this.drawnFrom, this.bars.size, this.chart.timeScale().getVisibleLogicalRange()?.from ?? null);
    if (start === null) return;
    this.drawnFrom = start;
    this.redrawWindow();
    this.noOlder = false;
  }

  /** The window moved (`drawnFrom`): its bars into the library; the indicators are computed over every bar already. */
  private redrawWindow(): void {
    const shown = [...this.bars.values()].slice(this.drawnFrom);
    this.times = null;
    this.candles.setData(shown.map(candle));
    this.volume.setData(shown.map(this.volumeBar));
    this.plots.show(shown[0]?.t ?? null);
  }

  private readonly onRange = (range: LogicalRange | null) => {
    // Where the view is, in bars from the oldest the chart has (tests and the keyboard's pan read it).
    if (range) this.el.dataset.rangeTo = (range.to + this.drawnFrom).toFixed(1);
    if (!range || range.from > OLDER_AT || this.loadingOlder || this.noOlder || this.bars.size === 0) return;
    void this.loadOlder();
  };

  /** Draws older bars, from memory, else the journal's before the oldest the chart has, keeping the view where it is. */
  private async loadOlder(): Promise<void> {
    if (this.drawnFrom > 0) {
      const range = this.chart.timeScale().getVisibleLogicalRange();
      const before = this.drawnFrom;
      this.drawnFrom = extendedStart(before);
      this.redrawWindow();
      if (range) this.chart.timeScale().setVisibleLogicalRange({ from: range.from + before - this.drawnFrom, to: range.to + before - this.drawnFrom });
      return;
    }
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
    this.drawnFrom = 0;
    this.draw([...this.bars.values()]);
    if (range) this.chart.timeScale().setVisibleLogicalRange({ from: range.from + older.length, to: range.to + older.length });
  }

  /** Points the legend at the hovered bar (it stays there while live bars arrive), else the live one. */
  private showLegend(): void {
    onNextFrame(this.legendKey, this.paintLegend);
  }

  private readonly paintLegend = () => {
    const { el, legend: n, last } = this;
    el.dataset.lastTime = last ? String(last.t) : '';
    el.dataset.lastClose = last ? String(last.c) : '';
    el.dataset.bars = String(this.bars.size);
    el.dataset.drawn = String(this.drawn);
    if (this.plots.ids.length) el.dataset.indicatorValues = JSON.stringify(this.plots.latest());
    // Where each line is drawn (px from the chart's top), for the keyboard-less tests of removal.
    if (this.lines.length) el.dataset.lineYs = this.lines.map((l) => Math.round(this.candles.priceToCoordinate(l.price) ?? -1)).join(',');
    // Where each trend line is drawn ("x1,y1,x2,y2" px in the pane, ";" between lines) and which is picked.
    if (this.trendList.length) this.trends.updateAllViews();
    const xy = this.trendList.length
      ? this.trends.segments
          .filter((s) => s.id !== '')
          .map((s) => [s.x1, s.y1, s.x2, s.y2].map(Math.round).join(','))
          .join(';')
      : '';
    if (el.dataset.trendXy !== xy) el.dataset.trendXy = xy;
    if (el.dataset.trendSelected !== (this.trends.selectedId ?? '')) el.dataset.trendSelected = this.trends.selectedId ?? '';
    const b = (this.hoverT !== null ? this.bars.get(this.hoverT) : undefined) ?? last;
    n.root.dataset.time = b ? String(b.t) : '';
    n.root.dataset.hover = b && b !== last ? '1' : '0';
    n.root.hidden = !b;
    if (!b) return;
    const d = this.decimals;
    const prev = this.previous(b.t);
    const change = prev ? ((b.c - prev.c) / prev.c) * 100 : undefined;
    setText(n.time, barTime(b.t, this.interval));
    setText(n.o, price(b.o, d));
    setText(n.h, price(b.h, d));
    setText(n.l, price(b.l, d));
    setText(n.c, price(b.c, d));
    setText(n.v, qty(b.v));
    setText(n.chg, change === undefined ? '' : pct(change));
    const dir = b.c > b.o ? 'up' : b.c < b.o ? 'down' : 'flat';
    if (n.c.className !== dir) n.c.className = dir;
    const cdir = direction(change);
    if (n.chg.className !== cdir) n.chg.className = cdir;
  };

  private readonly volumeBar = (b: Bar) => ({ time: ist(b.t), value: b.v, color: b.c >= b.o ? this.colors.volUp : this.colors.volDown });

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

function candle(b: Bar) {
  return { time: ist(b.t), open: b.o, high: b.h, low: b.l, close: b.c };
}
