// Fyers' symbol masters (specs/fyers-upstox-yahoo.md §1.3): one public CSV per exchange segment
// (NSE_CM.csv, NSE_FO.csv, …), no header row, 21 columns. Read a line at a time into the shared
// model with the cross-broker key's conventions (NSE:SBIN-EQ is NSE SBIN as on Kite; indices by
// their exchange name, NIFTY 50), written by the simulator, and the topics the data socket
// subscribes to. An instrument's token is its Fyers ticker (NSE:SBIN-EQ): what the REST calls take.
import { istDay } from '../../../shared/ist';
import type { Instrument, NewInstrument } from '../../../shared/model';
import { crossBrokerKey } from '../../../shared/xkey';
import { BrokerError } from '../errors';
import { splitCsvLine } from '../kite/instruments';
import type { AdapterJournal, MasterFormat, MasterImportResult, MasterOptions, MasterProgress, StoreContext } from '../types';

const BROKER = 'fyers';

/** The 21 columns, in order (the file names none of them). */
export const FYERS_MASTER_COLUMNS = [
  'fytoken',
  'symbolDetails',
  'exchangeInstrumentType',
  'minLotSize',
  'tickSize',
  'isin',
  'tradingSession',
  'lastUpdateDate',
  'expiryDate',
  'symbolTicker',
  'exchange',
  'segment',
  'scripCode',
  'underlyingSymbol',
  'underlyingScripCode',
  'strikePrice',
  'optionType',
  'underlyingFytoken',
  'reserved1',
  'reserved2',
  'reserved3',
] as const;

/** Fields through the option type must be there; the trailing ones have varied between files. */
const MIN_COLUMNS = 17;

/**
 * Exchange and segment codes (the fytoken's first four digits): the segment's master file, the
 * exchange the rest of Tickdesk (and Kite) calls it, and its name on the data socket (Go SDK
 * map.json `exch_seg_dict`).
 */
export const FYERS_SEGMENTS: Readonly<Record<string, { file: string; exchange: string; hsm: string }>> = {
  '1010': { file: 'NSE_CM', exchange: 'NSE', hsm: 'nse_cm' },
  '1011': { file: 'NSE_FO', exchange: 'NFO', hsm: 'nse_fo' },
  '1012': { file: 'NSE_CD', exchange: 'CDS', hsm: 'cde_fo' },
  '1020': { file: 'NSE_COM', exchange: 'NCO', hsm: 'nse_com' },
  '1120': { file: 'MCX_COM', exchange: 'MCX', hsm: 'mcx_fo' },
  '1210': { file: 'BSE_CM', exchange: 'BSE', hsm: 'bse_cm' },
  '1211': { file: 'BSE_FO', exchange: 'BFO', hsm: 'bse_fo' },
  '1212': { file: 'BSE_CD', exchange: 'BCD', hsm: 'bcs_fo' },
};

/**
 * The master files imported, NSE_CM last: the import counts as today's when the last one is in
 * (an earlier failure stops the run before it). BSE_CD is left out: it is not among the files
 * known to exist.
 */
export const FYERS_MASTER_FILES: readonly string[] = ['NSE_FO', 'NSE_CD', 'BSE_CM', 'BSE_FO', 'MCX_COM', 'NSE_CM'];

/**
 * Index tickers → the exchange's index name, which the data socket's `if` topics carry (from the
 * official Node SDK's HSM/mapper.js table, the main indices of its 127; others fall back to the
 * ticker before -INDEX, as the SDKs do). Upper-cased, the name is also the Kite-style symbol the
 * cross-broker key files the index under.
 */
export const FYERS_INDEX_NAMES: Readonly<Record<string, string>> = {
  'NSE:NIFTY50-INDEX': 'Nifty 50',
  'NSE:NIFTYBANK-INDEX': 'Nifty Bank',
  'NSE:FINNIFTY-INDEX': 'Nifty Fin Service',
  'NSE:MIDCPNIFTY-INDEX': 'NIFTY MID SELECT',
  'NSE:NIFTYNXT50-INDEX': 'Nifty Next 50',
  'NSE:INDIAVIX-INDEX': 'India VIX',
  'NSE:NIFTY100-INDEX': 'Nifty 100',
  'NSE:NIFTY500-INDEX': 'Nifty 500',
  'NSE:NIFTYIT-INDEX': 'Nifty IT',
  'NSE:NIFTYAUTO-INDEX': 'Nifty Auto',
  'NSE:NIFTYFMCG-INDEX': 'Nifty FMCG',
  'NSE:NIFTYMETAL-INDEX': 'Nifty Metal',
  'NSE:NIFTYPHARMA-INDEX': 'Nifty Pharma',
  'NSE:NIFTYPSUBANK-INDEX': 'Nifty PSU Bank',
  'NSE:NIFTYPVTBANK-INDEX': 'Nifty Pvt Bank',
  'NSE:NIFTYREALTY-INDEX': 'Nifty Realty',
  'NSE:NIFTYENERGY-INDEX': 'Nifty Energy',
  'NSE:NIFTYMEDIA-INDEX': 'Nifty Media',
  'NSE:NIFTYPSE-INDEX': 'Nifty PSE',
  'NSE:NIFTYMIDCAP100-INDEX': 'NIFTY MIDCAP 100',
  'NSE:NIFTYMIDCAP150-INDEX': 'NIFTY MIDCAP 150',
  'NSE:NIFTYSMLCAP50-INDEX': 'NIFTY SMLCAP 50',
  'BSE:SENSEX-INDEX': 'SENSEX',
  'BSE:BANKEX-INDEX': 'BANKEX',
};

/** The exchange's name of an index ticker (the `if` topic's last part). */
export function fyersIndexName(ticker: string): string {
  return FYERS_INDEX_NAMES[ticker] ?? ticker.slice(ticker.indexOf(':') + 1).replace(/-INDEX$/, '');
}

/** An index's ticker from its name as Kite and the journal write it (NSE, NIFTY BANK → NSE:NIFTYBANK-INDEX). */
export function fyersIndexTicker(exchange: string, name: string): string {
  const upper = name.toUpperCase();
  for (const [ticker, n] of Object.entries(FYERS_INDEX_NAMES)) if (ticker.startsWith(`${exchange}:`) && n.toUpperCase() === upper) return ticker;
  return `${exchange}:${upper.replace(/\s+/g, '')}-INDEX`;
}

export const isIndexTicker = (ticker: string): boolean => ticker.endsWith('-INDEX');

/** The ticker's symbol as the journal keys it: NSE cash without -EQ, BSE cash without its group. */
function journalSymbol(ticker: string, code: string): string {
  const base = ticker.slice(ticker.indexOf(':') + 1);
  if (isIndexTicker(ticker)) return fyersIndexName(ticker).toUpperCase();
  if (code === '1010') return base.replace(/-EQ$/, '');
  if (code === '1210') return base.replace(/-[A-Z]{1,2}$/, '');
  return base;
}

/** An expiry (epoch seconds, 15:30 IST on the day) as its IST date. */
const expiryDay = (epochS: number): string => istDay(epochS * 1000);

/**
 * One line of a master file → the shared model; null for a blank line. A line that cannot be read
 * throws (the import counts and skips it).
 */
export function parseFyersMasterLine(raw: string): NewInstrument | null {
  const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  if (!line.trim()) return null;
  const f = splitCsvLine(line);
  if (f.length < MIN_COLUMNS) throw new Error(`${f.length} fields, expected ${FYERS_MASTER_COLUMNS.length}`);
  const [fytoken, details, , lot, tick, , , , expiryRaw, ticker, exch, seg, , underlying, , strikeRaw, opt] = f;
  const code = `${exch}${seg}`;
  const segment = FYERS_SEGMENTS[code];
  if (!/^\d{10,}$/.test(fytoken) || !fytoken.startsWith(code) || !segment || !/^[A-Z]+:\S/.test(ticker)) throw new Error(`unreadable line: ${line.slice(0, 120)}`);
  const index = isIndexTicker(ticker);
  const expiryS = Number(expiryRaw);
  const derivative = !index && code !== '1010' && code !== '1210';
  const optionType = opt === 'CE' || opt === 'PE' ? opt : undefined;
  const strike = Number(strikeRaw);
  const ins: NewInstrument = {
    broker: BROKER,
    token: ticker,
    exchange: segment.exchange,
    segment: index ? 'INDICES' : segment.file,
    symbol: journalSymbol(ticker, code),
    tickSize: Number(tick) > 0 ? Number(tick) : 0.05,
    // Index rows carry lot size 0.
    lotSize: Number(lot) > 0 ? Math.round(Number(lot)) : 1,
  };
  if (details) ins.name = details;
  if (derivative && expiryS > 0) {
    ins.expiry = expiryDay(expiryS);
    if (underlying) ins.underlying = underlying;
    if (optionType && strike > 0) {
      ins.optionType = optionType;
      ins.strike = strike;
    }
  }
  return ins;
}

/** A master file row, as the simulator writes it. */
export type FyersMasterRow = Record<(typeof FYERS_MASTER_COLUMNS)[number], string | number>;

/** Rows as Fyers serves them: no header, no quoting (no field holds a comma). */
export function formatFyersMaster(rows: readonly FyersMasterRow[]): string {
  return rows.map((r) => FYERS_MASTER_COLUMNS.map((c) => String(r[c])).join(',')).join('\n') + (rows.length ? '\n' : '');
}

/** The data socket's topics of an instrument: `sf|nse_cm|3045` (or `if|nse_cm|Nifty 50`), and `dp|…` for its depth. */
export function fyersTopics(ticker: string, fytoken: string): { quote: string; depth?: string } {
  const seg = FYERS_SEGMENTS[fytoken.slice(0, 4)]?.hsm ?? 'nse_cm';
  if (isIndexTicker(ticker)) return { quote: `if|${seg}|${fyersIndexName(ticker)}` };
  const exchToken = fytoken.slice(10);
  return { quote: `sf|${seg}|${exchToken}`, depth: `dp|${seg}|${exchToken}` };
}

/** A Fyers exchange prefix (NSE:, BSE:, MCX:) covers these exchanges of the journal. */
const EXCHANGES_OF: Readonly<Record<string, readonly string[]>> = { NSE: ['NSE', 'NFO', 'CDS', 'NCO'], BSE: ['BSE', 'BFO', 'BCD'], MCX: ['MCX'] };

/**
 * A Fyers instrument of the journal by its ticker (NSE:SBIN-EQ, NSE:NIFTY50-INDEX,
 * NSE:NIFTY26SEPFUT), by EXCHANGE:SYMBOL as Kite writes it (NSE:SBIN, NFO:NIFTY26SEPFUT,
 * NSE:NIFTY 50), or an index by its short name (NSE:NIFTY, NSE:BANKNIFTY).
 */
export function resolveFyers(journal: Pick<AdapterJournal, 'instrumentsByToken' | 'findInstrument' | 'findByKey'>, raw: string): Instrument | undefined {
  const ref = raw.trim();
  const m = /^([A-Za-z]+):(.+)$/.exec(ref);
  if (!m) return undefined;
  const ex = m[1].toUpperCase();
  const upper = `${ex}:${m[2].toUpperCase()}`;
  return (
    journal.instrumentsByToken(BROKER, `${ex}:${m[2]}`)[0] ??
    journal.instrumentsByToken(BROKER, upper)[0] ??
    journal.findInstrument(upper, BROKER) ??
    (EXCHANGES_OF[ex] ?? []).map((e) => journal.findInstrument(`${e}:${m[2].toUpperCase()}`, BROKER)).find((i) => i) ??
    journal.findByKey(crossBrokerKey({ exchange: ex, segment: 'INDICES', symbol: m[2].trim() }), BROKER)
  );
}

/** A segment file the host does not have (HTTP 404). */
class MissingSegmentFile extends BrokerError {}

/**
 * Streams one segment's master into the journal. The file has no header: the shared import takes
 * its first line for one, so the format parses that line and it is upserted after the rest. An
 * empty file (a simulator's segment with no instruments) is an import of nothing.
 */
async function importSegment(store: StoreContext, url: string, file: string, recordAs: string, opts: Partial<MasterOptions>): Promise<MasterImportResult> {
  let first: NewInstrument | null = null;
  let firstSkipped = 0;
  const format: MasterFormat = {
    broker: recordAs,
    title: `Fyers ${file} symbol master`,
    httpError: (status) => (status === 404 ? new MissingSegmentFile(`Fyers ${file} symbol master: HTTP 404 from ${url}`, BROKER, false) : undefined),
    open(line) {
      const fields = splitCsvLine(line.replace(/^\uFEFF/, ''));
      if (fields.length < MIN_COLUMNS) throw new Error(`not a Fyers symbol master (a line of ${fields.length} fields, expected ${FYERS_MASTER_COLUMNS.length})`);
      try {
        first = parseFyersMasterLine(line.replace(/^\uFEFF/, ''));
      } catch {
        firstSkipped = 1;
      }
      return parseFyersMasterLine;
    },
  };
  let res: MasterImportResult;
  try {
    // Its rows count the first line too.
    const onProgress = opts.onProgress && ((p: MasterProgress) => opts.onProgress!({ ...p, rows: p.rows + (first ? 1 : 0) }));
    res = await store.importMaster(format, { ...opts, url, force: true, onProgress });
  } catch (e) {
    if (e instanceof BrokerError && /the download is empty$/.test(e.message)) return { imported: true, rows: 0, skipped: 0, ids: opts.collectIds ? [] : undefined, ms: 0 };
    throw e;
  }
  if (!first) return { ...res, skipped: res.skipped + firstSkipped };
  const id = store.journal.upsertInstrument(first);
  return { ...res, rows: res.rows + 1, ids: res.ids && [id, ...res.ids] };
}

/**
 * The segment masters into the journal, once per IST day unless forced: each file streamed, a
 * line at a time. Earlier files are recorded under `fyers:<FILE>`, the last under `fyers`: today's
 * import is complete only once that one is in. Only NSE_CM, NSE_FO, BSE_CM and BSE_FO are known to
 * be published as CSV: any but the last that the host does not have (404) is skipped, and `reason`
 * says so.
 */
export async function importFyersMaster(store: StoreContext, masterRoot: string, opts: Partial<MasterOptions> = {}, files: readonly string[] = FYERS_MASTER_FILES): Promise<MasterImportResult> {
  const now = opts.now ?? Date.now;
  const last = store.journal.masterImport(BROKER);
  if (!opts.force && last?.istDay === istDay(now())) return { imported: false, rows: 0, skipped: 0, reason: `already imported today (${last.istDay})`, ms: 0 };
  const t0 = performance.now();
  const out: MasterImportResult = { imported: true, rows: 0, skipped: 0, ids: opts.collectIds ? [] : undefined, ms: 0 };
  for (const [i, file] of files.entries()) {
    const lastFile = i === files.length - 1;
    const recordAs = lastFile ? BROKER : `${BROKER}:${file}`;
    // Progress as one import: rows so far across the files, done after the last.
    const before = out.rows;
    const onProgress = opts.onProgress && ((p: MasterProgress) => opts.onProgress!({ ...p, broker: BROKER, rows: before + p.rows, done: p.done && lastFile }));
    let r: MasterImportResult;
    try {
      r = await importSegment(store, `${masterRoot}/${file}.csv`, file, recordAs, { ...opts, onProgress });
    } catch (e) {
      if (lastFile || !(e instanceof MissingSegmentFile)) throw e;
      out.reason = `${out.reason ? `${out.reason}, ` : 'not found (skipped): '}${file}.csv`;
      continue;
    }
    out.rows += r.rows;
    out.skipped += r.skipped;
    if (out.ids && r.ids) out.ids.push(...r.ids);
  }
  out.ms = performance.now() - t0;
  return out;
}
