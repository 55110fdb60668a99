// Depth ladder: one canvas redrawn on requestAnimationFrame from the live book (outside React).
import { useEffect, useRef } from 'react';
import { decimalsFor } from '../../format';
import { useApp } from '../../store/app';
import { live } from '../../store/live';
import { drawLadder, summarize } from './ladder-draw';

const ROW = 18;

export function Ladder() {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const headerRef = useRef<HTMLDivElement>(null);
  const view = useRef({ offset: 0, rowHeight: ROW, decimals: 2 });
  const tickSize = useApp((s) => (s.selectedId !== null ? s.instruments[s.selectedId]?.tickSize : undefined));

  useEffect(() => {
    view.current.decimals = decimalsFor(tickSize ?? 0.05);
  }, [tickSize]);

  useEffect(() => {
    const canvas = canvasRef.current!;
    const ctx = canvas.getContext('2d')!;
    let dirty = true;
    let raf = 0;
    const frame = () => {
      raf = requestAnimationFrame(frame);
      const dpr = window.devicePixelRatio || 1;
      const w = canvas.clientWidth;
      const h = canvas.clientHeight;
      if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
        canvas.width = Math.round(w * dpr);
        canvas.height = Math.round(h * dpr);
        dirty = true;
      }
      if (!dirty) return;
      dirty = false;
      const t0 = performance.now();
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      const d = live.depth;
      drawLadder(ctx, w, h, d?.book ?? null, d?.levels ?? 0, view.current);
      if (d) {
        const s = summarize(d.book, d.levels);
        canvas.dataset.bestBid = String(s.bestBid);
        canvas.dataset.bestAsk = String(s.bestAsk);
        canvas.dataset.levels = String(s.levels);
        canvas.dataset.ts = String(d.ts);
        if (headerRef.current) {
          headerRef.current.textContent =
            `${s.levels} levels · spread ${Number.isFinite(s.spread) ? s.spread.toFixed(view.current.decimals) : '—'} · ` +
            `imbalance ${(s.imbalance * 100).toFixed(0)}%`;
        }
      }
      const drawMs = performance.now() - t0;
      (window as unknown as { __ladderDrawMs?: number[] }).__ladderDrawMs?.push(drawMs);
    };
    raf = requestAnimationFrame(frame);
    const off = live.onDepth(() => (dirty = true));
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      view.current.offset += Math.sign(e.deltaY) * -3;
      dirty = true;
    };
    canvas.addEventListener('wheel', onWheel, { passive: false });
    return () => {
      cancelAnimationFrame(raf);
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
      <canvas ref={canvasRef} data-testid="ladder" onDoubleClick={() => ((view.current.offset = 0), live.setDepth(live.depth))} />
    </section>
  );
}
