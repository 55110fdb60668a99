// `tickdesk login kite|dhan`: the broker's login in the system browser (or the printed URL), the
// redirect caught by a one-shot listener on 127.0.0.1, the token exchanged here (the secret never
// leaves this process) and saved in the config directory, readable by the owner only.
import { spawn } from 'node:child_process';
import { platform } from 'node:os';
import { parseArgs } from 'node:util';
import { configDir } from '../auth/session-store';
import { brokers } from '../brokers/registry';
import { MissingCredentials } from '../brokers/types';
import { parseDuration, UsageError } from './args';

const LOGINABLE = () => brokers().filter((b) => b.has.login.includes('loopback') && b.auth.login);

export const LOGIN_HELP = `tickdesk login ${LOGINABLE()
  .map((b) => b.id)
  .join('|')} [options]
  --port N                 the 127.0.0.1 port of your app's redirect URL (default 8421)
  --timeout D              give up after D (default 5m)
  --no-browser             print the login URL instead of opening the system browser
  --config-dir DIR         where the session is saved (default: TICKDESK_CONFIG_DIR or the user config dir)
  --login-root URL, --rest-root URL   override the broker's hosts (e.g. a simulator)
Register http://127.0.0.1:PORT/BROKER/callback as the app's redirect URL (e.g. /kite/callback). The
app's key and secret (and the account id where the broker has one) come from --api-key/--api-secret/
--client-id or the environment: ${LOGINABLE()
  .map((b) => `${b.id}: ${[b.auth.env?.clientId, b.auth.env?.apiKey, b.auth.env?.apiSecret].filter(Boolean).join(', ')}`)
  .join('; ')}.
The session is saved as session-BROKER.json (mode 0600); record/serve use it until it expires.`;

function openBrowser(url: string): void {
  const [cmd, args] = platform() === 'win32' ? ['cmd', ['/c', 'start', '', url]] : platform() === 'darwin' ? ['open', [url]] : ['xdg-open', [url]];
  try {
    const child = spawn(cmd, args as string[], { stdio: 'ignore', detached: true });
    child.on('error', () => {});
    child.unref();
  } catch {
    // No browser here: the printed URL is enough.
  }
}

export async function loginCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: 'string', default: '8421' },
      timeout: { type: 'string', default: '5m' },
      'no-browser': { type: 'boolean', default: false },
      'config-dir': { type: 'string' },
      'login-root': { type: 'string' },
      'rest-root': { type: 'string' },
      'api-key': { type: 'string' },
      'api-secret': { type: 'string' },
      'client-id': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(LOGIN_HELP);
    return 0;
  }
  const loginable = LOGINABLE();
  const adapter = loginable.find((b) => b.id === positionals[0]);
  if (!adapter?.auth.login) throw new UsageError(`login needs a broker: tickdesk login ${loginable.map((b) => b.id).join('|')}`);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port must be a port number');
  const timeoutMs = parseDuration(values.timeout!);
  const dir = values['config-dir'] ?? configDir();
  const common = {
    port,
    timeoutMs,
    dir,
    onUrl: (url: string) => {
      process.stderr.write(`waiting for the redirect on 127.0.0.1:${port}\n`);
      process.stderr.write(`Log in at: ${url}\n`);
      if (!values['no-browser']) openBrowser(url);
    },
  };
  const done = (r: { who: string; saved: string; until: number }) => {
    process.stderr.write(`Logged in to ${r.who}. Session saved to ${r.saved} (valid until ${new Date(r.until).toISOString()}).\n`);
    return 0;
  };
  const flags = { apiKey: values['api-key'], apiSecret: values['api-secret'], clientId: values['client-id'], restRoot: values['rest-root'], loginRoot: values['login-root'] };
  let run;
  try {
    run = adapter.auth.login(common, flags);
  } catch (e) {
    if (e instanceof MissingCredentials) throw new UsageError(e.message);
    throw e;
  }
  return done(await run);
}
