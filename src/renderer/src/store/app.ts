// UI state that React renders: watchlist, selection, interval (persisted), quotes and status, and
// whether what the page shows is live. Hot data (depth, tape, candle updates) stays outside React:
// see live.ts.
import { create } from 'zustand';
import { persist, type PersistStorage } from 'zustand/middleware';
import type { EngineStatus, FeedStatus, Progress, Quote } from '../../../shared/api';
import type { CandleInterval, Instrument } from '../../../shared/model';
import { LIVE, liveState, type LiveState } from './live-state';

export { liveState, type LiveState };

export type Connection = 'connecting' | 'connected' | 'disconnected';

/** Overlays the keyboard opens and Esc closes, topmost last. */
export type Overlay = 'chain' | 'keys' | 'rejects';

export interface AppState {
  watchlist: number[];
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
  removeFromWatchlist(id: number): void;
  select(id: number): void;
  /** Moves the selection `by` rows through the watchlist (clamped at its ends). */
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

type Persisted = Pick<AppState, 'watchlist' | 'selectedId' | 'interval' | 'instruments'>;

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
      const { watchlist, selectedId, interval } = value.state;
      if (saved && saved.watchlist === watchlist && saved.selectedId === selectedId && saved.interval === interval) return;
      saved = { watchlist, selectedId, interval };
      localStorage.setItem(name, JSON.stringify(value));
    },
    removeItem: (name) => localStorage.removeItem(name),
  };
}

export const useApp = create<AppState>()(
  persist(
    (set, get) => ({
      watchlist: [],
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
          watchlist: s.watchlist.includes(ins.id) ? s.watchlist : [...s.watchlist, ins.id],
          instruments: { ...s.instruments, [ins.id]: ins },
          selectedId: s.selectedId ?? ins.id,
        })),
      removeFromWatchlist: (id) =>
        set((s) => {
          const at = s.watchlist.indexOf(id);
          const watchlist = s.watchlist.filter((x) => x !== id);
          // The row that takes the removed one's place becomes the selection (as in a list box).
          const next = watchlist[Math.min(at, watchlist.length - 1)] ?? null;
          return { watchlist, selectedId: s.selectedId === id ? next : s.selectedId };
        }),
      select: (id) => set({ selectedId: id }),
      moveSelection: (by) => {
        const { watchlist, selectedId } = get();
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
      storage: layoutStorage(),
      partialize: (s): Persisted => ({
        watchlist: s.watchlist,
        selectedId: s.selectedId,
        interval: s.interval,
        instruments: Object.fromEntries(s.watchlist.filter((id) => s.instruments[id]).map((id) => [id, s.instruments[id]])),
      }),
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
