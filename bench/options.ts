// Option analytics: implied-volatility solves per second over a NIFTY-like chain (deep ITM/OTM
// included), and ChainBook's ticks per second on 2 expiries × 100 strikes against the naive way,
// a full-chain recompute (every IV and Greek of both expiries) on every tick.
import { buildChain, ChainBook, type ChainConfig } from '../src/engine/analytics/chain';
import { impliedVol, optionPrice, yearsToExpiry, type OptionSpec } from '../src/engine/analytics/options';
import { mulberry32 } from '../src/engine/sim/market/random';
import type { Instrument, Tick } from '../src/shared/model';
import { fmt, timeLoop } from './util';

/** 2026-11-16 10:00 IST; a weekly expiring tomorrow and a monthly a week later. */
const NOW = Date.UTC(2026, 10, 16, 4, 30);
const EXPIRIES = ['2026-11-17', '2026-11-24'];
const SPOT_ID = 1;
const FUT_ID = 2;
const STRIKES = 100;
const smile = (K: number, F: number) => 0.12 + 0.6 * Math.log(K / F) ** 2 - 0.05 * Math.log(K / F);

function universe(): Instrument[] {
  const base = { broker: 'sim', exchange: 'NFO', segment: 'NFO-OPT', name: 'NIFTY', underlying: 'NIFTY', tickSize: 0.05, lotSize: 75 } as const;
  const ins: Instrument[] = [
    { id: SPOT_ID, broker: 'sim', token: '1', exchange: 'NSE', segment: 'INDICES', symbol: 'NIFTY 50', tickSize: 0.05, lotSize: 1 },
    { ...base, id: FUT_ID, token: '2', segment: 'NFO-FUT', symbol: 'NIFTYFUT', expiry: EXPIRIES[1], tickSize: 0.1 },
  ];
  let id = 10;
  for (const expiry of EXPIRIES)
    for (let k = 0; k < STRIKES; k++)
      for (const optionType of ['CE', 'PE'] as const) {
        const strike = 22000 + k * 50;
        ins.push({ ...base, id, token: String(id), symbol: `NIFTY${expiry}${strike}${optionType}`, expiry, strike, optionType });
        id++;
      }
  return ins;
}

/** A tick stream: 5 % spot, 2 % future, the rest options quoted off a smile as the spot walks. */
function tickStream(ins: Instrument[], n: number): Tick[] {
  const rnd = mulberry32(21);
  const options = ins.filter((i) => i.optionType);
  const oi = new Map<number, number>(options.map((o) => [o.id, 1000 + Math.floor(rnd() * 1e6)]));
  const vol = new Map<number, number>(options.map((o) => [o.id, 0]));
  let spot = 24500;
  const ticks: Tick[] = [];
  for (let i = 0; i < n; i++) {
    const ts = NOW + i;
    const r = rnd();
    spot += (rnd() - 0.5) * 2;
    if (r < 0.05) ticks.push({ instrumentId: SPOT_ID, tsExchange: ts, tsReceived: ts, ltp: Math.round(spot * 20) / 20 });
    else if (r < 0.07) ticks.push({ instrumentId: FUT_ID, tsExchange: ts, tsReceived: ts, ltp: Math.round((spot + 55) * 10) / 10 });
    else {
      const o = options[Math.floor(rnd() * options.length)];
      const F = o.expiry === EXPIRIES[1] ? spot + 55 : spot;
      const spec: OptionSpec = { model: 'black76', right: o.optionType!, underlying: F, strike: o.strike!, years: yearsToExpiry(ts, o.expiry!, 'NFO'), rate: 0.065 };
      const px = Math.max(0.05, Math.round(optionPrice(spec, smile(o.strike!, F)) * 20) / 20);
      oi.set(o.id, oi.get(o.id)! + Math.floor((rnd() - 0.45) * 750));
      vol.set(o.id, vol.get(o.id)! + 75 * (1 + Math.floor(rnd() * 10)));
      ticks.push({ instrumentId: o.id, tsExchange: ts, tsReceived: ts, ltp: px, bid: px - 0.05, ask: px + 0.05, volume: vol.get(o.id), oi: oi.get(o.id), close: px + 3 });
    }
  }
  return ticks;
}

function benchIv(): void {
  // Market-like prices: 200 strikes 20,000–29,950 (deep ITM and OTM at both ends) × 4 expiries
  // from 1 hour to 30 days × calls and puts, quoted off a smile.
  const F = 24500;
  let cases: Array<{ spec: OptionSpec; price: number }> = [];
  for (const years of [1 / 8760, 1 / 365, 7 / 365, 30 / 365])
    for (let k = 0; k < 200; k++)
      for (const right of ['CE', 'PE'] as const) {
        const spec: OptionSpec = { model: 'black76', right, underlying: F, strike: 20000 + k * 50, years, rate: 0.065 };
        cases.push({ spec, price: optionPrice(spec, smile(spec.strike, F)) });
      }
  // Only quotes with a time value to solve from (a deep ITM option an hour out is at intrinsic).
  const all = cases.length;
  cases = cases.filter((c) => !impliedVol(c.spec, c.price).reason);
  let iterations = 0;
  for (const c of cases) iterations += impliedVol(c.spec, c.price).iterations;
  let sink = 0;
  const { opsPerSec } = timeLoop(() => {
    for (const c of cases) sink += impliedVol(c.spec, c.price).iterations;
    return cases.length;
  });
  if (sink === 0) console.log('(sink)');
  console.log(`\nImplied volatility (Halley on ln price in a bisection bracket), ${fmt(cases.length)} NIFTY-like quotes, 1 h–30 d`);
  console.log(`  impliedVol                ${fmt(opsPerSec).padStart(12)} solves/s   (${(iterations / cases.length).toFixed(1)} pricer calls per solve; ${all - cases.length} quotes with no time value left out)`);
}

function benchChain(): void {
  const ins = universe();
  const config: ChainConfig = { underlying: 'NIFTY', exchange: 'NFO', model: 'black76', rate: 0.065, spotId: SPOT_ID };
  const stream = tickStream(ins, 20_000);
  // The market clock: 2,000 ticks a second of stream (a busy two-expiry chain), so the 1 s time
  // step turns — and every row is recomputed — once per 2,000 ticks.
  const msPerTick = 0.5;

  const book = new ChainBook(ins, config);
  let clock = NOW;
  let sink = 0;
  const snapAfterEach = timeLoop(() => {
    for (const t of stream) {
      book.onTick(t);
      clock += msPerTick;
      for (const c of book.snapshotAll(clock)) sink += c.rows.length;
    }
    return stream.length;
  });
  const lazy = new ChainBook(ins, config);
  const lazyRun = timeLoop(() => {
    for (let i = 0; i < stream.length; i++) {
      lazy.onTick(stream[i]);
      clock += msPerTick;
      if (i % 500 === 499) for (const c of lazy.snapshotAll(clock)) sink += c.rows.length; // 4 views a second
    }
    return stream.length;
  });

  const latest = new Map<number, Tick>();
  let j = 0;
  const naive = timeLoop(() => {
    for (let i = 0; i < 200; i++) {
      const t = stream[j++ % stream.length];
      latest.set(t.instrumentId, t);
      clock += msPerTick;
      for (const c of buildChain(ins, latest, config, clock)) sink += c.rows.length;
    }
    return 200;
  });
  if (sink === 0) console.log('(sink)');
  console.log(`\nOption chain, 2 expiries × ${STRIKES} strikes (${ins.length - 2} options + future + spot), Black-76/BS IV and Greeks per side`);
  console.log(`  ChainBook, view per tick  ${fmt(snapAfterEach.opsPerSec).padStart(12)} ticks/s   (onTick + snapshotAll after every tick)`);
  console.log(`  ChainBook, 4 views/s      ${fmt(lazyRun.opsPerSec).padStart(12)} ticks/s   (snapshotAll every 500 ticks)`);
  console.log(`  naive full recompute      ${fmt(naive.opsPerSec).padStart(12)} ticks/s   (buildChain after every tick)`);
  console.log(`  ratio                     ${(snapAfterEach.opsPerSec / naive.opsPerSec).toFixed(1).padStart(12)}×   (view per tick vs naive)`);
}

export function benchOptions(): void {
  benchIv();
  benchChain();
}
