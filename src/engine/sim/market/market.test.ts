// The market model's prices stay plausible over a run: cheap options tick a paisa-level tick at a
// time instead of jumping or walking to their floor, and every price stays near its base.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultUniverse, MarketModel } from './market';

test('the NIFTY chain reaches options at a few paise; over 100 s of events every price stays plausible', () => {
  const universe = defaultUniverse();
  const options = universe.filter((u) => u.instrumentType === 'CE' || u.instrumentType === 'PE');
  const cheap = options.filter((u) => u.basePrice <= 0.2);
  // Priced from the underlying (sim/market/pricing.ts): which strikes are that cheap depends on the
  // spot and the days left, so the date of the run decides; that some are, and on the tick, does not.
  assert.ok(cheap.length >= 1, 'far strikes trade at a few paise (a ₹0.05 tick is 25 % or more)');
  for (const u of options) assert.ok(u.basePrice >= 0.05 && Math.abs(u.basePrice * 20 - Math.round(u.basePrice * 20)) < 1e-9, `${u.symbol} ${u.basePrice} on the tick`);

  // 3,000 events a second for 100 s, as `tickdesk record` runs it.
  const market = new MarketModel({ instruments: universe, seed: 11 });
  const seen = new Map(universe.map((u) => [u.token, { lo: u.basePrice, hi: u.basePrice, last: market.quote(u.token)!.ltp, changes: 0, maxStep: 0 }]));
  for (let k = 0; k < 300_000; k++)
    for (const q of market.step(1)) {
      const s = seen.get(q.token)!;
      if (q.ltp !== s.last) {
        s.changes++;
        s.maxStep = Math.max(s.maxStep, Math.abs(q.ltp - s.last));
      }
      s.last = q.ltp;
      s.lo = Math.min(s.lo, q.ltp);
      s.hi = Math.max(s.hi, q.ltp);
    }
  for (const u of universe) {
    const s = seen.get(u.token)!;
    const isOption = u.instrumentType === 'CE' || u.instrumentType === 'PE';
    if (isOption && u.basePrice < 1) {
      // A few-paise option: a tick now and then, one tick at a time, never to nothing.
      assert.ok(s.changes >= 5, `${u.symbol} moves (${s.changes} changes)`);
      assert.ok(s.maxStep <= u.tickSize + 1e-9, `${u.symbol} moves a tick at a time (${s.maxStep})`);
      assert.ok(s.lo >= u.tickSize && s.hi <= u.basePrice + 1, `${u.symbol} from ${u.basePrice}: ${s.lo}…${s.hi}`);
    } else {
      // Options swing (a ₹1 option may double); stocks, futures and indices stay within a few per cent.
      const [lo, hi] = isOption ? [0.3, 2.5] : [0.9, 1.1];
      assert.ok(s.lo >= u.basePrice * lo && s.hi <= u.basePrice * hi, `${u.symbol} from ${u.basePrice}: ${s.lo}…${s.hi}`);
    }
  }
});
