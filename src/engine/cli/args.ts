// Small argument helpers shared by the CLI commands.

export class UsageError extends Error {}

/** "20s", "5m", "1h", "1500ms", or plain seconds → ms; at least 1 ms (0 would stop at once). */
export function parseDuration(s: string): number {
  const m = /^(-?\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(s.trim());
  if (!m) throw new UsageError(`bad duration "${s}" (examples: 20s, 5m, 1h)`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  const ms = Math.round(n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit]!);
  if (!(ms >= 1)) throw new UsageError(`bad duration "${s}": it must be more than 0 (examples: 20s, 5m, 1h)`);
  return ms;
}

/** ISO 8601 (with or without zone; no zone means IST), a date (IST midnight), or epoch ms. */
export function parseTime(s: string): number {
  if (/^\d{10,}$/.test(s)) return Number(s);
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/.test(s);
  const text = /^\d{4}-\d{2}-\d{2}$/.test(s) ? `${s}T00:00:00+05:30` : hasZone ? s : `${s.replace(' ', 'T')}+05:30`;
  const t = Date.parse(text);
  if (!Number.isFinite(t)) throw new UsageError(`bad time "${s}" (use ISO 8601 like 2026-11-20T09:15:00+05:30, or epoch ms)`);
  return t;
}

/** ms → ISO 8601 in IST with its offset; it lives in shared/ist.ts, below export/ that uses it too. */
export { isoIst } from '../../shared/ist';

/**
 * Runs `open` (which opens `path`) and, when it fails without naming the file — SQLite's "unable
 * to open database file", "file is not a database" — puts the file in front of the message.
 */
export function openingFile<T>(what: string, path: string, open: () => T): T {
  try {
    return open();
  } catch (e) {
    const err = e as Error;
    if (err.message.includes(path)) throw e;
    throw new Error(`${what} ${path}: ${err.message}`, { cause: e });
  }
}
