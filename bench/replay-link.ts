// The bench's handle on the replay process (bench/scale-server.ts): forks it and sends it commands
// over IPC, each answered once done.
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../src/engine/paths';

/** The replay server's source (found from the repository's root: this code may run compiled, from out/bench). */
const SERVER = join(REPO_ROOT, 'bench', 'scale-server.ts');

export interface ReplayStats {
  ticks: number;
  frames: number;
  depthSides: number;
  heldBack: number;
  simNow: number;
  dayDone: boolean;
  /** The replay process's CPU time so far, µs. */
  cpuUs: number;
  rss: number;
}

export class ReplayLink {
  private seq = 0;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (m: { id: number; ok: boolean; result?: unknown; error?: string }) => {
      const w = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      if (m.ok) w?.resolve(m.result);
      else w?.reject(new Error(m.error));
    });
    child.on('exit', (code) => {
      for (const w of this.waiting.values()) w.reject(new Error(`replay process exited (${code})`));
      this.waiting.clear();
    });
  }

  /** Forks the replay process (same node, same tsx loader; its CPU affinity is this process's). */
  static start(): ReplayLink {
    return new ReplayLink(fork(SERVER, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  }

  get pid(): number {
    return this.child.pid!;
  }

  call<T = Record<string, unknown>>(cmd: string, args: Record<string, unknown> = {}): Promise<T> {
    const id = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, cmd, ...args });
    });
  }

  stats(): Promise<ReplayStats> {
    return this.call<ReplayStats>('stats');
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
    await this.call('exit').catch(() => undefined);
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}
