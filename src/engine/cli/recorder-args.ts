// Options shared by the commands that run a recorder (`record`, `serve`), and the run loop:
// progress line, --duration, SIGINT/SIGTERM → flush and exit 0.
import { readFileSync } from 'node:fs';
import { brokerIds, brokers, findBroker, orList, realFirst } from '../brokers/registry';
import type { BrokerAdapter, CredentialEnv, LiveMode } from '../brokers/types';
import { parseKiteInstrumentsCsv } from '../brokers/kite/instruments';
import type { Recorder, RecorderOptions } from '../recorder';
import { universeFromKiteRows } from '../sim/market/market';
import { openingFile, UsageError } from './args';
import { configDir, savedSession } from '../auth/session-store';
import { ProgressLine } from './progress';
import { rejectsByInstrumentText, rejectsSummary } from '../pipeline/rejects';

/** A list wrapped to the help's column. */
function wrap(text: string, indent: number, width = 100): string {
  const lines: string[] = [''];
  for (const word of text.split(' ')) {
    if (lines.at(-1)!.length + word.length + 1 > width - indent) lines.push('');
    lines[lines.length - 1] += (lines.at(-1) ? ' ' : '') + word;
  }
  return lines.join(`\n${' '.repeat(indent)}`);
}

/** Each real broker's variables, from its adapter ("kite: KITE_API_KEY, KITE_ACCESS_TOKEN; ..."). */
export function credentialEnvText(): string {
  return brokers()
    .filter((b) => !b.simulated)
    .map((b) => `${b.id}: ${[b.auth.env?.clientId, b.auth.env?.apiKey, b.auth.tokenEnv].filter(Boolean).join(', ')}`)
    .join('; ');
}

/** A credential from the variable the adapter names for it. */
export function fromEnv(adapter: BrokerAdapter, key: keyof CredentialEnv): string | undefined {
  const name = adapter.auth.env?.[key];
  return name ? process.env[name] : undefined;
}

export const RECORDER_HELP = `  --broker B               ${wrap(brokerIds().join(', '), 27)} (default: sim, the built-in
                           Kite-protocol simulator; \`tickdesk brokers\` lists what each offers)
  --depth N                also record full market depth where the broker streams it:
                           ${wrap(
    brokers()
      .filter((b) => !b.simulated && b.has.depth.length)
      .map((b) => `${b.name} ${b.has.depth.map((d) => `${d.levels} (≤ ${d.maxInstruments} instruments)`).join(' or ')}`)
      .join('; '),
    27,
  )}
  --depth-instruments L    full depth per instrument to start with, REF=LEVELS,... (e.g.
                           NSE:INFY=200,NSE:SBIN=20; 0: none), applied after --depth's first ones;
                           the ladder in the UI changes it while recording, within the same limits
  --client-id ID           the account id where the broker needs one (Dhan), else from the environment
  --instruments LIST       "all" (default on sim), or comma-separated EXCHANGE:SYMBOL / Kite tokens /
                           Dhan SEGMENT:SECURITYID (Dhan symbols come from its scrip master)
  --mode ltp|quote|full    subscription mode (default: full, or the broker's richest)
  --duration D             stop after D (20s, 5m, 1h); default: until Ctrl-C
  --journal PATH           SQLite journal (default: tickdesk.sqlite)
  --capture FILE           also save every raw binary frame ([u64le ms][u32le len][bytes] records)
  --config FILE            JSON config: {"<broker>": {"apiKey": "...", "accessToken": "..."}, "sink": {"url": "..."}}
  --rate N                 simulator only: market events per second (default 3000)
  --seed N                 simulator only: random seed (default: time-based)
  --sim-instruments FILE   simulator only: its instrument list, a Kite-format instruments CSV
  --sim-clock always|nse   simulator only: trade around the clock (default), or on NSE's calendar:
                           sessions (pre-open auction 09:08, 09:15–15:30, closing session), no
                           ticks at night, at weekends or on exchange holidays
  --ws-root URL            override the broker WebSocket root (e.g. a local simulator)
  --rest-root URL          override the broker REST root (Dhan: one root for /v2, /app and /api-data)
  --login-port N           the 127.0.0.1 port of the broker app's redirect URL, for "Log in" in the UI (8421)
  --login-root URL         override the broker's login host (e.g. a simulator)
  --sink URL               replicate the journal to PostgreSQL/TimescaleDB (postgres://...; run db init first)
  --source-id ID           this recorder's name in a shared database (default: HOST-XXXXXXXX, the host
                           name and the first 8 hex digits of the journal's id; a journal that already
                           replicated as the bare host name keeps it)
  --journal-retain-days N  with --sink: prune journal rows the database confirmed after N days (default 7)
${wrap(`Credentials from the environment: ${credentialEnvText()}.`, 0)}
Without a token, the session saved by \`tickdesk login BROKER\` is used until it expires.`;

export const RECORDER_ARGS = {
  broker: { type: 'string', default: 'sim' },
  depth: { type: 'string' },
  'depth-instruments': { type: 'string' },
  'client-id': { type: 'string' },
  instruments: { type: 'string' },
  mode: { type: 'string' },
  duration: { type: 'string' },
  journal: { type: 'string', default: 'tickdesk.sqlite' },
  capture: { type: 'string' },
  config: { type: 'string' },
  rate: { type: 'string' },
  seed: { type: 'string' },
  'sim-instruments': { type: 'string' },
  'sim-clock': { type: 'string' },
  'ws-root': { type: 'string' },
  'rest-root': { type: 'string' },
  'login-port': { type: 'string' },
  'login-root': { type: 'string' },
  sink: { type: 'string' },
  'source-id': { type: 'string' },
  'journal-retain-days': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type RecorderArgValues = { [K in keyof typeof RECORDER_ARGS]?: (typeof RECORDER_ARGS)[K]['type'] extends 'boolean' ? boolean : string };

export function recorderOptions(values: RecorderArgValues): RecorderOptions {
  const broker = values.broker ?? 'sim';
  const adapter = findBroker(broker);
  if (!adapter) throw new UsageError(`--broker must be ${orList(brokerIds())} (got "${broker}")`);
  const depth = values.depth === undefined ? undefined : Number(values.depth);
  // Every level count any broker streams; then whether this one does.
  const levels = [...new Set(brokers().flatMap((b) => b.has.depth.map((d) => d.levels)))].sort((a, b) => a - b);
  if (depth !== undefined && !levels.includes(depth)) throw new UsageError(`--depth must be ${orList(levels.map(String))}`);
  if (depth && !adapter.has.depth.some((d) => d.levels === depth)) {
    const withDepth = realFirst(brokers().filter((b) => b.has.depth.some((d) => d.levels === depth)));
    throw new UsageError(`--depth needs --broker ${orList(withDepth.map((b) => b.id))} (only ${orList(withDepth.filter((b) => !b.simulated).map((b) => b.name))} streams ${levels.join('/')}-level depth)`);
  }
  const depthInstruments = values['depth-instruments'] === undefined ? undefined : depthList(adapter, values['depth-instruments']);
  // Full where the broker has it; otherwise its richest mode (Yahoo's one stream is 'quote').
  const mode = (values.mode ?? (adapter.has.live.modes.includes('full') ? 'full' : adapter.has.live.modes.at(-1)!)) as LiveMode;
  if (!adapter.has.live.modes.includes(mode)) throw new UsageError(`--mode must be ${orList(adapter.has.live.modes)}`);
  let apiKey = fromEnv(adapter, 'apiKey');
  let accessToken = process.env[adapter.auth.tokenEnv];
  let sinkUrl = values.sink ?? process.env.TICKDESK_SINK_URL;
  let sourceId = values['source-id'];
  if (values.config) {
    const configPath = values.config;
    const cfg = openingFile('config', configPath, () => JSON.parse(readFileSync(configPath, 'utf8'))) as Record<string, { apiKey?: string; accessToken?: string } | undefined> & {
      sink?: { url?: string; sourceId?: string };
    };
    // The credentials under the broker's protocol name ({"kite": {...}} for kite and sim alike).
    const own = Object.hasOwn(cfg, adapter.protocol) ? cfg[adapter.protocol] : undefined;
    apiKey = own?.apiKey ?? apiKey;
    accessToken = own?.accessToken ?? accessToken;
    sinkUrl = values.sink ?? cfg.sink?.url ?? sinkUrl;
    sourceId = sourceId ?? cfg.sink?.sourceId;
  }
  let clientId = values['client-id'] ?? fromEnv(adapter, 'clientId');
  // No token given: the session `tickdesk login` saved (real brokers), unless it has expired.
  if (!adapter.simulated && !accessToken) {
    const session = savedSession(adapter.protocol);
    const adopted = session && adapter.auth.adopt({ apiKey, clientId }, session);
    if (adopted) ({ apiKey, clientId, accessToken } = adopted);
  }
  if (sinkUrl && !/^postgres(ql)?:\/\//.test(sinkUrl)) throw new UsageError('--sink must be a postgres:// URL');
  const clock = values['sim-clock'];
  if (clock !== undefined && clock !== 'always' && clock !== 'nse') throw new UsageError(`--sim-clock must be always or nse (got "${clock}")`);
  if (clock !== undefined && !adapter.simulated) throw new UsageError(`--sim-clock is for the simulators (--broker ${orList(brokers().filter((b) => b.simulated).map((b) => b.id))}); ${adapter.name} keeps the exchange's hours`);
  const list = values.instruments;
  if (!adapter.has.live.all && (!list || list === 'all')) throw new UsageError(`--broker ${broker} needs --instruments ${adapter.instrumentsHint}`);
  return {
    broker,
    depth,
    depthInstruments,
    clientId,
    journalPath: values.journal ?? 'tickdesk.sqlite',
    instruments: !list || list === 'all' ? 'all' : list.split(',').map((s) => s.trim()).filter(Boolean),
    mode,
    apiKey,
    accessToken,
    wsRoot: values['ws-root'],
    restRoot: values['rest-root'],
    capturePath: values.capture,
    sinkUrl,
    sourceId,
    journalRetainDays: values['journal-retain-days'] ? Number(values['journal-retain-days']) : undefined,
    // Logging in again from the UI: the engine runs the browser login (secrets from the environment,
    // or typed in the UI).
    login: {
      port: values['login-port'] ? Number(values['login-port']) : 8421,
      loginRoot: values['login-root'],
      apiKey: fromEnv(adapter, 'apiKey'),
      apiSecret: fromEnv(adapter, 'apiSecret'),
    },
    // Real brokers: a session saved by `tickdesk login` while recording is picked up.
    sessionDir: adapter.simulated ? undefined : configDir(),
    sim: {
      ticksPerSecond: values.rate ? Number(values.rate) : undefined,
      seed: values.seed ? Number(values.seed) : undefined,
      instruments: values['sim-instruments']
        ? universeFromKiteRows(parseKiteInstrumentsCsv(readFileSync(values['sim-instruments'], 'utf8')))
        : undefined,
      clock,
    },
  };
}

/** `--depth-instruments REF=LEVELS,...`: each levels one of the broker's full-depth feeds (or 0), each feed within its limit. */
function depthList(adapter: BrokerAdapter, text: string): Array<{ ref: string; levels: number }> {
  const offered = adapter.has.depth;
  if (!offered.length) throw new UsageError(`--depth-instruments: ${adapter.name} streams no full depth`);
  const usage = `REF=LEVELS,... with LEVELS ${orList(['0', ...offered.map((d) => String(d.levels))])} (e.g. NSE:INFY=${offered.at(-1)!.levels})`;
  const out = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((item) => {
      const at = item.lastIndexOf('=');
      const ref = item.slice(0, at).trim();
      const levels = Number(item.slice(at + 1));
      if (at <= 0 || !Number.isInteger(levels) || (levels !== 0 && !offered.some((d) => d.levels === levels))) throw new UsageError(`--depth-instruments: "${item}" is not ${usage}`);
      return { ref, levels };
    });
  if (!out.length) throw new UsageError(`--depth-instruments needs ${usage}`);
  for (const d of offered) {
    const n = out.filter((x) => x.levels === d.levels).length;
    if (n > d.maxInstruments) throw new UsageError(`--depth-instruments: ${n} instruments at ${d.levels} levels; ${adapter.name} allows ${d.maxInstruments}`);
  }
  return out;
}

/**
 * Prints a progress line every second until --duration passes or SIGINT/SIGTERM arrives; then
 * runs `beforeStop`, stops the recorder (committing what is queued) and resolves.
 */
export async function runUntilStopped(
  recorder: Recorder,
  journalPath: string,
  durationMs: number,
  beforeStop: () => Promise<void> | void = () => {},
): Promise<void> {
  const progress = new ProgressLine();
  const timers: { ticker?: NodeJS.Timeout; deadline?: NodeJS.Timeout } = {};
  let stopping: Promise<void> | null = null;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const stop = (why: string) => {
    stopping ??= (async () => {
      clearInterval(timers.ticker);
      clearTimeout(timers.deadline);
      await beforeStop();
      await recorder.stop(5000);
      const s = recorder.stats();
      const depth = s.depthCommitted ? ` and ${s.depthCommitted} depth snapshots` : '';
      const sink = s.sink ? `; db ${s.sink.state}, ${s.sink.backlogRows} rows left to replicate` : '';
      progress.done(`${why}: committed ${s.committed} ticks${depth} to ${journalPath} (${rejectsSummary(s.rejectedByReason, s.reanchored)}, reconnects ${s.reconnects}${sink})`);
      const worst = rejectsByInstrumentText(recorder.rejectsByInstrument(10), s.instrumentsWithRejects);
      if (worst) progress.done(worst);
      done();
    })();
  };
  process.once('SIGINT', () => stop('interrupted'));
  process.once('SIGTERM', () => stop('terminated'));
  const started = Date.now();
  let lastCommitted = recorder.stats().committed;
  let lastAt = started;
  let notices = 0;
  let marketText = '';
  timers.ticker = setInterval(() => {
    // A simulator on NSE's clock says when its market opens or closes, in the notices the page shows too.
    const market = recorder.marketState();
    if (market && market.text !== marketText) recorder.notices.push(`simulated NSE market: ${(marketText = market.text)}`);
    const s = recorder.stats();
    const now = Date.now();
    const rate = ((s.committed - lastCommitted) * 1000) / Math.max(1, now - lastAt);
    lastCommitted = s.committed;
    lastAt = now;
    for (; notices < recorder.notices.length; notices++) progress.update(`! ${recorder.notices[notices]}`);
    const depthPart = s.depthCommitted ? ` | depth ${s.depthCommitted} sides` : '';
    const sink = s.sink
      ? ` | db ${s.sink.state}, backlog ${s.sink.backlogRows} rows (${s.sink.backlogSeconds.toFixed(0)} s), ${s.sink.rowsPerSecond} rows/s, replicated ${s.sink.replicated}`
      : '';
    progress.update(
      `${((now - started) / 1000).toFixed(0)}s | ${Math.round(rate)} ticks/s | committed ${s.committed} | ${rejectsSummary(s.rejectedByReason, s.reanchored)} | ` +
        `reconnects ${s.reconnects} | journal lag ${s.lagMs} ms, ${s.pending} pending | ${s.instruments} instruments | ${s.state}${market ? ` | ${market.text}` : ''}${depthPart}${sink}`,
    );
  }, 1000);
  if (Number.isFinite(durationMs)) timers.deadline = setTimeout(() => stop('done'), durationMs);
  await finished;
}

/** Starts the recorder, showing instrument master downloads as a progress line. */
export async function startWithProgress(recorder: Recorder): Promise<void> {
  const line = new ProgressLine();
  let shown = false;
  recorder.onMasterProgress = (p) => {
    const mb = (p.bytes / 1e6).toFixed(1);
    const of = p.totalBytes ? ` of ${(p.totalBytes / 1e6).toFixed(1)} MB (${Math.round((100 * p.bytes) / p.totalBytes)} %)` : ' MB';
    // On a pipe, only the end (one line per download); on a terminal, every update in place.
    if (!p.done && !process.stderr.isTTY) return;
    line.update(`instruments: ${p.broker} ${mb}${of}, ${p.rows.toLocaleString('en-US')} rows${p.done ? ', done' : ''}`);
    shown = true;
  };
  try {
    await recorder.start();
  } finally {
    if (shown) line.done();
    recorder.onMasterProgress = undefined;
  }
}
