// The simulator's market as a trader reads it: an index moving a few tenths of a percent an hour,
// history that runs into the live price, futures at a carry to spot, options priced off the
// underlying without arbitrage across strikes, and expiries on NSE's Tuesdays with Kite's symbols.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isMonthlyExpiry, nseIndexExpiries, optionSymbol, futureSymbol } from './expiry';
import { simHistoryCandles } from './history';
import { defaultUniverse, MarketModel } from './market';
import { pathLog } from './path';
import { fairOnTick, SIM_RATE, type PricedInstrument } from './pricing';

/** Tuesday 1 December 2026, 10:30 IST. */
const AT = Date.UTC(2026, 11, 1, 5, 0);

test('an index moves about 0.25 % an hour and 0.03 % a minute; the path is continuous', () => {
  const sd = (h: number) => {
    const xs = Array.from({ length: 3000 }, (_, i) => pathLog(2323, AT + i * 997_000 + h) - pathLog(2323, AT + i * 997_000));
    const m = xs.reduce((a, b) => a + b, 0) / xs.length;
    return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length);
  };
  const hour = sd(3600_000);
  const minute = sd(60_000);
  assert.ok(hour > 0.0015 && hour < 0.004, `hourly σ ${(hour * 100).toFixed(3)} %`);
  assert.ok(minute > 0.0002 && minute < 0.0005, `1-minute σ ${(minute * 100).toFixed(4)} %`);
  assert.ok(Math.abs(pathLog(2323, AT + 1) - pathLog(2323, AT)) < 1e-6, 'a millisecond later, the same price');
});

test("NIFTY's 1-minute candles span points, not per cent; the last candle ends where the live price is", () => {
  const u = defaultUniverse({ from: new Date(AT), optionStrikes: 4 });
  const nifty = u.find((i) => i.symbol === 'NIFTY 50')!;
  const candles = simHistoryCandles(nifty, 1, AT - 5 * 86400_000, AT, AT);
  const ranges = candles.map((c) => (c.h - c.l) / c.o).sort((a, b) => a - b);
  assert.ok(ranges[Math.floor(ranges.length / 2)] < 0.0006, `median 1-minute range ${(ranges[Math.floor(ranges.length / 2)] * 100).toFixed(3)} %`);
  assert.ok(ranges.at(-1)! < 0.003, `widest 1-minute range ${(ranges.at(-1)! * 100).toFixed(3)} %`);
  for (const at of [AT, AT + 3 * 3600_000]) {
    const market = new MarketModel({ instruments: u, seed: 5, now: () => at });
    for (const ins of u.filter((i) => ['NIFTY 50', 'INFY'].includes(i.symbol) || i.instrumentType === 'FUT')) {
      const last = simHistoryCandles(ins, 1, at - 3600_000, at, at + 60_000).at(-1)!;
      assert.equal(last.t * 1000, at, ins.symbol);
      assert.ok(Math.abs(last.o - market.quote(ins.token)!.ltp) <= 2 * ins.tickSize + 1e-9, `${ins.symbol}: history ${last.o}, live ${market.quote(ins.token)!.ltp}`);
    }
  }
});

test('live prices follow the path between events: an hour of ticks stays near history', () => {
  let now = AT;
  const u = defaultUniverse({ from: new Date(AT), optionStrikes: 4 });
  const market = new MarketModel({ instruments: u, seed: 9, now: () => now });
  const nifty = u.find((i) => i.symbol === 'NIFTY 50')!;
  for (; now < AT + 3600_000; now += 1000) {
    if (!market.step(50).some((q) => q.token === nifty.token)) continue;
    const fair = fairOnTick(nifty, now);
    assert.ok(Math.abs(market.quote(nifty.token)!.ltp - fair) <= nifty.tickSize + 1e-9, `${market.quote(nifty.token)!.ltp} vs ${fair}`);
  }
});

test('futures sit at spot × e^(rT); options never below intrinsic, calls fall and puts rise with the strike, both convex', () => {
  const u = defaultUniverse({ from: new Date(AT), optionStrikes: 40 });
  const market = new MarketModel({ instruments: u, seed: 2, now: () => AT });
  const spot = market.quote(u.find((i) => i.symbol === 'NIFTY 50')!.token)!.ltp;
  const fut = u.find((i) => i.symbol === 'NIFTY26DECFUT')!;
  const T = (Date.UTC(2026, 11, 29, 10, 0) - AT) / (365 * 86400_000);
  const F = market.quote(fut.token)!.ltp;
  assert.ok(Math.abs(F - spot * Math.exp(SIM_RATE * T)) <= 0.1 + 1e-9, `future ${F}, spot ${spot}`);
  assert.ok(F - spot > 50 && F - spot < 200, `basis ${F - spot} for four weeks`);

  for (const expiry of ['2026-12-01', '2026-12-29']) {
    const chain = u.filter((i) => i.expiry === expiry && i.strike);
    const Ft = spot * Math.exp(SIM_RATE * ((Date.UTC(Number(expiry.slice(0, 4)), Number(expiry.slice(5, 7)) - 1, Number(expiry.slice(8)), 10, 0) - AT) / (365 * 86400_000)));
    for (const right of ['CE', 'PE'] as const) {
      const legs = chain.filter((i) => i.instrumentType === right).sort((a, b) => a.strike! - b.strike!);
      const px = legs.map((i) => fairOnTick(i, AT));
      for (let k = 0; k < legs.length; k++) {
        const intrinsic = Math.max(0, right === 'CE' ? Ft - legs[k].strike! : legs[k].strike! - Ft);
        assert.ok(px[k] >= intrinsic * Math.exp(-SIM_RATE * T) - 1e-9, `${legs[k].symbol} ${px[k]} ≥ intrinsic ${intrinsic}`);
        assert.ok(px[k] >= 0.05);
        if (k > 0) assert.ok(right === 'CE' ? px[k] <= px[k - 1] : px[k] >= px[k - 1], `${legs[k].symbol} monotone in the strike`);
        if (k > 1) {
          const [k0, k1, k2] = [legs[k - 2].strike!, legs[k - 1].strike!, legs[k].strike!];
          const w = (k2 - k1) / (k2 - k0);
          assert.ok(px[k - 1] <= w * px[k - 2] + (1 - w) * px[k] + 0.05 + 1e-9, `${legs[k - 1].symbol} convex`);
        }
      }
    }
  }
});

test('an option is Black-76 on its future with a skew: OTM puts dearer than calls equally far out', () => {
  const u = defaultUniverse({ from: new Date(AT + 3 * 86400_000), optionStrikes: 40 }); // Friday: four days to Tuesday
  const at = AT + 3 * 86400_000;
  const spot = fairOnTick(u.find((i) => i.symbol === 'NIFTY 50')!, at);
  const atm = Math.round(spot / 50) * 50;
  const price = (strike: number, right: 'CE' | 'PE') => fairOnTick(u.find((i) => i.strike === strike && i.instrumentType === right && i.expiry === '2026-12-08')!, at);
  assert.ok(price(atm - 300, 'PE') > price(atm + 300, 'CE'), `put ${price(atm - 300, 'PE')} vs call ${price(atm + 300, 'CE')}`);
  const atmCall = price(atm, 'CE');
  assert.ok(atmCall > 80 && atmCall < 200, `ATM call ${atmCall}, four days out`);
});

test('NSE expiries fall on Tuesdays; weekly and monthly symbols in Kite’s format', () => {
  assert.deepEqual(nseIndexExpiries(AT), { weekly: '2026-12-01', monthly: '2026-12-29' });
  assert.deepEqual(nseIndexExpiries(Date.UTC(2026, 11, 1, 10, 1)), { weekly: '2026-12-08', monthly: '2026-12-29' }, 'after 15:30 IST, the next');
  assert.deepEqual(nseIndexExpiries(Date.UTC(2026, 11, 23)), { weekly: '2027-01-05', monthly: '2026-12-29' });
  assert.ok(isMonthlyExpiry('2026-12-29') && !isMonthlyExpiry('2026-12-22'));
  assert.equal(optionSymbol('NIFTY', '2026-12-08', 24500, 'CE'), 'NIFTY26D0824500CE');
  assert.equal(optionSymbol('NIFTY', '2026-10-06', 24500, 'PE'), 'NIFTY26O0624500PE');
  assert.equal(optionSymbol('NIFTY', '2027-01-05', 24500, 'PE'), 'NIFTY2710524500PE');
  assert.equal(optionSymbol('NIFTY', '2026-12-29', 24500, 'CE'), 'NIFTY26DEC24500CE');
  assert.equal(futureSymbol('NIFTY', '2026-12-29'), 'NIFTY26DECFUT');
  const u = defaultUniverse({ from: new Date(AT), optionStrikes: 4 });
  for (const i of u.filter((x) => x.name === 'NIFTY')) assert.equal(new Date(`${i.expiry}T00:00:00Z`).getUTCDay(), 2, i.symbol);
  assert.ok(u.some((i) => i.symbol.startsWith('NIFTY26D01')) && u.some((i) => /^NIFTY26DEC\d+CE$/.test(i.symbol)));
});

test('a derivative without its underlying in the universe has its own path', () => {
  const lone: PricedInstrument = { token: 77, basePrice: 100, tickSize: 0.05, segment: 'NFO-OPT', exchange: 'NFO', instrumentType: 'CE', expiry: '2026-12-29', strike: 100 };
  const p = fairOnTick(lone, AT);
  assert.ok(p > 50 && p < 200, String(p));
});
