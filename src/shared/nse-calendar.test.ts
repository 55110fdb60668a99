// NSE's calendar as the exchange publishes it: the 2025 and 2026 holiday lists, weekends, the
// sessions of each segment, the last price printed before a moment, and the status line's words.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  holidayName,
  isTradingDay,
  lastPrintAt,
  nextOpenAt,
  nextTradingDay,
  nseMarketState,
  previousTradingDay,
  sessionPhase,
  sessionWindows,
  tradingDayOnOrBefore,
} from './nse-calendar';

/** A moment given as IST wall-clock time. */
const ist = (s: string) => Date.parse(`${s}+05:30`);

test('the 2025 and 2026 trading holidays are the exchange lists; weekends never trade', () => {
  const weekdays = (year: string) => {
    const out: string[] = [];
    for (let d = new Date(`${year}-01-01T00:00:00Z`); d.getUTCFullYear() === Number(year); d.setUTCDate(d.getUTCDate() + 1)) {
      const day = d.toISOString().slice(0, 10);
      if (d.getUTCDay() !== 0 && d.getUTCDay() !== 6 && !isTradingDay(day)) out.push(day);
    }
    return out;
  };
  assert.deepEqual(weekdays('2025'), [
    '2025-02-26', '2025-03-14', '2025-03-31', '2025-04-10', '2025-04-14', '2025-04-18', '2025-05-01',
    '2025-08-15', '2025-08-27', '2025-10-02', '2025-10-21', '2025-10-22', '2025-11-05', '2025-12-25',
  ]);
  assert.deepEqual(weekdays('2026'), [
    '2026-01-15', '2026-01-26', '2026-03-03', '2026-03-26', '2026-03-31', '2026-04-03', '2026-04-14', '2026-05-01',
    '2026-05-28', '2026-06-26', '2026-09-14', '2026-10-02', '2026-10-20', '2026-11-10', '2026-11-24', '2026-12-25',
  ]);
  assert.equal(holidayName('2026-03-03'), 'Holi');
  assert.equal(holidayName('2026-06-26'), 'Muharram');
  assert.equal(holidayName('2026-03-04'), undefined);
  assert.equal(isTradingDay('2026-03-07'), false, 'a Saturday');
  assert.equal(isTradingDay('2026-03-08'), false, 'a Sunday');
  // A year whose list is not known here: only the fixed-date holidays.
  // 2027's list is not published yet: of the fixed-date holidays only Republic Day falls on a
  // weekday (1 May, 15 August, 2 October and 25 December are weekends that year).
  assert.deepEqual(weekdays('2027'), ['2027-01-26']);
  assert.equal(holidayName('2028-08-15'), 'Independence Day');
});

test('previous, next and on-or-before trading days step over weekends and holidays', () => {
  assert.equal(previousTradingDay('2026-03-04'), '2026-03-02', 'Wednesday after Holi: Monday');
  assert.equal(previousTradingDay('2026-03-02'), '2026-02-27', 'a Monday: the Friday');
  assert.equal(nextTradingDay('2026-03-25'), '2026-03-27', 'over Ram Navami');
  assert.equal(nextTradingDay('2026-04-02'), '2026-04-06', 'over Good Friday and the weekend');
  assert.equal(tradingDayOnOrBefore('2026-11-24'), '2026-11-23', 'Guru Nanak Jayanti, a Tuesday');
  assert.equal(tradingDayOnOrBefore('2026-12-01'), '2026-12-01');
});

test('sessions: pre-open 09:00–09:15 with the 09:08 auction, 09:15–15:30, the closing session 15:40–16:00', () => {
  const phases = (day: string, kind: Parameters<typeof sessionPhase>[1]) =>
    ['08:59:59', '09:00', '09:07:59', '09:08', '09:14:59', '09:15', '15:29:59', '15:30', '15:39:59', '15:40', '15:59:59', '16:00', '16:59', '17:00'].map((t) => sessionPhase(ist(`${day}T${t.length === 5 ? `${t}:00` : t}`), kind));
  const c = 'closed';
  assert.deepEqual(phases('2026-03-04', 'cash'), [c, 'pre-open', 'pre-open', 'pre-open', 'pre-open', 'open', 'open', c, c, 'closing', 'closing', c, c, c]);
  assert.deepEqual(phases('2026-03-04', 'index'), [c, 'pre-open', 'pre-open', 'pre-open', 'pre-open', 'open', 'open', c, c, c, c, c, c, c]);
  assert.deepEqual(phases('2026-03-04', 'derivatives'), [c, c, c, c, c, 'open', 'open', c, c, c, c, c, c, c]);
  // Near-month futures joined the pre-open on 8 December 2025.
  assert.deepEqual(phases('2026-03-04', 'futures'), phases('2026-03-04', 'index'));
  assert.deepEqual(phases('2025-12-05', 'futures'), phases('2025-12-05', 'derivatives'));
  assert.deepEqual(phases('2026-03-04', 'currency'), [c, 'open', 'open', 'open', 'open', 'open', 'open', 'open', 'open', 'open', 'open', 'open', 'open', c]);
  assert.deepEqual(phases('2026-03-03', 'cash'), Array(14).fill(c), 'Holi');
  assert.equal(sessionWindows('2026-03-04', 'cash')[0].auctionAt, ist('2026-03-04T09:08:00'));
  // MCX: to 23:55 while the US keeps summer time, 23:30 otherwise; on an NSE holiday, the evening only.
  assert.equal(sessionPhase(ist('2026-07-15T23:45:00'), 'commodity'), 'open');
  assert.equal(sessionPhase(ist('2026-01-14T23:45:00'), 'commodity'), 'closed');
  assert.equal(sessionPhase(ist('2026-03-03T10:00:00'), 'commodity'), 'closed');
  assert.equal(sessionPhase(ist('2026-03-03T17:30:00'), 'commodity'), 'open');
  assert.equal(sessionPhase(ist('2026-03-07T10:00:00'), 'commodity'), 'closed', 'a Saturday');
});

test('the last price printed before a moment: the close, the auction, or the session end', () => {
  // Holi: the Monday's closing session ended at 16:00 (shares), its continuous session at 15:30.
  assert.deepEqual(lastPrintAt(ist('2026-03-03T11:00:00'), 'cash'), { at: ist('2026-03-02T16:00:00'), phase: 'closing', day: '2026-03-02' });
  assert.deepEqual(lastPrintAt(ist('2026-03-03T11:00:00'), 'derivatives'), { at: ist('2026-03-02T15:30:00'), phase: 'open', day: '2026-03-02' });
  assert.deepEqual(lastPrintAt(ist('2026-03-04T09:10:00'), 'cash'), { at: ist('2026-03-04T09:08:00'), phase: 'pre-open', day: '2026-03-04' });
  assert.deepEqual(lastPrintAt(ist('2026-03-04T09:05:00'), 'cash')?.day, '2026-03-02', 'before the auction: the last day');
  assert.deepEqual(lastPrintAt(ist('2026-03-04T11:00:00'), 'cash'), { at: ist('2026-03-04T11:00:00'), phase: 'open', day: '2026-03-04' });
  assert.equal(nextOpenAt(ist('2026-03-03T11:00:00')), ist('2026-03-04T09:15:00'));
  assert.equal(nextOpenAt(ist('2026-04-02T15:31:00')), ist('2026-04-06T09:15:00'), 'over Good Friday');
});

test('the status line says what the market is doing and when it opens', () => {
  const say = (s: string) => nseMarketState(ist(s)).text;
  assert.equal(say('2026-03-07T12:00:00'), 'market closed — opens Mon 09:15 IST');
  assert.equal(say('2026-03-03T12:00:00'), 'market closed (Holi) — opens Wed 09:15 IST');
  assert.equal(say('2026-03-04T08:30:00'), 'market closed — opens Wed 09:15 IST');
  assert.equal(say('2026-03-04T09:05:00'), 'pre-open · opens 09:15 IST');
  assert.equal(say('2026-03-04T11:00:00'), 'market open · closes 15:30 IST');
  assert.equal(say('2026-03-04T15:35:00'), 'market closed — opens Thu 09:15 IST');
  assert.equal(say('2026-03-04T15:45:00'), 'closing session · trades at the close until 16:00 IST');
  assert.equal(say('2026-04-02T18:00:00'), 'market closed — opens Mon 09:15 IST', 'Thursday evening before Good Friday');
  assert.deepEqual(nseMarketState(ist('2026-03-04T09:05:00')).phase, 'pre-open');
});
