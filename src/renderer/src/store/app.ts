// UI state that React renders: the named watchlists (each its instruments, columns and sort), the
// selection and interval (persisted), quotes and status, and whether what the page shows is live. Hot data (depth, tape, candle updates) stays outside React:
// see live.ts.
import { create } from 'zustand';
import { persist, type PersistStorage } from 'zustand/middleware';
import type { EngineStatus, FeedStatus, Progress, Quote } from '../../../shared/api';
import type { CandleInterval, Instrument } from '../../../shared/model';
import { DEFAULT_COLUMNS, normalizeColumns, sortedIds, type SortKey, type WatchColumn, type WatchSort, nextSort } from '../features/watchlist/columns';
import { LIVE, liveState, type LiveState } from './live-state';

export { liveState, type LiveState };

export type Connection = 'connecting' | 'connected' | 'disconnected';

/** Overlays the keyboard opens and Esc closes, topmost last. */
export type Overlay = 'chain' | 'keys' | 'rejects' | 'columns';

/** One named watchlist: its instruments in the user's order, the columns it shows, its sort. */
export interface NamedWatchlist {
  id: string;
  name: string;
  ids: number[];
  columns: WatchColumn[];
  sort: WatchSort | null;
}

export interface AppState {
  /** The active list's instrument ids (the same array as its `ids`): what is subscribed and shown. */
  watchlist: number[];
  lists: NamedWatchlist[];
  activeList: string;
  instruments: Record<number, Instrument>;
  selectedId: number | null;
  interval: CandleInterval;
  quotes: Record<number, Quote>;
  status: EngineStatus | null;
  connection: Connection;
  connectionDetail: string;
  /** When the engine last said anything (ms); the start of staleness when it stops. */
  lastHeardAt: number | null;
  /** Connected, but nothing heard for a while (a stopped or hung engine): since when (ms). */
  silentSince: number | null;
  /** The server refuses this page's token (restarted with a new one): what to tell the user. */
  refused: string | null;
  /** Feeds seen down, with the moment they were first seen so (ms). */
  feedDownSince: Record<string, number>;
  overlays: Overlay[];
  /** Long tasks by id (backfills, instrument downloads); finished ones stay until replaced. */
  tasks: Record<number, Progress & { at?: number }>;
  setProgress(p: Progress): void;
  addToWatchlist(ins: Instrument): void;
  /** A new empty list, made active; returns its id. */
  createList(name?: string): string;
  renameList(id: string, name: string): void;
  /** Deletes a list (never the last one); a deleted active list hands over to its neighbour. */
  deleteList(id: string): void;
  switchList(id: string): void;
  toggleColumn(col: WatchColumn): void;
  /** A header click on the active list: none → ascending → descending → none. */
  cycleSort(key: SortKey): void;
  removeFromWatchlist(id: number): void;
  select(id: number): void;
  /** Moves the selection `by` rows through the watchlist as shown (sorted), clamped at its ends. */
  moveSelection(by: number): void;
  setInterval(iv: CandleInterval): void;
  applyQuotes(qs: Quote[]): void;
  setStatus(s: EngineStatus): void;
  setConnection(c: Connection, detail?: string): void;
  setSilent(since: number | null): void;
  setRefused(message: string | null): void;
  heard(at: number): void;
  open(o: Overlay): void;
  close(o: Overlay): void;
  toggle(o: Overlay): void;
  /** Closes the topmost overlay; false when none was open. */
  closeTop(): boolean;
}

const feedUp = (f: FeedStatus) => f.state === 'connected';

type Persisted = Pick<AppState, 'watchlist' | 'lists' | 'activeList' | 'selectedId' | 'interval' | 'instruments'>;

const FIRST_LIST = 'w1';

function newList(id: string, name: string, ids: number[] = []): NamedWatchlist {
  return { id, name, ids, columns: [...DEFAULT_COLUMNS], sort: null };
}

/** The active list of a state (the first one if the id is stale). */
export function activeListOf(s: Pick<AppState, 'lists' | 'activeList'>): NamedWatchlist {
  return s.lists.find((l) => l.id === s.activeList) ?? s.lists[0];
}

/** The active list's rows in the order shown. */
export function shownOrder(s: Pick<AppState, 'lists' | 'activeList' | 'watchlist' | 'quotes' | 'instruments'>): number[] {
  return sortedIds(s.watchlist, activeListOf(s)?.sort ?? null, s.quotes, s.instruments);
}

/** Replaces the active list's fields; `watchlist` follows its ids. */
function patchActive(s: AppState, patch: Partial<NamedWatchlist>): Partial<AppState> {
  const lists = s.lists.map((l) => (l.id === activeListOf(s).id ? { ...l, ...patch } : l));
  return patch.ids ? { lists, watchlist: patch.ids } : { lists };
}

/**
 * Stored lists made whole: a state saved before named lists (version 0) had one `watchlist`,
 * which becomes the first list; damaged entries are dropped, ids kept unique.
 */
export function restoreLists(p: { watchlist?: unknown; lists?: unknown; activeList?: unknown }): Pick<AppState, 'lists' | 'activeList' | 'watchlist'> {
  const ids = (v: unknown) => (Array.isArray(v) ? [...new Set(v.filter((x): x is number => Number.isInteger(x)))] : []);
  const lists: NamedWatchlist[] = [];
  if (Array.isArray(p.lists)) {
    for (const l of p.lists as Array<Partial<NamedWatchlist>>) {
      if (!l || typeof l.id !== 'string' || lists.some((x) => x.id === l.id)) continue;
      const sort = l.sort && typeof l.sort === 'object' && (l.sort.dir === 'asc' || l.sort.dir === 'desc') && typeof l.sort.key === 'string' ? l.sort : null;
      lists.push({ id: l.id, name: typeof l.name === 'string' && l.name.trim() ? l.name : l.id, ids: ids(l.ids), columns: normalizeColumns(l.columns), sort });
    }
  }
  if (!lists.length) lists.push(newList(FIRST_LIST, 'Watchlist 1', ids(p.watchlist)));
  const active = lists.find((l) => l.id === p.activeList) ?? lists[0];
  return { lists, activeList: active.id, watchlist: active.ids };
}

/**
 * localStorage, written only when what is kept changed: the store changes with every frame of
 * quotes, and serializing the watchlist's instruments each time would cost the hot path.
 */
function layoutStorage(): PersistStorage<Persisted> {
  let saved: Omit<Persisted, 'instruments'> | null = null;
  return {
    getItem: (name) => {
      const text = localStorage.getItem(name);
      try {
        return text ? JSON.parse(text) : null;
      } catch {
        return null; // a damaged entry: start afresh
      }
    },
    setItem: (name, value) => {
      const { watchlist, lists, activeList, selectedId, interval } = value.state;
      if (saved && saved.watchlist === watchlist && saved.lists === lists && saved.activeList === activeList && saved.selectedId === selectedId && saved.interval === interval) return;
      saved = { watchlist, lists, activeList, selectedId, interval };
      localStorage.setItem(name, JSON.stringify(value));
    },
    removeItem: (name) => localStorage.removeItem(name),
  };
}

/**
 * What is kept of a state: the lists and the instruments they hold. The persist middleware asks
 * for it on every change, quotes included (dozens of messages a second): while none of the kept
 * fields changed, the last answer is the answer (and layoutStorage then writes nothing).
 */
const KEPT = ['watchlist', 'lists', 'activeList', 'selectedId', 'interval', 'instruments'] as const;
let lastKept: { from: unknown[]; kept: Persisted } | null = null;
export function persistedOf(s: AppState): Persisted {
  const from = KEPT.map((k) => s[k]);
  if (lastKept && from.every((v, i) => v === lastKept!.from[i])) return lastKept.kept;
  const held = new Set(s.lists.flatMap((l) => l.ids));
  const kept: Persisted = {
    watchlist: s.watchlist,
    lists: s.lists,
    activeList: s.activeList,
    selectedId: s.selectedId,
    interval: s.interval,
    instruments: Object.fromEntries([...held].filter((id) => s.instruments[id]).map((id) => [id, s.instruments[id]])),
  };
  lastKept = { from, kept };
  return kept;
}

export const useApp = create<AppState>()(
  persist(
    (set, get) => ({
      watchlist: [],
      lists: [newList(FIRST_LIST, 'Watchlist 1')],
      activeList: FIRST_LIST,
      instruments: {},
      selectedId: null,
      interval: '1m',
      quotes: {},
      status: null,
      connection: 'connecting',
      connectionDetail: '',
      lastHeardAt: null,
      silentSince: null,
      refused: null,
      feedDownSince: {},
      overlays: [],
      tasks: {},
      setProgress: (p) => set((s) => ({ tasks: { ...s.tasks, [p.id]: { ...p, at: Date.now() } } })),
      addToWatchlist: (ins) =>
        set((s) => ({
          ...(s.watchlist.includes(ins.id) ? {} : patchActive(s, { ids: [...s.watchlist, ins.id] })),
          instruments: { ...s.instruments, [ins.id]: ins },
          selectedId: s.selectedId ?? ins.id,
        })),
      removeFromWatchlist: (id) =>
        set((s) => {
          if (!s.watchlist.includes(id)) return {};
          const shown = shownOrder(s);
          const at = shown.indexOf(id);
          const rest = shown.filter((x) => x !== id);
          // The row that takes the removed one's place on screen becomes the selection (as in a list box).
          const next = rest[Math.min(at, rest.length - 1)] ?? null;
          return { ...patchActive(s, { ids: s.watchlist.filter((x) => x !== id) }), selectedId: s.selectedId === id ? next : s.selectedId };
        }),
      createList: (name) => {
        const s = get();
        let n = s.lists.length + 1;
        while (s.lists.some((l) => l.name === `Watchlist ${n}`)) n++;
        let k = s.lists.length + 1;
        while (s.lists.some((l) => l.id === `w${k}`)) k++;
        const list = newList(`w${k}`, name?.trim() || `Watchlist ${n}`);
        set({ lists: [...s.lists, list] });
        get().switchList(list.id);
        return list.id;
      },
      renameList: (id, name) =>
        set((s) => (name.trim() ? { lists: s.lists.map((l) => (l.id === id ? { ...l, name: name.trim() } : l)) } : {})),
      deleteList: (id) => {
        const s = get();
        const at = s.lists.findIndex((l) => l.id === id);
        if (at < 0 || s.lists.length < 2) return;
        const lists = s.lists.filter((l) => l.id !== id);
        set({ lists });
        if (s.activeList === id) get().switchList(lists[Math.min(at, lists.length - 1)].id);
      },
      switchList: (id) =>
        set((s) => {
          const list = s.lists.find((l) => l.id === id);
          if (!list) return {};
          // The selection stays when the new list has it (or is empty: the chart keeps its instrument).
          const keep = s.selectedId !== null && list.ids.includes(s.selectedId);
          const first = sortedIds(list.ids, list.sort, s.quotes, s.instruments)[0];
          return { activeList: id, watchlist: list.ids, selectedId: keep || first === undefined ? s.selectedId : first };
        }),
      toggleColumn: (col) =>
        set((s) => {
          const cols = activeListOf(s).columns;
          const columns = cols.includes(col) ? cols.filter((c) => c !== col) : normalizeColumns([...cols, col]);
          if (!columns.length) return {}; // at least one column stays
          const sort = activeListOf(s).sort;
          return patchActive(s, { columns, sort: sort && sort.key !== 'symbol' && !columns.includes(sort.key) ? null : sort });
        }),
      cycleSort: (key) => set((s) => patchActive(s, { sort: nextSort(activeListOf(s).sort, key) })),
      select: (id) => set({ selectedId: id }),
      moveSelection: (by) => {
        const { selectedId } = get();
        const watchlist = shownOrder(get());
        if (!watchlist.length) return;
        const at = selectedId === null ? -1 : watchlist.indexOf(selectedId);
        const to = at < 0 ? (by > 0 ? 0 : watchlist.length - 1) : Math.max(0, Math.min(watchlist.length - 1, at + by));
        if (watchlist[to] !== selectedId) set({ selectedId: watchlist[to] });
      },
      setInterval: (interval) => set({ interval }),
      applyQuotes: (qs) =>
        set((s) => {
          const quotes = { ...s.quotes };
          for (const q of qs) quotes[q.instrumentId] = q;
          return { quotes };
        }),
      setStatus: (status) =>
        set((s) => {
          const now = Date.now();
          const feedDownSince: Record<string, number> = {};
          for (const f of status.feeds) if (!feedUp(f)) feedDownSince[f.feed] = s.feedDownSince[f.feed] ?? now;
          return { status, feedDownSince };
        }),
      // A lost engine takes its status with it: no feed pill or ticks/s stays on screen as if live.
      setConnection: (connection, connectionDetail = '') =>
        set((s) => (connection === 'connected' ? { connection, connectionDetail, silentSince: null, refused: null } : { connection, connectionDetail, status: null, feedDownSince: {}, silentSince: null, refused: s.refused })),
      setSilent: (silentSince) => set({ silentSince }),
      setRefused: (refused) => set({ refused }),
      heard: (lastHeardAt) => set({ lastHeardAt }),
      open: (o) => set((s) => ({ overlays: [...s.overlays.filter((x) => x !== o), o] })),
      close: (o) => set((s) => (s.overlays.includes(o) ? { overlays: s.overlays.filter((x) => x !== o) } : {})),
      toggle: (o) => (get().overlays.includes(o) ? get().close(o) : get().open(o)),
      closeTop: () => {
        const top = get().overlays.at(-1);
        if (!top) return false;
        get().close(top);
        return true;
      },
    }),
    {
      name: 'tickdesk.layout.v1',
      // Version 1: named lists. Version 0 (one `watchlist`) becomes the first list in merge.
      version: 1,
      migrate: (p) => p as Persisted,
      storage: layoutStorage(),
      merge: (p, current) => {
        const stored = (p ?? {}) as Partial<Persisted>;
        return { ...current, ...stored, ...restoreLists(stored) };
      },
      partialize: persistedOf,
    },
  ),
);

/** The live state as a hook: re-renders only when it changes. */
export function useLiveState(): LiveState {
  const stale = useApp((s) => {
    const l = liveState(s);
    return l.stale ? `${l.since ?? ''}|${l.reason}` : '';
  });
  if (!stale) return LIVE;
  const [since, reason] = stale.split('|');
  return { stale: true, since: since ? Number(since) : null, reason };
}
