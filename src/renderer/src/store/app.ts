// UI state that React renders: watchlist, selection, interval (persisted), quotes and status.
// Hot data (depth, tape, candle updates) stays outside React: see live.ts.
import { create } from 'zustand';
import { persist } from 'zustand/middleware';
import type { EngineStatus, Progress, Quote } from '../../../shared/api';
import type { CandleInterval, Instrument } from '../../../shared/model';

export type Connection = 'connecting' | 'connected' | 'disconnected';

export interface AppState {
  watchlist: number[];
  instruments: Record<number, Instrument>;
  selectedId: number | null;
  interval: CandleInterval;
  quotes: Record<number, Quote>;
  status: EngineStatus | null;
  connection: Connection;
  connectionDetail: string;
  /** Long tasks by id (backfills, instrument downloads); finished ones stay until replaced. */
  tasks: Record<number, Progress & { at?: number }>;
  setProgress(p: Progress): void;
  addToWatchlist(ins: Instrument): void;
  removeFromWatchlist(id: number): void;
  select(id: number): void;
  setInterval(iv: CandleInterval): void;
  applyQuotes(qs: Quote[]): void;
  setStatus(s: EngineStatus): void;
  setConnection(c: Connection, detail?: string): void;
}

export const useApp = create<AppState>()(
  persist(
    (set) => ({
      watchlist: [],
      instruments: {},
      selectedId: null,
      interval: '1m',
      quotes: {},
      status: null,
      connection: 'connecting',
      connectionDetail: '',
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
          const watchlist = s.watchlist.filter((x) => x !== id);
          return { watchlist, selectedId: s.selectedId === id ? (watchlist[0] ?? null) : s.selectedId };
        }),
      select: (id) => set({ selectedId: id }),
      setInterval: (interval) => set({ interval }),
      applyQuotes: (qs) =>
        set((s) => {
          const quotes = { ...s.quotes };
          for (const q of qs) quotes[q.instrumentId] = q;
          return { quotes };
        }),
      setStatus: (status) => set({ status }),
      setConnection: (connection, connectionDetail = '') => set({ connection, connectionDetail }),
    }),
    {
      name: 'tickdesk.layout.v1',
      partialize: (s) => ({
        watchlist: s.watchlist,
        selectedId: s.selectedId,
        interval: s.interval,
        instruments: Object.fromEntries(s.watchlist.filter((id) => s.instruments[id]).map((id) => [id, s.instruments[id]])),
      }),
    },
  ),
);
