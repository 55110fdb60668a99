// The chart's history/live merge policy, without a database: candles in, candles out.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Candle } from '../../../shared/model';
import type { CandleInput } from '../../pipeline/candles';
import { mergeHistoryAndLive, type StoredCandle } from './history-merge';

const T0 = Date.parse('2026-11-20T10:00:00+05:30'); // a minute bucket start
const S = T0 / 1000;
const LATE = T0 + 3_600_000; // a fetch long after every bucket below ended

const bar = (t: number, o: number, h: number, l: number, c: number, v: number, oi?: number): Candle => (oi === undefined ? { t, o, h, l, c, v } : { t, o, h, l, c, v, oi });
const fetched = (c: Candle, fetchedAt: number): StoredCandle => ({ ...c, fetchedAt });
const noTicksAsked = (): Iterable<CandleInput> => {
  throw new Error('no bucket here is a seam');
};

test('no history: the candles built from ticks, as they are', () => {
  const live = [bar(S, 10, 11, 9, 10.5, 7), bar(S + 60, 10.5, 10.5, 10, 10, 3, 1200)];
  const got = mergeHistoryAndLive({ interval: '1m', history: [], live, recordingFrom: T0, gaps: [], ticksReceivedAfter: noTicksAsked });
  assert.deepEqual(got, [bar(S, 10, 11, 9, 10.5, 7), bar(S + 60, 10.5, 10.5, 10, 10, 3, 1200)]);
});

test('a bucket recorded whole comes from ticks; one recording began inside, or a gap touched, from history', () => {
  const history = [-60, 0, 60, 120].map((dt) => fetched(bar(S + dt, 300, 301, 299, 300.5, 999), LATE));
  const live = [-60, 0, 60, 120, 180].map((dt) => bar(S + dt, 200, 202, 198, 201, 10));
  const got = mergeHistoryAndLive({
    interval: '1m',
    history,
    live,
    recordingFrom: T0 - 30_000, // inside the first bucket
    // Inside S+60's bucket, and ending exactly where S+120's begins (which it therefore leaves whole).
    gaps: [{ startTs: T0 + 70_000, endTs: T0 + 120_000 }],
    ticksReceivedAfter: noTicksAsked,
  });
  assert.deepEqual(got, [
    bar(S - 60, 300, 301, 299, 300.5, 999),
    bar(S, 200, 202, 198, 201, 10),
    bar(S + 60, 300, 301, 299, 300.5, 999),
    bar(S + 120, 200, 202, 198, 201, 10),
    bar(S + 180, 200, 202, 198, 201, 10), // no history: ticks
  ]);
});

test('a gap still open hands every bucket from its start to history; buckets with no history stay live', () => {
  const history = [fetched(bar(S - 60, 1, 1, 1, 1, 1), LATE), fetched(bar(S, 2, 2, 2, 2, 2), LATE)];
  const live = [bar(S - 60, 5, 5, 5, 5, 5), bar(S, 6, 6, 6, 6, 6), bar(S + 60, 7, 7, 7, 7, 7)];
  const got = mergeHistoryAndLive({
    interval: '1m',
    history,
    live,
    recordingFrom: T0 - 60_000, // exactly the first bucket's start: recorded whole
    gaps: [{ startTs: T0 + 30_000, endTs: null }],
    ticksReceivedAfter: noTicksAsked,
  });
  assert.deepEqual(got, [bar(S - 60, 5, 5, 5, 5, 5), bar(S, 2, 2, 2, 2, 2), bar(S + 60, 7, 7, 7, 7, 7)]);
});

test('the seam: history open, high/low of both, close and OI of the last tick after the fetch, volumes added', () => {
  const asked: number[][] = [];
  const after: CandleInput[] = [
    { tsExchange: T0 + 35_000, ltp: 102.4, volDelta: 7 },
    { tsExchange: T0 + 50_000, ltp: 100.9, volDelta: 5, oi: 500 },
    { tsExchange: T0 + 59_000, ltp: 101.1, volDelta: 3 },
  ];
  const got = mergeHistoryAndLive({
    interval: '1m',
    history: [fetched(bar(S - 60, 101, 101.5, 100.5, 101.2, 300), LATE), fetched(bar(S, 101.2, 101.8, 101, 101.6, 120, 450), T0 + 30_000)],
    live: [bar(S, 101.5, 102.4, 100.9, 101.1, 25), bar(S + 60, 101.2, 101.4, 101.2, 101.4, 10)],
    recordingFrom: T0 + 20_000,
    gaps: [],
    ticksReceivedAfter: (fromMs, toMs, receivedAfter) => {
      asked.push([fromMs, toMs, receivedAfter]);
      return after;
    },
  });
  assert.deepEqual(asked, [[T0, T0 + 60_000, T0 + 30_000]]);
  assert.deepEqual(got, [
    bar(S - 60, 101, 101.5, 100.5, 101.2, 300),
    bar(S, 101.2, 102.4, 100.9, 101.1, 120 + 7 + 5 + 3, 500),
    bar(S + 60, 101.2, 101.4, 101.2, 101.4, 10),
  ]);
});

test('the seam keeps the fetched OI when no tick after the fetch carries one, and the fetched bar when none came', () => {
  const seam = (after: CandleInput[]) =>
    mergeHistoryAndLive({
      interval: '5m',
      history: [fetched(bar(S, 50, 52, 49, 51, 1000, 7000), T0 + 120_000)],
      live: [bar(S, 51, 51, 51, 51, 4)],
      recordingFrom: T0 + 60_000,
      gaps: [],
      ticksReceivedAfter: () => after,
    });
  assert.deepEqual(seam([{ tsExchange: T0 + 200_000, ltp: 48.5, volDelta: 40 }]), [bar(S, 50, 52, 48.5, 48.5, 1040, 7000)]);
  assert.deepEqual(seam([]), [bar(S, 50, 52, 49, 51, 1000, 7000)]);
});
