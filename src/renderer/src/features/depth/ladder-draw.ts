// Draws a depth ladder from a DepthBook-layout array onto a canvas. Pure drawing: no React.
// A static price grid at the instrument's tick size: every price between the deepest bid and the
// deepest ask is a row (a price with no orders is an empty row), with the last trade marked and
// the session's traded volume at each price in its own column. The grid stays put while the market
// moves inside it (as on Bookmap / Sierra / ATAS) and re-centres when the touch nears an edge,
// unless the user scrolled away; scrolling stops a few rows beyond the book.
import { grouped, qty } from '../../format';
import { palette } from '../../theme';

export interface LadderView {
  /** Tick index (price / tick size) at the canvas's middle row; NaN: centre on the market. */
  anchor: number;
  /** True until the user scrolls: the grid re-centres when the touch nears an edge. */
  follow: boolean;
  rowHeight: number;
  decimals: number;
  tickSize: number;
}

/** Traded volume at price, as the ladder reads it (volume-at-price.ts). */
export interface LadderVolume {
  at(tick: number): number;
  maxVolume: number;
  lastTick: number;
}

export interface LadderSummary {
  levels: number;
  bestBid: number;
  bestAsk: number;
  spread: number;
  imbalance: number;
  rows: number;
}

/** What the last draw showed, in tick indices (for scroll bounds and the e2e data attributes). */
export interface LadderFrame {
  /** The grid: the deepest ask (or last trade) + margin down to the deepest bid (or last trade) − margin. */
  gridTop: number;
  gridBottom: number;
  /** The visible rows' top and bottom. */
  top: number;
  bottom: number;
  /** Rows the canvas shows. */
  visible: number;
}

/** Empty rows shown beyond the deepest level on each side. */
export const GRID_MARGIN = 5;
/** Rows from the canvas edge at which a following grid re-centres on the touch. */
const EDGE_ROWS = 2;


/** Non-empty levels per side (a level with price 0 and qty 0 is padding). */
export function sideDepth(book: ArrayLike<number>, levels: number, side: 0 | 1): number {
  const base = side * 3 * levels;
  let n = 0;
  while (n < levels && (book[base + n] !== 0 || book[base + levels + n] !== 0)) n++;
  return n;
}

export function summarize(book: ArrayLike<number>, levels: number): LadderSummary {
  const nb = sideDepth(book, levels, 0);
  const na = sideDepth(book, levels, 1);
  let bq = 0;
  let aq = 0;
  for (let i = 0; i < nb; i++) bq += book[levels + i];
  for (let i = 0; i < na; i++) aq += book[4 * levels + i];
  const bestBid = nb ? book[0] : NaN;
  const bestAsk = na ? book[3 * levels] : NaN;
  return { levels: Math.max(nb, na), bestBid, bestAsk, spread: bestAsk - bestBid, imbalance: bq + aq > 0 ? (bq - aq) / (bq + aq) : 0, rows: nb + na };
}

/** Book quantities with Indian grouping in full up to 9,99,999 (a trader reads lots), then L / Cr. */
export function fmtQty(v: number): string {
  return v < 1e6 ? grouped(v, 0) : qty(v);
}

/**
 * Where the grid sits: the anchor (middle row's tick) for this book and canvas, clamped so that
 * no more than GRID_MARGIN empty rows show beyond the book (a book shorter than the canvas stays
 * whole on it). Writes the result into `frame` and `view.anchor`.
 */
export function placeGrid(view: LadderView, visible: number, hiTick: number, loTick: number, touchHi: number, touchLo: number, frame: LadderFrame): void {
  const gridTop = hiTick + GRID_MARGIN;
  const gridBottom = loTick - GRID_MARGIN;
  const above = Math.floor((visible - 1) / 2); // rows above the middle one
  const below = visible - 1 - above;
  const centre = Math.round((touchHi + touchLo) / 2);
  let anchor = view.anchor;
  if (Number.isNaN(anchor)) anchor = centre;
  else if (view.follow && (touchHi > anchor + above - EDGE_ROWS || touchLo < anchor - below + EDGE_ROWS)) anchor = centre;
  // The book's grid taller than the canvas: the canvas stays inside it; shorter: it stays inside the canvas.
  const a = gridBottom + below;
  const b = gridTop - above;
  anchor = Math.min(Math.max(anchor, Math.min(a, b)), Math.max(a, b));
  view.anchor = anchor;
  frame.gridTop = gridTop;
  frame.gridBottom = gridBottom;
  frame.top = anchor + above;
  frame.bottom = anchor - below;
  frame.visible = visible;
}

// Reused between frames: cumulative quantities from the touch outwards (no allocation per frame).
let cumBid = new Float64Array(256);
let cumAsk = new Float64Array(256);
// Price labels by tick index, for the decimals they were made at (a grid repeats its prices).
const labels = new Map<number, string>();
let labelDecimals = -1;
let labelTick = 0;

function priceLabel(tick: number, view: LadderView): string {
  if (labelDecimals !== view.decimals || labelTick !== view.tickSize || labels.size > 4096) {
    labels.clear();
    labelDecimals = view.decimals;
    labelTick = view.tickSize;
  }
  let s = labels.get(tick);
  if (s === undefined) labels.set(tick, (s = grouped(tick * view.tickSize, view.decimals)));
  return s;
}

export function drawLadder(
  ctx: CanvasRenderingContext2D,
  width: number,
  height: number,
  book: ArrayLike<number> | null,
  levels: number,
  view: LadderView,
  volume: LadderVolume | null,
  frame: LadderFrame,
): boolean {
  // The theme's colors, read per frame (a lookup): a theme switch shows on the next draw.
  const p = palette();
  ctx.fillStyle = p.bg;
  ctx.fillRect(0, 0, width, height);
  const nb = book ? sideDepth(book, levels, 0) : 0;
  const na = book ? sideDepth(book, levels, 1) : 0;
  if (!book || nb + na === 0) {
    ctx.fillStyle = p.dim;
    ctx.font = '12px ui-monospace, monospace';
    ctx.textAlign = 'left';
    ctx.textBaseline = 'alphabetic';
    ctx.fillText('no depth yet', 12, 24);
    return false;
  }
  const tick = view.tickSize;
  const rh = view.rowHeight;
  if (cumBid.length < nb) cumBid = new Float64Array(nb);
  if (cumAsk.length < na) cumAsk = new Float64Array(na);
  let cum = 0;
  for (let i = 0; i < nb; i++) cumBid[i] = cum += book[levels + i];
  cum = 0;
  for (let i = 0; i < na; i++) cumAsk[i] = cum += book[4 * levels + i];
  const maxCum = Math.max(nb ? cumBid[nb - 1] : 0, na ? cumAsk[na - 1] : 0, 1);

  // The grid's extent in ticks: the book's deepest levels and the last trade.
  const bestBidT = nb ? Math.round(book[0] / tick) : NaN;
  const bestAskT = na ? Math.round(book[3 * levels] / tick) : NaN;
  const touchHi = na ? bestAskT : bestBidT;
  const touchLo = nb ? bestBidT : bestAskT;
  let hi = na ? Math.round(book[3 * levels + na - 1] / tick) : bestBidT;
  let lo = nb ? Math.round(book[nb - 1] / tick) : bestAskT;
  const lastT = volume ? volume.lastTick : NaN;
  if (lastT > hi) hi = lastT;
  if (lastT < lo) lo = lastT;
  // The first row captions the columns; the grid's rows follow.
  const visible = Math.max(1, Math.ceil((height - rh) / rh));
  placeGrid(view, visible, hi, lo, touchHi, touchLo, frame);

  // Columns: bid orders | bid qty | price | ask qty | ask orders | traded volume. Depth bars grow
  // outwards from the price band, so they never sit under the prices.
  const volW = Math.round(Math.min(84, width * 0.2));
  const lw = width - volW;
  const band = Math.min(90, lw * 0.3);
  const half = (lw - band) / 2;
  const colOrders = half * 0.3;
  const colQty = half - 6;
  const colPrice = lw / 2;
  const maxVol = volume && volume.maxVolume > 0 ? volume.maxVolume : 1;
  ctx.fillStyle = p.volCol;
  ctx.fillRect(lw, 0, volW, height);
  ctx.font = `${Math.round(rh * 0.62)}px ui-monospace, monospace`;
  ctx.textBaseline = 'middle';
  ctx.fillStyle = p.captionBg;
  ctx.fillRect(0, 0, width, rh);
  ctx.fillStyle = p.dim;
  ctx.textAlign = 'right';
  ctx.fillText('ord', colOrders, rh / 2);
  ctx.fillText('bid', colQty, rh / 2);
  ctx.fillText('ord', lw - 4, rh / 2);
  ctx.fillText('traded', width - 4, rh / 2);
  ctx.textAlign = 'left';
  ctx.fillText('ask', half + band + 6, rh / 2);
  ctx.textAlign = 'center';
  ctx.fillText('price', colPrice, rh / 2);

  // Row k shows tick `top - k`. Asks are indexed best (lowest) → deepest; bids best (highest) →
  // deepest: two pointers walk them as the rows descend.
  let ai = na - 1;
  let bi = 0;
  for (let k = 0; k < visible; k++) {
    const t = frame.top - k;
    const y = (k + 1) * rh;
    const ym = y + rh / 2;
    while (ai >= 0 && Math.round(book[3 * levels + ai] / tick) > t) ai--;
    while (bi < nb && Math.round(book[bi] / tick) > t) bi++;
    const ask = ai >= 0 && Math.round(book[3 * levels + ai] / tick) === t ? ai : -1;
    const bid = bi < nb && Math.round(book[bi] / tick) === t ? bi : -1;
    if (t < touchHi && t > touchLo) {
      ctx.fillStyle = p.spreadBg;
      ctx.fillRect(0, y, lw, rh);
    }
    if (t === lastT) {
      ctx.fillStyle = p.lastBg;
      ctx.fillRect(0, y, width, rh);
      ctx.fillStyle = p.last;
      ctx.fillRect(half, y + 1, 3, rh - 2);
      ctx.fillRect(half + band - 3, y + 1, 3, rh - 2);
    }
    ctx.fillStyle = p.grid;
    ctx.fillRect(0, y + rh - 1, width, 1);
    if (ask >= 0) {
      const bar = (cumAsk[ask] / maxCum) * half;
      ctx.fillStyle = p.askBar;
      ctx.fillRect(half + band, y + 1, bar, rh - 2);
      ctx.textAlign = 'right';
      ctx.fillStyle = p.dim;
      ctx.fillText(grouped(book[5 * levels + ask], 0), lw - 4, ym);
      ctx.fillStyle = p.down;
      ctx.textAlign = 'left';
      ctx.fillText(fmtQty(book[4 * levels + ask]), half + band + 6, ym);
    }
    if (bid >= 0) {
      const bar = (cumBid[bid] / maxCum) * half;
      ctx.fillStyle = p.bidBar;
      ctx.fillRect(half - bar, y + 1, bar, rh - 2);
      ctx.textAlign = 'right';
      ctx.fillStyle = p.dim;
      ctx.fillText(grouped(book[2 * levels + bid], 0), colOrders, ym);
      ctx.fillStyle = p.up;
      ctx.fillText(fmtQty(book[levels + bid]), colQty, ym);
    }
    ctx.textAlign = 'center';
    ctx.fillStyle = t === lastT ? p.last : ask === 0 ? p.down : bid === 0 ? p.up : ask >= 0 || bid >= 0 ? p.text : p.empty;
    ctx.fillText(priceLabel(t, view), colPrice, ym);
    const v = volume ? volume.at(t) : 0;
    if (v > 0) {
      ctx.fillStyle = p.volBar;
      ctx.fillRect(lw + 1, y + 1, (v / maxVol) * (volW - 2), rh - 2);
      ctx.fillStyle = t === lastT ? p.last : p.volText;
      ctx.textAlign = 'right';
      ctx.fillText(fmtQty(v), width - 4, ym);
    }
  }
  return true;
}
