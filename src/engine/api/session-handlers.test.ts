// The Engine API's session reads against recording simulators: the option chain's change in OI
// with its previous OI from each source in order (the journal's last OI before the session, else
// the simulated market's previous close; on Dhan's protocol the broker's own code-6 value), and the
// ladder's volume at price loaded from the journal and continued from the live tape at the seam
// with nothing counted twice or lost.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { OptionChain, SessionVolumeAtPrice, Trade } from '../../shared/api';
import type { Instrument } from '../../shared/model';
import { PreviousOi } from '../analytics/prev-oi';
import { sessionStart } from '../analytics/session';
import { serveBridge } from '../bridge/server';
import { Recorder } from '../recorder';
import type { KiteVenue } from '../sim/kite/venue';
import { defaultUniverse, MarketModel } from '../sim/market/market';
import { until } from '../testing';
import type { PageInterest } from './page';
import { EngineService } from './service';

const stops: Array<() => Promise<void> | void> = [];
after(async () => {
  while (stops.length) await stops.pop()!();
});

async function engine(broker: 'sim' | 'sim-dhan', extra: Record<string, unknown> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'tickdesk-session-api-'));
  const recorder = new Recorder({ broker, journalPath: join(dir, 'j.sqlite'), instruments: 'all', mode: 'full', flushMs: 50, sim: { ticksPerSecond: 2000, seed: 11 }, ...extra });
  await recorder.start();
  const service = new EngineService(recorder);
  service.start();
  stops.push(async () => {
    service.stop();
    await recorder.stop();
  });
  return { recorder, service };
}

const page: PageInterest = { subscribe: () => {}, unsubscribe: () => {}, watch: () => {}, unwatch: () => {}, charts: () => {} } as PageInterest;

function sides(chain: OptionChain) {
  return chain.rows.flatMap((r) => [r.ce, r.pe]).filter((s) => s !== undefined);
}

test('option chain, Kite simulator: change in OI from the journal’s last OI before the session, else the simulator’s previous close', { timeout: 60_000 }, async () => {
  const { recorder, service } = await engine('sim');
  const [nifty] = (service.call(page, 'optionUnderlyings', {}) as Array<{ underlying: string; exchange: string; expiries: string[] }>).filter((u) => u.underlying === 'NIFTY');
  const expiry = nifty.expiries[0];
  const first = (await service.call(page, 'optionChain', { underlying: 'NIFTY', exchange: 'NFO', expiry, around: 60, model: 'black76', rate: 0.065 })) as OptionChain;
  const opts = sides(first).map((s) => s.instrument);
  // Yesterday's close for two options, as an earlier recording would have left it in the journal
  // (the chain has not read the journal before: it is read on the first chain request of a session).
  const ce = opts.find((i) => i.optionType === 'CE')!;
  const pe = opts.find((i) => i.optionType === 'PE')!;
  // A fresh service on the same recorder: its previous-OI cache is empty.
  const fresh = new EngineService(recorder);
  fresh.start();
  stops.push(() => fresh.stop());
  const w = PreviousOi.journalWindow(Date.now());
  const at = (i: Instrument, ms: number, oi: number) => recorder.journal.append({ instrumentId: i.id, tsExchange: ms, tsReceived: ms, ltp: 12.5, oi });
  at(ce, w.from - 60_000, 1); // before the close window: not the close
  at(ce, w.from + 60_000, 600_000);
  at(ce, w.to - 60_000, 612_300); // the last before today's open
  at(pe, w.to - 1, 455_025);
  recorder.journal.flush();

  const venue = recorder.venue as unknown as KiteVenue;
  await until(() => opts.every((i) => fresh.lastTick(i.id)?.oi !== undefined), 'every option’s OI');
  const chain = (await fresh.call(page, 'optionChain', { underlying: 'NIFTY', exchange: 'NFO', expiry, around: 60, model: 'black76', rate: 0.065 })) as OptionChain;
  let fromSim = 0;
  let sumCe = 0;
  let sumPe = 0;
  for (const s of sides(chain)) {
    const i = s.instrument;
    const expectedPrev = i.id === ce.id ? 612_300 : i.id === pe.id ? 455_025 : venue.previousOi(i.token)!;
    assert.equal(s.prevOi, expectedPrev, i.symbol);
    assert.equal(s.prevOiFrom, i.id === ce.id || i.id === pe.id ? 'journal' : 'sim', i.symbol);
    assert.equal(s.oiChange, s.oi! - expectedPrev, `${i.symbol}: OI ${s.oi} − previous ${expectedPrev}`);
    if (s.prevOiFrom === 'sim') fromSim++;
    if (i.optionType === 'CE') sumCe += s.oiChange!;
    else sumPe += s.oiChange!;
  }
  assert.ok(fromSim > 10);
  // The window shows every strike of the expiry (around 60): its totals are the expiry's.
  const an = chain.analytics!;
  assert.equal(an.ceOiChange, sumCe);
  assert.equal(an.peOiChange, sumPe);
  assert.equal(an.pcrOiChange, sumCe > 0 && sumPe > 0 ? sumPe / sumCe : null);
  assert.deepEqual([an.oiChangeKnown, an.oiSides], [sides(chain).length, sides(chain).length]);
});

test('option chain, Dhan simulator: the broker’s own previous OI (prev-close packet, code 6)', { timeout: 60_000 }, async () => {
  const { service } = await engine('sim-dhan');
  const market = new MarketModel({ instruments: defaultUniverse() });
  const bySecurity = new Map(defaultUniverse().map((u) => [String(u.exchangeToken), u]));
  const [nifty] = (service.call(page, 'optionUnderlyings', {}) as Array<{ underlying: string; exchange: string; expiries: string[] }>).filter((u) => u.underlying === 'NIFTY');
  const ask = () => service.call(page, 'optionChain', { underlying: 'NIFTY', exchange: nifty.exchange, expiry: nifty.expiries[0], around: 5, model: 'black76', rate: 0.065 }) as Promise<OptionChain>;
  await until(async () => sides(await ask()).every((s) => s.prevOiFrom === 'broker'), 'the broker’s previous OI on every option');
  const chain = await ask();
  assert.ok(sides(chain).length >= 10);
  for (const s of sides(chain)) {
    const u = bySecurity.get(s.instrument.token)!;
    assert.equal(s.prevOi, market.previousOi(u.token), s.instrument.symbol);
    if (s.oi !== undefined && s.oiChange !== null) assert.equal(s.oiChange, s.oi - s.prevOi!);
  }
});

test('volume at price: the session from the journal, then the live tape after the seam; the two add up to the journal’s session exactly', { timeout: 60_000 }, async () => {
  const { recorder, service } = await engine('sim', { sim: { ticksPerSecond: 3000, seed: 5 } });
  const sbin = service.index.search('SBIN', 1)[0];
  // A page watching SBIN: its tape events, as the bridge sends them.
  const answers = new Map<number, any>();
  const tape: Array<{ after: boolean; trades: Trade[] }> = [];
  let answered = false;
  let deliver!: (text: string) => void;
  const conn = serveBridge(
    service,
    {
      send: (text) => {
        const msg = JSON.parse(text);
        const events: Array<[string, any]> = msg.events ?? (msg.event ? [[msg.event, msg.data]] : []);
        for (const [event, data] of events) if (event === 'tape') tape.push({ after: answered, trades: data.trades });
        if (msg.id !== undefined) {
          answers.set(msg.id, msg);
          if (msg.id === 2) answered = true;
        }
      },
      onMessage: (fn) => (deliver = fn),
      onClose: () => {},
    },
    { statusMs: 60_000, frameMs: 16 },
  );
  stops.push(() => conn.close());
  deliver(JSON.stringify({ id: 1, method: 'watch', params: { instrumentId: sbin.id, interval: '1m' } }));
  await until(() => answers.has(1), 'watch');
  await until(() => tape.length >= 3, 'live trades');
  deliver(JSON.stringify({ id: 2, method: 'volumeAtPrice', params: { instrumentId: sbin.id } }));
  await until(() => answers.has(2), 'volumeAtPrice');
  const r = answers.get(2).result as SessionVolumeAtPrice;
  assert.equal(r.from, sessionStart(Date.now()));
  assert.equal(r.tickSize, sbin.tickSize);
  assert.ok(r.trades > 0 && r.seamVolume !== null && r.total > 0);
  await until(() => tape.filter((t) => t.after).length >= 20, 'live trades after the answer');
  recorder.journal.flush();

  // The journal's whole session, summed in JavaScript from the rows (an independent count).
  const rows = recorder.journal.ticks(sbin.id, r.from, Date.now() + 60_000).filter((t) => t.volDelta !== 0);
  const bySeam = (keep: (v: number) => boolean) => {
    const m = new Map<number, number>();
    for (const t of rows) if (keep(t.volume!)) m.set(Math.round(t.ltp / sbin.tickSize), (m.get(Math.round(t.ltp / sbin.tickSize)) ?? 0) + (t.volDelta ?? t.ltq ?? 0));
    return m;
  };
  // The answer is exactly the journal's trades up to the seam.
  const upTo = bySeam((v) => v <= r.seamVolume!);
  assert.deepEqual(
    r.ticks.map((k, i) => [k, r.volumes[i]]),
    [...upTo.entries()].sort((a, b) => a[0] - b[0]),
  );
  assert.equal(r.total, r.seamVolume! - (rows[0].volume! - rows[0].volDelta!), 'the cumulative volume counted from the first trade recorded');
  // Every trade the page hears after the answer is either before the seam (it drops it) or after it
  // (it counts it); those after it are exactly the journal's trades after the seam so far.
  const liveAfter = tape.filter((t) => t.after).flatMap((t) => t.trades);
  const counted = liveAfter.filter((t) => t.volume! > r.seamVolume!);
  const lastLive = counted.at(-1)!.volume!;
  const fromJournal = bySeam((v) => v > r.seamVolume! && v <= lastLive);
  const fromTape = new Map<number, number>();
  for (const t of counted) fromTape.set(Math.round(t.ltp / sbin.tickSize), (fromTape.get(Math.round(t.ltp / sbin.tickSize)) ?? 0) + t.volDelta!);
  assert.deepEqual([...fromTape.entries()].sort((a, b) => a[0] - b[0]), [...fromJournal.entries()].sort((a, b) => a[0] - b[0]));
  // The live trades are in the tape's order: the cumulative volume only grows.
  assert.ok(counted.every((t, i) => i === 0 || t.volume! > counted[i - 1].volume!));
});
