// The ladder's full-depth choice, as data: the levels an instrument is on, the switch's options
// from the engine's status (the broker's declared feeds and their usage), the choices a user made
// (kept per broker in localStorage) and the order they are applied in again after a reconnect.
import type { DepthUsage } from '../../../../shared/api';

/** The levels of the feed an instrument is on (0: the ticks' own book). */
export function levelsOf(usage: readonly DepthUsage[], instrumentId: number | null): number {
  if (instrumentId === null) return 0;
  return usage.find((u) => u.instruments.includes(instrumentId))?.levels ?? 0;
}

export interface DepthOption {
  levels: number;
  label: string;
  /** Its feed's usage (none for the ticks' own book). */
  usage: DepthUsage | null;
  /** The feed has no free slot for an instrument not on it. */
  full: boolean;
}

/** The ticks' own book, then each full-depth feed, fewest levels first. */
export function depthOptions(base: number, usage: readonly DepthUsage[]): DepthOption[] {
  const feeds = [...usage].sort((a, b) => a.levels - b.levels);
  return [
    { levels: 0, label: base > 0 ? String(base) : 'off', usage: null, full: false },
    ...feeds.map((u) => ({ levels: u.levels, label: String(u.levels), usage: u, full: u.instruments.length >= u.max })),
  ];
}

/** The feed whose slots are scarcest (fewest), the one worth a counter on screen. */
export function scarcest(usage: readonly DepthUsage[]): DepthUsage | null {
  return usage.reduce<DepthUsage | null>((best, u) => (!best || u.max < best.max ? u : best), null);
}

/** Choices a user made, instrument id → levels (0 included: "none, whatever the start list said"). */
export type SavedDepth = Record<string, number>;

const KEY = (broker: string) => `tickdesk.depth.${broker}`;

export function loadSaved(broker: string, storage: Pick<Storage, 'getItem'> = localStorage): SavedDepth {
  try {
    const v = JSON.parse(storage.getItem(KEY(broker)) ?? '{}');
    if (!v || typeof v !== 'object' || Array.isArray(v)) return {};
    return Object.fromEntries(Object.entries(v).filter(([k, n]) => /^\d+$/.test(k) && Number.isInteger(n) && (n as number) >= 0)) as SavedDepth;
  } catch {
    return {}; // a damaged entry: nothing saved
  }
}

export function saveChoice(broker: string, instrumentId: number, levels: number, storage: Pick<Storage, 'getItem' | 'setItem'> = localStorage): void {
  const saved = loadSaved(broker, storage);
  saved[instrumentId] = levels;
  storage.setItem(KEY(broker), JSON.stringify(saved));
}

/**
 * The saved choices the engine does not have (after a restart, or a start list of its own), in
 * the order that frees slots before it takes them: off first, then fewer levels before more.
 */
export function reapplyPlan(saved: SavedDepth, usage: readonly DepthUsage[]): Array<{ instrumentId: number; levels: number }> {
  const offered = new Set([0, ...usage.map((u) => u.levels)]);
  return Object.entries(saved)
    .map(([id, levels]) => ({ instrumentId: Number(id), levels }))
    .filter((c) => offered.has(c.levels) && levelsOf(usage, c.instrumentId) !== c.levels)
    .sort((a, b) => a.levels - b.levels || a.instrumentId - b.instrumentId);
}
