// Test support for the PostgreSQL sink: throwaway databases on the real server, and checksums
// computed the same way on the journal and on PostgreSQL. Used by tests only.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
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

