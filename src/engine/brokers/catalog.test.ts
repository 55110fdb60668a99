// The UI's broker forms come from data: the Engine API's `brokers` answer is the registry's
// adapters with their capabilities, and each form field is one the desktop's ConnectRequest takes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConnectRequest, EngineStart } from '../../shared/desktop';
import { brokerInfo, desktopBroker, desktopBrokers } from './catalog';
import { brokers } from './registry';

test('brokerInfo: every registry adapter, in order, with its login kinds, depth, intervals and form, as plain data', () => {
  const infos = brokers().map(brokerInfo);
  assert.deepEqual(JSON.parse(JSON.stringify(infos)), infos, 'serializable as it is');
  assert.deepEqual(
    infos.map((b) => [b.id, b.name, b.title, b.protocol, b.simulated, b.login, b.depth]),
    [
      ['sim', 'Simulator (Kite protocol)', 'Zerodha Kite', 'kite', true, ['none'], []],
      ['kite', 'Kite', 'Zerodha Kite', 'kite', false, ['oauth-popup', 'loopback'], []],
      ['sim-dhan', 'Simulator (Dhan protocol)', 'Dhan', 'dhan', true, ['none'], [{ levels: 20, maxInstruments: 250 }, { levels: 200, maxInstruments: 5 }]],
      ['dhan', 'Dhan', 'Dhan', 'dhan', false, ['oauth-popup', 'loopback', 'pasted-token'], [{ levels: 20, maxInstruments: 250 }, { levels: 200, maxInstruments: 5 }]],
      ['sim-fyers', 'Simulator (Fyers protocol)', 'Fyers', 'fyers', true, ['none'], []],
      ['fyers', 'Fyers', 'Fyers', 'fyers', false, ['oauth-popup', 'loopback'], []],
      ['sim-yahoo', 'Simulator (Yahoo protocol)', 'Yahoo Finance', 'yahoo', true, ['none'], []],
      ['yahoo', 'Yahoo Finance', 'Yahoo Finance', 'yahoo', false, [], []],
      ['sim-upstox', 'Simulator (Upstox protocol)', 'Upstox', 'upstox', true, ['none'], [{ levels: 30, maxInstruments: 50 }]],
      ['upstox', 'Upstox', 'Upstox', 'upstox', false, ['oauth-popup', 'loopback', 'pasted-token'], [{ levels: 30, maxInstruments: 50 }]],
    ],
  );
  const byId = Object.fromEntries(infos.map((b) => [b.id, b]));
  assert.deepEqual(byId.kite.intervals, ['1m', '3m', '5m', '10m', '15m', '30m', '1h', '1d']);
  assert.deepEqual(byId.dhan.intervals, ['1m', '5m', '15m', '25m', '1h', '1d']);
  assert.deepEqual(byId.kite.credentials.map((c) => [c.key, c.label, !!c.secret]), [
    ['apiKey', 'API key', false],
    ['apiSecret', 'API secret', true],
    ['redirectUrl', 'Redirect URL registered for the app', false],
  ]);
  assert.deepEqual(byId.dhan.credentials.map((c) => c.key), ['clientId', 'apiKey', 'apiSecret', 'redirectUrl', 'accessToken']);
  assert.equal(byId.dhan.tokenSite, 'web.dhan.co');
  assert.equal(byId.kite.tokenSite, undefined);
});

test('each connectable broker’s form fields and depth choices are what the desktop ConnectRequest accepts; a pasted token only where has.login says so', () => {
  const sample: Record<string, string> = { apiKey: 'abcd1234', apiSecret: 'secret-secret', clientId: '1000000001', redirectUrl: 'http://127.0.0.1:8421/callback', accessToken: 'x'.repeat(40) };
  // Where a broker's key has a shape of its own (a Fyers app id is XXXXXXXX-100).
  const own: Record<string, Record<string, string>> = { fyers: { apiKey: 'XJ12345-100' } };
  const connectable = brokers().filter((b) => !b.simulated && b.has.login.includes('oauth-popup')).map(brokerInfo);
  assert.deepEqual(connectable.map((b) => b.id), ['kite', 'dhan', 'fyers', 'upstox']);
  for (const b of connectable) {
    const fields = Object.fromEntries(b.credentials.map((c) => [c.key, own[b.id]?.[c.key] ?? sample[c.key]]));
    // The dialog sends a depth only for a broker with depth feeds: 0 (ticks' own 5 levels) or one of has.depth.
    for (const depth of b.depth.length ? [undefined, 0, ...b.depth.map((d) => d.levels)] : [undefined]) {
      const req = { broker: b.id, ...fields, instruments: ['NSE:INFY'], ...(depth === undefined ? {} : { depth }) };
      // The envelope every broker shares, then the broker's own schema (main applies both).
      const parsed = ConnectRequest.safeParse(req);
      assert.ok(parsed.success, `${b.id} ${JSON.stringify(req)}: ${parsed.error?.message}`);
      const own = desktopBroker(b.id)!.login.request.safeParse(req);
      assert.ok(own.success, `${b.id} ${JSON.stringify(req)}: ${own.error?.message}`);
    }
    assert.equal(b.credentials.some((c) => c.key === 'accessToken'), b.login.includes('pasted-token'), `${b.id}: a token box exactly when a pasted token logs in`);
    assert.equal(b.tokenSite !== undefined, b.login.includes('pasted-token'));
  }
  // A depth the broker does not have is refused, so the select's choices must come from has.depth;
  // a broker without depth feeds takes none at all.
  for (const b of connectable) {
    const schema = desktopBroker(b.id)!.login.request;
    assert.equal(schema.safeParse({ broker: b.id, depth: 50 }).success, false, `${b.id}: depth 50`);
    if (!b.depth.length) assert.equal(schema.safeParse({ broker: b.id, depth: 0 }).success, false, `${b.id}: no depth field`);
  }
});

test('the desktop catalog is the registry’s real brokers with a popup login, with the same descriptors; each one’s engine start is a valid EngineStart', () => {
  const expected = brokers().filter((b) => !b.simulated && b.desktop && b.has.login.includes('oauth-popup'));
  assert.deepEqual(desktopBrokers().map((b) => b.info), expected.map(brokerInfo));
  assert.deepEqual(desktopBrokers().map((b) => [b.id, b.login.account]), [['kite', 'apiKey'], ['dhan', 'clientId'], ['fyers', 'apiKey'], ['upstox', 'clientId']]);
  assert.equal(desktopBroker('sim'), undefined, 'a simulator is not connected to');
  const session = { broker: 'kite' as const, accessToken: 'tok', loginAt: 1, expiresAt: 2 };
  const settings = { apiKey: 'abcd1234', clientId: '1000000001', redirectUrl: 'http://127.0.0.1:8421/callback', instruments: ['NSE:INFY'], depth: 20 as const };
  for (const b of desktopBrokers()) {
    const start = { broker: b.id, ...b.login.engineStart(settings, session, { restRoot: 'http://127.0.0.1:1', wsRoot: 'ws://127.0.0.1:2' }) };
    assert.ok(EngineStart.safeParse(start).success, `${b.id}: ${JSON.stringify(start)}`);
    assert.equal(start[b.login.account], settings[b.login.account], `${b.id} records with the account it names`);
  }
});
