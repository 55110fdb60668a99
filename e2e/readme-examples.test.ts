// Issue 10, "the export example returns only a header": the README's export examples, run as written
// in the directory where the quick start's record ran, each write the rows that recording holds.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Journal } from '../src/engine/store/journal';

const BIN = new URL('../bin/tickdesk.mjs', import.meta.url).pathname;
const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** The `npx tickdesk …` lines of the first ```sh block after `heading`, as argument lists (comments dropped). */
function commands(heading: string, command: string): string[][] {
  const from = README.indexOf(heading);
  assert.ok(from >= 0, `README has ${heading}`);
  const block = /```sh\n([\s\S]*?)```/.exec(README.slice(from));
  assert.ok(block, `a sh block after ${heading}`);
  return block[1]
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter((l) => l.startsWith(`npx tickdesk ${command} `))
    .map((l) => l.split(/\s+/).slice(2));
}

function tickdesk(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("the README's export examples, after its quick start's record, export what was recorded", () => {
  const cwd = mkdtempSync(join(tmpdir(), 'tickdesk-readme-'));
  const [record] = commands('## Quick start', 'record');
  assert.deepEqual(record, ['record', '--duration', '20s']);
  // The quick start's record, shorter: 3 s of the simulator is plenty for the examples.
  const rec = tickdesk(['record', '--duration', '3s'], cwd);
  assert.equal(rec.code, 0, rec.stderr);

  const j = new Journal(join(cwd, 'tickdesk.sqlite'), { readonly: true });
  const infy = j.findInstrument('NSE:INFY')!.id;
  const ticks = (j.db.prepare('SELECT count(*) AS n FROM ticks WHERE instrument_id = ?').get(infy) as { n: number }).n;
  const minutes = (j.db.prepare('SELECT count(DISTINCT ts_exchange / 60000) AS n FROM ticks WHERE instrument_id = ?').get(infy) as { n: number }).n;
  j.close();
  assert.ok(ticks > 0, 'INFY ticked');

  const examples = commands('### `export`', 'export');
  assert.ok(examples.length >= 2, 'a ticks and a candles example');
  for (const args of examples) {
    const r = tickdesk(args, cwd);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    const out = args[args.indexOf('--out') + 1];
    assert.ok(args.includes('--out') && out, 'each example writes a file');
    const [header, ...rows] = readFileSync(join(cwd, out), 'utf8').trimEnd().split('\n');
    const symbol = header.split(',').indexOf('symbol');
    assert.ok(symbol >= 0, header);
    assert.ok(rows.every((row) => row.split(',')[symbol] === 'INFY'), 'only INFY');
    if (args.includes('candles')) {
      assert.match(header, /^time,exchange,symbol,interval,open,high,low,close,volume,oi$/);
      // 1m bars from the exchange times of the ticks: one per minute they fall in.
      assert.equal(rows.length, minutes, `${args.join(' ')}: one row per minute recorded`);
    } else {
      assert.match(header, /^ts_exchange,ts_received,exchange,symbol,ltp,/);
      assert.equal(rows.length, ticks, `${args.join(' ')}: one row per journal tick`);
    }
  }
});
