// One chart of the grid: its candles (chart-view.ts), a caption saying what it shows when there are
// several, the crosshair legend, and the user's lines for its instrument. It takes the bars of its
// own instrument and interval from live.ts; a pointer on it focuses it.
import { useEffect, useRef } from 'react';
import { decimalsFor } from '../../format';
import { olderCandles } from '../../engine-link';
import { useApp } from '../../store/app';
import { useCharts } from '../../store/charts';
import { live } from '../../store/live';
import { instrumentLabel } from '../watchlist/symbol';
import { ChartView, LIVE_PACE_MS, type LegendNodes, type Tool } from './chart-view';
import { onDrawings, savedLines, savedTrends, saveLines, saveTrends } from './drawings';

/** The chart views on screen by slot (the header's tools and the keys act on the focused one). */
export const chartViews = new Map<number, ChartView>();
const toolListeners = new Set<() => void>();

/** Hears when any chart's drawing tool turns on or off (the header's button shows it). */
export function onToolChange(fn: () => void): () => void {
  toolListeners.add(fn);
  return () => toolListeners.delete(fn);
}

/** How often a chart other than the focused one draws its live bars (ms). */
const BESIDE_FOCUS_MS = 1000;

/** Axis and legend text grows with the screen (the CSS root font does the same for the panels). */
const chartFontSize = () => (window.innerWidth >= 2200 ? 13 : window.innerWidth >= 1800 ? 12 : 11);

const streamOf = (slot: number) => {
  const s = useCharts.getState().slots[slot];
  return s && s.instrumentId !== null ? `${s.instrumentId}/${s.interval}` : null;
};

export function ChartPane({ slot }: { slot: number }) {
  const box = useRef<HTMLDivElement>(null);
  const body = useRef<HTMLDivElement>(null);
  const legendRef = useRef<HTMLDivElement>(null);
  const view = useRef<ChartView | null>(null);
  const s = useCharts((st) => st.slots[slot]);
  const focused = useCharts((st) => st.focused === slot);
  const several = useCharts((st) => st.grid > 1);
  const ins = useApp((a) => (s.instrumentId !== null ? a.instruments[s.instrumentId] : undefined));
  const decimals = decimalsFor(ins?.tickSize ?? 0.05);
  const key = s.key ?? (ins ? `${ins.exchange}:${ins.symbol}` : null);
  /** The instrument whose lines the chart shows (its EXCHANGE:SYMBOL). */
  const keyRef = useRef(key);
  keyRef.current = key;

  useEffect(() => {
    const root = legendRef.current!;
    const node = (f: string) => root.querySelector<HTMLElement>(`[data-f=${f}]`)!;
    const legend: LegendNodes = { root, time: node('time'), o: node('o'), h: node('h'), l: node('l'), c: node('c'), v: node('v'), chg: node('chg') };
    const v = new ChartView(box.current!, legend, {
      older: (beforeSec) => {
        const cur = useCharts.getState().slots[slot];
        return cur?.instrumentId != null ? olderCandles(cur.instrumentId, cur.interval, beforeSec) : Promise.resolve([]);
      },
      onLines: (prices) => keyRef.current && saveLines(keyRef.current, prices),
      onTrends: (lines) => keyRef.current && saveTrends(keyRef.current, lines),
      onTool: () => toolListeners.forEach((f) => f()),
      attribution: slot === 0,
    });
    view.current = v;
    chartViews.set(slot, v);
    v.setFontSize(chartFontSize());
    const onResize = () => v.setFontSize(chartFontSize());
    window.addEventListener('resize', onResize);

    // The stream drawn (instrument/interval), once its history is in.
    let loaded: string | null = null;
    const show = () => {
      const want = streamOf(slot);
      if (want === loaded) return;
      const cur = useCharts.getState().slots[slot];
      const bars = want && cur.instrumentId !== null ? live.barsOf(cur.instrumentId, cur.interval) : undefined;
      // Bars another chart (or an earlier answer) already has are drawn at once; else wait for the history.
      v.load(bars ? [...bars] : []);
      loaded = bars ? want : null;
    };
    show();
    const offSlot = useCharts.subscribe(show);
    const offBars = live.onBars((e) => {
      const want = streamOf(slot);
      if (want !== `${e.instrumentId}/${e.interval}`) return;
      if (e.kind === 'update') {
        if (loaded === want) v.update(e.bars);
        return;
      }
      if (e.kind === 'history' && loaded === want && v.size > 0) v.merge(e.bars);
      else v.load(e.bars);
      loaded = want;
    });
    const offDrawings = onDrawings((k) => {
      if (k !== keyRef.current) return;
      v.setLines(savedLines(k));
      v.setTrends(savedTrends(k));
    });
    return () => {
      offDrawings();
      offBars();
      offSlot();
      window.removeEventListener('resize', onResize);
      if (chartViews.get(slot) === v) chartViews.delete(slot);
      v.dispose();
      view.current = null;
    };
  }, [slot]);

  useEffect(() => {
    view.current?.configure(decimals, ins?.tickSize ?? 0.05, s.interval);
  }, [decimals, ins?.tickSize, s.interval]);

  useEffect(() => {
    view.current?.setLines(key ? savedLines(key) : []);
    view.current?.setTrends(key ? savedTrends(key) : []);
  }, [key]);

  useEffect(() => {
    view.current?.setIndicators(s.indicators);
  }, [s.indicators]);

  // The focused chart draws its live bars up to ten times a second, the others once a second (their captions say so).
  useEffect(() => {
    view.current?.setUpdateEvery(focused || !several ? LIVE_PACE_MS : BESIDE_FOCUS_MS);
    if (!focused) view.current?.setTool(null); // a line half drawn ends when another chart takes the focus
  }, [focused, several]);

  const label = ins ? instrumentLabel(ins) : null;
  const caption = label ? `${label.main}${label.sub ? ` ${label.sub}` : ''}` : (key ?? 'No instrument');
  const focus = () => useCharts.getState().focus(slot);
  return (
    <div className={`chart-pane${focused ? ' focused' : ''}`} data-testid="chart-pane" data-slot={slot} data-symbol={key ?? ''} data-interval={s.interval} data-focused={focused ? '1' : '0'}>
      <div
        ref={body}
        className="chart-body"
        tabIndex={0}
        // Enter from the watchlist (Keys.tsx) focuses the first element so named: the focused chart's.
        data-testid={focused ? 'chart-focus' : 'chart-body'}
        aria-label={`Chart ${slot + 1}${key ? ` ${key} ${s.interval}` : ''}: ← → pan, + − zoom, End latest; Alt+click a horizontal line; T a trend line`}
        onPointerDownCapture={() => {
          focus();
          // The keys (Delete a picked line, ← → pan) go to the chart clicked, whatever the chart library does with the press.
          body.current?.focus({ preventScroll: true });
        }}
        onFocus={focus}
        onKeyDown={(e) => view.current?.key(e.key) && e.preventDefault()}
      >
        <div className="chart-box" ref={box} data-testid="chart" />
        <div className="chart-top">
          {several && (
            <div
              className="chart-caption"
              data-testid="chart-caption"
              data-pace={focused ? 'live' : 'slow'}
              title={`${label?.title ?? key ?? ''}${focused ? '' : `\nLive bars drawn once a second while another chart has the focus (click this one to draw them up to ten times a second)`}`.trim() || undefined}
            >
              <span className="cap-sym">{caption}</span> <span className="cap-iv">{s.interval === '1d' ? '1D' : s.interval}</span>
            </div>
          )}
          <div className="chart-legend" ref={legendRef} data-testid="chart-legend" hidden>
            {/* Label and value stay together when a small chart wraps its legend. */}
            <span data-f="time" className="time" /> <span className="pair"><span className="k">O</span> <span data-f="o" /></span> <span className="pair"><span className="k">H</span> <span data-f="h" /></span>{' '}
            <span className="pair"><span className="k">L</span> <span data-f="l" /></span> <span className="pair"><span className="k">C</span> <span data-f="c" /></span>{' '}
            <span className="pair"><span className="k">V</span> <span data-f="v" /></span> <span data-f="chg" />
          </div>
        </div>
      </div>
    </div>
  );
}

/** The focused chart's drawing tool, and a way to set it. */
export function focusedTool(): Tool {
  return chartViews.get(useCharts.getState().focused)?.activeTool ?? null;
}
