// Depth ladder: one canvas redrawn on requestAnimationFrame from the live book (outside React), on
// a static price grid at the instrument's tick size, with the last trade marked and the session's
// traded volume at price: loaded from the journal through the engine on every watch (an instrument
// opened, the engine reconnected) and continued from the tape's trades (volume-at-price.ts). Under
// its header, where the broker offers full depth, the switch that picks the book's levels.
import { useEffect, useRef } from 'react';
import { bridge } from '../../engine-link';
import { setText } from '../../dom-text';
import { decimalsFor, grouped, istClock } from '../../format';
import { cancelFrameTask, onNextFrame } from '../../frame';
import { useApp } from '../../store/app';
import { live } from '../../store/live';
import type { Trade } from '../../../../shared/api';
import { StaleBadge } from '../status/StaleBadge';
import { DepthSwitch } from './DepthSwitch';
import { onThemeChange } from '../../theme';
import { observeCanvasSize, rowHeight } from './canvas-size';
import { drawLadder, sideDepth, summarize, type LadderFrame, type LadderView } from './ladder-draw';
import { VolumeAtPrice } from './volume-at-price';

/** Rows one wheel notch (100 px) scrolls. */
const WHEEL_ROWS = 3;
/** Trades alone redraw the ladder at most this often (the book's own updates redraw it at once). */
const TRADE_REDRAW_MS = 100;

function selectedTickSize(): [number | null, number] {
  const s = useApp.getState();
  const ins = s.selectedId !== null ? s.instruments[s.selectedId] : undefined;
  return [s.selectedId, ins?.tickSize ?? 0.05];
}

export function Ladder() {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const headerRef = useRef<HTMLDivElement>(null);
  const view = useRef<LadderView>({ anchor: NaN, follow: true, rowHeight: rowHeight(), decimals: 2, tickSize: 0.05 });
  const recentre = useRef(() => {});

  useEffect(() => {
    const canvas = canvasRef.current!;
    const ctx = canvas.getContext('2d')!;
    const vap = new VolumeAtPrice();
    const shown: LadderFrame = { gridTop: 0, gridBottom: 0, top: 0, bottom: 0, visible: 0 };
    let dirty = true;
    let text = '';
    let drawnAt = 0;
    let drawnVersion = -1;
    let tradeTimer: ReturnType<typeof setTimeout> | undefined;
    // Frames are requested only when something changed: an idle ladder costs nothing.
    const invalidate = () => {
      dirty = true;
      onNextFrame('ladder', frame);
    };
    const size = observeCanvasSize(canvas, () => {
      view.current.rowHeight = rowHeight();
      invalidate();
    });
    // The data-* attributes (read by the e2e tests), written only when they change; a number is
    // compared before it is formatted, so a steady frame allocates no strings for them.
    const written: Record<string, number> = {};
    const setData = (k: string, v: number, format?: (v: number) => string) => {
      if (written[k] === v || (Number.isNaN(v) && Number.isNaN(written[k]))) return;
      written[k] = v;
      if (Number.isNaN(v)) delete canvas.dataset[k];
      else canvas.dataset[k] = format ? format(v) : String(v);
    };
    let since = NaN;
    let sinceText = '';
    const sinceLabel = () => {
      if (vap.since !== since) sinceText = ` · vol since ${istClock((since = vap.since)).slice(0, 5)}`;
      return sinceText;
    };
    const fixed = (v: number) => v.toFixed(view.current.decimals);
    const select = () => {
      const [id, tick] = selectedTickSize();
      const v = view.current;
      if (id !== vap.instrumentId || tick !== v.tickSize) {
        v.tickSize = tick;
        v.decimals = decimalsFor(tick);
        v.anchor = NaN;
        v.follow = true;
        vap.select(id, tick);
        invalidate();
      }
    };
    // The session's volume at price from the journal; the trades that come meanwhile are replayed
    // over it (the seam is the day's cumulative volume). Only the latest request's answer is taken.
    let loadSeq = 0;
    const loadSession = () => {
      const c = bridge();
      const id = vap.instrumentId;
      if (!c || c.closed || id === null) return;
      const seq = ++loadSeq;
      vap.beginLoad();
      c.request('volumeAtPrice', { instrumentId: id })
        .then((r) => {
          if (seq === loadSeq && vap.load(r)) invalidate();
        })
        .catch(() => undefined); // an engine without the method: the tape's trades alone
    };
    const frame = () => {
      if (!dirty || size.width === 0) return;
      dirty = false;
      drawnAt = performance.now();
      drawnVersion = vap.version;
      select();
      if (vap.rollDay(Date.now())) loadSession();
      ctx.setTransform(size.dpr, 0, 0, size.dpr, 0, 0);
      const d = live.depth;
      const sameInstrument = d !== null && d.instrumentId === vap.instrumentId;
      const drawn = drawLadder(ctx, size.width, size.height, d?.book ?? null, d?.levels ?? 0, view.current, sameInstrument ? vap : null, shown);
      if (!d) {
        // An instrument without depth (an index): no numbers left over from the previous one.
        if (text && headerRef.current) setText(headerRef.current, (text = ''));
        for (const k of Object.keys(written)) setData(k, NaN);
        return;
      }
      const s = summarize(d.book, d.levels);
      const dec = view.current.decimals;
      const tick = view.current.tickSize;
      setData('bestBid', s.bestBid);
      setData('bestAsk', s.bestAsk);
      setData('levels', s.levels);
      setData('ts', d.ts);
      setData('tick', tick);
      const nb = sideDepth(d.book, d.levels, 0);
      const na = sideDepth(d.book, d.levels, 1);
      setData('deepBid', nb ? d.book[nb - 1] : NaN);
      setData('deepAsk', na ? d.book[3 * d.levels + na - 1] : NaN);
      setData('top', drawn ? shown.top * tick : NaN, fixed);
      setData('bottom', drawn ? shown.bottom * tick : NaN, fixed);
      setData('gridTop', drawn ? shown.gridTop * tick : NaN, fixed);
      setData('gridBottom', drawn ? shown.gridBottom * tick : NaN, fixed);
      setData('last', sameInstrument && vap.lastPrice > 0 ? vap.lastPrice : NaN);
      setData('vapTotal', sameInstrument ? vap.total : NaN);
      setData('vapLastTs', sameInstrument && vap.lastTs > 0 ? vap.lastTs : NaN);
      setData('vapSince', sameInstrument && vap.since > 0 ? vap.since : NaN);
      // The session loaded from the journal (its opening moment) and the day's volume counted up to.
      setData('vapFrom', sameInstrument && vap.loaded ? vap.from : NaN);
      setData('vapCum', sameInstrument && Number.isFinite(vap.counted) ? vap.counted : NaN);
      const next =
        `${s.levels} levels · spread ${Number.isFinite(s.spread) ? grouped(s.spread, dec) : '—'} · ` +
        `imbalance ${(s.imbalance * 100).toFixed(0)}%` +
        (sameInstrument && vap.since > 0 ? sinceLabel() : '');
      // Touch the DOM only when the text changes: each change costs a layout.
      if (next !== text && headerRef.current) setText(headerRef.current, (text = next));
    };

    // Trades from the tape: live.tape is newest first; a new array is a new watch (its recent
    // trades), otherwise the trades in front of the last one seen are new.
    let tape: Trade[] | null = null;
    let head: Trade | undefined;
    const onTape = () => {
      select();
      const t = live.tape;
      if (t !== tape) {
        // A new watch: its recent trades, and the session's from the journal.
        tape = t;
        loadSession();
        const oldestFirst: Trade[] = [];
        for (let i = t.length - 1; i >= 0; i--) oldestFirst.push(t[i]);
        vap.seed(oldestFirst);
      } else {
        let n = 0;
        while (n < t.length && t[n] !== head) n++;
        for (let i = n - 1; i >= 0; i--) vap.addLive(t[i]);
      }
      head = t[0];
      if (tradeTimer === undefined) tradeRedraw();
    };
    // A draw for trades alone waits until TRADE_REDRAW_MS after the last draw: while the book
    // updates (20/s), its draws carry the trades too and this one never comes.
    const tradeRedraw = () => {
      tradeTimer = undefined;
      if (vap.version === drawnVersion) return;
      const wait = TRADE_REDRAW_MS - (performance.now() - drawnAt);
      if (wait <= 0) invalidate();
      else tradeTimer = setTimeout(tradeRedraw, wait);
    };
    onTape();
    invalidate();
    const offDepth = live.onDepth(invalidate);
    const offTheme = onThemeChange(invalidate);
    const offTape = live.onTape(onTape);
    const offApp = useApp.subscribe((s, prev) => {
      if (s.selectedId !== prev.selectedId || s.instruments !== prev.instruments) select();
    });
    recentre.current = () => {
      view.current.anchor = NaN;
      view.current.follow = true;
      invalidate();
    };
    // A mouse notch (100 px) scrolls WHEEL_ROWS rows; a trackpad's small deltas add up to rows.
    let wheelPx = 0;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      if (Number.isNaN(view.current.anchor)) return;
      const perRow = 100 / WHEEL_ROWS;
      wheelPx += e.deltaMode === 1 ? e.deltaY * perRow : e.deltaMode === 2 ? e.deltaY * size.height : e.deltaY;
      const rows = Math.trunc(wheelPx / perRow);
      if (rows === 0) return;
      wheelPx -= rows * perRow;
      // Wheel down: lower prices. The next draw clamps the grid to the book.
      view.current.anchor -= rows;
      view.current.follow = false;
      invalidate();
    };
    canvas.addEventListener('wheel', onWheel, { passive: false });
    return () => {
      cancelFrameTask('ladder');
      clearTimeout(tradeTimer);
      size.disconnect();
      offDepth();
      offTheme();
      offTape();
      offApp();
      canvas.removeEventListener('wheel', onWheel);
    };
  }, []);

  return (
    <section className="panel ladder">
      <header>
        <span className="title">Depth</span>
        <span className="ladder-stats" ref={headerRef} data-testid="ladder-stats" />
        <button title="Centre on the touch (or double-click the ladder)" data-testid="ladder-center" onClick={() => recentre.current()}>
          centre
        </button>
      </header>
      <DepthSwitch />
      <div className="canvas-box">
        <canvas ref={canvasRef} data-testid="ladder" onDoubleClick={() => recentre.current()} />
        <StaleBadge />
      </div>
    </section>
  );
}
