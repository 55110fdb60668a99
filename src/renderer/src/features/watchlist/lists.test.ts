/* eslint-disable no-restricted-imports -- a unit test: it runs under Node, not in the page */
// Named watchlists in the store: today's single list (stored before lists existed) becomes the
// first one; create, rename, delete and switch keep `watchlist` as the active list's ids; ↑/↓ and
// Delete follow the order shown; everything is stored again.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Quote } from '../../../../shared/api';
import type { Instrument } from '../../../../shared/model';

const items = new Map<string, string>();
// What the page held before named lists: version 0, one watchlist.
items.set('tickdesk.layout.v1', JSON.stringify({ state: { watchlist: [11, 12, 13], selectedId: 12, interval: '5m', instruments: {} }, version: 0 }));
Object.assign(globalThis, {
  localStorage: { getItem: (k: string) => items.get(k) ?? null, setItem: (k: string, v: string) => void items.set(k, v), removeItem: (k: string) => void items.delete(k) },
});
const { useApp, restoreLists, persistedOf } = await import('../../store/app');
const stored = () => JSON.parse(items.get('tickdesk.layout.v1')!) as { version: number; state: Record<string, unknown> };

const ins = (id: number, symbol: string): Instrument => ({ id, broker: 'kite', token: String(id), exchange: 'NSE', segment: 'NSE', symbol, tickSize: 0.05, lotSize: 1 }) as Instrument;

test('the single stored watchlist becomes "Watchlist 1", nothing else changes', () => {
  const s = useApp.getState();
  assert.deepEqual(s.lists, [{ id: 'w1', name: 'Watchlist 1', ids: [11, 12, 13], columns: ['ltp', 'changePct', 'volume', 'oi'], sort: null }]);
  assert.equal(s.activeList, 'w1');
  assert.deepEqual(s.watchlist, [11, 12, 13]);
  assert.equal(s.selectedId, 12);
  assert.equal(s.interval, '5m');
});

test('create, add, switch, rename, delete: `watchlist` is always the active list', () => {
  const a = useApp.getState;
  const id = a().createList();
  assert.equal(a().lists.at(-1)!.name, 'Watchlist 2');
  assert.equal(a().activeList, id);
  assert.deepEqual(a().watchlist, []);
  assert.equal(a().selectedId, 12, 'an empty list leaves the chart where it was');
  a().addToWatchlist(ins(21, 'SBIN'));
  a().addToWatchlist(ins(22, 'TCS'));
  a().addToWatchlist(ins(21, 'SBIN'));
  assert.deepEqual(a().watchlist, [21, 22]);
  assert.equal(a().watchlist, a().lists[1].ids, 'the same array');
  a().switchList('w1');
  assert.deepEqual(a().watchlist, [11, 12, 13]);
  assert.equal(a().selectedId, 12, 'kept: the list has it');
  a().switchList(id);
  assert.equal(a().selectedId, 21, "the new list's first row");
  a().renameList(id, '  Banks ');
  a().renameList(id, '   ');
  assert.equal(a().lists[1].name, 'Banks');
  const third = a().createList('Options');
  a().deleteList(third);
  assert.equal(a().activeList, id, 'the neighbour takes over');
  a().deleteList('w1');
  a().deleteList(id);
  assert.deepEqual(
    a().lists.map((l) => l.name),
    ['Banks'],
    'the last list stays',
  );
  const st = stored();
  assert.equal(st.version, 1);
  assert.deepEqual(st.state.lists, a().lists);
  assert.equal(st.state.activeList, id);
  assert.deepEqual(Object.keys(st.state.instruments as object).sort(), ['21', '22']);
});

test('columns and sort per list; ↑/↓ and Delete go by the order shown', () => {
  const a = useApp.getState;
  a().addToWatchlist(ins(23, 'INFY'));
  a().applyQuotes([
    { instrumentId: 21, ts: 0, ltp: 800 },
    { instrumentId: 22, ts: 0, ltp: 4000 },
    { instrumentId: 23, ts: 0, ltp: 1500 },
  ]);
  a().toggleColumn('bid');
  a().toggleColumn('oi');
  assert.deepEqual(a().lists[0].columns, ['ltp', 'changePct', 'volume', 'bid']);
  a().cycleSort('ltp');
  a().cycleSort('ltp');
  assert.deepEqual(a().lists[0].sort, { key: 'ltp', dir: 'desc' });
  a().select(22);
  a().moveSelection(1);
  assert.equal(a().selectedId, 23, 'TCS 4000 → INFY 1500');
  a().moveSelection(1);
  assert.equal(a().selectedId, 21);
  a().select(23);
  a().removeFromWatchlist(23);
  assert.equal(a().selectedId, 21, 'the row that took its place on screen');
  assert.deepEqual(a().watchlist, [21, 22]);
  // Hiding the sorted column drops the sort.
  a().toggleColumn('ltp');
  assert.equal(a().lists[0].sort, null);
  assert.deepEqual(stored().state.lists, a().lists);
});

test('damaged stored lists are mended, never thrown on', () => {
  assert.deepEqual(restoreLists({ lists: 'x', watchlist: [1, 1, 'a', 2] }), {
    lists: [{ id: 'w1', name: 'Watchlist 1', ids: [1, 2], columns: ['ltp', 'changePct', 'volume', 'oi'], sort: null }],
    activeList: 'w1',
    watchlist: [1, 2],
  });
  const r = restoreLists({ lists: [null, { id: 'a', name: '', ids: [3], columns: ['ask'], sort: { key: 'ask', dir: 'up' } }, { id: 'a' }], activeList: 'zz' });
  assert.deepEqual(r.lists, [{ id: 'a', name: 'a', ids: [3], columns: ['ask'], sort: null }]);
  assert.equal(r.activeList, 'a');
});

test('quotes (dozens of messages a second) neither write the stored state nor rebuild what is kept; a list change does', () => {
  const a = useApp.getState;
  let writes = 0;
  const set = (globalThis as unknown as { localStorage: { setItem: (k: string, v: string) => void } }).localStorage;
  const setItem = set.setItem;
  set.setItem = (k, v) => {
    writes++;
    setItem(k, v);
  };
  try {
    const kept = persistedOf(a());
    const quote = (id: number, ltp: number) => ({ instrumentId: id, ltp }) as unknown as Quote;
    for (let k = 0; k < 200; k++) a().applyQuotes([quote(21, 100 + k), quote(22, 200 + k)]);
    assert.equal(a().quotes[21].ltp, 299);
    assert.equal(writes, 0, 'no write for a quote');
    assert.equal(persistedOf(a()), kept, 'the same kept state, not rebuilt');
    a().addToWatchlist(ins(24, 'INFY'));
    assert.equal(writes, 1);
    assert.notEqual(persistedOf(a()), kept);
    assert.deepEqual(stored().state.watchlist, a().watchlist);
    assert.deepEqual(Object.keys(stored().state.instruments as object).map(Number).sort(), [...new Set(a().lists.flatMap((l) => l.ids))].filter((id) => a().instruments[id]).sort());
  } finally {
    set.setItem = setItem;
  }
});
