// Starts and supervises the engine utilityProcess; restarts it with backoff after a crash.
import { utilityProcess, type UtilityProcess } from 'electron';
import { join } from 'node:path';

export type EngineMessage = { type: 'status'; stats: unknown } | { type: 'fatal'; message: string } | { type: 'engine'; state: string; detail: string };

export class EngineSupervisor {
  private child: UtilityProcess | null = null;
  private restarts = 0;
  private stopping = false;

  constructor(
    private readonly entry: string,
    private readonly env: Record<string, string>,
    private readonly onMessage: (msg: EngineMessage) => void,
  ) {}

  start(): void {
    this.stopping = false;
    const child = utilityProcess.fork(this.entry, [], {
      serviceName: 'tickdesk-engine',
      env: { ...process.env, ...this.env },
      stdio: 'inherit',
    });
    this.child = child;
    child.on('message', (m: EngineMessage) => this.onMessage(m));
    child.on('spawn', () => this.onMessage({ type: 'engine', state: 'running', detail: `pid ${child.pid}` }));
    child.on('exit', (code) => {
      this.child = null;
      if (this.stopping) return;
      const delay = Math.min(30_000, 500 * 2 ** this.restarts++);
      this.onMessage({ type: 'engine', state: 'restarting', detail: `exited with ${code}; restart in ${delay} ms` });
      setTimeout(() => this.start(), delay);
    });
  }

  stop(): void {
    this.stopping = true;
    this.child?.postMessage({ type: 'stop' });
    const child = this.child;
    setTimeout(() => child?.kill(), 3000);
  }
}

export function engineEntry(dir: string): string {
  return join(dir, 'engine-host.js');
}
