// `tickdesk serve`: record (as `record` does) and serve the workstation UI to a browser.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startUiServer } from '../bridge/http';
import { Recorder } from '../recorder';
import { EngineService } from '../service';
import { buildRenderer, RENDERER_OUT, rendererIsStale } from '../ui-build';
import { parseDuration, UsageError } from './args';
import { RECORDER_ARGS, RECORDER_HELP, recorderOptions, runUntilStopped, startWithProgress } from './recorder-args';

export const SERVE_HELP = `tickdesk serve [--demo] [options]
  --demo                   a built-in simulator (Kite's protocol; --broker sim-dhan for Dhan's) and a
                           fresh temporary journal (unless --journal)
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
  if (values.demo) {
    // --demo runs a simulator: Kite's protocol by default, Dhan's with --broker sim-dhan.
    if (values.broker !== 'sim' && values.broker !== 'sim-dhan') throw new UsageError('--demo runs a simulator: --broker sim (default) or sim-dhan');
    if (!argv.includes('--journal')) values.journal = join(mkdtempSync(join(tmpdir(), 'tickdesk-demo-')), 'demo.sqlite');
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port must be 0–65535');
  const opts = recorderOptions(values);
  const durationMs = values.duration ? parseDuration(values.duration) : Infinity;

  if (rendererIsStale()) {
    process.stderr.write('building the UI (out/renderer)…\n');
    await buildRenderer();
  }
  const recorder = new Recorder(opts);
  await startWithProgress(recorder);
  const service = new EngineService(recorder);
  service.start();
  const server = await startUiServer({ service, staticDir: RENDERER_OUT, host: values.host, port });
  console.log(`Tickdesk UI: ${server.url}`);
  if (values.host !== '127.0.0.1' && values.host !== 'localhost' && values.host !== '::1') {
    console.log(`warning: bound to ${values.host}: anyone who can reach it and has the URL's token can see your data`);
  }
  await runUntilStopped(recorder, opts.journalPath, durationMs, async () => {
    await server.close();
    service.stop();
  });
  return 0;
}
