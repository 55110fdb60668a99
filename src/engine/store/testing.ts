// Test support for the PostgreSQL sink: throwaway databases on the real server, and checksums
// computed the same way on the journal and on PostgreSQL. Used by tests only.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Tick } from '../../shared/model';
import type { Journal } from './journal';

const dropList: Array<() => Promise<unknown>> = [];

/** Drops every database freshDatabase() made in this process. */
export async function cleanupDatabases(): Promise<void> {
  while (dropList.length) await dropList.pop()!().catch(() => {});
}

export const PG_ADMIN_URL = process.env.TICKDESK_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A fresh database on the real server; dropped after the file's tests. */
export async function freshDatabase(): Promise<string> {
  const name = `tickdesk_t_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  dropList.push(async () => {
    const a = new pg.Client({ connectionString: PG_ADMIN_URL });
    await a.connect();
    await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await a.end();
  });
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Per-instrument row count and checksum, computed identically on both sides. */
export function journalChecksums(j: Journal): Map<string, { n: number; sum: number }> {
  const rows = j.db
    .prepare(
      `SELECT i.exchange || ':' || i.symbol AS k, count(*) AS n, sum(t.ltp * 100 + coalesce(t.volume, 0) % 1000 + t.ts_received % 100000) AS s
       FROM ticks t JOIN instruments i ON i.id = t.instrument_id GROUP BY 1`,
    )
    .all() as Array<{ k: string; n: number; s: number }>;
  return new Map(rows.map((r) => [r.k, { n: r.n, sum: Math.round(r.s) }]));
}

export async function pgChecksums(c: pg.Client, sourceId: string): Promise<Map<string, { n: number; sum: number }>> {
  const r = await c.query(
    `SELECT i.exchange || ':' || i.symbol AS k, count(*) AS n,
            sum(t.ltp * 100 + coalesce(t.volume, 0) % 1000 + (extract(epoch from t.ts_received) * 1000)::bigint % 100000) AS s
     FROM ticks t JOIN instruments i ON i.id = t.instrument_id WHERE t.source_id = $1 GROUP BY 1`,
    [sourceId],
  );
  return new Map(r.rows.map((x: { k: string; n: string; s: string }) => [x.k, { n: Number(x.n), sum: Math.round(Number(x.s)) }]));
}


const BOOK = new Float64Array(30).map((_, i) => 100 + i);

/** A full tick with a 5-level book, the i-th of a run (price, volume and exchange time follow i). */
export function fullTick(instrumentId: number, i: number, ts: number): Tick {
  return {
    instrumentId,
    tsExchange: ts,
    tsReceived: ts,
    ltp: 100 + (i % 500) * 0.05,
    ltq: 5,
    atp: 101.5,
    volume: i,
    volDelta: 5,
    oi: 1000,
    totalBuyQty: 5000,
    totalSellQty: 6000,
    open: 100,
    high: 125,
    low: 99,
    close: 100.5,
    bid: 100,
    ask: 100.05,
    bidQty: 10,
    askQty: 12,
    depth5: BOOK,
  };
}

/**
 * A producer that never idles, as a flooding feed does: each turn of this thread's event loop
 * appends and commits `perTurn` full ticks (over `ids` in turn, stamped now) and holds the loop
 * until `holdMs` have passed, then queues the next turn. stop() ends it and says how many turns ran.
 */
export function flood(journal: Journal, ids: readonly number[], perTurn: number, holdMs: number): { stop(): number } {
  let on = true;
  let i = 0;
  let turns = 0;
  const turn = () => {
    if (!on) return;
    const t = performance.now();
    for (let k = 0; k < perTurn; k++, i++) journal.append(fullTick(ids[i % ids.length], i, Date.now()));
    journal.flush();
    turns++;
    while (performance.now() - t < holdMs);
    setImmediate(turn);
  };
  turn();
  return {
    stop() {
      on = false;
      return turns;
    },
  };
}
