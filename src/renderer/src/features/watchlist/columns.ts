// The watchlist's columns and its sort, as data: which quote field each column shows, how it is
// formatted (Indian grouping, K / L / Cr) and how rows order by it. Pure: no DOM, no store.
import type { Quote } from '../../../../shared/api';
import type { Instrument } from '../../../../shared/model';
import { decimalsFor, direction, pct, price, qty, signed } from '../../format';
import { instrumentLabel } from './symbol';

export type WatchColumn = 'ltp' | 'change' | 'changePct' | 'volume' | 'oi' | 'bid' | 'ask' | 'high' | 'low';

/** What a new list shows: the columns the single watchlist always had. */
export const DEFAULT_COLUMNS: readonly WatchColumn[] = ['ltp', 'changePct', 'volume', 'oi'];

/** A sort key: a column, or the instrument's name. */
export type SortKey = WatchColumn | 'symbol';
export interface WatchSort {
  key: SortKey;
  dir: 'asc' | 'desc';
}

export interface ColumnDef {
  key: WatchColumn;
  /** The header. */
  head: string;
  /** The column chooser's wording. */
  label: string;
  /** The <col> class: its width (styles.css, watchlist.css). */
  col: string;
  /** Width in ch, for the table's minimum width when many columns are on. */
  widthCh: number;
  value(q: Quote | undefined): number | undefined;
  text(q: Quote | undefined, ins: Instrument): string;
  /** The cell's colour class: up / down / flat, or '' for none. */
  tone(q: Quote | undefined, ins: Instrument): string;
  /** The quote's fields text and tone read: while they stay the same, so does the cell. */
  reads: ReadonlyArray<keyof Quote>;
  testId: string;
}

/** The change in price since the previous close (the Quote has the close, not the change). */
function change(q: Quote | undefined): number | undefined {
  return q && q.close !== undefined && q.close > 0 ? q.ltp - q.close : undefined;
}
const positive = (v: number | undefined) => (v ? v : undefined);

export const COLUMNS: Record<WatchColumn, ColumnDef> = {
  ltp: {
    key: 'ltp',
    head: 'LTP',
    label: 'LTP',
    col: 'c-ltp',
    widthCh: 9.2,
    value: (q) => q?.ltp,
    text: (q, ins) => price(q?.ltp, decimalsFor(ins.tickSize)),
    tone: (q) => direction(q?.changePct),
    reads: ['ltp', 'changePct'],
    testId: 'watch-ltp',
  },
  change: {
    key: 'change',
    head: 'Chg',
    label: 'Change',
    col: 'c-change',
    widthCh: 8.5,
    value: change,
    text: (q, ins) => signed(change(q), decimalsFor(ins.tickSize)),
    tone: (q, ins) => direction(change(q), decimalsFor(ins.tickSize)),
    reads: ['ltp', 'close'],
    testId: 'watch-change',
  },
  changePct: {
    key: 'changePct',
    head: 'Chg%',
    label: 'Change %',
    col: 'c-chg',
    widthCh: 7.5,
    value: (q) => q?.changePct,
    text: (q) => pct(q?.changePct),
    tone: (q) => direction(q?.changePct),
    reads: ['changePct'],
    testId: 'watch-chg',
  },
  volume: {
    key: 'volume',
    head: 'Vol',
    label: 'Volume',
    col: 'c-vol',
    widthCh: 6.2,
    value: (q) => positive(q?.volume),
    text: (q) => (q?.volume ? qty(q.volume) : ''),
    tone: () => '',
    reads: ['volume'],
    testId: 'watch-vol',
  },
  oi: {
    key: 'oi',
    head: 'OI',
    label: 'Open interest',
    col: 'c-oi',
    widthCh: 6.2,
    value: (q) => positive(q?.oi),
    text: (q) => (q?.oi ? qty(q.oi) : ''),
    tone: () => '',
    reads: ['oi'],
    testId: 'watch-oi',
  },
  bid: {
    key: 'bid',
    head: 'Bid',
    label: 'Bid',
    col: 'c-bid',
    widthCh: 9.2,
    value: (q) => positive(q?.bid),
    text: (q, ins) => (q?.bid ? price(q.bid, decimalsFor(ins.tickSize)) : ''),
    tone: () => '',
    reads: ['bid'],
    testId: 'watch-bid',
  },
  ask: {
    key: 'ask',
    head: 'Ask',
    label: 'Ask',
    col: 'c-ask',
    widthCh: 9.2,
    value: (q) => positive(q?.ask),
    text: (q, ins) => (q?.ask ? price(q.ask, decimalsFor(ins.tickSize)) : ''),
    tone: () => '',
    reads: ['ask'],
    testId: 'watch-ask',
  },
  high: {
    key: 'high',
    head: 'High',
    label: 'Day high',
    col: 'c-high',
    widthCh: 9.2,
    value: (q) => positive(q?.high),
    text: (q, ins) => (q?.high ? price(q.high, decimalsFor(ins.tickSize)) : ''),
    tone: () => '',
    reads: ['high'],
    testId: 'watch-high',
  },
  low: {
    key: 'low',
    head: 'Low',
    label: 'Day low',
    col: 'c-low',
    widthCh: 9.2,
    value: (q) => positive(q?.low),
    text: (q, ins) => (q?.low ? price(q.low, decimalsFor(ins.tickSize)) : ''),
    tone: () => '',
    reads: ['low'],
    testId: 'watch-low',
  },
};

/** Every column in the order the chooser lists them and the table shows them. */
export const COLUMN_ORDER: readonly WatchColumn[] = ['ltp', 'change', 'changePct', 'volume', 'oi', 'bid', 'ask', 'high', 'low'];

/** Columns as stored, cleaned: known keys only, in the table's order, at least one. */
export function normalizeColumns(cols: unknown): WatchColumn[] {
  const set = new Set(Array.isArray(cols) ? cols : []);
  const out = COLUMN_ORDER.filter((c) => set.has(c));
  return out.length ? out : [...DEFAULT_COLUMNS];
}

/** A header click: none → ascending → descending → none (a different column starts ascending). */
export function nextSort(sort: WatchSort | null, key: SortKey): WatchSort | null {
  if (!sort || sort.key !== key) return { key, dir: 'asc' };
  return sort.dir === 'asc' ? { key, dir: 'desc' } : null;
}

/**
 * The rows in the order shown: the list's own order without a sort; with one, by the column's
 * value (instruments without a value last either way, ties in list order).
 */
export function sortedIds(ids: readonly number[], sort: WatchSort | null, quotes: Record<number, Quote>, instruments: Record<number, Instrument>): number[] {
  if (!sort) return [...ids];
  const sign = sort.dir === 'asc' ? 1 : -1;
  if (sort.key === 'symbol') {
    const name = (id: number) => (instruments[id] ? instrumentLabel(instruments[id]).main : '');
    return ids
      .map((id, i) => ({ id, i, v: name(id) }))
      .sort((a, b) => sign * a.v.localeCompare(b.v, 'en', { numeric: true }) || a.i - b.i)
      .map((r) => r.id);
  }
  const def = COLUMNS[sort.key];
  return ids
    .map((id, i) => {
      const v = def.value(quotes[id]);
      return { id, i, v: v !== undefined && Number.isFinite(v) ? v : undefined };
    })
    .sort((a, b) => {
      if (a.v === undefined || b.v === undefined) return a.v === b.v ? a.i - b.i : a.v === undefined ? 1 : -1;
      return sign * (a.v - b.v) || a.i - b.i;
    })
    .map((r) => r.id);
}
