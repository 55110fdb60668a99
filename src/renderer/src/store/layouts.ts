// Named layouts: the panel sizes, the theme and the chart grid saved under a name, then switched
// to, renamed, replaced and deleted; kept in localStorage. A layout is a set of parts, each the
// plain-data snapshot of one store; restoring checks what it reads, so a damaged entry is ignored.
import { create } from 'zustand';
import { persist } from 'zustand/middleware';
import { fitShare } from '../features/layout/sizes';
import { isThemeName, useTheme } from '../theme';
import { normalizeCharts, useCharts, type ChartsData } from './charts';
import { useLayout } from './layout';

/** One part of the workstation a layout keeps: plain data out, checked data in. */
export interface LayoutPart {
  /** JSON-safe data (no functions). */
  snapshot(): unknown;
  /** Applies a snapshot; leaves the store as it is where the data cannot be read. */
  restore(v: unknown): void;
}

export interface SavedLayout {
  name: string;
  /** When it was saved (ms). */
  savedAt: number;
  /** Part key → that part's snapshot. */
  parts: Record<string, unknown>;
}

/** A name as kept: trimmed, inner spaces collapsed, at most this long. */
export const MAX_NAME = 32;

export function normalizeName(name: string): string {
  return name.trim().replace(/\s+/g, ' ').slice(0, MAX_NAME).trim();
}

const sameName = (a: string, b: string) => a.toLocaleLowerCase('en-IN') === b.toLocaleLowerCase('en-IN');

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const width = (v: unknown): number | null | undefined => (v === null ? null : typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.round(v) : undefined);

/** Watchlist width, right column width, the ladder's share (store/layout.ts). */
export const panelsPart: LayoutPart = {
  snapshot: () => {
    const { watchWidth, rightWidth, ladderShare } = useLayout.getState();
    return { watchWidth, rightWidth, ladderShare };
  },
  restore: (v) => {
    if (!isObject(v)) return;
    const watchWidth = width(v.watchWidth);
    const rightWidth = width(v.rightWidth);
    const s = useLayout.getState();
    if (watchWidth !== undefined) s.setWatchWidth(watchWidth);
    if (rightWidth !== undefined) s.setRightWidth(rightWidth);
    if (typeof v.ladderShare === 'number' && Number.isFinite(v.ladderShare)) s.setLadderShare(fitShare(v.ladderShare));
  },
};

export const themePart: LayoutPart = {
  snapshot: () => useTheme.getState().theme,
  restore: (v) => {
    if (isThemeName(v)) useTheme.getState().setTheme(v);
  },
};

/** The chart grid (store/charts.ts): grid, linking, each chart's instrument, interval and indicators. */
export const chartsPart: LayoutPart = {
  snapshot: () => {
    const { grid, linked, slots, focused } = useCharts.getState();
    return JSON.parse(JSON.stringify({ grid, linked, slots, focused })) as ChartsData;
  },
  // normalizeCharts makes any object a whole state (unknown values → defaults).
  restore: (v) => {
    if (isObject(v)) useCharts.setState(normalizeCharts(v));
  },
};

const PARTS: ReadonlyMap<string, LayoutPart> = new Map([
  ['panels', panelsPart],
  ['theme', themePart],
  ['charts', chartsPart],
]);

/** What the workstation looks like now, part by part. */
export function snapshotParts(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, part] of PARTS) out[key] = part.snapshot();
  return out;
}

/** Stored layouts made whole: entries without a usable name or parts dropped, names kept unique. */
export function restoreLayouts(p: unknown): { layouts: SavedLayout[]; active: string | null } {
  const layouts: SavedLayout[] = [];
  const stored = isObject(p) ? p : {};
  if (Array.isArray(stored.layouts)) {
    for (const l of stored.layouts as unknown[]) {
      if (!isObject(l) || typeof l.name !== 'string' || !isObject(l.parts)) continue;
      const name = normalizeName(l.name);
      if (!name || layouts.some((x) => sameName(x.name, name))) continue;
      layouts.push({ name, savedAt: typeof l.savedAt === 'number' && Number.isFinite(l.savedAt) ? l.savedAt : 0, parts: l.parts });
    }
  }
  const active = typeof stored.active === 'string' ? (layouts.find((l) => sameName(l.name, stored.active as string))?.name ?? null) : null;
  return { layouts, active };
}

export interface LayoutsState {
  /** In the order they were first saved. */
  layouts: SavedLayout[];
  /** The layout last saved or switched to (null: none). */
  active: string | null;
  /** Saves the workstation as it is now under `name`, replacing a layout of that name; false for an empty name. */
  save(name: string): boolean;
  /** Restores a saved layout; false if there is none of that name. */
  switchTo(name: string): boolean;
  /** False when `to` is empty or another layout has that name. */
  rename(from: string, to: string): boolean;
  remove(name: string): void;
}

export const findLayout = (layouts: readonly SavedLayout[], name: string): SavedLayout | undefined => {
  const n = normalizeName(name);
  return layouts.find((l) => sameName(l.name, n));
};

export const useLayouts = create<LayoutsState>()(
  persist(
    (set, get) => ({
      layouts: [],
      active: null,
      save: (raw) => {
        const name = normalizeName(raw);
        if (!name) return false;
        const saved: SavedLayout = { name, savedAt: Date.now(), parts: snapshotParts() };
        const { layouts } = get();
        const at = layouts.findIndex((l) => sameName(l.name, name));
        set({ layouts: at < 0 ? [...layouts, saved] : layouts.map((l, i) => (i === at ? saved : l)), active: name });
        return true;
      },
      switchTo: (name) => {
        const layout = findLayout(get().layouts, name);
        if (!layout) return false;
        for (const [key, data] of Object.entries(layout.parts)) PARTS.get(key)?.restore(data);
        set({ active: layout.name });
        return true;
      },
      rename: (from, raw) => {
        const to = normalizeName(raw);
        const { layouts, active } = get();
        const layout = findLayout(layouts, from);
        if (!to || !layout || layouts.some((l) => l !== layout && sameName(l.name, to))) return false;
        set({ layouts: layouts.map((l) => (l === layout ? { ...l, name: to } : l)), active: active !== null && sameName(active, layout.name) ? to : active });
        return true;
      },
      remove: (name) => {
        const { layouts, active } = get();
        const layout = findLayout(layouts, name);
        if (!layout) return;
        set({ layouts: layouts.filter((l) => l !== layout), active: active !== null && sameName(active, layout.name) ? null : active });
      },
    }),
    {
      name: 'tickdesk.layouts.v1',
      partialize: (s) => ({ layouts: s.layouts, active: s.active }),
      merge: (p, current) => ({ ...current, ...restoreLayouts(p) }),
    },
  ),
);
