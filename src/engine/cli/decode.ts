// `tickdesk decode kite FILE`: a capture file → one JSON object per tick (NDJSON) on stdout.
import { depthToLevels } from '../../shared/model';
import { decodeFrame, newDecodeStats, type KitePacket } from '../brokers/kite/codec';
import { DHAN_SEGMENTS, decodeDepthFrame, decodeFeedFrame, newDhanStats, type DhanPacket } from '../brokers/dhan/codec';
import { readCapture } from '../capture/capture';
import { UsageError } from './args';

export const DECODE_HELP = `tickdesk decode kite|dhan|dhan-depth20|dhan-depth200 FILE
  Prints every packet in a capture file (written by record --capture) as NDJSON.
  kite, dhan: ticks with token/securityId, ltp, volume, oi, tsExchange (ISO 8601 or null), bids/asks [{price, qty, orders}], ...
  dhan-depth20, dhan-depth200: {securityId, segment, side: "bid"|"ask", levels: [{price, qty, orders}]}
  A summary (frames, packets, malformed frames) goes to stderr.`;

const iso = (ms: number | null | undefined) => (ms ? new Date(ms).toISOString() : null);

export function kitePacketJson(p: KitePacket, tsReceived: number): Record<string, unknown> {
  const { bids, asks } = p.depth ? depthToLevels(p.depth) : { bids: [], asks: [] };
  return {
    token: p.token,
    segment: p.segment,
    mode: p.mode,
    tradable: p.tradable,
    ltp: p.ltp,
    ltq: p.ltq ?? null,
    atp: p.atp ?? null,
    volume: p.volume ?? null,
    oi: p.oi ?? null,
    oiDayHigh: p.oiDayHigh ?? null,
    oiDayLow: p.oiDayLow ?? null,
    totalBuyQty: p.totalBuyQty ?? null,
    totalSellQty: p.totalSellQty ?? null,
    open: p.open ?? null,
    high: p.high ?? null,
    low: p.low ?? null,
    close: p.close ?? null,
    change: p.change ?? null,
    lastTradeTime: iso(p.lastTradeTime),
    tsExchange: iso(p.tsExchange),
    tsReceived: new Date(tsReceived).toISOString(),
    bids,
    asks,
  };
}

export async function decodeCommand(argv: string[]): Promise<number> {
  const [broker, file] = argv;
  if (broker === '-h' || broker === '--help') {
    console.log(DECODE_HELP);
    return 0;
  }
  if (broker === 'dhan' || broker === 'dhan-depth20' || broker === 'dhan-depth200') {
    if (!file) throw new UsageError(`decode ${broker} needs a capture FILE`);
    return decodeDhan(broker, file);
  }
  if (broker !== 'kite') throw new UsageError(`decode supports: kite, dhan, dhan-depth20, dhan-depth200 (got "${broker ?? ''}")`);
  if (!file) throw new UsageError('decode kite needs a capture FILE');
  const stats = newDecodeStats();
  let buf = '';
  let ticks = 0;
  const flush = async () => {
    if (!process.stdout.write(buf)) await new Promise<void>((r) => process.stdout.once('drain', r));
    buf = '';
  };
  let truncated = -1;
  for (const rec of readCapture(file, (o) => (truncated = o))) {
    decodeFrame(rec.frame, (p) => {
      buf += JSON.stringify(kitePacketJson(p, rec.tsReceived)) + '\n';
      ticks++;
    }, stats);
    if (buf.length > 256 * 1024) await flush();
  }
  await flush();
  process.stderr.write(
    `decoded ${stats.frames} frames: ${ticks} ticks, ${stats.heartbeats} heartbeats, ${stats.malformedFrames} malformed, ${stats.unknownPackets} unknown packets` +
      (truncated >= 0 ? `; file truncated at byte ${truncated}` : '') +
      '\n',
  );
  return 0;
}

function dhanPacketJson(p: DhanPacket, tsReceived: number): Record<string, unknown> {
  const { code: _code, ...rest } = p as DhanPacket & { depth?: Float64Array };
  void _code;
  const out: Record<string, unknown> = { ...rest, segment: DHAN_SEGMENTS[p.segment] ?? p.segment, tsReceived: new Date(tsReceived).toISOString() };
  if ('ltt' in p) out.tsExchange = iso(p.ltt);
  delete out.ltt;
  if (p.kind === 'full') {
    const { bids, asks } = depthToLevels(p.depth);
    delete out.depth;
    out.bids = bids;
    out.asks = asks;
  }
  return out;
}

async function decodeDhan(kind: 'dhan' | 'dhan-depth20' | 'dhan-depth200', file: string): Promise<number> {
  const stats = newDhanStats();
  let buf = '';
  let n = 0;
  const flush = async () => {
    if (!process.stdout.write(buf)) await new Promise<void>((r) => process.stdout.once('drain', r));
    buf = '';
  };
  for (const rec of readCapture(file)) {
    if (kind === 'dhan') {
      decodeFeedFrame(rec.frame, (p) => {
        buf += JSON.stringify(dhanPacketJson(p, rec.tsReceived)) + '\n';
        n++;
      }, stats);
    } else {
      decodeDepthFrame(rec.frame, kind === 'dhan-depth20' ? 20 : 200, (p) => {
        const line =
          p.kind === 'depth'
            ? {
                securityId: p.securityId,
                segment: DHAN_SEGMENTS[p.segment] ?? p.segment,
                side: p.side,
                levels: Array.from(p.price, (price, i) => ({ price, qty: p.qty[i], orders: p.orders[i] })),
                tsReceived: new Date(rec.tsReceived).toISOString(),
              }
            : { disconnect: p.reason, securityId: p.securityId, segment: DHAN_SEGMENTS[p.segment] ?? p.segment };
        buf += JSON.stringify(line) + '\n';
        n++;
      }, stats);
    }
    if (buf.length > 256 * 1024) await flush();
  }
  await flush();
  process.stderr.write(`decoded ${stats.frames} frames: ${n} packets, ${stats.malformed} malformed, ${stats.unknown} unknown\n`);
  return 0;
}
