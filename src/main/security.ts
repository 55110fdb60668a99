// Window hardening shared by every BrowserWindow Tickdesk opens.
import { app, session, type BrowserWindow, type WebContents } from 'electron';

/** Strict CSP: only our own bundle; no inline script, no remote code. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

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

/** IPC must come from our own top frame, loaded from our own bundle or dev server. */
export function isTrustedSender(win: BrowserWindow | null, frame: Electron.WebFrameMain | null): boolean {
  if (!win || !frame || frame !== win.webContents.mainFrame) return false;
  const url = frame.url;
  const dev = process.env.ELECTRON_RENDERER_URL;
  return url.startsWith('file://') || (!!dev && url.startsWith(dev));
}
