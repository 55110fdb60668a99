/* eslint-disable no-restricted-imports -- a unit test: it runs under Node, not in the page */
// A pane's indicator lines as one custom series: the rows each line draws for a view (its points in
// view and one beyond each edge where it has one, as the library's line series did), the autoscale
// values, and the canvas calls of a line (a path per colour run) and of a histogram (columns from
// the base, snapped to pixels).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Time } from 'lightweight-charts';
import { columns, drawHistogram, drawLine, IndicatorLinesView, rowsOf, type LinesRow, type Point } from './indicator-lines';

const row = (time: number, values: number[], colors?: Array<string | undefined>): LinesRow => ({ time: time as Time, values, ...(colors ? { colors } : {}) });
/** Bars as the library hands them to the view: x in px, time the time index, the row. */
const bars = (rows: LinesRow[]) => rows.map((r, i) => ({ x: 10 * i, time: i, originalData: r, barColor: '' }));

test("a line's rows for a view: its points in it, and one beyond each edge where it has points", () => {
  // Line 0 from row 0, line 1 (a slower average) from row 3.
  const b = bars([0, 1, 2, 3, 4, 5, 6, 7].map((t) => row(t, [t, t >= 3 ? t * 2 : NaN])));
  const out: number[] = [];
  assert.deepEqual(rowsOf(b, 0, 2, 5, out), [1, 2, 3, 4, 5], 'rows 2–4 in view, 1 and 5 beyond its edges');
  assert.deepEqual(rowsOf(b, 1, 2, 5, out), [3, 4, 5], 'no point before row 3: nothing beyond the left edge');
  assert.deepEqual(rowsOf(b, 0, 0, 8, out), [0, 1, 2, 3, 4, 5, 6, 7], 'all in view: nothing beyond');
  assert.deepEqual(rowsOf(b, 1, 0, 2, out), [], 'the line starts right of the view: not drawn');
  assert.deepEqual(rowsOf(b, 0, 8, 8, out), [], 'the view right of every bar: not drawn');
  assert.deepEqual(rowsOf(b, 0, 6, 8, out), [5, 6, 7]);
  // A gap in a line (no value for a bar) is bridged, as a series without that point did.
  const gap = bars([row(0, [1]), row(1, [NaN]), row(2, [3]), row(3, [4])]);
  assert.deepEqual(rowsOf(gap, 0, 1, 2, out), [0, 2], 'the gap alone in view: the points either side');
});

test('autoscale takes every value of a bar, and 0 with a histogram; a bar without values is whitespace', () => {
  const price = new IndicatorLinesView([{ color: 'a', width: 2 }, { color: 'b', width: 1 }], () => 0);
  assert.deepEqual(price.priceValueBuilder(row(0, [101.5, NaN])), [101.5]);
  assert.deepEqual(price.priceValueBuilder(row(0, [101.5, 99])), [101.5, 99]);
  const macd = new IndicatorLinesView([{ color: 'h', width: 1, histogram: true }, { color: 'm', width: 1 }], () => 0);
  assert.deepEqual(macd.priceValueBuilder(row(0, [2.5, 4])), [2.5, 0, 4]);
  assert.equal(price.isWhitespace(row(0, [NaN, NaN])), true);
  assert.equal(price.isWhitespace({ time: 0 as Time }), true);
  assert.equal(price.isWhitespace(row(0, [NaN, 3])), false);
  assert.equal(price.defaultOptions().lastValueVisible, false, 'no last-value label');
  assert.equal(price.defaultOptions().priceLineVisible, false, 'no price line');
});

/** A canvas context that writes down what is drawn. */
function recorder() {
  const calls: string[] = [];
  const ctx = {
    lineCap: '',
    lineJoin: '',
    lineWidth: 0,
    strokeStyle: '',
    fillStyle: '',
    setLineDash: (d: number[]) => calls.push(`dash ${d.join(',')}`),
    beginPath: () => calls.push('begin'),
    moveTo: (x: number, y: number) => calls.push(`move ${x},${y}`),
    lineTo: (x: number, y: number) => calls.push(`line ${x},${y}`),
    stroke: () => calls.push(`stroke ${ctx.strokeStyle} w${ctx.lineWidth} ${ctx.lineCap}/${ctx.lineJoin}`),
    fillRect: (x: number, y: number, w: number, h: number) => calls.push(`fill ${ctx.fillStyle} ${x},${y} ${w}×${h}`),
  };
  const scope = { context: ctx as unknown as CanvasRenderingContext2D, horizontalPixelRatio: 2, verticalPixelRatio: 2, mediaSize: { width: 0, height: 0 }, bitmapSize: { width: 0, height: 0 } };
  return { calls, scope };
}
const pt = (x: number, y: number, color = 'blue', time = x): Point => ({ x, y, color, time });

test('a line: one path at device pixels, butt caps and round joins, stroked once in its colour', () => {
  const { calls, scope } = recorder();
  drawLine(scope, [pt(1, 10), pt(2, 12), pt(3, 11)], 2, 6);
  assert.deepEqual(calls, ['dash ', 'begin', 'move 2,20', 'line 4,24', 'line 6,22', 'stroke blue w4 butt/round']);
});

test('a line changing colour (Supertrend turning): the segment into the new colour is drawn in the old one', () => {
  const { calls, scope } = recorder();
  drawLine(scope, [pt(1, 10, 'green'), pt(2, 12, 'green'), pt(3, 11, 'red'), pt(4, 9, 'red')], 1, 6);
  assert.deepEqual(calls, ['dash ', 'begin', 'move 2,20', 'line 4,24', 'line 6,22', 'stroke green w2 butt/round', 'begin', 'move 6,22', 'line 8,18', 'stroke red w2 butt/round']);
});

test('a line of one point: a level stub one bar wide', () => {
  const { calls, scope } = recorder();
  drawLine(scope, [pt(5, 10)], 1, 6);
  assert.deepEqual(calls, ['dash ', 'begin', 'move 4,20', 'line 16,20', 'stroke blue w2 butt/round']);
});

test('a histogram: columns from the base line to each value, a gap between them, snapped to whole device pixels', () => {
  const { calls, scope } = recorder();
  // Base at y 50 (media): a 2 px base line at 99–100 at 2× pixels; one bar up to 40, one down to 58.
  // Bars 6 px apart at 2×: 12 px, less a 2 px gap: 10 px columns around x 20 and 32.
  drawHistogram(scope, [pt(10, 40, 'gray', 0), pt(16, 58, 'gray', 1)], 6, 50);
  assert.deepEqual(calls, ['fill gray 15,80 10×21', 'fill gray 27,99 10×18']);
  assert.deepEqual(
    columns([pt(10, 0, '', 0), pt(16, 0, '', 1)], 6, 2).map((c) => [c.left, c.right]),
    [
      [15, 24],
      [27, 36],
    ],
  );
  const none = recorder();
  drawHistogram(none.scope, [pt(10, 40)], 6, null);
  assert.deepEqual(none.calls, [], 'no base (an empty scale): nothing');
});
