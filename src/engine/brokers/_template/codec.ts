// The template broker's wire format, both ways (the simulator encodes with it, the feed decodes):
// pure functions, no sockets. Replace it with your broker's spec. The rule every codec keeps: a
// malformed frame is counted and skipped, never thrown, so nothing a broker sends ends the process.
//
// Binary frame: u16 count (big-endian), then `count` packets of PACKET_BYTES:
//   u32 token · i32 last price in paise · u32 last quantity · u32 cumulative volume · f64 exchange time (ms UTC)
// Text frames from the client: {"a":"subscribe","v":[token, ...]} and {"a":"unsubscribe","v":[...]}.

export const PACKET_BYTES = 24;

export interface TemplatePacket {
  token: number;
  /** Rupees (the wire carries paise). */
  ltp: number;
  ltq: number;
  volume: number;
  tsExchange: number;
}

export interface DecodeStats {
  frames: number;
  packets: number;
  malformedFrames: number;
}

export const newDecodeStats = (): DecodeStats => ({ frames: 0, packets: 0, malformedFrames: 0 });

/** One frame of packets (an empty list is the heartbeat). */
export function encodeFrame(packets: readonly TemplatePacket[]): Buffer {
  const b = Buffer.alloc(2 + packets.length * PACKET_BYTES);
  b.writeUInt16BE(packets.length, 0);
  packets.forEach((p, i) => {
    const o = 2 + i * PACKET_BYTES;
    b.writeUInt32BE(p.token, o);
    b.writeInt32BE(Math.round(p.ltp * 100), o + 4);
    b.writeUInt32BE(p.ltq, o + 8);
    b.writeUInt32BE(p.volume, o + 12);
    b.writeDoubleBE(p.tsExchange, o + 16);
  });
  return b;
}

/** Hands each packet of a frame to `onPacket`; a frame whose length disagrees with its count is counted, not read. */
export function decodeFrame(frame: Buffer, onPacket: (p: TemplatePacket) => void, stats: DecodeStats): void {
  stats.frames++;
  if (frame.length < 2 || frame.length !== 2 + frame.readUInt16BE(0) * PACKET_BYTES) {
    stats.malformedFrames++;
    return;
  }
  for (let o = 2; o < frame.length; o += PACKET_BYTES) {
    stats.packets++;
    onPacket({
      token: frame.readUInt32BE(o),
      ltp: frame.readInt32BE(o + 4) / 100,
      ltq: frame.readUInt32BE(o + 8),
      volume: frame.readUInt32BE(o + 12),
      tsExchange: frame.readDoubleBE(o + 16),
    });
  }
}

export type ControlMessage = { a: 'subscribe' | 'unsubscribe'; v: number[] };

export const subscribeMessage = (tokens: readonly number[]): string => JSON.stringify({ a: 'subscribe', v: tokens });
export const unsubscribeMessage = (tokens: readonly number[]): string => JSON.stringify({ a: 'unsubscribe', v: tokens });

/** A client's text frame (the simulator's side), or null when it is not one. */
export function parseControl(text: string): ControlMessage | null {
  try {
    const m = JSON.parse(text) as Partial<ControlMessage>;
    if ((m.a === 'subscribe' || m.a === 'unsubscribe') && Array.isArray(m.v) && m.v.every((t) => Number.isInteger(t) && t >= 0)) return { a: m.a, v: m.v };
  } catch {
    // not JSON: the same as a message of the wrong shape
  }
  return null;
}
