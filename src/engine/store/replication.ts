// The replication loop: streams journal rows to PostgreSQL/TimescaleDB with COPY, exactly once:
// each batch and the watermark (sink_progress) commit in one transaction, and after any failure the
// watermark is read back from the database before anything else is sent. While the database is
// unreachable the journal simply grows; when it returns the backlog drains.
//
// A source id in the database belongs to one journal (sink_sources binds it to the journal's UUID),
// and a journal whose ids are below the source's watermark is refused: either would make the
// replicator skip rows while reporting no backlog. A watermark moves only from the value this loop
// read: a second loop on the same source (by mistake, or one left over from a worker that died)
// gets its batch rolled back instead of sending rows twice.
//
// The loop reads the journal through ReplicationReads and writes what it learns (what the sink
// confirmed, a refusal, pruning) through JournalWrites, so that it can run beside the writer on the
// main thread (both are the Journal) or on a worker thread with its own read-only connection, its
// writes posted back to the thread that owns the journal (see replicator.ts).
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { Client, ClientBase } from 'pg';
import type { Instrument } from '../../shared/model';
import { Backoff, type BackoffOptions } from '../feed/backoff';
import { COPY_BINARY_TRAILER, COPY_TICKS_BINARY_HEADER, TickBinaryEncoder } from './copy-binary';
import type { Journal, JournalStream } from './journal';
import { SINK_TICK_COLUMNS, TICK_COLUMNS } from './tick-columns';
import { schemaVersion } from './timescale';

/**
 * pg and pg-copy-streams, loaded when a sink first connects (or COPY is first used): loaded with
 * the engine, they cost every CLI start ~0.1 s (pg probes its runtime as it loads), sink or not.
 */
type SinkDrivers = { pg: typeof import('pg').default; copyFrom: typeof import('pg-copy-streams').from };
let drivers: Promise<SinkDrivers> | null = null;
export function sinkDrivers(): Promise<SinkDrivers> {
  return (drivers ??= Promise.all([import('pg'), import('pg-copy-streams')]).then(([p, c]) => ({ pg: p.default, copyFrom: c.from })));
}

/** 'refused': this journal must not go to this source (see the detail); nothing is sent or pruned. */
export type SinkState = 'connecting' | 'connected' | 'disconnected' | 'refused' | 'stopped';

/** Replicating would skip or mix rows: the replicator stops for good (no retry can fix it). */
class SinkRefused extends Error {}

const STREAMS: readonly JournalStream[] = ['ticks', 'depth', 'feed_gaps', 'candles'];

/** What the loop reads of a journal (a read-only connection is enough). */
export type ReplicationReads = Pick<
  Journal,
  | 'path'
  | 'journalId'
  | 'ticksAfter'
  | 'instrumentsBetween'
  | 'maxTickId'
  | 'instrument'
  | 'depthAfter'
  | 'maxDepthId'
  | 'candlesAfter'
  | 'maxCandleSeq'
  | 'gapsForSync'
  | 'lastIssued'
  | 'sinkRefusal'
>;

/** What the loop writes to the journal: what the sink confirmed, a refusal, pruning. */
export interface JournalWrites {
  setSynced(sink: string, stream: string, lastId: number): void;
  refuseSink(sink: string, detail: string): void;
  pruneSynced(olderThanMs: number): unknown;
}

/** How and where to replicate: plain data, so that it can be handed to a worker thread. */
export interface SinkSettings {
  url: string;
  /** Identifies this recorder in a shared database. */
  sourceId: string;
  batchRows?: number;
  /** Poll interval when caught up, ms. */
  idleMs?: number;
  /**
   * How rows travel: COPY (default, fastest) or multi-row INSERT, for servers without COPY FROM
   * STDIN (the in-process TimescaleDB engine's socket server).
   */
  method?: 'copy' | 'insert';
  /** With method 'insert': rows per INSERT statement (default 1000). */
  insertPageRows?: number;
  backoff?: BackoffOptions;
  /** Prune journal rows the sink has confirmed once they are older than this (0 = never). */
  journalRetainMs?: number;
}

/** What the loop reports as it goes. */
export interface LoopEvents {
  state(state: SinkState, detail: string): void;
  /**
   * The database's watermarks: on connecting (`sent` 0) and after each committed batch of tick rows
   * (`sent` of them) or of candles (`sent` 0).
   */
  progress(lastTickId: number, candleSeq: number, sent: number): void;
}

/** The sink name used in the journal's sync_state (one per database URL and source). */
export function sinkName(url: string, sourceId: string): string {
  const u = new URL(url);
  return `${u.host}${u.pathname}#${sourceId}`;
}

export const COPY_TICKS_SQL = `COPY ticks (${SINK_TICK_COLUMNS.join(', ')}) FROM STDIN`;
export const COPY_TICKS_BINARY_SQL = `${COPY_TICKS_SQL} (FORMAT binary)`;

const N = '\\N';
const num = (v: unknown) => (v === null || v === undefined ? N : String(v));

function isoMs(ms: number): string {
  return new Date(ms).toISOString();
}

/** COPY text-format escaping for free text. */
export function copyEscape(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

/** The book blob of a journal row as its six arrays (DEPTH_SINK_COLUMNS order). */
function bookArrays(blob: Buffer): Float64Array[] {
  const copy = new Uint8Array(blob.byteLength);
  copy.set(blob);
  const book = new Float64Array(copy.buffer);
  const n = book.length / 6;
  return [0, 1, 2, 3, 4, 5].map((k) => book.subarray(k * n, (k + 1) * n));
}

/**
 * One COPY text line from a journal row (Journal.RAW_TICK_COLUMNS order), columns as COPY_TICKS_SQL.
 * `sourceIdText` is the source id already escaped with copyEscape(). The book's zero levels are
 * kept: the arrays always carry the broker's full depth.
 */
export function tickCopyLine(r: unknown[], remoteId: number, sourceIdText: string): string {
  let line = '';
  // The journal row is [id, ...TICK_COLUMNS]: column k is at k + 1.
  TICK_COLUMNS.forEach((c, k) => {
    const v = r[k + 1];
    if (c.sinkType === 'instrument') line += `${remoteId}\t`;
    else if (c.sinkType === 'timestamptz') line += `${isoMs(v as number)}\t`;
    else if (c.sinkType !== 'depth') line += `${num(v)}\t`;
    else if (!v) line += `${N}\t${N}\t${N}\t${N}\t${N}\t${N}\t`;
    else for (const a of bookArrays(v as Buffer)) line += `{${a.join(',')}}\t`;
  });
  return `${line}${sourceIdText}\n`;
}

/** Values of one tick row for a parameterized INSERT, in SINK_TICK_COLUMNS order. */
export function tickInsertValues(r: unknown[], remoteId: number, sourceId: string): unknown[] {
  const values: unknown[] = [];
  TICK_COLUMNS.forEach((c, k) => {
    const v = r[k + 1];
    if (c.sinkType === 'instrument') values.push(remoteId);
    else if (c.sinkType === 'timestamptz') values.push(new Date(v as number));
    else if (c.sinkType !== 'depth') values.push(v);
    else if (!v) values.push(null, null, null, null, null, null);
    else values.push(...bookArrays(v as Buffer).map((a) => Array.from(a)));
  });
  values.push(sourceId);
  return values;
}

/** Multi-row INSERT of tick rows, in pages that stay under PostgreSQL's 65,535 parameters. */
export async function insertTicks(client: ClientBase, values: unknown[][], pageRows = 1000): Promise<void> {
  const cols = SINK_TICK_COLUMNS.length;
  for (let i = 0; i < values.length; i += pageRows) {
    const page = values.slice(i, i + pageRows);
    const params: unknown[] = [];
    const tuples = page.map((row, k) => {
      params.push(...row);
      return '(' + row.map((_, c) => `$${k * cols + c + 1}`).join(',') + ')';
    });
    await client.query(`INSERT INTO ticks (${SINK_TICK_COLUMNS.join(', ')}) VALUES ${tuples.join(',')}`, params);
  }
}

/** Sends `body` through COPY on an open client. */
export async function copyText(client: ClientBase, sql: string, body: string): Promise<void> {
  const { copyFrom } = await sinkDrivers();
  return new Promise((resolve, reject) => {
    const stream = client.query(copyFrom(sql));
    stream.on('error', reject);
    stream.on('finish', resolve);
    stream.end(body);
  });
}

/**
 * Tick rows read and encoded per step of a batch (the socket is written between steps). On a
 * worker, 2,000: a step's rows die young (5,000 held its heap 40 MB higher, at the same rate). On
 * the main thread, 5,000: each step waits for a turn of an event loop a feed may hold.
 */
export const CHUNK_ROWS = { worker: 2000, main: 5000 } as const;

/** One replicator's connection, watermarks and batches; run by Replicator on one thread or another. */
export class ReplicationLoop {
  private running = false;
  private client: Client | null = null;
  private readonly backoff: Backoff;
  private readonly remoteIds = new Map<number, number>();
  private readonly sink: string;
  private lastId = 0;
  private lastDepthId = 0;
  private lastCandleSeq = 0;
  private gapWatermark = 0;
  private openGaps: number[] = [];
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private lastPrune = 0;
  /** The two encoders a COPY batch takes turns with (kept from batch to batch). */
  private encoders: TickBinaryEncoder[] | null = null;

  constructor(
    private readonly journal: ReplicationReads,
    private readonly writes: JournalWrites,
    private readonly opts: SinkSettings,
    private readonly events: LoopEvents,
    /** Rows per step of a batch (CHUNK_ROWS). */
    private readonly chunkRows: number = CHUNK_ROWS.main,
  ) {
    this.backoff = new Backoff(opts.backoff ?? { initialMs: 500, maxMs: 15_000, jitter: 0.3 });
    this.sink = sinkName(opts.url, opts.sourceId);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Ends the loop: a batch in flight commits or rolls back first; the connection is closed. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  private async sleep(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
    this.wake = null;
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        await this.connect();
        this.backoff.reset();
        while (this.running) {
          const sent = await this.cycle();
          if (sent === 0) await this.sleep(this.opts.idleMs ?? 200);
        }
      } catch (e) {
        if (!this.running) break;
        if (e instanceof SinkRefused) {
          this.events.state('refused', e.message);
          break;
        }
        const delay = this.backoff.next();
        this.events.state('disconnected', `${(e as Error).message}; retry in ${delay} ms`);
        await this.sleep(delay);
      } finally {
        const c = this.client;
        this.client = null;
        this.remoteIds.clear();
        if (c) await c.end().catch(() => {});
      }
    }
  }

  private async connect(): Promise<void> {
    this.events.state('connecting', '');
    const journal = this.journal;
    const refused = journal.sinkRefusal(this.sink);
    if (refused) throw new SinkRefused(refused);
    const { pg } = await sinkDrivers();
    const client = new pg.Client({ connectionString: this.opts.url, connectionTimeoutMillis: 5000, keepAlive: true, statement_timeout: 60_000 });
    client.on('error', () => {}); // surfaced by the failing query instead
    this.client = client;
    await client.connect();
    if ((await schemaVersion(client)) < 1) throw new Error('no Tickdesk schema in this database: run `tickdesk db init --url ...`');
    if (!(await client.query("SELECT to_regclass('sink_sources') IS NOT NULL AS present")).rows[0].present)
      throw new Error('this database was set up by an older Tickdesk (no sink_sources table): run `tickdesk db init --url ...` again (it keeps the data)');
    const bound = await this.boundJournal(client);
    if (bound && bound.journalId !== journal.journalId) throw new SinkRefused(this.mismatch(bound));
    // The database's watermark is the truth: whatever committed before a crash is not sent again.
    const r = await client.query('SELECT stream, last_id FROM sink_progress WHERE source_id = $1', [this.opts.sourceId]);
    const marks = new Map<string, number>(r.rows.map((x: { stream: string; last_id: string }) => [x.stream, Number(x.last_id)]));
    // Ids never go back in a journal, so a watermark above them was not set by this journal's rows
    // as they are now: sending from it would skip rows. Refused for good (see Journal.refuseSink).
    const behind = STREAMS.filter((s) => journal.lastIssued(s) < (marks.get(s) ?? 0));
    if (behind.length > 0) {
      const detail =
        `the database holds ${behind.map((s) => `${s} up to id ${marks.get(s)}`).join(', ')} from source "${this.opts.sourceId}", but this journal ` +
        `(${journal.journalId}, ${resolve(journal.path)}) has only numbered ${behind.map((s) => `${s} up to ${journal.lastIssued(s)}`).join(', ')}: ` +
        `it is not the journal that sent them, or it went back (restored from a copy?). Replicating would skip rows, so nothing is sent or pruned. ` +
        `Record this journal under another --source-id (e.g. ${this.otherSourceId()}).`;
      this.writes.refuseSink(this.sink, detail);
      throw new SinkRefused(detail);
    }
    // Unbound: a new source, or one from before sources were bound (it has rows in sink_progress),
    // which the first journal to connect adopts.
    if (!bound) await this.bind(client);
    // Gaps the database has open, from this process or an earlier one: sent again until closed.
    const open = await client.query('SELECT gap_id FROM feed_gaps WHERE source_id = $1 AND end_ts IS NULL ORDER BY gap_id', [this.opts.sourceId]);
    this.openGaps = open.rows.map((x: { gap_id: string }) => Number(x.gap_id));
    this.lastId = marks.get('ticks') ?? 0;
    this.gapWatermark = marks.get('feed_gaps') ?? 0;
    this.lastDepthId = marks.get('depth') ?? 0;
    this.lastCandleSeq = marks.get('candles') ?? 0;
    this.writes.setSynced(this.sink, 'ticks', this.lastId);
    this.writes.setSynced(this.sink, 'depth', this.lastDepthId);
    this.events.progress(this.lastId, this.lastCandleSeq, 0);
    this.events.state('connected', '');
  }

  /** The journal this source id belongs to in the database, if any. */
  private async boundJournal(client: Client): Promise<{ journalId: string; host: string; path: string; since: Date } | null> {
    const r = await client.query('SELECT journal_id, host, journal_path, bound_at FROM sink_sources WHERE source_id = $1', [this.opts.sourceId]);
    const b = r.rows[0] as { journal_id: string; host: string; journal_path: string; bound_at: Date } | undefined;
    return b ? { journalId: b.journal_id, host: b.host, path: b.journal_path, since: b.bound_at } : null;
  }

  /** Binds this source id to this journal; refused when another journal bound it first. */
  private async bind(client: Client): Promise<void> {
    const journal = this.journal;
    const r = await client.query(
      'INSERT INTO sink_sources (source_id, journal_id, host, journal_path) VALUES ($1, $2, $3, $4) ON CONFLICT (source_id) DO NOTHING',
      [this.opts.sourceId, journal.journalId, hostname(), resolve(journal.path)],
    );
    if (r.rowCount === 1) return;
    const bound = await this.boundJournal(client);
    if (bound && bound.journalId !== journal.journalId) throw new SinkRefused(this.mismatch(bound));
  }

  private mismatch(bound: { journalId: string; host: string; path: string; since: Date }): string {
    const j = this.journal;
    return (
      `source id "${this.opts.sourceId}" in this database belongs to journal ${bound.journalId} (${bound.path} on ${bound.host}, since ${bound.since.toISOString()}); ` +
      `this journal is ${j.journalId} (${resolve(j.path)} on ${hostname()}). Two journals under one source id would skip each other's rows, so nothing is sent. ` +
      `Record this journal under another --source-id (e.g. ${this.otherSourceId()}).`
    );
  }

  /** A source id to suggest instead of this one: the host and journal id (a restored copy has its original's). */
  private otherSourceId(): string {
    const mine = `${hostname()}-${this.journal.journalId!.slice(0, 8)}`;
    return mine === this.opts.sourceId ? `${mine}-2` : mine;
  }

  /** The database's id for a journal instrument; never guessed. */
  private remoteId(localId: number): number {
    const id = this.remoteIds.get(localId);
    if (id === undefined) throw new Error(`instrument ${localId} was not mapped before its rows were sent`);
    return id;
  }

  /**
   * Maps journal instruments to the database's ids, 1,000 per statement (a recorder of thousands of
   * instruments against a remote database must not pay a round trip each).
   */
  private async mapInstruments(client: Client, localIds: Iterable<number>): Promise<void> {
    const missing = [...new Set(localIds)].filter((id) => !this.remoteIds.has(id));
    for (let i = 0; i < missing.length; i += 1000) {
      const page = missing.slice(i, i + 1000).map((id) => {
        const ins: Instrument | undefined = this.journal.instrument(id);
        if (!ins) throw new Error(`journal row refers to unknown instrument ${id}`);
        return { id, ins };
      });
      const col = <T,>(f: (i: Instrument) => T) => page.map((p) => f(p.ins));
      const r = await client.query(
        `INSERT INTO instruments (broker, token, exchange, segment, symbol, name, expiry, strike, option_type, tick_size, lot_size)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::date[], $8::float8[], $9::text[], $10::float8[], $11::int[])
         ON CONFLICT (broker, exchange, symbol) DO UPDATE SET token = EXCLUDED.token, segment = EXCLUDED.segment, name = EXCLUDED.name,
           expiry = EXCLUDED.expiry, strike = EXCLUDED.strike, option_type = EXCLUDED.option_type, tick_size = EXCLUDED.tick_size,
           lot_size = EXCLUDED.lot_size, updated_at = now()
         RETURNING id, broker, exchange, symbol`,
        [
          col((x) => x.broker),
          col((x) => x.token),
          col((x) => x.exchange),
          col((x) => x.segment),
          col((x) => x.symbol),
          col((x) => x.name ?? null),
          col((x) => x.expiry ?? null),
          col((x) => x.strike ?? null),
          col((x) => x.optionType ?? null),
          col((x) => x.tickSize),
          col((x) => x.lotSize),
        ],
      );
      // RETURNING does not promise input order: match rows by their key.
      const byKey = new Map(r.rows.map((x: { id: number; broker: string; exchange: string; symbol: string }) => [`${x.broker}\u0000${x.exchange}\u0000${x.symbol}`, x.id]));
      for (const { id, ins } of page) {
        const remote = byKey.get(`${ins.broker}\u0000${ins.exchange}\u0000${ins.symbol}`);
        if (remote === undefined) throw new Error(`the database did not return an id for ${ins.exchange}:${ins.symbol}`);
        this.remoteIds.set(id, remote);
      }
    }
  }

  /** Sends one batch (and any changed gaps); returns the tick rows sent. */
  private async cycle(): Promise<number> {
    const client = this.client!;
    const journal = this.journal;
    await this.syncGaps(client);
    const depthSent = (await this.syncDepth(client)) + (await this.syncCandles(client));
    // Big batches amortize the commit (a WAL flush); live replication sends whatever is there.
    const batchRows = this.opts.batchRows ?? 50_000;
    const committed = journal.maxTickId();
    if (committed <= this.lastId) {
      this.maybePrune();
      return depthSent;
    }
    // The batch is fixed now (rows committed from here on wait for the next one), so every
    // instrument in it can be mapped first: no other query may run while COPY streams. Ids are
    // dense above the watermark (one sequence, writers one at a time, pruning only below it), so
    // the batch's last id needs no counting; a hole would only make the batch smaller.
    const upTo = Math.min(committed, this.lastId + batchRows);
    await this.mapInstruments(client, journal.instrumentsBetween(this.lastId, upTo));
    let last = this.lastId;
    let sent = 0;
    await this.inTransaction(client, async () => {
      if (this.opts.method === 'insert') {
        const rows = journal.ticksAfter(last, batchRows, upTo);
        await insertTicks(client, rows.map((r) => tickInsertValues(r, this.remoteId(r[1] as number), this.opts.sourceId)), this.opts.insertPageRows ?? 1000);
        sent = rows.length;
        last = sent ? (rows[sent - 1][0] as number) : last;
      } else {
        ({ last, sent } = await this.copyBatch(client, batchRows, upTo));
      }
      await this.markProgress(client, 'ticks', this.lastId, last, sent);
    });
    this.lastId = last;
    this.writes.setSynced(this.sink, 'ticks', last);
    this.events.progress(last, this.lastCandleSeq, sent);
    return sent;
  }

  /**
   * Streams up to `batchRows` rows through one binary COPY, reading and encoding them in chunks
   * while the server ingests the previous chunk. Two encoders take turns: one chunk is written
   * while the next is encoded, and an encoder is used again only once its chunk is in the kernel's
   * socket buffer, so that a batch holds two chunks' memory and allocates none as it goes.
   */
  private async copyBatch(client: Client, batchRows: number, upTo: number): Promise<{ last: number; sent: number }> {
    const journal = this.journal;
    const encoders = (this.encoders ??= [new TickBinaryEncoder(this.opts.sourceId), new TickBinaryEncoder(this.opts.sourceId)]);
    const { copyFrom } = await sinkDrivers();
    const stream = client.query(copyFrom(COPY_TICKS_BINARY_SQL));
    const done = new Promise<void>((resolve, reject) => {
      stream.on('finish', resolve);
      stream.on('error', reject);
    });
    // The stream can fail while rows are still being encoded (the backend killed mid-COPY): the
    // error is awaited below, but until then an unhandled rejection would end the process.
    done.catch(() => {});
    let last = this.lastId;
    let sent = 0;
    let failed: unknown = null;
    stream.on('error', (e) => (failed = e));
    stream.write(COPY_TICKS_BINARY_HEADER);
    // Per encoder: resolves once the chunk it holds has been written (at once when it holds none).
    const free: Array<Promise<void>> = encoders.map(() => Promise.resolve());
    try {
      for (let turn = 0; sent < batchRows && !failed; turn ^= 1) {
        const encoder = encoders[turn];
        // A failed stream may never call back: the failure ends the wait (and the batch).
        await Promise.race([free[turn], done]);
        encoder.clear();
        const rows = journal.ticksAfter(last, Math.min(this.chunkRows, batchRows - sent), upTo);
        if (rows.length === 0) break;
        for (const r of rows) encoder.add(r, this.remoteId(r[1] as number));
        sent += rows.length;
        last = rows[rows.length - 1][0] as number;
        free[turn] = new Promise<void>((resolve) => stream.write(encoder.written(), () => resolve()));
        // The other encoder's chunk is being written meanwhile; give the socket a turn.
        await new Promise<void>((r) => setImmediate(r));
      }
      stream.end(COPY_BINARY_TRAILER);
      await done;
    } catch (e) {
      // Buffers the stream may still hold after a failure are not reused: this batch's encoders go.
      this.encoders = null;
      throw e;
    }
    return { last, sent };
  }

  /** Order-book snapshots: text COPY with their own watermark, in their own transaction. */
  private async syncDepth(client: Client): Promise<number> {
    const journal = this.journal;
    if (journal.maxDepthId() <= this.lastDepthId) return 0;
    const rows = journal.depthAfter(this.lastDepthId, 5000);
    await this.mapInstruments(client, rows.map((r) => r[1] as number));
    const source = copyEscape(this.opts.sourceId);
    let body = '';
    for (const r of rows) {
      const n = r[4] as number;
      const price = new Float64Array(n);
      const qty = new Uint32Array(n);
      const orders = new Uint32Array(n);
      new Uint8Array(price.buffer).set((r[5] as Buffer).subarray(0, n * 8));
      new Uint8Array(qty.buffer).set((r[6] as Buffer).subarray(0, n * 4));
      new Uint8Array(orders.buffer).set((r[7] as Buffer).subarray(0, n * 4));
      body += `${isoMs(r[2] as number)}\t${this.remoteId(r[1] as number)}\t${source}\t${r[3] === 0 ? 'bid' : 'ask'}\t${n}\t{${price.join(',')}}\t{${qty.join(',')}}\t{${orders.join(',')}}\n`;
    }
    const last = rows[rows.length - 1][0] as number;
    await this.inTransaction(client, async () => {
      await copyText(client, 'COPY depth (ts, instrument_id, source_id, side, levels, price, qty, orders) FROM STDIN', body);
      await this.markProgress(client, 'depth', this.lastDepthId, last, rows.length);
    });
    this.lastDepthId = last;
    this.writes.setSynced(this.sink, 'depth', last);
    return rows.length;
  }

  /**
   * Backfilled candles: upserted (a bucket fetched again replaces the old one), with their own
   * watermark (the journal's write sequence) in the same transaction.
   */
  private async syncCandles(client: Client): Promise<number> {
    const journal = this.journal;
    if (journal.maxCandleSeq() <= this.lastCandleSeq) return 0;
    const rows = journal.candlesAfter(this.lastCandleSeq, 5000);
    await this.mapInstruments(client, rows.map((r) => r[1] as number));
    const last = rows[rows.length - 1][0] as number;
    await this.inTransaction(client, async () => {
      for (let i = 0; i < rows.length; i += 500) {
        const page = rows.slice(i, i + 500);
        const values: unknown[] = [];
        const tuples = page.map((r, k) => {
          const [, id, interval, t, o, h, l, c, v, oi, broker, fetchedAt] = r;
          values.push(this.remoteId(id as number), interval, new Date((t as number) * 1000), o, h, l, c, v, oi, broker, new Date(fetchedAt as number), this.opts.sourceId);
          return `(${Array.from({ length: 12 }, (_, j) => `$${k * 12 + j + 1}`).join(', ')})`;
        });
        await client.query(
          `INSERT INTO broker_candles (instrument_id, interval, bucket, open, high, low, close, volume, oi, broker, fetched_at, source_id) VALUES ${tuples.join(', ')}
           ON CONFLICT (instrument_id, interval, bucket) DO UPDATE SET open = EXCLUDED.open, high = EXCLUDED.high, low = EXCLUDED.low, close = EXCLUDED.close,
             volume = EXCLUDED.volume, oi = EXCLUDED.oi, broker = EXCLUDED.broker, fetched_at = EXCLUDED.fetched_at, source_id = EXCLUDED.source_id`,
          values,
        );
      }
      await this.markProgress(client, 'candles', this.lastCandleSeq, last, rows.length);
    });
    this.lastCandleSeq = last;
    this.events.progress(this.lastId, last, 0);
    return rows.length;
  }

  /** Runs `work` in one transaction: all of it commits, or none. */
  private async inTransaction(client: Client, work: () => Promise<void>): Promise<void> {
    await client.query('BEGIN');
    try {
      await work();
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {});
      throw e;
    }
  }

  /**
   * A stream's watermark, written inside the transaction that carries its rows, and only from the
   * value this loop read (`from`): if anyone else moved it meanwhile, the transaction fails and the
   * loop reads the database's watermark again (nothing is sent twice).
   */
  private async markProgress(client: Client, stream: JournalStream, from: number, last: number, rows: number): Promise<void> {
    const r = await client.query(
      `INSERT INTO sink_progress (source_id, stream, last_id, rows, updated_at) VALUES ($1, $2, $3, $4, now())
       ON CONFLICT (source_id, stream) DO UPDATE SET last_id = EXCLUDED.last_id, rows = sink_progress.rows + EXCLUDED.rows, updated_at = now()
       WHERE sink_progress.last_id = $5`,
      [this.opts.sourceId, stream, last, rows, from],
    );
    if (r.rowCount !== 1)
      throw new Error(`source "${this.opts.sourceId}": the database's ${stream} watermark moved past ${from} under another replicator; reading it again`);
  }

  private async syncGaps(client: Client): Promise<void> {
    const gaps = this.journal.gapsForSync(this.gapWatermark, this.openGaps);
    if (gaps.length === 0) return;
    const top = Math.max(this.gapWatermark, ...gaps.map((g) => g.id));
    await this.inTransaction(client, async () => {
      for (const g of gaps) {
        await client.query(
          `INSERT INTO feed_gaps (start_ts, source_id, gap_id, feed, connection, end_ts, reason) VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (source_id, gap_id, start_ts) DO UPDATE SET end_ts = EXCLUDED.end_ts, reason = EXCLUDED.reason`,
          [new Date(g.startTs), this.opts.sourceId, g.id, g.feed, g.connection, g.endTs === null ? null : new Date(g.endTs), g.reason],
        );
      }
      await this.markProgress(client, 'feed_gaps', this.gapWatermark, top, 0);
    });
    this.gapWatermark = top;
    this.openGaps = gaps.filter((g) => g.endTs === null).map((g) => g.id);
  }

  private maybePrune(): void {
    const keep = this.opts.journalRetainMs ?? 0;
    if (keep <= 0 || Date.now() - this.lastPrune < 60_000) return;
    this.lastPrune = Date.now();
    this.writes.pruneSynced(Date.now() - keep);
  }
}
