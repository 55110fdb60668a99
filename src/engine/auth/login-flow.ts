// A broker login through the user's browser and a one-shot 127.0.0.1 listener, shared by
// `tickdesk login` and the UI's "Log in" (the engine runs it, the page opens the URL): the login
// page is shown, the redirect is caught, the broker's `finish` exchanges the token and saves the
// session (0600). Each broker's own steps are its adapter's (brokers/<name>/auth.ts).
import { awaitRedirect } from './loopback';
import { AuthError } from '../brokers/errors';

export interface LoginResult {
  who: string;
  saved: string;
  until: number;
  accessToken: string;
}

export interface LoopbackLoginOptions {
  port: number;
  timeoutMs: number;
  /** Where the session file goes. */
  dir: string;
  /** Called once the listener is up, with the page the user must open. */
  onUrl: (url: string) => void;
}

/**
 * Listens, shows the login page, finishes with what the redirect brings. `finish` returns null for
 * a redirect that is not this login's (forged by a web page, or a stale tab reloaded): the
 * listener answers it 404 and keeps waiting for the real one.
 */
export async function loopbackLogin(
  o: LoopbackLoginOptions,
  broker: string,
  path: string,
  loginUrl: () => string,
  finish: (url: URL) => Promise<LoginResult | null>,
): Promise<LoginResult> {
  let failure: Error | null = null;
  let result: LoginResult | null = null;
  await awaitRedirect({
    port: o.port,
    path,
    timeoutMs: o.timeoutMs,
    onListening: () => o.onUrl(loginUrl()),
    page: async (url) => {
      try {
        const done = await finish(url);
        if (!done) return null;
        result = done;
        return { ok: true, text: `Logged in to ${done.who}. You can close this tab.` };
      } catch (e) {
        failure = e as Error;
        return { ok: false, text: `Login failed: ${(e as Error).message}` };
      }
    },
  });
  if (failure) throw failure;
  if (!result) throw new AuthError('the login ended without a session', broker);
  return result;
}
