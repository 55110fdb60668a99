// The `tickdesk` command.
import { AuthError } from '../brokers/errors';
import { UsageError } from './args';
import { backfillCommand, BACKFILL_HELP } from './backfill';
import { loginCommand, LOGIN_HELP } from './login';
import { dbCommand, DB_HELP } from './db';
import { decodeCommand, DECODE_HELP } from './decode';
import { exportCommand, EXPORT_HELP } from './export';
import { recordCommand, RECORD_HELP } from './record';
import { serveCommand, SERVE_HELP } from './serve';

const HELP = `tickdesk — record, export and decode Indian market data

Commands:
${RECORD_HELP}

${SERVE_HELP}

${EXPORT_HELP}

${BACKFILL_HELP}

${LOGIN_HELP}

${DECODE_HELP}

${DB_HELP}`;

const commands: Record<string, (argv: string[]) => Promise<number>> = {
  record: recordCommand,
  export: exportCommand,
  backfill: backfillCommand,
  login: loginCommand,
  decode: decodeCommand,
  serve: serveCommand,
  db: dbCommand,
};

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === 'help' || cmd === '--help' || cmd === '-h') {
    console.log(HELP);
    return cmd ? 0 : 1;
  }
  const run = commands[cmd];
  if (!run) {
    console.error(`tickdesk: unknown command "${cmd}" (try: ${Object.keys(commands).join(', ')})`);
    return 2;
  }
  try {
    return await run(rest);
  } catch (e) {
    const err = e as Error & { code?: string };
    if (e instanceof UsageError || err.code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`tickdesk ${cmd}: ${err.message}`);
      return 2;
    }
    if (e instanceof AuthError) {
      // Scripts can tell "log in again" from other failures.
      console.error(`tickdesk ${cmd}: login needed (${e.broker}): ${err.message}`);
      return 3;
    }
    console.error(`tickdesk ${cmd}: ${err.name === 'Error' ? '' : err.name + ': '}${err.message}`);
    return 1;
  }
}
