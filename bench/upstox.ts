// Upstox Market Data Feed V3 decode rate: our hand-written protobuf reader against the official SDK's
// path over the same frames. The SDK (upstox-js-sdk MarketDataFeederV3) decodes with protobufjs
// reflection (`lookupType(FeedResponse).decode`) and its streamer then emits JSON.stringify of the
// message (Message#toJSON = toObject with longs and enums as strings). Measured here: that decode
// alone, decode + toObject({longs: Number}) (the same plain objects ours gives), and the emitted JSON.
import { createRequire } from 'node:module';
import protobuf from 'protobufjs';
import { decodeFeedResponse, encodeFeedResponse, newDecodeStats, type Feed, type FeedResponse, type Quote } from '../src/engine/brokers/upstox/codec';
import { mulberry32 } from '../src/engine/sim/market/random';
import { fmt, timeLoop as timeLoopOps } from './util';

const require = createRequire(import.meta.url);

const timeLoop = (fn: () => number, minMs?: number): number => timeLoopOps(fn, minMs).opsPerSec;

/** 200 live_feed frames of 20 full_d5 feeds each (options with greeks, 1d and I1 bars), like a busy full subscription. */
function sampleFrames(): Buffer[] {
  const rnd = mulberry32(12);
  const px = (base: number) => Math.round(base * (1 + (rnd() - 0.5) * 0.02) * 20) / 20;
  const day0 = Date.UTC(2026, 0, 5, 3, 45);
  const frames: Buffer[] = [];
  for (let f = 0; f < 200; f++) {
    const now = day0 + f * 250;
    const feeds = new Map<string, Feed>();
    for (let k = 0; k < 20; k++) {
      const option = k % 2 === 1;
      const base = option ? 150 + k : 1500 + 37 * k;
      const ltp = px(base);
      const rows: Quote[] = Array.from({ length: 5 }, (_, i) => ({
        bidQ: 75 * (1 + Math.floor(rnd() * 40)),
        bidP: Math.round((ltp - 0.05 * (i + 1)) * 20) / 20,
        askQ: 75 * (1 + Math.floor(rnd() * 40)),
        askP: Math.round((ltp + 0.05 * (i + 1)) * 20) / 20,
      }));
      feeds.set(option ? `NSE_FO|${45000 + k}` : `NSE_EQ|INE${String(100000 + k)}A01020`, {
        requestMode: 'full_d5',
        marketFF: {
          ltpc: { ltp, ltt: now - Math.floor(rnd() * 1000), ltq: 75 * (1 + Math.floor(rnd() * 10)), cp: base },
          marketLevel: rows,
          optionGreeks: option ? { delta: rnd(), theta: -rnd() * 10, gamma: rnd() / 100, vega: rnd() * 20, rho: rnd() } : undefined,
          marketOHLC: [
            { interval: '1d', open: base, high: px(base * 1.01), low: px(base * 0.99), close: ltp, vol: 1_000_000 + f * 100, ts: day0 - 33_300_000 },
            { interval: 'I1', open: ltp, high: ltp, low: ltp, close: ltp, vol: 1000 + f, ts: now - (now % 60_000) },
          ],
          atp: px(base),
          vtt: 1_000_000 + f * 100 + k,
          oi: option ? 1_234_500 : 0,
          iv: option ? 0.1 + rnd() / 10 : 0,
          tbq: 100_000 + Math.floor(rnd() * 1e5),
          tsq: 100_000 + Math.floor(rnd() * 1e5),
          iep: 0,
          rp: 0,
          ieq: 0,
          iiqTotal: 0,
          iiqM: 0,
          casEligible: false,
        },
      });
    }
    const r: FeedResponse = { type: 'live_feed', currentTs: now, feeds };
    frames.push(encodeFeedResponse(r));
  }
  return frames;
}

export function benchUpstoxDecode(): void {
  const frames = sampleFrames();
  const feedsPerPass = frames.length * 20;
  const bytes = frames.reduce((n, f) => n + f.length, 0);
  // The SDK's steps (MarketDataFeederV3 initProtobuf + decodeProtobuf) with its own .proto, loaded
  // synchronously here instead of with its async protobuf.load.
  const root = protobuf.loadSync(require.resolve('upstox-js-sdk/dist/feeder/proto/MarketDataFeedV3.proto'));
  const FeedResponseType = root.lookupType('com.upstox.marketdatafeederv3udapi.rpc.proto.FeedResponse');
  const sdk = { decodeProtobuf: (b: Uint8Array) => root.lookupType('com.upstox.marketdatafeederv3udapi.rpc.proto.FeedResponse').decode(b) };

  const stats = newDecodeStats();
  let sink = 0;
  const ours = timeLoop(() => {
    for (const f of frames) sink += decodeFeedResponse(f, stats)!.feeds.size;
    return feedsPerPass;
  });
  const sdkDecode = timeLoop(() => {
    for (const f of frames) sink += sdk.decodeProtobuf(f) ? 1 : 0;
    return feedsPerPass;
  });
  const sdkObject = timeLoop(() => {
    for (const f of frames) sink += FeedResponseType.toObject(sdk.decodeProtobuf(f), { longs: Number, enums: String }) ? 1 : 0;
    return feedsPerPass;
  });
  const sdkJson = timeLoop(() => {
    for (const f of frames) sink += JSON.stringify(sdk.decodeProtobuf(f)).length;
    return feedsPerPass;
  });
  if (sink === 0 || stats.malformedFrames > 0) console.log('(sink)');
  console.log(`\nUpstox V3 full_d5 decode (20 feeds per frame, ${Math.round(bytes / frames.length)} bytes per frame)`);
  console.log(`  tickdesk codec                     ${fmt(ours).padStart(12)} feeds/s`);
  console.log(`  SDK decodeProtobuf (Longs)         ${fmt(sdkDecode).padStart(12)} feeds/s`);
  console.log(`  SDK decode + toObject(longs:Number)${fmt(sdkObject).padStart(12)} feeds/s`);
  console.log(`  SDK decode + JSON (what it emits)  ${fmt(sdkJson).padStart(12)} feeds/s`);
  console.log(`  ratio vs decode + toObject         ${(ours / sdkObject).toFixed(1).padStart(12)}×`);
  console.log(`  ratio vs decode alone              ${(ours / sdkDecode).toFixed(1).padStart(12)}×`);
}
