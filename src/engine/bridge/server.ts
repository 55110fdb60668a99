// The Engine API over any message port: requests validated with zod at this edge and handed to
// the service's typed handlers, hot streams coalesced per frame for each page (page-coalescer.ts:
// latest quote per instrument, changed bars, latest depth, tape). Each
// connection gets a bounded share of the engine: a token bucket and a cap on unanswered requests
// refuse a flood with 'rate-limited', and requests run in short slices so the feed and the journal
// keep their turns of the event loop.
import { parseRequest, type Method, type ResponseMessage, type ValidRequest } from '../../shared/api';
import { frameMessage, MAX_MESSAGE_BYTES } from '../../shared/bridge';
import { redactSecrets } from '../../shared/redact';
import { EngineError } from '../api/errors';
import type { EngineService } from '../api/service';
import { PageCoalescer } from './page-coalescer';

/** What the bridge needs of the engine: pages that hear its streams, a call per request, status. */
export type EngineChannel = Pick<EngineService, 'attachPage' | 'detachPage' | 'call' | 'status'>;

/** A text message channel: a WebSocket, an Electron MessagePortMain, or a test double. */
export interface BridgePort {
  send(text: string): void;
  onMessage(fn: (text: string) => void): void;
  onClose(fn: () => void): void;
}

export interface BridgeOptions {
  /** Coalescing period for hot streams, ms (one animation frame is 16–33 ms; default 33). */
  frameMs?: number;
  statusMs?: number;
  /** Requests a connection may send at once (default 200)… */
  burst?: number;
  /** …and per second after that (default 100); beyond it a request is refused with 'rate-limited'. */
  perSecond?: number;
  /** Requests accepted but not yet answered on one connection (default 64); beyond it: 'rate-limited'. */
  maxPending?: number;
  /** The longest run of requests in one turn of the event loop before yielding, ms (default 8). */
  sliceMs?: number;
}

export interface BridgeConnection {
  requests: number;
  badRequests: number;
  /** Requests refused with 'rate-limited'. */
  refused: number;
  close(): void;
}

export function serveBridge(service: EngineChannel, port: BridgePort, opts: BridgeOptions = {}): BridgeConnection {
  const page = new PageCoalescer();
  service.attachPage(page);
  const conn: BridgeConnection = { requests: 0, badRequests: 0, refused: 0, close };
  const send = (msg: unknown) => {
    for (const text of frameMessage(msg)) port.send(text);
  };
  const burst = opts.burst ?? 200;
  const perSecond = opts.perSecond ?? 100;
  const maxPending = opts.maxPending ?? 64;
  const sliceMs = opts.sliceMs ?? 8;

  let tokens = burst;
  let refilledAt = performance.now();
  const takeToken = (): boolean => {
    const now = performance.now();
    tokens = Math.min(burst, tokens + ((now - refilledAt) / 1000) * perSecond);
    refilledAt = now;
    if (tokens < 1) return false;
    tokens--;
    return true;
  };
  const refuse = (id: number, message: string) => {
    conn.refused++;
    send({ id, error: { code: 'rate-limited', message } } satisfies ResponseMessage);
  };

  // Accepted requests wait here until a slice runs them; `pending` also counts those whose
  // answer is still on its way (loginStart, backfill).
  const queue: ValidRequest[] = [];
  let pending = 0;
  let scheduled = false;

  port.onMessage((text) => {
    if (closed) return;
    conn.requests++;
    let raw: unknown;
    let json = true;
    try {
      raw = JSON.parse(text);
    } catch {
      json = false;
    }
    // A refusal carries the request's id when it has one, so the client can fail that call.
    const rawId = json && typeof raw === 'object' && raw !== null ? (raw as { id?: unknown }).id : undefined;
    const id = typeof rawId === 'number' ? rawId : -1;
    if (!takeToken()) return refuse(id, `rate limited: more than ${perSecond} requests a second on this connection; retry later`);
    if (pending >= maxPending) return refuse(id, `rate limited: ${maxPending} requests on this connection are still unanswered; retry when they are`);
    if (!json) {
      conn.badRequests++;
      send({ id: -1, error: { code: 'bad-request', message: 'request is not valid JSON' } } satisfies ResponseMessage);
      return;
    }
    const req = parseRequest(raw);
    if (!req.ok) {
      conn.badRequests++;
      send({ id: req.id, error: { code: req.code, message: req.message } } satisfies ResponseMessage);
      return;
    }
    pending++;
    queue.push(req);
    schedule();
  });

  function schedule(): void {
    if (scheduled || closed || !queue.length) return;
    scheduled = true;
    setImmediate(runSlice);
  }

  function runSlice(): void {
    scheduled = false;
    const start = performance.now();
    while (!closed && queue.length && performance.now() - start < sliceMs) run(queue.shift()!);
    schedule();
  }

  function run<M extends Method>(req: ValidRequest<M>): void {
    const ok = (result: unknown) => {
      pending--;
      send({ id: req.id, result } satisfies ResponseMessage);
    };
    const fail = (e: unknown) => {
      pending--;
      const code = e instanceof EngineError ? e.code : 'internal';
      if (code === 'bad-request') conn.badRequests++;
      // An error may quote a broker URL or header: no token reaches the page (shared/redact).
      send({ id: req.id, error: { code, message: redactSecrets(String((e as Error)?.message ?? e)) } } satisfies ResponseMessage);
    };
    try {
      // Most methods answer at once; a few (loginStart) answer when their work is under way.
      const result: unknown = service.call(page, req.method, req.params);
      if (result instanceof Promise) result.then(ok, fail);
      else ok(result);
    } catch (e) {
      fail(e);
    }
  }

  // One message per frame carrying every stream that changed: fewer, larger messages cost the
  // page far less than many small ones (each is a task, a parse and a dispatch). It is serialized
  // once, and goes whole while it is under MAX_MESSAGE_BYTES: a frame of 200 full quotes is some
  // 30,000 characters of ASCII, which frameMessage (it counts 4 bytes a character) would cut into
  // chunks that the page parses twice.
  const frame = setInterval(() => {
    const events = page.drain();
    if (!events.length) return;
    const msg = events.length === 1 ? events[0] : { events: events.map((e) => [e.event, e.data]) };
    const text = JSON.stringify(msg);
    if (text.length * 3 < MAX_MESSAGE_BYTES || Buffer.byteLength(text) < MAX_MESSAGE_BYTES) port.send(text);
    else if (events.length > 1) for (const e of events) send(e);
    else send(msg);
  }, opts.frameMs ?? 33);
  const status = setInterval(() => send({ event: 'status', data: service.status() }), opts.statusMs ?? 1000);
  send({ event: 'status', data: service.status() });

  let closed = false;
  function close(): void {
    if (closed) return;
    closed = true;
    queue.length = 0;
    clearInterval(frame);
    clearInterval(status);
    service.detachPage(page);
  }
  port.onClose(close);
  return conn;
}
