// Rejects while recording (issue 10): each instrument's tick size from the journal reaches its price
// band, and every reject is attributable — per reason and per instrument, by EXCHANGE:SYMBOL — in the
// recorder's stats and in the Engine API's status, for Kite and Dhan alike.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Instrument } from '../shared/model';
import { Recorder } from './recorder';
import { EngineService } from './service';
import { defaultUniverse, kiteToken, type SimInstrument } from './sim/market/market';
import { cleanupAfterEach, until } from './testing';

const cleanups = cleanupAfterEach();

// A contract whose ₹1 tick is 5 % of its price: its band is 10 ticks (₹10), where the default ₹0.05
// tick would give the 20 % fraction (₹4).
const coarse: SimInstrument = {
  token: kiteToken(2450, 7),
  exchangeToken: 2450,
  symbol: 'TESTCOARSE',
  name: 'TESTCOARSE',
  exchange: 'MCX',
  segment: 'MCX-FUT',
  instrumentType: 'FUT',
  expiry: '2026-12-18',
  tickSize: 1,
  lotSize: 1,
  basePrice: 20,
};

for (const broker of ['sim', 'sim-dhan'] as const) {
  test(`${broker}: tick sizes reach the band; rejects are counted per reason and per instrument, by symbol, in stats and status`, async () => {
    const universe = [...defaultUniverse({ optionStrikes: 2 }).filter((u) => u.exchange === 'NSE' && u.segment === 'NSE').slice(0, 2), coarse];
    const dir = mkdtempSync(join(tmpdir(), 'tickdesk-rejects-'));
    // No market events: the only ticks after the subscription snapshots are the ones below.
    const rec = new Recorder({ broker, journalPath: join(dir, 'j.sqlite'), instruments: 'all', mode: 'full', sim: { ticksPerSecond: 0, seed: 1, instruments: universe } });
    cleanups.push(() => rec.stop());
    await rec.start();
    const mine = rec.journal.instruments().filter((i) => i.broker === (broker === 'sim' ? 'kite' : 'dhan'));
    const byToken = (u: SimInstrument): Instrument => mine.find((i) => i.token === String(broker === 'sim' ? u.token : u.exchangeToken))!;
    const [a, b, c] = [byToken(universe[0]), byToken(universe[1]), byToken(coarse)];
    assert.equal(c.tickSize, 1);
    // Kite sends each instrument's snapshot at subscription (at the base price); Dhan's simulator sends none at rate 0.
    if (broker === 'sim') await until(() => rec.pipeline.stats.accepted >= universe.length, 'the snapshots');
    const accepted = rec.pipeline.stats.accepted;

    const now = Date.now();
    const ingest = (ins: Instrument, ltp: number, tsExchange = now) => rec.pipeline.ingest({ instrumentId: ins.id, tsExchange, tsReceived: now, ltp });
    assert.deepEqual(
      [ingest(a, universe[0].basePrice), ingest(b, universe[1].basePrice), ingest(c, 20), ingest(c, 29), ingest(c, 40), ingest(c, 41), ingest(c, NaN), ingest(a, -1), ingest(a, universe[0].basePrice, now + 3600_000), ingest(b, universe[1].basePrice * 3)],
      // 20 → 29 is 9 ticks of ₹1 (in); 40 and 41 are 11 and 12 ticks from 29 (out).
      [true, true, true, true, false, false, false, false, false, false],
    );
    const symbol = (i: Instrument) => `${i.exchange}:${i.symbol}`;
    const none = { nonFinite: 0, nonPositive: 0, timestamp: 0, band: 0 };
    const s = rec.stats();
    assert.equal(s.accepted, accepted + 4);
    assert.equal(s.rejected, 6);
    assert.deepEqual(s.rejectedByReason, { nonFinite: 1, nonPositive: 1, timestamp: 1, band: 3 });
    assert.equal(s.reanchored, 0);
    assert.equal(s.instrumentsWithRejects, 3);
    const top = [
      { instrumentId: c.id, symbol: symbol(c), total: 3, byReason: { ...none, band: 2, nonFinite: 1 }, reanchored: 0 },
      // Ties: the lower id first.
      ...[
        { instrumentId: a.id, symbol: symbol(a), total: 2, byReason: { ...none, nonPositive: 1, timestamp: 1 }, reanchored: 0 },
        { instrumentId: b.id, symbol: symbol(b), total: 1, byReason: { ...none, band: 1 }, reanchored: 0 },
      ],
    ];
    assert.deepEqual(rec.rejectsByInstrument(), top);
    assert.deepEqual(rec.rejectsByInstrument(1), top.slice(0, 1));

    // A real jump on the coarse contract: five agreeing rejects, then the band moves.
    assert.deepEqual([60, 61, 59, 60, 62, 60, 61].map((p) => ingest(c, p)), [false, false, false, false, false, true, true]);
    const status = new EngineService(rec).status();
    assert.equal(status.rejects, 11);
    assert.deepEqual(status.rejectsByReason, { nonFinite: 1, nonPositive: 1, timestamp: 1, band: 8 });
    assert.equal(status.bandReanchors, 1);
    assert.equal(status.instrumentsWithRejects, 3);
    assert.deepEqual(status.rejectsByInstrument, [{ ...top[0], total: 8, byReason: { ...none, band: 7, nonFinite: 1 }, reanchored: 1 }, ...top.slice(1)]);
  });
}
