// Yahoo streamer decode rate: the hand-written reader (src/engine/brokers/yahoo/codec.ts) against
// protobufjs reflection on the same `{"type":"pricing","message":"<base64>"}` frames, both paying for
// the JSON and base64 unwrapping. Run alone: `node --import tsx bench/yahoo.ts`.
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { decodeFrame, decodePricingData, encodePricingData, encodePricingFrame, newDecodeStats, QuoteType, type PricingData } from '../src/engine/brokers/yahoo/codec';
import { mulberry32 } from '../src/engine/sim/market/random';
import { fmt, timeLoop } from './util';

const PROTO = fileURLToPath(new URL('../src/engine/brokers/yahoo/proto/pricing.proto', import.meta.url));


/** What an NSE session streams: equities and indices, with some index options. */
function sampleMessages(n: number): Array<Partial<PricingData>> {
  const rnd = mulberry32(12);
  const names = ['RELIANCE.NS', 'HDFCBANK.NS', 'INFY.NS', 'TCS.NS', 'SBIN.NS', '^NSEI', '^NSEBANK', 'NIFTY24D1924500CE.NS'];
  const t0 = Date.UTC(2026, 10, 20, 4, 0);
  return Array.from({ length: n }, (_, i) => {
    const id = names[i % names.length];
    const index = id.startsWith('^');
    const option = id.startsWith('NIFTY2');
    const price = option ? 50 + rnd() * 200 : index ? 24000 + rnd() * 2000 : 500 + rnd() * 3000;
    const prev = price * (0.98 + rnd() * 0.04);
    const m: Partial<PricingData> = {
      id,
      price,
      time: t0 + i * 250,
      currency: 'INR',
      exchange: index ? 'NSI' : option ? 'NSO' : 'NSI',
      quoteType: option ? QuoteType.OPTION : index ? QuoteType.INDEX : QuoteType.EQUITY,
      marketHours: 1,
      changePercent: ((price - prev) / prev) * 100,
      dayHigh: Math.max(price, prev) * 1.01,
      dayLow: Math.min(price, prev) * 0.99,
      change: price - prev,
      openPrice: prev * 1.001,
      previousClose: prev,
      priceHint: 2,
    };
    if (!index) {
      m.dayVolume = 1_000_000 + Math.floor(rnd() * 9_000_000);
      m.lastSize = 1 + Math.floor(rnd() * 500);
    }
    if (option) {
      m.strikePrice = 24500;
      m.underlyingSymbol = '^NSEI';
      m.expireDate = Date.UTC(2026, 11, 19, 10, 0);
      m.openInterest = Math.floor(rnd() * 5_000_000);
    }
    return m;
  });
}

export function benchYahooDecode(): void {
  const messages = sampleMessages(2000);
  // Flat strings, as a socket's text frames are (a template literal would leave rope strings).
  const frames = messages.map((m) => Buffer.from(encodePricingFrame(m)).toString('utf8'));
  const payloads = messages.map(encodePricingData);
  const bytes = payloads.reduce((s, b) => s + b.length, 0);
  const PricingDataType = protobuf.loadSync(PROTO).lookupType('tickdesk.yahoo.PricingData');
  const stats = newDecodeStats();
  let sink = 0;
  const on = (p: PricingData) => (sink += p.price);

  const oursFrames = () => {
    for (const f of frames) decodeFrame(f, on, stats);
    return frames.length;
  };
  const theirFrames = () => {
    for (const f of frames) {
      const env = JSON.parse(f) as { type: string; message: string };
      if (env.type === 'pricing') sink += (PricingDataType.decode(Buffer.from(env.message, 'base64')) as unknown as { price: number }).price;
    }
    return frames.length;
  };
  const oursBytesOnly = () => {
    for (const b of payloads) sink += decodePricingData(b)!.price;
    return payloads.length;
  };
  const theirBytesOnly = () => {
    for (const b of payloads) sink += (PricingDataType.decode(b) as unknown as { price: number }).price;
    return payloads.length;
  };
  // Alternating rounds, best of three each: the machine is shared, a single round is noisy.
  const best = { ours: 0, theirs: 0, oursBytes: 0, theirsBytes: 0 };
  for (let round = 0; round < 3; round++) {
    best.ours = Math.max(best.ours, timeLoop(oursFrames, 500).opsPerSec);
    best.theirs = Math.max(best.theirs, timeLoop(theirFrames, 500).opsPerSec);
    best.oursBytes = Math.max(best.oursBytes, timeLoop(oursBytesOnly, 500).opsPerSec);
    best.theirsBytes = Math.max(best.theirsBytes, timeLoop(theirBytesOnly, 500).opsPerSec);
  }
  if (sink === 0 || stats.malformedFrames) console.log('(sink)');
  console.log(`\nYahoo streamer decode (JSON text frame → base64 → PricingData, ${Math.round(bytes / payloads.length)} protobuf bytes a message)`);
  console.log(`  tickdesk codec            ${fmt(best.ours).padStart(12)} frames/s`);
  console.log(`  protobufjs reflection     ${fmt(best.theirs).padStart(12)} frames/s   (JSON.parse + Buffer.from base64 + Type.decode)`);
  console.log(`  ratio                     ${(best.ours / best.theirs).toFixed(1).padStart(12)}×`);
  console.log('  protobuf bytes only (no JSON, no base64):');
  console.log(`  tickdesk decodePricingData ${fmt(best.oursBytes).padStart(11)} messages/s`);
  console.log(`  protobufjs Type.decode     ${fmt(best.theirsBytes).padStart(11)} messages/s   (sint64 left as Long objects)`);
  console.log(`  ratio                     ${(best.oursBytes / best.theirsBytes).toFixed(1).padStart(12)}×`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) benchYahooDecode();
