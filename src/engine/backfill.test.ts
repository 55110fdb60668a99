// Backfill's own rule, for every adapter at once: a broker's history goes only onto its own
// instruments; another broker's is refused before anything is fetched or stored.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { backfill } from './backfill';
import { BrokerError } from './brokers/errors';
import { Journal } from './store/journal';

test("a broker's history onto another broker's instrument is refused, nothing fetched or stored; its own is stored", async () => {
  const j = new Journal(join(mkdtempSync(join(tmpdir(), 'tickdesk-backfill-')), 'j.sqlite'));
  const id = j.upsertInstrument({ broker: 'dhan', token: '1333', exchange: 'NSE', segment: 'NSE_EQ', symbol: 'HDFCBANK', tickSize: 0.05, lotSize: 1 });
  const ins = j.instrument(id)!;
  let fetched = 0;
  const fetch = async () => (fetched++, [{ t: 1_764_560_700, o: 1, h: 2, l: 1, c: 2, v: 10 }]);
  const req = { instrument: ins, interval: '1m' as const, from: 0, to: Date.now() };
  await assert.rejects(backfill(j, 'kite', fetch, req), (e: Error) => e instanceof BrokerError && e.message === "NSE:HDFCBANK is a dhan instrument, not kite's");
  assert.equal(fetched, 0);
  assert.deepEqual(await backfill(j, 'dhan', fetch, req), { candles: 1, first: 1_764_560_700, last: 1_764_560_700 });
  assert.equal(fetched, 1);
  j.close();
});
