// Fyers HSM decode rate of full-mode updates: our codec against the official Node SDK's parser
// (fyers-api-v3 HSM_Package/hslib.js, loaded with a stand-in for `ws`), same frames, same run.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { compileFunction } from 'node:vm';
import {
  decodeServerFrame,
  encodeAuthReply,
  encodeDataFrame,
  isPricePosition,
  newFyersDecodeStats,
  newFyersDecoderState,
  toWireValues,
  type FyersQuote,
  type FyersWireItem,
} from '../src/engine/brokers/fyers/codec';
import { defaultUniverse, MarketModel } from '../src/engine/sim/market/market';
import { fmt, timeLoop } from './util';

const require = createRequire(import.meta.url);
/** The official parser; it names fields from the auth reply's config (laid out as in codec.test.ts). */
function officialParser(): (frame: ArrayBuffer) => unknown[] | null {
  const names = ['ltp', 'v', 'ltt', 'fdtm', 'bq', 'bs', 'bp', 'sp', 'ltq', 'tbq', 'tsq', 'ap', 'oi', 'lo', 'h', 'yh', 'yl', 'lc', 'uc', 'op', 'c'];
  const fid = (i: number) => ({ 0: 's105', 1: 's104', 11: 's113', 20: 's121' })[i] ?? `s${200 + i}`;
  const config = JSON.stringify({
    fields: [
      ...names.map((fld, i) => ({ fid: fid(i), fld, dataType: isPricePosition('sf', i) ? 'ConvNumber' : 'Number', details: fld })),
      ...['i102', 'i103', 'f101', 'f102', 'f103', 'f104', 'f105'].map((f) => ({ fid: f, fld: f, dataType: 'ConvNumber', details: f })),
    ],
    scrip: names.map((_, i) => fid(i)),
    index: ['i102', 'i103'],
    depth: [],
    scrip_lite: { hfid: 1 },
    index_lite: { hfid: 1 },
  });
  const path = require.resolve('fyers-api-v3/HSM_Package/hslib.js');
  const sockets: Array<{ onmessage: (e: { data: ArrayBuffer }) => void }> = [];
  class FakeSocket {
    static OPEN = 1;
    readyState = 1;
    onmessage = (_e: { data: ArrayBuffer }) => {};
    constructor() {
      sockets.push(this);
    }
    send() {}
    close() {}
  }
  const mod = { exports: {} as any };
  compileFunction(readFileSync(path, 'utf8'), ['require', 'module', 'exports'], { filename: path })((id: string) => (id === 'ws' ? FakeSocket : require(id)), mod, mod.exports);
  const hs = new mod.exports();
  hs.onOpen = hs.onClose = hs.onError = hs.onMessage = () => {};
  hs.connect('ws://bench.invalid', 30);
  // An ack count > 0 makes it read the message number (see codec.ts); this one is never reached.
  const auth = encodeAuthReply({ ok: true, ackCount: 2 ** 31 - 1, streamConfig: config });
  sockets[0].onmessage({ data: auth.buffer.slice(auth.byteOffset, auth.byteOffset + auth.length) as ArrayBuffer });
  clearInterval(hs.hsParser.intervalId);
  return (frame) => hs.hsParser.parseData(frame);
}

export function benchFyersDecode(): void {
  const universe = defaultUniverse({ optionStrikes: 60 });
  const market = new MarketModel({ instruments: universe, seed: 9 });
  for (let i = 0; i < 50; i++) market.step(500);
  const tradables = universe.filter((i) => i.segment !== 'INDICES').slice(0, 100);
  const values = (token: number) => {
    const q = market.quote(token)!;
    const n = q.depth.length / 6;
    return toWireValues(
      'sf',
      {
        ltp: q.ltp,
        volTradedToday: q.volume,
        lastTradedTime: Math.floor(q.lastTradeTime / 1000),
        exchFeedTime: Math.floor(q.tsExchange / 1000),
        bidSize: q.depth[n],
        askSize: q.depth[4 * n],
        bidPrice: q.depth[0],
        askPrice: q.depth[3 * n],
        lastTradedQty: q.ltq,
        totBuyQty: q.totalBuyQty,
        totSellQty: q.totalSellQty,
        avgTradePrice: q.atp,
        oi: q.oi,
        lowPrice: q.low,
        highPrice: q.high,
        yearHigh: q.high * 1.2,
        yearLow: q.low * 0.8,
        lowerCircuit: q.close * 0.9,
        upperCircuit: q.close * 1.1,
        openPrice: q.open,
        prevClosePrice: q.close,
      },
      100,
    );
  };
  const snapshot = encodeDataFrame(
    0,
    tradables.map((ins, k): FyersWireItem => ({ item: 'snapshot', topicId: k + 1, topic: `sf|nse_cm|${ins.exchangeToken}`, values: values(ins.token), multiplier: 1, precision: 2, exchange: 'nse_cm', exchangeToken: String(ins.exchangeToken), symbol: ins.symbol })),
  );
  // 200 frames × 100 full-mode updates, every field sent (no INT32_MIN): the most a frame carries.
  const frames: Buffer[] = [];
  for (let f = 0; f < 200; f++) {
    market.step(200);
    frames.push(encodeDataFrame(f + 1, tradables.map((ins, k): FyersWireItem => ({ item: 'update', topicId: k + 1, values: values(ins.token) }))));
  }
  const updatesPerPass = frames.length * 100;

  const state = newFyersDecoderState();
  const stats = newFyersDecodeStats();
  let sink = 0;
  const onQuote = (q: FyersQuote) => (sink += q.kind === 'dp' ? 0 : (q.ltp ?? 0));
  decodeServerFrame(snapshot, state, onQuote, stats);
  const { opsPerSec: ours } = timeLoop(() => {
    for (const f of frames) decodeServerFrame(f, state, onQuote, stats);
    return updatesPerPass;
  });

  const parse = officialParser();
  const buffers = [snapshot, ...frames].map((b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer);
  parse(buffers[0]);
  const { opsPerSec: theirs } = timeLoop(() => {
    for (let i = 1; i < buffers.length; i++) sink += parse(buffers[i])?.length ?? 0;
    return updatesPerPass;
  });
  if (sink === 0 || stats.malformedFrames) console.log('(sink)', stats);
  console.log('\nFyers HSM full-mode decode (21-field updates, 100 per frame)');
  console.log(`  tickdesk codec            ${fmt(ours).padStart(12)} updates/s`);
  console.log(`  fyers-api-v3 hslib parse  ${fmt(theirs).padStart(12)} updates/s`);
  console.log(`  ratio                     ${(ours / theirs).toFixed(1).padStart(12)}×   (target ≥ 5×)`);
}
