// Upstox's instrument files (specs/fyers-upstox-yahoo.md §2.3): `complete.json.gz` (and per exchange
// NSE/BSE/MCX.json.gz) on assets.upstox.com, refreshed each trading day — one gzipped JSON array of
// records keyed by `instrument_key` (NSE_EQ|INE062A01020, NSE_FO|45450, NSE_INDEX|Nifty 50), tens of
// MB compressed. Read into the shared model with the cross-broker key's conventions: exchanges as
// Kite names them (NSE_FO → NFO, NCD_FO → CDS), indices under segment INDICES by their exchange name
// (NIFTY 50), derivatives by underlying, expiry, strike and type, so the same contract is found
// from any broker. An instrument's token is its instrument_key: what the feed and REST take.
//
// Quirks of the file handled here: it is served as raw gzip bytes (no Content-Encoding, so fetch
// does not undo it; openalgo gunzips the download itself); `expiry` is epoch milliseconds;
// `tick_size` is in paise (5.0 = ₹0.05; the deprecated CSV had rupees); `exchange_token` is a
// string; index rows may carry no tick or lot size; segments with no feed or exchange of their own
// (GLOBAL_INDEX, GLOBAL_INDICATOR) are left out.
//
// The shared master import (StoreContext.importMaster) reads a download a line at a time, and
// this file is one JSON array on one line, gzipped. So it is relayed: a one-shot listener on
// 127.0.0.1 fetches the file, gunzips it as it arrives and splits the array into one record a
// line (bytes, never the whole file, in memory), and the shared import streams that into the
// journal in batches, once per IST day, with its progress and truncation checks.
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { istDay } from '../../../shared/ist';
import type { Instrument, NewInstrument } from '../../../shared/model';
import { crossBrokerKey } from '../../../shared/xkey';
import { BrokerError, NetworkError } from '../errors';
import type { AdapterJournal, MasterFormat, MasterImportResult, MasterOptions, StoreContext } from '../types';

const BROKER = 'upstox';

/** The complete file's path under the assets root. */
export const COMPLETE_FILE_PATH = '/market-quote/instruments/exchange/complete.json.gz';

/** Upstox's segments → the exchange the rest of Tickdesk (and Kite) calls it; `index` for index segments. */
export const UPSTOX_SEGMENTS: Readonly<Record<string, { exchange: string; index?: true }>> = {
  NSE_EQ: { exchange: 'NSE' },
  NSE_INDEX: { exchange: 'NSE', index: true },
  NSE_FO: { exchange: 'NFO' },
  NCD_FO: { exchange: 'CDS' },
  NSE_COM: { exchange: 'NCO' },
  BSE_EQ: { exchange: 'BSE' },
  BSE_INDEX: { exchange: 'BSE', index: true },
  BSE_FO: { exchange: 'BFO' },
  BCD_FO: { exchange: 'BCD' },
  MCX_FO: { exchange: 'MCX' },
  MCX_INDEX: { exchange: 'MCX', index: true },
};

/** One record of the JSON file, as the fields are named there (§2.3); the simulator writes these. */
export interface UpstoxInstrumentRecord {
  segment: string;
  name?: string;
  exchange?: string;
  isin?: string;
  instrument_type?: string;
  instrument_key: string;
  exchange_token?: string;
  trading_symbol: string;
  short_name?: string;
  /** Paise. */
  tick_size?: number;
  lot_size?: number;
  freeze_quantity?: number;
  /** Epoch ms. */
  expiry?: number;
  strike_price?: number;
  weekly?: boolean;
  underlying_key?: string;
  underlying_type?: string;
  underlying_symbol?: string;
  minimum_lot?: number;
  security_type?: string;
  [k: string]: unknown;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
const num = (v: unknown): number => (typeof v === 'number' ? v : typeof v === 'string' && v.trim() ? Number(v) : NaN);

/** Paise → rupees, without binary noise (5 → 0.05, 0.25 → 0.0025). */
export const tickFromPaise = (paise: number): number => Number((paise / 100).toFixed(8));

/**
 * One record → the shared model; null for a segment not recorded here. A record that cannot be
 * read (no key, no trading symbol, a key of another segment) throws: the import counts and skips it.
 */
export function parseUpstoxInstrument(rec: unknown): NewInstrument | null {
  if (typeof rec !== 'object' || rec === null || Array.isArray(rec)) throw new Error('not an object');
  const r = rec as Record<string, unknown>;
  const key = str(r.instrument_key);
  if (!key) throw new Error('no instrument_key');
  const segment = str(r.segment) ?? key.slice(0, key.indexOf('|'));
  const seg = UPSTOX_SEGMENTS[segment];
  if (!seg) return null;
  if (!key.startsWith(`${segment}|`) || key.length <= segment.length + 1) throw new Error(`instrument_key ${key} is not of segment ${segment}`);
  const tradingSymbol = str(r.trading_symbol);
  if (!tradingSymbol) throw new Error(`${key}: no trading_symbol`);
  const type = str(r.instrument_type)?.toUpperCase();
  const index = !!seg.index || type === 'INDEX';
  const tick = num(r.tick_size);
  const lot = num(r.lot_size);
  const ins: NewInstrument = {
    broker: BROKER,
    token: key,
    exchange: seg.exchange,
    segment: index ? 'INDICES' : segment,
    // Indices by their exchange name, upper-cased as Kite lists them (NIFTY 50, NIFTY BANK).
    symbol: index ? tradingSymbol.toUpperCase() : tradingSymbol,
    tickSize: tick > 0 ? tickFromPaise(tick) : 0.05,
    lotSize: lot > 0 ? Math.round(lot) : 1,
  };
  const name = str(r.name);
  if (name) ins.name = name;
  const expiry = num(r.expiry);
  if (!index && expiry > 0 && (type === 'FUT' || type === 'CE' || type === 'PE' || segment.endsWith('_FO'))) {
    ins.expiry = istDay(expiry);
    const underlying = str(r.underlying_symbol) ?? str(r.asset_symbol) ?? name;
    if (underlying) ins.underlying = underlying.toUpperCase();
    const strike = num(r.strike_price);
    if ((type === 'CE' || type === 'PE') && strike > 0) {
      ins.optionType = type;
      ins.strike = strike;
    }
  }
  return ins;
}

// ---------------------------------------------------------------------------------------------
// The file as a stream of records.

const GZIP_MAGIC = [0x1f, 0x8b];

/** The bytes of a download, gunzipped as they arrive when they are gzip (by its magic, whatever the headers said). */
export async function* gunzipIfGzipped(body: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const it = body[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  while (head.length < 2) {
    const n = await it.next();
    if (n.done) {
      if (head.length) yield head;
      return;
    }
    head = Buffer.concat([head, n.value]);
  }
  const rest = (async function* () {
    try {
      yield head;
      for (;;) {
        const n = await it.next();
        if (n.done) return;
        yield n.value;
      }
    } finally {
      // Left early (an error, a reader that stopped): the download is let go.
      await it.return?.();
    }
  })();
  if (head[0] !== GZIP_MAGIC[0] || head[1] !== GZIP_MAGIC[1]) return yield* rest;
  const gunzip = createGunzip();
  // A cut-short member ("unexpected end of file") or a broken source ends the iteration with the error.
  pipeline(Readable.from(rest), gunzip, () => {});
  for await (const chunk of gunzip) yield chunk as Buffer;
}

/**
 * Splits a JSON array of objects into the bytes of each object, as chunks arrive (an object may
 * span chunks). Bytes, not text: the structural characters are ASCII, which never occur inside a
 * multi-byte UTF-8 sequence. Throws on anything but an array of objects, and from `end` when the
 * array was not closed.
 */
export class JsonArraySplitter {
  /** 0 before '[', 1 between values, 2 inside an object, 3 after ']'. */
  private state = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private parts: Uint8Array[] = [];
  /** Whether the array has begun ('[' seen). */
  get started(): boolean {
    return this.state > 0;
  }

  push(chunk: Uint8Array, emit: (object: Buffer) => void): void {
    let start = this.state === 2 ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i];
      if (this.state === 2) {
        if (this.inString) {
          if (this.escaped) this.escaped = false;
          else if (c === 0x5c) this.escaped = true;
          else if (c === 0x22) this.inString = false;
        } else if (c === 0x22) this.inString = true;
        else if (c === 0x7b || c === 0x5b) this.depth++;
        else if ((c === 0x7d || c === 0x5d) && --this.depth === 0) {
          this.parts.push(chunk.subarray(start, i + 1));
          emit(Buffer.concat(this.parts));
          this.parts = [];
          this.state = 1;
        }
        continue;
      }
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue;
      if (this.state === 0) {
        // A byte-order mark before the array is allowed.
        if (c === 0xef || c === 0xbb || c === 0xbf) continue;
        if (c !== 0x5b) throw new Error(`not a JSON array (it begins with ${JSON.stringify(String.fromCharCode(c))})`);
        this.state = 1;
      } else if (this.state === 1) {
        if (c === 0x2c) continue;
        if (c === 0x5d) this.state = 3;
        else if (c === 0x7b) {
          this.state = 2;
          this.depth = 1;
          start = i;
        } else throw new Error(`not a JSON array of objects (found ${JSON.stringify(String.fromCharCode(c))} between records)`);
      } else throw new Error('data after the end of the JSON array');
    }
    if (this.state === 2) this.parts.push(chunk.subarray(start));
  }

  end(): void {
    if (this.state !== 3) throw new Error(this.state === 0 ? 'not a JSON array (the file is empty)' : 'the JSON array is cut short');
  }
}

/** The relay's first line: what the master format checks it reads. */
export const RELAY_HEADER = '# upstox instruments: one JSON record a line';
/** The relay's only line when the download is not a JSON array of records: why. */
const NOT_A = '# refused: ';

/** One record a line: a pretty-printed record's line breaks (outside strings, where JSON allows them) become spaces. */
function asLine(object: Buffer): Buffer {
  for (let i = 0; i < object.length; i++) if (object[i] === 0x0a || object[i] === 0x0d) object[i] = 0x20;
  return object;
}

export interface InstrumentRelay {
  /** What the shared import fetches. */
  url: string;
  /** Why the upstream download failed before any HTTP answer, if it did. */
  upstreamError(): string | undefined;
  close(): Promise<void>;
}

/**
 * A one-shot listener on 127.0.0.1 serving `source` (the gzipped JSON file) as one record a line,
 * streamed: the upstream's HTTP failure is passed on as its status; a file that is no JSON array is
 * answered with a line saying so (the format refuses it); a download cut short (gzip or array
 * unfinished) ends the answer abruptly, as a truncated download does.
 */
export async function openInstrumentRelay(source: string, headers?: Record<string, string>): Promise<InstrumentRelay> {
  let upstreamError: string | undefined;
  const server = createServer((req, res) => {
    void (async () => {
      let up: Response;
      try {
        up = await fetch(source, { headers });
      } catch (e) {
        upstreamError = (e as Error).message;
        res.writeHead(502).end();
        return;
      }
      if (!up.ok || !up.body) {
        await up.body?.cancel();
        res.writeHead(up.status || 502).end();
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/x-ndjson; charset=utf-8' });
      const splitter = new JsonArraySplitter();
      let lines: Buffer[] = [];
      const emit = (o: Buffer) => lines.push(asLine(o), NEWLINE);
      let headerSent = false;
      const write = async (b: Buffer) => {
        if (res.destroyed) throw new Error('the reader went away');
        // Drained, or gone (then the next write stops the relay).
        if (!res.write(b)) await new Promise((r) => (res.once('drain', r), res.once('close', r)));
      };
      try {
        for await (const chunk of gunzipIfGzipped(up.body as unknown as AsyncIterable<Uint8Array>)) {
          try {
            splitter.push(chunk, emit);
          } catch (e) {
            // Not the file's shape: said as the first line when nothing was relayed yet.
            if (!headerSent) return void res.end(`${NOT_A}${(e as Error).message}\n`);
            throw e;
          }
          if (!headerSent && splitter.started) {
            headerSent = true;
            await write(Buffer.from(`${RELAY_HEADER}\n`));
          }
          if (lines.length) {
            const out = Buffer.concat(lines);
            lines = [];
            await write(out);
          }
        }
        try {
          splitter.end();
        } catch (e) {
          if (!headerSent) return void res.end(`${NOT_A}${(e as Error).message}\n`);
          throw e;
        }
        res.end();
      } catch (e) {
        upstreamError = (e as Error).message;
        // Cut short: the reader sees a truncated download.
        res.destroy();
      }
    })();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/?from=${encodeURIComponent(source)}`,
    upstreamError: () => upstreamError,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
const NEWLINE = Buffer.from('\n');

/** The format of the relayed file: one JSON record a line after the relay's header line. */
function upstoxMasterFormat(source: string, relay: Pick<InstrumentRelay, 'upstreamError'>): MasterFormat {
  return {
    broker: BROKER,
    title: 'Upstox instrument file',
    httpError: (status) => {
      const why = relay.upstreamError();
      if (why) return new NetworkError(`Upstox instrument file: ${why} (${source})`, BROKER);
      return new (status >= 500 || status === 429 ? NetworkError : BrokerError)(`Upstox instrument file: HTTP ${status} from ${source}`, BROKER, status >= 500 || status === 429);
    },
    open(header) {
      // "not a …": the shared import reports it as the file's fault, not the network's.
      if (header.startsWith(NOT_A)) throw new Error(`not a valid Upstox instrument file (${header.slice(NOT_A.length)}): ${source}`);
      if (header !== RELAY_HEADER) throw new Error(`not a relayed Upstox instrument file (first line ${JSON.stringify(header.slice(0, 60))})`);
      return (line) => (line.trim() ? parseUpstoxInstrument(JSON.parse(line)) : null);
    },
  };
}

/**
 * The instrument file at `url` into the journal, once per IST day unless forced: downloaded,
 * gunzipped and split as it arrives (never held whole), upserted in batches by the shared import.
 */
export async function importUpstoxMaster(store: StoreContext, url: string, opts: Partial<MasterOptions> = {}): Promise<MasterImportResult> {
  const last = store.journal.masterImport(BROKER);
  if (!opts.force && last?.istDay === istDay((opts.now ?? Date.now)())) return { imported: false, rows: 0, skipped: 0, reason: `already imported today (${last.istDay})`, ms: 0 };
  const relay = await openInstrumentRelay(url, opts.headers);
  try {
    return await store.importMaster(upstoxMasterFormat(url, relay), { ...opts, url: relay.url, headers: undefined, force: true });
  } catch (e) {
    // A download that failed upstream says so, not "truncated download" of the relay.
    const why = relay.upstreamError();
    if (why && e instanceof NetworkError && !e.message.includes(why)) throw new NetworkError(`Upstox instrument file: ${why} (${url})`, BROKER);
    throw e;
  } finally {
    await relay.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Finding instruments.

/** A segment name (NSE_EQ) used as a reference's prefix → the exchange it is under. */
const exchangeOfPrefix = (p: string): string => UPSTOX_SEGMENTS[p]?.exchange ?? p;

/**
 * An Upstox instrument of the journal by its instrument key (NSE_EQ|INE062A01020, NSE_INDEX|Nifty
 * 50), by EXCHANGE:SYMBOL with Upstox's trading symbol (NSE:SBIN, NFO:NIFTY FUT 30 JUN 26, also
 * NSE_EQ:SBIN as Upstox's quote maps write it), an index by its name or Kite's short one (NSE:NIFTY
 * 50, NSE:NIFTY), or any other broker's instrument in the journal by its reference (NFO:
 * NIFTY26JUN24500CE as Kite names it): the same contract by the cross-broker key.
 */
export function resolveUpstox(journal: Pick<AdapterJournal, 'instrumentsByToken' | 'findInstrument' | 'findByKey'>, raw: string): Instrument | undefined {
  const ref = raw.trim();
  if (ref.includes('|')) {
    const [seg, id] = [ref.slice(0, ref.indexOf('|')), ref.slice(ref.indexOf('|') + 1)];
    return journal.instrumentsByToken(BROKER, ref)[0] ?? journal.instrumentsByToken(BROKER, `${seg.toUpperCase()}|${id}`)[0];
  }
  const m = /^([A-Za-z_]+):(.+)$/.exec(ref);
  if (!m) return undefined;
  const ex = exchangeOfPrefix(m[1].toUpperCase());
  const symbol = m[2].trim();
  const other = journal.findInstrument(`${ex}:${symbol.toUpperCase()}`);
  return (
    journal.findInstrument(`${ex}:${symbol}`, BROKER) ??
    journal.findInstrument(`${ex}:${symbol.toUpperCase()}`, BROKER) ??
    journal.findByKey(crossBrokerKey({ exchange: ex, segment: 'INDICES', symbol }), BROKER) ??
    (other && other.broker !== BROKER ? journal.findByKey(crossBrokerKey(other), BROKER) : undefined)
  );
}
