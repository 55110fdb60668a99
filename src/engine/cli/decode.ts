// `tickdesk decode kite FILE`: a capture file → one JSON object per tick (NDJSON) on stdout.
import { depthToLevels } from '../../shared/model';
import { decodeFrame, newDecodeStats, type KitePacket } from '../brokers/kite/codec';
import { readCapture } from '../capture/capture';
import { UsageError } from './args';

export const DECODE_HELP = `tickdesk decode kite FILE
  Prints every tick in a capture file (written by record --capture) as NDJSON:
  token, mode, ltp, volume, oi, tsExchange (ISO 8601 or null), tsReceived, bids/asks [{price, qty, orders}], ...
  A summary (frames, ticks, heartbeats, malformed frames) goes to stderr.`;

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
  if (broker !== 'kite') throw new UsageError(`decode supports: kite (got "${broker ?? ''}")`);
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
