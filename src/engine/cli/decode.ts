// `tickdesk decode FORMAT FILE`: a capture file → one JSON object per packet (NDJSON) on stdout. The
// formats are the brokers' own (each adapter's `captures`); this file only reads the capture.
import { brokers } from '../brokers/registry';
import type { CaptureFormat } from '../brokers/types';
import { newCaptureDamage, readCapture, type CaptureRecord } from '../capture/capture';
import { UsageError } from './args';

/** Capture formats (a feed's frames, as record --capture saved them) by name, from every broker. */
function captureFormats(): ReadonlyMap<string, CaptureFormat> {
  const formats = new Map<string, CaptureFormat>();
  for (const b of brokers()) for (const [name, f] of Object.entries(b.captures ?? {})) formats.set(name, f);
  return formats;
}

function decodeHelp(): string {
  const formats = [...captureFormats()];
  return [
    `tickdesk decode ${formats.map(([n]) => n).join('|')} FILE`,
    '  Prints every packet in a capture file (written by record --capture) as NDJSON.',
    ...formats.map(([n, f]) => `  ${n}: ${f.describe}`),
    '  A summary (frames, packets, malformed frames) goes to stderr, with the file\'s damage: records with',
    '  an impossible length or time are counted as corrupt and skipped, a cut-short end is reported.',
  ].join('\n');
}

export const DECODE_HELP = decodeHelp();

export async function decodeCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(DECODE_HELP);
    return 0;
  }
  const [format, file, ...extra] = argv;
  const formats = captureFormats();
  const chosen = format === undefined ? undefined : formats.get(format);
  if (!chosen) throw new UsageError(`decode supports: ${[...formats.keys()].join(', ')} (got "${format ?? ''}")`);
  if (!file) throw new UsageError(`decode ${format} needs a capture FILE`);
  if (extra.length) throw new UsageError(`decode takes one FILE (got also "${extra.join(' ')}")`);
  const decoder = chosen.decoder();
  return decodeCapture(file, (rec, emit) => decoder.decode(rec.frame, rec.tsReceived, emit), () => decoder.summary());
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
