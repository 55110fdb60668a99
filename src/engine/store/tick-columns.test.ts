// The one tick column descriptor matches each store it describes: the journal's table and its
// insert, the sink's table, the CSV header.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Tick } from '../../shared/model';
import { TICK_CSV_HEADER } from '../export/csv';
import { Journal } from './journal';
import { cleanupDatabases, freshDatabase, withClient } from './testing';
import { JOURNAL_TICK_COLUMNS, SINK_TICK_COLUMNS, TICK_COLUMNS } from './tick-columns';
import { initSchema } from './timescale';

after(() => cleanupDatabases());

test('a tick with every column set goes into the journal and comes back field for field, in the descriptor order', () => {
  const j = new Journal(join(mkdtempSync(join(tmpdir(), 'tickdesk-cols-')), 'j.sqlite'), { flushMs: 1_000_000 });
  const id = j.upsertInstrument({ broker: 'kite', token: '408065', exchange: 'NSE', segment: 'NSE', symbol: 'INFY', tickSize: 0.05, lotSize: 1 });
  // Every value distinct, so a column bound in the wrong place cannot read back right.
  const tick: Tick = {
    instrumentId: id,
    tsExchange: 1_763_612_400_000,
    tsReceived: 1_763_612_400_123,
    ltp: 1573.7,
    ltq: 7,
    atp: 1570.37,
    volume: 1_192_471,
    volDelta: 12,
    oi: 33,
    totalBuyQty: 256_443,
    totalSellQty: 363_009,
    open: 1569.15,
    high: 1575,
    low: 1561.05,
    close: 1567.8,
    bid: 1573.4,
    ask: 1573.75,
    bidQty: 5,
    askQty: 172,
    depth5: new Float64Array(30).map((_, i) => 1000 + i),
  };
  j.append(tick);
  j.flush();
  assert.deepEqual(j.ticks(id, tick.tsExchange, tick.tsExchange), [{ id: 1, ...tick }]);
  const [row] = j.ticksAfter(0, 1);
  assert.deepEqual(Journal.RAW_TICK_COLUMNS, ['id', ...TICK_COLUMNS.map((c) => c.column)]);
  assert.deepEqual(
    TICK_COLUMNS.map((c, k) => (c.field === 'depth5' ? [...new Float64Array(new Uint8Array(row[k + 1] as Buffer).buffer)] : row[k + 1])),
    TICK_COLUMNS.map((c) => (c.field === 'depth5' ? [...tick.depth5!] : tick[c.field])),
  );
  const table = (j.db.prepare('SELECT name FROM pragma_table_info(?) ORDER BY cid').all('ticks') as Array<{ name: string }>).map((r) => r.name);
  assert.deepEqual(table, ['id', ...JOURNAL_TICK_COLUMNS]);
  j.close();
});

test("the sink's ticks table holds exactly the columns the replicator sends", async () => {
  const url = await freshDatabase();
  const columns = await withClient(url, async (c) => {
    await initSchema(c);
    return (await c.query("SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'ticks'")).rows.map((r) => r.column_name as string);
  });
  assert.deepEqual([...columns].sort(), [...SINK_TICK_COLUMNS].sort());
  assert.equal(new Set(SINK_TICK_COLUMNS).size, SINK_TICK_COLUMNS.length);
});

test('the CSV header: times, instrument, values, then the five levels of each side', () => {
  const levels = ['bid', 'ask'].flatMap((side) => [1, 2, 3, 4, 5].flatMap((i) => [`${side}_price_${i}`, `${side}_qty_${i}`, `${side}_orders_${i}`]));
  assert.deepEqual(TICK_CSV_HEADER, [
    'ts_exchange',
    'ts_received',
    'exchange',
    'symbol',
    'ltp',
    'ltq',
    'atp',
    'volume',
    'vol_delta',
    'oi',
    'total_buy_qty',
    'total_sell_qty',
    'open',
    'high',
    'low',
    'close',
    ...levels,
  ]);
});
