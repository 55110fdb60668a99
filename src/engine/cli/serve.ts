// `tickdesk serve`: record (as `record` does) and serve the workstation UI to a browser.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startUiServer } from '../bridge/http';
import { brokers, findBroker, orList } from '../brokers/registry';
import { installLastResort } from '../last-resort';
import { Recorder } from '../recorder';
import { EngineService } from '../service';
import { buildRenderer, RENDERER_OUT, rendererIsStale } from '../ui-build';
import { openingFile, parseDuration, UsageError } from './args';
import { RECORDER_ARGS, RECORDER_HELP, recorderOptions, runUntilStopped, startWithProgress } from './recorder-args';

export const SERVE_HELP = `tickdesk serve [--demo] [options]
  --demo                   a built-in simulator (Kite's protocol; --broker sim-dhan for Dhan's) and a
                           fresh temporary journal (unless --journal), deleted when serve ends
  --host ADDR              address to bind (default: 127.0.0.1; anything else exposes the UI)
  --port N                 port (default: 8420; 0 picks a free one)
  The URL printed carries a random per-launch token; the UI's WebSocket is refused without it.
${RECORDER_HELP}`;

export async function serveCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { ...RECORDER_ARGS, demo: { type: 'boolean' }, host: { type: 'string', default: '127.0.0.1' }, port: { type: 'string', default: '8420' } },
  });
  if (values.help) {
    console.log(SERVE_HELP);
    return 0;
  }
  const port = Number(values.port);
  if (!/^\d+$/.test(values.port!) || port > 65535) throw new UsageError('--port must be 0–65535');
  const durationMs = values.duration !== undefined ? parseDuration(values.duration) : Infinity;
  if (values.demo) {
    // --demo runs a simulator: Kite's protocol by default, Dhan's with --broker sim-dhan.
    if (!findBroker(values.broker ?? RECORDER_ARGS.broker.default)?.simulated) {
      const sims = brokers().filter((b) => b.simulated).map((b) => (b.id === RECORDER_ARGS.broker.default ? `${b.id} (default)` : b.id));
      throw new UsageError(`--demo runs a simulator: --broker ${orList(sims)}`);
    }
    if (!argv.some((a) => a === '--journal' || a.startsWith('--journal='))) {
      // A throwaway journal (it grows by ~45 MB a minute): gone when serve ends, however it ends
      // short of SIGKILL — here after a normal stop, on 'exit' after an error.
      const dir = mkdtempSync(join(tmpdir(), 'tickdesk-demo-'));
      values.journal = join(dir, 'demo.sqlite');
      const removeDemoJournal = () => rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
      process.once('exit', () => {
        try {
          removeDemoJournal();
        } catch {
          // Nothing more can be done on the way out; the OS cleans its temporary directory.
        }
      });
      return serve(values, port, durationMs, removeDemoJournal);
    }
  }
  return serve(values, port, durationMs);
}

async function serve(values: Parameters<typeof recorderOptions>[0] & { host?: string }, port: number, durationMs: number, afterStop = () => {}): Promise<number> {
  const host = values.host ?? '127.0.0.1';
  const opts = recorderOptions(values);
  // Before anything starts: a taken port is an error, not a recorder running without its UI.
  await portIsFree(host, port);
  const recorder = openingFile('journal', opts.journalPath, () => new Recorder(opts));
  installLastResort({ name: 'tickdesk serve', journal: () => recorder.journal });
  if (rendererIsStale()) {
    process.stderr.write('building the UI (out/renderer)…\n');
    try {
      await buildRenderer();
    } catch (e) {
      await recorder.stop();
      afterStop();
      throw e;
    }
  }
  // The page is served while the engine starts (its feed, the instrument list): the browser loads
  // and compiles the page meanwhile, and its WebSocket is taken once the engine is up.
  const started = startWithProgress(recorder).then(() => {
    const service = new EngineService(recorder);
    service.start();
    return service;
  });
  started.catch(() => {}); // answered below, after the server is up or not
  let server: Awaited<ReturnType<typeof startUiServer>>;
  try {
    server = await startUiServer({ service: started, staticDir: RENDERER_OUT, host, port });
  } catch (e) {
    // Taken meanwhile (or another listen error): stop recording too, and say so.
    (await started.catch(() => null))?.stop();
    await recorder.stop(5000);
    afterStop();
    throw listenError(e, host, port);
  }
  console.log(`Tickdesk UI: ${server.url}`);
  let service: EngineService;
  try {
    service = await started;
  } catch (e) {
    await server.close();
    afterStop();
    throw e;
  }
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '::1') {
    console.log(`warning: bound to ${host}: anyone who can reach it and has the URL's token can see your data`);
  }
  await runUntilStopped(recorder, opts.journalPath, durationMs, async () => {
    await server.close();
    service.stop();
  });
  afterStop();
  return 0;
}

/** Resolves when HOST:PORT can be listened on (port 0 always can); throws what listen would. */
async function portIsFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  const probe = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen(port, host, () => resolve());
    });
  } catch (e) {
    throw listenError(e, host, port);
  }
  await new Promise((r) => probe.close(r));
}

function listenError(e: unknown, host: string, port: number): Error {
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'EADDRINUSE') return new Error(`${host}:${port} is in use (another tickdesk serve?): pick another --port, or --port 0 for a free one`, { cause: e });
  if (err.code === 'EACCES') return new Error(`${host}:${port}: permission denied (ports below 1024 need privileges): pick another --port`, { cause: e });
  if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') return new Error(`cannot bind ${host}: no such address on this machine (--host)`, { cause: e });
  return err;
}
