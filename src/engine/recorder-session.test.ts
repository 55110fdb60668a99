// The session's life while recording (real-broker path, against the Kite simulator): a token the
// broker ends means "login needed"; a session saved by `tickdesk login` is picked up and the feed
// resumes with the same subscriptions; a token is retired at its expiry, never reused.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { saveSession } from './auth/session-store';
import { Recorder } from './recorder';
import { KiteSimulator } from './sim/kite/server';
import { defaultUniverse } from './sim/market/market';
import { cleanupAfterEach, until } from './testing';

const cleanups = cleanupAfterEach();

test('Kite: 403 → login needed; a new saved session resumes the same subscriptions; expiry retires the token', async () => {
  const universe = defaultUniverse({ optionStrikes: 2 });
  const sim = new KiteSimulator({ instruments: universe, ticksPerSecond: 800, accessTokens: ['day1'] });
  await sim.start();
  const dir = mkdtempSync(join(tmpdir(), 'tickdesk-session-'));
  saveSession({ broker: 'kite', apiKey: sim.apiKey, accessToken: 'day1', loginAt: Date.now(), expiresAt: Date.now() + 3600_000 }, dir);
  const rec = new Recorder({
    broker: 'kite',
    apiKey: sim.apiKey,
    accessToken: 'day1',
    instruments: ['NSE:INFY', 'NSE:SBIN'],
    mode: 'full',
    journalPath: join(dir, 'j.sqlite'),
    restRoot: sim.restUrl,
    wsRoot: sim.wsUrl,
    sessionDir: dir,
    sessionPollMs: 100,
    flushMs: 50,
  });
  cleanups.push(() => sim.stop(), () => rec.stop());
  await rec.start();
  const infy = rec.journal.findInstrument('NSE:INFY', 'kite')!;
  const sbin = rec.journal.findInstrument('NSE:SBIN', 'kite')!;
  await until(() => rec.journal.countTicks(infy.id) > 0 && rec.journal.countTicks(sbin.id) > 0, 'ticks for both');

  // The broker ends the token (logout elsewhere): the reconnect gets 403 → login needed, no storm.
  sim.revokeAccessToken('day1');
  sim.dropConnections();
  await until(() => rec.stats().state === 'login-needed', 'login needed');
  assert.ok(rec.notices.some((n) => /login needed \(kite\)/.test(n)));

  // The user runs `tickdesk login kite`: a new session file. The recorder resumes on its own.
  sim.grantAccessToken('day1-relogin');
  saveSession({ broker: 'kite', apiKey: sim.apiKey, accessToken: 'day1-relogin', loginAt: Date.now(), expiresAt: Date.now() + 1500 }, dir);
  await until(() => rec.stats().state === 'connected', 'connected again');
  const [a, b] = [rec.journal.countTicks(infy.id), rec.journal.countTicks(sbin.id)];
  await until(() => rec.journal.countTicks(infy.id) > a && rec.journal.countTicks(sbin.id) > b, 'both instruments stream again: subscriptions intact');
  assert.ok(rec.notices.some((n) => /new kite session picked up/.test(n)));

  // That session expires (06:00 IST in life, 1.5 s here): the token is retired even though the
  // broker would still accept it.
  await until(() => rec.stats().state === 'login-needed', 'retired at expiry', 5000);
  assert.ok(rec.notices.some((n) => /the kite session expired at/.test(n)));
  const n = rec.journal.countTicks(infy.id);
  await new Promise((r) => setTimeout(r, 400));
  rec.journal.flush();
  assert.ok(rec.journal.countTicks(infy.id) - n <= 5, 'no more data on the retired token');
});

test('desktop hand-over: useSession resumes the feeds without a session file; another key, an expired or the same token is refused', async () => {
  const universe = defaultUniverse({ optionStrikes: 2 });
  const sim = new KiteSimulator({ instruments: universe, ticksPerSecond: 800, accessTokens: ['t1'] });
  await sim.start();
  const dir = mkdtempSync(join(tmpdir(), 'tickdesk-handover-'));
  const rec = new Recorder({ broker: 'kite', apiKey: sim.apiKey, accessToken: 't1', instruments: ['NSE:INFY'], mode: 'quote', journalPath: join(dir, 'j.sqlite'), restRoot: sim.restUrl, wsRoot: sim.wsUrl, flushMs: 50 });
  cleanups.push(() => sim.stop(), () => rec.stop());
  await rec.start();
  const infy = rec.journal.findInstrument('NSE:INFY', 'kite')!;
  await until(() => rec.journal.countTicks(infy.id) > 0, 'ticks');
  sim.revokeAccessToken('t1');
  sim.dropConnections();
  await until(() => rec.stats().state === 'login-needed', 'login needed');

  const now = Date.now();
  sim.grantAccessToken('t2');
  assert.equal(rec.useSession({ broker: 'dhan', clientId: 'x', accessToken: 't2', loginAt: now, expiresAt: now + 3600_000 }), false, 'not this broker');
  assert.equal(rec.useSession({ broker: 'kite', apiKey: 'someone-else', accessToken: 't2', loginAt: now, expiresAt: now + 3600_000 }), false, 'another app');
  assert.equal(rec.useSession({ broker: 'kite', apiKey: sim.apiKey, accessToken: 't2', loginAt: now - 7200_000, expiresAt: now - 1 }), false, 'expired');
  assert.equal(rec.useSession({ broker: 'kite', apiKey: sim.apiKey, accessToken: 't1', loginAt: now, expiresAt: now + 3600_000 }), false, 'the current token');
  assert.equal(rec.stats().state, 'login-needed');
  assert.equal(rec.useSession({ broker: 'kite', apiKey: sim.apiKey, accessToken: 't2', loginAt: now, expiresAt: now + 3600_000 }), true);
  await until(() => rec.stats().state === 'connected', 'connected again');
  const n = rec.journal.countTicks(infy.id);
  await until(() => rec.journal.countTicks(infy.id) > n, 'INFY streams again');
  assert.equal(rec.history?.opts.accessToken, 't2', 'history uses the new token too');
});
