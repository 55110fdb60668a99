// "Connect broker" in the desktop app, under Node: the real popup logic in a stand-in window, a user
// logging in on the simulators' pages, secrets encrypted at rest, and the session handed to the
// engine (new token to the running feeds, or the engine started over with another broker).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type StoredSession } from '../engine/auth/session-store';
import { kiteExpiry } from '../engine/brokers/kite/auth';
import { AuthError } from '../engine/brokers/errors';
import { DhanRestSimulator } from '../engine/sim/dhan/rest-server';
import { KiteSimulator } from '../engine/sim/kite/server';
import { defaultUniverse } from '../engine/sim/market/market';
import { cleanupAfterEach } from '../engine/testing';
import type { EngineStart } from '../shared/desktop';
import { BrokerConnector, DEFAULT_INSTRUMENTS, type BrokerRoots } from './broker-connect';
import { runLoginPopup, type PopupSpec } from './login-popup';
import { InsecureStorage, SecretStore } from './secrets';
import { FakeWindow, fakeSafeStorage, simUser } from './testing';

const cleanups = cleanupAfterEach();

function harness(roots: BrokerRoots, fields: Record<string, string>, o: { dir?: string; backend?: string; now?: () => number; safe?: ReturnType<typeof fakeSafeStorage> } = {}) {
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'tickdesk-connect-'));
  const safe = o.safe ?? fakeSafeStorage(o.backend);
  const sessions: StoredSession[] = [];
  const restarts: EngineStart[] = [];
  const handedConfigs: EngineStart[] = [];
  const popups: PopupSpec[] = [];
  const connector = new BrokerConnector({
    settingsFile: join(dir, 'settings.json'),
    secrets: new SecretStore(join(dir, 'secrets.json'), safe, { platform: 'linux' }),
    openPopup: (spec) => {
      popups.push(spec);
      return runLoginPopup(new FakeWindow(simUser(fields)), spec);
    },
    sendSession: (s, c) => {
      sessions.push(s);
      handedConfigs.push(c);
    },
    restartEngine: (c) => restarts.push(c),
    roots,
    now: o.now,
  });
  return { dir, safe, connector, sessions, restarts, popups, handedConfigs };
}

test('Kite: key and secret once, popup login, token exchanged in main and kept encrypted; re-login hands the engine the new token', async () => {
  const redirectUrl = 'https://tickdesk.example/kite/callback';
  const sim = new KiteSimulator({ ticksPerSecond: 1, redirectUrl });
  await sim.start();
  cleanups.push(() => sim.stop());
  const roots: BrokerRoots = { kite: { restRoot: sim.restUrl, loginRoot: sim.restUrl, wsRoot: sim.wsUrl }, dhan: {} };
  const user = { user_id: 'SIM001', password: 'sim-password' };
  const h = harness(roots, user);
  assert.deepEqual(h.connector.engineStart(), { broker: 'sim', instruments: 'all' }, 'nothing chosen yet: the simulator');

  // Bad input is refused before anything happens.
  await assert.rejects(h.connector.connect({ broker: 'kite', apiKey: 'has spaces' }), /letters and digits/);
  await assert.rejects(h.connector.connect({ broker: 'kite', apiKey: sim.apiKey, apiSecret: sim.apiSecret, token: 'x' }), /Unrecognized key/);
  // The envelope takes every broker's kinds of field; Kite's own schema refuses those it does not use.
  await assert.rejects(h.connector.connect({ broker: 'kite', apiKey: sim.apiKey, apiSecret: sim.apiSecret, clientId: '1000001' }), /Unrecognized key.*clientId/s);
  await assert.rejects(h.connector.connect({ broker: 'kite', apiKey: sim.apiKey, apiSecret: sim.apiSecret, depth: 20 }), /Unrecognized key.*depth/s);
  await assert.rejects(h.connector.connect({ broker: 'nobroker', apiKey: sim.apiKey }), /no desktop login for nobroker/);
  await assert.rejects(h.connector.connect({ broker: 'kite' }), (e: Error) => e instanceof AuthError && /api key and api secret/.test(e.message));
  // A wrong secret: the broker refuses the checksum; nothing is kept, the engine untouched.
  await assert.rejects(h.connector.connect({ broker: 'kite', apiKey: sim.apiKey, apiSecret: 'not-the-secret', redirectUrl }), AuthError);
  assert.equal(h.connector.status().brokers[0].hasSecret, false);
  assert.deepEqual([h.sessions.length, h.restarts.length], [0, 0]);

  const before = Date.now();
  const r = await h.connector.connect({ broker: 'kite', apiKey: sim.apiKey, apiSecret: sim.apiSecret, redirectUrl, instruments: ['NSE:INFY', 'NSE:SBIN'] });
  assert.equal(r.user, 'SIM001');
  assert.ok(r.validUntil >= kiteExpiry(before) && r.validUntil <= kiteExpiry(Date.now()), '06:00 IST after the login');
  assert.ok(!JSON.stringify(r).includes(sim.apiSecret), 'the answer to the page carries no secret');
  assert.equal(h.popups[1].allowedOrigins[0], new URL(sim.restUrl).origin);
  // The engine starts over on Kite with the new token and the chosen instruments.
  assert.equal(h.restarts.length, 1);
  const start = h.restarts[0];
  assert.equal(start.broker, 'kite');
  assert.equal(start.apiKey, sim.apiKey);
  assert.deepEqual(start.instruments, ['NSE:INFY', 'NSE:SBIN']);
  assert.equal(start.restRoot, sim.restUrl);
  const ok = await fetch(`${sim.restUrl}/instruments/NSE`, { headers: { 'X-Kite-Version': '3', Authorization: `token ${sim.apiKey}:${start.accessToken}` } });
  assert.equal(ok.status, 200, 'the token handed over is one the broker accepts');
  assert.ok(!JSON.stringify(r).includes(start.accessToken!), 'the token never goes to the page');
  // At rest: secret and token encrypted, files 0600; the settings file holds no secret.
  const secretsFile = readFileSync(join(h.dir, 'secrets.json'), 'utf8');
  assert.ok(!secretsFile.includes(sim.apiSecret) && !secretsFile.includes(start.accessToken!), 'nothing in clear');
  assert.equal(statSync(join(h.dir, 'secrets.json')).mode & 0o777, 0o600);
  assert.equal(statSync(join(h.dir, 'settings.json')).mode & 0o777, 0o600);
  const settings = readFileSync(join(h.dir, 'settings.json'), 'utf8');
  assert.ok(!settings.includes(sim.apiSecret) && !settings.includes(start.accessToken!));
  const st = h.connector.status();
  assert.equal(st.recording, 'kite');
  assert.deepEqual(st.brokers[0], { broker: 'kite', apiKey: sim.apiKey, clientId: undefined, hasSecret: true, redirectUrl, instruments: ['NSE:INFY', 'NSE:SBIN'], depth: undefined, session: { user: 'SIM001', validUntil: r.validUntil } });

  // "Log in" again (the token died): no key or secret typed; the running feeds get the new token.
  await h.connector.connect({ broker: 'kite' });
  assert.equal(h.restarts.length, 1, 'no restart');
  assert.equal(h.sessions.length, 1);
  assert.equal(h.sessions[0].apiKey, sim.apiKey);
  assert.notEqual(h.sessions[0].accessToken, start.accessToken);
  assert.deepEqual(h.handedConfigs[0], { ...start, accessToken: h.sessions[0].accessToken, expiresAt: h.sessions[0].expiresAt }, 'a restart after a crash uses the new token');
  // One login at a time.
  const first = h.connector.connect({ broker: 'kite' });
  await assert.rejects(h.connector.connect({ broker: 'kite' }), /already in progress/);
  await first;

  // The app starts again: the stored session is used; past its expiry, never — the simulator and why.
  const again = harness(roots, user, { dir: h.dir, safe: h.safe });
  const s2 = again.connector.engineStart();
  assert.equal(s2.broker, 'kite');
  assert.equal(s2.accessToken, h.sessions[1].accessToken);
  const late = harness(roots, user, { dir: h.dir, safe: h.safe, now: () => r.validUntil + 1 });
  const s3 = late.connector.engineStart();
  assert.equal(s3.broker, 'sim');
  assert.match(s3.note!, /kite session has expired/);
  assert.equal(late.connector.status().brokers[0].session, null);

  // Disconnect: secret and session forgotten, back to the simulator.
  again.connector.disconnect('kite');
  assert.equal(again.restarts.at(-1)!.broker, 'sim');
  assert.equal(again.connector.status().brokers[0].hasSecret, false);
});

test('Linux without a keyring: refused before the login window opens, unless the user opts in to plain text', async () => {
  const redirectUrl = 'https://tickdesk.example/kite/callback';
  const sim = new KiteSimulator({ ticksPerSecond: 1, redirectUrl });
  await sim.start();
  cleanups.push(() => sim.stop());
  const roots: BrokerRoots = { kite: { restRoot: sim.restUrl, loginRoot: sim.restUrl }, dhan: {} };
  const h = harness(roots, { user_id: 'SIM001', password: 'sim-password' }, { backend: 'basic_text' });
  assert.match(h.connector.status().storageProblem!, /no system keyring/);
  const req = { broker: 'kite', apiKey: sim.apiKey, apiSecret: sim.apiSecret, redirectUrl } as const;
  await assert.rejects(h.connector.connect(req), (e: Error) => e instanceof InsecureStorage && /not connected: no system keyring/.test(e.message));
  assert.equal(h.popups.length, 0, 'no login window');
  await h.connector.connect({ ...req, allowPlainText: true });
  assert.equal(h.restarts[0].broker, 'kite');
  assert.equal(h.connector.status().storageProblem, null, 'the opt-in is remembered');
});

test('Dhan: consent flow in the popup, or a pasted token checked with the broker; the depth choice restarts the engine', async () => {
  const redirectUrl = 'https://tickdesk.example/dhan/callback';
  const rest = new DhanRestSimulator({ instruments: defaultUniverse({ optionStrikes: 2 }), redirectUrl });
  await rest.start();
  cleanups.push(() => rest.stop());
  const roots: BrokerRoots = { kite: { restRoot: 'http://127.0.0.1:1', loginRoot: 'http://127.0.0.1:1' }, dhan: { restRoot: rest.root, wsRoot: 'ws://127.0.0.1:2' } };
  const h = harness(roots, { clientId: rest.clientId, pin: '1234' });
  h.connector.engineStart();
  await assert.rejects(h.connector.connect({ broker: 'dhan', clientId: 'abc' }), /client id is digits/);
  // Depth choices are Dhan's (20 or 200, or 0 for none): anything else is refused before a login.
  await assert.rejects(h.connector.connect({ broker: 'dhan', clientId: '1000001', accessToken: 'x'.repeat(40), depth: 50 }), /depth/);
  await assert.rejects(h.connector.connect({ broker: 'dhan', clientId: rest.clientId }), /API key and secret, or paste an access token/);

  const r = await h.connector.connect({ broker: 'dhan', clientId: rest.clientId, apiKey: rest.apiKey, apiSecret: rest.apiSecret, redirectUrl, depth: 20 });
  assert.ok(r.validUntil > Date.now());
  assert.equal(h.popups[0].allowedOrigins[0], new URL(rest.root).origin);
  assert.equal(h.restarts.length, 1);
  const start = h.restarts[0];
  assert.deepEqual({ ...start, accessToken: undefined, expiresAt: undefined }, { broker: 'dhan', clientId: rest.clientId, accessToken: undefined, expiresAt: undefined, instruments: DEFAULT_INSTRUMENTS, depth: 20, restRoot: rest.root, wsRoot: 'ws://127.0.0.1:2' });
  const profile = await fetch(`${rest.apiRoot}/profile`, { headers: { 'access-token': start.accessToken!, 'client-id': rest.clientId } });
  assert.equal(profile.status, 200, 'the consumed token is one the broker accepts');

  // A pasted token that the broker refuses: a clear error, the session kept as it was.
  await assert.rejects(h.connector.connect({ broker: 'dhan', accessToken: 'x'.repeat(40) }), AuthError);
  assert.deepEqual([h.sessions.length, h.restarts.length], [0, 1]);
  // A good one (web.dhan.co): same account and instruments, so the running feeds take it.
  const pasted = rest.issueToken('SELF');
  await h.connector.connect({ broker: 'dhan', accessToken: pasted });
  assert.equal(h.sessions.length, 1);
  assert.equal(h.sessions[0].accessToken, pasted);
  assert.ok(!readFileSync(join(h.dir, 'secrets.json'), 'utf8').includes(pasted));
  // 200 levels instead of 20: a new engine configuration.
  await h.connector.connect({ broker: 'dhan', accessToken: rest.issueToken('SELF'), depth: 200 });
  assert.equal(h.restarts.length, 2);
  assert.equal(h.restarts[1].depth, 200);
  // Back to the 5 levels that come with ticks.
  await h.connector.connect({ broker: 'dhan', accessToken: rest.issueToken('SELF'), depth: 0 });
  assert.equal(h.restarts.length, 3);
  assert.equal(h.restarts[2].depth, undefined);
  assert.equal(h.connector.status().brokers[1].depth, undefined);
});
