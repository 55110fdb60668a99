// Time and sales for the watched instrument, newest first: one canvas, redrawn on
// requestAnimationFrame only when trades arrived (no DOM rows, no layout per trade).
import { useEffect, useRef } from 'react';
import { decimalsFor, grouped, istTime, qtyFull } from '../../format';
import { cancelFrameTask, onNextFrame } from '../../frame';
import { useApp } from '../../store/app';
import { live } from '../../store/live';
import { onThemeChange, palette } from '../../theme';
import { observeCanvasSize, rowHeight } from '../depth/canvas-size';
import { StaleBadge } from '../status/StaleBadge';

export function Tape() {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const tickSize = useApp((s) => (s.selectedId !== null ? s.instruments[s.selectedId]?.tickSize : undefined));
  useEffect(() => {
    const canvas = canvasRef.current!;
    const ctx = canvas.getContext('2d')!;
    const decimals = decimalsFor(tickSize ?? 0.05);
    let drawn = -1;
    let row = rowHeight();
    const invalidate = () => onNextFrame('tape', draw);
    const size = observeCanvasSize(canvas, () => {
      drawn = -1;
      row = rowHeight();
      invalidate();
    });
    const off = live.onTape(invalidate);
    const offTheme = onThemeChange(() => {
      drawn = -1;
      invalidate();
    });
    const draw = () => {
      if (drawn === live.tapeVersion || size.width === 0) return;
      drawn = live.tapeVersion;
      const { width: w, height: h, dpr } = size;
      const p = palette();
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.fillStyle = p.panel;
      ctx.fillRect(0, 0, w, h);
      ctx.font = `${Math.round(row * 0.62)}px ui-monospace, monospace`;
      ctx.textBaseline = 'middle';
      const rows = Math.min(live.tape.length, Math.ceil(h / row));
      for (let i = 0; i < rows; i++) {
        const t = live.tape[i];
        const prev = live.tape[i + 1];
        const y = i * row + row / 2;
        ctx.fillStyle = prev && t.ltp > prev.ltp ? p.up : prev && t.ltp < prev.ltp ? p.down : p.text;
        ctx.textAlign = 'left';
        ctx.fillText(istTime(t.ts).slice(0, 8), 6, y);
        ctx.textAlign = 'right';
        ctx.fillText(grouped(t.ltp, decimals), w * 0.68, y);
        ctx.fillText(t.volDelta ?? t.ltq ? qtyFull(t.volDelta ?? t.ltq) : '', w - 8, y);
      }
      canvas.dataset.rows = String(live.tape.length);
      canvas.dataset.last = live.tape[0] ? String(live.tape[0].ltp) : '';
    };
    invalidate();
    return () => {
      cancelFrameTask('tape');
      off();
      offTheme();
      size.disconnect();
    };
  }, [tickSize]);
  return (
    <section className="panel tape">
      <header>
        <span className="title">Time &amp; sales</span>
        <span className="dim tape-cols">time (IST) · price · qty</span>
      </header>
      <div className="canvas-box">
        <canvas ref={canvasRef} data-testid="tape" />
        <StaleBadge />
      </div>
    </section>
  );
}
