// The built page's files, held in memory and gzipped once, for `tickdesk serve`'s static side.
//
// Streamed from disk in 64 KB pieces, the page's 0.6 MB script took one turn of the engine's event
// loop per piece while the engine was starting its feed and backfilling the chart's history: 0.3–1 s
// before the page could run. A file is now read once, gzipped once on libuv's thread pool (a few
// tens of ms, off the loop), and answered with one write of about a third of the bytes. A file
// rebuilt on disk (new size or mtime) is read again.
import { readFileSync, statSync } from 'node:fs';
import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';

const gzip = promisify(gzipCb);

/** Worth compressing: text. Images and fonts are compressed already. */
const COMPRESSIBLE = /\.(html|js|mjs|css|json|svg|txt|map)$/;
/** Below this, gzip's header costs more than it saves. */
const MIN_GZIP_BYTES = 1024;

interface Entry {
  mtimeMs: number;
  size: number;
  body: Buffer;
  /** The gzipped body, or null when compressing does not pay. */
  gzipped: Promise<Buffer | null>;
}

export interface StaticBody {
  body: Buffer;
  /** 'gzip' when `body` is the gzipped file. */
  encoding: 'gzip' | null;
}

export class StaticFiles {
  private readonly files = new Map<string, Entry>();

  /** Reads (and starts compressing) `file` if it is not held or changed on disk. */
  private entry(file: string): Entry {
    let st;
    try {
      st = statSync(file);
    } catch (e) {
      this.files.delete(file); // gone (a rebuild renamed it): not held any longer
      throw e;
    }
    const have = this.files.get(file);
    if (have && have.mtimeMs === st.mtimeMs && have.size === st.size) return have;
    const body = readFileSync(file);
    const gzipped =
      COMPRESSIBLE.test(file) && body.length >= MIN_GZIP_BYTES
        ? gzip(body, { level: 6 }).then(
            (z) => (z.length < body.length ? z : null),
            () => null, // compression failed: the file goes as it is
          )
        : Promise.resolve(null);
    const e: Entry = { mtimeMs: st.mtimeMs, size: st.size, body, gzipped };
    this.files.set(file, e);
    return e;
  }

  /** Reads and compresses these files now, before anyone asks (errors ignored: asked again later). */
  warm(files: readonly string[]): void {
    for (const f of files) {
      try {
        this.entry(f);
      } catch {
        // gone or unreadable: the request for it answers 404 then
      }
    }
  }

  /** The body to send for `file`: gzipped when the client accepts it and it pays. Throws if unreadable. */
  async get(file: string, acceptEncoding: string | undefined): Promise<StaticBody> {
    const e = this.entry(file);
    if (acceptsGzip(acceptEncoding)) {
      const z = await e.gzipped;
      if (z) return { body: z, encoding: 'gzip' };
    }
    return { body: e.body, encoding: null };
  }
}

/** Whether an Accept-Encoding header allows gzip: named, or by "*", without q=0. */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  const q = new Map<string, number>();
  for (const part of header.toLowerCase().split(',')) {
    const [name, ...params] = part.split(';').map((x) => x.trim());
    const qv = params.find((x) => x.startsWith('q='));
    q.set(name, qv ? Number(qv.slice(2)) : 1);
  }
  const v = q.get('gzip') ?? q.get('*');
  return v !== undefined && v > 0;
}
