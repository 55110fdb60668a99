// Simulated Kite as a venue: the roots and credentials it returns are all a client needs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import WebSocket from 'ws';
import { decodeFramePackets } from '../../brokers/kite/codec';
import { parseKiteInstrumentsCsv } from '../../brokers/kite/instruments';
import { cleanupAfterEach } from '../../testing';
import { defaultUniverse, kiteToken } from '../market/market';
import { KiteVenue } from './venue';

const cleanups = cleanupAfterEach();
const INFY = kiteToken(1594, 1);

test('its roots and a fresh access token serve the instruments, the ticker and the login page; stop closes them', async () => {
  const universe = defaultUniverse({ optionStrikes: 2 });
  const venue = new KiteVenue({ instruments: universe, ticksPerSecond: 2000, seed: 3 });
  const { roots, credentials } = await venue.start();
  cleanups.push(() => venue.stop());
  assert.equal(credentials.apiKey, 'sim_api_key');
  assert.equal(credentials.apiSecret, 'sim_api_secret');
  assert.match(credentials.accessToken, /^[0-9a-f]{32}$/);
  assert.notEqual(credentials.accessToken, 'sim_access_token', 'a token of its own, not the built-in one');

  const res = await fetch(`${roots.rest}/instruments`, { headers: { Authorization: `token ${credentials.apiKey}:${credentials.accessToken}` } });
  assert.equal(res.status, 200);
  const rows = parseKiteInstrumentsCsv(await res.text());
  assert.deepEqual(rows.map((r) => r.instrumentToken), universe.map((i) => i.token));

  const login = await fetch(`${roots.login}/connect/login?v=3&api_key=${credentials.apiKey}`);
  assert.equal(login.status, 200);
  assert.match(await login.text(), /<form method="post" action="\/connect\/login">/);

  const ws = new WebSocket(`${roots.ws}?api_key=${credentials.apiKey}&access_token=${credentials.accessToken}`);
  const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
  await new Promise((r, j) => ws.once('open', r).once('error', j));
  const first = new Promise<ReturnType<typeof decodeFramePackets>>((r) => ws.on('message', (d: Buffer) => d.length > 1 && r(decodeFramePackets(d))));
  ws.send(JSON.stringify({ a: 'subscribe', v: [INFY] }));
  const packets = await first;
  assert.equal(packets[0].token, INFY);
  assert.equal(packets[0].mode, 'quote');

  await venue.stop();
  assert.equal(await closed, 1006);
  await assert.rejects(fetch(`${roots.rest}/instruments`), 'nothing listens after stop');
});
