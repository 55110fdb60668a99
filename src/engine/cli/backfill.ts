// `tickdesk backfill`: historical candles of one instrument into the journal, with a progress line.
import { parseArgs } from 'node:util';
import { CandleInterval } from '../../shared/model';
import { savedSession } from '../auth/session-store';
import { brokers, findBroker, orList, realFirst } from '../brokers/registry';
import { MissingCredentials, type BrokerAdapter, type Credentials, type HistoryJob } from '../brokers/types';
import { storeContext } from '../instruments/store-context';
import { Journal } from '../store/journal';
import { defaultSourceId, Replicator } from '../store/replicator';
import { openingFile, parseTime, UsageError } from './args';
import { credentialEnvText, fromEnv } from './recorder-args';
import { ProgressLine } from './progress';

export const BACKFILL_HELP = `tickdesk backfill --instrument REF --from T [options]
  --instrument REF         EXCHANGE:SYMBOL (NSE:INFY), a Kite token, or Dhan SEGMENT:SECURITYID
  --interval I             ${brokers()
  .filter((b) => !b.simulated)
  .map((b) => `${b.name}: ${b.has.history.intervals.join(', ')}`)
  .join('; ')} (default: 1m)
  --from T, --to T         range: ISO 8601 (no zone = IST), a date, or epoch ms (--to default: now)
  --broker B               ${brokers()
  .filter((b) => !b.simulated)
  .map((b) => b.id)
  .join(', ')} (default: kite), or a simulator's history: ${brokers()
  .filter((b) => b.simulated)
  .map((b) => b.id)
  .join(', ')}
  --journal PATH           SQLite journal (default: tickdesk.sqlite)
  --rest-root URL          override the broker REST root
  --sink URL               also send the candles to PostgreSQL/TimescaleDB now (or TICKDESK_SINK_URL;
                           otherwise a recorder with --sink sends them later)
  --source-id ID           the journal's name in a shared database (default: the one record uses)
Credentials from the environment (${credentialEnvText()}), or the session saved by tickdesk login.
Requests are paged by the broker's span limits and kept under its rate limit (${brokers()
  .filter((b) => !b.simulated)
  .map((b) => `${b.name} ${b.has.history.ratePerSecond}/s`)
  .join(', ')}); a 429 is retried.`;

export async function backfillCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      instrument: { type: 'string' },
      interval: { type: 'string', default: '1m' },
      from: { type: 'string' },
      to: { type: 'string' },
      broker: { type: 'string', default: 'kite' },
      journal: { type: 'string', default: 'tickdesk.sqlite' },
      'rest-root': { type: 'string' },
      sink: { type: 'string' },
      'source-id': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(BACKFILL_HELP);
    return 0;
  }
  if (!values.instrument) throw new UsageError('backfill needs --instrument (e.g. NSE:INFY)');
  if (!values.from) throw new UsageError('backfill needs --from (e.g. 2026-11-01)');
  const interval = CandleInterval.safeParse(values.interval);
  const adapter = findBroker(values.broker!);
  if (!adapter) throw new UsageError(`--broker must be ${orList(realFirst(brokers()).map((b) => b.id))}`);
  const offered = adapter.has.history.intervals;
  if (!interval.success || !offered.includes(interval.data)) throw new UsageError(`--interval must be one of ${offered.join(', ')}`);
  const from = parseTime(values.from);
  const to = values.to ? parseTime(values.to) : Date.now();
  if (!(to >= from)) throw new UsageError('--to is before --from');
  const journal = openingFile('journal', values.journal!, () => new Journal(values.journal!));
  const progress = new ProgressLine();
  const stops: Array<() => Promise<void>> = [];
  try {
    const { ins, run } = await historyJob(adapter, journal, values['rest-root'], values.instrument, stops);
    const name = `${ins.exchange}:${ins.symbol} ${interval.data}`;
    const r = await run({
      instrument: ins,
      interval: interval.data,
      from,
      to,
      onProgress: (p) => progress.update(`backfill ${name}: page ${p.page}/${p.pages}, ${p.candles.toLocaleString('en-US')} candles${p.retries ? `, ${p.retries} retries` : ''}`),
    });
    const span = r.first !== undefined ? ` (${new Date(r.first * 1000).toISOString()} … ${new Date(r.last! * 1000).toISOString()})` : '';
    progress.done(`backfilled ${r.candles} ${interval.data} candles of ${ins.exchange}:${ins.symbol}${span} into ${values.journal}`);
    const sink = values.sink ?? process.env.TICKDESK_SINK_URL;
    if (sink) await sendToSink(journal, sink, values['source-id'] ?? defaultSourceId(journal), progress);
    return 0;
  } finally {
    journal.close();
    for (const stop of stops) await stop();
  }
}

/** Replicates what the journal holds (the new candles among it) and waits until the database has it. */
async function sendToSink(journal: Journal, url: string, sourceId: string, progress: ProgressLine): Promise<void> {
  const rep = new Replicator({ journal, url, sourceId, idleMs: 50 });
  rep.start();
  const end = Date.now() + 120_000;
  try {
    while (rep.candlesSynced < journal.maxCandleSeq()) {
      if (Date.now() > end) throw new Error(`the database did not take the candles in 2 minutes (${rep.snapshot().detail || rep.snapshot().state}); they stay in the journal and a recorder with --sink sends them later`);
      progress.update(`sending to the database: ${rep.snapshot().state}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await rep.stop();
  }
  progress.done(`sent to the database as ${sourceId} (table broker_candles)`);
}

/** The adapter's history for one instrument: credentials from the environment or the saved session. */
async function historyJob(adapter: BrokerAdapter, journal: Journal, restRoot: string | undefined, ref: string, stops: Array<() => Promise<void>>): Promise<HistoryJob> {
  let credentials: Credentials = { apiKey: fromEnv(adapter, 'apiKey'), clientId: fromEnv(adapter, 'clientId'), accessToken: process.env[adapter.auth.tokenEnv] };
  if (!adapter.simulated && !credentials.accessToken) {
    const session = savedSession(adapter.protocol);
    // Without a token, the saved session's key goes with it.
    if (session) credentials = adapter.auth.adopt({ clientId: credentials.clientId }, session) ?? credentials;
  }
  try {
    return await adapter.openHistory(storeContext(journal), { restRoot, ref, credentials }, stops);
  } catch (e) {
    if (e instanceof MissingCredentials) throw new UsageError(e.message);
    throw e;
  }
}
