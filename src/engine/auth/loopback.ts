// The one-shot redirect listener of a headless login: bound to 127.0.0.1 on a fixed port (the one
// registered as the broker app's redirect URL), it waits for the broker's redirect to its path,
// answers the browser, and closes. One login at a time: a busy port means another login is pending.
// Any web page can send requests here, so what is not this login's redirect (a malformed request,
// another path, a forged or stale redirect) gets an error answer and the wait goes on.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

export interface LoopbackOptions {
  port: number;
  path: string;
  host?: string;
  /** Give up after this long (the user walked away). */
  timeoutMs: number;
  /** Called once listening, with the redirect URL to register. */
  onListening?: (redirectUrl: string) => void;
  /**
   * What to tell the browser once a redirect arrived (the caller finishes the exchange), or null
   * when it is not this login's redirect (forged, or left over from an earlier login): that one
   * is answered 404 and the listener keeps waiting. Redirects are checked one at a time.
   */
  page?: (url: URL) => Promise<{ ok: boolean; text: string } | null>;
}

export class LoginTimeout extends Error {}

/** Redirects waiting for their check; more than this many at once are refused with 429. */
const MAX_WAITING = 8;

/** Resolves with the redirect's URL (query included) once the browser lands on it. */
export function awaitRedirect(o: LoopbackOptions): Promise<URL> {
  const host = o.host ?? '127.0.0.1';
  return new Promise<URL>((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      server.close();
      server.closeAllConnections();
      fn();
    };
    let checks = Promise.resolve();
    let waiting = 0;
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const url = redirectUrl(req.url, host, o.port);
      if (!url) return void plain(res, 400, 'bad request');
      if (req.method !== 'GET' || (url.pathname !== o.path && url.pathname !== `${o.path}/`) || settled) return void plain(res, 404, 'not here');
      if (waiting >= MAX_WAITING) return void plain(res, 429, 'busy: reload this page in a moment');
      waiting++;
      checks = checks
        .then(async () => {
          if (settled) return void plain(res, 404, 'not here');
          let answer: { ok: boolean; text: string } | null;
          try {
            answer = o.page ? await o.page(url) : { ok: true, text: 'Logged in. You can close this tab.' };
          } catch (e) {
            html(res, 500, `Login failed: ${(e as Error).message}`);
            return finish(() => reject(e as Error));
          }
          if (!answer) return void plain(res, 404, 'not this login');
          html(res, answer.ok ? 200 : 400, answer.text);
          finish(() => resolve(url));
        })
        .catch((e: Error) => finish(() => reject(e)))
        .finally(() => waiting--);
    });
    const timer = setTimeout(() => finish(() => reject(new LoginTimeout(`no redirect within ${Math.round(o.timeoutMs / 1000)} s: login abandoned`))), o.timeoutMs);
    server.on('error', (e: NodeJS.ErrnoException) =>
      finish(() => reject(e.code === 'EADDRINUSE' ? new Error(`127.0.0.1:${o.port} is in use: another login is pending, or pick another --port`) : e)),
    );
    server.listen(o.port, host, () => o.onListening?.(`http://${host}:${(server.address() as { port: number }).port}${o.path}`));
  });
}

/** A browser's request target (origin form, "/path?query") as a URL; null for anything else. */
function redirectUrl(target: string | undefined, host: string, port: number): URL | null {
  if (!target?.startsWith('/') || target.startsWith('//')) return null;
  try {
    return new URL(target, `http://${host.includes(':') ? `[${host}]` : host}:${port}`);
  } catch {
    return null;
  }
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain' }).end(text);
}

function html(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'none'" }).end(`<!doctype html><meta charset="utf-8"><title>Tickdesk login</title><p>${escapeHtml(text)}</p>`);
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
