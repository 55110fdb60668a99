// The registry as the one list of brokers: ids in `--broker` order, simulated brokers as their real
// broker's adapter over a venue, capabilities as data, error tables onto the one hierarchy, and the
// saved-session rules the CLI applies.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AccessDenied, AuthError, brokerError, errorKind, InputError, NetworkError, ProtocolError, RateLimited, TokenExpired } from './errors';
import { KITE_ERROR_TYPES, kiteRestError } from './kite/rest';
import { broker, brokerIds, brokers, findBroker, orList, realFirst } from './registry';

test('the registry lists sim, kite, sim-dhan, dhan, sim-fyers, fyers, sim-yahoo, yahoo, sim-upstox and upstox; a simulator speaks its real broker and needs no login', () => {
  assert.deepEqual(brokerIds(), ['sim', 'kite', 'sim-dhan', 'dhan', 'sim-fyers', 'fyers', 'sim-yahoo', 'yahoo', 'sim-upstox', 'upstox']);
  assert.deepEqual(
    brokers().map((b) => [b.id, b.protocol, b.simulated, b.has.login]),
    [
      ['sim', 'kite', true, ['none']],
      ['kite', 'kite', false, ['oauth-popup', 'loopback']],
      ['sim-dhan', 'dhan', true, ['none']],
      ['dhan', 'dhan', false, ['oauth-popup', 'loopback', 'pasted-token']],
      ['sim-fyers', 'fyers', true, ['none']],
      ['fyers', 'fyers', false, ['oauth-popup', 'loopback']],
      ['sim-yahoo', 'yahoo', true, ['none']],
      ['yahoo', 'yahoo', false, []],
      ['sim-upstox', 'upstox', true, ['none']],
      ['upstox', 'upstox', false, ['oauth-popup', 'loopback', 'pasted-token']],
    ],
  );
  assert.equal(findBroker('nse'), undefined);
  assert.throws(() => broker('nse'), /unknown broker "nse" \(sim, kite, sim-dhan, dhan, sim-fyers, fyers, sim-yahoo, yahoo, sim-upstox, upstox\)/);
  assert.deepEqual(realFirst(brokers()).map((b) => b.id), ['kite', 'dhan', 'fyers', 'yahoo', 'upstox', 'sim', 'sim-dhan', 'sim-fyers', 'sim-yahoo', 'sim-upstox']);
  assert.equal(orList(['a', 'b', 'c']), 'a, b or c');
  assert.equal(orList(['a']), 'a');
});

test('capabilities: depth levels and limits, history intervals and spans, whole-master recording', () => {
  const kite = broker('kite');
  const dhan = broker('dhan');
  assert.deepEqual(kite.has.depth, []);
  assert.deepEqual(dhan.has.depth, [
    { levels: 20, maxInstruments: 250 },
    { levels: 200, maxInstruments: 5 },
  ]);
  assert.deepEqual(broker('sim-dhan').has.depth, dhan.has.depth);
  assert.equal(kite.has.live.maxInstruments, 9000);
  assert.deepEqual(kite.has.history.intervals, ['1m', '3m', '5m', '10m', '15m', '30m', '1h', '1d']);
  assert.equal(kite.has.history.maxDaysPerRequest['1m'], 60);
  assert.deepEqual(dhan.has.history.intervals, ['1m', '5m', '15m', '25m', '1h', '1d']);
  assert.deepEqual([kite.has.history.ratePerSecond, dhan.has.history.ratePerSecond], [3, 5]);
  // A real broker's master is too large (or capped) to record whole; a simulator's universe is not.
  assert.deepEqual(
    brokers().map((b) => b.has.live.all),
    [true, false, true, false, true, false, true, false, true, false],
  );
});

test('error tables map broker codes onto the one hierarchy', () => {
  const kinds = (id: string, code: string) => brokerError(broker(id).errors[code], 'x', id);
  assert.ok(kinds('kite', 'TokenException') instanceof TokenExpired);
  assert.ok(kinds('kite', 'PermissionException') instanceof AccessDenied);
  assert.ok(kinds('kite', 'DataException') instanceof ProtocolError);
  assert.ok(kinds('kite', '429') instanceof RateLimited);
  assert.ok(kinds('dhan', 'DH-901') instanceof AuthError);
  assert.ok(kinds('dhan', 'DH-906') instanceof TokenExpired);
  assert.ok(kinds('dhan', 'DH-905') instanceof InputError);
  assert.ok(kinds('dhan', 'DH-908') instanceof NetworkError);
  assert.equal(broker('sim-dhan').errors, broker('dhan').errors);
});

test('saved sessions: a Kite session is its app key’s; a Dhan session fills in the client id', () => {
  const now = Date.now();
  const kiteSession = { broker: 'kite' as const, apiKey: 'app1', accessToken: 'tok', loginAt: now, expiresAt: now + 1000 };
  const kite = broker('kite').auth;
  assert.deepEqual(kite.adopt({}, kiteSession), { apiKey: 'app1', accessToken: 'tok' });
  assert.deepEqual(kite.adopt({ apiKey: 'app1' }, kiteSession), { apiKey: 'app1', accessToken: 'tok' });
  assert.equal(kite.adopt({ apiKey: 'app2' }, kiteSession), null, "another app's session");
  const dhanSession = { broker: 'dhan' as const, clientId: 'C1', accessToken: 'jwt', loginAt: now, expiresAt: now + 1000 };
  const dhan = broker('dhan').auth;
  assert.deepEqual(dhan.adopt({}, dhanSession), { clientId: 'C1', accessToken: 'jwt' });
  assert.deepEqual(dhan.adopt({ clientId: 'C2' }, dhanSession), { clientId: 'C2', accessToken: 'jwt' });
  assert.equal(kite.tokenEnv, 'KITE_ACCESS_TOKEN');
  assert.equal(dhan.tokenEnv, 'DHAN_ACCESS_TOKEN');
  // Kite's tokens end at 06:00 IST the next morning; Dhan's carry their own expiry.
  assert.equal(new Date(kite.expiry(Date.UTC(2026, 10, 30, 10, 0))!).toISOString(), '2026-12-01T00:30:00.000Z');
  assert.equal(dhan.expiry(now), undefined);
  // Only real brokers with a browser login log in from the command line (Yahoo needs none).
  assert.deepEqual(
    brokers().filter((b) => b.auth.login).map((b) => b.id),
    ['kite', 'dhan', 'fyers', 'upstox'],
  );
});

test('Kite REST errors go through its table: error_type first, then the status; a code named like an Object property is unknown', () => {
  const e = (status: number, errorType?: string) => kiteRestError(status, errorType === undefined ? null : { error_type: errorType, message: 'm' }, 'Kite historical');
  assert.ok(e(403, 'TokenException') instanceof TokenExpired);
  assert.equal(e(403, 'TokenException').message, 'Kite historical: HTTP 403 TokenException m: log in again');
  assert.ok(e(403) instanceof TokenExpired);
  assert.ok(e(400, 'PermissionException') instanceof AccessDenied);
  assert.ok(e(400, 'InputException') instanceof InputError);
  assert.ok(e(429) instanceof RateLimited);
  assert.ok(e(503, 'NetworkException') instanceof NetworkError);
  assert.ok(e(505) instanceof NetworkError, 'any 5xx is retried');
  assert.equal(e(505).retryable, true);
  for (const odd of ['constructor', '__proto__', 'toString']) {
    const x = e(400, odd);
    assert.equal(x.constructor.name, 'BrokerError', odd);
    assert.equal(x.retryable, false);
  }
  assert.equal(errorKind(KITE_ERROR_TYPES, 'hasOwnProperty', '429'), 'rate-limit');
});

test('capture formats: each real broker names its own (`tickdesk decode NAME`), a simulator records in its protocol’s', () => {
  assert.deepEqual(
    brokers().map((b) => [b.id, Object.keys(b.captures ?? {})]),
    [
      ['sim', []],
      ['kite', ['kite']],
      ['sim-dhan', []],
      ['dhan', ['dhan', 'dhan-depth20', 'dhan-depth200']],
      ['sim-fyers', []],
      ['fyers', ['fyers']],
      ['sim-yahoo', []],
      ['yahoo', ['yahoo']],
      ['sim-upstox', []],
      ['upstox', ['upstox']],
    ],
  );
  // Each decoder counts for itself: two files decoded in one process do not share counts.
  const f = broker('kite').captures!.kite;
  const a = f.decoder();
  a.decode(Buffer.from([0, 1]), 0, () => {});
  assert.match(a.summary(), /^decoded 1 frames: 0 ticks, 0 heartbeats, 1 malformed/);
  assert.match(f.decoder().summary(), /^decoded 0 frames: 0 ticks, 0 heartbeats, 0 malformed/);
});
