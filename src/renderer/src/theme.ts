// Light and dark themes. CSS reads the palette as custom properties on <html data-theme="…">;
// canvases (chart, ladder, tape) read `palette()` and redraw on `onThemeChange`. The choice is
// remembered in localStorage.
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
    dim: '#6e7681',
    up: '#26a69a',
    down: '#ef5350',
    accent: '#2f81f7',
    warn: '#d29922',
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
  light: {
    bg: '#f4f6f8',
    panel: '#ffffff',
    line: '#d8dee4',
    text: '#1f2328',
    dim: '#656d76',
    up: '#0f8a6c',
    down: '#d1242f',
    accent: '#0969da',
    warn: '#9a6700',
    grid: '#eef1f4',
    axisBorder: '#d0d7de',
    axisText: '#57606a',
    volUp: '#0f8a6c40',
    volDown: '#d1242f40',
    drawing: '#bf8700',
    spreadBg: '#f0f3f6',
    empty: '#afb8c1',
    bidBar: 'rgba(15,138,108,0.16)',
    askBar: 'rgba(209,36,47,0.14)',
    volBar: 'rgba(87,96,106,0.16)',
    volText: '#57606a',
    lastBg: 'rgba(191,135,0,0.16)',
    last: '#9a6700',
    volCol: '#f6f8fa',
    captionBg: '#f0f3f6',
    indicator: { vwap: '#bf8700', ema: '#0969da', sma: '#8250df', bb: '#6e7781', rsi: '#9a6700', macd: '#0969da', signal: '#bf8700', hist: '#afb8c1' },
  },
};

interface ThemeState {
  theme: ThemeName;
  setTheme(t: ThemeName): void;
}

export const useTheme = create<ThemeState>()(
  persist((set) => ({ theme: 'dark', setTheme: (theme) => set({ theme }) }), { name: 'tickdesk.theme.v1' }),
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
