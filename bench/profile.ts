// Where the engine's time goes: a CPU profile of this process (node:inspector) for a few seconds,
// self time attributed to the nearest frame of a known part of the engine (a native call such as a
// SQLite statement's run() counts for the code that called it), as shares of the busy time.
import { Session } from 'node:inspector';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The parts time is counted in, by source path; anything else counts for its caller. */
const PARTS: Array<[string, RegExp]> = [
  ['decode', /\/src\/engine\/brokers\//],
  ['pipeline', /\/src\/engine\/pipeline\//],
  ['journal (SQLite)', /\/src\/engine\/store\/journal|\/better-sqlite3\//],
  ['replication', /\/src\/engine\/store\/(replicator|copy-binary)|\/node_modules\/(pg|pg-protocol|pg-copy-streams|pg-types|pgpass)\//],
  ['bridge / UI', /\/src\/engine\/(api|bridge)\//],
  ['ws + other', /\/node_modules\/ws\/|\/src\/engine\/feed\//],
];

export const PART_NAMES = [...PARTS.map(([n]) => n), 'GC'];

export interface ProfileSummary {
  /** Wall time profiled, ms. */
  ms: number;
  /** Busy (not idle) time, ms. */
  busyMs: number;
  /** Busy ms per part (PART_NAMES, 'ws + other' includes runtime and I/O). */
  parts: Record<string, number>;
  /** The functions with the most self time. */
  top: Array<{ part: string; fn: string; where: string; ms: number }>;
}

function post<T>(s: Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) => s.post(method, params, (e, r) => (e ? reject(e) : resolve(r as T))));
}

/** Profiles this process for `ms` (sampling every 250 µs). */
export async function profileFor(ms: number): Promise<ProfileSummary> {
  const s = new Session();
  s.connect();
  await post(s, 'Profiler.enable');
  await post(s, 'Profiler.setSamplingInterval', { interval: 250 });
  await post(s, 'Profiler.start');
  await new Promise((r) => setTimeout(r, ms));
  const { profile } = await post<{ profile: Profile }>(s, 'Profiler.stop');
  await post(s, 'Profiler.disable');
  s.disconnect();
  return summarize(profile);
}

export function summarize(p: Profile): ProfileSummary {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  let total = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const dt = (p.timeDeltas[i] ?? 0) / 1000;
    self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + dt);
    total += dt;
  }
  const partOf = (id: number): string | null => {
    const name = byId.get(id)!.callFrame.functionName;
    if (name === '(idle)') return null;
    if (name === '(garbage collector)') return 'GC';
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const url = byId.get(at)!.callFrame.url;
      if (url) for (const [part, re] of PARTS) if (re.test(url)) return part;
    }
    return 'ws + other';
  };
  const parts: Record<string, number> = Object.fromEntries(PART_NAMES.map((n) => [n, 0]));
  const fns = new Map<string, { part: string; fn: string; where: string; ms: number }>();
  let busy = 0;
  for (const [id, ms] of self) {
    const part = partOf(id);
    if (part === null) continue;
    busy += ms;
    parts[part] += ms;
    const f = byId.get(id)!.callFrame;
    const short = (url: string) => url.replace(/^.*\/(src|node_modules|bench)\//, '$1/');
    let where = f.url ? `${short(f.url)}:${f.lineNumber + 1}` : '(native)';
    if (!f.url) {
      // A native function: name the JavaScript that called it.
      let at = parent.get(id);
      while (at !== undefined && !byId.get(at)!.callFrame.url) at = parent.get(at);
      if (at !== undefined) where = `native, called from ${byId.get(at)!.callFrame.functionName || '(anonymous)'} in ${short(byId.get(at)!.callFrame.url)}`;
    }
    const key = `${f.functionName}@${where}`;
    const e = fns.get(key) ?? { part, fn: f.functionName || '(anonymous)', where, ms: 0 };
    e.ms += ms;
    fns.set(key, e);
  }
  const top = [...fns.values()].sort((a, b) => b.ms - a.ms).slice(0, 10);
  return { ms: total, busyMs: busy, parts, top };
}

/** The summary as printed lines: each part's share of the busy time, then the top functions. */
export function profileLines(s: ProfileSummary, indent = '    '): string[] {
  const out: string[] = [];
  const pct = (ms: number) => `${((ms / Math.max(1e-9, s.busyMs)) * 100).toFixed(0).padStart(3)} %`;
  out.push(`${indent}busy ${((s.busyMs / s.ms) * 100).toFixed(0)} % of the profiled ${(s.ms / 1000).toFixed(1)} s on the engine's main thread; of that:`);
  for (const name of PART_NAMES) if (s.parts[name] > 0) out.push(`${indent}  ${name.padEnd(18)} ${pct(s.parts[name])}`);
  out.push(`${indent}top functions by self time:`);
  for (const f of s.top.slice(0, 8)) out.push(`${indent}  ${pct(f.ms)}  ${f.fn} (${f.where}) [${f.part}]`);
  return out;
}
