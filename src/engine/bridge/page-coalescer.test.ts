// Per-page coalescing, frame by frame: ticks, books and progress in; exactly the events one frame
// sends out.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DepthUpdate, Quote } from '../../shared/api';
import type { Tick } from '../../shared/model';
import { toQuote } from '../api/convert';
import { PageCoalescer } from './page-coalescer';

const T0 = Date.UTC(2026, 0, 5, 4, 0, 0); // 09:30 IST, a minute boundary

function tick(instrumentId: number, sec: number, ltp: number, more: Partial<Tick> = {}): Tick {
  return { instrumentId, tsExchange: T0 + sec * 1000, tsReceived: T0 + sec * 1000, ltp, volDelta: 10, ...more };
}

function feed(page: PageCoalescer, t: Tick): void {
  page.onTick(t, toQuote(t));
}

/** One level a side: bid 99.5 × 40 (2 orders), ask 100.5 × 60 (3 orders). */
const depth5 = Float64Array.from([99.5, 0, 0, 0, 0, 40, 0, 0, 0, 0, 2, 0, 0, 0, 0, 100.5, 0, 0, 0, 0, 60, 0, 0, 0, 0, 3, 0, 0, 0, 0]);

test('quotes: the latest per subscribed instrument, once a frame; an unsubscribed one is dropped, pending or not', () => {
  const page = new PageCoalescer();
  page.subscribe([1, 2]);
  feed(page, tick(1, 0, 100));
  feed(page, tick(2, 0, 200));
  feed(page, tick(1, 1, 101, { close: 100 }));
  feed(page, tick(3, 1, 300)); // not subscribed
  const q1: Quote = { instrumentId: 1, ts: T0 + 1000, ltp: 101, close: 100, changePct: 1 };
  assert.deepEqual(page.drain(), [{ event: 'quotes', data: [q1, { instrumentId: 2, ts: T0, ltp: 200 }] }]);
  assert.deepEqual(page.drain(), [], 'nothing new, nothing sent');
  feed(page, tick(1, 2, 102));
  feed(page, tick(2, 2, 202));
  page.unsubscribe([1]);
  feed(page, tick(1, 3, 103));
  assert.deepEqual(page.drain(), [{ event: 'quotes', data: [{ instrumentId: 2, ts: T0 + 2000, ltp: 202 }] }]);
});

test('quotes of 600 instruments in one frame go as events of 250, 250 and 100', () => {
  const page = new PageCoalescer();
  const ids = Array.from({ length: 600 }, (_, i) => i + 1);
  page.subscribe(ids);
  for (const id of ids) feed(page, tick(id, 0, id));
  const events = page.drain();
  assert.deepEqual(
    events.map((e) => [e.event, (e.data as Quote[]).length]),
    [
      ['quotes', 250],
      ['quotes', 250],
      ['quotes', 100],
    ],
  );
  assert.deepEqual(events.flatMap((e) => (e.data as Quote[]).map((q) => q.instrumentId)), ids);
});

test('watch: bars continue the last bar, one copy of each changed bar a frame, the closed one final; tape lists trades only', () => {
  const page = new PageCoalescer();
  page.watch({ instrumentId: 7, interval: '1m', lastBar: { t: T0 / 1000, o: 100, h: 100, l: 100, c: 100, v: 5 }, fullDepth: false });
  feed(page, tick(7, 10, 102));
  feed(page, tick(7, 20, 99, { volDelta: 0 })); // the book moved: a bar update, no trade
  feed(page, tick(8, 21, 500)); // another instrument: not this page's
  assert.deepEqual(page.drain(), [
    { event: 'candles', data: { instrumentId: 7, interval: '1m', bars: [{ t: T0 / 1000, o: 100, h: 102, l: 99, c: 99, v: 15 }] } },
    { event: 'tape', data: { instrumentId: 7, trades: [{ ts: T0 + 10_000, ltp: 102, volDelta: 10 }] } },
  ]);
  feed(page, tick(7, 30, 101, { ltq: 5 }));
  feed(page, tick(7, 61, 103));
  feed(page, tick(7, 62, 104));
  assert.deepEqual(page.drain(), [
    {
      event: 'candles',
      data: {
        instrumentId: 7,
        interval: '1m',
        bars: [
          { t: T0 / 1000, o: 100, h: 102, l: 99, c: 101, v: 25 },
          { t: T0 / 1000 + 60, o: 103, h: 104, l: 103, c: 104, v: 20 },
        ],
      },
    },
    {
      event: 'tape',
      data: {
        instrumentId: 7,
        trades: [
          { ts: T0 + 30_000, ltp: 101, ltq: 5, volDelta: 10 },
          { ts: T0 + 61_000, ltp: 103, volDelta: 10 },
          { ts: T0 + 62_000, ltp: 104, volDelta: 10 },
        ],
      },
    },
  ]);
  for (let i = 0; i < 250; i++) feed(page, tick(7, 70 + i / 10, 100 + i / 100));
  const tape = page.drain().find((e) => e.event === 'tape')!.data as { trades: Array<{ ts: number }> };
  assert.equal(tape.trades.length, 200, 'a frame carries the newest 200 trades');
  assert.equal(tape.trades[0].ts, T0 + 75_000);
  page.unwatch();
  feed(page, tick(7, 400, 100, { depth5 }));
  assert.deepEqual(page.drain(), [], 'unwatched: no bars, depth or tape');
});

test('depth: the latest 5-level book of a frame; a full-depth book takes precedence and from then on replaces tick depth', () => {
  const page = new PageCoalescer();
  page.watch({ instrumentId: 7, interval: '1m', lastBar: null, fullDepth: false });
  feed(page, tick(7, 1, 100, { depth5, volDelta: 0 }));
  feed(page, tick(7, 2, 100.5, { depth5, volDelta: 0 }));
  const fromTick: DepthUpdate = { instrumentId: 7, ts: T0 + 2000, levels: 5, book: Array.from(depth5) };
  assert.deepEqual(
    page.drain().filter((e) => e.event === 'depth'),
    [{ event: 'depth', data: fromTick }],
  );
  const full: DepthUpdate = { instrumentId: 7, ts: T0 + 3000, levels: 1, book: [99.5, 40, 2, 100.5, 60, 3] };
  let merges = 0;
  page.onBook(8, () => assert.fail('a book of an instrument the page does not watch is not merged for it'));
  page.onBook(7, () => (merges++, full));
  feed(page, tick(7, 4, 100, { depth5, volDelta: 0 }));
  assert.deepEqual(
    page.drain().filter((e) => e.event === 'depth'),
    [{ event: 'depth', data: full }],
  );
  assert.equal(merges, 1);
  feed(page, tick(7, 5, 100, { depth5, volDelta: 0 }));
  assert.deepEqual(
    page.drain().filter((e) => e.event === 'depth'),
    [],
    'an instrument with a full-depth feed: its ticks’ 5 levels are not sent',
  );
});

test('watching another instrument drops what was pending for the first; progress reaches every page, watching or not', () => {
  const page = new PageCoalescer();
  page.watch({ instrumentId: 7, interval: '1m', lastBar: null, fullDepth: false });
  feed(page, tick(7, 1, 100, { depth5 }));
  page.onProgress({ id: 1, task: 'backfill', label: 'NSE:INFY 1m', fraction: 0, detail: 'starting', done: false });
  page.watch({ instrumentId: 9, interval: '5m', lastBar: null, fullDepth: true });
  feed(page, tick(9, 2, 50, { depth5 }));
  assert.deepEqual(page.drain(), [
    { event: 'candles', data: { instrumentId: 9, interval: '5m', bars: [{ t: T0 / 1000, o: 50, h: 50, l: 50, c: 50, v: 10 }] } },
    { event: 'progress', data: { id: 1, task: 'backfill', label: 'NSE:INFY 1m', fraction: 0, detail: 'starting', done: false } },
    { event: 'tape', data: { instrumentId: 9, trades: [{ ts: T0 + 2000, ltp: 50, volDelta: 10 }] } },
  ]);
  const idle = new PageCoalescer();
  idle.onProgress({ id: 2, task: 'instruments', label: 'kite instruments', fraction: 1, detail: '10 rows', done: true });
  assert.deepEqual(idle.drain(), [{ event: 'progress', data: { id: 2, task: 'instruments', label: 'kite instruments', fraction: 1, detail: '10 rows', done: true } }]);
});

test('charts: each stream its own bars at its own interval beside the watch, seeded from its history; a new set drops the old', () => {
  const page = new PageCoalescer();
  page.watch({ instrumentId: 7, interval: '1m', lastBar: null, fullDepth: false });
  page.charts([
    { instrumentId: 7, interval: '5m', lastBar: { t: T0 / 1000, o: 90, h: 95, l: 89, c: 94, v: 100 } },
    { instrumentId: 8, interval: '15m', lastBar: null },
  ]);
  feed(page, tick(7, 10, 96));
  feed(page, tick(8, 11, 500));
  feed(page, tick(7, 70, 97)); // a new minute, the same five minutes
  feed(page, tick(9, 71, 1)); // no stream of this page
  const candles = page.drain().filter((e) => e.event === 'candles');
  assert.deepEqual(candles, [
    {
      event: 'candles',
      data: {
        instrumentId: 7,
        interval: '1m',
        bars: [
          { t: T0 / 1000, o: 96, h: 96, l: 96, c: 96, v: 10 },
          { t: T0 / 1000 + 60, o: 97, h: 97, l: 97, c: 97, v: 10 },
        ],
      },
    },
    { event: 'candles', data: { instrumentId: 7, interval: '5m', bars: [{ t: T0 / 1000, o: 90, h: 97, l: 89, c: 97, v: 120 }] } },
    { event: 'candles', data: { instrumentId: 8, interval: '15m', bars: [{ t: T0 / 1000, o: 500, h: 500, l: 500, c: 500, v: 10 }] } },
  ]);
  page.charts([{ instrumentId: 8, interval: '15m', lastBar: { t: T0 / 1000, o: 500, h: 500, l: 500, c: 500, v: 10 } }]);
  feed(page, tick(7, 301, 98)); // the next five minutes: the watch's only
  feed(page, tick(8, 302, 501));
  assert.deepEqual(
    page.drain().filter((e) => e.event === 'candles'),
    [
      {
        event: 'candles',
        data: {
          instrumentId: 7,
          interval: '1m',
          bars: [
            { t: T0 / 1000 + 60, o: 97, h: 97, l: 97, c: 97, v: 10 }, // closed: its final state
            { t: T0 / 1000 + 300, o: 98, h: 98, l: 98, c: 98, v: 10 },
          ],
        },
      },
      { event: 'candles', data: { instrumentId: 8, interval: '15m', bars: [{ t: T0 / 1000, o: 500, h: 501, l: 500, c: 501, v: 20 }] } },
    ],
    'the 5m stream is gone; the 15m one continues',
  );
  page.charts([]);
  page.unwatch();
  feed(page, tick(8, 303, 502));
  assert.deepEqual(page.drain(), [], 'no streams, no bars');
});
