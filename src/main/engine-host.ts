// Starts and supervises the engine utilityProcess; restarts it with backoff after a crash and
// connects each window to it with its own MessageChannel.
import { MessageChannelMain, utilityProcess, type UtilityProcess, type WebContents } from 'electron';
import { join } from 'node:path';

export interface EngineState {
  state: 'starting' | 'running' | 'restarting' | 'stopped';
  detail: string;
}

export class EngineSupervisor {
  private child: UtilityProcess | null = null;
  private restarts = 0;
  private stopping = false;

  constructor(
    private readonly entry: string,
    private readonly env: Record<string, string>,
    private readonly onState: (s: EngineState) => void,
  ) {}

  start(): void {
    this.stopping = false;
    this.onState({ state: 'starting', detail: '' });
    const child = utilityProcess.fork(this.entry, [], {
      serviceName: 'tickdesk-engine',
      env: { ...process.env, ...this.env },
      stdio: 'inherit',
    });
    this.child = child;
    child.on('spawn', () => {
      this.onState({ state: 'running', detail: `pid ${child.pid}` });
      // A run that lasts a minute resets the backoff.
      setTimeout(() => this.child === child && (this.restarts = 0), 60_000);
    });
    child.on('message', (m: { type?: string; message?: string }) => {
      if (m?.type === 'fatal') this.onState({ state: 'running', detail: `engine error: ${m.message}` });
    });
    child.on('exit', (code) => {
      this.child = null;
      if (this.stopping) return this.onState({ state: 'stopped', detail: '' });
      const delay = Math.min(30_000, 500 * 2 ** this.restarts++);
      this.onState({ state: 'restarting', detail: `engine exited with ${code}; restart in ${delay} ms` });
      setTimeout(() => this.start(), delay);
    });
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
