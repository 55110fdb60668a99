// `--sim-clock nse` end to end below the UI: the option reaches the simulated venue through the
// recorder, and a recording driven by a fake clock gets no ticks on a holiday, the 09:08 auction's
// prints in the pre-open, and a live market again from 09:15, while the recorder says which.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Tick } from '../../shared/model';
import { UsageError } from '../cli/args';
import { nseMarketState } from '../../shared/nse-calendar';
import { RECORD_HELP, recordCommand } from '../cli/record';
import { recorderOptions } from '../cli/recorder-args';
import { SERVE_HELP } from '../cli/serve';
import { EngineService } from '../api/service';
import { Recorder } from '../recorder';
import { captureOutput, cleanupAfterEach, until } from '../testing';
import { simHistoryCandles } from './market/history';
import { defaultUniverse } from './market/market';
import { fairOnTick } from './market/pricing';

const cleanups = cleanupAfterEach();

/** A moment given as IST wall-clock time. */
const ist = (s: string) => Date.parse(`${s}+05:30`);

test('--sim-clock: always or nse, simulators only, in record’s and serve’s help', () => {
  assert.equal(recorderOptions({ 'sim-clock': 'nse' }).sim?.clock, 'nse');
  assert.equal(recorderOptions({ 'sim-clock': 'always', broker: 'sim-dhan' }).sim?.clock, 'always');
  assert.equal(recorderOptions({}).sim?.clock, undefined, 'default: around the clock');
  assert.throws(() => recorderOptions({ 'sim-clock': 'bse' }), (e: Error) => e instanceof UsageError && /--sim-clock must be always or nse \(got "bse"\)/.test(e.message));
  assert.throws(() => recorderOptions({ 'sim-clock': 'nse', broker: 'kite', instruments: 'NSE:INFY' }), (e: Error) => e instanceof UsageError && /--sim-clock is for the simulators/.test(e.message));
  for (const help of [RECORD_HELP, SERVE_HELP]) assert.match(help, /--sim-clock always\|nse {3}simulator only/);
});

test('recording the simulator on NSE’s clock: nothing on Holi, the auction at 09:08, ticks again from 09:15', async () => {
  let now = ist('2026-03-03T11:00:00'); // Holi, a Tuesday
  const universe = defaultUniverse({ from: new Date(ist('2026-03-02T11:00:00')), optionStrikes: 2 }).filter((i) => i.exchange === 'NSE' || i.exchange === 'NFO');
  const dir = mkdtempSync(join(tmpdir(), 'tickdesk-simclock-'));
  const rec = new Recorder({
    broker: 'sim',
    instruments: 'all',
    mode: 'full',
    journalPath: join(dir, 'j.sqlite'),
    flushMs: 50,
    sim: { clock: 'nse', now: () => now, ticksPerSecond: 2000, seed: 3, instruments: universe },
    // The fake clock is months behind the wall clock the pipeline checks exchange times against.
    validation: { maxPastMs: 20 * 365 * 86400_000 },
  });
  cleanups.push(() => rec.stop());
  const ticks: Tick[] = [];
  rec.bus.onAny((t) => void ticks.push(t));
  await rec.start();
  assert.equal(rec.marketState()?.text, 'market closed (Holi) — opens Wed 09:15 IST');
  // The page's status says the same (the status bar shows it instead of "always open").
  assert.deepEqual(new EngineService(rec).status().market, { phase: 'closed', text: 'market closed (Holi) — opens Wed 09:15 IST' });

  // On subscribing, one snapshot an instrument at its last price; then nothing, however long.
  await until(() => ticks.length >= universe.length, 'a snapshot of every instrument');
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(ticks.length, universe.length, 'no ticks on a holiday after the snapshots');
  const ids = new Map(universe.map((i) => [rec.journal.findInstrument(`${i.exchange}:${i.symbol}`, 'kite')!.id, i]));
  for (const t of ticks) {
    const ins = ids.get(t.instrumentId)!;
    assert.ok(t.tsExchange! < ist('2026-03-03T00:00:00'), `${ins.symbol}: last printed before Holi`);
    if (ins.instrumentType === 'EQ' && ins.segment !== 'INDICES') {
      const close = simHistoryCandles(ins, 1440, ist('2026-03-02T00:00:00'), ist('2026-03-02T00:00:00'), now)[0].c;
      assert.equal(t.ltp, close, `${ins.symbol} at Monday's close`);
    }
  }

  // Wednesday 09:08: the pre-open auction prints once per share, index and near-month future.
  now = ist('2026-03-04T09:08:30');
  const auctionFrom = ticks.length;
  const inAuction = universe.filter((i) => i.instrumentType === 'EQ' || i.instrumentType === 'FUT');
  await until(() => ticks.length - auctionFrom >= inAuction.length, 'the auction’s prints');
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(rec.marketState()?.text, 'pre-open · opens 09:15 IST');
  const auction = ticks.slice(auctionFrom);
  assert.equal(auction.length, inAuction.length, 'one print each, then quiet until 09:15');
  for (const t of auction) {
    const ins = ids.get(t.instrumentId)!;
    assert.ok(ins.instrumentType !== 'CE' && ins.instrumentType !== 'PE', `${ins.symbol}: no option in the pre-open`);
    assert.equal(t.ltp, fairOnTick(ins, ist('2026-03-04T09:08:00')), `${ins.symbol} at its equilibrium price`);
  }

  // 09:15: the continuous session, every instrument ticking.
  now = ist('2026-03-04T09:15:05');
  const openFrom = ticks.length;
  await until(() => new Set(ticks.slice(openFrom).map((t) => t.instrumentId)).size === universe.length, 'every instrument ticks from 09:15');
  assert.equal(rec.marketState()?.text, 'market open · closes 15:30 IST');
  assert.ok(ticks.slice(openFrom).every((t) => t.tsExchange! >= ist('2026-03-04T09:15:00')), 'stamped in the session');
});

test('`record --sim-clock nse` says the market’s state (by the wall clock) in its notices and progress line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tickdesk-simclock-cli-'));
  const said = new Set([nseMarketState(Date.now()).text]);
  const { code, err } = await captureOutput(() => recordCommand(['--sim-clock', 'nse', '--duration', '2s', '--rate', '200', '--journal', join(dir, 'j.sqlite')]));
  said.add(nseMarketState(Date.now()).text); // a session boundary may pass while it runs
  assert.equal(code, 0);
  const notice = /^! simulated NSE market: (.+)$/m.exec(err);
  assert.ok(notice && said.has(notice[1]), `the notice: ${err}`);
  assert.match(err, new RegExp(`instruments \\| \\w+ \\| ${notice[1].replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`), 'and the progress line');
});
