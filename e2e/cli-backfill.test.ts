// `tickdesk backfill` from the simulator's history, then `export --kind candles` reads it back.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { simHistoryPrice } from '../src/engine/sim/kite/server';
import { defaultUniverse } from '../src/engine/sim/market/market';
import { cleanupDatabases, freshDatabase, withClient } from '../src/engine/store/testing';
import { initSchema } from '../src/engine/store/timescale';

const BIN = new URL('../bin/tickdesk.mjs', import.meta.url).pathname;
const run = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, KITE_API_KEY: '', KITE_ACCESS_TOKEN: '' } });

test('backfill pages the history into the journal with a progress line; export returns it; bad input is refused', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'tickdesk-backfill-')), 'j.sqlite');
  const r = run(['backfill', '--broker', 'sim', '--instrument', 'NSE:INFY', '--interval', '1m', '--from', '2026-06-01', '--to', '2026-10-30 15:30', '--journal', path]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /backfill NSE:INFY 1m: page 1\/3, [\d,]+ candles/);
  assert.match(r.stderr, /page 3\/3/);
  const done = /backfilled (\d+) 1m candles of NSE:INFY/.exec(r.stderr);
  assert.ok(done, r.stderr);
  const ex = run(['export', '--instrument', 'NSE:INFY', '--kind', 'candles', '--interval', '1m', '--from', '2026-10-30', '--to', '2026-10-31', '--journal', path]);
  assert.equal(ex.status, 0, ex.stderr);
  const lines = ex.stdout.trim().split('\n');
  assert.equal(lines.length, 1 + 375, 'one trading day of minutes');
  const header = lines[0].split(',');
  const first = lines[1].split(',');
  const infy = defaultUniverse().find((i) => i.symbol === 'INFY')!;
  // The day's first bar opens at the pre-open auction's equilibrium price, found at 09:08.
  const auction = Date.parse('2026-10-30T09:08:00+05:30') / 60_000;
  assert.equal(Number(first[header.indexOf('open')]), simHistoryPrice(infy.token, infy.basePrice, infy.tickSize, auction));
  // Again: the same buckets replaced, not duplicated.
  assert.equal(run(['backfill', '--broker', 'sim', '--instrument', 'NSE:INFY', '--interval', '1m', '--from', '2026-10-30', '--to', '2026-10-30 15:30', '--journal', path]).status, 0);
  assert.equal(run(['export', '--instrument', 'NSE:INFY', '--kind', 'candles', '--interval', '1m', '--from', '2026-10-30', '--to', '2026-10-31', '--journal', path]).stdout.trim().split('\n').length, 376);
  assert.match(run(['backfill', '--broker', 'sim', '--instrument', 'NSE:INFY', '--interval', '1s', '--from', '2026-10-30', '--journal', path]).stderr, /--interval must be one of 1m, 3m, 5m, 10m, 15m, 30m, 1h, 1d/);
  assert.match(run(['backfill', '--instrument', 'NSE:INFY', '--from', '2026-10-30', '--journal', path]).stderr, /KITE_API_KEY and KITE_ACCESS_TOKEN/);
  assert.equal(run(['backfill', '--broker', 'sim', '--instrument', 'NSE:NOPE', '--from', '2026-10-30', '--journal', path]).status, 2);
});

test('backfill --sink: the candles reach the database (broker_candles) before the command ends', async () => {
  const url = await freshDatabase();
  await withClient(url, (c) => initSchema(c));
  const path = join(mkdtempSync(join(tmpdir(), 'tickdesk-backfill-sink-')), 'j.sqlite');
  const r = run(['backfill', '--broker', 'sim', '--instrument', 'NSE:INFY', '--interval', '10m', '--from', '2026-10-26', '--to', '2026-10-30 15:30', '--journal', path, '--sink', url, '--source-id', 'bf']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /sent to the database as bf \(table broker_candles\)/);
  const n = Number(/backfilled (\d+) 10m candles/.exec(r.stderr)![1]);
  assert.equal(n, 5 * 38, 'five trading days of 38 ten-minute bars');
  await withClient(url, async (c) => {
    const rows = (await c.query("SELECT extract(epoch from bucket)::bigint AS t, open FROM broker_candles WHERE interval = '10m' ORDER BY bucket")).rows;
    assert.equal(rows.length, n);
    const infy = defaultUniverse().find((i) => i.symbol === 'INFY')!;
    const first = Date.parse('2026-10-26T09:15:00+05:30') / 1000;
    assert.equal(Number(rows[0].t), first);
    // The 09:15 bar opens at the 09:08 pre-open auction's price.
    assert.equal(rows[0].open, simHistoryPrice(infy.token, infy.basePrice, infy.tickSize, first / 60 - 7));
  });
  await cleanupDatabases();
});
