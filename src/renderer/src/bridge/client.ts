// The renderer's side of the Engine API: one client, two transports (WebSocket in a browser,
// MessagePort in Electron). The UI cannot tell which one it runs over.
import type { Events, Method, RequestParams, Responses } from '../../../shared/api';
import { Reassembler } from '../../../shared/bridge';
import type { BrokerName, ConnectRequest, ConnectResult, DesktopStatus } from '../../../shared/desktop';

export interface Transport {
  send(text: string): void;
  onMessage(fn: (text: string) => void): void;
  onClose(fn: () => void): void;
  close(): void;
}

export class BridgeError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class BridgeClient {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly listeners = new Map<string, Set<(data: unknown) => void>>();
  private readonly reassembler = new Reassembler();
  closed = false;
  /** When the engine last sent anything (ms): the engine's status comes every second. */
  lastReceived = Date.now();
  /** Called for each message as it arrives, before its events (the page's frame scheduler notes it). */
  onReceive: () => void = () => {};

  constructor(private readonly transport: Transport) {
    transport.onMessage((text) => this.receive(text));
    transport.onClose(() => {
      this.closed = true;
      for (const p of this.pending.values()) p.reject(new BridgeError('closed', 'the engine connection closed'));
      this.pending.clear();
      this.emit('close', null);
    });
  }

  request<M extends Method>(method: M, params: RequestParams<M>): Promise<Responses[M]> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.transport.send(JSON.stringify({ id, method, params }));
    });
  }

  on<E extends keyof Events | 'close'>(event: E, fn: (data: E extends keyof Events ? Events[E] : null) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(fn as (data: unknown) => void);
    return () => set!.delete(fn as (data: unknown) => void);
  }

  close(): void {
    this.transport.close();
  }

  private emit(event: string, data: unknown): void {
    const set = this.listeners.get(event);
    if (set) for (const fn of set) fn(data);
  }

  private receive(text: string): void {
    this.lastReceived = Date.now();
    this.onReceive();
    let msg:
      | { id?: number; result?: unknown; error?: { code: string; message: string }; event?: string; data?: unknown; events?: Array<[string, unknown]> }
      | undefined;
    try {
      msg = this.reassembler.accept(text) as typeof msg;
    } catch {
      return; // not JSON: ignore rather than break the UI
    }
    if (!msg) return;
    if (Array.isArray(msg.events)) {
      for (const [event, data] of msg.events) this.emit(event, data);
      return;
    }
    if (typeof msg.event === 'string') {
      this.emit(msg.event, msg.data);
      return;
    }
    if (typeof msg.id !== 'number') return;
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if (msg.error) p.reject(new BridgeError(msg.error.code, msg.error.message));
    else p.resolve(msg.result);
  }
}

/** Browser: the WebSocket of `tickdesk serve`, authenticated by the token in the page's URL. */
export function connectWebSocket(url: string, timeoutMs = 8000): Promise<Transport> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const closeFns: Array<() => void> = [];
    // A stopped server accepts the TCP connection and never answers the upgrade.
    const timer = setTimeout(() => {
      reject(new Error('the engine does not answer'));
      ws.close();
    }, timeoutMs);
    ws.onopen = () => {
      clearTimeout(timer);
      resolve({
        send: (t) => ws.readyState === WebSocket.OPEN && ws.send(t),
        onMessage: (fn) => ws.addEventListener('message', (e) => typeof e.data === 'string' && fn(e.data)),
        onClose: (fn) => closeFns.push(fn),
        close: () => ws.close(),
      });
    };
    ws.onerror = () => {
      clearTimeout(timer);
      reject(new Error('cannot reach the engine'));
    };
    ws.onclose = () => closeFns.forEach((f) => f());
  });
}

/** Electron: the preload hands over a MessagePort that main connected to the engine. */
export function connectElectronPort(timeoutMs = 10_000): Promise<Transport> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the engine port did not arrive')), timeoutMs);
    const onMessage = (e: MessageEvent) => {
      if (e.source !== window || e.data !== 'tickdesk:engine-port' || !e.ports[0]) return;
      window.removeEventListener('message', onMessage);
      clearTimeout(timer);
      const port = e.ports[0];
      const closeFns: Array<() => void> = [];
      // A restarted engine process means this port is dead: reconnect for a new one.
      const offState = window.tickdesk?.onEngineState?.((s) => {
        if (s.state === 'restarting' || s.state === 'stopped') {
          offState?.();
          closeFns.forEach((f) => f());
        }
      });
      port.start();
      resolve({
        send: (t) => port.postMessage(t),
        onMessage: (fn) => port.addEventListener('message', (m) => typeof m.data === 'string' && fn(m.data)),
        onClose: (fn) => closeFns.push(fn),
        close: () => port.close(),
      });
    };
    window.addEventListener('message', onMessage);
    window.tickdesk?.requestEnginePort?.();
  });
}

declare global {
  interface Window {
    tickdesk?: {
      /** Desktop only: the engine's MessagePort comes through the preload. */
      requestEnginePort?(): void;
      onEngineState?(fn: (s: { state: string; detail: string }) => void): () => void;
      /** Desktop only: "Connect broker", run by Electron main (secrets never reach the page). */
      broker?: {
        status(): Promise<DesktopStatus>;
        connect(req: ConnectRequest): Promise<ConnectResult>;
        disconnect(broker: BrokerName): Promise<void>;
      };
    };
  }
}

/**
 * After a refused WebSocket: whether the server itself answers (its page loads). A server that
 * serves its page but refuses the bridge refuses this page's token: it was restarted with a new one.
 */
export async function serverAnswers(timeoutMs = 3000): Promise<boolean> {
  if (window.tickdesk?.requestEnginePort) return false; // desktop: no token to be refused
  try {
    const r = await fetch(`${location.origin}/`, { cache: 'no-store', signal: AbortSignal.timeout(timeoutMs) });
    return r.ok;
  } catch {
    return false;
  }
}

/** The page's token, as `tickdesk serve` printed it in the URL ('' when missing). */
export function pageToken(): string {
  return new URLSearchParams(location.search).get('token') ?? '';
}

/** Picks the transport this page runs with. */
export async function connect(): Promise<BridgeClient> {
  if (window.tickdesk?.requestEnginePort) return new BridgeClient(await connectElectronPort());
  const token = pageToken();
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return new BridgeClient(await connectWebSocket(`${proto}//${location.host}/bridge?token=${encodeURIComponent(token)}`));
}
