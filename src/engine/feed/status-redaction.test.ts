// A feed's status detail and its gaps carry no credential: a bad root makes `ws` quote the whole
// URL, access token included, and that text travels to the status bar, the journal and the page.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { WebSocketServer } from 'ws';
import type { EngineStatus } from '../../shared/api';
import { Reassembler } from '../../shared/bridge';
import { serveBridge } from '../bridge/server';
import { Recorder } from '../recorder';
import { EngineService } from '../service';
import { KiteSimulator } from '../sim/kite/server';
import { defaultUniverse } from '../sim/market/market';
import { cleanupAfterEach, until } from '../testing';
import { FeedConnection, type GapRecorder } from './connection';

const cleanups = cleanupAfterEach();
const TOKEN = 'kite-access-s3cr3t-0123456789';

test('a bad ws root carrying access_token: the status seen through the service and the bridge has no token', async () => {
  const sim = new KiteSimulator({ instruments: defaultUniverse({ optionStrikes: 2 }), ticksPerSecond: 1, accessTokens: [TOKEN] });
  await sim.start();
  const dir = mkdtempSync(join(tmpdir(), 'tickdesk-redact-'));
  // "bogus-root" is no URL: ws throws "Invalid URL: bogus-root?api_key=…&access_token=…".
  const rec = new Recorder({ broker: 'kite', apiKey: sim.apiKey, accessToken: TOKEN, instruments: ['NSE:INFY'], mode: 'quote', journalPath: join(dir, 'j.sqlite'), restRoot: sim.restUrl, wsRoot: 'bogus-root', flushMs: 50 });
  cleanups.push(() => sim.stop(), () => rec.stop());
  await rec.start();
  const service = new EngineService(rec);
  service.start();
  cleanups.push(() => service.stop());

  const sent: string[] = [];
  const statuses: EngineStatus[] = [];
  const reassembler = new Reassembler();
  let onMessage: (text: string) => void = () => {};
  const conn = serveBridge(
    service,
    {
      send: (text) => {
        sent.push(text);
        const msg = reassembler.accept(text) as { event?: string; data?: EngineStatus; events?: Array<[string, EngineStatus]> } | undefined;
        if (msg?.event === 'status') statuses.push(msg.data!);
        for (const [event, data] of msg?.events ?? []) if (event === 'status') statuses.push(data);
      },
      onMessage: (fn) => (onMessage = fn),
      onClose: () => {},
    },
    { statusMs: 50 },
  );
  cleanups.push(() => conn.close());
  await until(() => statuses.some((s) => s.feeds.some((f) => /bad url/.test(f.detail))), 'the bad url in the status');
  onMessage(JSON.stringify({ id: 7, method: 'status' }));
  await until(() => sent.some((t) => t.startsWith('{"id":7')), 'the status answer');

  const detail = statuses.flatMap((s) => s.feeds).find((f) => /bad url/.test(f.detail))!.detail;
  assert.match(detail, /^kite conn 0: bad url: Invalid URL: bogus-root\?api_key=\[redacted\]&access_token=\[redacted\]; retry in \d+ ms$/);
  const answer = JSON.parse(sent.find((t) => t.startsWith('{"id":7'))!) as { result: EngineStatus };
  assert.match(answer.result.feeds[0].detail, /access_token=\[redacted\]/);
  for (const text of sent) assert.ok(!text.includes(TOKEN), `no token in ${text.slice(0, 200)}`);
  // The engine's own view is redacted too (the CLI's progress line prints it).
  assert.ok(!rec.stats().stateDetail.includes(TOKEN));
});

test('a gap and the login-needed detail are written without the credential an adapter quoted', async () => {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((r) => wss.once('listening', r));
  cleanups.push(() => new Promise((r) => wss.close(r)));
  const gaps: string[] = [];
  const recorder: GapRecorder = { openGap: (_feed, _conn, _ts, reason) => gaps.push(reason), closeGap: () => {} };
  const port = (wss.address() as { port: number }).port;
  const conn = new FeedConnection({ feed: 'kite', index: 0, url: () => `ws://127.0.0.1:${port}/`, gaps: recorder, onOpen: () => {}, onBinary: () => {} });
  cleanups.push(() => conn.stop());
  conn.start();
  await until(() => conn.state === 'connected', 'connected');
  conn.failAuth('token refused (token=abc123 Authorization: token key:abc123)');
  assert.deepEqual(gaps, ['login needed: token refused (token=[redacted] Authorization: token [redacted])']);
  assert.equal(conn.state, 'login-needed');
  assert.equal(conn.detail, 'token refused (token=[redacted] Authorization: token [redacted])');
});
