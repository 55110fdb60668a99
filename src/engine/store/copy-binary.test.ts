// Binary COPY encoding checked by PostgreSQL itself: the same journal rows sent as text COPY and
// as binary COPY must read back identical, field for field.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { COPY_BINARY_TRAILER, COPY_TICKS_BINARY_HEADER, TickBinaryEncoder } from './copy-binary';
import { Journal } from './journal';
import { COPY_TICKS_BINARY_SQL, COPY_TICKS_SQL, copyEscape, copyText, tickCopyLine } from './replicator';
import { cleanupDatabases, freshDatabase, withClient } from './testing';
import { initSchema } from './timescale';
import { from as copyFrom } from 'pg-copy-streams';

after(() => cleanupDatabases());

test('binary COPY and text COPY of the same rows read back identical', async () => {
  const j = new Journal(join(mkdtempSync(join(tmpdir(), 'tickdesk-bin-')), 'j.sqlite'));
  const id = j.upsertInstrument({ broker: 'kite', token: '408065', exchange: 'NSE', segment: 'NSE', symbol: 'INFY', tickSize: 0.05, lotSize: 1 });
  const book = new Float64Array(30).map((_, i) => (i < 5 || (i >= 15 && i < 20) ? 1573.4 + i * 0.05 : i * 1000 + 7));
  j.append({ instrumentId: id, tsExchange: 1625461887000, tsReceived: 1625461887123, ltp: 1573.7, ltq: 7, atp: 1570.37, volume: 1192471, volDelta: 12,
    oi: 0, totalBuyQty: 256443, totalSellQty: 363009, open: 1569.15, high: 1575, low: 1561.05, close: 1567.8, bid: 1573.4, ask: 1573.7, bidQty: 5, askQty: 172, depth5: book });
  j.append({ instrumentId: id, tsExchange: 1625461888000, tsReceived: 1625461888001, ltp: 0.0025 });
  j.append({ instrumentId: id, tsExchange: 1, tsReceived: -1000, ltp: 83.25125, volume: 2 ** 40 + 3, oi: -5 });
  j.flush();
  const rows = j.ticksAfter(0, 10);
  j.close();

  const url = await freshDatabase();
  await withClient(url, async (c) => {
    await initSchema(c);
    const src = copyEscape('text');
    await copyText(c, COPY_TICKS_SQL, rows.map((r) => tickCopyLine(r, 42, src)).join(''));
    const enc = new TickBinaryEncoder('binary');
    for (const r of rows) enc.add(r, 42);
    await new Promise<void>((resolve, reject) => {
      const s = c.query(copyFrom(COPY_TICKS_BINARY_SQL));
      s.on('finish', resolve);
      s.on('error', reject);
      s.write(COPY_TICKS_BINARY_HEADER);
      s.write(enc.take());
      s.end(COPY_BINARY_TRAILER);
    });
    const read = async (source: string) =>
      (await c.query(`SELECT * FROM ticks WHERE source_id = $1 ORDER BY ts_received`, [source])).rows.map((r) => ({ ...r, source_id: undefined }));
    const text = await read('text');
    const binary = await read('binary');
    assert.equal(binary.length, 3);
    assert.deepEqual(binary, text);
    // Ordered by receive time: the pre-1970 row, the full row, the LTP-only row.
    assert.equal(binary[0].ts_received.toISOString(), '1969-12-31T23:59:59.000Z');
    assert.equal(binary[0].volume, String(2 ** 40 + 3));
    assert.equal(binary[0].oi, '-5');
    assert.equal(binary[1].ts.toISOString(), '2021-07-05T05:11:27.000Z');
    assert.equal(binary[1].ts_received.toISOString(), '2021-07-05T05:11:27.123Z');
    assert.deepEqual(binary[1].bid_prices, [0, 1, 2, 3, 4].map((i) => 1573.4 + i * 0.05));
    assert.deepEqual(binary[1].bid_orders, [10007, 11007, 12007, 13007, 14007]);
    assert.equal(binary[1].ltq, '7');
    assert.equal(binary[2].bid_prices, null);
    assert.equal(binary[2].ltp, 0.0025);
  });
});
