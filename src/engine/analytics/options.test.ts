// Option pricing, Greeks and implied volatility: textbook values (Hull, "Options, Futures, and
// Other Derivatives"), 50-digit references computed with mpmath (the expression is given beside
// each), put–call parity, Greeks against central differences of the pricer, and IV round trips.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  black76,
  blackScholes,
  erfc,
  expiryMs,
  impliedVol,
  normCdf,
  optionGreeks,
  optionPrice,
  yearsToExpiry,
  type Greeks,
  type OptionSpec,
  type PricingModel,
} from './options';

const close = (actual: number, expected: number, tol: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} vs ${expected} (|Δ| ${Math.abs(actual - expected)} > ${tol})`);
const rel = (actual: number, expected: number, tol: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tol * Math.abs(expected), `${what}: ${actual} vs ${expected} (rel ${Math.abs(actual - expected) / Math.abs(expected)} > ${tol})`);

test('normCdf matches mpmath.ncdf to ~1e-14 relative, from the far left tail to the right', () => {
  // mpmath (dps 50): mp.ncdf(x), written as the nearest double.
  const ref: Array<[number, number]> = [
    [-30, 4.906713927148187e-198],
    [-20, 2.7536241186062337e-89],
    [-12, 1.776482112077679e-33],
    [-8, 6.220960574271784e-16],
    [-5, 2.866515718791939e-7],
    [-3, 0.0013498980316300946],
    [-1.96, 0.024997895148220435],
    [-1, 0.15865525393145705],
    [-0.5, 0.3085375387259869],
    [0, 0.5],
    [0.3, 0.6179114221889527],
    [1, 0.8413447460685429],
    [2.5, 0.9937903346742238],
    [5, 0.9999997133484281],
    [8, 0.9999999999999993],
  ];
  // The tail's error grows with x² from rounding x/√2 (≈ x²·ε relative): 1e-13 covers x = −30.
  for (const [x, v] of ref) rel(normCdf(x), v, 1e-13, `N(${x})`);
  assert.equal(normCdf(-40), 0);
  assert.equal(normCdf(40), 1);
  assert.ok(Number.isNaN(normCdf(NaN)));
  // erfc's own symmetry and a value: erfc(1) = 0.15729920705028513 (mp.erfc(1)).
  rel(erfc(1), 0.15729920705028513, 1e-15, 'erfc(1)');
  close(erfc(-0.3) + erfc(0.3), 2, 1e-15, 'erfc(−x) + erfc(x)');
});

test("Black-Scholes: Hull's examples (S=42, K=40, r=10 %, σ=20 %, T=0.5 → call 4.76, put 0.81; an index call with q)", () => {
  const c = blackScholes('CE', 42, 40, 0.5, 0.2, 0.1);
  const p = blackScholes('PE', 42, 40, 0.5, 0.2, 0.1);
  assert.equal(c.toFixed(2), '4.76');
  assert.equal(p.toFixed(2), '0.81');
  // mpmath: D·(F·N(d1) − K·N(d2)) with F = 42·e^(0.1·0.5), D = e^(−0.05).
  close(c, 4.759422392871533, 1e-12, 'call');
  close(p, 0.8085993729000936, 1e-12, 'put');
  // Hull Example 17.1: S=930, K=900, r=8 %, q=3 %, σ=20 %, T=2/12 → 51.83.
  const idx = blackScholes('CE', 930, 900, 2 / 12, 0.2, 0.08, 0.03);
  assert.equal(idx.toFixed(2), '51.83');
  close(idx, 51.83295679649085, 1e-11, 'index call');
});

test("Black-76: Hull's futures put (F=K=20, r=9 %, σ=25 %, T=4/12 → 1.12) and NIFTY-sized cases near expiry", () => {
  const p = black76('PE', 20, 20, 4 / 12, 0.25, 0.09);
  assert.equal(p.toFixed(2), '1.12');
  close(p, 1.1166414565589435, 1e-13, 'futures put');
  // mpmath, F = 24500, r = 6.5 %: a deep OTM call a day out keeps its digits (5.66e-8, rel 1e-12).
  rel(black76('CE', 24500, 25500, 1 / 365, 0.13, 0.065), 5.657106604271794e-8, 1e-11, '1 d 25500 CE');
  close(black76('CE', 24500, 23000, 1 / 365, 0.13, 0.065), 1499.7329004958672, 1e-9, '1 d 23000 CE (deep ITM)');
  close(black76('PE', 24500, 24400, 1 / 8760, 0.15, 0.065), 0.0667654067250103, 1e-10, '1 h 24400 PE');
  close(black76('CE', 24500, 24550, 1 / 8760, 0.15, 0.065), 1.8982606278741685, 1e-10, '1 h 24550 CE');
});

test('prices at the edges: intrinsic at expiry and at zero vol, NaN on bad input', () => {
  assert.equal(black76('CE', 110, 100, 0, 0.2, 0.05), 10);
  assert.equal(black76('PE', 110, 100, 0, 0.2, 0.05), 0);
  close(black76('PE', 90, 100, 1, 0, 0.05), 10 * Math.exp(-0.05), 1e-12, 'zero-vol put');
  for (const bad of [
    black76('CE', -1, 100, 1, 0.2, 0.05),
    black76('CE', 100, 0, 1, 0.2, 0.05),
    black76('CE', 100, 100, -1, 0.2, 0.05),
    black76('CE', 100, 100, 1, -0.2, 0.05),
    black76('CE', 100, 100, NaN, 0.2, 0.05),
    blackScholes('PE', 100, 100, 1, 0.2, Infinity),
  ])
    assert.ok(Number.isNaN(bad));
});

test('put–call parity holds to 1e-9 across strikes, vols and expiries, both models', () => {
  let n = 0;
  for (const S of [100, 24500])
    for (const m of [0.6, 0.9, 0.97, 1, 1.03, 1.1, 1.5])
      for (const vol of [0.05, 0.15, 0.4, 1])
        for (const T of [1 / 8760, 1 / 365, 30 / 365, 1, 3]) {
          const K = S * m;
          const r = 0.065;
          const q = 0.012;
          const D = Math.exp(-r * T);
          close(black76('CE', S, K, T, vol, r) - black76('PE', S, K, T, vol, r), D * (S - K), 1e-9, `black76 ${S} ${K} ${vol} ${T}`);
          close(
            blackScholes('CE', S, K, T, vol, r, q) - blackScholes('PE', S, K, T, vol, r, q),
            S * Math.exp(-q * T) - K * D,
            1e-9,
            `bs ${S} ${K} ${vol} ${T}`,
          );
          n++;
        }
  assert.equal(n, 280);
});

test("Greeks: Hull's example (S=49, K=50, r=5 %, σ=20 %, T=20 weeks) in per-day and per-point units", () => {
  const spec: OptionSpec = { model: 'bs', right: 'CE', underlying: 49, strike: 50, years: 20 / 52, rate: 0.05 };
  assert.equal(optionPrice(spec, 0.2).toFixed(2), '2.40');
  const g = optionGreeks(spec, 0.2);
  // Hull: Δ 0.522, Γ 0.066, Θ −4.31 per year, vega 12.1 per unit σ, ρ 8.91 per unit r.
  assert.equal(g.delta.toFixed(3), '0.522');
  assert.equal(g.gamma.toFixed(3), '0.066');
  assert.equal((g.theta * 365).toFixed(2), '-4.31');
  assert.equal((g.vega * 100).toFixed(1), '12.1');
  assert.equal((g.rho * 100).toFixed(2), '8.91');
  // mpmath derivatives of the 50-digit price (mp.diff): the analytic forms to 1e-12.
  close(g.delta, 0.5216046610663964, 1e-12, 'delta');
  close(g.gamma, 0.06554403934784439, 1e-12, 'gamma');
  close(g.theta, -4.305329822932573 / 365, 1e-12, 'theta per day');
  close(g.vega, 12.1054798826288 / 100, 1e-12, 'vega per point');
  close(g.rho, 8.90696194960835 / 100, 1e-12, 'rho per point');
});

test('every Greek matches central finite differences of the pricer, both models, calls and puts', () => {
  const price = (s: OptionSpec, vol: number) => optionPrice(s, vol);
  let n = 0;
  for (const model of ['black76', 'bs'] as PricingModel[])
    for (const right of ['CE', 'PE'] as const)
      for (const m of [0.8, 0.95, 1, 1.02, 1.2])
        for (const vol of [0.08, 0.2, 0.6])
          for (const T of [2 / 365, 30 / 365, 0.5, 2]) {
            const spec: OptionSpec = { model, right, underlying: 24500, strike: 24500 * m, years: T, rate: 0.065, dividendYield: model === 'bs' ? 0.013 : 0 };
            const g = optionGreeks(spec, vol);
            // Steps scaled to the distribution's width (S·σ√T) keep the truncation error ~1e-6.
            const hS = 24500 * vol * Math.sqrt(T) * 1e-3;
            const at = (patch: Partial<OptionSpec>, v = vol) => price({ ...spec, ...patch }, v);
            const fd: Greeks = {
              delta: (at({ underlying: 24500 + hS }) - at({ underlying: 24500 - hS })) / (2 * hS),
              gamma: (at({ underlying: 24500 + hS }) - 2 * at({}) + at({ underlying: 24500 - hS })) / (hS * hS),
              // Theta: value lost per calendar day as expiry nears (T shrinks).
              theta: -(at({ years: T + T * 1e-5 }) - at({ years: T - T * 1e-5 })) / (2 * T * 1e-5) / 365,
              vega: (at({}, vol + 1e-5) - at({}, vol - 1e-5)) / 2e-5 / 100,
              rho: (at({ rate: 0.065 + 1e-6 }) - at({ rate: 0.065 - 1e-6 })) / 2e-6 / 100,
            };
            for (const k of Object.keys(fd) as Array<keyof Greeks>) {
              // Differences of prices ~10^4 lose ~ε·10^4/h; the tolerance is that, plus 1e-5 relative.
              const noise: Record<keyof Greeks, number> = { delta: 1e-9, gamma: 1e-9, theta: 1e-7, vega: 1e-8, rho: 1e-6 };
              close(g[k], fd[k], 1e-5 * Math.abs(fd[k]) + noise[k], `${model} ${right} K=${spec.strike} σ=${vol} T=${T} ${k}`);
            }
            n++;
          }
  assert.equal(n, 240);
});

test('Greeks are NaN where undefined: expired, zero vol, bad input', () => {
  const spec: OptionSpec = { model: 'black76', right: 'CE', underlying: 100, strike: 100, years: 0, rate: 0.05 };
  assert.ok(Number.isNaN(optionGreeks(spec, 0.2).delta));
  assert.ok(Number.isNaN(optionGreeks({ ...spec, years: 1 }, 0).vega));
  assert.ok(Number.isNaN(optionGreeks({ ...spec, years: 1, underlying: NaN }, 0.2).gamma));
});

test('IV round-trips through the pricer to 1e-6 vol over 5,120 cases, deep ITM/OTM and 1 hour to expiry included', () => {
  const EPS = Number.EPSILON;
  const moneyness = [0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99, 1, 1.01, 1.02, 1.05, 1.1, 1.2, 1.3, 1.5, 2];
  const vols = [0.03, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.8, 1.2, 2];
  const years = [1 / 8760, 4 / 8760, 1 / 365, 7 / 365, 30 / 365, 0.25, 1, 3];
  let exact = 0;
  let exactOneHour = 0;
  let exactDeep = 0;
  let limited = 0;
  let worst = 0;
  let maxIterations = 0;
  for (const model of ['black76', 'bs'] as PricingModel[])
    for (const right of ['CE', 'PE'] as const)
      for (const m of moneyness)
        for (const vol of vols)
          for (const T of years) {
            const q = model === 'bs' ? 0.012 : 0;
            const spec: OptionSpec = { model, right, underlying: 24500, strike: 24500 * m, years: T, rate: 0.065, dividendYield: q };
            const price = optionPrice(spec, vol);
            const r = impliedVol(spec, price);
            maxIterations = Math.max(maxIterations, r.iterations);
            // How well a double price pins σ: the pricer sums terms of size D·(F·N(±d1) + K·N(±d2)),
            // so its rounding u is a few ε of that; σ is known to u/vega. Where that is ≤ 1e-7 the
            // solve must land within 1e-6; elsewhere (a deep ITM option whose time value is below
            // u, an OTM one worth 1e-300) any σ that reprices to within the rounding is right, or
            // the solver's 'no-time-value' (it also says so for a subnormal price, < 2^−1022).
            const F = model === 'black76' ? 24500 : 24500 * Math.exp((0.065 - q) * T);
            const D = Math.exp(-0.065 * T);
            const s = vol * Math.sqrt(T);
            const d1 = Math.log(F / spec.strike) / s + s / 2;
            const sign = right === 'CE' ? 1 : -1;
            const u = 16 * EPS * D * (F * normCdf(sign * d1) + spec.strike * normCdf(sign * (d1 - s)));
            const vegaPerUnit = optionGreeks(spec, vol).vega * 100;
            const what = `${model} ${right} K/F=${m} σ=${vol} T=${T}`;
            if (u / vegaPerUnit <= 1e-7 && price >= 2 ** -1022) {
              assert.equal(r.reason, undefined, `${what}: ${r.reason}`);
              close(r.vol, vol, 1e-6, what);
              worst = Math.max(worst, Math.abs(r.vol - vol));
              exact++;
              if (T === 1 / 8760) exactOneHour++;
              if (m <= 0.7 || m >= 1.3) exactDeep++;
            } else {
              limited++;
              if (r.reason !== undefined) assert.equal(r.reason, 'no-time-value', what);
              else close(optionPrice(spec, r.vol), price, 2 * u, `${what} (reprices)`);
            }
          }
  assert.equal(exact + limited, 5120);
  assert.ok(exact >= 3800, `${exact} cases pinned to 1e-6`);
  assert.ok(exactOneHour >= 200 && exactDeep >= 800, `1 h: ${exactOneHour}, deep: ${exactDeep}`);
  assert.ok(worst < 1e-8, `worst ${worst}`);
  assert.ok(maxIterations <= 10, `${maxIterations} iterations`);
});

test('IV refuses what no volatility can produce, with a reason, and never loops or throws', () => {
  const spec: OptionSpec = { model: 'black76', right: 'CE', underlying: 24500, strike: 24000, years: 7 / 365, rate: 0.065 };
  const D = Math.exp(-0.065 * 7 / 365);
  const floor = 500 * D;
  assert.deepEqual(impliedVol(spec, floor - 0.05), { vol: NaN, reason: 'below-intrinsic', iterations: 0 });
  assert.equal(impliedVol({ ...spec, right: 'PE', strike: 25000 }, 500 * D - 1).reason, 'below-intrinsic');
  assert.equal(impliedVol(spec, floor).reason, 'no-time-value');
  assert.equal(impliedVol({ ...spec, strike: 26000 }, 0).reason, 'no-time-value');
  assert.equal(impliedVol(spec, 24500 * D).reason, 'above-bound');
  assert.equal(impliedVol({ ...spec, right: 'PE' }, 24000 * D + 1).reason, 'above-bound');
  assert.equal(impliedVol({ ...spec, years: 0 }, 600).reason, 'expired');
  for (const p of [NaN, -1, Infinity]) assert.equal(impliedVol(spec, p).reason, 'bad-input');
  assert.equal(impliedVol({ ...spec, underlying: NaN }, 600).reason, 'bad-input');
  assert.equal(impliedVol({ ...spec, strike: -5 }, 600).reason, 'bad-input');
  // Just above the floor it solves (a tiny but real time value).
  const r = impliedVol(spec, floor + 0.05);
  assert.equal(r.reason, undefined);
  close(optionPrice(spec, r.vol), floor + 0.05, 1e-9, 'reprices');
  // Anything at all: a result within the iteration cap, never an exception.
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const odd = [0, 1e-300, 1e-12, 1, 1e6, 1e300, Infinity, NaN, -3];
  for (let i = 0; i < 2000; i++) {
    const pick = () => (rnd() < 0.3 ? odd[Math.floor(rnd() * odd.length)] : Math.exp(rnd() * 20 - 10));
    const res = impliedVol({ model: rnd() < 0.5 ? 'bs' : 'black76', right: rnd() < 0.5 ? 'CE' : 'PE', underlying: pick(), strike: pick(), years: pick(), rate: rnd() * 0.2 - 0.05 }, pick());
    assert.ok(res.iterations <= 100);
    assert.ok(res.reason !== undefined ? Number.isNaN(res.vol) : res.vol > 0, JSON.stringify(res));
  }
});

test('time to expiry runs to the exchange’s expiry moment: 15:30 IST for NSE/NFO, 12:30 for currency', () => {
  // 2026-11-26 15:30 IST = 10:00 UTC.
  assert.equal(expiryMs('2026-11-26', 'NFO'), Date.UTC(2026, 10, 26, 10, 0));
  assert.equal(expiryMs('2026-11-26'), Date.UTC(2026, 10, 26, 10, 0));
  assert.equal(expiryMs('2026-11-26', 'CDS'), Date.UTC(2026, 10, 26, 7, 0));
  // From 09:30 IST the same day (04:00 UTC): six hours = 6/8760 years.
  close(yearsToExpiry(Date.UTC(2026, 10, 26, 4, 0), '2026-11-26', 'NFO'), 6 / 8760, 1e-15, '6 h');
  // From 15:30 IST a week before: exactly 7/365.
  close(yearsToExpiry(Date.UTC(2026, 10, 19, 10, 0), '2026-11-26', 'NFO'), 7 / 365, 1e-15, '7 d');
  assert.equal(yearsToExpiry(Date.UTC(2026, 10, 26, 10, 0, 1), '2026-11-26', 'NFO'), 0);
  assert.ok(Number.isNaN(expiryMs('2026-02-30')));
  assert.ok(Number.isNaN(expiryMs('26NOV2026')));
  assert.ok(Number.isNaN(yearsToExpiry(NaN, '2026-11-26')));
});
