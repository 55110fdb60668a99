/* eslint-disable no-restricted-imports -- a unit test: it runs under Node, not in the page */
// The chart grid's store and its binding to the app's selection: linked charts all follow the
// watchlist (each at its own interval), independent ones keep their instruments and a selection
// moves only the focused chart; focusing a chart makes it the selection; what is stored and what a
// layout restores is repaired into a whole state.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { create } from 'zustand';
import type { CandleInterval, Instrument } from '../../../shared/model';

const items = new Map<string, string>();
// The single chart's indicators from before the grid.
items.set('tickdesk.indicators.v1', JSON.stringify(['vwap', 'rsi14']));
Object.assign(globalThis, {
  localStorage: { getItem: (k: string) => items.get(k) ?? null, setItem: (k: string, v: string) => void items.set(k, v), removeItem: (k: string) => void items.delete(k) },
});
const { bindChartsToApp, normalizeCharts, useCharts } = await import('./charts');

const ins = (id: number, symbol: string, exchange = 'NSE'): Instrument => ({ id, broker: 'kite', token: String(id), exchange, segment: exchange, symbol, tickSize: 0.05, lotSize: 1 }) as Instrument;
const INFY = ins(11, 'INFY');
const TCS = ins(12, 'TCS');
const SBIN = ins(13, 'SBIN');
const FUT = ins(14, 'NIFTY26DECFUT', 'NFO');

/** The app store's part the charts bind to. */
const app = create<{
  selectedId: number | null;
  interval: CandleInterval;
  instruments: Record<number, Instrument>;
  select(id: number): void;
  setInterval(iv: CandleInterval): void;
}>()((set) => ({
  selectedId: INFY.id,
  interval: '1m',
  instruments: Object.fromEntries([INFY, TCS, SBIN, FUT].map((i) => [i.id, i])),
  select: (selectedId) => set({ selectedId }),
  setInterval: (interval) => set({ interval }),
}));
const c = useCharts.getState;
const shown = () => c().slots.slice(0, c().grid).map((s) => `${s.key} ${s.interval}`);
const stored = () => JSON.parse(items.get('tickdesk.charts.v1')!) as { state: Record<string, unknown> };

let unbind = () => {};

test('a first start: one chart, linked, the multi-timeframe intervals ready, the old chart’s indicators on the first', () => {
  assert.equal(c().grid, 1);
  assert.equal(c().linked, true);
  assert.equal(c().focused, 0);
  assert.deepEqual(
    c().slots.map((s) => s.interval),
    ['1m', '5m', '15m', '1h'],
  );
  assert.deepEqual(c().slots[0].indicators, ['vwap', 'rsi14']);
  assert.deepEqual(c().slots[1].indicators, []);
  app.getState().setInterval('3m'); // the interval the single chart had
  unbind = bindChartsToApp(app);
  assert.deepEqual(c().slots[0], { instrumentId: INFY.id, key: 'NSE:INFY', interval: '3m', indicators: ['vwap', 'rsi14'] }, 'the first chart takes the selection and its interval');
  assert.equal(app.getState().interval, '3m');
  c().setInterval(0, '1m');
});

test('linked: four charts on the selected instrument, each its own interval; the watchlist moves them all', () => {
  c().setGrid(4);
  assert.deepEqual(shown(), ['NSE:INFY 1m', 'NSE:INFY 5m', 'NSE:INFY 15m', 'NSE:INFY 1h']);
  app.getState().select(TCS.id);
  assert.deepEqual(shown(), ['NSE:TCS 1m', 'NSE:TCS 5m', 'NSE:TCS 15m', 'NSE:TCS 1h']);
  // Focusing the 15m chart: the app's interval (the interval keys, the watch) is that chart's.
  c().focus(2);
  assert.equal(app.getState().interval, '15m');
  assert.equal(app.getState().selectedId, TCS.id);
  // An interval key changes the focused chart only.
  app.getState().setInterval('3m');
  assert.deepEqual(shown(), ['NSE:TCS 1m', 'NSE:TCS 5m', 'NSE:TCS 3m', 'NSE:TCS 1h']);
  c().setInterval(1, '30m'); // the 5m chart's own interval: not the focused one, the app's stays
  assert.equal(app.getState().interval, '3m');
  assert.deepEqual(shown(), ['NSE:TCS 1m', 'NSE:TCS 30m', 'NSE:TCS 3m', 'NSE:TCS 1h']);
});

test('independent: a selection moves the focused chart only; focusing a chart selects its instrument', () => {
  c().setLinked(false);
  assert.deepEqual(shown(), ['NSE:TCS 1m', 'NSE:TCS 30m', 'NSE:TCS 3m', 'NSE:TCS 1h'], 'unlinking moves nothing');
  app.getState().select(SBIN.id);
  assert.deepEqual(shown(), ['NSE:TCS 1m', 'NSE:TCS 30m', 'NSE:SBIN 3m', 'NSE:TCS 1h']);
  c().focus(3);
  app.getState().select(FUT.id);
  assert.deepEqual(shown(), ['NSE:TCS 1m', 'NSE:TCS 30m', 'NSE:SBIN 3m', 'NFO:NIFTY26DECFUT 1h']);
  c().focus(2);
  assert.deepEqual([app.getState().selectedId, app.getState().interval], [SBIN.id, '3m'], 'the focused chart is the selection');
  c().focus(0);
  assert.deepEqual([app.getState().selectedId, app.getState().interval], [TCS.id, '1m']);
  c().focus(7); // no such chart
  assert.equal(c().focused, 0);
});

test('linking again puts every chart on the focused chart’s instrument', () => {
  c().focus(2);
  c().setLinked(true);
  assert.deepEqual(shown(), ['NSE:SBIN 1m', 'NSE:SBIN 30m', 'NSE:SBIN 3m', 'NSE:SBIN 1h']);
  assert.equal(app.getState().selectedId, SBIN.id);
});

test('fewer charts: the focus stays inside the grid, the hidden charts keep their settings for next time', () => {
  c().focus(3);
  c().setGrid(2);
  assert.equal(c().focused, 0);
  assert.deepEqual(shown(), ['NSE:SBIN 1m', 'NSE:SBIN 30m']);
  assert.equal(c().slots[3].interval, '1h');
  c().cycleGrid();
  assert.equal(c().grid, 4);
  c().cycleGrid();
  assert.equal(c().grid, 1);
  c().cycleGrid();
  assert.equal(c().grid, 2);
});

test('stored as plain data under tickdesk.charts.v1, indicators per chart', () => {
  c().setIndicators(1, ['macd', 'macd', 'ema20']);
  const s = stored().state;
  assert.deepEqual(Object.keys(s).sort(), ['focused', 'grid', 'linked', 'slots']);
  assert.equal(s.grid, 2);
  assert.deepEqual((s.slots as Array<{ indicators: string[] }>).map((x) => x.indicators), [['vwap', 'rsi14'], ['macd', 'ema20'], [], []]);
});

test('a layout restored with setState: the focused chart becomes the selection; a damaged one is made whole', () => {
  useCharts.setState({
    grid: 4,
    linked: false,
    focused: 1,
    slots: [
      { instrumentId: INFY.id, key: 'NSE:INFY', interval: '5m', indicators: [] },
      { instrumentId: FUT.id, key: 'NFO:NIFTY26DECFUT', interval: '15m', indicators: ['vwap'] },
      { instrumentId: TCS.id, key: 'NSE:TCS', interval: '1h', indicators: [] },
      { instrumentId: SBIN.id, key: 'NSE:SBIN', interval: '1d', indicators: [] },
    ],
  });
  assert.deepEqual([app.getState().selectedId, app.getState().interval], [FUT.id, '15m']);
  assert.deepEqual(shown(), ['NSE:INFY 5m', 'NFO:NIFTY26DECFUT 15m', 'NSE:TCS 1h', 'NSE:SBIN 1d']);

  useCharts.setState({ grid: 3 as never, focused: 9, slots: [{ instrumentId: -4, key: 'not a key', interval: '7m', indicators: 'vwap' }] as never });
  assert.deepEqual(
    { grid: c().grid, focused: c().focused, linked: c().linked, slots: c().slots },
    {
      grid: 1,
      focused: 0,
      linked: false,
      slots: [
        { instrumentId: null, key: null, interval: '1m', indicators: [] },
        { instrumentId: null, key: null, interval: '5m', indicators: [] },
        { instrumentId: null, key: null, interval: '15m', indicators: [] },
        { instrumentId: null, key: null, interval: '1h', indicators: [] },
      ],
    },
  );
  assert.deepEqual(normalizeCharts(null), normalizeCharts({}), 'anything at all reads as a state');
  const nifty = normalizeCharts({ slots: [{ instrumentId: 5, key: 'NSE:NIFTY 50', interval: '1d', indicators: [] }] });
  assert.equal(nifty.slots[0].key, 'NSE:NIFTY 50', 'an index symbol with a space is a key');
  assert.deepEqual(normalizeCharts(nifty), nifty, 'normalizing twice changes nothing');
  // An empty focused chart takes the next selection.
  app.getState().select(TCS.id);
  assert.deepEqual(c().slots[0].key, 'NSE:TCS');
});

test('a chart whose instrument the app has no details of keeps the key it has', () => {
  useCharts.setState(normalizeCharts({ grid: 1, linked: true, focused: 0, slots: [{ instrumentId: 99, key: 'NSE:WIPRO', interval: '1m', indicators: [] }] }));
  assert.equal(app.getState().selectedId, 99);
  assert.deepEqual(c().slots[0], { instrumentId: 99, key: 'NSE:WIPRO', interval: '1m', indicators: [] }, 'the selection echoed back does not wipe the key');
  c().setInstrument(0, 42, 'NSE:WIPRO'); // resolved to today's id
  assert.equal(app.getState().selectedId, 42);
  unbind();
});
