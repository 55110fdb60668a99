// Tracks a canvas's CSS size with a ResizeObserver (reading clientWidth every frame would force a
// layout) and keeps its backing store at device resolution.

export interface CanvasSize {
  width: number;
  height: number;
  dpr: number;
  disconnect(): void;
}

export function observeCanvasSize(canvas: HTMLCanvasElement, onResize: () => void): CanvasSize {
  const size: CanvasSize = { width: 0, height: 0, dpr: 1, disconnect: () => ro.disconnect() };
  const ro = new ResizeObserver(([entry]) => {
    size.width = entry.contentRect.width;
    size.height = entry.contentRect.height;
    size.dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round(size.width * size.dpr);
    canvas.height = Math.round(size.height * size.dpr);
    onResize();
  });
  ro.observe(canvas);
  return size;
}

/** A canvas row's height for the page's root font size (it grows on large screens). */
export function rowHeight(): number {
  const px = parseFloat(getComputedStyle(document.documentElement).fontSize) || 12;
  return Math.round(px * 1.5);
}
