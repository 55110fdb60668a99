// Bridge framing shared by the engine's server and the renderer's client: JSON text messages,
// each under MAX_MESSAGE_BYTES; a larger payload (a long candle history) travels in chunks.

export const MAX_MESSAGE_BYTES = 64 * 1024;
const CHUNK_CHARS = 16 * 1024; // ≤ 4 bytes per char in UTF-8: a chunk stays under 64 KiB

export interface ChunkMessage {
  chunk: number;
  seq: number;
  of: number;
  part: string;
}

let nextChunkId = 1;

/** Serializes a message; returns one string, or several chunk messages when it is large. */
export function frameMessage(msg: unknown): string[] {
  const text = JSON.stringify(msg);
  if (text.length <= CHUNK_CHARS) return [text];
  const id = nextChunkId++;
  const of = Math.ceil(text.length / CHUNK_CHARS);
  const out: string[] = [];
  for (let seq = 0; seq < of; seq++) {
    out.push(JSON.stringify({ chunk: id, seq, of, part: text.slice(seq * CHUNK_CHARS, (seq + 1) * CHUNK_CHARS) } satisfies ChunkMessage));
  }
  return out;
}

/** Collects chunks back into messages; plain messages pass straight through. */
export class Reassembler {
  private readonly partial = new Map<number, string[]>();

  /** Returns the complete message, or undefined while chunks are still missing. Throws on bad JSON. */
  accept(text: string): unknown {
    const msg = JSON.parse(text) as Partial<ChunkMessage>;
    if (typeof msg?.chunk !== 'number' || typeof msg.part !== 'string') return msg;
    let parts = this.partial.get(msg.chunk);
    if (!parts) this.partial.set(msg.chunk, (parts = []));
    parts[msg.seq!] = msg.part;
    if (parts.filter((p) => p !== undefined).length < msg.of!) return undefined;
    this.partial.delete(msg.chunk);
    return JSON.parse(parts.join(''));
  }
}
