// Yahoo's "login": none — a browser's User-Agent, a cookie from fc.yahoo.com and a crumb from
// getcrumb, against the simulated Yahoo's endpoints: fetched once, renewed when Yahoo calls the
// crumb invalid, "Too Many Requests" never taken for a crumb, and no crumb no obstacle.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { YahooSimulator, type YahooSimOptions } from '../../sim/yahoo/server';
import { cleanupAfterEach } from '../../testing';
import { AuthError, ProtocolError, RateLimited } from '../errors';
import { BROWSER_USER_AGENT, fetchYahooCookie, readCrumb, YahooSession, yahooHeaders, yahooRoots } from './auth';
import { fetchYahooHistory } from './history';
import { yahooGet, yahooRestError } from './rest';

const cleanups = cleanupAfterEach();

async function simulator(o: YahooSimOptions = {}) {
  const sim = new YahooSimulator({ ticksPerSecond: 0, ...o });
  await sim.start();
  cleanups.push(() => sim.stop());
  return { sim, roots: yahooRoots(sim.restUrl, sim.wsUrl) };
}

/** Five weekdays of 5-minute bars ending now: never empty, whatever the day. */
const range = () => ({ from: Date.now() - 7 * 86400_000, to: Date.now() });

test("the real hosts, and one root for a simulator (its cookie page at /fc)", () => {
  assert.deepEqual(yahooRoots(), {
    ws: 'wss://streamer.finance.yahoo.com/',
    rest: 'https://query2.finance.yahoo.com',
    crumb: 'https://query1.finance.yahoo.com',
    fc: 'https://fc.yahoo.com',
  });
  assert.deepEqual(yahooRoots('http://127.0.0.1:9/', 'ws://127.0.0.1:9/'), { ws: 'ws://127.0.0.1:9/', rest: 'http://127.0.0.1:9', crumb: 'http://127.0.0.1:9', fc: 'http://127.0.0.1:9/fc' });
  assert.match(yahooHeaders()['User-Agent'], /^Mozilla\/5\.0 .* Chrome\/\d+/);
  assert.equal(yahooHeaders('A3=x').Cookie, 'A3=x');
});

test('getcrumb answers: a crumb; "Too Many Requests" is a rate limit whatever the status; a page is not a crumb', () => {
  assert.equal(readCrumb(200, 'dpzGUZ3a1Ab\n'), 'dpzGUZ3a1Ab');
  assert.equal(readCrumb(200, 'Ab/c.d9'), 'Ab/c.d9');
  assert.ok(readCrumb(429, 'Too Many Requests') instanceof RateLimited);
  assert.ok(readCrumb(200, 'Too Many Requests') instanceof RateLimited, 'the text alone (yfinance#2441)');
  assert.ok(readCrumb(200, '<html><body>consent</body></html>') instanceof ProtocolError);
  assert.ok(readCrumb(200, '') instanceof ProtocolError);
  assert.ok(readCrumb(200, '{"finance":{"result":null}}') instanceof ProtocolError);
  assert.ok(readCrumb(401, '{"finance":{"result":null,"error":{"code":"Unauthorized","description":"Invalid Cookie"}}}') instanceof ProtocolError);
});

test('the cookie from fc (a 404 that sets A3), then the crumb with it; chart requests carry both', async () => {
  const { sim, roots } = await simulator();
  const cookie = await fetchYahooCookie(roots.fc);
  assert.match(cookie!, /^A3=d=AQABBK[0-9a-f]+&S=AQAAA[0-9a-f]+$/);
  const session = new YahooSession({ roots });
  const crumb = await session.ensureCrumb();
  assert.match(crumb!, /^[!-~]{4,64}$/);
  assert.equal(await session.ensureCrumb(), crumb, 'fetched once');
  assert.match(session.headers().Cookie, /^A3=/);
  const { from, to } = range();
  const bars = await fetchYahooHistory({ restRoot: roots.rest, session }, 'SBIN.NS', '5m', from, to);
  assert.ok(bars.length > 0);
  assert.ok(sim.chartRequests.every((r) => r.crumb === crumb));
  assert.deepEqual(session.stats, { cookies: 1, crumbs: 1, renewals: 0, failures: 0 });
  assert.deepEqual([sim.stats.cookies, sim.stats.crumbs], [2, 1], 'our own fetchYahooCookie above, then the session');
});

test('"Invalid Crumb" from the chart: cookie and crumb fetched again, the request asked once more', async () => {
  const { sim, roots } = await simulator({ requireCrumb: true });
  const session = new YahooSession({ roots });
  const { from, to } = range();
  assert.ok((await fetchYahooHistory({ restRoot: roots.rest, session }, 'TCS.NS', '5m', from, to)).length > 0);
  sim.invalidateCrumbs();
  const again = await fetchYahooHistory({ restRoot: roots.rest, session }, 'TCS.NS', '5m', from, to);
  assert.ok(again.length > 0);
  assert.deepEqual(session.stats, { cookies: 2, crumbs: 2, renewals: 1, failures: 0 });
  assert.equal(sim.stats.chart.errors, 1, 'one 401, then served');
  // A cookie the server never set: no crumb comes with it, and the chart's 401 stands.
  const bad = new YahooSession({ roots, cookie: 'A3=not-one-of-its-cookies', crumb: true });
  await assert.rejects(fetchYahooHistory({ restRoot: roots.rest, session: bad, attempts: 1 }, 'TCS.NS', '5m', from, to), (e) => e instanceof AuthError);
});

test('a throttled getcrumb ("Too Many Requests") is a rate limit, retried with the chart request', async () => {
  const { sim, roots } = await simulator();
  const session = new YahooSession({ roots });
  sim.throttleCrumb(2);
  await assert.rejects(session.ensureCrumb(), RateLimited);
  const sleeps: number[] = [];
  const { from, to } = range();
  const bars = await fetchYahooHistory({ restRoot: roots.rest, session, retryMs: 10, sleep: async (ms) => void sleeps.push(ms) }, 'ITC.NS', '5m', from, to);
  assert.ok(bars.length > 0);
  assert.deepEqual(sleeps, [10], 'the second throttled crumb, then a good one');
  assert.equal(session.stats.crumbs, 1);
});

test('no crumb to be had (no cookie set): requests go without one, and it is not asked for again at once', async () => {
  const { sim, roots } = await simulator();
  let now = 1_000_000;
  const session = new YahooSession({ roots: { ...roots, fc: `${roots.rest}/no-cookie-here` }, now: () => now });
  const { from, to } = range();
  assert.ok((await fetchYahooHistory({ restRoot: roots.rest, session }, 'LT.NS', '5m', from, to)).length > 0);
  assert.equal(sim.chartRequests.at(-1)!.crumb, undefined);
  assert.equal(session.stats.failures, 1);
  assert.match(session.lastError, /set no cookie/);
  assert.equal(await session.ensureCrumb(), undefined, 'within ten minutes: not tried');
  assert.equal(session.stats.failures, 1);
  now += 600_001;
  assert.equal(await session.ensureCrumb(), undefined, 'tried again, failed again');
  assert.equal(session.stats.failures, 2);
  // Crumbs off: only the User-Agent (and a given cookie).
  const plain = new YahooSession({ roots, crumb: false, cookie: 'A3=mine' });
  assert.equal(await plain.ensureCrumb(), undefined);
  assert.equal(plain.headers().Cookie, 'A3=mine');
});

test('without a browser User-Agent Yahoo throttles: a plain-text 429, a RateLimited', async () => {
  const { roots } = await simulator();
  const bare = await yahooGet(`${roots.rest}/v8/finance/chart/INFY.NS?range=1d&interval=5m`, {}, 'Yahoo chart INFY.NS');
  assert.deepEqual(bare, { status: 429, body: 'Edge: Too Many Requests' });
  const err = yahooRestError(bare.status, bare.body, 'Yahoo chart INFY.NS');
  assert.ok(err instanceof RateLimited);
  assert.equal(err.message, 'Yahoo chart INFY.NS: HTTP 429 Edge: Too Many Requests');
  const ok = await yahooGet(`${roots.rest}/v8/finance/chart/INFY.NS?range=1d&interval=5m`, { 'User-Agent': BROWSER_USER_AGENT }, 'x');
  assert.equal(ok.status, 200);
});
