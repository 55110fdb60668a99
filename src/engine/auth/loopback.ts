// The one-shot redirect listener of a headless login: bound to 127.0.0.1 on a fixed port (the one
// registered as the broker app's redirect URL), it takes the first request to its path, answers
// the browser, and closes. One login at a time: a busy port means another login is pending.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

export interface LoopbackOptions {
  port: number;
  path: string;
  host?: string;
  /** Give up after this long (the user walked away). */
  timeoutMs: number;
  /** Called once listening, with the redirect URL to register. */
  onListening?: (redirectUrl: string) => void;
  /** What to tell the browser once the redirect arrived (the caller finishes the exchange). */
  page?: (url: URL) => Promise<{ ok: boolean; text: string }>;
}

export class LoginTimeout extends Error {}

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
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const url = new URL(req.url ?? '/', `http://${host}:${o.port}`);
      if (req.method !== 'GET' || url.pathname !== o.path || settled) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not here');
        return;
      }
      const answer = o.page ? o.page(url) : Promise.resolve({ ok: true, text: 'Logged in. You can close this tab.' });
      answer
        .then(({ ok, text }) => {
          res.writeHead(ok ? 200 : 400, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'none'" }).end(`<!doctype html><meta charset="utf-8"><title>Tickdesk login</title><p>${escapeHtml(text)}</p>`);
        })
        .finally(() => finish(() => resolve(url)));
    });
    const timer = setTimeout(() => finish(() => reject(new LoginTimeout(`no redirect within ${Math.round(o.timeoutMs / 1000)} s: login abandoned`))), o.timeoutMs);
    server.on('error', (e: NodeJS.ErrnoException) =>
      finish(() => reject(e.code === 'EADDRINUSE' ? new Error(`127.0.0.1:${o.port} is in use: another login is pending, or pick another --port`) : e)),
    );
    server.listen(o.port, host, () => o.onListening?.(`http://${host}:${(server.address() as { port: number }).port}${o.path}`));
  });
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
