// `tickdesk db init --url postgres://...`: apply Tickdesk's schema (idempotent).
import { parseArgs } from 'node:util';
import { initSchema } from '../store/timescale';
import { UsageError } from './args';

export const DB_HELP = `tickdesk db init --url postgres://USER@HOST:PORT/DB [options]
  --compress-after-days N  TimescaleDB: compress chunks older than N days (default 7)
  --retain-days N          TimescaleDB: drop ticks and depth older than N days (default 3650)
  Creates instruments, ticks, depth, feed_gaps, sink_progress, sink_sources, the depth_levels view and candles_1m …
  candles_1d. With TimescaleDB: hypertables, compression, retention and continuous aggregates; on
  plain PostgreSQL: tables, indexes and ordinary views (and it says what is missing). Safe to re-run.`;

export async function dbCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === '-h') {
    console.log(DB_HELP);
    return sub ? 0 : 2;
  }
  if (sub !== 'init') throw new UsageError(`unknown subcommand ${sub} (try: tickdesk db init)`);
  const { values } = parseArgs({
    args: rest,
    options: { url: { type: 'string' }, 'compress-after-days': { type: 'string' }, 'retain-days': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log(DB_HELP);
    return 0;
  }
  const url = values.url ?? process.env.TICKDESK_SINK_URL;
  if (!url) throw new UsageError('db init needs --url postgres://... (or TICKDESK_SINK_URL)');
  // Checked before connecting: a typo must not reach the database's retention policies.
  const compressAfterDays = days(values['compress-after-days'], 'compress-after-days');
  const retainDays = days(values['retain-days'], 'retain-days');
  const { default: pg } = await import('pg'); // only here: every other command starts without it
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    const r = await initSchema(client, { compressAfterDays, retainDays });
    console.log(`schema v${r.version} applied (${r.timescale ? 'TimescaleDB' : 'plain PostgreSQL'})`);
    for (const m of r.missing) console.log(`missing: ${m}`);
    return 0;
  } finally {
    await client.end();
  }
}

function days(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !(n >= 1)) throw new UsageError(`--${flag} must be a whole number of days, at least 1 (got "${text}")`);
  return n;
}
