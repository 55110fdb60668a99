// The replay process of `npm run bench -- scale` and `-- day` (forked by bench/replay-link.ts):
// a WebSocket server that speaks Kite's ticker or Dhan's live and 20-level depth feeds well enough
// for the engine's real feed clients (subscribe / mode messages, heartbeats), and sends
// pre-encoded frames as fast as the engine takes them (at most MAX_IN_FLIGHT frames per socket
// not yet written to the kernel), at a paced rate, or as a simulated trading day. For Kite it also
// runs the Kite simulator's REST side (ticks off) so that the engine's Recorder downloads its
// instrument list as from Kite. Each frame is stamped at send: the send time (ms, mod 2^31) in
// every packet's total-buy-quantity field, so the engine can measure exchange→commit latency
// across the two processes. Driven over IPC; see replay-link.ts for the commands.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { encodeFrame, HEARTBEAT_FRAME, type KiteMode } from '../src/engine/brokers/kite/codec';
import { KiteSimulator } from '../src/engine/sim/kite/server';
import {
  dhanDepthFrames,
  dhanFrames,
  dhanUniverse,
  KITE_STAMP_OFFSET,
  KITE_TS_OFFSET,
  kiteFrames,
  kitePacketOffsets,
  kiteQuote,
  kiteUniverse,
  startQuote,
  trade,
  type DhanRef,
  type ReplayQuote,
} from './replay-data';

/** Frames handed to a socket and not yet written to the kernel, per socket (the backpressure bound). */
const MAX_IN_FLIGHT = 32;
const STAMP_MOD = 2 ** 31;

type Kind = 'kite' | 'dhan' | 'dhan-depth';

interface Conn {
  ws: WebSocket;
  kind: Kind;
  /** Kite tokens and their modes, in subscription order. */
  kite: Map<number, KiteMode>;
  /** Dhan instruments subscribed (security ids). */
  dhan: number[];
  frames: Buffer[];
  /** Per frame: byte offsets of its packets, where the stamp goes. */
  offsets: number[][];
  next: number;
  inFlight: number;
  lastSend: number;
}

interface Stats {
  ticks: number;
  frames: number;
  depthSides: number;
  /** Paced or day mode: frames that were due but held back (the engine had not taken the earlier ones). */
  heldBack: number;
  simNow: number;
  dayDone: boolean;
}

const conns = new Set<Conn>();
const stats: Stats = { ticks: 0, frames: 0, depthSides: 0, heldBack: 0, simNow: 0, dayDone: false };
let mode: 'idle' | 'flood' | 'pace' | 'day' = 'idle';
let pacer: NodeJS.Timeout | null = null;
let basePriceOf = new Map<number, number>();
let dhanRefs: DhanRef[] = [];

const http = createServer((_req, res) => res.writeHead(404).end());
const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
let serverKind: 'kite' | 'dhan' = 'kite';

http.on('upgrade', (req: IncomingMessage, socket, head) => {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  const kind: Kind = serverKind === 'kite' ? 'kite' : path.startsWith('/twentydepth') ? 'dhan-depth' : 'dhan';
  wss.handleUpgrade(req, socket, head, (ws) => opened(ws, kind));
});

function opened(ws: WebSocket, kind: Kind): void {
  const conn: Conn = { ws, kind, kite: new Map(), dhan: [], frames: [], offsets: [], next: 0, inFlight: 0, lastSend: Date.now() };
  conns.add(conn);
  ws.on('close', () => conns.delete(conn));
  ws.on('error', () => conns.delete(conn));
  ws.on('message', (data, isBinary) => {
    if (isBinary) return;
    let msg: unknown;
    try {
      msg = JSON.parse(String(data));
    } catch {
      return;
    }
    if (kind === 'kite') kiteControl(conn, msg as { a?: string; v?: unknown });
    else dhanControl(conn, msg as { InstrumentList?: Array<{ SecurityId: string }> });
  });
}

function kiteControl(conn: Conn, msg: { a?: string; v?: unknown }): void {
  if (msg.a === 'subscribe' && Array.isArray(msg.v)) for (const t of msg.v as number[]) if (!conn.kite.has(t)) conn.kite.set(t, 'quote');
  if (msg.a === 'mode' && Array.isArray(msg.v)) {
    const [m, list] = msg.v as [KiteMode, number[]];
    for (const t of list) if (conn.kite.has(t)) conn.kite.set(t, m);
  }
}

function dhanControl(conn: Conn, msg: { InstrumentList?: Array<{ SecurityId: string }> }): void {
  for (const i of msg.InstrumentList ?? []) conn.dhan.push(Number(i.SecurityId));
}

const subscribed = (kind: Kind) => [...conns].filter((c) => c.kind === kind).reduce((n, c) => n + (kind === 'kite' ? [...c.kite.values()].filter((m) => m === 'full').length : c.dhan.length), 0);

// --- sending ------------------------------------------------------------------------------------

/** Writes the send time into every packet of a frame (and, for Kite, the exchange time, in seconds). */
function stamp(conn: Conn, i: number): Buffer {
  const f = conn.frames[i];
  const now = Date.now();
  const ms = now % STAMP_MOD;
  if (conn.kind === 'kite') {
    const secs = Math.floor(now / 1000);
    for (const o of conn.offsets[i]) {
      f.writeInt32BE(ms, o + KITE_STAMP_OFFSET);
      f.writeInt32BE(secs, o + KITE_TS_OFFSET);
    }
  } else if (conn.kind === 'dhan') {
    for (const o of conn.offsets[i]) f.writeUInt32LE(ms, o + 30);
  }
  return f;
}

const depthConns = () => [...conns].filter((c) => c.kind === 'dhan-depth' && c.frames.length > 0);
let depthTurn = 0;

/** Sends a socket's next frame; `after` runs once the frame is written to the kernel. */
function sendNext(conn: Conn, after?: () => void): void {
  const i = conn.next;
  conn.next = (i + 1) % conn.frames.length;
  const frame = stamp(conn, i);
  const packets = conn.offsets[i].length;
  conn.inFlight++;
  conn.lastSend = Date.now();
  conn.ws.send(frame, { binary: true }, () => {
    conn.inFlight--;
    after?.();
  });
  if (conn.kind === 'dhan-depth') stats.depthSides += packets;
  else {
    stats.ticks += packets;
    stats.frames++;
  }
  // Dhan: one depth frame rides with every live-feed frame, round robin over the depth sockets.
  if (conn.kind === 'dhan') {
    const depth = depthConns();
    if (depth.length) sendNext(depth[depthTurn++ % depth.length]);
  }
}

function pump(conn: Conn): void {
  while (mode === 'flood' && conn.inFlight < MAX_IN_FLIGHT && conn.ws.readyState === conn.ws.OPEN) sendNext(conn, () => pump(conn));
}

const feedConns = () => [...conns].filter((c) => c.kind !== 'dhan-depth' && c.frames.length > 0);

function flood(): void {
  stopPacer();
  mode = 'flood';
  for (const c of feedConns()) pump(c);
}

/** `rate` ticks/s in total, in whole frames, round robin over the feed sockets. */
function pace(rate: number): void {
  stopPacer();
  mode = 'pace';
  const list = feedConns();
  const perFrame = list[0].offsets[0].length;
  const t0 = performance.now();
  let sent = 0;
  let turn = 0;
  pacer = setInterval(() => {
    const due = Math.floor((rate * (performance.now() - t0)) / 1000 / perFrame);
    while (sent < due) {
      const c = list[turn++ % list.length];
      // The engine is far behind: hold frames back rather than queue without bound.
      if (c.inFlight > 2000) {
        stats.heldBack += due - sent;
        sent = due;
        break;
      }
      sendNext(c);
      sent++;
    }
  }, 2);
}

function stopPacer(): void {
  if (pacer) clearInterval(pacer);
  pacer = null;
}

function idle(): void {
  stopPacer();
  mode = 'idle';
}

// Heartbeats while idle, as Kite sends them (Dhan's clients here have long silence limits).
setInterval(() => {
  const now = Date.now();
  for (const c of conns) if (c.kind === 'kite' && now - c.lastSend > 900 && c.ws.readyState === c.ws.OPEN) {
    c.ws.send(HEARTBEAT_FRAME);
    c.lastSend = now;
  }
}, 250).unref();

// --- preparing frames ---------------------------------------------------------------------------

function prepare(cycles: number): { frames: number; bytes: number } {
  const now = Date.now();
  let frames = 0;
  let bytes = 0;
  for (const c of conns) {
    if (c.kind === 'kite') {
      const tokens = [...c.kite.keys()];
      c.frames = kiteFrames(tokens, (t) => basePriceOf.get(t) ?? 100, cycles, now);
      c.offsets = c.frames.map(kitePacketOffsets);
    } else {
      const byId = new Map(dhanRefs.map((r) => [r.securityId, r]));
      const refs = c.dhan.map((id) => byId.get(id)!).filter(Boolean);
      if (c.kind === 'dhan') {
        c.frames = dhanFrames(refs, cycles, now);
        c.offsets = c.frames.map((f) => Array.from({ length: f.length / 162 }, (_, k) => k * 162));
      } else {
        c.frames = dhanDepthFrames(refs, cycles);
        c.offsets = c.frames.map((f) => Array.from({ length: f.length / 332 }, (_, k) => k * 332));
      }
    }
    c.next = 0;
    frames += c.frames.length;
    bytes += c.frames.reduce((n, f) => n + f.length, 0);
  }
  return { frames, bytes };
}

// --- a trading day ------------------------------------------------------------------------------

/** xorshift32: the day's random walk, the same every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

/**
 * Relative tick intensity through the session (f: 0 at 09:15, 1 at 15:30): busy in the first and
 * last quarter hour (3× and 2.5× mid-day), normalised to a mean of 1.
 */
function intensity(f: number): number {
  const tau = 15 / 375;
  return (1 + 2 * Math.exp(-f / tau) + 1.5 * Math.exp(-(1 - f) / tau)) / (1 + 3.5 * tau);
}

/**
 * The session from `dayStartMs` over `simMs` of exchange time, sent in `wallMs`, averaging `rate`
 * ticks/s: each instrument trades at random (a tick up, down or unchanged), 200 packets a frame.
 */
function day(o: { wallMs: number; rate: number; dayStartMs: number; simMs: number }): void {
  stopPacer();
  mode = 'day';
  stats.dayDone = false;
  const list = [...conns].filter((c) => c.kind === 'kite');
  const tokens = list.map((c) => [...c.kite.keys()]);
  const quotes = new Map<number, ReplayQuote>();
  for (const t of tokens.flat()) quotes.set(t, startQuote(basePriceOf.get(t) ?? 100));
  const rand = rng(7);
  const t0 = performance.now();
  let last = t0;
  let due = 0;
  pacer = setInterval(() => {
    const now = performance.now();
    const f = (now - t0) / o.wallMs;
    if (f >= 1) {
      idle();
      stats.dayDone = true;
      return;
    }
    due += (o.rate * intensity(f) * (now - last)) / 1000;
    last = now;
    const simNow = Math.round(o.dayStartMs + f * o.simMs);
    stats.simNow = simNow;
    for (let k = 0; k < list.length && due >= 1; k++) {
      const c = list[k];
      if (c.inFlight > 200) continue;
      const n = Math.min(Math.floor(due / (list.length - k)), 2000);
      const items: Array<{ quote: ReturnType<typeof kiteQuote>; mode: 'full' }> = [];
      for (let i = 0; i < n; i++) {
        const ts = tokens[k];
        const token = ts[Math.floor(rand() * ts.length)];
        const q = quotes.get(token)!;
        const r = rand();
        trade(q, r < 0.33 ? -1 : r < 0.66 ? 0 : 1, 0.05, 1 + Math.floor(rand() * 100) * 25);
        items.push({ quote: kiteQuote(token, q, simNow), mode: 'full' });
      }
      for (let i = 0; i < items.length; i += 200) {
        c.inFlight++;
        c.lastSend = Date.now();
        c.ws.send(encodeFrame(items.slice(i, i + 200)), { binary: true }, () => c.inFlight--);
        stats.frames++;
      }
      stats.ticks += n;
      due -= n;
    }
    if (due > o.rate) {
      // More than a second behind: the engine is not taking them; count and move on.
      stats.heldBack += Math.floor(due);
      due = 0;
    }
  }, 10);
}

// --- commands -----------------------------------------------------------------------------------

let kiteRest: KiteSimulator | null = null;

async function listen(): Promise<string> {
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return `ws://127.0.0.1:${(http.address() as AddressInfo).port}`;
}

async function until(ok: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`replay: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

type Command =
  | { cmd: 'kite'; instruments: number }
  | { cmd: 'dhan'; instruments: number }
  | { cmd: 'prepare'; expect: number; expectDepth?: number; cycles: number }
  | { cmd: 'flood' }
  | { cmd: 'pace'; rate: number }
  | { cmd: 'idle' }
  | { cmd: 'day'; wallMs: number; rate: number; dayStartMs: number; simMs: number }
  | { cmd: 'stats' }
  | { cmd: 'exit' };

async function handle(c: Command): Promise<unknown> {
  switch (c.cmd) {
    case 'kite': {
      serverKind = 'kite';
      const universe = kiteUniverse(c.instruments);
      basePriceOf = new Map(universe.map((i) => [i.token, i.basePrice]));
      kiteRest = new KiteSimulator({ instruments: universe, ticksPerSecond: 0 });
      await kiteRest.start();
      const root = await listen();
      return { wsRoot: `${root}/`, restRoot: kiteRest.restUrl, apiKey: kiteRest.apiKey, accessToken: 'sim_access_token' };
    }
    case 'dhan': {
      serverKind = 'dhan';
      dhanRefs = dhanUniverse(c.instruments);
      return { root: await listen() };
    }
    case 'prepare': {
      const kind = serverKind === 'kite' ? 'kite' : 'dhan';
      await until(() => subscribed(kind) >= c.expect && (!c.expectDepth || subscribed('dhan-depth') >= c.expectDepth), 30_000, `${c.expect} subscriptions`);
      return prepare(c.cycles);
    }
    case 'flood':
      flood();
      return {};
    case 'pace':
      pace(c.rate);
      return {};
    case 'idle':
      idle();
      return {};
    case 'day':
      day(c);
      return {};
    case 'stats': {
      const cpu = process.cpuUsage();
      return { ...stats, cpuUs: cpu.user + cpu.system, rss: process.memoryUsage().rss };
    }
    case 'exit':
      idle();
      for (const c of conns) c.ws.terminate();
      await kiteRest?.stop();
      setImmediate(() => process.exit(0));
      return {};
  }
}

process.on('message', (m: Command & { id: number }) => {
  handle(m).then(
    (r) => process.send!({ id: m.id, ok: true, result: r }),
    (e: Error) => process.send!({ id: m.id, ok: false, error: e.message }),
  );
});
// The parent went away: so does the replay.
process.on('disconnect', () => process.exit(0));
