// Starts and supervises the engine utilityProcess; restarts it with backoff after a crash and
// connects each window to it with its own MessageChannel. Tells it what to record (`start`) and
// hands it new sessions; a change of broker starts it over.
import { MessageChannelMain, utilityProcess, type UtilityProcess, type WebContents } from 'electron';
import { join } from 'node:path';
import type { EngineStart, HostMessage } from '../shared/desktop';
import { redactSecrets } from '../shared/redact';

export interface EngineState {
  state: 'starting' | 'running' | 'restarting' | 'stopped';
  detail: string;
}

export class EngineSupervisor {
  private child: UtilityProcess | null = null;
  private restarts = 0;
  private stopping = false;

  private config: EngineStart = { broker: 'sim', instruments: 'all' };

  constructor(
    private readonly entry: string,
    private readonly env: Record<string, string>,
    private readonly onState: (s: EngineState) => void,
  ) {}

  start(config: EngineStart = this.config): void {
    this.config = config;
    this.stopping = false;
    this.onState({ state: 'starting', detail: '' });
    const child = utilityProcess.fork(this.entry, [], {
      serviceName: 'tickdesk-engine',
      env: { ...process.env, ...this.env },
      stdio: 'inherit',
    });
    this.child = child;
    child.on('spawn', () => {
      this.send({ type: 'start', config: this.config });
      this.onState({ state: 'running', detail: `pid ${child.pid}` });
      // A run that lasts a minute resets the backoff.
      setTimeout(() => this.child === child && (this.restarts = 0), 60_000);
    });
    child.on('message', (m: { type?: string; message?: string }) => {
      // The detail reaches the page: no token from a quoted URL or header (shared/redact).
      if (m?.type === 'fatal') this.onState({ state: 'running', detail: `engine error: ${redactSecrets(String(m.message))}` });
    });
    child.on('exit', (code) => {
      this.child = null;
      if (this.stopping) {
        if (this.next) {
          const cfg = this.next;
          this.next = null;
          this.onState({ state: 'restarting', detail: `recording from ${cfg.broker}` });
          return this.start(cfg);
        }
        return this.onState({ state: 'stopped', detail: '' });
      }
      const delay = Math.min(30_000, 500 * 2 ** this.restarts++);
      this.onState({ state: 'restarting', detail: `engine exited with ${code}; restart in ${delay} ms` });
      setTimeout(() => this.start(), delay);
    });
  }

  private next: EngineStart | null = null;

  /** A message for the engine (dropped while it is not running: it gets `start` when it spawns). */
  send(msg: HostMessage): void {
    this.child?.postMessage(msg);
  }

  /** A new session for the broker being recorded; a restart after a crash starts with it too. */
  handOver(session: Extract<HostMessage, { type: 'session' }>['session'], config: EngineStart): void {
    this.config = config;
    this.send({ type: 'session', session });
  }

  /** Stops the engine (it commits what it holds) and starts it again with another configuration. */
  restart(config: EngineStart): void {
    if (!this.child) return this.start(config);
    this.next = config;
    this.stop();
  }

  /** Wires a window to the engine: one port to the engine, the other to the page. */
  connect(contents: WebContents): boolean {
    if (!this.child) return false;
    const { port1, port2 } = new MessageChannelMain();
    this.child.postMessage({ type: 'port' }, [port1]);
    contents.postMessage('engine:port', null, [port2]);
    return true;
  }

  stop(): void {
    this.stopping = true;
    const child = this.child;
    child?.postMessage({ type: 'stop' });
    setTimeout(() => child?.kill(), 3000);
  }
}

export function engineEntry(dir: string): string {
  return join(dir, 'engine-host.js');
}
