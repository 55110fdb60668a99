// The Engine API over any message port: requests validated with zod at this edge, hot streams
// coalesced per frame (latest quote per instrument, changed bars, latest depth, tape).
import { parseRequest, type ResponseMessage } from '../../shared/api';
import { frameMessage } from '../../shared/bridge';
import { EngineError, type EngineService } from '../service';

/** A text message channel: a WebSocket, an Electron MessagePortMain, or a test double. */
export interface BridgePort {
  send(text: string): void;
  onMessage(fn: (text: string) => void): void;
  onClose(fn: () => void): void;
}

export interface BridgeOptions {
  /** Coalescing period for hot streams, ms (one animation frame is 16–33 ms). */
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
    try {
      const result = service.call(session, req.method, req.params as never);
      send({ id: req.id, result } satisfies ResponseMessage);
    } catch (e) {
      const err = e as Error;
      const code = e instanceof EngineError ? e.code : 'internal';
      if (code === 'bad-request') conn.badRequests++;
      send({ id: req.id, error: { code, message: err.message } } satisfies ResponseMessage);
    }
  });

  const frame = setInterval(() => {
    for (const msg of session.drain()) send(msg);
  }, opts.frameMs ?? 20);
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
