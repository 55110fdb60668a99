// The workstation's keys as data: the list `?` shows, and the interval keys (type the minutes:
// 1, 3, 5, 10, 15, 25, 30, 60; S for seconds, H for an hour, D for a day; [ and ] step). Pure.
import type { CandleInterval } from '../../../../shared/model';

/** Minutes typed → interval. A prefix of a longer entry ("1" of "10", "15") waits a moment. */
const TYPED: Record<string, CandleInterval> = {
  '1': '1m',
  '3': '3m',
  '5': '5m',
  '10': '10m',
  '15': '15m',
  '25': '25m',
  '30': '30m',
  '60': '1h',
};

/** Letters that pick an interval at once. */
const LETTERS: Record<string, CandleInterval> = { s: '1s', h: '1h', d: '1d' };

/** How each interval is typed, for button titles and the key list. */
export const INTERVAL_KEYS: Record<CandleInterval, string> = {
  '1s': 'S',
  '1m': '1',
  '3m': '3',
  '5m': '5',
  '10m': '1 0',
  '15m': '1 5',
  '25m': '2 5',
  '30m': '3 0',
  '1h': 'H or 6 0',
  '1d': 'D',
};

/** The chart grid's keys (features/chart/Chart.tsx): Alt+1/2/4 pick the layout, G cycles it, L links, T draws. */
export const CHART_KEYS: { grid: Record<string, 1 | 2 | 4>; cycleGrid: string; link: string; trend: string } = {
  grid: { Digit1: 1, Digit2: 2, Digit4: 4 },
  cycleGrid: 'g',
  link: 'l',
  trend: 't',
};

/** Typed digits wait this long for another before the interval they spell is applied. */
export const TYPING_MS = 700;

export type Typed =
  /** Apply this interval now and clear the buffer. */
  | { kind: 'apply'; interval: CandleInterval }
  /** Keep the buffer: more digits may follow (apply `interval`, if any, when the wait ends). */
  | { kind: 'wait'; buffer: string; interval?: CandleInterval }
  /** Not an interval: drop the buffer. */
  | { kind: 'none' };

/** The result of typing `key` after `buffer` (digits typed so far). */
export function typeInterval(buffer: string, key: string): Typed {
  const letter = LETTERS[key.toLowerCase()];
  if (letter && buffer === '') return { kind: 'apply', interval: letter };
  if (!/^\d$/.test(key)) return { kind: 'none' };
  const next = buffer + key;
  const exact = TYPED[next];
  const longer = Object.keys(TYPED).some((k) => k.length > next.length && k.startsWith(next));
  if (longer) return { kind: 'wait', buffer: next, interval: exact };
  if (exact) return { kind: 'apply', interval: exact };
  // "7": nothing starts so; "12": perhaps a fresh start with "2".
  return buffer ? typeInterval('', key) : { kind: 'none' };
}

/** The interval `by` steps from `current` in `list` (clamped at its ends). */
export function stepInterval(list: readonly CandleInterval[], current: CandleInterval, by: number): CandleInterval {
  const at = list.indexOf(current);
  return list[Math.max(0, Math.min(list.length - 1, (at < 0 ? 0 : at) + by))];
}

/** The key list `?` shows: [keys, what they do]. */
export const KEY_LIST: Array<[string, string]> = [
  ['/  or  Ctrl+K', 'search instruments (Enter adds, ↑/↓ pick)'],
  ['↑ / ↓', 'previous / next instrument in the watchlist (the chart follows)'],
  ['PgUp / PgDn', 'ten rows up / down'],
  ['Enter', 'from the watchlist: focus the chart (← / → pan, + / − zoom, End: latest)'],
  ['Delete', 'remove the selected instrument from the watchlist'],
  ['1 3 5 10 15 25 30 60', 'interval in minutes (type the digits)'],
  ['S  H  D', '1 second, 1 hour, 1 day'],
  ['[  /  ]', 'previous / next interval'],
  ['C', 'option chain'],
  ['Tab, then Space', 'on a watchlist header: sort by it (ascending, descending, off); on a list tab: switch'],
  ['Alt+click', 'on the chart: a horizontal line at that price (on a line or a trend line: remove it)'],
  ['T', 'trend line on the focused chart: click its two ends (Esc cancels; click a line, then Delete, removes it)'],
  ['Alt+1 / 2 / 4  or  G', 'one chart, two side by side, four (2×2); G steps through them'],
  ['L', 'link the charts to the watchlist (each its own interval), or let each keep its instrument'],
  ['Shift+T', 'light / dark theme (layouts: the ▦ button in the status bar)'],
  ['Esc', 'close what is open (chain, this list, popovers, dialogs, search)'],
  ['?', 'this list'],
];
