/* eslint-disable no-restricted-imports -- a unit test: it runs under Node, not in the page */
// The ladder's session volume at price: a journal load joined to the live tape at the seam (the
// day's cumulative volume), whatever arrives in whichever order, each trade counted once; the
// session's end; a feed without cumulative volume joined by time.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SessionVolumeAtPrice, Trade } from '../../../../shared/api';
import { mulberry32 } from '../../../../engine/sim/market/random';
import { VolumeAtPrice } from './volume-at-price';

/** Tuesday 2026-12-01 09:00 IST, and the next session's open. */
const FROM = Date.UTC(2026, 11, 1, 3, 30);
const UNTIL = FROM + 86_400_000;
const TICK = 0.05;

/** A session of trades with a cumulative volume, as the engine publishes them. */
function tradesOf(n: number, seed: number): Trade[] {
  const rnd = mulberry32(seed);
  const out: Trade[] = [];
  let cum = 0;
  let px = 2000;
  for (let i = 0; i < n; i++) {
    px += Math.floor(rnd() * 3) - 1;
    const q = 1 + Math.floor(rnd() * 50);
    cum += q;
    // Exchange time to the second: many trades share one.
    out.push({ ts: FROM + 60_000 + Math.floor(i / 7) * 1000, ltp: px * TICK, volDelta: q, volume: cum });
  }
  return out;
}

/** What the engine's volumeAtPrice answers for the trades journaled so far. */
function journalLoad(instrumentId: number, journaled: readonly Trade[]): SessionVolumeAtPrice {
  const by = new Map<number, number>();
  for (const t of journaled) by.set(Math.round(t.ltp / TICK), (by.get(Math.round(t.ltp / TICK)) ?? 0) + t.volDelta!);
  const ticks = [...by.keys()].sort((a, b) => a - b);
  const last = journaled.at(-1);
  return {
    instrumentId,
    from: FROM,
    until: UNTIL,
    tickSize: TICK,
    ticks,
    volumes: ticks.map((k) => by.get(k)!),
    total: journaled.reduce((s, t) => s + t.volDelta!, 0),
    trades: journaled.length,
    first: journaled[0]?.ts ?? null,
    last: last ? { price: last.ltp, ts: last.ts } : null,
    seamVolume: last?.volume ?? null,
    seamTs: last?.ts ?? null,
  };
}

const snapshot = (v: VolumeAtPrice) => [...v.byTick.entries()].sort((a, b) => a[0] - b[0]);

test('the seam: every trade once, however the load, the watch’s trades and the live stream interleave (300 random orders)', () => {
  for (let run = 0; run < 300; run++) {
    const rnd = mulberry32(1000 + run);
    const all = tradesOf(400, run);
    const pick = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
    const expected = new VolumeAtPrice();
    expected.select(7, TICK);
    expected.add(all);

    // The engine's order of events, as the bridge delivers them in order: the page has had the
    // live trades before `seen`; a watch answers at `w` ≥ seen with the newest 50 trades before it
    // (the trades between seen and w that were still queued for the page are dropped for it: the
    // journal has them), and the live stream continues from w; the ladder then asks for the
    // session (beginLoad), which the engine answers at `a` ≥ w; the live trades before `x` arrive
    // before that answer (x ≤ a on the wire, but any x is allowed here), the rest after it.
    // Without a watch (the session rolled over) there is no seed and the stream is unbroken.
    const watched = rnd() < 0.7;
    const seen = pick(0, all.length);
    const w = watched ? pick(seen, all.length) : seen;
    const a = pick(w, all.length);
    const x = pick(w, all.length);
    const v = new VolumeAtPrice();
    v.select(7, TICK);
    v.add(all.slice(0, seen));
    v.beginLoad();
    if (watched) v.seed(all.slice(Math.max(0, w - 50), w));
    v.add(all.slice(w, x));
    assert.ok(v.load(journalLoad(7, all.slice(0, a))));
    v.add(all.slice(x));
    const what = `run ${run}: seen=${seen} w=${w} a=${a} x=${x}`;
    assert.deepEqual(snapshot(v), snapshot(expected), what);
    assert.equal(v.total, all.at(-1)!.volume, what);
    assert.equal(v.lastPrice, all.at(-1)!.ltp, what);
    assert.equal(v.since, all[0].ts, what);
  }
});

test('a load is the whole session: what traded before the page opened is in the counts', () => {
  const all = tradesOf(100, 9);
  const v = new VolumeAtPrice();
  v.select(7, TICK);
  v.beginLoad();
  assert.ok(v.load(journalLoad(7, all.slice(0, 80))));
  assert.equal(v.loaded, true);
  assert.deepEqual([v.from, v.until], [FROM, UNTIL]);
  assert.equal(v.total, all[79].volume);
  assert.equal(v.counted, all[79].volume);
  // The tape repeats the last trades it had: nothing twice; then the new ones.
  v.add(all.slice(70));
  assert.equal(v.total, all[99].volume);
  // Another instrument's answer (the user moved on while it was in flight) changes nothing.
  assert.equal(v.load(journalLoad(8, all)), false);
  assert.equal(v.total, all[99].volume);
});

test('a load at another tick size is put on this grid; the session’s end clears it and asks for the next', () => {
  const v = new VolumeAtPrice();
  v.select(7, 0.1);
  v.beginLoad();
  v.load({ ...journalLoad(7, [{ ts: FROM + 1000, ltp: 100.1, volDelta: 5, volume: 5 }, { ts: FROM + 2000, ltp: 100.2, volDelta: 6, volume: 11 }]) });
  assert.deepEqual(snapshot(v), [
    [1001, 5],
    [1002, 6],
  ]);
  assert.equal(v.rollDay(UNTIL - 1), false);
  // The next session's first trade (its cumulative volume starts again) begins it afresh.
  v.addLive({ ts: UNTIL + 5000, ltp: 100.3, volDelta: 3, volume: 3 });
  assert.deepEqual(snapshot(v), [[1003, 3]]);
  assert.deepEqual([v.from, Number.isNaN(v.until), v.loaded], [UNTIL, true, false]);
  // A trade of the session before is not counted in this one.
  v.addLive({ ts: UNTIL - 1, ltp: 100.4, volDelta: 1, volume: 12 });
  assert.equal(v.total, 3);
  // With no trade at all, the clock ends a session too: true asks the caller to load the next.
  const w = new VolumeAtPrice();
  w.select(7, TICK);
  w.load(journalLoad(7, tradesOf(10, 1)));
  assert.equal(w.rollDay(UNTIL), true);
  assert.deepEqual([w.total, w.from], [0, UNTIL]);
});

test('a feed without cumulative volume: the load counts up to its last trade’s time, the tape after it', () => {
  const v = new VolumeAtPrice();
  v.select(7, TICK);
  const t = (s: number, ltp: number, ltq: number): Trade => ({ ts: FROM + s * 1000, ltp, ltq });
  v.beginLoad();
  v.addLive(t(1, 10, 3)); // in flight: in the load too
  v.load({ ...journalLoad(7, []), ticks: [200], volumes: [3], total: 3, trades: 1, first: FROM + 1000, last: { price: 10, ts: FROM + 1000 }, seamVolume: null, seamTs: FROM + 1000 });
  assert.equal(v.total, 3);
  v.add([t(1, 10, 3), t(2, 10.05, 4)]);
  assert.deepEqual(snapshot(v), [
    [200, 3],
    [201, 4],
  ]);
});
