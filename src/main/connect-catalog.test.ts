// The desktop "Connect broker" is driven by the engine's catalog (brokers/catalog.ts): main's status
// offers the page exactly those brokers with their forms, and only a catalog broker is recorded from.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { desktopBrokers } from '../engine/brokers/catalog';
import { BrokerConnector, REAL_ROOTS, rootsFromEnv } from './broker-connect';
import { SecretStore } from './secrets';
import { fakeSafeStorage } from './testing';

function connector(settings?: object) {
  const dir = mkdtempSync(join(tmpdir(), 'tickdesk-connect-catalog-'));
  if (settings) writeFileSync(join(dir, 'settings.json'), JSON.stringify(settings));
  return new BrokerConnector({
    settingsFile: join(dir, 'settings.json'),
    secrets: new SecretStore(join(dir, 'secrets.json'), fakeSafeStorage(), { platform: 'linux' }),
    openPopup: () => Promise.reject(new Error('no popup in this test')),
    sendSession: () => assert.fail('no session in this test'),
    restartEngine: () => assert.fail('no restart in this test'),
    roots: REAL_ROOTS,
  });
}

test('status offers the catalog’s brokers with their forms, one connection each, in the same order', () => {
  const st = connector().status();
  assert.deepEqual(st.connectable, desktopBrokers().map((b) => b.info));
  assert.deepEqual(st.connectable.map((b) => [b.id, b.title, b.credentials.map((c) => c.key), b.depth.map((d) => d.levels)]), [
    ['kite', 'Zerodha Kite', ['apiKey', 'apiSecret', 'redirectUrl'], []],
    ['dhan', 'Dhan', ['clientId', 'apiKey', 'apiSecret', 'redirectUrl', 'accessToken'], [20, 200]],
    ['fyers', 'Fyers', ['apiKey', 'apiSecret', 'redirectUrl'], []],
    ['upstox', 'Upstox', ['apiKey', 'apiSecret', 'redirectUrl', 'accessToken'], [30]],
  ]);
  assert.deepEqual(st.brokers.map((b) => b.broker), ['kite', 'dhan', 'fyers', 'upstox']);
  assert.deepEqual(JSON.parse(JSON.stringify(st.connectable)), st.connectable, 'crosses the IPC as it is');
});

test('a settings file naming a broker outside the catalog (or a simulator) records from the simulator', () => {
  for (const recording of ['sim-dhan', 'nope', 42]) assert.deepEqual(connector({ recording }).engineStart(), { broker: 'sim', instruments: 'all' }, String(recording));
  // A catalog broker without a session: the simulator, saying why.
  assert.equal(connector({ recording: 'dhan' }).engineStart().note, 'the dhan session has expired or is missing: connect again to record from dhan');
});

test('broker roots from the environment: TICKDESK_<ID>_REST/WS/LOGIN_ROOT per catalog broker; a REST root doubles as the login root', () => {
  const ids = desktopBrokers().map((b) => b.id);
  assert.deepEqual(rootsFromEnv(ids, {}), {}, 'nothing set: every broker at its own hosts');
  const env = { TICKDESK_KITE_REST_ROOT: 'http://127.0.0.1:9001', TICKDESK_KITE_WS_ROOT: 'ws://127.0.0.1:9002', TICKDESK_DHAN_WS_ROOT: 'ws://127.0.0.1:9003', TICKDESK_DHAN_LOGIN_ROOT: 'http://127.0.0.1:9004' };
  assert.deepEqual(rootsFromEnv(ids, env), {
    kite: { restRoot: 'http://127.0.0.1:9001', wsRoot: 'ws://127.0.0.1:9002', loginRoot: 'http://127.0.0.1:9001' },
    dhan: { restRoot: undefined, wsRoot: 'ws://127.0.0.1:9003', loginRoot: 'http://127.0.0.1:9004' },
  });
  assert.deepEqual(Object.keys(rootsFromEnv(['sim-x'], { TICKDESK_SIM_X_REST_ROOT: 'http://h' })), ['sim-x']);
});
