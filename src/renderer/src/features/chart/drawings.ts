// What the user drew on an instrument's chart, kept per instrument (EXCHANGE:SYMBOL) in
// localStorage: horizontal lines (prices) and trend lines (two points in time and price, so they
// sit on the same prices and moments at every interval). Every chart showing the instrument hears
// of a change (two charts of one instrument draw the same lines).

const LINES_KEY = 'tickdesk.lines.v1';
const TRENDS_KEY = 'tickdesk.trends.v1';

/** A line from (t1, p1) to (t2, p2): times in seconds (UTC epoch), prices in rupees. */
export interface TrendLine {
  id: string;
  t1: number;
  p1: number;
  t2: number;
  p2: number;
}

type Listener = (instrumentKey: string) => void;
const listeners = new Set<Listener>();

function readAll<T>(storageKey: string): Record<string, T[]> {
  try {
    const v = JSON.parse(globalThis.localStorage?.getItem(storageKey) ?? '{}') as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, T[]>) : {};
  } catch {
    return {}; // damaged: start afresh
  }
}

function writeOne<T>(storageKey: string, instrumentKey: string, list: readonly T[]): void {
  const all = readAll<T>(storageKey);
  if (list.length) all[instrumentKey] = [...list];
  else delete all[instrumentKey];
  globalThis.localStorage?.setItem(storageKey, JSON.stringify(all));
  for (const f of listeners) f(instrumentKey);
}

const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/** The instrument's horizontal lines (prices). */
export function savedLines(instrumentKey: string): number[] {
  const v = readAll<unknown>(LINES_KEY)[instrumentKey];
  return Array.isArray(v) ? v.filter(finite) : [];
}

export function saveLines(instrumentKey: string, prices: readonly number[]): void {
  writeOne(LINES_KEY, instrumentKey, prices);
}

/** The instrument's trend lines (damaged entries left out). */
export function savedTrends(instrumentKey: string): TrendLine[] {
  const v = readAll<Partial<TrendLine>>(TRENDS_KEY)[instrumentKey];
  if (!Array.isArray(v)) return [];
  return v.filter((l): l is TrendLine => !!l && typeof l.id === 'string' && finite(l.t1) && finite(l.p1) && finite(l.t2) && finite(l.p2));
}

export function saveTrends(instrumentKey: string, lines: readonly TrendLine[]): void {
  writeOne(TRENDS_KEY, instrumentKey, lines);
}

/** Called with the instrument's key whenever its lines change; returns the unsubscribe. */
export function onDrawings(fn: Listener): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

let seq = 0;
/** A new line's id: unique in this page and across reloads. */
export function newLineId(): string {
  return `${Date.now().toString(36)}-${(seq++).toString(36)}`;
}
