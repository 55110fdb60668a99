// Replicator throughput against the local PostgreSQL, beside two baselines on the same rows:
// a raw COPY of pre-formatted text, and multi-row INSERT in pages of 1,000. Then the time to
// drain a 1,000,000-row backlog, and what the replicator takes while a producer holds the event
// loop (as a flooding feed does), its loop on its worker thread and on the main thread.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Journal } from '../src/engine/store/journal';
import { from as copyFrom } from 'pg-copy-streams';
import { COPY_BINARY_TRAILER, COPY_TICKS_BINARY_HEADER, TickBinaryEncoder } from '../src/engine/store/copy-binary';
import { COPY_TICKS_BINARY_SQL, COPY_TICKS_SQL, copyEscape, copyText, insertTicks, Replicator, tickCopyLine, tickInsertValues } from '../src/engine/store/replicator';
import { cleanupDatabases, flood, freshDatabase, fullTick } from '../src/engine/store/testing';
import { initSchema } from '../src/engine/store/timescale';
import type { NewInstrument } from '../src/shared/model';

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

function instrumentsOf(j: Journal, n: number): number[] {
  const list: NewInstrument[] = Array.from({ length: n }, (_, k) => ({ broker: 'sim', token: String(1000 + k), exchange: 'NSE', segment: 'NSE', symbol: `SYM${k}`, tickSize: 0.05, lotSize: 1 }));
  return j.upsertInstruments(list);
}

function fillJournal(path: string, rows: number): Journal {
  const j = new Journal(path, { flushMs: 1e9, maxPendingRows: 20_000 });
  const ids = instrumentsOf(j, 200);
  const t0 = Date.now() - rows;
  for (let i = 0; i < rows; i++) j.append(fullTick(ids[i % ids.length], i, t0 + i));
  j.flush();
  return j;
}

async function client(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  return c;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Replicates the whole journal into a new source; rows/s from the moment the loop is connected
 * (the worker's start-up, which tsx makes slower than the built engine's, is not throughput).
 */
async function drain(j: Journal, url: string, sourceId: string, thread: 'worker' | 'main' = 'worker'): Promise<number> {
  const rep = new Replicator({ journal: j, url, sourceId, idleMs: 5, thread });
  rep.start();
  while (rep.stats.state !== 'connected') await sleep(1);
  const t = performance.now();
  const r0 = rep.stats.replicated;
  while (rep.snapshot().backlogRows > 0) await sleep(5);
  const rate = ((rep.stats.replicated - r0) * 1000) / (performance.now() - t);
  await rep.stop();
  return rate;
}

interface BusyRun {
  committed: number;
  replicated: number;
  /** Rows committed but not replicated when the producer stopped. */
  backlog: number;
  turns: number;
}

/**
 * A producer that never idles, on this thread: each turn of the event loop appends and commits
 * `rate` × `turnMs` ticks and holds the loop until `turnMs` have passed (a flooding feed holds it
 * for hundreds of ms a turn). What the replicator takes meanwhile, over `ms`.
 */
async function busyLoop(dir: string, url: string, thread: 'worker' | 'main', rate: number, turnMs: number, ms: number): Promise<BusyRun> {
  const j = new Journal(join(dir, `busy-${thread}.sqlite`), { flushMs: 1e9 });
  const ids = instrumentsOf(j, 1000);
  const rep = new Replicator({ journal: j, url, sourceId: `busy-${thread}`, thread });
  rep.start();
  while (rep.stats.state !== 'connected') await sleep(5);
  const t0 = performance.now();
  const producer = flood(j, ids, Math.round((rate * turnMs) / 1000), turnMs);
  await sleep(ms);
  const turns = producer.stop();
  const s = (performance.now() - t0) / 1000;
  const run = { committed: j.committed / s, replicated: rep.stats.replicated / s, backlog: rep.snapshot().backlogRows, turns };
  while (rep.snapshot().backlogRows > 0) await sleep(20);
  await rep.stop();
  j.close();
  return run;
}

export async function benchSink(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tickdesk-sinkbench-'));
  try {
    const N = 200_000;
    const j = fillJournal(join(dir, 'a.sqlite'), N);
    const rows = j.ticksAfter(0, N);
    const results: Record<string, number> = {};
    // Each measured three times, best kept: one fresh database per try, so a server checkpoint
    // landing in one try does not decide the ratio.
    const bestOf3 = async (key: string, once: () => Promise<number>) => {
      for (let k = 0; k < 3; k++) results[key] = Math.max(results[key] ?? 0, await once());
    };

    // Baseline 1: raw COPY of the same rows, text formatted in advance, one COPY.
    const src = copyEscape('bench');
    const textBody = rows.map((r) => tickCopyLine(r, (r[1] as number) % 200 + 1, src)).join('');
    await bestOf3('copy', async () => {
      const url = await freshDatabase();
      const c = await client(url);
      await initSchema(c);
      const t = performance.now();
      await copyText(c, COPY_TICKS_SQL, textBody);
      const rate = (N * 1000) / (performance.now() - t);
      await c.end();
      return rate;
    });
    // Baseline 1b: raw binary COPY of the same rows, encoded in advance (the replicator's format).
    const enc = new TickBinaryEncoder('bench', 64 << 20);
    for (const r of rows) enc.add(r, ((r[1] as number) % 200) + 1);
    const body = Buffer.concat([COPY_TICKS_BINARY_HEADER, enc.take(), COPY_BINARY_TRAILER]);
    await bestOf3('copyBinary', async () => {
      const url = await freshDatabase();
      const c = await client(url);
      await initSchema(c);
      const t = performance.now();
      await new Promise<void>((resolve, reject) => {
        const s = c.query(copyFrom(COPY_TICKS_BINARY_SQL));
        s.on('finish', resolve);
        s.on('error', reject);
        s.end(body);
      });
      const rate = (N * 1000) / (performance.now() - t);
      await c.end();
      return rate;
    });
    // Baseline 2: multi-row INSERT, pages of 1,000 rows.
    {
      const url = await freshDatabase();
      const c = await client(url);
      await initSchema(c);
      const values = rows.map((r) => tickInsertValues(r, (r[1] as number) % 200 + 1, 'bench'));
      const t = performance.now();
      await insertTicks(c, values, 1000);
      results.insert = (N * 1000) / (performance.now() - t);
      await c.end();
    }
    // The replicator: journal read + format + COPY + watermark per batch, end to end, its loop on
    // its worker thread (the default) and on this one.
    const fresh = async () => {
      const url = await freshDatabase();
      const c = await client(url);
      await initSchema(c);
      await c.end();
      return url;
    };
    await bestOf3('replicator', async () => drain(j, await fresh(), 'bench'));
    await bestOf3('replicatorMain', async () => drain(j, await fresh(), 'bench', 'main'));
    j.close();
    console.log(`\nReplicator → local PostgreSQL 15 (${fmt(N)} full ticks with 5-level depth, plain tables; each the best of 3 fresh databases)`);
    console.log(`  replicator (journal → COPY)   ${fmt(results.replicator).padStart(10)} rows/s   (worker thread)`);
    console.log(`    its loop on the main thread ${fmt(results.replicatorMain).padStart(10)} rows/s`);
    console.log(`  raw COPY (text), pre-formatted ${fmt(results.copy).padStart(9)} rows/s`);
    console.log(`  raw COPY (binary), pre-encoded ${fmt(results.copyBinary).padStart(9)} rows/s`);
    console.log(`  multi-row INSERT, 1,000/page  ${fmt(results.insert).padStart(10)} rows/s`);
    const best = Math.max(results.copy, results.copyBinary);
    console.log(`  replicator / best raw COPY    ${(results.replicator / best).toFixed(2).padStart(10)}×   (target ≥ 0.7×)`);

    const M = 1_000_000;
    const big = fillJournal(join(dir, 'b.sqlite'), M);
    const url = await freshDatabase();
    const c = await client(url);
    await initSchema(c);
    await c.end();
    const rate = await drain(big, url, 'backlog');
    big.close();
    console.log(`  drain a ${fmt(M)}-row backlog  ${(M / rate).toFixed(1).padStart(10)} s   (${fmt(rate)} rows/s)`);

    // The replicator beside a producer that holds the event loop, as a flooding feed does.
    const RATE = 20_000;
    const TURN_MS = 250;
    console.log(`  with a producer holding the event loop (${fmt(RATE)} full ticks/s committed in turns of ${TURN_MS} ms, never idle; 6 s):`);
    for (const thread of ['worker', 'main'] as const) {
      const r = await busyLoop(dir, await fresh(), thread, RATE, TURN_MS, 6000);
      console.log(
        `    its loop on the ${`${thread === 'main' ? 'main' : 'worker'} thread`.padEnd(13)} ${fmt(r.replicated).padStart(7)} rows/s replicated of ${fmt(r.committed)} committed (${((r.replicated / r.committed) * 100).toFixed(0)} %), ${fmt(r.backlog)} rows behind at the end (${r.turns} turns)`,
      );
    }
  } finally {
    await cleanupDatabases();
    rmSync(dir, { recursive: true, force: true });
  }
}
