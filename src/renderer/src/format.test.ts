/* eslint-disable no-restricted-imports -- a unit test: it runs under Node, not in the page */
// The display formats every panel uses: Indian grouping, K / L / Cr, neutral zero, IST times.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { barTime, crosshairTime, decimalsFor, direction, expiryShort, grouped, istClock, pct, price, qty, qtyFull, signed, tickMarkLabel } from './format';

test('prices: Indian digit grouping at the instrument decimals', () => {
  assert.equal(price(24140.75), '24,140.75');
  assert.equal(price(51809.3), '51,809.30');
  assert.equal(price(820.05), '820.05');
  assert.equal(price(999.999), '1,000.00');
  assert.equal(price(12345678.9), '1,23,45,678.90');
  assert.equal(price(84.2525, 4), '84.2525');
  assert.equal(price(-1234.5), '-1,234.50');
  assert.equal(price(-0.001), '0.00', 'no negative zero');
  assert.equal(price(0), '0.00');
  assert.equal(price(undefined), '—');
  assert.equal(price(NaN), '—');
  assert.equal(grouped(123456789012, 0), '1,23,45,67,89,012');
  assert.equal(grouped(100000, 0), '1,00,000');
  assert.equal(grouped(1000, 0), '1,000');
  assert.equal(grouped(999, 0), '999');
});

test('grouping agrees with the platform\'s en-IN format on 2,000 random values', () => {
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let i = 0; i < 2000; i++) {
    const v = Math.round((rand() - 0.2) * 10 ** (1 + Math.floor(rand() * 10)) * 100) / 100;
    const d = i % 3 === 0 ? 4 : 2;
    const want = v.toLocaleString('en-IN', { minimumFractionDigits: d, maximumFractionDigits: d, useGrouping: true });
    assert.equal(price(v, d), want === '-0.00' || want === '-0.0000' ? want.slice(1) : want, `price(${v}, ${d})`);
  }
});

test('quantities in full: grouped whole numbers', () => {
  assert.equal(qtyFull(1234567), '12,34,567');
  assert.equal(qtyFull(75), '75');
  assert.equal(qtyFull(undefined), '—');
});

test('quantities: K / L / Cr with three significant digits, never "100K" or "100L"', () => {
  const cases: Array<[number, string]> = [
    [0, '0'],
    [7, '7'],
    [950, '950'],
    [999.4, '999'],
    [999.6, '1.00K'],
    [1000, '1.00K'],
    [6200, '6.20K'],
    [27_400, '27.4K'],
    [99_949, '99.9K'],
    [99_960, '1.00L'],
    [100_000, '1.00L'],
    [341_000, '3.41L'],
    [3_410_000, '34.1L'],
    [9_999_999, '1.00Cr'],
    [34_100_000, '3.41Cr'],
    [341_000_000, '34.1Cr'],
    [3_410_000_000, '341Cr'],
    [12_345_678_900, '1,235Cr'],
    [-27_400, '-27.4K'],
    [-0.2, '0'],
  ];
  for (const [v, want] of cases) assert.equal(qty(v), want, `qty(${v})`);
  assert.equal(qty(undefined), '—');
});

test('percentages and changes: zero (after rounding) is neutral, never "-0.00%"', () => {
  assert.equal(pct(1.449), '+1.45%');
  assert.equal(pct(-0.37), '-0.37%');
  assert.equal(pct(0), '0.00%');
  assert.equal(pct(-0.004), '0.00%');
  assert.equal(pct(0.004), '0.00%');
  assert.equal(pct(undefined), '—');
  assert.equal(direction(-0.004), 'flat');
  assert.equal(direction(-0.005), 'down');
  assert.equal(direction(0.02), 'up');
  assert.equal(direction(undefined), 'flat');
  assert.equal(signed(1234.5), '+1,234.50');
  assert.equal(signed(-0.05), '-0.05');
  assert.equal(signed(-0.001), '0.00');
});

test('IST times: the clock, a bar in the legend, the crosshair; daily bars by date, not 00:00:00', () => {
  // 2025-12-02 05:11:07 UTC = 10:41:07 IST, a Tuesday.
  const ms = Date.UTC(2025, 11, 2, 5, 11, 7);
  assert.equal(istClock(ms), '10:41:07');
  assert.equal(barTime(ms / 1000, '1m'), '02 Dec 10:41');
  assert.equal(barTime(ms / 1000, '1s'), '02 Dec 10:41:07');
  assert.equal(crosshairTime(ms / 1000, '5m'), "Tue 02 Dec '25 10:41");
  // A daily bar starts at IST midnight (18:30 UTC the day before).
  const day = Date.UTC(2025, 11, 1, 18, 30) / 1000;
  assert.equal(barTime(day, '1d'), 'Tue 02 Dec 2025');
  assert.equal(crosshairTime(day, '1d'), "Tue 02 Dec '25");
});

test('decimals from the tick size; expiries as traders say them', () => {
  assert.equal(decimalsFor(0.05), 2);
  assert.equal(decimalsFor(0.0025), 4);
  assert.equal(decimalsFor(1), 2);
  assert.equal(expiryShort('2025-12-24'), '24 Dec');
});

test('time-axis labels: the chart library’s own text (its toLocaleString, the oracle) without its cost', () => {
  // lightweight-charts' default (v5 horz-scale-behavior-time formatTickmark): the time's UTC parts
  // as a local Date, toLocaleString(locale, options by mark type).
  const options: Intl.DateTimeFormatOptions[] = [
    { year: 'numeric' },
    { month: 'short' },
    { day: 'numeric' },
    { hour12: false, hour: '2-digit', minute: '2-digit' },
    { hour12: false, hour: '2-digit', minute: '2-digit', second: '2-digit' },
  ];
  const library = (t: number, type: number) => {
    const e = new Date(t * 1000);
    return new Date(e.getUTCFullYear(), e.getUTCMonth(), e.getUTCDate(), e.getUTCHours(), e.getUTCMinutes(), e.getUTCSeconds()).toLocaleString('en-US', options[type]);
  };
  let rnd = 7;
  const next = () => (rnd = (rnd * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  let checked = 0;
  for (let k = 0; k < 3000; k++) {
    const t = Math.floor(1.6e9 + next() * 3e8); // 2020-2029
    const type = k % 5;
    const hour = new Date(t * 1000).getUTCHours();
    if (type >= 3 && hour === 0) continue; // the library's "24:05" (below)
    assert.equal(tickMarkLabel(t, type), library(t, type), `${t} type ${type}`);
    checked++;
  }
  assert.ok(checked > 2500);
  // 2026-12-01 00:05:07 and 09:15:00 (IST as UTC): the hour after midnight is 00, not 24.
  assert.equal(tickMarkLabel(Date.UTC(2026, 11, 1, 0, 5, 7) / 1000, 3), '00:05');
  assert.equal(tickMarkLabel(Date.UTC(2026, 11, 1, 0, 5, 7) / 1000, 4), '00:05:07');
  assert.equal(tickMarkLabel(Date.UTC(2026, 11, 1, 9, 15) / 1000, 3), '09:15');
  assert.equal(tickMarkLabel(Date.UTC(2026, 11, 1) / 1000, 1), 'Dec');
});
