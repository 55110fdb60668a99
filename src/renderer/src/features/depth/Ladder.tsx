// Depth ladder: one canvas redrawn on requestAnimationFrame from the live book (outside React).
import { useEffect, useRef } from 'react';
import { decimalsFor, grouped } from '../../format';
import { cancelFrameTask, onNextFrame } from '../../frame';
import { useApp } from '../../store/app';
import { live } from '../../store/live';
import { StaleBadge } from '../status/StaleBadge';
import { observeCanvasSize, rowHeight } from './canvas-size';
import { drawLadder, summarize } from './ladder-draw';

export function Ladder() {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const headerRef = useRef<HTMLDivElement>(null);
  const view = useRef({ offset: 0, rowHeight: rowHeight(), decimals: 2 });
  const tickSize = useApp((s) => (s.selectedId !== null ? s.instruments[s.selectedId]?.tickSize : undefined));

  useEffect(() => {
    view.current.decimals = decimalsFor(tickSize ?? 0.05);
  }, [tickSize]);

  useEffect(() => {
    const canvas = canvasRef.current!;
    const ctx = canvas.getContext('2d')!;
    let dirty = true;
    let shown = '';
    // Frames are requested only when something changed: an idle ladder costs nothing.
    const invalidate = () => {
      dirty = true;
      onNextFrame('ladder', frame);
    };
    const size = observeCanvasSize(canvas, () => {
      view.current.rowHeight = rowHeight();
      invalidate();
    });
    const frame = () => {
      if (!dirty || size.width === 0) return;
      dirty = false;
      ctx.setTransform(size.dpr, 0, 0, size.dpr, 0, 0);
      const d = live.depth;
      drawLadder(ctx, size.width, size.height, d?.book ?? null, d?.levels ?? 0, view.current);
      if (!d) {
        // An instrument without depth (an index): no numbers left over from the previous one.
        if (shown && headerRef.current) headerRef.current.textContent = shown = '';
        for (const k of ['bestBid', 'bestAsk', 'levels', 'ts']) delete canvas.dataset[k];
        return;
      }
      const s = summarize(d.book, d.levels);
      canvas.dataset.bestBid = String(s.bestBid);
      canvas.dataset.bestAsk = String(s.bestAsk);
      canvas.dataset.levels = String(s.levels);
      canvas.dataset.ts = String(d.ts);
      const text =
        `${s.levels} levels · spread ${Number.isFinite(s.spread) ? grouped(s.spread, view.current.decimals) : '—'} · ` +
        `imbalance ${(s.imbalance * 100).toFixed(0)}%`;
      // Touch the DOM only when the text changes: each change costs a layout.
      if (text !== shown && headerRef.current) headerRef.current.textContent = shown = text;
    };
    invalidate();
    const off = live.onDepth(invalidate);
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      view.current.offset += Math.sign(e.deltaY) * -3;
      invalidate();
    };
    canvas.addEventListener('wheel', onWheel, { passive: false });
    return () => {
      cancelFrameTask('ladder');
      size.disconnect();
      off();
      canvas.removeEventListener('wheel', onWheel);
    };
  }, []);

  return (
    <section className="panel ladder">
      <header>
        <span className="title">Depth</span>
        <span className="ladder-stats" ref={headerRef} data-testid="ladder-stats" />
        <button
          title="Centre on the touch"
          data-testid="ladder-center"
          onClick={() => {
            view.current.offset = 0;
            live.setDepth(live.depth);
          }}
        >
          centre
        </button>
      </header>
      <div className="canvas-box">
        <canvas ref={canvasRef} data-testid="ladder" onDoubleClick={() => ((view.current.offset = 0), live.setDepth(live.depth))} />
        <StaleBadge />
      </div>
    </section>
  );
}
