// The chart grid: 1, 2 (side by side) or 4 (2×2) charts, each its own instrument, interval and
// indicators, one of them focused. Linked, every chart shows the watchlist's selection (each at its
// own interval: the multi-timeframe view); independent, a selection sets the focused chart only.
// The focused chart is the app's selection and interval (the ladder, tape and interval keys follow
// it): bindChartsToApp keeps the two stores agreeing. The state is plain data, persisted, and
// restorable with useCharts.setState(data) (named layouts do that): a damaged or partial state is
// repaired on the next change. Instruments are kept by EXCHANGE:SYMBOL as well as by id (ids may
// change across engine restarts; engine-link resolves the key).
import { create } from 'zustand';
import { createJSONStorage, persist } from 'zustand/middleware';
import { INTERVAL_SECONDS } from '../../../shared/intervals';
import type { CandleInterval, Instrument } from '../../../shared/model';

export type Grid = 1 | 2 | 4;
export const GRIDS: readonly Grid[] = [1, 2, 4];
export const MAX_CHARTS = 4;

export interface ChartSlot {
  instrumentId: number | null;
  /** EXCHANGE:SYMBOL of the instrument (what survives an engine restart). */
  key: string | null;
  interval: CandleInterval;
  /** Indicator ids (features/chart/indicator-plots.ts CHART_INDICATORS). */
  indicators: string[];
}

export interface ChartsData {
  grid: Grid;
  linked: boolean;
  /** Always MAX_CHARTS slots; the first `grid` are shown. */
  slots: ChartSlot[];
  focused: number;
}

export interface ChartsState extends ChartsData {
  setGrid(grid: Grid): void;
  /** 1 → 2 → 4 → 1. */
  cycleGrid(): void;
  /** Linking makes every chart show the focused chart's instrument. */
  setLinked(linked: boolean): void;
  focus(slot: number): void;
  /** The watchlist selected an instrument: every chart when linked, else the focused one (`key` null: not known here). */
  showInstrument(instrumentId: number, key: string | null): void;
  /** One chart's instrument (a restored layout's key resolved to today's id). */
  setInstrument(slot: number, instrumentId: number | null, key: string | null): void;
  setInterval(slot: number, interval: CandleInterval): void;
  setIndicators(slot: number, ids: string[]): void;
}

/** The intervals charts 1–4 open with: the usual multi-timeframe set. */
export const DEFAULT_INTERVALS: readonly CandleInterval[] = ['1m', '5m', '15m', '1h'];

export const keyOf = (ins: Pick<Instrument, 'exchange' | 'symbol'>): string => `${ins.exchange}:${ins.symbol}`;

const LEGACY_INDICATORS = 'tickdesk.indicators.v1';

/** The indicators the single chart had before the grid (its first chart keeps them). */
function legacyIndicators(): string[] {
  try {
    const v = JSON.parse(globalThis.localStorage?.getItem(LEGACY_INDICATORS) ?? '[]') as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

function defaultSlot(i: number): ChartSlot {
  return { instrumentId: null, key: null, interval: DEFAULT_INTERVALS[i] ?? '1m', indicators: [] };
}

export function defaultCharts(): ChartsData {
  const slots = Array.from({ length: MAX_CHARTS }, (_, i) => defaultSlot(i));
  slots[0].indicators = legacyIndicators();
  return { grid: 1, linked: true, slots, focused: 0 };
}

function normalSlot(raw: unknown, i: number): ChartSlot {
  const s = (raw && typeof raw === 'object' ? raw : {}) as Partial<Record<keyof ChartSlot, unknown>>;
  const id = Number.isInteger(s.instrumentId) && (s.instrumentId as number) > 0 ? (s.instrumentId as number) : null;
  const key = typeof s.key === 'string' && /^[A-Z0-9_]+:\S/i.test(s.key) && s.key.length <= 80 ? s.key : null; // "NSE:NIFTY 50" has a space
  const interval = typeof s.interval === 'string' && Object.hasOwn(INTERVAL_SECONDS, s.interval) ? (s.interval as CandleInterval) : (DEFAULT_INTERVALS[i] ?? '1m');
  const indicators = Array.isArray(s.indicators) ? [...new Set(s.indicators.filter((x): x is string => typeof x === 'string'))] : [];
  return { instrumentId: id, key, interval, indicators };
}

/** Any stored or restored value made a whole state: four slots, a grid of 1, 2 or 4, a focus inside it. */
export function normalizeCharts(raw: unknown): ChartsData {
  const d = (raw && typeof raw === 'object' ? raw : {}) as Partial<Record<keyof ChartsData, unknown>>;
  const grid: Grid = GRIDS.includes(d.grid as Grid) ? (d.grid as Grid) : 1;
  const given = Array.isArray(d.slots) ? d.slots : [];
  const slots = Array.from({ length: MAX_CHARTS }, (_, i) => (i < given.length ? normalSlot(given[i], i) : defaultSlot(i)));
  const focused = Number.isInteger(d.focused) && (d.focused as number) >= 0 && (d.focused as number) < grid ? (d.focused as number) : 0;
  return { grid, linked: typeof d.linked === 'boolean' ? d.linked : true, slots, focused };
}

/** The state is already whole (normalizeCharts would give the same). */
function isNormal(s: ChartsData): boolean {
  return JSON.stringify(normalizeCharts(s)) === JSON.stringify({ grid: s.grid, linked: s.linked, slots: s.slots, focused: s.focused });
}

/** The charts on screen. */
export function shownSlots(s: Pick<ChartsData, 'grid' | 'slots'>): ChartSlot[] {
  return s.slots.slice(0, s.grid);
}

const patchSlot = (slots: ChartSlot[], i: number, patch: Partial<ChartSlot>): ChartSlot[] => slots.map((s, k) => (k === i ? { ...s, ...patch } : s));

/** Every shown chart on the focused chart's instrument (linked mode's rule). */
function linkAll(s: ChartsData): ChartSlot[] {
  const { instrumentId, key } = s.slots[s.focused];
  if (instrumentId === null && key === null) return s.slots;
  return s.slots.map((slot, k) => (k < s.grid && (slot.instrumentId !== instrumentId || slot.key !== key) ? { ...slot, instrumentId, key } : slot));
}

export const useCharts = create<ChartsState>()(
  persist(
    (set, get) => ({
      ...defaultCharts(),
      setGrid: (grid) =>
        set((s) => {
          if (!GRIDS.includes(grid) || grid === s.grid) return {};
          const next = { ...s, grid, focused: s.focused < grid ? s.focused : 0 };
          // A chart shown for the first time opens on the focused instrument rather than empty.
          const { instrumentId, key } = s.slots[next.focused];
          const slots = next.slots.map((slot, k) => (k < grid && slot.instrumentId === null && slot.key === null ? { ...slot, instrumentId, key } : slot));
          return { grid, focused: next.focused, slots: s.linked ? linkAll({ ...next, slots }) : slots };
        }),
      cycleGrid: () => get().setGrid(GRIDS[(GRIDS.indexOf(get().grid) + 1) % GRIDS.length]),
      setLinked: (linked) => set((s) => (linked === s.linked ? {} : { linked, slots: linked ? linkAll(s) : s.slots })),
      focus: (focused) => set((s) => (focused >= 0 && focused < s.grid && focused !== s.focused ? { focused } : {})),
      showInstrument: (instrumentId, known) =>
        set((s) => {
          // An instrument the app has no details of keeps the key the chart already has for it.
          const key = known ?? (s.slots[s.focused].instrumentId === instrumentId ? s.slots[s.focused].key : null);
          if (s.linked) return { slots: linkAll({ ...s, slots: patchSlot(s.slots, s.focused, { instrumentId, key }) }) };
          const f = s.slots[s.focused];
          return f.instrumentId === instrumentId && f.key === key ? {} : { slots: patchSlot(s.slots, s.focused, { instrumentId, key }) };
        }),
      setInstrument: (slot, instrumentId, key) =>
        set((s) => {
          const cur = s.slots[slot];
          if (!cur || (cur.instrumentId === instrumentId && cur.key === key)) return {};
          // Linked charts share one instrument: resolving one resolves them all.
          if (s.linked && slot < s.grid) return { slots: s.slots.map((x, k) => (k < s.grid ? { ...x, instrumentId, key } : x)) };
          return { slots: patchSlot(s.slots, slot, { instrumentId, key }) };
        }),
      setInterval: (slot, interval) => set((s) => (s.slots[slot] && s.slots[slot].interval !== interval ? { slots: patchSlot(s.slots, slot, { interval }) } : {})),
      setIndicators: (slot, indicators) => set((s) => (s.slots[slot] ? { slots: patchSlot(s.slots, slot, { indicators: [...new Set(indicators)] }) } : {})),
    }),
    {
      name: 'tickdesk.charts.v1',
      version: 1,
      storage: createJSONStorage(() => globalThis.localStorage),
      partialize: (s): ChartsData => ({ grid: s.grid, linked: s.linked, slots: s.slots, focused: s.focused }),
      // Nothing stored (a first start) keeps the defaults; anything stored is made whole.
      merge: (stored, current) => (stored ? { ...current, ...normalizeCharts(stored) } : current),
    },
  ),
);

/** What bindChartsToApp needs of the app store: the selection, the interval, the instruments known. */
export interface SelectionStore {
  getState(): {
    selectedId: number | null;
    interval: CandleInterval;
    instruments: Record<number, Instrument>;
    select(id: number): void;
    setInterval(iv: CandleInterval): void;
  };
  subscribe(fn: (s: { selectedId: number | null; interval: CandleInterval }, prev: { selectedId: number | null; interval: CandleInterval }) => void): () => void;
}

/**
 * Keeps the focused chart and the app's selection and interval one and the same: a watchlist
 * selection or an interval key moves the focused chart (all charts, linked); focusing a chart, or
 * changing its instrument or interval, moves the selection and the interval. Repairs a restored
 * state that is not whole, and holds linked charts on one instrument. Returns the unsubscribe.
 */
export function bindChartsToApp(app: SelectionStore): () => void {
  const charts = useCharts;
  const keyFor = (id: number) => {
    const ins = app.getState().instruments[id];
    return ins ? keyOf(ins) : null;
  };
  let repairing = false;
  const fromCharts = () => {
    const s = charts.getState();
    if (!isNormal(s)) {
      if (repairing) return; // normalizeCharts is idempotent: a second pass never repairs again
      repairing = true;
      try {
        return charts.setState(normalizeCharts(s));
      } finally {
        repairing = false;
      }
    }
    if (s.linked && shownSlots(s).some((x) => x.instrumentId !== s.slots[s.focused].instrumentId || x.key !== s.slots[s.focused].key)) {
      const slots = linkAll(s);
      if (slots !== s.slots) return charts.setState({ slots });
    }
    const f = s.slots[s.focused];
    const a = app.getState();
    if (f.instrumentId !== null && f.instrumentId !== a.selectedId) a.select(f.instrumentId);
    if (f.interval !== app.getState().interval) app.getState().setInterval(f.interval);
  };
  const fromApp = (a: { selectedId: number | null; interval: CandleInterval }, prev: { selectedId: number | null; interval: CandleInterval }) => {
    const s = charts.getState();
    if (a.selectedId !== prev.selectedId && a.selectedId !== null) s.showInstrument(a.selectedId, keyFor(a.selectedId));
    if (a.interval !== prev.interval) charts.getState().setInterval(charts.getState().focused, a.interval);
  };
  // At start: an empty focused chart takes the selection; a charted one is the selection.
  const s = charts.getState();
  const a = app.getState();
  if (s.slots[s.focused].instrumentId === null) {
    s.setInterval(s.focused, a.interval);
    if (a.selectedId !== null) s.showInstrument(a.selectedId, keyFor(a.selectedId));
  }
  fromCharts();
  const offCharts = charts.subscribe(fromCharts);
  const offApp = app.subscribe(fromApp);
  return () => {
    offCharts();
    offApp();
  };
}
