// Simulated Dhan as a venue: one login serves REST and every feed; a renewed token works on the
// feeds, a revoked one is refused there; depth comes from the live feed's market.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dhanRoots, fetchDhanProfile, renewDhanToken } from '../../brokers/dhan/auth';
import { DhanDepthFeed } from '../../brokers/dhan/depth-feed';
import { DhanFeed } from '../../brokers/dhan/feed';
import type { DhanPacket } from '../../brokers/dhan/codec';
import { cleanupAfterEach, until } from '../../testing';
import { defaultUniverse } from '../market/market';
import { DhanVenue } from './venue';

const cleanups = cleanupAfterEach();

test('its roots and credentials serve the profile, the scrip master and the live feed; renewals are accepted and revocations refused by the feeds', async () => {
  const universe = defaultUniverse({ optionStrikes: 2 });
  const venue = new DhanVenue({ instruments: universe, ticksPerSecond: 2000, seed: 9 });
  const { roots, credentials } = await venue.start();
  cleanups.push(() => venue.stop());
  assert.deepEqual(dhanRoots(roots.rest), { apiRoot: roots.api, authRoot: roots.auth });
  assert.equal(credentials.clientId, '1000000001');
  assert.deepEqual([credentials.apiKey, credentials.apiSecret], ['sim-dhan-key', 'sim-dhan-secret']);

  const profile = await fetchDhanProfile({ clientId: credentials.clientId, accessToken: credentials.accessToken, apiRoot: roots.api });
  assert.equal(profile.clientId, credentials.clientId);
  assert.equal(profile.dataPlanActive, true);
  const csv = await (await fetch(roots.scripMaster)).text();
  assert.equal(csv.trim().split('\n').length, universe.length + 1, 'a header and a row per instrument');

  const infy = universe.find((i) => i.symbol === 'INFY')!;
  const packets: DhanPacket[] = [];
  const open = (accessToken: string) => {
    const feed = new DhanFeed({ clientId: credentials.clientId, accessToken, root: roots.feed, backoff: { initialMs: 50, maxMs: 200, jitter: 0 }, onPacket: (p) => packets.push(p) });
    cleanups.push(() => feed.stop());
    feed.subscribe([{ securityId: infy.exchangeToken, segment: 'NSE_EQ' }], 'ticker');
    feed.start();
    return feed;
  };
  const first = open(credentials.accessToken);
  await until(() => packets.some((p) => p.kind === 'ticker' && p.securityId === infy.exchangeToken), 'ticks with the login token');

  const renewed = await renewDhanToken({ clientId: credentials.clientId, accessToken: credentials.accessToken, apiRoot: roots.api });
  assert.notEqual(renewed.accessToken, credentials.accessToken);
  packets.length = 0;
  first.stop();
  open(renewed.accessToken);
  await until(() => packets.some((p) => p.kind === 'ticker' && p.securityId === infy.exchangeToken), 'ticks with the renewed token');

  venue.rest.expireToken(credentials.accessToken);
  const stale = open(credentials.accessToken);
  await until(() => stale.state === 'login-needed', 'the expired token is refused by the feed');
  assert.deepEqual(stale.disconnects, [807]);
});

test('a depth simulator started later publishes the live feed\'s books and accepts the tokens issued before it', async () => {
  const universe = defaultUniverse({ optionStrikes: 2 });
  const venue = new DhanVenue({ instruments: universe, ticksPerSecond: 1000 });
  const { credentials } = await venue.start();
  cleanups.push(() => venue.stop());
  const rel = universe.find((i) => i.symbol === 'RELIANCE' && i.exchange === 'NSE')!;
  const root = await venue.startDepth([{ securityId: rel.exchangeToken, segment: 'NSE_EQ', token: rel.token }]);
  const bids: number[] = [];
  const depth = new DhanDepthFeed({ levels: 20, clientId: credentials.clientId, accessToken: credentials.accessToken, root, onSide: (s) => s.side === 'bid' && bids.push(s.price[0]) });
  cleanups.push(() => depth.stop());
  depth.subscribe([{ securityId: rel.exchangeToken, segment: 'NSE_EQ' }]);
  depth.start();
  await until(() => bids.length >= 3, 'bid sides');
  assert.equal(venue.depths[0].books.get(rel.exchangeToken), venue.feed.market.deepBook(rel.token), 'one book: the live feed\'s market');
  assert.equal(depth.disconnects.length, 0);
});
