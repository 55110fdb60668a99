import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bucketStart } from '../../../shared/model';
import { InputError, NetworkError, ProtocolError, RateLimited } from '../errors';
import { chartResultError, chartUrl, LOOKBACK_MARGIN_S, parseChart, planChartRequests, YAHOO_INTERVAL_LIMITS, type ChartResult } from './history';

// Yahoo writes float32 prices out as doubles: 1270.1 arrives as 1270.0999755859375.
const f = Math.fround;
/** Epoch seconds of an IST wall-clock time. */
const ist = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0) => Date.UTC(y, mo - 1, d, h, mi, s) / 1000 - 19800;

const META = {
  currency: 'INR',
  symbol: 'RELIANCE.NS',
  exchangeName: 'NSI',
  fullExchangeName: 'NSE',
  instrumentType: 'EQUITY',
  firstTradeDate: 820467900,
  regularMarketTime: ist(2024, 11, 22, 10, 5, 31),
  hasPrePostMarketData: false,
  gmtoffset: 19800,
  timezone: 'IST',
  exchangeTimezoneName: 'Asia/Kolkata',
  regularMarketPrice: f(1275.6),
  fiftyTwoWeekHigh: f(1608.8),
  fiftyTwoWeekLow: f(1201.5),
  regularMarketDayHigh: f(1281),
  regularMarketDayLow: f(1262.1),
  regularMarketVolume: 4_120_331,
  longName: 'Reliance Industries Limited',
  shortName: 'RELIANCE INDUSTRIES LTD',
  chartPreviousClose: f(1283.4),
  priceHint: 2,
  currentTradingPeriod: {
    pre: { timezone: 'IST', start: ist(2024, 11, 22, 9, 0), end: ist(2024, 11, 22, 9, 15), gmtoffset: 19800 },
    regular: { timezone: 'IST', start: ist(2024, 11, 22, 9, 15), end: ist(2024, 11, 22, 15, 30), gmtoffset: 19800 },
    post: { timezone: 'IST', start: ist(2024, 11, 22, 15, 30), end: ist(2024, 11, 22, 15, 59), gmtoffset: 19800 },
  },
  dataGranularity: '1d',
  range: '',
  validRanges: ['1d', '5d', '1mo', '3mo', '6mo', '1y', '2y', '5y', '10y', 'ytd', 'max'],
};

/**
 * A week of RELIANCE.NS daily bars as the chart API returns them while the market is open on
 * Friday: bars stamped at the 09:15 IST open, Wednesday 20 Nov (an exchange holiday, Maharashtra
 * elections) all null, and Friday twice — the day's bar and the live row at 10:05:31.
 */
const DAILY = {
  chart: {
    result: [
      {
        meta: META,
        timestamp: [ist(2024, 11, 18, 9, 15), ist(2024, 11, 19, 9, 15), ist(2024, 11, 20, 9, 15), ist(2024, 11, 21, 9, 15), ist(2024, 11, 22, 9, 15), ist(2024, 11, 22, 10, 5, 31)],
        indicators: {
          quote: [
            {
              open: [f(1283.4), f(1271.05), null, f(1261.5), f(1265), f(1265)],
              high: [f(1290.75), f(1285), null, f(1268.35), f(1279.9), f(1281)],
              low: [f(1268), f(1262.1), null, f(1241.6), f(1262.1), f(1262.1)],
              close: [f(1270.1), f(1278.25), null, f(1265.55), f(1274.2), f(1275.6)],
              volume: [9_812_204, 7_360_118, null, 11_022_871, 4_050_002, 4_120_331],
            },
          ],
          adjclose: [{ adjclose: [f(1262.3389), f(1270.5443), null, f(1257.8877), f(1266.5), f(1267.9)] }],
        },
      },
    ],
    error: null,
  },
};

function candlesOf(r: ChartResult) {
  assert.equal(r.kind, 'candles', JSON.stringify(r));
  return r as Extract<ChartResult, { kind: 'candles' }>;
}

test('daily bars: IST date buckets, paisa prices, the holiday\'s null bar skipped, the live row replacing its day', () => {
  const r = candlesOf(parseChart(200, JSON.stringify(DAILY), '1d'));
  const day = (d: number) => ist(2024, 11, d);
  assert.deepEqual(r.candles, [
    { t: day(18), o: 1283.4, h: 1290.75, l: 1268, c: 1270.1, v: 9_812_204 },
    { t: day(19), o: 1271.05, h: 1285, l: 1262.1, c: 1278.25, v: 7_360_118 },
    { t: day(21), o: 1261.5, h: 1268.35, l: 1241.6, c: 1265.55, v: 11_022_871 },
    { t: day(22), o: 1265, h: 1281, l: 1262.1, c: 1275.6, v: 4_120_331 },
  ]);
  // The buckets are Tickdesk's own daily buckets.
  for (const c of r.candles) assert.equal(c.t, bucketStart(c.t * 1000 + 9 * 3600_000, '1d'));
  assert.deepEqual(r.adjClose, [1262.3389, 1270.5443, 1257.8877, 1267.9]);
  assert.equal(r.nullBars, 1);
  assert.equal(r.mergedBars, 1);
  assert.equal(r.outOfOrderBars, 0);
  assert.equal(r.meta.gmtoffset, 19800);
  assert.equal(r.meta.exchangeTimezoneName, 'Asia/Kolkata');
  assert.equal(r.meta.priceHint, 2);
  assert.equal(r.meta.raw.longName, 'Reliance Industries Limited');
});

test('intraday bars keep Yahoo\'s bar start; a null minute is skipped; the live row folds into its minute', () => {
  const t0 = ist(2024, 11, 22, 9, 15);
  const body = {
    chart: {
      result: [
        {
          meta: { ...META, dataGranularity: '1m', range: '1d' },
          timestamp: [t0, t0 + 60, t0 + 120, t0 + 180, t0 + 222],
          indicators: {
            quote: [
              {
                open: [f(1265), null, f(1266.3), f(1267), f(1268.1)],
                high: [f(1267.45), null, f(1267.2), f(1268.5), f(1269.95)],
                low: [f(1264.05), null, f(1265.9), f(1266.8), f(1267.6)],
                close: [f(1266.2), null, f(1266.95), f(1268.1), f(1268.4)],
                volume: [182_113, null, 41_506, 38_270, 9_115],
              },
            ],
          },
        },
      ],
      error: null,
    },
  };
  const r = candlesOf(parseChart(200, JSON.stringify(body), '1m'));
  assert.deepEqual(r.candles, [
    { t: t0, o: 1265, h: 1267.45, l: 1264.05, c: 1266.2, v: 182_113 },
    { t: t0 + 120, o: 1266.3, h: 1267.2, l: 1265.9, c: 1266.95, v: 41_506 },
    // 09:18 and the live row at 09:18:42: open stays, high/low widen, close moves, volumes add.
    { t: t0 + 180, o: 1267, h: 1269.95, l: 1266.8, c: 1268.4, v: 38_270 + 9_115 },
  ]);
  assert.equal(r.adjClose, undefined);
  assert.deepEqual([r.nullBars, r.mergedBars], [1, 1]);
});

test('daily bars of other exchanges file under their local date; a 23:00 stamp is the next day (DST slip)', () => {
  const body = (gmtoffset: number, timestamp: number[]) =>
    JSON.stringify({
      chart: {
        result: [{ meta: { gmtoffset, priceHint: 2 }, timestamp, indicators: { quote: [{ open: [1, 1], high: [1, 1], low: [1, 1], close: [1, 1], volume: [5, 6] }] } }],
        error: null,
      },
    });
  // AAPL, New York (UTC−5): 09:30 EST opens on 21 and 22 Nov are 20:00 IST the same dates.
  const us = candlesOf(parseChart(200, body(-18000, [Date.UTC(2024, 10, 21, 14, 30) / 1000, Date.UTC(2024, 10, 22, 14, 30) / 1000]), '1d'));
  assert.deepEqual(us.candles.map((c) => c.t), [ist(2024, 11, 21), ist(2024, 11, 22)]);
  // São Paulo (UTC−3): a bar stamped 23:00 local on 9 Jan means 00:00 on 10 Jan.
  const br = candlesOf(parseChart(200, body(-10800, [Date.UTC(2022, 0, 10, 2) / 1000, Date.UTC(2022, 0, 11, 3) / 1000]), '1d'));
  assert.deepEqual(br.candles.map((c) => c.t), [ist(2022, 1, 10), ist(2022, 1, 11)]);
});

test('weekly: the live row of the running week folds into the week; rows going back in time are dropped', () => {
  const mon = ist(2024, 11, 18, 9, 15);
  const body = JSON.stringify({
    chart: {
      result: [
        {
          meta: { gmtoffset: 19800, priceHint: 2 },
          timestamp: [mon - 7 * 86400, mon, mon + 4 * 86400 + 3000, mon - 86400],
          indicators: { quote: [{ open: [10, 20, 21, 9], high: [12, 22, 25, 9], low: [9, 19, 18, 9], close: [11, 21, 24, 9], volume: [100, 200, 50, 1] }] },
        },
      ],
      error: null,
    },
  });
  const r = candlesOf(parseChart(200, body, '1wk'));
  assert.deepEqual(r.candles, [
    { t: ist(2024, 11, 11), o: 10, h: 12, l: 9, c: 11, v: 100 },
    { t: ist(2024, 11, 18), o: 20, h: 25, l: 18, c: 24, v: 250 },
  ]);
  assert.deepEqual([r.mergedBars, r.outOfOrderBars], [1, 1]);
});

test('no data: no timestamp and quote:[{}] is an empty list, not an error', () => {
  const body = JSON.stringify({ chart: { result: [{ meta: { ...META, dataGranularity: '1m' }, indicators: { quote: [{}] } }], error: null } });
  const r = candlesOf(parseChart(200, body, '1m'));
  assert.deepEqual(r.candles, []);
  assert.deepEqual([r.nullBars, r.mergedBars], [0, 0]);
  assert.equal(r.meta.symbol, 'RELIANCE.NS');
});

test('errors: Yahoo\'s error object, a 429 in plain text, an HTML page, truncated JSON — typed results, never a throw', () => {
  const notFound = parseChart(404, '{"chart":{"result":null,"error":{"code":"Not Found","description":"No data found, symbol may be delisted"}}}', '1d');
  assert.deepEqual(notFound, { kind: 'error', status: 404, code: 'Not Found', description: 'No data found, symbol may be delisted' });
  const err = chartResultError(notFound, 'RELIANC.NS')!;
  assert.ok(err instanceof InputError);
  assert.equal(err.retryable, false);
  assert.equal(err.message, 'Yahoo chart RELIANC.NS: Not Found: No data found, symbol may be delisted');

  const tooLong = parseChart(
    422,
    '{"chart":{"result":null,"error":{"code":"Unprocessable Entity","description":"1m data not available for startTime=1729000000 and endTime=1732000000. Only 8 days worth of 1m granularity data are allowed to be fetched per request."}}}',
    '1m',
  );
  assert.equal(tooLong.kind, 'error');
  assert.ok(chartResultError(tooLong, 'X') instanceof InputError);

  const throttled = parseChart(429, 'Edge: Too Many Requests', '1d');
  assert.deepEqual(throttled, { kind: 'rate-limited', status: 429, text: 'Edge: Too Many Requests' });
  const rl = chartResultError(throttled, 'RELIANCE.NS')!;
  assert.ok(rl instanceof RateLimited);
  assert.equal(rl.retryable, true);

  const html = parseChart(502, '<html><body>Bad Gateway</body></html>', '1d');
  assert.equal(html.kind, 'malformed');
  assert.ok(chartResultError(html, 'X') instanceof NetworkError);

  const cut = parseChart(200, JSON.stringify(DAILY).slice(0, 300), '1d');
  assert.equal(cut.kind, 'malformed');
  assert.ok(chartResultError(cut, 'X') instanceof ProtocolError);

  for (const body of ['{}', '{"chart":{"result":[],"error":null}}', '[]', 'null', '{"chart":{"result":[null]}}']) {
    assert.equal(parseChart(200, body, '1d').kind, 'malformed', body);
  }
  assert.equal(chartResultError(candlesOf(parseChart(200, JSON.stringify(DAILY), '1d')), 'X'), null);
});

test('chart URLs: a range or period1/period2, the interval, includePrePost, events', () => {
  assert.equal(chartUrl({ symbol: '^NSEI', interval: '1d', range: '1mo' }), 'https://query2.finance.yahoo.com/v8/finance/chart/%5ENSEI?range=1mo&interval=1d&includePrePost=false');
  assert.equal(
    chartUrl({ symbol: 'RELIANCE.NS', interval: '1m', period1: 1732246200, period2: 1732268700, includePrePost: true, events: 'div|split' }, 'http://127.0.0.1:9000/v8/finance/chart'),
    'http://127.0.0.1:9000/v8/finance/chart/RELIANCE.NS?period1=1732246200&period2=1732268700&interval=1m&includePrePost=true&events=div%7Csplit',
  );
  assert.equal(chartUrl({ symbol: 'USDINR=X', interval: '1h', range: '5d' }), 'https://query2.finance.yahoo.com/v8/finance/chart/USDINR%3DX?range=5d&interval=1h&includePrePost=false');
  assert.throws(() => chartUrl({ symbol: 'X', interval: '1d', period1: 5, period2: 5 }), InputError);
  assert.throws(() => chartUrl({ symbol: 'X', interval: '1d', period1: 5.5, period2: 9 }), InputError);
});

test('request plans: 1m in 8-day requests within the last 30 days; 60 days for 2m–90m; 730 for 1h; daily whole', () => {
  const now = ist(2024, 11, 22, 12);
  const D = 86400;
  assert.deepEqual(YAHOO_INTERVAL_LIMITS['1m'], { perRequestDays: 8, lookbackDays: 30 });

  assert.deepEqual(planChartRequests('1m', now - 20 * D, now, now), {
    windows: [
      { period1: now - 20 * D, period2: now - 12 * D },
      { period1: now - 12 * D, period2: now - 4 * D },
      { period1: now - 4 * D, period2: now },
    ],
  });
  // Older than 30 days: cut to the lookback (a minute inside it), and said so.
  const from1m = now - 30 * D + LOOKBACK_MARGIN_S;
  assert.deepEqual(planChartRequests('1m', now - 45 * D, now, now), {
    clippedFrom: from1m,
    windows: [
      { period1: from1m, period2: from1m + 8 * D },
      { period1: from1m + 8 * D, period2: from1m + 16 * D },
      { period1: from1m + 16 * D, period2: from1m + 24 * D },
      { period1: from1m + 24 * D, period2: now },
    ],
  });
  // Wholly older than the lookback: nothing to ask.
  assert.deepEqual(planChartRequests('1m', now - 60 * D, now - 40 * D, now), { windows: [], clippedFrom: from1m });

  for (const iv of ['2m', '5m', '15m', '30m', '90m'] as const) {
    assert.deepEqual(planChartRequests(iv, now - 90 * D, now, now), { clippedFrom: now - 60 * D + 60, windows: [{ period1: now - 60 * D + 60, period2: now }] }, iv);
  }
  for (const iv of ['60m', '1h'] as const) {
    assert.deepEqual(planChartRequests(iv, now - 1000 * D, now - 10 * D, now), { clippedFrom: now - 730 * D + 60, windows: [{ period1: now - 730 * D + 60, period2: now - 10 * D }] }, iv);
  }
  assert.deepEqual(planChartRequests('1d', 0, now, now), { windows: [{ period1: 0, period2: now }] });
  assert.deepEqual(planChartRequests('1d', now, now, now), { windows: [] });
});
