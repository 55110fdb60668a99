// The Engine API over any message port: requests validated with zod at this edge, hot streams
// coalesced per frame (latest quote per instrument, changed bars, latest depth, tape).
import { parseRequest, type ResponseMessage } from '../../shared/api';
import { frameMessage, MAX_MESSAGE_BYTES } from '../../shared/bridge';
import { EngineError, type EngineService } from '../service';

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
}

export interface BridgeConnection {
  requests: number;
  badRequests: number;
  close(): void;
}

export function serveBridge(service: EngineService, port: BridgePort, opts: BridgeOptions = {}): BridgeConnection {
  const session = service.openSession();
  const conn: BridgeConnection = { requests: 0, badRequests: 0, close };
  const send = (msg: unknown) => {
    for (const text of frameMessage(msg)) port.send(text);
  };

  port.onMessage((text) => {
    conn.requests++;
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
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
    // Most methods answer at once; a few (loginStart) answer when their work is under way.
    const fail = (e: unknown) => {
      const code = e instanceof EngineError ? e.code : 'internal';
      if (code === 'bad-request') conn.badRequests++;
      send({ id: req.id, error: { code, message: (e as Error).message } } satisfies ResponseMessage);
    };
    try {
      const result: unknown = service.call(session, req.method, req.params as never);
      if (result instanceof Promise) result.then((r) => send({ id: req.id, result: r } satisfies ResponseMessage), fail);
      else send({ id: req.id, result } satisfies ResponseMessage);
    } catch (e) {
      fail(e);
    }
  });

  // One message per frame carrying every stream that changed: fewer, larger messages cost the
  // page far less than many small ones (each is a task, a parse and a dispatch).
  const frame = setInterval(() => {
    const events = session.drain();
    if (events.length === 1) send(events[0]);
    else if (events.length > 1) {
      const batch = { events: events.map((e) => [e.event, e.data]) };
      if (JSON.stringify(batch).length < MAX_MESSAGE_BYTES - 1024) send(batch);
      else for (const e of events) send(e);
    }
  }, opts.frameMs ?? 33);
  const status = setInterval(() => send({ event: 'status', data: service.status() }), opts.statusMs ?? 1000);
  send({ event: 'status', data: service.status() });

  let closed = false;
  function close(): void {
    if (closed) return;
    closed = true;
    clearInterval(frame);
    clearInterval(status);
    service.closeSession(session);
  }
  port.onClose(close);
  return conn;
}
