// `tickdesk record`: run the recorder until --duration passes or SIGINT/SIGTERM, then flush and exit 0.
import { parseArgs } from 'node:util';
import { installLastResort } from '../last-resort';
import { Recorder } from '../recorder';
import { openingFile, parseDuration } from './args';
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
  const durationMs = values.duration !== undefined ? parseDuration(values.duration) : Infinity;
  const recorder = openingFile('journal', opts.journalPath, () => new Recorder(opts));
  // A bug that ends the process commits what is queued first (exit 70).
  installLastResort({ name: 'tickdesk record', journal: () => recorder.journal });
  await startWithProgress(recorder);
  await runUntilStopped(recorder, opts.journalPath, durationMs);
  return 0;
}
