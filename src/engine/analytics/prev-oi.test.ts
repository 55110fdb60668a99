// The previous session's closing OI: the session calendar it is counted in, the sources in their
// order (broker, journal, simulator, none), the journal read once per instrument per session, and
// the change in OI with its totals through the chain.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Instrument, Tick } from '../../shared/model';
import { buildChain } from './chain';
import { CLOSE_WINDOW_MIN, PreviousOi } from './prev-oi';
import { nextSessionStart, previousSessionStart, sessionDayAt, sessionStart } from './session';

/** ms UTC of an IST wall-clock time. */
const ist = (y: number, mo: number, d: number, h: number, mi: number) => Date.UTC(y, mo - 1, d, h, mi) - 5.5 * 3600_000;

test('sessions open at 09:00 IST on trading days; a weekend, a holiday or an early morning belongs to the last one', () => {
  // Tuesday 2026-11-17 11:00 IST → Tuesday's session; the one before is Monday's; the next Wednesday's.
  assert.equal(sessionStart(ist(2026, 11, 17, 11, 0)), ist(2026, 11, 17, 9, 0));
  assert.equal(previousSessionStart(ist(2026, 11, 17, 11, 0)), ist(2026, 11, 16, 9, 0));
  assert.equal(nextSessionStart(ist(2026, 11, 17, 11, 0)), ist(2026, 11, 18, 9, 0));
  // The pre-open belongs to the day; a minute before it, to the day before.
  assert.equal(sessionStart(ist(2026, 11, 17, 9, 0)), ist(2026, 11, 17, 9, 0));
  assert.equal(sessionStart(ist(2026, 11, 17, 8, 59)), ist(2026, 11, 16, 9, 0));
  // Saturday, Sunday and Monday 07:30 are Friday's; Friday's previous is Thursday's; the next is Monday's.
  for (const t of [ist(2026, 11, 21, 12, 0), ist(2026, 11, 22, 23, 59), ist(2026, 11, 23, 7, 30)]) {
    assert.equal(sessionStart(t), ist(2026, 11, 20, 9, 0));
    assert.equal(nextSessionStart(t), ist(2026, 11, 23, 9, 0));
  }
  assert.equal(previousSessionStart(ist(2026, 11, 23, 10, 0)), ist(2026, 11, 20, 9, 0));
  // An exchange holiday (Tuesday 24 Nov 2026, Guru Nanak Jayanti) is Monday's session still.
  assert.equal(sessionStart(ist(2026, 11, 24, 11, 0)), ist(2026, 11, 23, 9, 0));
  assert.equal(nextSessionStart(ist(2026, 11, 23, 11, 0)), ist(2026, 11, 25, 9, 0));
  assert.equal(previousSessionStart(ist(2026, 11, 25, 10, 0)), ist(2026, 11, 23, 9, 0));
  assert.equal(sessionDayAt(ist(2026, 11, 20, 9, 0), CLOSE_WINDOW_MIN), ist(2026, 11, 20, 15, 0));
  // The journal's window on Monday 10:00: from Friday 15:00 to Monday 09:00.
  assert.deepEqual(PreviousOi.journalWindow(ist(2026, 11, 23, 10, 0)), { from: ist(2026, 11, 20, 15, 0), to: ist(2026, 11, 23, 9, 0) });
});

const ins = (id: number, over: Partial<Instrument> = {}): Instrument => ({
  id,
  broker: 'kite',
  token: String(1000 + id),
  exchange: 'NFO',
  segment: 'NFO-OPT',
  symbol: `NIFTY26NOV${24000 + id * 100}CE`,
  name: 'NIFTY',
  underlying: 'NIFTY',
  expiry: '2026-11-24',
  strike: 24000 + id * 100,
  optionType: 'CE',
  tickSize: 0.05,
  lotSize: 75,
  ...over,
});

test('sources in order: the broker’s value, else the journal’s, else the simulator’s, else none; 0 from a broker is none', () => {
  let now = ist(2026, 11, 17, 11, 0);
  const broker = new Map<number, number>([
    [1, 50_000],
    [2, 0],
  ]);
  const journal = new Map<number, number>([
    [1, 40_000],
    [2, 41_000],
    [3, 42_000],
  ]);
  const sim = new Map<number, number>([
    [3, 30_000],
    [4, 31_000],
  ]);
  const asked: Array<{ ids: number[]; from: number; to: number }> = [];
  const p = new PreviousOi(
    {
      broker: (id) => broker.get(id),
      journal: (ids, from, to) => {
        asked.push({ ids: [...ids], from, to });
        return journal;
      },
      sim: (i) => sim.get(i.id),
    },
    () => now,
  );
  const list = [1, 2, 3, 4, 5].map((i) => ins(i));
  assert.deepEqual(
    [...p.of(list)],
    [
      [1, { oi: 50_000, from: 'broker' }],
      [2, { oi: 41_000, from: 'journal' }],
      [3, { oi: 42_000, from: 'journal' }],
      [4, { oi: 31_000, from: 'sim' }],
    ],
  );
  // The journal was read once, for all five, in the window from Monday 15:00 to Tuesday's open.
  assert.deepEqual(asked, [{ ids: [1, 2, 3, 4, 5], from: ist(2026, 11, 16, 15, 0), to: ist(2026, 11, 17, 9, 0) }]);

  // Asked again (every chain request): the journal is not read again; a broker value that came
  // since is taken at once; a new instrument is read alone.
  broker.set(4, 33_000);
  journal.set(5, 7);
  const again = p.of([...list, ins(6)]);
  assert.deepEqual(asked.length, 2);
  assert.deepEqual(asked[1].ids, [6]);
  assert.deepEqual(again.get(4), { oi: 33_000, from: 'broker' });
  assert.equal(again.get(5), undefined, 'unknown stays unknown for the session (the journal’s past does not change)');
  assert.equal(p.journalQueries, 6);

  // The next session reads the journal again, in its own window.
  now = ist(2026, 11, 18, 9, 30);
  assert.deepEqual(p.of(list).get(5), { oi: 7, from: 'journal' });
  assert.deepEqual(asked[2], { ids: [1, 2, 3, 4, 5], from: ist(2026, 11, 17, 15, 0), to: ist(2026, 11, 18, 9, 0) });
});

test('no source at all: every option unknown (never a change from 0)', () => {
  const p = new PreviousOi({}, () => ist(2026, 11, 17, 11, 0));
  assert.equal(p.of([ins(1)]).size, 0);
  const o = ins(1);
  const chain = buildChain([o], new Map<number, Tick>([[1, { instrumentId: 1, tsExchange: 0, tsReceived: 0, ltp: 10, oi: 1500 }]]), { underlying: 'NIFTY', exchange: 'NFO', model: 'bs', rate: 0.065 }, ist(2026, 11, 17, 11, 0), new Map());
  assert.equal(chain[0].rows[0].ce!.oiChange, null);
  assert.deepEqual([chain[0].ceOiChange, chain[0].peOiChange, chain[0].pcrOiChange, chain[0].oiChangeKnown, chain[0].oiSides], [null, null, null, 0, 1]);
});

test('change in OI per side and its totals: Σ calls, Σ puts, their ratio; unknown sides left out of the totals', () => {
  //  strike   CE OI  prev   chg      PE OI  prev   chg
  //  24100    1500   1000   +500     3000   2000  +1000
  //  24200    2000   2600   −600     1200   —     (unknown)
  //  24300     900    500   +400     4000   4500  −500
  //  Σ CE chg = 500 − 600 + 400 = 300; Σ PE chg = 1000 − 500 = 500; PCR of the change = 500 / 300.
  const rows = [
    [24100, 1500, 1000, 3000, 2000],
    [24200, 2000, 2600, 1200, undefined],
    [24300, 900, 500, 4000, 4500],
  ] as const;
  const list: Instrument[] = [];
  const ticks = new Map<number, Tick>();
  const prev = new Map<number, number>();
  let id = 1;
  for (const [k, ceOi, cePrev, peOi, pePrev] of rows) {
    for (const [type, oi, p] of [
      ['CE', ceOi, cePrev],
      ['PE', peOi, pePrev],
    ] as const) {
      const i = ins(id++, { strike: k, optionType: type, symbol: `NIFTY26NOV${k}${type}` });
      list.push(i);
      ticks.set(i.id, { instrumentId: i.id, tsExchange: 0, tsReceived: 0, ltp: 50, oi });
      if (p !== undefined) prev.set(i.id, p);
    }
  }
  const [c] = buildChain(list, ticks, { underlying: 'NIFTY', exchange: 'NFO', model: 'bs', rate: 0.065 }, ist(2026, 11, 17, 11, 0), prev);
  assert.deepEqual(
    c.rows.map((r) => [r.strike, r.ce!.oiChange, r.pe!.oiChange]),
    [
      [24100, 500, 1000],
      [24200, -600, null],
      [24300, 400, -500],
    ],
  );
  assert.equal(c.ceOiChange, 300);
  assert.equal(c.peOiChange, 500);
  assert.equal(c.pcrOiChange, 500 / 300);
  assert.equal(c.oiChangeKnown, 5);
  assert.equal(c.oiSides, 6);
  // Calls shedding OI overall: no ratio (a negative or infinite PCR reads as nonsense).
  prev.set(1, 5000);
  const [d] = buildChain(list, ticks, { underlying: 'NIFTY', exchange: 'NFO', model: 'bs', rate: 0.065 }, ist(2026, 11, 17, 11, 0), prev);
  assert.equal(d.ceOiChange, 1500 - 5000 - 600 + 400);
  assert.equal(d.pcrOiChange, null);
  // Puts shedding OI overall while calls add: no ratio either.
  prev.set(1, 1000);
  prev.set(2, 9000);
  const [e] = buildChain(list, ticks, { underlying: 'NIFTY', exchange: 'NFO', model: 'bs', rate: 0.065 }, ist(2026, 11, 17, 11, 0), prev);
  assert.deepEqual([e.ceOiChange, e.peOiChange, e.pcrOiChange], [300, 3000 - 9000 - 500, null]);
});
