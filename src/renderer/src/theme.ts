// Light and dark themes, one palette each. CSS reads the palette as custom properties that
// `installTheme` writes on <html data-theme="…"> (`--panel`, `--row-line`…: each string field,
// kebab-cased); canvases (chart, ladder, tape) read `palette()` and redraw on `onThemeChange`.
// The choice is remembered in localStorage.
import { create } from 'zustand';
import { persist } from 'zustand/middleware';

export type ThemeName = 'dark' | 'light';

/** Every color a canvas draws with; CSS uses the same values through custom properties. */
export interface Palette {
  bg: string;
  panel: string;
  line: string;
  text: string;
  dim: string;
  up: string;
  down: string;
  accent: string;
  warn: string;
  /** Text on an accent-filled button. */
  onAccent: string;
  /** Page chrome: buttons, inputs, row hover and selection, popovers and their shadow, the status bar. */
  button: string;
  input: string;
  rowLine: string;
  hover: string;
  selected: string;
  popover: string;
  shadow: string;
  statusbar: string;
  /** The chart's interval buttons and its legend's backing. */
  segment: string;
  segmentHover: string;
  legendBg: string;
  /** Warning text (a lagging sink, a hovered bar's time), the stale badge, the alert banner. */
  warnText: string;
  staleBg: string;
  staleBorder: string;
  staleText: string;
  alertBg: string;
  alertBorder: string;
  alertText: string;
  kbdBg: string;
  kbdBorder: string;
  scrollThumb: string;
  /** Option chain: in-the-money cells, the at-the-money row, the strike column. */
  itm: string;
  atm: string;
  strikeBg: string;
  /** Chart: grid lines, axis borders, volume bars (translucent up/down). */
  grid: string;
  axisBorder: string;
  axisText: string;
  volUp: string;
  volDown: string;
  /** A drawn horizontal line or trend line (user drawings). */
  drawing: string;
  /** Ladder: spread row, empty cells, bars, the last-trade row, the volume column, the caption. */
  spreadBg: string;
  empty: string;
  bidBar: string;
  askBar: string;
  volBar: string;
  volText: string;
  lastBg: string;
  last: string;
  volCol: string;
  captionBg: string;
  /** Indicator series colors. */
  indicator: { vwap: string; ema: string; sma: string; bb: string; rsi: string; macd: string; signal: string; hist: string };
}

export const PALETTES: Record<ThemeName, Palette> = {
  dark: {
    bg: '#0b0e11',
    panel: '#10151b',
    line: '#1e2631',
    text: '#d1d4dc',
    dim: '#848d98',
    up: '#26a69a',
    down: '#ef5350',
    accent: '#2f81f7',
    warn: '#d29922',
    onAccent: '#ffffff',
    button: '#161c24',
    input: '#0b0f14',
    rowLine: '#151b23',
    hover: '#151c25',
    selected: '#172233',
    popover: '#121922',
    shadow: 'rgba(0,0,0,0.7)',
    statusbar: '#0d1117',
    segment: '#131920',
    segmentHover: '#1a2230',
    legendBg: 'rgba(11,14,17,0.8)',
    warnText: '#e0b050',
    staleBg: '#3a2a08',
    staleBorder: 'rgba(210,153,34,0.55)',
    staleText: '#f0c060',
    alertBg: '#3a1d1d',
    alertBorder: 'rgba(239,83,80,0.55)',
    alertText: '#ffd7d5',
    kbdBg: '#0d1218',
    kbdBorder: '#2c3644',
    scrollThumb: '#2a3441',
    itm: '#1b2230',
    atm: '#1a2636',
    strikeBg: '#0f141a',
    grid: '#161b22',
    axisBorder: '#222a35',
    axisText: '#8b93a1',
    volUp: '#26a69a55',
    volDown: '#ef535055',
    drawing: '#f0b429',
    spreadBg: '#10151c',
    empty: '#3a434e',
    bidBar: 'rgba(38,166,154,0.22)',
    askBar: 'rgba(239,83,80,0.22)',
    volBar: 'rgba(139,148,158,0.22)',
    volText: '#8b949e',
    lastBg: 'rgba(240,185,11,0.16)',
    last: '#f0b90b',
    volCol: '#0e1217',
    captionBg: '#0f1419',
    indicator: { vwap: '#f0b429', ema: '#5b9cf6', sma: '#c678dd', bb: '#7f8ea3', rsi: '#e5c07b', macd: '#5b9cf6', signal: '#f0b429', hist: '#3d4a5c' },
  },
  // After Kite web's light theme: white panels, hairline borders, a blue accent; greens and reds
  // dark enough to read as text on white (contrast ≥ 4.5:1).
  light: {
    bg: '#ffffff',
    panel: '#ffffff',
    line: '#e1e4e8',
    text: '#1f2329',
    dim: '#5c6573',
    up: '#0a7a4e',
    down: '#c0282f',
    accent: '#2f6fc4',
    warn: '#a15c07',
    onAccent: '#ffffff',
    button: '#f7f8fa',
    input: '#ffffff',
    rowLine: '#eff1f4',
    hover: '#f4f7fb',
    selected: '#e8f0fb',
    popover: '#ffffff',
    shadow: 'rgba(16,24,40,0.18)',
    statusbar: '#f7f8fa',
    segment: '#ffffff',
    segmentHover: '#eef3fa',
    legendBg: 'rgba(255,255,255,0.85)',
    warnText: '#9a5800',
    staleBg: '#fff5d6',
    staleBorder: '#e3b341',
    staleText: '#6f4400',
    alertBg: '#fdecec',
    alertBorder: '#ee9a9a',
    alertText: '#86181d',
    kbdBg: '#f6f8fa',
    kbdBorder: '#d0d7de',
    scrollThumb: '#c6cdd6',
    itm: '#fbf6e6',
    atm: '#e5effb',
    strikeBg: '#f5f7fa',
    grid: '#f0f2f5',
    axisBorder: '#dfe3e8',
    axisText: '#5b6472',
    volUp: '#0a7a4e40',
    volDown: '#c0282f40',
    drawing: '#c27c00',
    spreadBg: '#f6f8fa',
    empty: '#b3bbc5',
    bidBar: 'rgba(10,122,78,0.14)',
    askBar: 'rgba(192,40,47,0.12)',
    volBar: 'rgba(91,100,114,0.14)',
    volText: '#5b6472',
    lastBg: 'rgba(240,180,20,0.22)',
    last: '#935d00',
    volCol: '#fafbfc',
    captionBg: '#f5f7fa',
    indicator: { vwap: '#c27c00', ema: '#2f6fc4', sma: '#8250df', bb: '#6e7781', rsi: '#9a6700', macd: '#2f6fc4', signal: '#c27c00', hist: '#b3bbc5' },
  },
};

export const THEMES: readonly ThemeName[] = ['dark', 'light'];

export const isThemeName = (v: unknown): v is ThemeName => v === 'dark' || v === 'light';

interface ThemeState {
  theme: ThemeName;
  setTheme(t: ThemeName): void;
  /** Dark ↔ light. */
  toggle(): void;
}

export const useTheme = create<ThemeState>()(
  persist(
    (set, get) => ({
      theme: 'dark',
      setTheme: (theme) => set({ theme: isThemeName(theme) ? theme : 'dark' }),
      toggle: () => set({ theme: get().theme === 'dark' ? 'light' : 'dark' }),
    }),
    {
      name: 'tickdesk.theme.v1',
      partialize: (s) => ({ theme: s.theme }),
      // A damaged or unknown stored theme: the default.
      merge: (p, current) => {
        const theme = (p as { theme?: unknown } | null)?.theme;
        return { ...current, theme: isThemeName(theme) ? theme : current.theme };
      },
    },
  ),
);

/** The palette canvases draw with now. */
export function palette(): Palette {
  return PALETTES[useTheme.getState().theme] ?? PALETTES.dark;
}

/** Calls `fn` with the new palette whenever the theme changes; returns the unsubscribe. */
export function onThemeChange(fn: (p: Palette) => void): () => void {
  return useTheme.subscribe((s, prev) => {
    if (s.theme !== prev.theme) fn(PALETTES[s.theme] ?? PALETTES.dark);
  });
}

/** The custom properties CSS reads for a palette: each string field, kebab-cased (`rowLine` → `--row-line`). */
export function cssVariables(p: Palette): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const [k, v] of Object.entries(p)) if (typeof v === 'string') vars[`--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`] = v;
  return vars;
}

/**
 * Writes the theme on `root` (data-theme and the custom properties) now and whenever it changes;
 * returns the unsubscribe.
 */
export function installTheme(root: HTMLElement = document.documentElement): () => void {
  const apply = (name: ThemeName) => {
    const theme = isThemeName(name) ? name : 'dark';
    root.dataset.theme = theme;
    for (const [k, v] of Object.entries(cssVariables(PALETTES[theme]))) root.style.setProperty(k, v);
  };
  apply(useTheme.getState().theme);
  return useTheme.subscribe((s, prev) => {
    if (s.theme !== prev.theme) apply(s.theme);
  });
}
