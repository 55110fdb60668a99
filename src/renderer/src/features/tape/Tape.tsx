// Time and sales for the watched instrument, newest first; redrawn at most once per frame.
import { useEffect, useRef } from 'react';
import { decimalsFor, istTime } from '../../format';
import { useApp } from '../../store/app';
import { live } from '../../store/live';

const ROWS = 60;

export function Tape() {
  const body = useRef<HTMLTableSectionElement>(null);
  const tickSize = useApp((s) => (s.selectedId !== null ? s.instruments[s.selectedId]?.tickSize : undefined));
  useEffect(() => {
    const decimals = decimalsFor(tickSize ?? 0.05);
    let raf = 0;
    let drawn = -1;
    const draw = () => {
      raf = requestAnimationFrame(draw);
      if (drawn === live.tapeVersion || !body.current) return;
      drawn = live.tapeVersion;
      const rows = live.tape.slice(0, ROWS);
      let html = '';
      for (let i = 0; i < rows.length; i++) {
        const t = rows[i];
        const prev = rows[i + 1];
        const dir = prev ? (t.ltp > prev.ltp ? 'up' : t.ltp < prev.ltp ? 'down' : '') : '';
        html += `<tr class="${dir}"><td>${istTime(t.ts).slice(0, 8)}</td><td class="num">${t.ltp.toFixed(decimals)}</td><td class="num">${t.volDelta ?? t.ltq ?? ''}</td></tr>`;
      }
      body.current.innerHTML = html;
    };
    raf = requestAnimationFrame(draw);
    return () => cancelAnimationFrame(raf);
  }, [tickSize]);
  return (
    <section className="panel tape">
      <header>
        <span className="title">Time &amp; sales</span>
      </header>
      <table>
        <thead>
          <tr>
            <th>Time (IST)</th>
            <th className="num">Price</th>
            <th className="num">Qty</th>
          </tr>
        </thead>
        <tbody ref={body} data-testid="tape" />
      </table>
    </section>
  );
}
