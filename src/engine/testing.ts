// Shared by the engine's tests: wait for a condition, and undo what a test set up after it.
import { afterEach } from 'node:test';
import type { Instrument } from '../shared/model';
import { defaultUniverse } from './sim/market/market';

/** Polls `cond` (sync or async) every 20 ms; throws "timed out waiting for <what>" after `ms`. */
export async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A list of undo steps run (last first) after each test of the calling file. */
export function cleanupAfterEach(): Array<() => unknown> {
  const list: Array<() => unknown> = [];
  afterEach(async () => {
    while (list.length) await list.pop()!();
  });
  return list;
}

/** The simulator's default universe as journal instruments (ids 1…n), for index and chain tests. */
export function simInstruments(opts: Parameters<typeof defaultUniverse>[0] = {}): Instrument[] {
  return defaultUniverse(opts).map((s, i) => ({
    id: i + 1,
    broker: 'kite',
    token: String(s.token),
    exchange: s.exchange,
    segment: s.segment,
    symbol: s.symbol,
    name: s.name,
    expiry: s.expiry,
    strike: s.instrumentType === 'CE' || s.instrumentType === 'PE' ? s.strike : undefined,
    optionType: s.instrumentType === 'CE' || s.instrumentType === 'PE' ? s.instrumentType : undefined,
    tickSize: s.tickSize,
    lotSize: s.lotSize,
  }));
}

/** Runs an in-process command, with what it writes to stdout and stderr captured as text. */
export async function captureOutput(run: () => Promise<number>): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const write = { out: process.stdout.write, err: process.stderr.write };
  process.stdout.write = ((chunk: string) => ((out += chunk), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => ((err += chunk), true)) as typeof process.stderr.write;
  try {
    return { code: await run(), out, err };
  } finally {
    process.stdout.write = write.out;
    process.stderr.write = write.err;
  }
}
