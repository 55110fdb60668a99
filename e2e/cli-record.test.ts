// End to end through the real `tickdesk` command: record on the simulator, export, decode, crash.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { brokerIds, orList } from '../src/engine/brokers/registry';
import { Journal } from '../src/engine/store/journal';

const BIN = new URL('../bin/tickdesk.mjs', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'tickdesk-e2e-'));

function run(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts `tickdesk record` and collects the "committed N" figures from its progress lines. */
function startRecorder(args: string[]): { child: ChildProcess; committed: number[]; stderr: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [BIN, 'record', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const committed: number[] = [];
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    for (const m of d.toString().matchAll(/committed (\d+)/g)) committed.push(Number(m[1]));
  });
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, committed, stderr: () => err, exit };
}

async function until(cond: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const journal20 = join(dir, 'twenty.sqlite');
const capture20 = join(dir, 'twenty.capture');
let recordOutput = { code: null as number | null, stdout: '', stderr: '' };

before(() => {
  recordOutput = run(['record', '--duration', '20s', '--journal', journal20, '--capture', capture20, '--seed', '11']);
});

test('record --duration 20s on the simulator commits ≥ 1,000 ticks/s and exits 0', () => {
  assert.equal(recordOutput.code, 0, recordOutput.stderr);
  const final = /done: committed (\d+) ticks/.exec(recordOutput.stderr);
  assert.ok(final, recordOutput.stderr.slice(-500));
  const j = new Journal(journal20, { readonly: true });
  const total = j.countTicks();
  const range = j.tickRange()!;
  j.close();
  assert.equal(total, Number(final![1]), 'every tick reported committed is in the journal');
  assert.ok(total >= 20_000, `${total} ticks in 20 s`);
  assert.ok(range.to - range.from >= 18_000, 'ticks span the whole run');
  assert.match(recordOutput.stderr, /\d+ ticks\/s \| committed \d+ \| rejects 0 \| reconnects 0 \| journal lag \d+ ms/);
});

test('export of that range writes one CSV data row per journal tick; candles cover it', () => {
  const j = new Journal(journal20, { readonly: true });
  const ins = j.findInstrument('NSE:INFY')!;
  const range = j.tickRange(ins.id)!;
  const expected = j.countTicks(ins.id, range.from, range.to);
  const candles = j.candles(ins.id, '1m', range.from, range.to);
  j.close();
  const out = join(dir, 'infy.csv');
  const r = run(['export', '--journal', journal20, '--instrument', 'NSE:INFY', '--from', String(range.from), '--to', String(range.to), '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
  assert.match(lines[0], /^ts_exchange,ts_received,exchange,symbol,ltp,/);
  assert.equal(lines.length - 1, expected);
  assert.ok(expected > 50);
  assert.ok(lines.slice(1).every((l) => l.split(',')[3] === 'INFY'));
  assert.match(r.stderr, new RegExp(`exported ${expected} ticks rows of NSE:INFY`));

  const c = run(['export', '--journal', journal20, '--instrument', 'NSE:INFY', '--kind', 'candles', '--interval', '1s']);
  assert.equal(c.code, 0, c.stderr);
  const rows = c.stdout.trimEnd().split('\n');
  assert.equal(rows[0], 'time,exchange,symbol,interval,open,high,low,close,volume,oi');
  const all1s = new Journal(journal20, { readonly: true });
  const expect1s = all1s.candles(ins.id, '1s', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  all1s.close();
  assert.equal(rows.length - 1, expect1s.length);
  assert.ok(candles.length >= 1);
});

test('decode kite prints one NDJSON tick per packet in the capture, matching the journal', () => {
  const r = run(['decode', 'kite', capture20]);
  assert.equal(r.code, 0, r.stderr);
  const ticks = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
  const j = new Journal(journal20, { readonly: true });
  assert.equal(ticks.length, j.countTicks(), 'no rejects on the simulator: every decoded packet was journaled');
  const infy = j.findInstrument('NSE:INFY')!;
  const firstRow = j.ticks(infy.id, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)[0];
  j.close();
  const first = ticks.find((t) => t.token === 408065)!;
  for (const k of ['token', 'ltp', 'volume', 'oi', 'tsExchange', 'bids', 'asks']) assert.ok(k in first, k);
  assert.equal(first.ltp, firstRow.ltp);
  assert.equal(first.volume, firstRow.volume);
  assert.equal(Date.parse(first.tsExchange), firstRow.tsExchange);
  assert.equal(first.bids.length, 5);
  assert.deepEqual(first.bids[0], { price: firstRow.depth5![0], qty: firstRow.depth5![5], orders: firstRow.depth5![10] });
  assert.match(r.stderr, /decoded \d+ frames: \d+ ticks, \d+ heartbeats, 0 malformed/);
});

test('kill -9 mid-recording: the journal is intact, every reported commit survives, recording resumes', async () => {
  const path = join(dir, 'crash.sqlite');
  const rec = startRecorder(['--journal', path, '--seed', '5']);
  await until(() => rec.committed.length >= 3, 'three progress lines');
  const reported = rec.committed.at(-1)!;
  rec.child.kill('SIGKILL');
  await rec.exit;
  const j = new Journal(path, { readonly: true });
  assert.equal(j.integrityCheck(), 'ok');
  const afterCrash = j.countTicks();
  const infyId = j.findInstrument('NSE:INFY')!.id;
  j.close();
  assert.ok(afterCrash >= reported, `${afterCrash} rows on disk, ${reported} reported committed`);

  const again = run(['record', '--journal', path, '--duration', '3s', '--seed', '6']);
  assert.equal(again.code, 0, again.stderr);
  const j2 = new Journal(path, { readonly: true });
  assert.equal(j2.integrityCheck(), 'ok');
  assert.ok(j2.countTicks() > afterCrash + 1000, 'recording continued on the same journal');
  assert.equal(j2.findInstrument('NSE:INFY')!.id, infyId, 'instrument ids are stable across runs');
  j2.close();
});

test('SIGINT and SIGTERM flush the journal and exit 0', async () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    const path = join(dir, `${signal}.sqlite`);
    const rec = startRecorder(['--journal', path]);
    await until(() => rec.committed.length >= 2, 'progress');
    rec.child.kill(signal);
    assert.equal(await rec.exit, 0, rec.stderr());
    const final = new RegExp(`${signal === 'SIGINT' ? 'interrupted' : 'terminated'}: committed (\\d+) ticks`).exec(rec.stderr());
    assert.ok(final, rec.stderr().slice(-300));
    const j = new Journal(path, { readonly: true });
    assert.equal(j.countTicks(), Number(final![1]));
    j.close();
  }
});

test('bad input gets a clear message and exit code 2; a garbage capture is counted, not fatal', () => {
  const bad = run(['record', '--broker', 'nse']);
  assert.equal(bad.code, 2);
  assert.ok(bad.stderr.includes(`--broker must be ${orList(brokerIds())} (got "nse")`), bad.stderr);
  assert.equal(run(['record', '--mode', 'depth']).code, 2);
  assert.match(run(['record', '--duration', 'forever']).stderr, /bad duration/);
  assert.match(run(['record', '--broker', 'kite']).stderr, /needs --instruments/);
  assert.match(run(['export']).stderr, /needs --instrument/);
  assert.equal(run(['frobnicate']).code, 2);
  const cap = join(dir, 'junk.capture');
  const rec = (ts: number, bytes: number[]) => {
    const b = Buffer.alloc(12 + bytes.length);
    b.writeBigUInt64LE(BigInt(ts), 0);
    b.writeUInt32LE(bytes.length, 8);
    Buffer.from(bytes).copy(b, 12);
    return b;
  };
  writeFileSync(cap, Buffer.concat([rec(1, [0]), rec(2, [0, 5, 1]), rec(3, [0, 1, 0, 8, 0, 0, 1, 1, 0, 0, 39, 16])]));
  const d = run(['decode', 'kite', cap]);
  assert.equal(d.code, 0);
  assert.deepEqual(JSON.parse(d.stdout).ltp, 100);
  assert.match(d.stderr, /decoded 3 frames: 1 ticks, 1 heartbeats, 1 malformed/);
});

test('record --sim-instruments runs the simulator on a Kite-format instrument list', () => {
  const list = new URL('../test/fixtures/kite/instruments_nse.csv', import.meta.url).pathname;
  const path = join(dir, 'fixture-universe.sqlite');
  const r = run(['record', '--sim-instruments', list, '--instruments', 'NSE:ERAINFRA,4352001', '--mode', 'quote', '--duration', '2s', '--journal', path, '--rate', '500']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /\| 2 instruments \|/);
  const j = new Journal(path, { readonly: true });
  assert.equal(j.instruments().length, 99, 'the whole list is registered');
  const ids = new Set((j.db.prepare('SELECT DISTINCT instrument_id AS id FROM ticks').all() as Array<{ id: number }>).map((x) => x.id));
  assert.deepEqual([...ids].sort(), [j.findInstrument('NSE:ERAINFRA')!.id, j.findInstrument('NSE:GISOLUTION-BE')!.id].sort());
  assert.equal((j.db.prepare('SELECT count(*) AS n FROM ticks WHERE depth IS NOT NULL').get() as { n: number }).n, 0, 'quote mode carries no depth');
  j.close();
});
