// `tickdesk export`: ticks or candles of one instrument and time range to CSV.
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { CandleInterval } from '../../shared/model';
import { exportCandlesCsv, exportTicksCsv } from '../export/csv';
import { Journal } from '../store/journal';
import { openingFile, parseTime, UsageError } from './args';
import { ProgressLine } from './progress';

export const EXPORT_HELP = `tickdesk export --instrument REF [options]
  --instrument REF         EXCHANGE:SYMBOL (NSE:INFY), a broker token, or a journal instrument id
  --kind ticks|candles     what to export (default: ticks)
  --interval I             candles: 1s, 1m, 3m, 5m, 10m, 15m, 25m, 30m, 1h, 1d (default: 1m)
  --from T, --to T         range: ISO 8601 (no zone = IST), a date, or epoch ms (default: everything)
  --journal PATH           SQLite journal (default: tickdesk.sqlite)
  --out FILE               CSV file (default: standard output)`;

export async function exportCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      instrument: { type: 'string' },
      kind: { type: 'string', default: 'ticks' },
      interval: { type: 'string', default: '1m' },
      from: { type: 'string' },
      to: { type: 'string' },
      journal: { type: 'string', default: 'tickdesk.sqlite' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(EXPORT_HELP);
    return 0;
  }
  if (!values.instrument) throw new UsageError('export needs --instrument (e.g. NSE:INFY)');
  if (values.kind !== 'ticks' && values.kind !== 'candles') throw new UsageError('--kind must be ticks or candles');
  const interval = CandleInterval.safeParse(values.interval);
  if (!interval.success) throw new UsageError(`--interval must be one of ${CandleInterval.options.join(', ')}`);
  const journal = openingFile('journal', values.journal!, () => {
    const j = new Journal(values.journal!, { readonly: true });
    try {
      // Read-only, SQLite first reads the file at the first query: that is here, where a file
      // that is not a journal can be named.
      j.db.pragma('schema_version');
      return j;
    } catch (e) {
      j.close();
      throw e;
    }
  });
  try {
    const ins = journal.findInstrument(values.instrument);
    if (!ins) throw new UsageError(`no instrument "${values.instrument}" in ${values.journal}`);
    const from = values.from ? parseTime(values.from) : Number.MIN_SAFE_INTEGER;
    const to = values.to ? parseTime(values.to) : Number.MAX_SAFE_INTEGER;
    const out = values.out ? createWriteStream(values.out) : process.stdout;
    const progress = new ProgressLine();
    const report = (n: number, total: number) => progress.update(`exported ${n}/${total} ${values.kind} rows`);
    const rows =
      values.kind === 'ticks'
        ? await exportTicksCsv(journal, ins, from, to, out, report)
        : await exportCandlesCsv(journal, ins, interval.data, from, to, out, report);
    if (out !== process.stdout) {
      out.end();
      await finished(out);
    }
    progress.done(`exported ${rows} ${values.kind} rows of ${ins.exchange}:${ins.symbol}${values.out ? ` to ${values.out}` : ''}`);
    return 0;
  } finally {
    journal.close();
  }
}
