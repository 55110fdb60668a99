// The simulated market on NSE's calendar: expiries moved off holidays, tick sizes by the exchange's
// bands, history only on trading days inside the session, and (clock 'nse') a live market that is
// still at night and on holidays, prints the 09:08 auction, and trades at the close after 15:40.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { istDay } from '../../../shared/ist';
import { isTradingDay } from '../../../shared/nse-calendar';
import { futureSymbol, isMonthlyExpiry, monthlyExpiryOf, nseIndexExpiries, optionSymbol } from './expiry';
import { simHistoryCandles } from './history';
import { defaultUniverse, MarketModel, type SimInstrument, type SimQuote } from './market';
import { fairOnTick } from './pricing';
import { inFuturesPreOpen, sessionKindOf } from './session';
import { equityTickSize, indexFutureTickSize, nseTickSize } from './ticks';

/** A moment given as IST wall-clock time. */
const ist = (s: string) => Date.parse(`${s}+05:30`);
/** HH:MM IST of a moment. */
const hhmm = (ms: number) => new Date(ms + 19_800_000).toISOString().slice(11, 16);

/** Is `price` a whole number of ticks? */
function onTick(price: number, tick: number): boolean {
  const n = price / tick;
  return price > 0 && Math.abs(n - Math.round(n)) < 1e-6;
}

test('an expiry Tuesday that is a holiday moves to the trading day before; the monthly keeps its symbol', () => {
  // Holi on Tuesday 3 March 2026: that week's weekly expires on Monday 2 March. 31 March (Mahavir
  // Jayanti) is March's last Tuesday: the monthly expires Monday 30 March.
  assert.deepEqual(nseIndexExpiries(ist('2026-02-25T12:00:00')), { weekly: '2026-03-02', monthly: '2026-03-30' });
  assert.deepEqual(nseIndexExpiries(ist('2026-03-02T15:31:00')), { weekly: '2026-03-10', monthly: '2026-03-30' }, 'after Monday 15:30 the next week');
  assert.equal(optionSymbol('NIFTY', '2026-03-02', 24500, 'CE'), 'NIFTY2630224500CE');
  assert.equal(futureSymbol('NIFTY', '2026-03-30'), 'NIFTY26MARFUT');
  // 24 November 2026 (Guru Nanak Jayanti) is November's last Tuesday: the monthly is Monday the
  // 23rd, a week before the month ends, and still the monthly.
  assert.equal(monthlyExpiryOf('2026-11'), '2026-11-23');
  assert.ok(isMonthlyExpiry('2026-11-23') && !isMonthlyExpiry('2026-11-24') && !isMonthlyExpiry('2026-11-17'));
  assert.deepEqual(nseIndexExpiries(ist('2026-11-18T12:00:00')), { weekly: '2026-12-01', monthly: '2026-11-23' });
  assert.equal(optionSymbol('NIFTY', '2026-11-23', 24500, 'PE'), 'NIFTY26NOV24500PE');
  // Tuesdays that trade are unchanged.
  assert.equal(monthlyExpiryOf('2026-12'), '2026-12-29');
  for (let d = '2026-01-01'; d < '2027-01-01'; d = istDay(Date.parse(`${d}T12:00:00Z`) + 86400_000)) {
    if (isMonthlyExpiry(d)) assert.ok(isTradingDay(d), `the monthly ${d} trades`);
  }
});

test('near-month futures join the pre-open; the next month only in the near month’s last five trading days', () => {
  assert.equal(inFuturesPreOpen('2026-03-30', '2026-03-04'), true);
  assert.equal(inFuturesPreOpen('2026-04-28', '2026-03-04'), false, 'next month, three weeks before the near expiry');
  // The five trading days to 30 March: 23, 24, 25, 27, 30 (26 is Ram Navami).
  assert.equal(inFuturesPreOpen('2026-04-28', '2026-03-20'), false);
  assert.equal(inFuturesPreOpen('2026-04-28', '2026-03-23'), true);
  assert.equal(inFuturesPreOpen('2026-05-26', '2026-03-23'), false, 'the far month never');
  assert.equal(inFuturesPreOpen('2026-04-28', '2026-03-31'), true, 'after the March expiry April is the near month');
  const fut = { segment: 'NFO-FUT', exchange: 'NFO', instrumentType: 'FUT' as const };
  assert.equal(sessionKindOf({ ...fut, expiry: '2026-03-30' }, '2026-03-04'), 'futures');
  assert.equal(sessionKindOf({ ...fut, expiry: '2026-04-28' }, '2026-03-04'), 'derivatives');
  assert.equal(sessionKindOf({ segment: 'NFO-OPT', exchange: 'NFO', instrumentType: 'CE', expiry: '2026-03-10' }, '2026-03-04'), 'derivatives');
  assert.equal(sessionKindOf({ segment: 'NSE', exchange: 'NSE', instrumentType: 'EQ' }, '2026-03-04'), 'cash');
  assert.equal(sessionKindOf({ segment: 'INDICES', exchange: 'NSE', instrumentType: 'EQ' }, '2026-03-04'), 'index');
  assert.equal(sessionKindOf({ segment: 'CDS-FUT', exchange: 'CDS', instrumentType: 'FUT' }, '2026-03-04'), 'currency');
  assert.equal(sessionKindOf({ segment: 'MCX-FUT', exchange: 'MCX', instrumentType: 'FUT' }, '2026-03-04'), 'commodity');
});

test("tick sizes follow NSE's price bands; the default universe lists them", () => {
  const bands: Array<[number, number]> = [
    [149.99, 0.01], [249.99, 0.01], [250, 0.05], [1000, 0.05], [1000.05, 0.1], [5000, 0.1],
    [5000.5, 0.5], [10_000, 0.5], [10_001, 1], [20_000, 1], [20_005, 5], [120_000, 5],
  ];
  for (const [price, tick] of bands) assert.equal(equityTickSize(price), tick, `₹${price}`);
  assert.deepEqual([14_000, 15_000, 15_000.05, 24_500, 30_000, 52_000].map(indexFutureTickSize), [0.05, 0.05, 0.1, 0.1, 0.1, 0.2]);
  const eq = { segment: 'NSE', exchange: 'NSE', instrumentType: 'EQ' as const };
  assert.equal(nseTickSize({ ...eq, basePrice: 12_500 }), 1);
  assert.equal(nseTickSize({ segment: 'NFO-FUT', exchange: 'NFO', instrumentType: 'FUT', basePrice: 7150, underlying: { segment: 'NSE', basePrice: 7100 } }), 0.5, 'a stock future: its stock’s band');
  assert.equal(nseTickSize({ segment: 'NFO-OPT', exchange: 'NFO', instrumentType: 'CE', basePrice: 7150 }), 0.05, 'options: 0.05 at any price');
  assert.equal(nseTickSize({ segment: 'INDICES', exchange: 'NSE', instrumentType: 'EQ', basePrice: 24_500 }), undefined);

  const u = defaultUniverse({ from: new Date(ist('2026-03-04T11:00:00')), optionStrikes: 4 });
  const tick = (sym: string, exchange = 'NSE') => u.find((i) => i.symbol === sym && i.exchange === exchange)!.tickSize;
  assert.deepEqual(
    ['TATASTEEL', 'SBIN', 'INFY', 'BAJFINANCE', 'MARUTI', 'NIFTY26MARFUT', 'BANKNIFTY26MARFUT'].map((s) => tick(s, s.endsWith('FUT') ? 'NFO' : 'NSE')),
    [0.01, 0.05, 0.1, 0.5, 1, 0.1, 0.2],
  );
  assert.equal(tick('RELIANCE', 'BSE'), 0.1);
  for (const o of u.filter((i) => i.instrumentType === 'CE' || i.instrumentType === 'PE')) assert.equal(o.tickSize, 0.05, o.symbol);
});

test('history: no bars at weekends or on holidays, intraday bars only inside the session', () => {
  const u = defaultUniverse({ from: new Date(ist('2026-03-04T11:00:00')), optionStrikes: 2 });
  const now = ist('2026-03-06T12:00:00');
  const from = ist('2026-02-26T00:00:00');
  const tradingDays = ['2026-02-26', '2026-02-27', '2026-03-02', '2026-03-04', '2026-03-05', '2026-03-06'];
  for (const ins of u.filter((i) => i.exchange !== 'CDS' && i.exchange !== 'BCD' && i.exchange !== 'MCX')) {
    const minutes = simHistoryCandles(ins, 1, from, now, now);
    const byDay = new Map<string, number[]>();
    for (const c of minutes) byDay.set(istDay(c.t * 1000), [...(byDay.get(istDay(c.t * 1000)) ?? []), c.t * 1000]);
    assert.deepEqual([...byDay.keys()], tradingDays, `${ins.symbol}: Holi (3 Mar) and the weekend have no bars`);
    for (const [day, ts] of byDay) {
      assert.equal(hhmm(ts[0]), '09:15', `${ins.symbol} ${day} opens 09:15`);
      if (day < '2026-03-06') assert.equal(ts.length, 375, `${ins.symbol} ${day}: 09:15–15:29, one a minute`);
      assert.ok(ts.every((t) => hhmm(t) >= '09:15' && hhmm(t) < '15:30'), `${ins.symbol} ${day} inside 09:15–15:30`);
    }
    assert.equal(hhmm(minutes.at(-1)!.t * 1000), '12:00', 'the bar forming now (12:00) is the last');
    const daily = simHistoryCandles(ins, 1440, from, now, now);
    assert.deepEqual(daily.map((c) => istDay(c.t * 1000)), tradingDays, `${ins.symbol} daily`);
    for (const c of [...minutes, ...daily]) for (const p of [c.o, c.h, c.l, c.c]) assert.ok(onTick(p, ins.tickSize), `${ins.symbol} ${p} on its ${ins.tickSize} tick`);
  }
  // Currency futures trade 09:00–17:00, MCX into the night (and on Holi's evening; to 23:30, the
  // US not yet on summer time).
  const usdinr = u.find((i) => i.exchange === 'CDS')!;
  const day = simHistoryCandles(usdinr, 1, ist('2026-03-04T00:00:00'), ist('2026-03-04T23:59:00'), now);
  assert.deepEqual([hhmm(day[0].t * 1000), hhmm(day.at(-1)!.t * 1000), day.length], ['09:00', '16:59', 480]);
  const crude = u.find((i) => i.exchange === 'MCX')!;
  const holi = simHistoryCandles(crude, 1, ist('2026-03-03T00:00:00'), ist('2026-03-03T23:59:00'), now);
  assert.deepEqual([hhmm(holi[0].t * 1000), hhmm(holi.at(-1)!.t * 1000)], ['17:00', '23:29']);
});

test("a day's candles and quotes agree: the open is the 09:08 auction, the daily close the closing price", () => {
  const u = defaultUniverse({ from: new Date(ist('2026-03-04T11:00:00')), optionStrikes: 2 });
  const infy = u.find((i) => i.symbol === 'INFY')!;
  const day = simHistoryCandles(infy, 1440, ist('2026-03-04T00:00:00'), ist('2026-03-04T00:00:00'), ist('2026-03-05T12:00:00'))[0];
  const first = simHistoryCandles(infy, 5, ist('2026-03-04T09:15:00'), ist('2026-03-04T09:15:00'), ist('2026-03-05T12:00:00'))[0];
  assert.equal(day.o, fairOnTick(infy, ist('2026-03-04T09:08:00')), 'the daily open is the equilibrium price');
  assert.equal(first.o, day.o, 'so is the first intraday bar’s');
  // The model on NSE's clock that evening: the close traded in the closing session, the open the
  // auction's; the next morning its previous close is that day's close.
  let now = ist('2026-03-04T18:00:00');
  const market = new MarketModel({ instruments: u, seed: 4, now: () => now, clock: 'nse' });
  const q = market.quote(infy.token)!;
  assert.deepEqual([q.ltp, q.open], [day.c, day.o]);
  now = ist('2026-03-05T09:15:01');
  while (q.volume === 0 || q.close !== day.c) market.step(50);
  assert.equal(q.close, day.c);
  // Options (no pre-open): their daily bar opens at 09:15.
  const option = u.find((i) => i.instrumentType === 'CE')!;
  const od = simHistoryCandles(option, 1440, ist('2026-03-04T00:00:00'), ist('2026-03-04T00:00:00'), ist('2026-03-05T12:00:00'))[0];
  assert.equal(od.o, fairOnTick(option, ist('2026-03-04T09:15:00')));
});

/** Steps the market at `now` and returns the tokens it changed. */
function stepped(market: MarketModel, events: number): Set<number> {
  return new Set(market.step(events).map((q: SimQuote) => q.token));
}

test("clock 'nse': no ticks on a holiday or at night, one auction print at 09:08, trading from 09:15, the close after 15:40", () => {
  const u = defaultUniverse({ from: new Date(ist('2026-03-02T11:00:00')), optionStrikes: 4 });
  const nse = u.filter((i) => i.exchange === 'NSE' || i.exchange === 'NFO' || i.exchange === 'BSE');
  let now = ist('2026-03-03T11:00:00'); // Holi
  const market = new MarketModel({ instruments: nse, seed: 8, now: () => now, clock: 'nse' });
  const before = new Map(nse.map((i) => [i.token, { ...market.quote(i.token)!, depth: undefined }]));
  // Last prices are the Monday's: shares at its close (their closing session), options at 15:30.
  for (const i of nse) {
    const q = market.quote(i.token)!;
    const monday = simHistoryCandles(i, 1, ist('2026-03-02T15:29:00'), ist('2026-03-02T15:29:00'), now)[0];
    const close = simHistoryCandles(i, 1440, ist('2026-03-02T00:00:00'), ist('2026-03-02T00:00:00'), now)[0].c;
    const want = i.instrumentType === 'EQ' ? close : monday.c;
    assert.equal(q.ltp, want, `${i.symbol} frozen at ${want}`);
    assert.ok(q.tsExchange <= ist('2026-03-02T16:00:00'), `${i.symbol} last printed on Monday`);
  }
  for (const at of ['2026-03-03T11:00:00', '2026-03-03T15:00:00', '2026-03-03T23:00:00', '2026-03-04T08:59:00', '2026-03-04T09:07:59']) {
    now = ist(at);
    assert.equal(market.step(5000).length, 0, `nothing trades at ${at}`);
  }
  for (const i of nse) assert.deepEqual({ ...market.quote(i.token)!, depth: undefined }, before.get(i.token), `${i.symbol} unchanged`);

  // 09:08: each share, index and near-month future prints once, at the equilibrium price.
  now = ist('2026-03-04T09:08:00');
  const auctioned = new Set<number>();
  for (let k = 0; k < 40; k++) for (const t of stepped(market, 200)) {
    assert.ok(!auctioned.has(t), `${market.instrument(t)!.symbol} prints once in the auction`);
    auctioned.add(t);
  }
  now = ist('2026-03-04T09:12:00');
  assert.equal(market.step(5000).length, 0, 'the buffer to 09:15 is quiet');
  const inAuction = nse.filter((i) => i.instrumentType === 'EQ' || i.instrumentType === 'FUT');
  assert.deepEqual([...auctioned].sort(), inAuction.map((i) => i.token).sort(), 'shares, indices and the near-month futures; no options');
  for (const i of inAuction) {
    const q = market.quote(i.token)!;
    assert.equal(q.ltp, fairOnTick(i, ist('2026-03-04T09:08:00')), `${i.symbol} at its equilibrium price`);
    assert.equal(q.open, q.ltp, `${i.symbol} opens there`);
    if (i.segment !== 'INDICES') assert.ok(q.volume > 0, `${i.symbol} traded in the auction`);
  }

  // 09:15: everything trades; the day's figures restart from the new day.
  now = ist('2026-03-04T09:15:00');
  const open = new Set<number>();
  for (let k = 0; k < 20; k++) for (const t of stepped(market, 500)) open.add(t);
  assert.equal(open.size, nse.length, 'every instrument trades in the continuous session');
  // 15:30–15:40 nothing; 15:40–16:00 shares trade only at the close; after 16:00 nothing.
  now = ist('2026-03-04T15:35:00');
  assert.equal(market.step(5000).length, 0);
  now = ist('2026-03-04T15:45:00');
  const closing = stepped(market, 5000);
  const shares = nse.filter((i) => i.instrumentType === 'EQ' && i.segment !== 'INDICES');
  assert.deepEqual([...closing].sort(), shares.map((i) => i.token).sort(), 'only shares in the closing session');
  for (const i of shares) {
    const c = simHistoryCandles(i, 1440, ist('2026-03-04T00:00:00'), ist('2026-03-04T00:00:00'), ist('2026-03-05T00:00:00'))[0].c;
    assert.equal(market.quote(i.token)!.ltp, c, `${i.symbol} at the day's close`);
  }
  now = ist('2026-03-04T16:00:00');
  assert.equal(market.step(5000).length, 0);
});

test('every simulated price is a whole number of its ticks, around the clock and on NSE’s', () => {
  const u = defaultUniverse({ from: new Date(ist('2026-03-04T09:00:00')), optionStrikes: 10 });
  for (const clock of ['always', 'nse'] as const) {
    let now = ist('2026-03-04T09:00:00');
    const market = new MarketModel({ instruments: u, seed: 12, now: () => now, clock });
    const check = (i: SimInstrument) => {
      const q = market.quote(i.token)!;
      for (const p of [q.ltp, q.open, q.high, q.low, q.close]) assert.ok(onTick(p, i.tickSize), `${clock} ${i.symbol}: ${p} on its ${i.tickSize} tick`);
      const n = market.levels;
      if (i.segment !== 'INDICES') for (let k = 0; k < n; k++) for (const p of [q.depth[k], q.depth[3 * n + k]]) assert.ok(onTick(p, i.tickSize), `${clock} ${i.symbol} depth ${p}`);
    };
    // Through the pre-open, the session and the closing session.
    for (; now < ist('2026-03-04T16:00:00'); now += 97_000) market.step(300);
    for (const i of u) check(i);
  }
});
