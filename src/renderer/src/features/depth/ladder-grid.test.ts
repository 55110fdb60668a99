/* eslint-disable no-restricted-imports -- a unit test: it runs under Node, not in the page */
// The ladder's bookkeeping without a browser: traded volume at price (dedup of a watch's trades
// against the live stream, the IST day change, the bound) and where the price grid sits.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fmtQty, GRID_MARGIN, placeGrid, type LadderFrame, type LadderView } from './ladder-draw';
import { MAX_PRICES, VolumeAtPrice } from './volume-at-price';

const T0 = Date.UTC(2026, 11, 1, 4, 0, 0); // 09:30 IST

test('volume at price: live trades add up by tick; the last trade is the newest', () => {
  const v = new VolumeAtPrice();
  v.select(7, 0.05);
  v.add([
    { ts: T0, ltp: 100.05, volDelta: 10 },
    { ts: T0 + 1, ltp: 100.1, volDelta: 5 },
    { ts: T0 + 2, ltp: 100.05, ltq: 3 },
    { ts: T0 + 3, ltp: 0, volDelta: 1 }, // malformed: counted and skipped
  ]);
  assert.equal(v.at(2001), 13);
  assert.equal(v.at(2002), 5);
  assert.equal(v.total, 18);
  assert.equal(v.maxVolume, 13);
  assert.equal(v.lastPrice, 100.05);
  assert.equal(v.lastTick, 2001);
  assert.equal(v.since, T0);
  assert.equal(v.skipped, 1);
});

test("volume at price: a watch's trades then the same trades live count once; a re-watch adds nothing twice", () => {
  const v = new VolumeAtPrice();
  v.select(7, 0.05);
  const a = { ts: T0, ltp: 100, volDelta: 10 };
  const b = { ts: T0 + 5, ltp: 100.05, volDelta: 4 };
  v.seed([a, b]);
  v.add([{ ...b }, { ts: T0 + 5, ltp: 100.05, volDelta: 4 }, { ts: T0 + 9, ltp: 100.1, volDelta: 1 }]);
  // b once from the watch; the second identical trade is a new one; then the 100.10 trade.
  assert.equal(v.total, 10 + 4 + 4 + 1);
  v.seed([a, b, { ts: T0 + 9, ltp: 100.1, volDelta: 1 }, { ts: T0 + 12, ltp: 100, volDelta: 2 }]);
  assert.equal(v.total, 21);
  assert.equal(v.at(2000), 12);
  assert.equal(v.lastPrice, 100);
});

test('volume at price: a new instrument and the IST day change start afresh', () => {
  const v = new VolumeAtPrice();
  v.select(7, 0.05);
  v.add([{ ts: T0, ltp: 100, volDelta: 10 }]);
  v.select(7, 0.05);
  assert.equal(v.total, 10);
  v.select(8, 0.05);
  assert.equal(v.total, 0);
  assert.ok(Number.isNaN(v.lastPrice));
  v.add([{ ts: T0, ltp: 100, volDelta: 10 }]);
  // 23:59:59 IST then 00:00:00 IST next day (18:30 UTC).
  const midnight = Date.UTC(2026, 11, 1, 18, 30, 0);
  v.add([{ ts: midnight - 1000, ltp: 101, volDelta: 1 }]);
  assert.equal(v.total, 11);
  v.add([{ ts: midnight, ltp: 102, volDelta: 2 }]);
  assert.equal(v.total, 2);
  assert.equal(v.at(2020), 0);
  v.rollDay(midnight + 86_400_000);
  assert.equal(v.total, 0);
});

test('volume at price: bounded, the prices farthest from the last trade go first', () => {
  const v = new VolumeAtPrice();
  v.select(1, 1);
  for (let i = 1; i <= MAX_PRICES + 1; i++) v.addLive({ ts: T0 + i, ltp: i, volDelta: 1 });
  assert.ok(v.byTick.size <= MAX_PRICES);
  assert.equal(v.at(MAX_PRICES + 1), 1);
  assert.equal(v.at(1), 0);
});

function view(anchor = NaN): LadderView {
  return { anchor, follow: true, rowHeight: 18, decimals: 2, tickSize: 0.05 };
}
const frame = (): LadderFrame => ({ gridTop: 0, gridBottom: 0, top: 0, bottom: 0, visible: 0 });

test('grid: centred on the touch; a short book stays whole on the canvas', () => {
  const v = view();
  const f = frame();
  // 5 levels a side, asks 1001..1005, bids 999..995 (ticks), 40 rows.
  placeGrid(v, 40, 1005, 995, 1001, 999, f);
  assert.equal(v.anchor, 1000);
  assert.equal(f.top, 1019);
  assert.equal(f.bottom, 980);
  assert.equal(f.gridTop, 1005 + GRID_MARGIN);
  assert.equal(f.gridBottom, 995 - GRID_MARGIN);
  // Scrolled far down: the book stays on the canvas.
  v.anchor = 500;
  placeGrid(v, 40, 1005, 995, 1001, 999, f);
  assert.ok(f.top >= f.gridTop && f.bottom <= f.gridBottom, JSON.stringify(f));
});

test('grid: a deep book bounds the scroll at the margin; a following grid re-centres at the edge', () => {
  const v = view();
  const f = frame();
  // 200 levels a side: asks 1001..1200, bids 999..800; 40 rows.
  placeGrid(v, 40, 1200, 800, 1001, 999, f);
  assert.equal(v.anchor, 1000);
  v.follow = false;
  v.anchor = 100;
  placeGrid(v, 40, 1200, 800, 1001, 999, f);
  assert.equal(f.bottom, 800 - GRID_MARGIN);
  v.anchor = 5000;
  placeGrid(v, 40, 1200, 800, 1001, 999, f);
  assert.equal(f.top, 1200 + GRID_MARGIN);
  // Static: the market moves inside the grid without moving it…
  v.anchor = 1000;
  v.follow = true;
  placeGrid(v, 40, 1210, 810, 1011, 1009, f);
  assert.equal(v.anchor, 1000);
  // …until the touch nears the edge.
  placeGrid(v, 40, 1218, 818, 1019, 1017, f);
  assert.equal(v.anchor, 1018);
});

test('quantities: Indian grouping in full, L and Cr beyond 9,99,999', () => {
  assert.equal(fmtQty(950), '950');
  assert.equal(fmtQty(123456), '1,23,456');
  assert.equal(fmtQty(999999), '9,99,999');
  assert.equal(fmtQty(1234567), '12.3L');
});
