// 100 seconds through the real `tickdesk record` on the simulator, whose NIFTY chain reaches out to
// options at a few paise (issue 10: a 20 % band refused every next price of a ₹0.20 option, which then
// went silent for the rest of the day). No instrument may go silent, and rejects, if any, must be
// named by reason and by instrument in the output.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Journal } from '../src/engine/store/journal';

const BIN = new URL('../bin/tickdesk.mjs', import.meta.url).pathname;
/** "Within a few seconds of the end": each instrument has ~25 events a second here. */
const SILENCE_MS = 5000;

/** "rejects 3 (band 2, timestamp 1; 1 band re-anchored)" → its total and per-reason counts (checked to add up). */
function parseRejects(text: string): { total: number; reasons: Record<string, number> } {
  const m = /^rejects (\d+)(?: \(([^;)]*)(?:; (\d+) band re-anchored)?\))?$/.exec(text);
  assert.ok(m, `rejects by reason: "${text}"`);
  const total = Number(m[1]);
  const reasons: Record<string, number> = {};
  for (const part of m[2] ? m[2].split(', ') : []) {
    const r = /^(band|timestamp|non-finite|non-positive) (\d+)$/.exec(part);
    assert.ok(r, `a reason and its count: "${part}" in "${text}"`);
    reasons[r[1]] = Number(r[2]);
  }
  assert.equal(Object.values(reasons).reduce((n, v) => n + v, 0), total, `the reasons add up: "${text}"`);
  return { total, reasons };
}

test('record --duration 100s: every instrument ticks until the end; rejects, if any, are listed by reason and instrument', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'tickdesk-endurance-')), 'j.sqlite');
  const r = spawnSync(process.execPath, [BIN, 'record', '--duration', '100s', '--journal', path, '--seed', '11'], { encoding: 'utf8', maxBuffer: 1 << 28, timeout: 240_000 });
  assert.equal(r.status, 0, r.stderr.slice(-2000));
  const lines = r.stderr.trimEnd().split('\n');

  // Every progress line breaks its rejects down by reason.
  const progress = lines.filter((l) => /^\d+s \| /.test(l));
  assert.ok(progress.length >= 90, `${progress.length} progress lines`);
  for (const l of progress) parseRejects(/\| (rejects [^|]*?) \| reconnects/.exec(l)?.[1] ?? l);
  const subscribed = Number(/\| (\d+) instruments \|/.exec(progress.at(-1)!)![1]);

  // The summary: rejects by reason, then (when there are any) the instruments that had them.
  const doneAt = lines.findIndex((l) => l.startsWith('done: committed'));
  assert.ok(doneAt >= 0, r.stderr.slice(-1000));
  const summary = /^done: committed (\d+) ticks to .* \((rejects .*), reconnects \d+\)$/.exec(lines[doneAt]);
  assert.ok(summary, lines[doneAt]);
  const rejects = parseRejects(summary[2]);
  const byInstrument = lines.slice(doneAt + 1).find((l) => l.startsWith('rejects by instrument: '));

  const j = new Journal(path, { readonly: true });
  const rows = j.db
    .prepare(
      `SELECT i.exchange || ':' || i.symbol AS symbol, max(t.ts_received) AS last, count(t.id) AS n, min(t.ltp) AS low
       FROM instruments i LEFT JOIN ticks t ON t.instrument_id = i.id WHERE i.broker = 'kite' GROUP BY i.id ORDER BY i.id`,
    )
    .all() as Array<{ symbol: string; last: number | null; n: number; low: number | null }>;
  const committed = j.countTicks();
  j.close();
  assert.equal(committed, Number(summary[1]), 'every tick reported committed is in the journal');
  assert.equal(rows.length, subscribed, 'every instrument of the simulator was recorded');
  // The chain reaches options at a few paise, a ₹0.05 tick 20 % of their price or more: the case
  // the band used to silence.
  const cheap = rows.filter((x) => /^NFO:NIFTY\w+(CE|PE)$/.test(x.symbol) && x.low !== null && x.low <= 0.25).map((x) => x.symbol);
  assert.ok(cheap.length >= 2, `options traded at ₹0.25 or less: ${cheap.join(', ')}`);

  const end = Math.max(...rows.map((x) => x.last ?? 0));
  const silent = rows.filter((x) => x.last === null || end - x.last > SILENCE_MS).map((x) => `${x.symbol}: last tick ${x.last === null ? 'never' : `${((end - x.last) / 1000).toFixed(1)} s before the end`} (${x.n} ticks)`);
  assert.deepEqual(silent, [], `instruments gone silent (${rejects.total} rejects; ${byInstrument ?? 'none listed by instrument'})`);

  if (rejects.total === 0) {
    assert.equal(byInstrument, undefined, 'no rejects, no list');
    return;
  }
  // Rejects are named: "rejects by instrument: NFO:X 63 (band 63), NSE:Y 2 (timestamp 2), and 3 more".
  assert.ok(byInstrument, `${rejects.total} rejects but no list by instrument:\n${lines.slice(doneAt).join('\n')}`);
  const known = new Set(rows.map((x) => x.symbol));
  const listed = [...byInstrument.slice('rejects by instrument: '.length).matchAll(/(?:^|, )([A-Z]+:[^,(]+?) (\d+) \(([^)]*)\)/g)];
  assert.ok(listed.length >= 1, byInstrument);
  for (const [, symbol, count, reasons] of listed) {
    assert.ok(known.has(symbol), `${symbol} is a recorded instrument`);
    assert.equal(parseRejects(`rejects ${count} (${reasons})`).total, Number(count));
  }
});
