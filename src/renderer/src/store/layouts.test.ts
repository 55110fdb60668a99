/* eslint-disable no-restricted-imports -- a unit test: it runs under Node, not in the page */
// Named layouts: save the panel sizes, the theme and the chart grid under a name; switch back
// to it after changes; rename (never onto another's name) and delete; everything in localStorage,
// read back on a reload, with damaged entries dropped.
import assert from 'node:assert/strict';
import { test } from 'node:test';

const items = new Map<string, string>();
const localStorage = { getItem: (k: string) => items.get(k) ?? null, setItem: (k: string, v: string) => void items.set(k, v), removeItem: (k: string) => void items.delete(k) };
// zustand's persist reads window.localStorage; the chart store, localStorage.
Object.assign(globalThis, { localStorage, window: { localStorage } });
const { useLayouts, restoreLayouts, normalizeName } = await import('./layouts');
const { useLayout } = await import('./layout');
const { useCharts } = await import('./charts');
const { useTheme } = await import('../theme');

const slot = (key: string | null, interval: string, indicators: string[] = []) => ({ instrumentId: key ? 7 : null, key, interval, indicators });
const chartData = () => {
  const { grid, linked, slots, focused } = useCharts.getState();
  return { grid, linked, slots, focused };
};
const FOUR = { grid: 4, linked: false, focused: 2, slots: [slot('NSE:SBIN', '5m', ['vwap']), slot('NSE:INFY', '1m'), slot('NSE:TCS', '15m'), slot(null, '1h')] };

const stored = () => JSON.parse(items.get('tickdesk.layouts.v1')!) as { state: { layouts: Array<{ name: string; parts: Record<string, unknown> }>; active: string | null } };
const L = useLayouts.getState;

test('save keeps the panels, the theme and the chart grid as plain data; switching back restores them', () => {
  useLayout.setState({ watchWidth: 420, rightWidth: 300, ladderShare: 0.7 });
  useTheme.getState().setTheme('light');
  useCharts.setState(FOUR);
  assert.equal(L().save('  Scalping  '), true);
  assert.equal(L().active, 'Scalping');
  const saved = stored().state.layouts;
  assert.deepEqual(saved.map((l) => l.name), ['Scalping']);
  assert.deepEqual(saved[0].parts, { panels: { watchWidth: 420, rightWidth: 300, ladderShare: 0.7 }, theme: 'light', charts: FOUR });

  useLayout.setState({ watchWidth: 250, rightWidth: null, ladderShare: 0.4 });
  useTheme.getState().setTheme('dark');
  useCharts.getState().setGrid(1);
  useCharts.getState().setLinked(true);
  assert.equal(L().save('Swing'), true);
  assert.equal(L().active, 'Swing');
  assert.equal(chartData().grid, 1);

  assert.equal(L().switchTo('scalping'), true, 'names match whatever the case');
  assert.equal(L().active, 'Scalping');
  const p = useLayout.getState();
  assert.deepEqual([p.watchWidth, p.rightWidth, p.ladderShare], [420, 300, 0.7]);
  assert.equal(useTheme.getState().theme, 'light');
  assert.deepEqual(chartData(), FOUR);
  assert.equal(typeof useCharts.getState().setGrid, 'function', 'the store keeps its actions');

  assert.equal(L().switchTo('Swing'), true);
  assert.deepEqual([useLayout.getState().watchWidth, useLayout.getState().rightWidth, useLayout.getState().ladderShare], [250, null, 0.4]);
  assert.equal(useTheme.getState().theme, 'dark');
  assert.equal(chartData().grid, 1);
  assert.equal(chartData().linked, true);
  assert.equal(L().switchTo('Nope'), false);
  assert.equal(L().active, 'Swing');
});

test('saving under an existing name replaces that layout in place', () => {
  useLayout.setState({ watchWidth: 480 });
  assert.equal(L().save('SCALPING'), true);
  assert.deepEqual(L().layouts.map((l) => l.name), ['SCALPING', 'Swing']);
  assert.deepEqual(L().layouts[0].parts.panels, { watchWidth: 480, rightWidth: null, ladderShare: 0.4 });
  assert.equal(L().save('   '), false);
  assert.equal(L().layouts.length, 2);
});

test('rename: never empty, never onto another layout; the active name follows', () => {
  L().switchTo('SCALPING');
  assert.equal(L().rename('SCALPING', 'swing'), false, 'taken');
  assert.equal(L().rename('SCALPING', '  '), false);
  assert.equal(L().rename('Missing', 'X'), false);
  assert.equal(L().rename('SCALPING', 'Scalping  1m'), true);
  assert.deepEqual(L().layouts.map((l) => l.name), ['Scalping 1m', 'Swing']);
  assert.equal(L().active, 'Scalping 1m');
  assert.equal(L().rename('Scalping 1m', 'scalping 1M'), true, 'its own name in another case');
  assert.equal(L().active, 'scalping 1M');
  assert.deepEqual(stored().state.layouts.map((l) => l.name), ['scalping 1M', 'Swing']);
});

test('delete: gone from the list and from storage; the active one leaves no active name', () => {
  L().remove('Swing');
  assert.deepEqual(L().layouts.map((l) => l.name), ['scalping 1M']);
  assert.equal(L().active, 'scalping 1M');
  L().remove('SCALPING 1m');
  assert.deepEqual(L().layouts, []);
  assert.equal(L().active, null);
  assert.deepEqual(stored().state, { layouts: [], active: null });
});

test('a reload reads the stored layouts; damaged entries and values are ignored', async () => {
  items.set(
    'tickdesk.layouts.v1',
    JSON.stringify({
      version: 0,
      state: {
        layouts: [
          { name: 'Open', savedAt: 5, parts: { panels: { watchWidth: 'wide', rightWidth: 333, ladderShare: 0.5 }, theme: 'purple', charts: 'four' } },
          { name: 'open', savedAt: 6, parts: {} },
          { name: '', parts: {} },
          { name: 'No parts' },
          null,
          'x',
          { name: 'Close', parts: { panels: { watchWidth: 300, rightWidth: -5, ladderShare: 'half' }, charts: { grid: 3, linked: 'yes', slots: [{ key: 'NSE:SBIN', interval: '2m' }], focused: 9 } } },
        ],
        active: 'close',
      },
    }),
  );
  await useLayouts.persist.rehydrate();
  assert.deepEqual(L().layouts.map((l) => [l.name, l.savedAt]), [
    ['Open', 5],
    ['Close', 0],
  ]);
  assert.equal(L().active, 'Close');

  useLayout.setState({ watchWidth: 400, rightWidth: 280, ladderShare: 0.6 });
  useTheme.getState().setTheme('dark');
  useCharts.setState(FOUR);
  L().switchTo('Open');
  // Only what could be read: the right width and the share; not "wide", an unknown theme or charts "four".
  assert.deepEqual([useLayout.getState().watchWidth, useLayout.getState().rightWidth, useLayout.getState().ladderShare], [400, 333, 0.5]);
  assert.equal(useTheme.getState().theme, 'dark');
  assert.deepEqual(chartData(), FOUR);
  L().switchTo('Close');
  assert.deepEqual([useLayout.getState().watchWidth, useLayout.getState().rightWidth, useLayout.getState().ladderShare], [300, 333, 0.5]);
  // The chart grid made whole: one chart, linked, the key kept, an unknown interval → the default.
  assert.deepEqual(chartData(), { grid: 1, linked: true, focused: 0, slots: [slot('NSE:SBIN', '1m'), slot(null, '5m'), slot(null, '15m'), slot(null, '1h')].map((x, i) => (i === 0 ? { ...x, instrumentId: null } : x)) });

  items.set('tickdesk.layouts.v1', '{not json');
  await useLayouts.persist.rehydrate();
  assert.deepEqual(L().layouts.map((l) => l.name), ['Open', 'Close'], 'unreadable storage: what was there stays');
});

test('restoreLayouts and normalizeName on their own', () => {
  assert.deepEqual(restoreLayouts(null), { layouts: [], active: null });
  assert.deepEqual(restoreLayouts({ layouts: [{ name: 'A', parts: {} }], active: 'B' }), { layouts: [{ name: 'A', savedAt: 0, parts: {} }], active: null });
  assert.equal(normalizeName('  Two   words '), 'Two words');
  assert.equal(normalizeName('x'.repeat(50)).length, 32);
});
