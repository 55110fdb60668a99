// Engine entry inside the desktop app: Electron main forks this file as a utilityProcess and hands
// it one MessagePort per window. Plain Node (no electron import): it talks over `process.parentPort`.
// Main says what to record ('start': the simulator, or a broker with the session main keeps
// encrypted) and hands over new sessions after a re-login ('session').
import { join } from 'node:path';
import { serveBridge, type BridgeConnection, type BridgePort } from './bridge/server';
import { Recorder } from './recorder';
import { EngineService } from './service';
import { z } from 'zod';
import { HostMessage, type EngineStart } from '../shared/desktop';
import { AuthError } from './brokers/errors';
import { broker, brokerIds, findBroker } from './brokers/registry';
import { installLastResort } from './last-resort';

/** The slice of Electron's MessagePortMain that the bridge uses. */
interface PortMain {
  on(event: 'message', fn: (e: { data: unknown }) => void): void;
  on(event: 'close', fn: () => void): void;
  postMessage(msg: unknown): void;
  start(): void;
}
interface ParentPort {
  on(event: 'message', fn: (e: { data: unknown; ports: PortMain[] }) => void): void;
  postMessage(msg: unknown): void;
}

const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
if (!parentPort) throw new Error('engine-host must be started by Electron main as a utilityProcess');

const dataDir = process.env.TICKDESK_DATA_DIR ?? process.cwd();

/** The recorder whose journal is open (from construction on, before it has started). */
let current: Recorder | null = null;
// A bug that ends the engine commits what is queued first, tells main (which restarts the engine)
// and exits 70.
installLastResort({
  name: 'tickdesk engine',
  journal: () => current?.journal ?? null,
  report: (message) => parentPort.postMessage({ type: 'fatal', message }),
});

/** The recorder main asked for; the simulator, with the reason, when that broker cannot start. */
async function startRecorder(cfg: EngineStart): Promise<Recorder> {
  const common = { journalPath: join(dataDir, 'tickdesk.sqlite'), migrationsDir: process.env.TICKDESK_MIGRATIONS_DIR, mode: 'full' as const };
  const sim = (id = 'sim') => (current = new Recorder({ ...common, broker: id, instruments: 'all' }));
  if (broker(cfg.broker).simulated) {
    const r = sim(cfg.broker);
    await r.start();
    if (cfg.note) r.notices.push(cfg.note);
    return r;
  }
  const real = (current = new Recorder({
    ...common,
    broker: cfg.broker,
    instruments: cfg.instruments,
    apiKey: cfg.apiKey,
    clientId: cfg.clientId,
    accessToken: cfg.accessToken,
    depth: cfg.depth,
    restRoot: cfg.restRoot,
    wsRoot: cfg.wsRoot,
  }));
  try {
    await real.start();
    return real;
  } catch (e) {
    const why = `${cfg.broker} did not start (${(e as Error).message})${e instanceof AuthError ? ': connect again' : ''}; recording from the simulator meanwhile`;
    parentPort!.postMessage({ type: 'fatal', message: why });
    const r = sim();
    await r.start();
    r.notices.push(why);
    return r;
  }
}

let recorder: Recorder | null = null;
let service: EngineService | null = null;
const bridges: BridgeConnection[] = [];
let resolveReady!: (s: EngineService) => void;
const ready = new Promise<EngineService>((r) => (resolveReady = r));
let started = false;

function adapt(port: PortMain): BridgePort {
  return {
    send: (text) => port.postMessage(text),
    onMessage: (fn) => port.on('message', (e) => typeof e.data === 'string' && fn(e.data)),
    onClose: (fn) => port.on('close', fn),
  };
}

parentPort.on('message', (e) => {
  const m = HostMessage.safeParse(e.data);
  if (!m.success) return parentPort.postMessage({ type: 'fatal', message: `engine: unreadable message from main: ${z.prettifyError(m.error)}` });
  const msg = m.data;
  // The schema takes any well-formed broker id; the registry says which there are.
  if (msg.type === 'start' && !findBroker(msg.config.broker)) {
    return parentPort.postMessage({ type: 'fatal', message: `engine: unreadable message from main: unknown broker "${msg.config.broker}" (${brokerIds().join(', ')})` });
  }
  if (msg.type === 'start' && !started) {
    started = true;
    startRecorder(msg.config)
      .then((r) => {
        recorder = r;
        service = new EngineService(r);
        service.start();
        resolveReady(service);
      })
      .catch((err: Error) => parentPort.postMessage({ type: 'fatal', message: err.message }));
  } else if (msg.type === 'session') {
    // A new login for the broker being recorded: the feeds resume with it, subscriptions intact.
    void ready.then(() => {
      if (!recorder?.useSession(msg.session)) parentPort.postMessage({ type: 'fatal', message: `the new ${msg.session.broker} session does not fit this recording; restart the app` });
    });
  } else if (msg.type === 'port' && e.ports[0]) {
    const port = e.ports[0];
    void ready.then((svc) => {
      bridges.push(serveBridge(svc, adapt(port)));
      port.start();
    });
  } else if (msg.type === 'stop') {
    // Windows and timers first, then the recorder commits what it holds.
    for (const b of bridges.splice(0)) b.close();
    service?.stop();
    void (recorder ? recorder.stop() : Promise.resolve()).then(() => process.exit(0));
  }
});
