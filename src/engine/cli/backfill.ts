// `tickdesk backfill`: historical candles of one instrument into the journal, with a progress line.
import { parseArgs } from 'node:util';
import { CandleInterval, type Instrument } from '../../shared/model';
import { savedSession } from '../auth/session-store';
import { backfillDhan, backfillKite, type BackfillRequest, type BackfillResult } from '../backfill';
import { dhanRoots } from '../brokers/dhan/auth';
import { DHAN_HISTORY_INTERVALS } from '../brokers/dhan/historical';
import { findDhanInstrument } from '../brokers/dhan/instruments';
import { KITE_INTERVALS } from '../brokers/kite/historical';
import { dhanScripMasterUrl, importDhanScripMaster, importKiteInstruments } from '../instruments/master';
import { KITE_REST_ROOT } from '../brokers/kite/login';
import { DhanRestSimulator } from '../sim/dhan/rest-server';
import { KiteSimulator } from '../sim/kite/server';
import { defaultUniverse } from '../sim/market/market';
import { Journal } from '../store/journal';
import { defaultSourceId, Replicator } from '../store/replicator';
import { openingFile, parseTime, UsageError } from './args';
import { ProgressLine } from './progress';

export const BACKFILL_HELP = `tickdesk backfill --instrument REF --from T [options]
  --instrument REF         EXCHANGE:SYMBOL (NSE:INFY), a Kite token, or Dhan SEGMENT:SECURITYID
  --interval I             Kite: ${Object.keys(KITE_INTERVALS).join(', ')}; Dhan: ${DHAN_HISTORY_INTERVALS.join(', ')} (default: 1m)
  --from T, --to T         range: ISO 8601 (no zone = IST), a date, or epoch ms (--to default: now)
  --broker B               kite (default), dhan, or the simulators' history: sim (Kite), sim-dhan
  --journal PATH           SQLite journal (default: tickdesk.sqlite)
  --rest-root URL          override the broker REST root
  --sink URL               also send the candles to PostgreSQL/TimescaleDB now (or TICKDESK_SINK_URL;
                           otherwise a recorder with --sink sends them later)
  --source-id ID           the journal's name in a shared database (default: the one record uses)
Credentials: KITE_API_KEY + KITE_ACCESS_TOKEN, DHAN_CLIENT_ID + DHAN_ACCESS_TOKEN, or the session
saved by tickdesk login. Requests are paged by the broker's span limits and kept under its rate
limit (Kite 3/s, Dhan 5/s); a 429 is retried.`;

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
  const broker = values.broker!;
  if (!['kite', 'sim', 'dhan', 'sim-dhan'].includes(broker)) throw new UsageError('--broker must be kite, dhan, sim or sim-dhan');
  const isDhan = broker === 'dhan' || broker === 'sim-dhan';
  const offered = isDhan ? DHAN_HISTORY_INTERVALS : (Object.keys(KITE_INTERVALS) as CandleInterval[]);
  if (!interval.success || !offered.includes(interval.data)) throw new UsageError(`--interval must be one of ${offered.join(', ')}`);
  const from = parseTime(values.from);
  const to = values.to ? parseTime(values.to) : Date.now();
  if (!(to >= from)) throw new UsageError('--to is before --from');
  const journal = openingFile('journal', values.journal!, () => new Journal(values.journal!));
  const progress = new ProgressLine();
  const stops: Array<() => Promise<void>> = [];
  try {
    const { ins, run } = isDhan ? await dhanSource(journal, broker === 'sim-dhan', values['rest-root'], values.instrument, stops) : await kiteSource(journal, broker === 'sim', values['rest-root'], values.instrument, stops);
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

type Source = { ins: Instrument; run: (req: BackfillRequest) => Promise<BackfillResult> };

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

async function kiteSource(journal: Journal, sim: boolean, restRootArg: string | undefined, ref: string, stops: Array<() => Promise<void>>): Promise<Source> {
  let restRoot = restRootArg ?? KITE_REST_ROOT;
  let apiKey = process.env.KITE_API_KEY;
  let accessToken = process.env.KITE_ACCESS_TOKEN;
  if (sim) {
    const s = new KiteSimulator({ ticksPerSecond: 1 });
    await s.start();
    stops.push(() => s.stop());
    restRoot = s.restUrl;
    apiKey = s.apiKey;
    accessToken = 'sim_access_token';
  } else if (!accessToken) {
    const session = savedSession('kite');
    if (session) ({ apiKey, accessToken } = { apiKey: session.apiKey, accessToken: session.accessToken });
  }
  if (!apiKey || !accessToken) throw new UsageError('Kite needs KITE_API_KEY and KITE_ACCESS_TOKEN (or tickdesk login kite)');
  // The instrument list, unless today's is in the journal already.
  await importKiteInstruments(journal, restRoot, apiKey, accessToken, { force: sim });
  const ins = journal.findInstrument(/^\d+$/.test(ref) ? ref : ref.toUpperCase(), 'kite');
  if (!ins) throw new UsageError(`no Kite instrument "${ref}"`);
  return { ins, run: (req) => backfillKite(journal, { restRoot, apiKey: apiKey!, accessToken: accessToken! }, req) };
}

async function dhanSource(journal: Journal, sim: boolean, restRootArg: string | undefined, ref: string, stops: Array<() => Promise<void>>): Promise<Source> {
  let rest = restRootArg?.replace(/\/$/, '');
  let clientId = process.env.DHAN_CLIENT_ID;
  let accessToken = process.env.DHAN_ACCESS_TOKEN;
  if (sim) {
    const s = new DhanRestSimulator({ instruments: defaultUniverse() });
    await s.start();
    stops.push(() => s.stop());
    rest = s.root;
    clientId = s.clientId;
    accessToken = s.issueToken('SELF');
  } else if (!accessToken) {
    const session = savedSession('dhan');
    if (session) ({ clientId, accessToken } = { clientId: clientId ?? session.clientId, accessToken: session.accessToken });
  }
  if (!clientId || !accessToken) throw new UsageError('Dhan needs DHAN_CLIENT_ID and DHAN_ACCESS_TOKEN (or tickdesk login dhan)');
  await importDhanScripMaster(journal, { url: dhanScripMasterUrl(rest), force: sim });
  const ins = findDhanInstrument(journal, ref);
  if (!ins) throw new UsageError(`no Dhan instrument "${ref}" in the scrip master`);
  const { apiRoot } = dhanRoots(rest);
  return { ins, run: (req) => backfillDhan(journal, { clientId: clientId!, accessToken: accessToken!, apiRoot }, req) };
}
