// A drag handle between two panels: pointer drag (captured, so a fast drag never loses it), or
// focus it and use the arrow keys; double-click restores the default. Reports sizes in px.
import { useRef } from 'react';

export interface SplitterProps {
  /** 'col': a vertical bar resizing widths; 'row': a horizontal bar resizing heights. */
  axis: 'col' | 'row';
  /** The size when the drag starts. */
  start(): number;
  /** The new size for a drag of `delta` px (right/down positive) from the start. */
  resize(delta: number, start: number): void;
  reset(): void;
  label: string;
  testId: string;
}

const STEP = 16;

export function Splitter({ axis, start, resize, reset, label, testId }: SplitterProps) {
  const drag = useRef<{ from: number; size: number } | null>(null);
  const pos = (e: { clientX: number; clientY: number }) => (axis === 'col' ? e.clientX : e.clientY);
  return (
    <div
      className={`splitter ${axis}`}
      role="separator"
      aria-orientation={axis === 'col' ? 'vertical' : 'horizontal'}
      aria-label={label}
      title={`${label}: drag, or focus and use the arrow keys; double-click resets`}
      tabIndex={0}
      data-testid={testId}
      onPointerDown={(e) => {
        e.preventDefault();
        e.currentTarget.setPointerCapture(e.pointerId);
        drag.current = { from: pos(e), size: start() };
        document.body.classList.add(axis === 'col' ? 'resizing-col' : 'resizing-row');
      }}
      onPointerMove={(e) => drag.current && resize(pos(e) - drag.current.from, drag.current.size)}
      onPointerUp={(e) => {
        drag.current = null;
        e.currentTarget.releasePointerCapture(e.pointerId);
        document.body.classList.remove('resizing-col', 'resizing-row');
      }}
      onDoubleClick={reset}
      onKeyDown={(e) => {
        const back = axis === 'col' ? 'ArrowLeft' : 'ArrowUp';
        const fwd = axis === 'col' ? 'ArrowRight' : 'ArrowDown';
        if (e.key !== back && e.key !== fwd) return;
        e.preventDefault();
        e.stopPropagation(); // not the watchlist's ↑/↓
        resize(e.key === fwd ? STEP : -STEP, start());
      }}
    />
  );
}
