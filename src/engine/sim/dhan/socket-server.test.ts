// Dhan's WebSocket simulators take whatever a client sends: requests that are no object, or whose
// fields have the wrong type, are passed over, and the socket and the process go on.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import WebSocket from 'ws';
import { decodeFeedFrame, type DhanPacket } from '../../brokers/dhan/codec';
import { decodeDepthFrame, type DhanDepthDisconnect, type DhanDepthSide } from '../../brokers/dhan/depth-codec';
import { cleanupAfterEach, until } from '../../testing';
import { defaultUniverse } from '../market/market';
import { DhanDepthSimulator } from './depth-server';
import { DhanFeedSimulator } from './feed-server';

const cleanups = cleanupAfterEach();

const JUNK = [
  'null',
  '42',
  '"subscribe"',
  '[]',
  '{"RequestCode":15,"InstrumentList":5}',
  '{"RequestCode":15,"InstrumentList":"abc"}',
  '{"RequestCode":15,"InstrumentList":[null,7,"x",{"SecurityId":null}]}',
  '{"RequestCode":"__proto__","InstrumentList":[{"ExchangeSegment":"NSE_EQ","SecurityId":"2885"}]}',
  '{"RequestCode":23,"InstrumentList":[null,{"ExchangeSegment":"__proto__","SecurityId":"2885"},{"ExchangeSegment":"constructor","SecurityId":"2885"}]}',
  '{"RequestCode":23,"ExchangeSegment":"toString","SecurityId":"2885"}',
];

async function open(url: string): Promise<{ ws: WebSocket; frames: Buffer[] }> {
  const ws = new WebSocket(url);
  const frames: Buffer[] = [];
  ws.on('message', (d: Buffer, binary) => binary && frames.push(d));
  await new Promise((r, j) => ws.once('open', r).once('error', j));
  cleanups.push(() => ws.terminate());
  return { ws, frames };
}

test('the live feed simulator passes over junk requests and serves the next subscribe', async () => {
  const universe = defaultUniverse({ optionStrikes: 2 });
  const sim = new DhanFeedSimulator({ instruments: universe, ticksPerSecond: 500 });
  await sim.start();
  cleanups.push(() => sim.stop());
  const { ws, frames } = await open(`${sim.root}/?version=2&token=sim-dhan-token&clientId=${sim.clientId}&authType=2`);
  for (const j of JUNK) ws.send(j);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(frames.length, 0, 'nothing subscribed by junk');
  assert.equal(sim.connectionCount, 1);
  ws.send(JSON.stringify({ RequestCode: 15, InstrumentCount: 1, InstrumentList: [{ ExchangeSegment: 'NSE_EQ', SecurityId: '2885' }] }));
  await until(() => frames.length > 0, 'packets after a good subscribe');
  const packets: DhanPacket[] = [];
  decodeFeedFrame(frames[0], (p) => packets.push(p));
  assert.deepEqual(packets.map((p) => [p.kind, p.securityId]), [['prevClose', 2885], ['ticker', 2885]]);
  assert.equal(ws.readyState, WebSocket.OPEN);
});

test('the depth simulator passes over junk requests and serves the next subscribe', async () => {
  const sim = new DhanDepthSimulator({ instruments: [{ securityId: 2885, segment: 'NSE_EQ' }], updatesPerSecond: 20 });
  await sim.start();
  cleanups.push(() => sim.stop());
  const { ws, frames } = await open(`${sim.root}/twentydepth?token=sim-dhan-token&clientId=${sim.clientId}&authType=2`);
  for (const j of JUNK) ws.send(j);
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(frames.length, 0, 'nothing subscribed by junk');
  ws.send(JSON.stringify({ RequestCode: 23, InstrumentCount: 1, InstrumentList: [{ ExchangeSegment: 'NSE_EQ', SecurityId: '2885' }] }));
  await until(() => frames.length > 0, 'a book after a good subscribe');
  const sides: Array<DhanDepthSide | DhanDepthDisconnect> = [];
  decodeDepthFrame(frames[0], 20, (p) => sides.push(p));
  assert.deepEqual(sides.map((s) => [s.kind, s.kind === 'depth' && s.side, s.securityId, s.segment]), [['depth', 'bid', 2885, 1], ['depth', 'ask', 2885, 1]]);
  assert.equal(ws.readyState, WebSocket.OPEN);
});
