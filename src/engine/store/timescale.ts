// The TimescaleDB / PostgreSQL side: a versioned, idempotent schema migrator (db/timescale) that
// degrades to plain tables and views where the extension is missing.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../paths';
import type pg from 'pg';

export const TIMESCALE_SCHEMA_DIR = join(REPO_ROOT, 'db', 'timescale');
export const SCHEMA_VERSION = 1;

export interface SchemaOptions {
  /** Compress chunks older than this many days (TimescaleDB only). */
  compressAfterDays?: number;
  /** Drop chunks older than this many days (TimescaleDB only). */
  retainDays?: number;
  schemaDir?: string;
}

export interface SchemaResult {
  timescale: boolean;
  version: number;
  /** What the database lacks, in words for the user. */
  missing: string[];
}

/** Splits a migration file into statements (the files use no dollar-quoted bodies). */
export function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
    .filter(Boolean);
}

function fill(sql: string, opts: SchemaOptions): string {
  const days = (n: number) => `${Math.max(1, Math.round(n))} days`;
  return sql.replaceAll('{{compress_after}}', days(opts.compressAfterDays ?? 7)).replaceAll('{{retain_for}}', days(opts.retainDays ?? 3650));
}

async function hasTimescale(client: pg.ClientBase): Promise<boolean> {
  const r = await client.query("SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'");
  return (r.rowCount ?? 0) > 0;
}

/**
 * Applies the schema. Idempotent: every statement is IF NOT EXISTS / if_not_exists, and the
 * applied version is recorded in `tickdesk_schema`. An advisory lock keeps two recorders from
 * migrating the same database at once.
 */
export async function initSchema(client: pg.ClientBase, opts: SchemaOptions = {}): Promise<SchemaResult> {
  const dir = opts.schemaDir ?? TIMESCALE_SCHEMA_DIR;
  await client.query('SELECT pg_advisory_lock(74101301)');
  try {
    const timescale = await hasTimescale(client);
    await client.query(
      'CREATE TABLE IF NOT EXISTS tickdesk_schema (version integer PRIMARY KEY, variant text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const rebuilt = timescale && (await dropMidnightHourly(client));
    const files = [`00${SCHEMA_VERSION}_base.sql`, timescale ? `00${SCHEMA_VERSION}_timescale.sql` : `00${SCHEMA_VERSION}_plain.sql`];
    for (const f of files) {
      for (const stmt of splitStatements(fill(readFileSync(join(dir, f), 'utf8'), opts))) await client.query(stmt);
    }
    // Rebuilt aggregates start empty: fill them from the data already there.
    if (rebuilt) for (const v of ['candles_1h', 'candles_1d']) await client.query(`CALL refresh_continuous_aggregate('${v}', NULL, NULL)`);
    await client.query(
      'INSERT INTO tickdesk_schema (version, variant) VALUES ($1, $2) ON CONFLICT (version) DO UPDATE SET variant = EXCLUDED.variant',
      [SCHEMA_VERSION, timescale ? 'timescaledb' : 'plain'],
    );
    const missing = timescale
      ? []
      : [
          'TimescaleDB extension not available: ticks, depth and feed_gaps are plain tables (no hypertables, compression or retention policies), and candles_1m … candles_1d are ordinary views computed on read',
        ];
    return { timescale, version: SCHEMA_VERSION, missing };
  } finally {
    await client.query('SELECT pg_advisory_unlock(74101301)');
  }
}

/**
 * Databases set up before hourly bars counted from the 09:15 open have candles_1h on top of
 * candles_15m (counted from midnight) and candles_1d on top of candles_1h. That pair is dropped so
 * the schema file creates it again (hourly from the ticks at the 09:15 origin, daily from 15m).
 */
async function dropMidnightHourly(client: pg.ClientBase): Promise<boolean> {
  const ext = await client.query("SELECT to_regclass('timescaledb_information.continuous_aggregates') IS NOT NULL AS present");
  if (!ext.rows[0].present) return false; // a new database: nothing to rebuild
  const r = await client.query("SELECT view_definition FROM timescaledb_information.continuous_aggregates WHERE view_name = 'candles_1h'");
  const def = String(r.rows[0]?.view_definition ?? '');
  if (!/\bcandles_15m\b/.test(def)) return false;
  await client.query('DROP MATERIALIZED VIEW IF EXISTS candles_1d');
  await client.query('DROP MATERIALIZED VIEW candles_1h');
  return true;
}

/** The schema version a database carries, or 0 when Tickdesk's schema is not there. */
export async function schemaVersion(client: pg.ClientBase): Promise<number> {
  const r = await client.query("SELECT to_regclass('tickdesk_schema') IS NOT NULL AS present");
  if (!r.rows[0].present) return 0;
  const v = await client.query('SELECT max(version) AS v FROM tickdesk_schema');
  return v.rows[0].v ?? 0;
}
