/* eslint-disable no-restricted-imports -- a unit test: it runs under Node, not in the page */
// Themes: every color the page's CSS uses comes from a custom property the palette defines for
// both themes (no literal colors in any stylesheet); the light theme reads well (WCAG contrast);
// the stored choice survives a reload and a damaged one falls back to dark.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const items = new Map<string, string>();
const localStorage = { getItem: (k: string) => items.get(k) ?? null, setItem: (k: string, v: string) => void items.set(k, v), removeItem: (k: string) => void items.delete(k) };
Object.assign(globalThis, { localStorage, window: { localStorage } });
items.set('tickdesk.theme.v1', JSON.stringify({ state: { theme: 'light' }, version: 0 }));
const { PALETTES, cssVariables, installTheme, onThemeChange, palette, useTheme } = await import('./theme');

const SRC = new URL('.', import.meta.url).pathname;
function files(dir: string, ext: RegExp, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) files(p, ext, out);
    else if (ext.test(name)) out.push(p);
  }
  return out;
}
const stripComments = (css: string) => css.replace(/\/\*[\s\S]*?\*\//g, '');

test('no stylesheet has a literal color: each one is a custom property', () => {
  const literal = /#[0-9a-f]{3,8}\b|\b(rgba?|hsla?|hwb|lab|lch|oklab|oklch)\(|:\s*[^;{}]*\b(white|black|red|green|blue|gr[ae]y|silver|yellow|orange)\b/i;
  for (const f of files(SRC, /\.css$/)) {
    stripComments(readFileSync(f, 'utf8'))
      .split('\n')
      .forEach((line, i) => assert.doesNotMatch(line, literal, `${f.slice(SRC.length)}:${i + 1}`));
  }
});

test('every custom property a stylesheet reads is defined: by both palettes, the CSS or the components', () => {
  const css = files(SRC, /\.css$/).map((f) => stripComments(readFileSync(f, 'utf8')));
  const code = files(SRC, /\.tsx?$/).map((f) => readFileSync(f, 'utf8'));
  const defined = new Set<string>();
  for (const text of css) for (const m of text.matchAll(/(--[\w-]+)\s*:/g)) defined.add(m[1]);
  for (const text of code) for (const m of text.matchAll(/'(--[\w-]+)'/g)) defined.add(m[1]);
  const dark = cssVariables(PALETTES.dark);
  const light = cssVariables(PALETTES.light);
  const used = new Set(css.flatMap((text) => [...text.matchAll(/var\((--[\w-]+)/g)].map((m) => m[1])));
  assert.ok(used.size > 30, `${used.size} properties used`);
  for (const name of used) assert.ok(defined.has(name) || (name in dark && name in light), `${name} is not defined`);
  assert.deepEqual(Object.keys(light).sort(), Object.keys(dark).sort(), 'both themes define the same properties');
});

test('custom properties are the palette fields, kebab-cased', () => {
  const v = cssVariables(PALETTES.light);
  assert.equal(v['--panel'], '#ffffff');
  assert.equal(v['--row-line'], PALETTES.light.rowLine);
  assert.equal(v['--on-accent'], PALETTES.light.onAccent);
  assert.equal(v['--indicator'], undefined, 'nested colors are for canvases only');
});

/** WCAG 2 contrast ratio of two opaque #rrggbb colors. */
function contrast(a: string, b: string): number {
  const lum = (hex: string) => {
    const [r, g, bl] = [1, 3, 5].map((i) => {
      const c = parseInt(hex.slice(i, i + 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

test('both themes read well: text, prices and dim labels against their panels (WCAG AA)', () => {
  assert.equal(contrast('#ffffff', '#000000').toFixed(0), '21');
  for (const [name, p] of Object.entries(PALETTES)) {
    for (const bg of [p.panel, p.bg, p.selected, p.hover]) {
      assert.ok(contrast(p.text, bg) >= 7, `${name}: text on ${bg}`);
      for (const fg of [p.up, p.down, p.dim]) assert.ok(contrast(fg, bg) >= 4.5, `${name}: ${fg} on ${bg} is ${contrast(fg, bg).toFixed(2)}`);
    }
    // A pressed button's label: its fill carries the state too (WCAG's 3:1 for large text and controls).
    assert.ok(contrast(p.onAccent, p.accent) >= 3, `${name}: a pressed button's label`);
    assert.ok(contrast(p.accent, p.panel) >= 4.5, `${name}: the accent as text (the ATM strike)`);
    assert.ok(contrast(p.staleText, p.staleBg) >= 4.5, `${name}: the stale badge`);
    assert.ok(contrast(p.alertText, p.alertBg) >= 4.5, `${name}: the alert banner`);
    assert.ok(contrast(p.warnText, p.statusbar) >= 4.5, `${name}: a warning in the status bar`);
  }
  // Light is light: white panels, dark text.
  assert.ok(contrast(PALETTES.light.panel, '#000000') > 19);
});

test('the stored theme is read on load; a switch is stored, written on <html> and told to canvases', () => {
  assert.equal(useTheme.getState().theme, 'light');
  assert.equal(palette(), PALETTES.light);
  const set = new Map<string, string>();
  const root = { dataset: {} as Record<string, string>, style: { setProperty: (k: string, v: string) => void set.set(k, v) } };
  const uninstall = installTheme(root as unknown as HTMLElement);
  assert.equal(root.dataset.theme, 'light');
  assert.equal(set.get('--panel'), PALETTES.light.panel);
  const told: string[] = [];
  const off = onThemeChange((p) => told.push(p.panel));
  useTheme.getState().toggle();
  assert.equal(useTheme.getState().theme, 'dark');
  assert.equal(root.dataset.theme, 'dark');
  assert.equal(set.get('--panel'), PALETTES.dark.panel);
  assert.equal(set.get('--stale-bg'), PALETTES.dark.staleBg);
  assert.deepEqual(told, [PALETTES.dark.panel]);
  assert.deepEqual(JSON.parse(items.get('tickdesk.theme.v1')!).state, { theme: 'dark' });
  off();
  uninstall();
  useTheme.getState().toggle();
  assert.equal(root.dataset.theme, 'dark', 'uninstalled: no more writes');
  assert.deepEqual(told, [PALETTES.dark.panel]);
});

test('a damaged stored theme falls back to dark', async () => {
  items.set('tickdesk.theme.v1', JSON.stringify({ state: { theme: 'neon' }, version: 0 }));
  useTheme.setState({ theme: 'dark' });
  await useTheme.persist.rehydrate();
  assert.equal(useTheme.getState().theme, 'dark');
  useTheme.getState().setTheme('sepia' as never);
  assert.equal(useTheme.getState().theme, 'dark');
  items.set('tickdesk.theme.v1', JSON.stringify({ state: { theme: 'light' }, version: 0 }));
  await useTheme.persist.rehydrate();
  assert.equal(useTheme.getState().theme, 'light');
});
