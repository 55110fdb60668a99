// An Engine API error answer carries no credential, whatever the failing method's error quoted
// (a broker URL with its token, an authorization header).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EngineService } from '../service';
import { until } from '../testing';
import { serveBridge } from './server';

test('an error answer quoting a URL with access_token and an authorization header is sent redacted', async () => {
  // The parts of the service the bridge uses; every call fails the way a broker call might.
  const service = {
    attachPage: () => ({ drain: () => [] }),
    detachPage: () => {},
    status: () => ({}),
    call: () => Promise.reject(new Error('Kite history: GET https://api.kite.trade/instruments?api_key=k1&access_token=s3cr3t failed (Authorization: token k1:s3cr3t)')),
  } as unknown as EngineService;
  const sent: string[] = [];
  let onMessage: (text: string) => void = () => {};
  const conn = serveBridge(service, { send: (t) => sent.push(t), onMessage: (fn) => (onMessage = fn), onClose: () => {} }, { statusMs: 60_000 });
  try {
    onMessage(JSON.stringify({ id: 3, method: 'status' }));
    await until(() => sent.some((t) => t.startsWith('{"id":3')), 'the answer');
    const answer = JSON.parse(sent.find((t) => t.startsWith('{"id":3'))!);
    assert.deepEqual(answer, {
      id: 3,
      error: { code: 'internal', message: 'Kite history: GET https://api.kite.trade/instruments?[redacted] failed (Authorization: token [redacted])' },
    });
  } finally {
    conn.close();
  }
});
