// Window hardening shared by every BrowserWindow Tickdesk opens, and the app's own scheme.
import { app, protocol, session, type BrowserWindow, type WebContents } from 'electron';
import { APP_SCHEME, APP_SCHEME_PRIVILEGES, bundleResponse, CONTENT_SECURITY_POLICY, isAppPageUrl, type RendererSource } from './app-page';

/** Before the app is ready: the app's scheme gets an origin of its own (see app-page.ts). */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: APP_SCHEME_PRIVILEGES }]);
}

/** Serves the renderer bundle in `rendererDir` on the app's scheme (the default session only; login popups have their own). */
export function serveBundle(rendererDir: string): void {
  protocol.handle(APP_SCHEME, (request) => bundleResponse(request.url, rendererDir));
}

export function hardenSession(): void {
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
  app.on('web-contents-created', (_e, contents) => {
    // The broker login popup runs on its own partition; runLoginPopup limits its navigation to the
    // broker's login origins. Every other page is the app's and may not navigate at all.
    if (contents.session === session.defaultSession) hardenContents(contents);
    else {
      contents.on('will-attach-webview', (e) => e.preventDefault());
      contents.setWindowOpenHandler(() => ({ action: 'deny' }));
    }
  });
}

/** No navigation away from the app, no new windows, no webviews. */
export function hardenContents(contents: WebContents): void {
  contents.on('will-navigate', (e) => e.preventDefault());
  contents.on('will-redirect', (e) => e.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-attach-webview', (e) => e.preventDefault());
}

/** IPC must come from our own top frame showing the app's page (the bundle's, or the dev server's in development). */
export function isTrustedSender(win: BrowserWindow | null, frame: Electron.WebFrameMain | null | undefined, source: RendererSource): boolean {
  if (!win || !frame || frame !== win.webContents.mainFrame) return false;
  return isAppPageUrl(frame.url, source);
}
