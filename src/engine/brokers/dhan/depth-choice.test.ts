// Full depth chosen per instrument while recording, on Dhan's protocol (its simulators): the
// broker's limits enforced with errors that name them and change nothing, a freed slot reused, the
// journal holding depth only for instruments assigned at the time (even from a server that ignores
// the unsubscribe), and dropped depth sockets resubscribing exactly the assigned set.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { EngineService } from '../../api/service';
import { Recorder } from '../../recorder';
import { dhanSegmentOf } from '../../sim/dhan/feed-server';
import type { DhanDepthSimOptions } from '../../sim/dhan/depth-server';
import { DhanVenue } from '../../sim/dhan/venue';
import { defaultUniverse, type SimInstrument } from '../../sim/market/market';
import { cleanupAfterEach, until } from '../../testing';
import { registerBroker } from '../registry';
import { dhanAdapter } from '.';

const cleanups = cleanupAfterEach();

/** The venue of the running test, and the faults its depth server is started with. */
let venue: DhanVenue | null = null;
let depthFaults: Partial<DhanDepthSimOptions> = {};
const unregister = registerBroker(
  dhanAdapter({
    id: 'sim-dhan-depth-test',
    name: 'Dhan depth test',
    venue: (sim) => {
      const universe = (sim.instruments as SimInstrument[] | undefined) ?? defaultUniverse({ optionStrikes: 2 });
      const v = (venue = new DhanVenue({ instruments: universe, ticksPerSecond: sim.ticksPerSecond, seed: sim.seed }));
      return {
        start: () => v.start(),
        stop: () => v.stop(),
        instruments: universe.map((u) => ({ segment: dhanSegmentOf(u), securityId: u.exchangeToken, token: u.token })),
        startDepth: (instruments) => v.startDepth(instruments, depthFaults),
      };
    },
  }),
);
after(unregister);

const STOCKS = ['INFY', 'RELIANCE', 'TCS', 'HDFCBANK', 'SBIN', 'ICICIBANK', 'ITC'];

async function record(depth?: number) {
  const dir = mkdtempSync(join(tmpdir(), 'tickdesk-depth-choice-'));
  const rec = new Recorder({
    broker: 'sim-dhan-depth-test',
    journalPath: join(dir, 'j.sqlite'),
    instruments: [...STOCKS.map((s) => `NSE:${s}`), 'NSE:NIFTY 50'],
    mode: 'full',
    depth,
    flushMs: 50,
    silenceMs: 5000,
    sim: { ticksPerSecond: 300, seed: 3 },
  });
  cleanups.push(() => rec.stop());
  await rec.start();
  const service = new EngineService(rec);
  service.start();
  cleanups.push(() => service.stop());
  const id = (ref: string) => rec.adapter.resolve(rec.journal, ref)!.id;
  const securityId = (instrumentId: number) => Number(rec.journal.instrument(instrumentId)!.token);
  const depthSim = () => venue!.depths[0];
  /** Depth rows of an instrument since `ts`: their levels. */
  const rowsSince = (instrumentId: number, ts: number) => {
    rec.journal.flush();
    return (rec.journal.db.prepare('SELECT levels FROM depth WHERE instrument_id = ? AND ts >= ?').all(instrumentId, ts) as Array<{ levels: number }>).map((r) => r.levels);
  };
  return { rec, service, id, securityId, depthSim, rowsSince };
}

test('a sixth 200-level instrument is refused, naming the five, and nothing changes; a freed slot is reused; the journal follows the assignment', { timeout: 60_000 }, async () => {
  depthFaults = {};
  const { rec, service, id, securityId, depthSim, rowsSince } = await record(200);
  const [infy, reliance, tcs, hdfc, sbin, icici, itc] = STOCKS.map((s) => id(`NSE:${s}`));
  assert.ok(rec.notices.includes('depth 200: 7 instruments asked for, Dhan allows 5; recording the first 5 (choose others in the ladder)'), rec.notices.join('\n'));
  const five = [infy, reliance, tcs, hdfc, sbin];
  assert.deepEqual(service.status().depth, {
    broker: 'sim-dhan-depth-test',
    base: 5,
    usage: [
      { levels: 20, max: 250, instruments: [] },
      { levels: 200, max: 5, instruments: five },
    ],
  });
  await until(() => depthSim().subscribed(200).length === 5, 'five 200-level sockets subscribed');
  const before = service.status().depth;

  // Refusals: each a clear error, and the usage and the server's subscriptions as they were.
  const refused = async (instrumentId: number, levels: number, message: string) => {
    await assert.rejects(service.setDepth(instrumentId, levels), (e: Error & { code?: string }) => {
      assert.equal(e.message, message);
      assert.equal(e.code, 'bad-request');
      return true;
    });
    assert.deepEqual(service.status().depth, before);
  };
  await refused(icici, 200, "Dhan's 200-level depth takes 5 instruments, all in use (NSE:INFY, NSE:RELIANCE, NSE:TCS, NSE:HDFCBANK, NSE:SBIN): move one of them off it first");
  await refused(infy, 50, "Dhan streams full depth at 20 or 200 levels (0: the ticks' own book), not 50");
  await refused(id('NSE:NIFTY 50'), 20, 'Dhan streams full depth for NSE cash and F&O only (NSE_EQ, NSE_FNO); NSE:NIFTY is in IDX_I');
  await refused(id('NSE:KOTAKBANK'), 20, 'NSE:KOTAKBANK is not recorded in this session: record it (--instruments) to give it full depth');
  await refused(999_999, 20, 'no instrument with id 999999');
  assert.deepEqual(service.depthOf(id('NSE:NIFTY 50')), { instrumentId: id('NSE:NIFTY 50'), levels: 0, refusal: 'Dhan streams full depth for NSE cash and F&O only (NSE_EQ, NSE_FNO); NSE:NIFTY is in IDX_I', usage: before!.usage });
  assert.equal(depthSim().connectionCount, 5);
  assert.deepEqual(depthSim().subscribed(200).sort(), five.map(securityId).sort());

  // INFY off 200 levels frees a slot; ICICIBANK takes it; RELIANCE moves to 20; ITC joins it.
  const freed = await service.setDepth(infy, 0);
  const tFreed = Date.now();
  assert.deepEqual(freed, { instrumentId: infy, levels: 0, refusal: null, usage: [{ levels: 20, max: 250, instruments: [] }, { levels: 200, max: 5, instruments: [reliance, tcs, hdfc, sbin] }] });
  const taken = await service.setDepth(icici, 200);
  const tTaken = Date.now();
  assert.deepEqual(taken.usage[1].instruments, [reliance, tcs, hdfc, sbin, icici]);
  await service.setDepth(reliance, 20);
  const tMoved = Date.now();
  await service.setDepth(itc, 20);
  assert.equal((await service.setDepth(itc, 20)).levels, 20, 'the same levels again: no change, no error');
  assert.deepEqual(service.status().depth!.usage, [
    { levels: 20, max: 250, instruments: [reliance, itc] },
    { levels: 200, max: 5, instruments: [tcs, hdfc, sbin, icici] },
  ]);
  await until(() => depthSim().subscribed(200).length === 4 && depthSim().subscribed(20).length === 2, 'the server has the new assignment');
  assert.deepEqual(depthSim().subscribed(200).sort(), [tcs, hdfc, sbin, icici].map(securityId).sort());
  assert.deepEqual(depthSim().subscribed(20).sort(), [reliance, itc].map(securityId).sort());

  await until(() => rowsSince(icici, tTaken).length > 10 && rowsSince(reliance, tMoved).length > 10 && rowsSince(itc, tMoved).length > 10, 'depth of the new assignment in the journal');
  assert.deepEqual(rowsSince(infy, tFreed), [], 'no depth for INFY after it was freed');
  assert.ok(rowsSince(icici, tTaken).every((n) => n > 20), 'ICICIBANK: 200-level books');
  assert.ok(rowsSince(reliance, tMoved).every((n) => n === 20), 'RELIANCE: 20 levels once moved');
  // The engine's book of a moved instrument is the new feed's alone (the old feed's sides dropped).
  await until(() => service.fullBook(reliance)?.levels === 20, 'a 20-level book for RELIANCE');
  assert.equal(service.fullBook(infy), null);

  // The network drops every depth socket: each comes back with exactly the assigned instruments.
  const gapsBefore = rec.journal.gaps().length;
  assert.equal(depthSim().dropConnections(), 5);
  const assigned = () => [depthSim().subscribed(20).sort(), depthSim().subscribed(200).sort()];
  const want = [[reliance, itc].map(securityId).sort(), [tcs, hdfc, sbin, icici].map(securityId).sort()];
  await until(() => depthSim().connectionCount === 5 && JSON.stringify(assigned()) === JSON.stringify(want), 'resubscribed', 15_000);
  assert.deepEqual(assigned(), want);
  assert.ok(rec.journal.gaps().length > gapsBefore, 'the outage is in the journal');
  const tBack = Date.now();
  await until(() => rowsSince(icici, tBack).length > 4 && rowsSince(itc, tBack).length > 4, 'depth again');
  assert.deepEqual(rowsSince(infy, tFreed), []);
});

test('a server that ignores the unsubscribe keeps sending; the journal still records only the instruments assigned', { timeout: 60_000 }, async () => {
  depthFaults = { unsubscribeCodes: [] };
  const { service, id, securityId, depthSim, rowsSince } = await record();
  const [infy, sbin] = [id('NSE:INFY'), id('NSE:SBIN')];
  assert.deepEqual(service.status().depth!.usage, [
    { levels: 20, max: 250, instruments: [] },
    { levels: 200, max: 5, instruments: [] },
  ]);
  assert.equal(venue!.depths.length, 0, 'no depth server until an instrument is given depth');
  await service.setDepth(infy, 20);
  await service.setDepth(sbin, 20);
  await until(() => rowsSince(infy, 0).length > 4 && rowsSince(sbin, 0).length > 4, 'both recorded');
  await service.setDepth(infy, 0);
  const tOff = Date.now();
  await new Promise((r) => setTimeout(r, 800));
  assert.deepEqual(depthSim().subscribed(20).sort(), [infy, sbin].map(securityId).sort(), 'the server ignored it and still sends INFY');
  assert.ok(rowsSince(sbin, tOff).length > 4);
  assert.deepEqual(rowsSince(infy, tOff), [], 'none of it reached the journal');
});
