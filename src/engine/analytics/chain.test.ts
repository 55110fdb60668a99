// The option chain's analytics: PCR and max pain against a chain worked by hand, the model stated
// and used per expiry (Black-76 on the future, Black-Scholes on spot without one), IV and Greeks
// per side, and ChainBook's incremental result equal to a full recompute after random ticks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Instrument, Tick } from '../../shared/model';
import { mulberry32 } from '../sim/market/random';
import { buildChain, ChainBook, maxPain, nearestStrike, putCallRatio, type ChainConfig } from './chain';
import { black76, blackScholes, optionGreeks, yearsToExpiry } from './options';

/** 2026-11-16 10:00 IST (Monday). The weekly expires Tuesday 17th, the monthly Tuesday 24th. */
const NOW = Date.UTC(2026, 10, 16, 4, 30);
const WEEKLY = '2026-11-17';
const MONTHLY = '2026-11-24';
const SPOT_ID = 1;
const FUT_ID = 2;

let nextId = 100;
function option(expiry: string, strike: number, optionType: 'CE' | 'PE', over: Partial<Instrument> = {}): Instrument {
  const id = nextId++;
  return {
    id,
    broker: 'sim',
    token: String(id),
    exchange: 'NFO',
    segment: 'NFO-OPT',
    symbol: `NIFTY${expiry.replaceAll('-', '')}${strike}${optionType}`,
    name: 'NIFTY',
    underlying: 'NIFTY',
    expiry,
    strike,
    optionType,
    tickSize: 0.05,
    lotSize: 75,
    ...over,
  };
}
const spot: Instrument = { id: SPOT_ID, broker: 'sim', token: '256265', exchange: 'NSE', segment: 'INDICES', symbol: 'NIFTY 50', tickSize: 0.05, lotSize: 1 };
const future: Instrument = { id: FUT_ID, broker: 'sim', token: '2', exchange: 'NFO', segment: 'NFO-FUT', symbol: 'NIFTY26NOVFUT', name: 'NIFTY', underlying: 'NIFTY', expiry: MONTHLY, tickSize: 0.1, lotSize: 75 };

function tick(instrumentId: number, ltp: number, f: Partial<Tick> = {}): Tick {
  return { instrumentId, tsExchange: NOW, tsReceived: NOW, ltp, ...f };
}

const BS: ChainConfig = { underlying: 'NIFTY', exchange: 'NFO', model: 'bs', rate: 0.065, spotId: SPOT_ID };

test('PCR and max pain of a five-strike chain worked by hand; ATM, ITM, change, OI change', () => {
  // Strike   CE OI  CE vol   PE OI  PE vol
  // 24000       50   1,000     900   4,000
  // 24100      120   2,000     700   3,000
  // 24200      300   5,000     400   2,000
  // 24300      800   3,000     100     500
  // 24400    1,000   1,000     600     500
  //
  // PCR by OI = (900+700+400+100+600)/(50+120+300+800+1000) = 2700/2270 = 1.18942731…
  // PCR by volume = (4000+3000+2000+500+500)/(1000+2000+5000+3000+1000) = 10000/12000 = 0.8333…
  //
  // Payout to holders if NIFTY settles at S = Σ CE OI·max(S−K, 0) + Σ PE OI·max(K−S, 0):
  //   S=24000: calls 0; puts 700·100 + 400·200 + 100·300 + 600·400 = 70,000+80,000+30,000+240,000 = 420,000
  //   S=24100: calls 50·100 = 5,000; puts 400·100 + 100·200 + 600·300 = 40,000+20,000+180,000 = 240,000 → 245,000
  //   S=24200: calls 50·200 + 120·100 = 22,000; puts 100·100 + 600·200 = 130,000 → 152,000
  //   S=24300: calls 50·300 + 120·200 + 300·100 = 69,000; puts 600·100 = 60,000 → 129,000  ← least
  //   S=24400: calls 50·400 + 120·300 + 300·200 + 800·100 = 196,000; puts 0 → 196,000
  // Max pain 24300, payout 129,000.
  const table = [
    [24000, 50, 1000, 900, 4000],
    [24100, 120, 2000, 700, 3000],
    [24200, 300, 5000, 400, 2000],
    [24300, 800, 3000, 100, 500],
    [24400, 1000, 1000, 600, 500],
  ];
  const ins: Instrument[] = [spot];
  const ticks = new Map<number, Tick>([[SPOT_ID, tick(SPOT_ID, 24260)]]);
  const prevOi = new Map<number, number>();
  for (const [k, ceOi, ceVol, peOi, peVol] of table) {
    const ce = option(WEEKLY, k, 'CE');
    const pe = option(WEEKLY, k, 'PE');
    ins.push(ce, pe);
    ticks.set(ce.id, tick(ce.id, Math.max(24260 - k, 0) + 20, { oi: ceOi, volume: ceVol, close: 30, bid: 0, ask: Math.max(24260 - k, 0) + 20.5 }));
    ticks.set(pe.id, tick(pe.id, Math.max(k - 24260, 0) + 20, { oi: peOi, volume: peVol, close: 25 }));
    prevOi.set(ce.id, ceOi - 10);
  }
  const [chain] = buildChain(ins, ticks, BS, NOW, prevOi);
  assert.equal(chain.expiry, WEEKLY);
  assert.equal(chain.model, 'bs');
  assert.equal(chain.priceFrom, 'spot');
  assert.equal(chain.underlyingPrice, 24260);
  assert.equal(chain.pcrOi, 2700 / 2270);
  assert.equal(chain.pcrVolume, 10000 / 12000);
  assert.equal(chain.maxPain, 24300);
  assert.equal(chain.maxPainPayout, 129_000);
  // 24260 is 40 from 24300 and 60 from 24200.
  assert.equal(chain.atm, 24300);
  assert.deepEqual(
    chain.rows.map((r) => [r.strike, r.ce!.itm, r.pe!.itm]),
    [
      [24000, true, false],
      [24100, true, false],
      [24200, true, false],
      [24300, false, true],
      [24400, false, true],
    ],
  );
  const r0 = chain.rows[0];
  assert.equal(r0.ce!.ltp, 280);
  assert.equal(r0.ce!.change, 250);
  assert.equal(r0.ce!.bid, null, 'an empty bid (0) is no bid');
  assert.equal(r0.ce!.ask, 280.5);
  assert.equal(r0.ce!.oiChange, 10);
  assert.equal(r0.pe!.oiChange, null, 'no previous OI given');
  assert.equal(r0.pe!.change, -5);
  assert.equal(r0.ce!.lotSize, 75);
  // The same from a ChainBook fed the same ticks.
  const book = new ChainBook(ins, BS, prevOi);
  for (const t of ticks.values()) book.onTick(t);
  assert.deepEqual(book.snapshot(WEEKLY, NOW), chain);
});

test('maxPain equals a brute-force minimum on random chains; ties go to the lower strike; PCR and ATM edges', () => {
  const rnd = mulberry32(5);
  for (let c = 0; c < 200; c++) {
    const n = 1 + Math.floor(rnd() * 40);
    const strikes = Array.from({ length: n }, (_, i) => 20000 + i * 50);
    const ce = strikes.map(() => (rnd() < 0.2 ? 0 : Math.floor(rnd() * 1e6)));
    const pe = strikes.map(() => (rnd() < 0.2 ? 0 : Math.floor(rnd() * 1e6)));
    let best = -1;
    let bestPay = Infinity;
    for (const S of strikes) {
      let pay = 0;
      strikes.forEach((K, i) => (pay += ce[i] * Math.max(S - K, 0) + pe[i] * Math.max(K - S, 0)));
      if (pay < bestPay) [best, bestPay] = [S, pay];
    }
    const got = maxPain(strikes, ce, pe);
    if (ce.every((x) => x === 0) && pe.every((x) => x === 0)) assert.equal(got, null);
    else assert.deepEqual(got, { strike: best, payout: bestPay });
  }
  // Symmetric OI on 100/110/120: 100 and 120 both pay 10·20·… — the middle wins; equal ends tie low.
  assert.deepEqual(maxPain([100, 110], [5, 0], [0, 5]), { strike: 100, payout: 50 });
  assert.equal(maxPain([], [], []), null);
  assert.equal(putCallRatio(10, 0), null);
  assert.equal(putCallRatio(0, 10), 0);
  assert.equal(nearestStrike([100, 110, 120], 105), 0, 'halfway: the lower');
  assert.equal(nearestStrike([100, 110, 120], 105.01), 1);
  assert.equal(nearestStrike([100, 110, 120], 50), 0);
  assert.equal(nearestStrike([100, 110, 120], 500), 2);
  assert.equal(nearestStrike([], 500), -1);
});

test("the model is stated per expiry: Black-76 on the expiry's future, Black-Scholes on spot without one", () => {
  const ins = [spot, future];
  const vols = new Map<number, number>();
  const ticks = new Map<number, Tick>([
    [SPOT_ID, tick(SPOT_ID, 24500)],
    [FUT_ID, tick(FUT_ID, 24580)],
  ]);
  const rate = 0.065;
  const q = 0.011;
  for (const expiry of [WEEKLY, MONTHLY])
    for (const k of [24000, 24300, 24500, 24700, 25000])
      for (const right of ['CE', 'PE'] as const) {
        const o = option(expiry, k, right);
        ins.push(o);
        const vol = 0.12 + (k - 24000) / 20000 + (right === 'PE' ? 0.01 : 0);
        vols.set(o.id, vol);
        const T = yearsToExpiry(NOW, expiry, 'NFO');
        const px = expiry === MONTHLY ? black76(right, 24580, k, T, vol, rate) : blackScholes(right, 24500, k, T, vol, rate, q);
        ticks.set(o.id, tick(o.id, px));
      }
  const chains = buildChain(ins, ticks, { ...BS, model: 'black76', dividendYield: q }, NOW);
  assert.deepEqual(
    chains.map((c) => [c.expiry, c.model, c.priceFrom, c.underlyingId, c.underlyingPrice, c.atm]),
    [
      [WEEKLY, 'bs', 'spot', SPOT_ID, 24500, 24500],
      [MONTHLY, 'black76', 'future', FUT_ID, 24580, 24500],
    ],
  );
  for (const c of chains) {
    // 10:00 IST Monday to 15:30 IST Tuesday: 29.5 h; a week more for the monthly.
    assert.equal(c.years, ((c.expiry === WEEKLY ? 29.5 : 29.5 + 168) * 3600_000) / (365 * 86400_000));
    for (const r of c.rows)
      for (const side of [r.ce!, r.pe!]) {
        const vol = vols.get(side.instrumentId)!;
        const what = `${c.expiry} ${side.symbol}`;
        // Deep ITM sides carry little time value: σ is known only to ~ε·price/vega there.
        assert.equal(side.ivReason, null, what);
        assert.ok(Math.abs(side.iv! - vol) < 1e-7, `${what}: iv ${side.iv} vs ${vol}`);
        const g = optionGreeks({ model: c.model, right: side.symbol.endsWith('CE') ? 'CE' : 'PE', underlying: c.underlyingPrice!, strike: r.strike, years: c.years, rate, dividendYield: q }, side.iv!);
        assert.deepEqual(side.greeks, g, what);
      }
  }
  // 'bs' asked for: Black-Scholes on spot for both, future or not.
  assert.deepEqual(
    buildChain(ins, ticks, { ...BS, dividendYield: q }, NOW).map((c) => [c.model, c.priceFrom]),
    [
      ['bs', 'spot'],
      ['bs', 'spot'],
    ],
  );
});

test('a side says why it has no IV: no price, no underlying, below intrinsic; mid-price IV on request', () => {
  const ce = option(WEEKLY, 24000, 'CE');
  const pe = option(WEEKLY, 24000, 'PE');
  const other = option(WEEKLY, 24100, 'CE');
  const ins = [spot, ce, pe, other];
  // A call 500 in the money offered at 480: under intrinsic.
  const ticks = new Map<number, Tick>([[ce.id, tick(ce.id, 480, { bid: 495, ask: 505 })]]);
  let [c] = buildChain(ins, ticks, BS, NOW);
  assert.equal(c.rows[0].ce!.ivReason, 'no-underlying');
  assert.equal(c.rows[0].ce!.itm, null);
  assert.equal(c.atm, null);
  assert.equal(c.maxPain, null);
  ticks.set(SPOT_ID, tick(SPOT_ID, 24500));
  [c] = buildChain(ins, ticks, BS, NOW);
  assert.deepEqual([c.rows[0].ce!.iv, c.rows[0].ce!.ivReason, c.rows[0].ce!.greeks], [null, 'below-intrinsic', null]);
  assert.equal(c.rows[0].pe!.ivReason, 'no-price');
  assert.equal(c.rows[0].pe!.ltp, null);
  // The floor is 24500 − 24000·e^(−rT) = 505.26 (T = 29.5 h): an LTP of 480 is under it, a bid/ask
  // mid of 530 is not, and solves when IV is asked from the mid.
  ticks.set(ce.id, tick(ce.id, 480, { bid: 525, ask: 535 }));
  [c] = buildChain(ins, ticks, { ...BS, ivFrom: 'mid' }, NOW);
  assert.equal(c.rows[0].ce!.ivReason, null);
  const T = yearsToExpiry(NOW, WEEKLY, 'NFO');
  assert.ok(Math.abs(blackScholes('CE', 24500, 24000, T, c.rows[0].ce!.iv!, 0.065) - 530) < 1e-9);
  // A config for another underlying sees nothing.
  assert.deepEqual(buildChain(ins, ticks, { ...BS, underlying: 'BANKNIFTY' }, NOW), []);
});

function randomUniverse(rnd: () => number) {
  const ins: Instrument[] = [spot, future];
  for (const expiry of [WEEKLY, MONTHLY])
    for (let k = 0; k < 20; k++)
      for (const right of ['CE', 'PE'] as const) if (rnd() < 0.95) ins.push(option(expiry, 24000 + k * 50, right));
  return ins;
}

test('ChainBook after a random tick sequence equals a full recompute from the latest ticks, at every check', () => {
  const rnd = mulberry32(11);
  const ins = randomUniverse(rnd);
  const prevOi = new Map(ins.filter((i) => i.optionType && rnd() < 0.7).map((i) => [i.id, Math.floor(rnd() * 5000)]));
  for (const model of ['black76', 'bs'] as const) {
    const config: ChainConfig = { ...BS, model, dividendYield: 0.01, ivFrom: model === 'bs' ? 'mid' : 'ltp', timeStepMs: 60_000 };
    const book = new ChainBook(ins, config, prevOi);
    const latest = new Map<number, Tick>();
    const ids = [...ins.map((i) => i.id), 9999]; // 9999: not in the chain
    // Under 'bs' the future prices nothing: its ticks are outside this chain.
    const inChain = (id: number) => ins.some((x) => x.id === id) && (model === 'black76' || id !== FUT_ID);
    let now = NOW;
    let spotPx = 24500;
    let malformed = 0;
    let ignored = 0;
    for (let i = 1; i <= 6000; i++) {
      const id = rnd() < 0.05 ? SPOT_ID : rnd() < 0.03 ? FUT_ID : ids[Math.floor(rnd() * ids.length)];
      const o = ins.find((x) => x.id === id);
      let t: Tick;
      if (id === SPOT_ID || id === FUT_ID) {
        spotPx += Math.round((rnd() - 0.5) * 20) / 20;
        t = tick(id, id === FUT_ID ? spotPx + 60 : spotPx);
      } else {
        const k = o?.strike ?? 24500;
        const intrinsicPx = o?.optionType === 'PE' ? Math.max(k - spotPx, 0) : Math.max(spotPx - k, 0);
        const px = Math.round((intrinsicPx + 5 + rnd() * 150) * 20) / 20;
        // A repeat of the last quote now and then (must change nothing), the same LTP with other
        // fields moved, and some fields missing.
        const prev = latest.get(id);
        const roll = rnd();
        t =
          prev && roll < 0.1
            ? { ...prev }
            : prev && roll < 0.25
              ? { ...prev, oi: rnd() < 0.5 ? (prev.oi ?? 0) + 75 : prev.oi, volume: (prev.volume ?? 0) + 75, bid: rnd() < 0.5 ? 0 : prev.bid } // same LTP, other fields move
              : tick(id, rnd() < 0.02 ? 0 : px, {
                bid: rnd() < 0.9 ? px - 0.5 : 0,
                ask: px + 0.5,
                volume: Math.floor(rnd() * 1e6),
                oi: rnd() < 0.95 ? Math.floor(rnd() * 1e5) : undefined,
                close: rnd() < 0.9 ? 100 : undefined,
              });
      }
      if (rnd() < 0.01) t = { ...t, ltp: rnd() < 0.5 ? NaN : -1 };
      if (!inChain(id)) ignored++;
      else if (!Number.isFinite(t.ltp) || t.ltp < 0) malformed++;
      else latest.set(id, t);
      book.onTick(t);
      now += Math.floor(rnd() * 3000);
      if (rnd() < 0.05) book.snapshot(rnd() < 0.5 ? WEEKLY : MONTHLY, now);
      if (i % 1000 === 0) assert.deepEqual(book.snapshotAll(now), buildChain(ins, latest, config, now, prevOi), `${model}, after ${i} ticks`);
    }
    assert.deepEqual(book.stats, { ticks: 6000, ignored, malformed, duplicates: 0 });
    assert.ok(malformed > 0 && ignored > 0);
  }
});

test('ChainBook recomputes only what changed: same object when nothing did, new rows only where ticked', () => {
  const rnd = mulberry32(3);
  const ins = randomUniverse(rnd);
  const config: ChainConfig = { ...BS, model: 'black76' };
  const book = new ChainBook(ins, config);
  book.onTick(tick(SPOT_ID, 24500));
  book.onTick(tick(FUT_ID, 24560));
  const opts = ins.filter((i) => i.optionType);
  for (const o of opts) book.onTick(tick(o.id, 50, { oi: 10 }));
  const a = book.snapshot(MONTHLY, NOW)!;
  assert.equal(book.snapshot(MONTHLY, NOW + 999), a, 'nothing changed within the time step');
  // One option ticks: one row is new, every other row is the same object.
  const one = opts.find((o) => o.expiry === MONTHLY)!;
  book.onTick(tick(one.id, 51, { oi: 12 }));
  book.onTick(tick(SPOT_ID, 24501)); // spot moves: the monthly prices on its future, unaffected
  const b = book.snapshot(MONTHLY, NOW)!;
  assert.notEqual(b, a);
  const changed = b.rows.filter((r, i) => r !== a.rows[i]).map((r) => r.strike);
  assert.deepEqual(changed, [one.strike]);
  // Every option had OI 10; `one` now has 12: the PCR moves by exactly that.
  const monthly = opts.filter((o) => o.expiry === MONTHLY);
  const nCe = monthly.filter((o) => o.optionType === 'CE').length;
  const nPe = monthly.length - nCe;
  assert.equal(a.pcrOi, (10 * nPe) / (10 * nCe));
  assert.equal(b.pcrOi, one.optionType === 'CE' ? (10 * nPe) / (10 * nCe + 2) : (10 * nPe + 2) / (10 * nCe));
  // The future moves: every row of the monthly is recomputed (each IV depends on it).
  book.onTick(tick(FUT_ID, 24570));
  const c = book.snapshot(MONTHLY, NOW)!;
  assert.ok(c.rows.every((r, i) => r !== b.rows[i]));
  // A new time step: recomputed too, and the years shrink.
  const d = book.snapshot(MONTHLY, NOW + 1000)!;
  assert.ok(d.rows.every((r, i) => r !== c.rows[i]) && d.years < c.years);
  // Unknown expiry; expiries listed ascending; duplicates counted.
  assert.equal(book.snapshot('2027-01-01', NOW), undefined);
  assert.deepEqual(book.expiries(), [WEEKLY, MONTHLY]);
  const dup = new ChainBook([...ins, { ...opts[0], id: 5000 }], config);
  assert.equal(dup.stats.duplicates, 1);
  // Previous OI given later: OI changes appear at the next snapshot.
  book.setPreviousOi(new Map([[one.id, 2]]));
  const e = book.snapshot(MONTHLY, NOW + 1000)!;
  assert.equal(e.rows.find((r) => r.strike === one.strike)![one.optionType === 'CE' ? 'ce' : 'pe']!.oiChange, 10);
});
