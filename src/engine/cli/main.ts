// The `tickdesk` command.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../paths';
import { AuthError } from '../brokers/errors';
import { UsageError } from './args';
import { backfillCommand, BACKFILL_HELP } from './backfill';
import { brokersCommand, BROKERS_HELP } from './brokers';
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

${BROKERS_HELP}

${DB_HELP}`;

const commands: Record<string, (argv: string[]) => Promise<number>> = {
  record: recordCommand,
  export: exportCommand,
  backfill: backfillCommand,
  login: loginCommand,
  decode: decodeCommand,
  brokers: brokersCommand,
  serve: serveCommand,
  db: dbCommand,
};

const USAGE = `usage: tickdesk <command> [options]
commands: ${Object.keys(commands).join(', ')}
\`tickdesk <command> --help\` shows a command's options, \`tickdesk --help\` all of them, \`tickdesk --version\` the version.`;

/** The version in package.json (the CLI runs from the source tree, so it is read, not bundled). */
export function version(): string {
  return (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd) {
    // Nothing asked: say how to ask, as a usage error (scripts that forget the command notice).
    console.error(USAGE);
    return 2;
  }
  if (cmd === '--version' || cmd === '-V' || cmd === 'version') {
    console.log(version());
    return 0;
  }
  if (cmd === 'help' || cmd === '--help' || cmd === '-h') {
    // `tickdesk help record` is `tickdesk record --help`.
    if (rest[0] && Object.hasOwn(commands, rest[0])) return commands[rest[0]]!(['--help']);
    console.log(HELP);
    return 0;
  }
  // Own keys only: `tickdesk constructor` is an unknown command, not Object's.
  const run = Object.hasOwn(commands, cmd) ? commands[cmd] : undefined;
  if (!run) {
    console.error(`tickdesk: unknown command "${cmd}" (try: ${Object.keys(commands).join(', ')})`);
    return 2;
  }
  try {
    return await run(rest);
  } catch (e) {
    const err = (e instanceof Error ? e : new Error(String(e))) as Error & { code?: unknown };
    if (e instanceof UsageError || (typeof err.code === 'string' && err.code.startsWith('ERR_PARSE_ARGS'))) {
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
