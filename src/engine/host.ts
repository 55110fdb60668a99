// Engine entry inside the desktop app: Electron main forks this file as a utilityProcess.
// It is plain Node (no electron import): it talks to main over `process.parentPort`.
import { join } from 'node:path';
import { Recorder } from './recorder';

interface ParentPort {
  on(event: 'message', fn: (e: { data: unknown }) => void): void;
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

recorder
  .start()
  .then(() => {
    setInterval(() => parentPort.postMessage({ type: 'status', stats: recorder.stats() }), 1000);
  })
  .catch((e: Error) => parentPort.postMessage({ type: 'fatal', message: e.message }));

parentPort.on('message', (e) => {
  if ((e.data as { type?: string })?.type === 'stop') void recorder.stop().then(() => process.exit(0));
});
