// Engine entry inside the desktop app: Electron main forks this file as a utilityProcess and hands
// it one MessagePort per window. Plain Node (no electron import): it talks over `process.parentPort`.
import { join } from 'node:path';
import { serveBridge, type BridgePort } from './bridge/server';
import { Recorder } from './recorder';
import { EngineService } from './service';

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
const recorder = new Recorder({
  broker: 'sim',
  journalPath: join(dataDir, 'tickdesk.sqlite'),
  instruments: 'all',
  mode: 'full',
  migrationsDir: process.env.TICKDESK_MIGRATIONS_DIR,
});
const service = new EngineService(recorder);
const ready = recorder.start().then(() => service.start());
ready.catch((e: Error) => parentPort.postMessage({ type: 'fatal', message: e.message }));

function adapt(port: PortMain): BridgePort {
  return {
    send: (text) => port.postMessage(text),
    onMessage: (fn) => port.on('message', (e) => typeof e.data === 'string' && fn(e.data)),
    onClose: (fn) => port.on('close', fn),
  };
}

parentPort.on('message', (e) => {
  const type = (e.data as { type?: string })?.type;
  if (type === 'port' && e.ports[0]) {
    const port = e.ports[0];
    void ready.then(() => {
      serveBridge(service, adapt(port));
      port.start();
    });
  } else if (type === 'stop') {
    void recorder.stop().then(() => process.exit(0));
  }
});
