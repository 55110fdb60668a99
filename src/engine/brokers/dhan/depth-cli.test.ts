// `--depth-instruments REF=LEVELS,...`: read against the broker's declared full-depth feeds, refused
// with a usage line beyond them; `record` starts with exactly that assignment in the journal.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Journal } from '../../store/journal';
import { UsageError } from '../../cli/args';
import { recorderOptions } from '../../cli/recorder-args';

const BIN = new URL('../../../../bin/tickdesk.mjs', import.meta.url).pathname;

test('--depth-instruments: REF=LEVELS pairs, each levels a feed of the broker (or 0), each feed within its limit', () => {
  const o = recorderOptions({ broker: 'sim-dhan', 'depth-instruments': 'NSE:INFY=200, NSE:SBIN=20,NSE_EQ:1333=0,' });
  assert.deepEqual(o.depthInstruments, [
    { ref: 'NSE:INFY', levels: 200 },
    { ref: 'NSE:SBIN', levels: 20 },
    { ref: 'NSE_EQ:1333', levels: 0 },
  ]);
  assert.equal(recorderOptions({ broker: 'sim-dhan' }).depthInstruments, undefined);
  const refused = (values: Parameters<typeof recorderOptions>[0], message: string) =>
    assert.throws(() => recorderOptions(values), (e: Error) => e instanceof UsageError && e.message === message);
  const usage = 'REF=LEVELS,... with LEVELS 0, 20 or 200 (e.g. NSE:INFY=200)';
  refused({ broker: 'sim-dhan', 'depth-instruments': 'NSE:INFY=50' }, `--depth-instruments: "NSE:INFY=50" is not ${usage}`);
  refused({ broker: 'sim-dhan', 'depth-instruments': 'NSE:INFY' }, `--depth-instruments: "NSE:INFY" is not ${usage}`);
  refused({ broker: 'sim-dhan', 'depth-instruments': '=200' }, `--depth-instruments: "=200" is not ${usage}`);
  refused({ broker: 'sim-dhan', 'depth-instruments': ' , ' }, `--depth-instruments needs ${usage}`);
  refused(
    { broker: 'sim-dhan', 'depth-instruments': ['INFY', 'SBIN', 'TCS', 'ITC', 'LT', 'ONGC'].map((s) => `NSE:${s}=200`).join(',') },
    '--depth-instruments: 6 instruments at 200 levels; Simulator (Dhan protocol) allows 5',
  );
  refused({ broker: 'sim', 'depth-instruments': 'NSE:INFY=20' }, '--depth-instruments: Simulator (Kite protocol) streams no full depth');
});

test('record --depth-instruments: the journal holds 200-level books for one, 20-level for another, none for the rest; a refused instrument stops the start, saying why', { timeout: 60_000 }, () => {
  const path = join(mkdtempSync(join(tmpdir(), 'tickdesk-depth-cli-')), 'j.sqlite');
  const run = (args: string[]) => spawnSync(process.execPath, [BIN, 'record', '--broker', 'sim-dhan', '--journal', path, '--rate', '400', ...args], { encoding: 'utf8' });
  const r = run(['--instruments', 'NSE:INFY,NSE:SBIN,NSE:TCS', '--depth-instruments', 'NSE:INFY=200,NSE:SBIN=20', '--duration', '3s']);
  assert.equal(r.status, 0, r.stderr);
  const j = new Journal(path, { readonly: true });
  try {
    const [infy, sbin, tcs] = ['NSE:INFY', 'NSE:SBIN', 'NSE:TCS'].map((ref) => j.findInstrument(ref, 'dhan')!);
    assert.ok(j.latestBook(infy.id).bid!.levels > 20, 'INFY: a 200-level book');
    assert.equal(j.latestBook(sbin.id).bid!.levels, 20);
    assert.equal(j.countDepth(tcs.id), 0);
    assert.ok(j.countTicks(tcs.id) > 0, 'TCS is recorded, with its ticks\' own book');
  } finally {
    j.close();
  }
  const bad = run(['--instruments', 'NSE:INFY,NSE:NIFTY 50', '--depth-instruments', 'NSE:NIFTY 50=20', '--duration', '2s']);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /depth for NSE:NIFTY 50: Dhan streams full depth for NSE cash and F&O only \(NSE_EQ, NSE_FNO\); NSE:NIFTY is in IDX_I/);
  const unrecorded = run(['--instruments', 'NSE:INFY', '--depth-instruments', 'NSE:SBIN=20', '--duration', '2s']);
  assert.equal(unrecorded.status, 1);
  assert.match(unrecorded.stderr, /depth for NSE:SBIN: NSE:SBIN is not recorded in this session/);
});
