// Which page is the app's own: where the main window loads the renderer from, how the bundle is
// served, and whether a frame that talks to main is that page. Kept free of Electron so it is
// tested under Node; security.ts and index.ts wire it in.
//
// The packaged renderer is served on a privileged custom scheme, not file://: the
// grantFileProtocolExtraPrivileges fuse is off (electron-builder.yml), which leaves file:// pages
// unable to read app.asar or load their module scripts, and a custom scheme serves only the
// bundle's own files where file:// would reach every file on the disk.
import { readFile } from 'node:fs/promises';
import { extname, isAbsolute, relative, resolve } from 'node:path';

/** Strict CSP: only our own bundle; no inline script, no remote code. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

export const APP_SCHEME = 'tickdesk';
export const APP_ORIGIN = `${APP_SCHEME}://app`;
/** The one page the main window shows from the bundle. */
export const APP_PAGE_URL = `${APP_ORIGIN}/index.html`;

/**
 * The scheme's privileges (protocol.registerSchemesAsPrivileged): standard, so the page has an
 * origin of its own and relative URLs resolve; secure, as https is. No corsEnabled: other
 * origins may not read it.
 */
export const APP_SCHEME_PRIVILEGES = { standard: true, secure: true, supportFetchAPI: true } as const;

export type RendererSource = { kind: 'bundle'; url: string } | { kind: 'dev-server'; url: string; origin: string };

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Where the main window loads the renderer. ELECTRON_RENDERER_URL (set by `electron-vite dev`) is
 * an environment variable anyone starting the app can set: it is honoured only by a development
 * build that is not packaged, and only for an http(s) server on this machine. Everything else
 * loads the bundle.
 */
export function rendererSource(o: { packaged: boolean; devBuild: boolean; devServerUrl?: string }): RendererSource {
  const bundle: RendererSource = { kind: 'bundle', url: APP_PAGE_URL };
  if (o.packaged || !o.devBuild || !o.devServerUrl) return bundle;
  let url: URL;
  try {
    url = new URL(o.devServerUrl);
  } catch {
    return bundle;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !LOOPBACK.has(url.hostname) || url.username || url.password) return bundle;
  return { kind: 'dev-server', url: url.href, origin: url.origin };
}

/**
 * Whether a frame's URL is the app's page: the bundle's index.html exactly (its query and fragment
 * aside), or any page of the dev server's exact origin in development. Not any file://, not
 * another page of the same scheme.
 */
export function isAppPageUrl(frameUrl: string, source: RendererSource): boolean {
  if (source.kind === 'bundle') return frameUrl.split(/[?#]/, 1)[0] === source.url;
  try {
    return new URL(frameUrl).origin === source.origin;
  } catch {
    return false;
  }
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

/** The file under `root` a request on the app's scheme asks for, or null: another host, or a path out of `root`. */
export function bundleFile(requestUrl: string, root: string): string | null {
  let url: URL;
  let path: string;
  try {
    url = new URL(requestUrl);
    path = decodeURIComponent(url.pathname);
  } catch {
    return null;
  }
  if (`${url.protocol}//${url.host}` !== APP_ORIGIN || path.includes('\0')) return null;
  const file = resolve(root, `.${path === '/' ? '/index.html' : path}`);
  const rel = relative(resolve(root), file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? file : null;
}

/** The answer to a request on the app's scheme: a file of the bundle, with the CSP; 404 for anything else. */
export async function bundleResponse(requestUrl: string, root: string): Promise<Response> {
  const file = bundleFile(requestUrl, root);
  const notFound = () => new Response('not found', { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  if (!file) return notFound();
  let body: Buffer;
  try {
    body = await readFile(file);
  } catch {
    return notFound();
  }
  return new Response(new Uint8Array(body), {
    headers: {
      'content-type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
    },
  });
}
