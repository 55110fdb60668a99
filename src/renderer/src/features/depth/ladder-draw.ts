// Draws a depth ladder from a DepthBook-layout array onto a canvas. Pure drawing: no React.
import { grouped, qty } from '../../format';

export interface LadderView {
  /** Rows scrolled from the centred position (positive = towards deeper asks). */
  offset: number;
  rowHeight: number;
  decimals: number;
}

export interface LadderSummary {
  levels: number;
  bestBid: number;
  bestAsk: number;
  spread: number;
  imbalance: number;
  rows: number;
}

const BG = '#0b0e11';
const GRID = '#141a22';
const TEXT = '#c9d1d9';
const DIM = '#6e7681';
const BID = '#26a69a';
const ASK = '#ef5350';
const BID_BAR = 'rgba(38,166,154,0.22)';
const ASK_BAR = 'rgba(239,83,80,0.22)';

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

/** Book quantities: in full up to 9,999 (a trader reads lots), then K / L / Cr. */
function fmtQty(v: number): string {
  return v < 1e4 ? grouped(v, 0) : qty(v);
}

export function drawLadder(ctx: CanvasRenderingContext2D, width: number, height: number, book: ArrayLike<number> | null, levels: number, view: LadderView): void {
  ctx.fillStyle = BG;
  ctx.fillRect(0, 0, width, height);
  if (!book || levels === 0) {
    ctx.fillStyle = DIM;
    ctx.font = '12px ui-monospace, monospace';
    ctx.fillText('no depth yet', 12, 24);
    return;
  }
  const rh = view.rowHeight;
  const nb = sideDepth(book, levels, 0);
  const na = sideDepth(book, levels, 1);
  // Cumulative quantities from the touch outwards, for the depth bars.
  let cum = 0;
  const cumBid = new Float64Array(nb);
  for (let i = 0; i < nb; i++) cumBid[i] = cum += book[levels + i];
  cum = 0;
  const cumAsk = new Float64Array(na);
  for (let i = 0; i < na; i++) cumAsk[i] = cum += book[4 * levels + i];
  const maxCum = Math.max(nb ? cumBid[nb - 1] : 0, na ? cumAsk[na - 1] : 0, 1);

  // Row r (0 = top): asks deepest→best, then bids best→deepest. The touch sits mid-canvas.
  const visible = Math.ceil(height / rh) + 1;
  const firstRow = Math.round(na - visible / 2 - view.offset);
  // Columns: bid orders | bid qty | price | ask qty | ask orders. Depth bars grow outwards from
  // the price band, so they never sit under the prices.
  const band = Math.min(90, width * 0.28);
  const half = (width - band) / 2;
  const col = { orders: half * 0.3, qty: half - 6, price: width / 2 };
  ctx.font = `${Math.round(rh * 0.62)}px ui-monospace, monospace`;
  ctx.textBaseline = 'middle';
  for (let k = 0; k < visible; k++) {
    const r = firstRow + k;
    const y = k * rh;
    if (r < 0 || r >= na + nb) continue;
    const isAsk = r < na;
    const i = isAsk ? na - 1 - r : r - na; // level index from the touch
    const px = isAsk ? book[3 * levels + i] : book[i];
    const q = isAsk ? book[4 * levels + i] : book[levels + i];
    const orders = isAsk ? book[5 * levels + i] : book[2 * levels + i];
    const bar = ((isAsk ? cumAsk[i] : cumBid[i]) / maxCum) * half;
    ctx.fillStyle = isAsk ? ASK_BAR : BID_BAR;
    if (isAsk) ctx.fillRect(half + band, y + 1, bar, rh - 2);
    else ctx.fillRect(half - bar, y + 1, bar, rh - 2);
    ctx.fillStyle = GRID;
    ctx.fillRect(0, y + rh - 1, width, 1);
    ctx.textAlign = 'right';
    ctx.fillStyle = DIM;
    ctx.fillText(grouped(orders, 0), isAsk ? width - 4 : col.orders, y + rh / 2);
    ctx.fillStyle = isAsk ? ASK : BID;
    ctx.textAlign = isAsk ? 'left' : 'right';
    ctx.fillText(fmtQty(q), isAsk ? half + band + 6 : col.qty, y + rh / 2);
    ctx.textAlign = 'center';
    ctx.fillStyle = i === 0 ? (isAsk ? ASK : BID) : TEXT;
    ctx.fillText(grouped(px, view.decimals), col.price, y + rh / 2);
  }
}
