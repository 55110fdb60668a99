/* eslint-disable no-restricted-imports -- a unit test: it runs under Node, not in the page */
// When the page's live panels are stale, since when, and why.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EngineStatus, FeedStatus } from '../../../shared/api';
import { liveState, type LiveInputs } from './live-state';

const status = (feeds: FeedStatus[]) => ({ feeds }) as EngineStatus;
const base: LiveInputs = { connection: 'connected', lastHeardAt: null, silentSince: null, refused: null, status: status([{ feed: 'kite', state: 'connected', detail: '' }]), feedDownSince: {} };

test('connected, heard, every feed up: live', () => {
  assert.deepEqual(liveState(base), { stale: false, since: null, reason: '' });
});

test('before the first connection nothing is stale; after one, a lost engine is', () => {
  assert.equal(liveState({ ...base, connection: 'connecting', status: null }).stale, false);
  assert.deepEqual(liveState({ ...base, connection: 'disconnected', lastHeardAt: 1000, status: null }), { stale: true, since: 1000, reason: 'engine disconnected' });
});

test('a silent engine: stale since it last spoke', () => {
  assert.deepEqual(liveState({ ...base, lastHeardAt: 5000, silentSince: 5000 }), { stale: true, since: 5000, reason: 'engine not responding' });
});

test('a refused page outranks everything', () => {
  assert.deepEqual(liveState({ ...base, connection: 'disconnected', lastHeardAt: 7, refused: 'new token' }), { stale: true, since: 7, reason: 'the server refuses this page' });
});

test('feeds down: since the first went down, each named with its state', () => {
  const s = liveState({
    ...base,
    status: status([
      { feed: 'dhan', state: 'reconnecting', detail: '' },
      { feed: 'dhan-depth200', state: 'login-needed', detail: '' },
      { feed: 'x', state: 'connected', detail: '' },
    ]),
    feedDownSince: { dhan: 3000, 'dhan-depth200': 2000 },
  });
  assert.deepEqual(s, { stale: true, since: 2000, reason: 'dhan reconnecting, dhan-depth200 login needed' });
});
