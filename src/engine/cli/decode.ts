// `tickdesk decode kite FILE`: a capture file → one JSON object per tick (NDJSON) on stdout.
import { depthToLevels } from '../../shared/model';
import { decodeFrame, newDecodeStats, type KitePacket } from '../brokers/kite/codec';
import { DHAN_SEGMENTS, decodeDepthFrame, decodeFeedFrame, newDhanStats, type DhanPacket } from '../brokers/dhan/codec';
import { newCaptureDamage, readCapture, type CaptureRecord } from '../capture/capture';
import { UsageError } from './args';

export const DECODE_HELP = `tickdesk decode kite|dhan|dhan-depth20|dhan-depth200 FILE
  Prints every packet in a capture file (written by record --capture) as NDJSON.
  kite, dhan: ticks with token/securityId, ltp, volume, oi, tsExchange (ISO 8601 or null), bids/asks [{price, qty, orders}], ...
  dhan-depth20, dhan-depth200: {securityId, segment, side: "bid"|"ask", levels: [{price, qty, orders}]}
  A summary (frames, packets, malformed frames) goes to stderr, with the file's damage: records with
  an impossible length or time are counted as corrupt and skipped, a cut-short end is reported.
  Dhan prices without the instrument list are rounded to the paisa (currencies: 4 decimals).`;

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
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(DECODE_HELP);
    return 0;
  }
  const [format, file, ...extra] = argv;
  const decode = format !== undefined && Object.hasOwn(DECODERS, format) ? DECODERS[format] : undefined;
  if (!decode) throw new UsageError(`decode supports: ${Object.keys(DECODERS).join(', ')} (got "${format ?? ''}")`);
  if (!file) throw new UsageError(`decode ${format} needs a capture FILE`);
  if (extra.length) throw new UsageError(`decode takes one FILE (got also "${extra.join(' ')}")`);
  return decode(file);
}

/**
 * Decodes every record of a capture file, NDJSON lines out with backpressure. Whatever happens,
 * the lines decoded so far are written out; damage in the file is counted, not fatal.
 */
async function decodeCapture(file: string, decode: (rec: CaptureRecord, emit: (line: object) => void) => void, summary: () => string): Promise<number> {
  let buf = '';
  const emit = (line: object) => {
    buf += JSON.stringify(line) + '\n';
  };
  const flush = async () => {
    const text = buf;
    buf = '';
    if (text && !process.stdout.write(text)) await new Promise<void>((r) => process.stdout.once('drain', r));
  };
  const damage = newCaptureDamage();
  try {
    for (const rec of readCapture(file, damage)) {
      decode(rec, emit);
      if (buf.length > 256 * 1024) await flush();
    }
  } finally {
    await flush();
  }
  const parts = [summary()];
  if (damage.corrupt) parts.push(`${damage.corrupt} corrupt record${damage.corrupt === 1 ? '' : 's'} skipped (${damage.corruptBytes} bytes)`);
  if (damage.truncatedAt >= 0) parts.push(`file truncated at byte ${damage.truncatedAt}`);
  process.stderr.write(parts.join('; ') + '\n');
  return 0;
}

function decodeKite(file: string): Promise<number> {
  const stats = newDecodeStats();
  let ticks = 0;
  return decodeCapture(
    file,
    (rec, emit) =>
      decodeFrame(rec.frame, (p) => {
        emit(kitePacketJson(p, rec.tsReceived));
        ticks++;
      }, stats),
    () => `decoded ${stats.frames} frames: ${ticks} ticks, ${stats.heartbeats} heartbeats, ${stats.malformedFrames} malformed, ${stats.unknownPackets} unknown packets`,
  );
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

function decodeDhanFeed(file: string): Promise<number> {
  const stats = newDhanStats();
  let n = 0;
  return decodeCapture(
    file,
    (rec, emit) =>
      decodeFeedFrame(rec.frame, (p) => {
        emit(dhanPacketJson(p, rec.tsReceived));
        n++;
      }, stats),
    () => `decoded ${stats.frames} frames: ${n} packets, ${stats.malformed} malformed, ${stats.unknown} unknown`,
  );
}

function decodeDhanDepth(levels: 20 | 200, file: string): Promise<number> {
  const stats = newDhanStats();
  let n = 0;
  return decodeCapture(
    file,
    (rec, emit) => {
      decodeDepthFrame(rec.frame, levels, (p) => {
        emit(
          p.kind === 'depth'
            ? {
                securityId: p.securityId,
                segment: DHAN_SEGMENTS[p.segment] ?? p.segment,
                side: p.side,
                levels: Array.from(p.price, (price, i) => ({ price, qty: p.qty[i], orders: p.orders[i] })),
                tsReceived: new Date(rec.tsReceived).toISOString(),
              }
            : { disconnect: p.reason, securityId: p.securityId, segment: DHAN_SEGMENTS[p.segment] ?? p.segment },
        );
        n++;
      }, stats);
    },
    () => `decoded ${stats.frames} frames: ${n} packets, ${stats.malformed} malformed, ${stats.unknown} unknown`,
  );
}

/** Capture formats (a feed's frames, as record --capture saved them) and their decoders. */
const DECODERS: Readonly<Record<string, (file: string) => Promise<number>>> = {
  kite: decodeKite,
  dhan: decodeDhanFeed,
  'dhan-depth20': (file) => decodeDhanDepth(20, file),
  'dhan-depth200': (file) => decodeDhanDepth(200, file),
};
