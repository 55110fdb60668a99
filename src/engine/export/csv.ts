// Streaming CSV writers: rows go out as they are read, with backpressure, in constant memory.
import type { Writable } from 'node:stream';
import { isoIst } from '../../shared/ist';
import { depthLevels, type Candle, type CandleInterval, type Instrument } from '../../shared/model';
import type { Journal, TickRow } from '../store/journal';
import { TICK_COLUMNS } from '../store/tick-columns';

export type ExportProgress = (rowsWritten: number, rowsTotal: number) => void;

const LEVELS = 5;
const depthHeader: string[] = [];
for (const side of ['bid', 'ask'])
  for (let i = 1; i <= LEVELS; i++) depthHeader.push(`${side}_price_${i}`, `${side}_qty_${i}`, `${side}_orders_${i}`);

// The tick columns exported, in the journal's order (store/tick-columns.ts says where each goes).
const TIME_COLUMNS = TICK_COLUMNS.filter((c) => c.csv === 'time');
const VALUE_COLUMNS = TICK_COLUMNS.filter((c) => c.csv === 'value');

/** Times, the instrument, the values, the book's levels; a column's header is its journal name. */
export const TICK_CSV_HEADER = [...TIME_COLUMNS.map((c) => c.column), 'exchange', 'symbol', ...VALUE_COLUMNS.map((c) => c.column), ...depthHeader];

export const CANDLE_CSV_HEADER = ['time', 'exchange', 'symbol', 'interval', 'open', 'high', 'low', 'close', 'volume', 'oi'];

const v = (x: number | undefined) => (x === undefined ? '' : String(x));
const quote = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
/**
 * A text cell (symbol, exchange: they come from the brokers' instrument lists). One that starts
 * with = + - @, a tab or a carriage return would run as a formula in a spreadsheet (OWASP "CSV
 * injection"): it gets a leading single quote, then CSV quoting. Numeric cells never pass here, so
 * -1.5 stays a number.
 */
const text = (s: string) => quote(/^[=+\-@\t\r]/.test(s) ? `'${s}` : s);

function tickLine(t: TickRow, ins: Instrument): string {
  const cells: string[] = [];
  for (const c of TIME_COLUMNS) cells.push(isoIst(t[c.field] as number));
  cells.push(text(ins.exchange), text(ins.symbol));
  for (const c of VALUE_COLUMNS) cells.push(v(t[c.field] as number | undefined));
  const book = t.depth5;
  const n = book ? depthLevels(book) : 0;
  for (let side = 0; side < 2; side++)
    for (let i = 0; i < LEVELS; i++) {
      if (!book || i >= n) cells.push('', '', '');
      else cells.push(String(book[3 * n * side + i]), String(book[3 * n * side + n + i]), String(book[3 * n * side + 2 * n + i]));
    }
  return cells.join(',') + '\n';
}

function candleLine(c: Candle, ins: Instrument, interval: CandleInterval): string {
  return [isoIst(c.t * 1000), text(ins.exchange), text(ins.symbol), text(interval), c.o, c.h, c.l, c.c, c.v, v(c.oi)].join(',') + '\n';
}

async function writeLines(out: Writable, lines: Iterable<string>, total: number, onProgress?: ExportProgress): Promise<number> {
  let n = 0;
  let chunk = '';
  for (const line of lines) {
    chunk += line;
    n++;
    if (chunk.length >= 64 * 1024) {
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', r));
      chunk = '';
      onProgress?.(n, total);
    }
  }
  if (chunk) out.write(chunk);
  onProgress?.(n, total);
  return n;
}

/** Writes the header and every tick of one instrument in [fromMs, toMs]; returns the data rows. */
export async function exportTicksCsv(
  journal: Journal,
  ins: Instrument,
  fromMs: number,
  toMs: number,
  out: Writable,
  onProgress?: ExportProgress,
): Promise<number> {
  out.write(TICK_CSV_HEADER.join(',') + '\n');
  const total = journal.countTicks(ins.id, fromMs, toMs);
  function* lines() {
    for (const t of journal.iterateTicks(ins.id, fromMs, toMs)) yield tickLine(t, ins);
  }
  return writeLines(out, lines(), total, onProgress);
}

export async function exportCandlesCsv(
  journal: Journal,
  ins: Instrument,
  interval: CandleInterval,
  fromMs: number,
  toMs: number,
  out: Writable,
  onProgress?: ExportProgress,
): Promise<number> {
  out.write(CANDLE_CSV_HEADER.join(',') + '\n');
  // Backfilled history and recorded ticks, joined as the chart shows them.
  const candles = journal.chartCandles(ins.id, interval, fromMs, toMs);
  return writeLines(out, candles.map((c) => candleLine(c, ins, interval)), candles.length, onProgress);
}
