// `tickdesk record`: run the recorder until --duration passes or SIGINT/SIGTERM, then flush and exit 0.
import { parseArgs } from 'node:util';
import { Recorder } from '../recorder';
import { parseDuration } from './args';
import { RECORDER_ARGS, RECORDER_HELP, recorderOptions, runUntilStopped, startWithProgress } from './recorder-args';

export const RECORD_HELP = `tickdesk record [options]
${RECORDER_HELP}`;

export async function recordCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: RECORDER_ARGS });
  if (values.help) {
    console.log(RECORD_HELP);
    return 0;
  }
  const opts = recorderOptions(values);
  const durationMs = values.duration ? parseDuration(values.duration) : Infinity;
  const recorder = new Recorder(opts);
  await startWithProgress(recorder);
  await runUntilStopped(recorder, opts.journalPath, durationMs);
  return 0;
}
