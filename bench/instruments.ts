// Instrument master: import of a 100,000-row Kite dump (gzipped, over HTTP) into the journal, and
// search over 100,000 instruments (p50/p99 per query). Baselines in the same run: a naive import
// (whole body, split, one INSERT per row in a transaction) and a naive substring scan.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { formatKiteInstrumentsCsv, parseKiteInstrumentsCsv, type KiteInstrumentRow } from '../src/engine/brokers/kite/instruments';
import { InstrumentIndex } from '../src/engine/instruments/search';
import { importKiteInstruments } from '../src/engine/instruments/master';
import { Journal } from '../src/engine/store/journal';

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

/** 100,000 rows shaped like Kite's dump: equities, index rows, futures and option chains. */
export function syntheticKiteDump(n = 100_000): KiteInstrumentRow[] {
  const rows: KiteInstrumentRow[] = [];
  let token = 1;
  const push = (r: Omit<KiteInstrumentRow, 'instrumentToken' | 'exchangeToken' | 'lastPrice'>) => {
    const et = token++;
    rows.push({ instrumentToken: et * 256 + 1, exchangeToken: et, lastPrice: 0, ...r });
  };
  const underlyings = Array.from({ length: 220 }, (_, i) => `STOCK${String.fromCharCode(65 + (i % 26))}${String.fromCharCode(65 + Math.floor(i / 26))}`);
  underlyings.unshift('NIFTY', 'BANKNIFTY', 'FINNIFTY');
  for (let i = 0; i < 4000 && rows.length < n; i++)
    push({ tradingsymbol: `EQ${i}${underlyings[i % underlyings.length]}`, name: `COMPANY ${i}`, expiry: '', strike: 0, tickSize: 0.05, lotSize: 1, instrumentType: 'EQ', segment: i % 5 ? 'NSE' : 'BSE', exchange: i % 5 ? 'NSE' : 'BSE' });
  const expiries = ['2026-11-26', '2026-12-03', '2026-12-31', '2027-01-28'];
  for (const u of underlyings)
    for (const e of expiries) {
      if (rows.length >= n) break;
      const mon = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'][Number(e.slice(5, 7)) - 1];
      push({ tradingsymbol: `${u}${e.slice(2, 4)}${mon}FUT`, name: u, expiry: e, strike: 0, tickSize: 0.1, lotSize: 50, instrumentType: 'FUT', segment: 'NFO-FUT', exchange: 'NFO' });
      // Weekly contracts carry the day (Kite: NIFTY2612324000CE); monthly ones the month name.
      const weekly = e === '2026-12-03';
      const stem = weekly ? `${u}${e.slice(2, 4)}${'123456789OND'[Number(e.slice(5, 7)) - 1]}${e.slice(8, 10)}` : `${u}${e.slice(2, 4)}${mon}`;
      for (let k = 0; k < 55 && rows.length < n; k++)
        for (const t of ['CE', 'PE'])
          if (rows.length < n) push({ tradingsymbol: `${stem}${1000 + k * 50}${t}`, name: u, expiry: e, strike: 1000 + k * 50, tickSize: 0.05, lotSize: 50, instrumentType: t, segment: 'NFO-OPT', exchange: 'NFO' });
    }
  while (rows.length < n) push({ tradingsymbol: `FILL${rows.length}`, name: 'FILL', expiry: '', strike: 0, tickSize: 0.05, lotSize: 1, instrumentType: 'EQ', segment: 'NSE', exchange: 'NSE' });
  return rows;
}

export async function benchInstruments(): Promise<void> {
  const rows = syntheticKiteDump();
  const csv = formatKiteInstrumentsCsv(rows);
  const gz = gzipSync(csv);
  const server = createServer((_q, res) => res.writeHead(200, { 'Content-Type': 'text/csv', 'Content-Encoding': 'gzip' }).end(gz));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const root = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dir = mkdtempSync(join(tmpdir(), 'tickdesk-bench-ins-'));
  try {
    const journal = new Journal(join(dir, 'j.sqlite'));
    const ours = await importKiteInstruments(journal, root, 'k', 't', { force: true });
    // Baseline: download whole, parse whole, one INSERT per row in one transaction.
    const raw = new Database(join(dir, 'raw.sqlite'));
    raw.pragma('journal_mode = WAL');
    raw.exec('CREATE TABLE ins (token TEXT, exchange TEXT, symbol TEXT, name TEXT, expiry TEXT, strike REAL, type TEXT, tick REAL, lot INTEGER, UNIQUE (exchange, symbol))');
    const t0 = performance.now();
    const text = await (await fetch(root)).text();
    const parsed = parseKiteInstrumentsCsv(text);
    const ins = raw.prepare('INSERT OR REPLACE INTO ins VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
    raw.transaction(() => {
      for (const r of parsed) ins.run(String(r.instrumentToken), r.exchange, r.tradingsymbol, r.name, r.expiry, r.strike, r.instrumentType, r.tickSize, r.lotSize);
    })();
    const rawMs = performance.now() - t0;
    console.log(`\nInstrument master: ${fmt(rows.length)} Kite rows (${(csv.length / 1e6).toFixed(1)} MB CSV, ${(gz.length / 1e6).toFixed(1)} MB gzipped) over HTTP into the journal`);
    console.log(`  tickdesk streamed import  ${fmt(ours.ms).padStart(8)} ms  (${fmt((rows.length * 1000) / ours.ms)} rows/s, with cross-broker keys)`);
    console.log(`  naive whole-body import   ${fmt(rawMs).padStart(8)} ms`);
    console.log(`  ratio (naive / tickdesk)  ${(rawMs / ours.ms).toFixed(2).padStart(8)}×`);

    // Search over the same 100,000 instruments, as the journal holds them.
    const index = new InstrumentIndex(journal.instruments());
    const queries = ['NIFTY', 'nifty 1500 ce', 'BANKNIFTY DEC FUT', 'stockaa', 'STKB', 'finnifty 2026-12-31 1200 pe', 'EQ12', 'company 3999', 'banknifty 2000', 'xyz'];
    const times: number[] = [];
    const naive: number[] = [];
    let hits = 0;
    const all = journal.instruments();
    // The first searches after a build run before the JIT has optimized them: reported apart.
    let cold = 0;
    for (let round = 0; round < 5; round++)
      for (const q of queries) {
        const t = performance.now();
        index.search(q, 50);
        cold = Math.max(cold, performance.now() - t);
      }
    // Each in its own loop: the baseline's garbage would otherwise be collected inside our timings.
    for (let round = 0; round < 30; round++)
      for (const q of queries) {
        const t = performance.now();
        hits += index.search(q, 50).length;
        times.push(performance.now() - t);
      }
    for (let round = 0; round < 30; round++)
      for (const q of queries) {
        const t = performance.now();
        const u = q.toUpperCase();
        hits += all.filter((i) => i.symbol.includes(u) || (i.name ?? '').includes(u)).slice(0, 50).length;
        naive.push(performance.now() - t);
      }
    times.sort((a, b) => a - b);
    naive.sort((a, b) => a - b);
    console.log(`Instrument search over ${fmt(index.size)} instruments (${queries.length} query shapes × 30)${hits ? '' : ' (no hits)'}`);
    console.log(`  tickdesk search           p50 ${pct(times, 50).toFixed(2)} ms, p99 ${pct(times, 99).toFixed(2)} ms   (target p99 < 5 ms)`);
    console.log(`  naive substring scan      p50 ${pct(naive, 50).toFixed(2)} ms, p99 ${pct(naive, 99).toFixed(2)} ms`);
    console.log(`  (slowest of the first ${5 * queries.length} searches after the index was built: ${cold.toFixed(2)} ms, not counted above)`);
    journal.close();
    raw.close();
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
