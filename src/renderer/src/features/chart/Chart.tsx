// The chart area: a one-line header for the focused chart (instrument, intervals as a segmented
// control or, when narrow, a select, history), a slim rail of tools at its left (the layout: 1, 2
// or 4 charts, linked to the watchlist or not; the trend-line tool; indicators), and 1, 2 or 4
// charts (ChartPane.tsx).
import { useEffect, useState, useSyncExternalStore } from 'react';
import type { CandleInterval } from '../../../../shared/model';
import { backfillChart } from '../../engine-link';
import { qtyFull } from '../../format';
import { useApp } from '../../store/app';
import { GRIDS, useCharts, type Grid } from '../../store/charts';
import { StaleBadge } from '../status/StaleBadge';
import { instrumentLabel } from '../watchlist/symbol';
import { CHART_KEYS, INTERVAL_KEYS } from '../keys/keymap';
import { ChartPane, chartViews, focusedTool, onToolChange } from './ChartPane';
import { CHART_INDICATORS } from './indicator-plots';
import './chart.css';

export const CHART_INTERVALS: CandleInterval[] = ['1s', '1m', '3m', '5m', '10m', '15m', '25m', '30m', '1h', '1d'];

const typingIn = (el: EventTarget | null) =>
  el instanceof HTMLElement && (el.isContentEditable || el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT');

/** Turns the focused chart's trend-line tool on (or off again). */
function toggleTrendTool(): void {
  const v = chartViews.get(useCharts.getState().focused);
  if (!v) return;
  v.setTool(v.activeTool === 'trend' ? null : 'trend');
}

/** The grid's keys (keymap.ts CHART_KEYS): Alt+1/2/4 and G the layout, L linking, T a trend line, Esc the tool. */
function useChartKeys(): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.isComposing || e.ctrlKey || e.metaKey || typingIn(e.target)) return;
      const charts = useCharts.getState();
      if (e.altKey) {
        const grid = CHART_KEYS.grid[e.code];
        if (grid && !e.shiftKey) {
          e.preventDefault();
          charts.setGrid(grid);
        }
        return;
      }
      if (e.key === 'Escape' && focusedTool()) {
        e.preventDefault(); // this Esc ends the drawing, and closes nothing else
        chartViews.get(charts.focused)?.setTool(null);
        return;
      }
      if (e.shiftKey) return; // Shift+T is the theme's
      switch (e.key) {
        case CHART_KEYS.trend:
          e.preventDefault();
          toggleTrendTool();
          return;
        case CHART_KEYS.cycleGrid:
          e.preventDefault();
          charts.cycleGrid();
          return;
        case CHART_KEYS.link:
          e.preventDefault();
          charts.setLinked(!charts.linked);
          return;
      }
    };
    // Capture: before the app's keys (Keys.tsx), which a handled key then leaves alone (defaultPrevented).
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, []);
}

export function Chart() {
  const grid = useCharts((s) => s.grid);
  const linked = useCharts((s) => s.linked);
  const focused = useCharts((s) => s.focused);
  const slot = useCharts((s) => s.slots[s.focused]);
  const ins = useApp((s) => (slot.instrumentId !== null ? s.instruments[slot.instrumentId] : undefined));
  const tool = useSyncExternalStore(onToolChange, focusedTool);
  useChartKeys();
  const interval = slot.interval;
  const setInterval = (iv: CandleInterval) => useCharts.getState().setInterval(focused, iv);
  const label = slot.key ?? (ins ? `${ins.exchange}:${ins.symbol}` : '');
  return (
    <section className="panel chart" data-grid={grid}>
      <header className="chart-head">
        <span className="title" data-testid="chart-title" title={ins ? instrumentLabel(ins).title : undefined}>
          {label || 'No instrument'}
        </span>
        <span className="intervals seg" role="radiogroup" aria-label="Interval">
          {CHART_INTERVALS.map((iv) => (
            <button
              key={iv}
              role="radio"
              aria-checked={iv === interval}
              className={iv === interval ? 'on' : ''}
              data-testid={`interval-${iv}`}
              title={`${iv} candles (key ${INTERVAL_KEYS[iv]})`}
              onClick={() => setInterval(iv)}
            >
              {iv === '1d' ? '1D' : iv}
            </button>
          ))}
        </span>
        <select className="intervals-select" data-testid="interval-select" aria-label="Interval" value={interval} onChange={(e) => setInterval(e.target.value as CandleInterval)}>
          {CHART_INTERVALS.map((iv) => (
            <option key={iv} value={iv}>
              {iv}
            </option>
          ))}
        </select>
        <BackfillButton label={label ? `${label} ${interval}` : ''} instrumentId={slot.instrumentId} interval={interval} disabled={slot.instrumentId === null || interval === '1s'} />
      </header>
      <div className="chart-main">
        <nav className="chart-rail" aria-label="Chart tools">
          <span className="grid-pick" role="radiogroup" aria-label="Charts">
            {GRIDS.map((g) => (
              <button key={g} role="radio" aria-checked={g === grid} className={g === grid ? 'on' : ''} data-testid={`grid-${g}`} title={GRID_TITLE[g]} onClick={() => useCharts.getState().setGrid(g)}>
                <GridIcon n={g} />
              </button>
            ))}
          </span>
          <button
            className={linked ? 'on' : ''}
            data-testid="chart-link"
            aria-pressed={linked}
            title={linked ? 'Linked: every chart shows the watchlist’s instrument, each at its own interval (L to unlink)' : 'Not linked: each chart keeps its instrument; the watchlist sets the focused chart (L to link)'}
            onClick={() => useCharts.getState().setLinked(!linked)}
          >
            <LinkIcon linked={linked} />
          </button>
          <span className="rail-gap" />
          <button className={tool === 'trend' ? 'on' : ''} data-testid="trend-tool" aria-pressed={tool === 'trend'} title="Trend line: click its two ends on the chart (T; Esc cancels). Click a line, then Delete, or Alt+click it, to remove it" onClick={toggleTrendTool}>
            <svg width="14" height="14" viewBox="0 0 14 14" aria-hidden="true">
              <line x1="2.5" y1="11.5" x2="11.5" y2="2.5" stroke="currentColor" strokeWidth="1.4" />
              <circle cx="2.5" cy="11.5" r="1.8" fill="currentColor" />
              <circle cx="11.5" cy="2.5" r="1.8" fill="currentColor" />
            </svg>
          </button>
          <IndicatorMenu chosen={slot.indicators} onChange={(ids) => useCharts.getState().setIndicators(focused, ids)} />
        </nav>
        <div className="chart-grid" data-grid={grid}>
          {Array.from({ length: grid }, (_, i) => (
            <ChartPane key={i} slot={i} />
          ))}
          <StaleBadge />
        </div>
      </div>
    </section>
  );
}

const GRID_TITLE: Record<Grid, string> = { 1: 'One chart (Alt+1; G cycles)', 2: 'Two charts side by side (Alt+2)', 4: 'Four charts, 2×2 (Alt+4)' };

/** Two chain links, joined when linked, apart when not. */
function LinkIcon({ linked }: { linked: boolean }) {
  return (
    <svg width="14" height="14" viewBox="0 0 14 14" aria-hidden="true" fill="none" stroke="currentColor" strokeWidth="1.4" strokeLinecap="round">
      {linked ? (
        <>
          <path d="M6 8.2 8.2 6" />
          <path d="M5.2 6.6 3.6 8.2a2 2 0 0 0 2.8 2.8L8 9.4" />
          <path d="M8.8 7.4 10.4 5.8a2 2 0 0 0-2.8-2.8L6 4.6" />
        </>
      ) : (
        <>
          <path d="M4.6 7.2 3.4 8.4a1.9 1.9 0 0 0 2.7 2.7L7.3 9.9" />
          <path d="M9.4 6.8l1.2-1.2a1.9 1.9 0 0 0-2.7-2.7L6.7 4.1" />
          <path d="M2 2l2 2M12 12l-2-2" />
        </>
      )}
    </svg>
  );
}

/** 1, 2 or 4 small boxes: the layout the button picks. */
function GridIcon({ n }: { n: Grid }) {
  const boxes = n === 1 ? [[1, 1, 12, 10]] : n === 2 ? [[1, 1, 5.5, 10], [7.5, 1, 5.5, 10]] : [[1, 1, 5.5, 4.5], [7.5, 1, 5.5, 4.5], [1, 6.5, 5.5, 4.5], [7.5, 6.5, 5.5, 4.5]];
  return (
    <svg width="14" height="12" viewBox="0 0 14 12" aria-hidden="true">
      {boxes.map(([x, y, w, h], i) => (
        <rect key={i} x={x} y={y} width={w} height={h} rx="0.8" fill="none" stroke="currentColor" strokeWidth="1.1" />
      ))}
    </svg>
  );
}

/** "ƒx": the focused chart's indicators, ticked on and off (remembered per chart). */
function IndicatorMenu({ chosen, onChange }: { chosen: string[]; onChange: (ids: string[]) => void }) {
  const [open, setOpen] = useState(false);
  return (
    <span className="ind-menu">
      <button
        data-testid="indicators"
        data-count={chosen.length}
        aria-expanded={open}
        title={chosen.length ? `Indicators: ${CHART_INDICATORS.filter((d) => chosen.includes(d.id)).map((d) => d.label).join(', ')}` : 'Indicators'}
        className={chosen.length ? 'on' : ''}
        onClick={() => setOpen(!open)}
      >
        ƒx
      </button>
      {open && (
        <div className="ind-pop" role="menu" data-testid="indicator-menu" onKeyDown={(e) => e.key === 'Escape' && (setOpen(false), e.preventDefault())}>
          {CHART_INDICATORS.map((d) => (
            <label key={d.id}>
              <input
                type="checkbox"
                data-testid={`indicator-${d.id}`}
                checked={chosen.includes(d.id)}
                onChange={(e) => onChange(e.target.checked ? [...chosen, d.id] : chosen.filter((x) => x !== d.id))}
              />
              {d.label}
            </label>
          ))}
        </div>
      )}
    </span>
  );
}

const SHOW_DONE_MS = 8000;

/** "12,345,678 candles" (the engine writes en-US) → "1,23,45,678 candles". */
const indianCounts = (text: string) => text.replace(/\d{1,3}(?:,\d{3})+/g, (n) => qtyFull(Number(n.replace(/,/g, ''))));

/** History for the focused chart from the broker, with a progress bar while it loads. */
function BackfillButton({ label, instrumentId, interval, disabled }: { label: string; instrumentId: number | null; interval: CandleInterval; disabled: boolean }) {
  const task = useApp((s) => Object.values(s.tasks).filter((t) => t.task === 'backfill' && t.label === label).at(-1));
  const [error, setError] = useState<string | null>(null);
  const [, setTick] = useState(0);
  const running = task && !task.done;
  // A finished load says how many candles came for a few seconds, then gives the header its room
  // back (the button's tooltip keeps it); a failure stays.
  const fresh = task && (!task.done || !!task.error || Date.now() - (task.at ?? 0) < SHOW_DONE_MS);
  useEffect(() => {
    if (!task?.done || task.error) return;
    const t = setTimeout(() => setTick((n) => n + 1), Math.max(0, SHOW_DONE_MS - (Date.now() - (task.at ?? 0))) + 50);
    return () => clearTimeout(t);
  }, [task?.done, task?.error, task?.at]);
  return (
    <span className="backfill">
      {task && fresh && (
        <span className={`task ${task.error ? 'down' : task.done ? 'dim' : ''}`} data-testid="backfill-status" data-done={task.done ? '1' : '0'} title={task.error ?? `history: ${task.detail}`}>
          {!task.done && <progress data-testid="backfill-progress" max={1} value={task.fraction ?? undefined} />}
          {task.error ? 'history failed' : indianCounts(task.detail)}
        </span>
      )}
      {error && (
        <span className="down" title={error}>
          !
        </span>
      )}
      <button
        data-testid="backfill"
        disabled={disabled || !!running}
        title={disabled ? 'no broker history at this interval' : `Load ${label} history from the broker${task?.done && !task.error ? ` (last: ${indianCounts(task.detail)})` : ''}`}
        onClick={async () => setError(await backfillChart(instrumentId, interval))}
      >
        History
      </button>
    </span>
  );
}
