// The journal's SQLite file: opened with its pragmas, migrated, and every statement compiled once.
import Database from 'better-sqlite3';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** WAL pages after which a commit checkpoints (SQLite's default is 1,000). */
export const WAL_AUTOCHECKPOINT_PAGES = 8192;

/** A row as better-sqlite3 returns it. */
export type Row = Record<string, number | string | null | Buffer>;

/** The open database and its statement cache: what every part of the journal works through. */
export class JournalDb {
  private readonly statements = new Map<string, Database.Statement>();

  private indexed: boolean | undefined;

  constructor(readonly sqlite: Database.Database) {}

  /** Whether the ticks have tick_index (migration 008); an older journal opened read-only has not. */
  get tickIndexed(): boolean {
    if (this.indexed === undefined) this.indexed = !!this.sqlite.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'tick_index_state'").get();
    return this.indexed;
  }

  /**
   * A prepared statement, compiled on first use and kept for the life of the journal (queries run on
   * every replication cycle and frame). Lazily: a read-only journal of an older schema must open
   * even though some statements name tables it lacks. `sql` must be a constant (one entry per text).
   */
  stmt(sql: string): Database.Statement {
    let st = this.statements.get(sql);
    if (!st) this.statements.set(sql, (st = this.sqlite.prepare(sql)));
    return st;
  }
}

/**
 * Opens a journal file. Writable: WAL, synchronous NORMAL, and the numbered .sql migrations in
 * `migrationsDir` not yet applied. Always: a busy timeout, for the other writers on the file.
 */
export function openJournalDb(path: string, opts: { readonly: boolean; migrationsDir: string }): JournalDb {
  const db = new JournalDb(new Database(path, { readonly: opts.readonly }));
  if (!opts.readonly) {
    db.sqlite.pragma('journal_mode = WAL');
    // NORMAL in WAL mode: a committed transaction survives a process crash; only an OS crash or
    // power loss can roll back the last few commits (those since the last checkpoint, which syncs
    // the WAL: see Journal.flush for the time bound).
    db.sqlite.pragma('synchronous = NORMAL');
    // Checkpoint at 8,192 pages (32 MB) of WAL, not SQLite's 1,000: a 5,000-tick flush writes
    // ~1,700 pages, so at 1,000 every flush paid a checkpoint and its two fsyncs, most of the gap
    // between Journal.append and a raw insert (`npm run bench -- journal`). Journal.flush also
    // checkpoints once a second, so a commit waits at most that long for its sync either way.
    db.sqlite.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
    migrate(db, opts.migrationsDir);
  }
  db.sqlite.pragma('busy_timeout = 5000');
  return db;
}

function migrate(db: JournalDb, dir: string): void {
  db.sqlite.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  const applied = new Set((db.stmt('SELECT version FROM schema_migrations').all() as Row[]).map((r) => r.version as number));
  const files = readdirSync(dir)
    .filter((f) => /^\d+_.*\.sql$/.test(f))
    .sort();
  for (const f of files) {
    const version = parseInt(f, 10);
    if (applied.has(version)) continue;
    const sql = readFileSync(join(dir, f), 'utf8');
    db.sqlite.transaction(() => {
      db.sqlite.exec(sql);
      db.stmt('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(version, f, Date.now());
    })();
  }
}

/** The highest migration applied; 0 when none. */
export function schemaVersion(db: JournalDb): number {
  return ((db.stmt('SELECT max(version) AS v FROM schema_migrations').get() as Row).v as number) ?? 0;
}

/**
 * This journal's identity: a UUID written when the journal was created (or first opened by a
 * version that knows identities). Null only for such an older journal opened read-only.
 */
export function journalId(db: JournalDb): string | null {
  const has = db.stmt("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'journal_meta'").get();
  return has ? (((db.stmt("SELECT value FROM journal_meta WHERE key = 'journal_id'").get() as Row | undefined)?.value as string | undefined) ?? null) : null;
}
