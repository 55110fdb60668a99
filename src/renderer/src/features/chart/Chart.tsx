// The chart panel: a one-line header (instrument, intervals as a segmented control or, when narrow,
// a select, history status) over the candle chart (chart-view.ts) with its crosshair legend.
import { useEffect, useRef, useState } from 'react';
import { CandleInterval } from '../../../../shared/model';
import { backfillChart, olderCandles } from '../../engine-link';
import { decimalsFor, qtyFull } from '../../format';
import { useApp } from '../../store/app';
import { live } from '../../store/live';
import { instrumentLabel } from '../watchlist/symbol';
import { StaleBadge } from '../status/StaleBadge';
import { ChartView, type LegendNodes } from './chart-view';
import { CHART_INDICATORS } from './indicator-plots';
import { INTERVAL_KEYS } from '../keys/keymap';

export const CHART_INTERVALS: CandleInterval[] = ['1s', '1m', '3m', '5m', '10m', '15m', '25m', '30m', '1h', '1d'];

const INDICATORS_KEY = 'tickdesk.indicators.v1';
const LINES_KEY = 'tickdesk.lines.v1';

/** Every instrument's horizontal lines, by EXCHANGE:SYMBOL. */
function savedLines(): Record<string, number[]> {
  try {
    const v = JSON.parse(localStorage.getItem(LINES_KEY) ?? '{}') as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, number[]>) : {};
  } catch {
    return {};
  }
}

/** The indicators chosen last time (ids of CHART_INDICATORS). */
function savedIndicators(): string[] {
  try {
    const v = JSON.parse(localStorage.getItem(INDICATORS_KEY) ?? '[]') as unknown;
    return Array.isArray(v) ? v.filter((id): id is string => CHART_INDICATORS.some((d) => d.id === id)) : [];
  } catch {
    return [];
  }
}

/** Axis and legend text grows with the screen (the CSS root font does the same for the panels). */
const chartFontSize = () => (window.innerWidth >= 2200 ? 13 : window.innerWidth >= 1800 ? 12 : 11);

export function Chart() {
  const box = useRef<HTMLDivElement>(null);
  const legendRef = useRef<HTMLDivElement>(null);
  const view = useRef<ChartView | null>(null);
  const ins = useApp((s) => (s.selectedId !== null ? s.instruments[s.selectedId] : undefined));
  const interval = useApp((s) => s.interval);
  const setInterval = useApp((s) => s.setInterval);
  const decimals = decimalsFor(ins?.tickSize ?? 0.05);
  const [indicators, setIndicators] = useState<string[]>(savedIndicators);

  useEffect(() => {
    const root = legendRef.current!;
    const node = (f: string) => root.querySelector<HTMLElement>(`[data-f=${f}]`)!;
    const legend: LegendNodes = { root, time: node('time'), o: node('o'), h: node('h'), l: node('l'), c: node('c'), v: node('v'), chg: node('chg') };
    const v = new ChartView(box.current!, legend, {
      older: (beforeSec) => {
        const { selectedId, interval: iv } = useApp.getState();
        return selectedId === null ? Promise.resolve([]) : olderCandles(selectedId, iv, beforeSec);
      },
      onLines: (prices) => {
        const { selectedId, instruments } = useApp.getState();
        const i = selectedId !== null ? instruments[selectedId] : undefined;
        if (!i) return;
        const all = savedLines();
        if (prices.length) all[`${i.exchange}:${i.symbol}`] = prices;
        else delete all[`${i.exchange}:${i.symbol}`];
        localStorage.setItem(LINES_KEY, JSON.stringify(all));
      },
    });
    view.current = v;
    v.setFontSize(chartFontSize());
    const onResize = () => v.setFontSize(chartFontSize());
    window.addEventListener('resize', onResize);
    const offBars = live.onBars((list, replace) => (replace ? v.load(list) : v.update(list)));
    return () => {
      offBars();
      window.removeEventListener('resize', onResize);
      v.dispose();
      view.current = null;
    };
  }, []);

  useEffect(() => {
    view.current?.configure(decimals, ins?.tickSize ?? 0.05, interval);
  }, [decimals, ins?.tickSize, interval]);

  useEffect(() => {
    const lines = ins ? savedLines()[`${ins.exchange}:${ins.symbol}`] : undefined;
    view.current?.setLines(Array.isArray(lines) ? lines.filter((p) => Number.isFinite(p)) : []);
  }, [ins?.exchange, ins?.symbol]);

  useEffect(() => {
    view.current?.setIndicators(indicators);
    localStorage.setItem(INDICATORS_KEY, JSON.stringify(indicators));
  }, [indicators]);

  const label = ins ? `${ins.exchange}:${ins.symbol}` : '';
  return (
    <section className="panel chart">
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
        <BackfillButton label={ins ? `${label} ${interval}` : ''} disabled={!ins || interval === '1s'} />
      </header>
      <div
        className="chart-body"
        tabIndex={0}
        data-testid="chart-focus"
        aria-label="Chart: ← → pan, + − zoom, End latest; Alt+click a horizontal line"
        onKeyDown={(e) => view.current?.key(e.key) && e.preventDefault()}
      >
        <div className="chart-box" ref={box} data-testid="chart" />
        <div className="chart-legend" ref={legendRef} data-testid="chart-legend" hidden>
          <span data-f="time" className="time" /> <span className="k">O</span> <span data-f="o" /> <span className="k">H</span> <span data-f="h" />{' '}
          <span className="k">L</span> <span data-f="l" /> <span className="k">C</span> <span data-f="c" /> <span className="k">V</span> <span data-f="v" />{' '}
          <span data-f="chg" />
        </div>
        <IndicatorMenu chosen={indicators} onChange={setIndicators} />
        <StaleBadge />
      </div>
    </section>
  );
}

/** "ƒx": the indicators on the chart, ticked on and off (remembered). */
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

/** History for the chart from the broker, with a progress bar while it loads. */
function BackfillButton({ label, disabled }: { label: string; disabled: boolean }) {
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
        onClick={async () => setError(await backfillChart())}
      >
        History
      </button>
    </span>
  );
}
