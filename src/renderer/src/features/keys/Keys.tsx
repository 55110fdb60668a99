// The workstation's keyboard: one window-level handler (the map is keymap.ts) and the `?` list.
// Keys act unless the user is typing in a field; Ctrl+K and Esc work from fields too.
import { useEffect, useRef } from 'react';
import { useApp } from '../../store/app';
import { CHART_INTERVALS } from '../chart/Chart';
import { KEY_LIST, stepInterval, TYPING_MS, typeInterval } from './keymap';

/** Focuses the instrument search box (and selects what is in it). */
export function focusSearch(): void {
  const input = document.querySelector<HTMLInputElement>('[data-testid=search-input]');
  input?.focus();
  input?.select();
}

const typingIn = (el: EventTarget | null) =>
  el instanceof HTMLElement && (el.isContentEditable || el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT');

export function Keys() {
  const open = useApp((s) => s.overlays.includes('keys'));
  const close = useApp((s) => s.close);
  const typed = useRef({ buffer: '', timer: 0 });

  useEffect(() => {
    const app = useApp.getState;
    const flushTyped = () => {
      clearTimeout(typed.current.timer);
      typed.current.buffer = '';
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.isComposing) return;
      const s = app();
      if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        focusSearch();
        return;
      }
      if (e.key === 'Escape') {
        // One Esc closes one thing, the topmost: overlays with their own Esc listener (registered
        // after this one) do not hear it.
        if (s.closeTop()) {
          e.preventDefault();
          e.stopImmediatePropagation();
        } else if (typingIn(e.target) || document.activeElement !== document.body) (document.activeElement as HTMLElement | null)?.blur?.();
        return;
      }
      if (typingIn(e.target) || e.ctrlKey || e.metaKey || e.altKey) return;
      const inWatchlist = e.target instanceof Element && !!e.target.closest('[data-testid=watchlist]');
      switch (e.key) {
        case '/':
          e.preventDefault();
          focusSearch();
          return;
        case '?':
          e.preventDefault();
          s.toggle('keys');
          return;
        case 'ArrowUp':
        case 'ArrowDown':
          // The focused chart pans with ←/→ only; ↑/↓ are the watchlist's everywhere.
          e.preventDefault();
          s.moveSelection(e.key === 'ArrowUp' ? -1 : 1);
          return;
        case 'PageUp':
        case 'PageDown':
          if (!inWatchlist && e.target !== document.body) return;
          e.preventDefault();
          s.moveSelection(e.key === 'PageUp' ? -10 : 10);
          return;
        case 'Enter':
          if (!inWatchlist && e.target !== document.body) return; // a focused button clicks
          e.preventDefault();
          document.querySelector<HTMLElement>('[data-testid=chart-focus]')?.focus();
          return;
        case 'Delete':
          if (s.selectedId === null) return;
          e.preventDefault();
          s.removeFromWatchlist(s.selectedId);
          return;
        case '[':
        case ']':
          e.preventDefault();
          s.setInterval(stepInterval(CHART_INTERVALS, s.interval, e.key === '[' ? -1 : 1));
          return;
        case 'c':
        case 'C':
          e.preventDefault();
          s.toggle('chain');
          return;
      }
      const t = typeInterval(typed.current.buffer, e.key);
      if (t.kind === 'none') return flushTyped();
      e.preventDefault();
      clearTimeout(typed.current.timer);
      if (t.kind === 'apply') {
        typed.current.buffer = '';
        s.setInterval(t.interval);
        return;
      }
      typed.current.buffer = t.buffer;
      typed.current.timer = window.setTimeout(() => {
        typed.current.buffer = '';
        if (t.interval) app().setInterval(t.interval);
      }, TYPING_MS);
    };
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('keydown', onKey);
      flushTyped();
    };
  }, []);

  if (!open) return null;
  return (
    <div className="keys-help" role="dialog" aria-label="Keyboard" data-testid="keys-help">
      <header>
        <span className="title">Keys</span>
        <button className="close" title="Close (Esc)" onClick={() => close('keys')} autoFocus>
          ×
        </button>
      </header>
      <table>
        <tbody>
          {KEY_LIST.map(([k, what]) => (
            <tr key={k}>
              <td className="key">
                <kbd>{k}</kbd>
              </td>
              <td>{what}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
