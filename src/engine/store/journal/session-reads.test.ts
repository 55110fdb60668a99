// The session reads: a journal with known trades → the exact volume at each price (trades only,
// this session only, float prices on the tick grid), the seam where the live tape takes over, and
// the last OI recorded in a window.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { NewInstrument, Tick } from '../../../shared/model';
import { Journal } from '../journal';
import { SessionVolumeCache } from './session-reads';

const tmp = () => join(mkdtempSync(join(tmpdir(), 'tickdesk-session-')), 'j.sqlite');
const SBIN: NewInstrument = { broker: 'kite', token: '779521', exchange: 'NSE', segment: 'NSE', symbol: 'SBIN', tickSize: 0.05, lotSize: 1 };
const OTHER: NewInstrument = { ...SBIN, token: '408065', symbol: 'INFY' };
/** Tuesday 2026-11-17 09:00 IST, the session's open. */
const OPEN = Date.UTC(2026, 10, 17, 3, 30);

test('volume at price: the session’s trades summed per tick in SQL; book-only ticks, other instruments and yesterday left out', () => {
  const j = new Journal(tmp(), { flushMs: 10_000 });
  const id = j.upsertInstrument(SBIN);
  const other = j.upsertInstrument(OTHER);
  const t = (sec: number, ltp: number, f: Partial<Tick>): Tick => ({ instrumentId: id, tsExchange: OPEN + sec * 1000, tsReceived: OPEN + sec * 1000 + 5, ltp, ...f });
  const ticks: Tick[] = [
    // Yesterday's last trades: another session.
    t(-20 * 3600, 800.0, { volume: 90_000, volDelta: 500 }),
    t(-1, 800.05, { volume: 90_100, volDelta: 100 }),
    // The pre-open trade at 09:07:30 (volume since the open: the first tick of the day counts it all).
    t(450, 801.35, { volume: 1_200, volDelta: 1_200 }),
    t(900, 801.35, { volume: 1_250, volDelta: 50 }),
    t(901, 801.4, { volume: 1_250, volDelta: 0 }), // the book moved: no trade
    t(902, 801.4, { volume: 1_260, volDelta: 10 }),
    t(903, 801.3, { volume: 1_300, volDelta: 40 }),
    // Prices as float arithmetic leaves them: 801.35 − 0.05 = 801.3000000000001 is tick 16026.
    t(904, 801.35 - 0.05, { volume: 1_307, volDelta: 7 }),
    t(905, 801.45, { volume: 1_307, volDelta: 0 }),
    { ...t(906, 801.4, { volume: 1_330, volDelta: 23 }), tsExchange: OPEN + 903_500 }, // out of order in time
  ];
  for (const x of ticks) j.append(x);
  j.append({ instrumentId: other, tsExchange: OPEN + 1_000_000, tsReceived: OPEN + 1_000_000, ltp: 801.35, volume: 99_999, volDelta: 99_999 });
  j.flush();

  const v = j.sessionVolumeAtPrice(id, OPEN, 0.05);
  // 801.30 (tick 16026): 40 + 7; 801.35 (16027): 1,200 + 50; 801.40 (16028): 10 + 23.
  assert.deepEqual(v.ticks, [16026, 16027, 16028]);
  assert.deepEqual(v.volumes, [47, 1_250, 33]);
  assert.equal(v.total, 1_330, 'the whole session: the day’s cumulative volume at the last trade');
  assert.equal(v.trades, 6);
  assert.equal(v.first, OPEN + 450_000);
  assert.deepEqual(v.last, { price: 801.35 - 0.05, ts: OPEN + 904_000 }, 'the last trade by exchange time, its price as recorded');
  assert.equal(v.seamVolume, 1_330);
  assert.equal(v.seamTs, OPEN + 905_000);

  // From a moment after the pre-open: what traded since.
  const later = j.sessionVolumeAtPrice(id, OPEN + 901_000, 0.05);
  assert.deepEqual([later.ticks, later.volumes, later.total], [[16026, 16028], [47, 33], 80]);

  // A feed without cumulative volume: each trade is its last traded quantity; the seam is the time.
  const k = j.upsertInstrument({ ...SBIN, token: '1', symbol: 'LTPONLY' });
  j.append({ instrumentId: k, tsExchange: OPEN + 1000, tsReceived: OPEN + 1000, ltp: 10.05, ltq: 3 });
  j.append({ instrumentId: k, tsExchange: OPEN + 2000, tsReceived: OPEN + 2000, ltp: 10.05, ltq: 4 });
  j.append({ instrumentId: k, tsExchange: OPEN + 3000, tsReceived: OPEN + 3000, ltp: 10.1 });
  j.flush();
  const n = j.sessionVolumeAtPrice(k, OPEN, 0.05);
  assert.deepEqual([n.ticks, n.volumes, n.trades, n.total, n.seamVolume, n.seamTs], [[201], [7], 3, 7, null, OPEN + 3000]);
  assert.deepEqual(n.last, { price: 10.1, ts: OPEN + 3000 });

  // Nothing traded this session.
  const none = j.sessionVolumeAtPrice(id, OPEN + 86_400_000, 0.05);
  assert.deepEqual(none, { ticks: [], volumes: [], trades: 0, total: 0, first: null, last: null, seamVolume: null, seamTs: null });
  j.close();
});

test('the cache reads on from the last answer: the same result as a full read, without reading the old rows again', () => {
  const j = new Journal(tmp(), { flushMs: 10_000 });
  const id = j.upsertInstrument(SBIN);
  const t = (sec: number, ltp: number, volume: number, volDelta: number): Tick => ({ instrumentId: id, tsExchange: OPEN + sec * 1000, tsReceived: OPEN + sec * 1000, ltp, volume, volDelta });
  for (const x of [t(10, 800, 100, 100), t(11, 800.05, 130, 30), t(12, 800, 150, 20)]) j.append(x);
  j.flush();
  const cache = new SessionVolumeCache(2);
  const first = j.sessionVolume(cache, id, OPEN, 0.05);
  assert.deepEqual([first.ticks, first.volumes, first.seamVolume, first.last], [[16000, 16001], [120, 30], 150, { price: 800, ts: OPEN + 12_000 }]);
  // New trades, one of them stamped a moment earlier than the last one read (same price grid).
  for (const x of [t(13, 800.1, 160, 10), t(11.5, 800.05, 165, 5), t(14, 800, 175, 10)]) j.append(x);
  j.flush();
  const full = j.sessionVolumeAtPrice(id, OPEN, 0.05);
  const again = j.sessionVolume(cache, id, OPEN, 0.05);
  assert.deepEqual(again, full);
  assert.deepEqual([again.ticks, again.volumes, again.trades, again.total, again.seamVolume, again.first], [[16000, 16001, 16002], [130, 35, 10], 6, 175, 175, OPEN + 10_000]);
  assert.deepEqual(again.last, { price: 800, ts: OPEN + 14_000 });
  // Proof that the old rows are not read again: take them away; the cache still has them.
  j.db.prepare('DELETE FROM ticks WHERE ts_exchange <= ?').run(OPEN + 14_000);
  j.append(t(15, 800.1, 177, 2));
  j.flush();
  assert.deepEqual(j.sessionVolume(cache, id, OPEN, 0.05).volumes, [130, 35, 12]);
  assert.deepEqual(j.sessionVolumeAtPrice(id, OPEN, 0.05).volumes, [2]);
  // Another session starts over (what is left of this one: the last trade).
  assert.deepEqual(j.sessionVolume(cache, id, OPEN + 15_000, 0.05).volumes, [2]);
  // An instrument pushed out of the cache (it keeps 2) is read whole again.
  assert.deepEqual(j.sessionVolume(cache, id, OPEN, 0.05).volumes, [2]);
  j.db.prepare('DELETE FROM ticks').run();
  const other = j.upsertInstrument(OTHER);
  const third = j.upsertInstrument({ ...SBIN, token: '9', symbol: 'THIRD' });
  j.sessionVolume(cache, other, OPEN, 0.05);
  assert.deepEqual(j.sessionVolume(cache, id, OPEN, 0.05).volumes, [2], 'still cached');
  j.sessionVolume(cache, other, OPEN, 0.05);
  j.sessionVolume(cache, third, OPEN, 0.05);
  assert.deepEqual(j.sessionVolume(cache, id, OPEN, 0.05).volumes, [], 'read whole again: nothing left');
  assert.equal(cache.passes, 10);
  j.close();
});

test('last OI in a window: the latest by exchange time per instrument, ties by journal order; absent when none', () => {
  const j = new Journal(tmp(), { flushMs: 10_000 });
  const a = j.upsertInstrument({ ...SBIN, exchange: 'NFO', token: '2', symbol: 'NIFTY26NOV24000CE' });
  const b = j.upsertInstrument({ ...SBIN, exchange: 'NFO', token: '3', symbol: 'NIFTY26NOV24000PE' });
  const c = j.upsertInstrument({ ...SBIN, exchange: 'NFO', token: '4', symbol: 'NIFTY26NOV24100CE' });
  const at = (id: number, ms: number, oi: number | undefined) => j.append({ instrumentId: id, tsExchange: ms, tsReceived: ms, ltp: 10, oi });
  const from = OPEN - 18 * 3600_000; // Monday 15:00 IST
  at(a, from - 1, 111); // before the window
  at(a, from + 10, 1_000);
  at(a, from + 20, 1_500);
  at(a, from + 20, 1_600); // the same moment, journaled later: the last word
  at(a, from + 30, undefined); // a tick without OI does not erase it
  at(a, OPEN, 9_999); // the session's own: not the previous close
  at(b, from - 5, 222);
  at(c, from + 40, 0); // a recorded 0 is a value
  j.flush();
  assert.deepEqual([...j.lastOiBetween([a, b, c], from, OPEN)], [
    [a, 1_600],
    [c, 0],
  ]);
  j.close();
});
