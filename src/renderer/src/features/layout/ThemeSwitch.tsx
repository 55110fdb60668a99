// The status bar's theme button (dark ↔ light) and its key, Shift+T (listed by `?`: keymap.ts).
import { useEffect } from 'react';
import { useTheme } from '../../theme';

/** True while the user types in a field: letters are theirs then, not the workstation's. */
const typing = (el: EventTarget | null) => el instanceof Element && !!el.closest('input, textarea, select, [contenteditable="true"]');

export function ThemeSwitch() {
  const theme = useTheme((s) => s.theme);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.isComposing || e.key !== 'T' || !e.shiftKey || e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
      e.preventDefault();
      useTheme.getState().toggle();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  const next = theme === 'dark' ? 'light' : 'dark';
  return (
    <button className="theme-switch" data-testid="theme-toggle" data-theme={theme} title={`Switch to the ${next} theme (Shift+T)`} aria-label={`${next} theme`} onClick={() => useTheme.getState().toggle()}>
      {theme === 'dark' ? '☀ Light' : '☾ Dark'}
    </button>
  );
}
