// Instrument masters: download a broker's instrument list with progress and stream it into the
// journal (keyed by exchange + symbol, with the cross-broker key), once per IST trading day.
// Kite's dump (gzipped CSV, ~100k rows, regenerated daily ~08:30 IST) and Dhan's scrip master
// (tens of MB) are never held whole: lines are parsed as they arrive and upserted in batches.
import { IST_MS, istDay } from '../../shared/ist';
import type { NewInstrument } from '../../shared/model';
import type { Journal } from '../store/journal';
import { BrokerError, NetworkError } from '../brokers/errors';
import { DHAN_MASTER, DHAN_SCRIP_MASTER_URL, dhanScripMasterUrl } from '../brokers/dhan/instruments';
import { KITE_MASTER, kiteMasterRequest } from '../brokers/kite/instruments';
import type { MasterFormat, MasterImportResult, MasterOptions, MasterProgress } from '../brokers/types';

export { istDay };
// The formats are the adapters' (brokers/<name>/instruments.ts), the types brokers/types.ts's:
// adapters reach importMaster through their StoreContext, never by importing this file.
export { DHAN_MASTER, DHAN_SCRIP_MASTER_URL, dhanScripMasterUrl, KITE_MASTER };
export type { MasterFormat, MasterImportResult, MasterOptions, MasterProgress };

/** Milliseconds from `now` to the next hh:mm IST. */
export function msUntilIst(hh: number, mm: number, now = Date.now()): number {
  const ist = new Date(now + IST_MS);
  let target = Date.UTC(ist.getUTCFullYear(), ist.getUTCMonth(), ist.getUTCDate(), hh, mm) - IST_MS;
  if (target <= now) target += 86400_000;
  return target - now;
}

/**
 * Streams a master file into the journal, unless today's is already there. A truncated download
 * (short of Content-Length or of minBytes, or cut mid-stream) throws and is not recorded as
 * imported; the rows it did carry are harmless upserts.
 */
export async function importMaster(journal: Journal, format: MasterFormat, opts: MasterOptions): Promise<MasterImportResult> {
  const t0 = performance.now();
  const now = opts.now ?? Date.now;
  const today = istDay(now());
  const last = journal.masterImport(format.broker);
  if (!opts.force && last?.istDay === today) return { imported: false, rows: last.rows, skipped: 0, reason: `already imported today (${today})`, ms: 0 };
  const what = format.title;

  let res: Response;
  try {
    res = await fetch(opts.url, { headers: opts.headers });
  } catch (e) {
    throw new NetworkError(`${what}: ${(e as Error).message}`, format.broker);
  }
  if (!res.ok || !res.body) {
    await res.body?.cancel();
    throw format.httpError?.(res.status) ?? new (res.status >= 500 ? NetworkError : BrokerError)(`${what}: HTTP ${res.status} from ${opts.url}`, format.broker, res.status >= 500);
  }
  // fetch undoes gzip itself; Content-Length then counts the compressed bytes, so compare only
  // when the body was sent as is.
  const encoded = !!res.headers.get('content-encoding');
  const totalBytes = Number(res.headers.get('content-length')) || undefined;
  const decoder = new TextDecoder();
  const batchSize = opts.batch ?? 5000;
  let parse: ((line: string) => NewInstrument | null) | null = null;
  let carry = '';
  let bytes = 0;
  let rows = 0;
  let skipped = 0;
  let batch: NewInstrument[] = [];
  const ids: number[] = [];
  let lastReport = 0;
  const flush = () => {
    if (batch.length) {
      const got = journal.upsertInstruments(batch);
      if (opts.collectIds) for (const id of got) ids.push(id);
    }
    rows += batch.length;
    batch = [];
  };
  const line = (l: string) => {
    if (!parse) {
      parse = format.open(l);
      return;
    }
    try {
      const r = parse(l);
      if (r) batch.push(r);
    } catch {
      skipped++;
    }
    if (batch.length >= batchSize) flush();
  };
  try {
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
      bytes += chunk.byteLength;
      const text = carry + decoder.decode(chunk, { stream: true });
      const lines = text.split('\n');
      carry = lines.pop()!;
      for (const l of lines) line(l);
      if (opts.onProgress && Date.now() - lastReport > 100) {
        lastReport = Date.now();
        opts.onProgress({ broker: format.broker, bytes, totalBytes: encoded ? undefined : totalBytes, rows: rows + batch.length, done: false });
      }
    }
  } catch (e) {
    flush();
    if ((e as Error).message?.startsWith('not a ')) throw new BrokerError(`${what}: ${(e as Error).message}`, format.broker, false);
    throw new NetworkError(`${what}: truncated download (${bytes} bytes${totalBytes && !encoded ? ` of ${totalBytes}` : ''}): ${(e as Error).message}`, format.broker);
  }
  carry += decoder.decode();
  try {
    if (carry) line(carry);
  } catch (e) {
    throw new BrokerError(`${what}: ${(e as Error).message}`, format.broker, false);
  }
  flush();
  if (!parse) throw new BrokerError(`${what}: the download is empty`, format.broker, true);
  if (!encoded && totalBytes !== undefined && bytes < totalBytes) throw new NetworkError(`${what}: truncated download (${bytes} bytes of ${totalBytes})`, format.broker);
  if (bytes < (opts.minBytes ?? 0)) throw new NetworkError(`${what}: truncated download (${bytes} bytes; the real file is at least ${opts.minBytes})`, format.broker);
  journal.recordMasterImport(format.broker, { fetchedAt: now(), istDay: today, rows, source: opts.url });
  opts.onProgress?.({ broker: format.broker, bytes, totalBytes: encoded ? undefined : totalBytes, rows, done: true });
  return { imported: true, rows, skipped, ids: opts.collectIds ? ids : undefined, ms: performance.now() - t0 };
}

/** Dhan's scrip master (public, no auth). */
export function importDhanScripMaster(journal: Journal, opts: Partial<MasterOptions> = {}): Promise<MasterImportResult> {
  return importMaster(journal, DHAN_MASTER, { ...opts, url: opts.url ?? DHAN_SCRIP_MASTER_URL });
}

/** Kite's instruments dump (signed request). */
export function importKiteInstruments(journal: Journal, restRoot: string, apiKey: string, accessToken: string, opts: Partial<MasterOptions> = {}): Promise<MasterImportResult> {
  return importMaster(journal, KITE_MASTER, { ...opts, ...kiteMasterRequest(restRoot, apiKey, accessToken) });
}
