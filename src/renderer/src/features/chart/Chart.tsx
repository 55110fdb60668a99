// Candles and volume with lightweight-charts: history from `watch`, then live bars via update().
import { useEffect, useRef, useState } from 'react';
import {
  CandlestickSeries,
  ColorType,
  createChart,
  CrosshairMode,
  HistogramSeries,
  type IChartApi,
  type ISeriesApi,
  type UTCTimestamp,
} from 'lightweight-charts';
import type { Bar } from '../../../../shared/api';
import { IST_OFFSET_S } from '../../../../shared/ist';
import { CandleInterval } from '../../../../shared/model';
import { decimalsFor, price, qty } from '../../format';
import { cancelFrameTask, onNextFrame } from '../../frame';
import { useApp } from '../../store/app';
import { live } from '../../store/live';
import { backfillChart } from '../../engine-link';

const UP = '#26a69a';
const DOWN = '#ef5350';
export const CHART_INTERVALS: CandleInterval[] = ['1s', '1m', '3m', '5m', '10m', '15m', '25m', '30m', '1h', '1d'];

/** lightweight-charts draws UTC; shifting by +05:30 makes its axis read IST. */
const ist = (t: number) => (t + IST_OFFSET_S) as UTCTimestamp;

export function Chart() {
  const box = useRef<HTMLDivElement>(null);
  const legendRef = useRef<HTMLSpanElement>(null);
  const ins = useApp((s) => (s.selectedId !== null ? s.instruments[s.selectedId] : undefined));
  const interval = useApp((s) => s.interval);
  const setInterval = useApp((s) => s.setInterval);
  const decimals = decimalsFor(ins?.tickSize ?? 0.05);
  const decimalsRef = useRef(decimals);
  decimalsRef.current = decimals;

  useEffect(() => {
    const el = box.current!;
    const chart: IChartApi = createChart(el, {
      autoSize: true,
      layout: { background: { type: ColorType.Solid, color: '#0b0e11' }, textColor: '#8b93a1', fontSize: 11 },
      grid: { vertLines: { color: '#161b22' }, horzLines: { color: '#161b22' } },
      crosshair: { mode: CrosshairMode.Normal },
      rightPriceScale: { borderColor: '#222a35' },
      timeScale: { borderColor: '#222a35', timeVisible: true, secondsVisible: true },
    });
    const candles: ISeriesApi<'Candlestick'> = chart.addSeries(CandlestickSeries, {
      upColor: UP,
      downColor: DOWN,
      borderVisible: false,
      wickUpColor: UP,
      wickDownColor: DOWN,
    });
    const volume: ISeriesApi<'Histogram'> = chart.addSeries(HistogramSeries, { priceFormat: { type: 'volume' }, priceScaleId: 'vol' });
    volume.priceScale().applyOptions({ scaleMargins: { top: 0.82, bottom: 0 } });
    const bars = new Map<number, Bar>();
    let last: Bar | null = null;

    // The legend and the test hooks are written straight to the DOM, once per animation frame:
    // a React render per tick would cost far more than the chart itself.
    let legendBar: Bar | null = null;
    const paintLegend = () => {
      el.dataset.lastTime = last ? String(last.t) : '';
      el.dataset.lastClose = last ? String(last.c) : '';
      el.dataset.bars = String(bars.size);
      const node = legendRef.current;
      if (!node) return;
      const b = legendBar;
      const d = decimalsRef.current;
      const text = b ? `O ${price(b.o, d)} H ${price(b.h, d)} L ${price(b.l, d)} C ${price(b.c, d)} V ${qty(b.v)}` : '';
      if (node.textContent !== text) node.textContent = text;
      node.className = `legend ${b && b.c < b.o ? 'down' : 'up'}`;
    };
    const show = (b: Bar | null) => {
      legendBar = b;
      onNextFrame('chart-legend', paintLegend);
    };
    const pending: Bar[] = [];
    const applyPending = () => {
      const latest = new Map<number, Bar>();
      for (const b of pending) latest.set(b.t, b);
      pending.length = 0;
      for (const b of [...latest.values()].sort((x, y) => x.t - y.t)) {
        if (last && b.t < last.t) continue; // older than what is drawn: the chart cannot take it
        candles.update({ time: ist(b.t), open: b.o, high: b.h, low: b.l, close: b.c });
        volume.update({ time: ist(b.t), value: b.v, color: b.c >= b.o ? '#26a69a55' : '#ef535055' });
        bars.set(b.t, b);
        last = b;
      }
      show(last);
    };
    const offBars = live.onBars((list, replace) => {
      if (replace) {
        bars.clear();
        for (const b of list) bars.set(b.t, b);
        candles.setData(list.map((b) => ({ time: ist(b.t), open: b.o, high: b.h, low: b.l, close: b.c })));
        volume.setData(list.map((b) => ({ time: ist(b.t), value: b.v, color: b.c >= b.o ? '#26a69a55' : '#ef535055' })));
        last = list.at(-1) ?? null;
        if (list.length) chart.timeScale().scrollToRealTime();
        pending.length = 0;
        show(last);
      } else {
        // Live bars are applied once per frame (the newest version of each bar wins).
        pending.push(...list);
        onNextFrame('chart', applyPending);
      }
    });
    chart.subscribeCrosshairMove((param) => {
      if (!param.time) return show(last);
      show(bars.get((param.time as number) - IST_OFFSET_S) ?? last);
    });
    return () => {
      offBars();
      cancelFrameTask('chart');
      cancelFrameTask('chart-legend');
      chart.remove();
    };
  }, []);

  return (
    <section className="panel chart">
      <header>
        <span className="title" data-testid="chart-title">
          {ins ? `${ins.exchange}:${ins.symbol}` : 'No instrument'}
        </span>
        <span className="intervals">
          {CHART_INTERVALS.map((iv) => (
            <button key={iv} className={iv === interval ? 'on' : ''} data-testid={`interval-${iv}`} onClick={() => setInterval(iv)}>
              {iv}
            </button>
          ))}
        </span>
        <span className="legend" data-testid="chart-legend" ref={legendRef} />
        <BackfillButton label={ins ? `${ins.exchange}:${ins.symbol} ${interval}` : ''} disabled={!ins || interval === '1s'} />
      </header>
      <div className="chart-box" ref={box} data-testid="chart" />
    </section>
  );
}

/** History for the chart from the broker, with a progress bar while it loads. */
function BackfillButton({ label, disabled }: { label: string; disabled: boolean }) {
  const task = useApp((s) => Object.values(s.tasks).filter((t) => t.task === 'backfill' && t.label === label).at(-1));
  const [error, setError] = useState<string | null>(null);
  const running = task && !task.done;
  return (
    <span className="backfill">
      <button
        data-testid="backfill"
        disabled={disabled || !!running}
        title={disabled ? 'no broker history at this interval' : `Load ${label} history from the broker`}
        onClick={async () => setError(await backfillChart())}
      >
        History
      </button>
      {task && (
        <span className={`task ${task.error ? 'down' : task.done ? 'dim' : ''}`} data-testid="backfill-status" data-done={task.done ? '1' : '0'} title={task.error ?? task.detail}>
          {!task.done && <progress data-testid="backfill-progress" max={1} value={task.fraction ?? undefined} />}
          {task.error ? 'failed' : task.detail}
        </span>
      )}
      {error && <span className="down" title={error}>!</span>}
    </span>
  );
}
