// One market behind Dhan's live feed and its depth feed: what the main feed's Full packets say
// about the touch is what the 20-level depth feed shows, as on the real exchange.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cleanupAfterEach } from '../../testing';
import { DhanDepthFeed } from '../../brokers/dhan/depth-feed';
import { DhanFeed } from '../../brokers/dhan/feed';
import { DhanDepthSimulator } from './depth-server';
import { DhanFeedSimulator } from './feed-server';
import { defaultUniverse } from '../market/market';

const cleanups = cleanupAfterEach();

test('the live feed and the depth feed publish one book: Full-packet touch and volume agree with the depth feed', async () => {
  const universe = defaultUniverse({ optionStrikes: 4 });
  const feedSim = new DhanFeedSimulator({ instruments: universe, ticksPerSecond: 1500, seed: 11 });
  await feedSim.start();
  const rel = universe.find((i) => i.symbol === 'RELIANCE' && i.exchange === 'NSE')!;
  const depthSim = new DhanDepthSimulator({ market: feedSim.market, instruments: [{ securityId: rel.exchangeToken, segment: 'NSE_EQ', token: rel.token }], updatesPerSecond: 20 });
  await depthSim.start();
  cleanups.push(() => feedSim.stop(), () => depthSim.stop());

  const full: Array<{ ts: number; bid: number; ask: number }> = [];
  const depth: Array<{ ts: number; side: 'bid' | 'ask'; best: number }> = [];
  const feed = new DhanFeed({
    clientId: feedSim.clientId,
    accessToken: 'sim-dhan-token',
    root: feedSim.root,
    tickSizeOf: () => rel.tickSize,
    onPacket: (p, ts) => {
      if (p.kind === 'full' && p.securityId === rel.exchangeToken) full.push({ ts, bid: p.depth[0], ask: p.depth[15] });
    },
  });
  const depthFeed = new DhanDepthFeed({
    levels: 20,
    clientId: feedSim.clientId,
    accessToken: 'sim-dhan-token',
    root: depthSim.root,
    onSide: (s, ts) => depth.push({ ts, side: s.side, best: s.price[0] }),
  });
  cleanups.push(() => feed.stop(), () => depthFeed.stop());
  feed.subscribe([{ securityId: rel.exchangeToken, segment: 'NSE_EQ' }], 'full');
  depthFeed.subscribe([{ securityId: rel.exchangeToken, segment: 'NSE_EQ' }]);
  feed.start();
  depthFeed.start();
  const end = Date.now() + 10_000;
  while ((full.length < 40 || depth.length < 40) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  assert.ok(full.length >= 40 && depth.length >= 40, `${full.length} full packets, ${depth.length} depth sides`);

  // Pair each Full packet with the depth feed's latest bid and ask received before it.
  const diffs: number[] = [];
  for (const f of full) {
    const bid = depth.filter((d) => d.side === 'bid' && d.ts <= f.ts).at(-1);
    const ask = depth.filter((d) => d.side === 'ask' && d.ts <= f.ts).at(-1);
    if (!bid || !ask) continue;
    diffs.push(Math.round(Math.abs(f.bid - bid.best) / rel.tickSize), Math.round(Math.abs(f.ask - ask.best) / rel.tickSize));
  }
  diffs.sort((a, b) => a - b);
  assert.ok(diffs.length >= 40);
  assert.ok(diffs[Math.floor(diffs.length / 2)] <= 1, `median touch difference ${diffs[Math.floor(diffs.length / 2)]} ticks`);
  assert.ok(diffs.at(-1)! <= 10, `largest touch difference ${diffs.at(-1)} ticks`);
  // And the book the depth feed publishes is the model's book.
  const q = feedSim.market.quote(rel.token)!;
  assert.equal(q.depth[0], depthSim.books.get(rel.exchangeToken)!.bids.levels[0].price);
});
