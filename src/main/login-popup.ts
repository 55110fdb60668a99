// The desktop login popup's logic, kept free of Electron so it is tested under Node: load the
// broker's login page, allow navigation only within the broker's login origins, catch the redirect
// to the registered redirect URL (will-redirect / will-navigate) before it loads, and hand back its
// URL (with Kite's request_token or Dhan's tokenId). Closing the window cancels the login.

/** A navigation event as Electron sends it (older: (event, url); newer: event.url). */
export interface NavEvent {
  preventDefault(): void;
  url?: string;
}

/** The part of a BrowserWindow this needs. */
export interface PopupWindow {
  loadURL(url: string): Promise<void> | void;
  close(): void;
  isDestroyed(): boolean;
  once(event: 'closed', fn: () => void): void;
  webContents: {
    on(event: 'will-redirect' | 'will-navigate', fn: (e: NavEvent, url?: string) => void): void;
    setWindowOpenHandler(fn: (d: { url: string }) => { action: 'deny' }): void;
  };
}

export interface PopupSpec {
  loginUrl: string;
  /** Origins the user may move between while logging in (e.g. https://kite.zerodha.com). */
  allowedOrigins: string[];
  /** The app's registered redirect URL: reaching it ends the login. */
  redirectUrl: string;
  timeoutMs?: number;
}

export class LoginCancelled extends Error {}

/** True when `target` is the redirect URL (same origin and path; the query carries the token). */
export function isRedirect(target: string, redirectUrl: string): boolean {
  try {
    const t = new URL(target);
    const r = new URL(redirectUrl);
    return t.origin === r.origin && t.pathname.replace(/\/$/, '') === r.pathname.replace(/\/$/, '');
  } catch {
    return false;
  }
}

/** Resolves with the redirect URL once the broker sends the popup there; the page is never loaded. */
export function runLoginPopup(win: PopupWindow, spec: PopupSpec): Promise<URL> {
  return new Promise<URL>((resolve, reject) => {
    let done = false;
    const finish = (fn: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      fn();
      if (!win.isDestroyed()) win.close();
    };
    const timer = setTimeout(() => finish(() => reject(new LoginCancelled('the login window timed out'))), spec.timeoutMs ?? 10 * 60_000);
    const onNav = (e: NavEvent, url?: string) => {
      const target = url ?? e.url ?? '';
      if (isRedirect(target, spec.redirectUrl)) {
        e.preventDefault(); // the token stays in this process; the redirect page is never fetched
        finish(() => resolve(new URL(target)));
        return;
      }
      let origin = '';
      try {
        origin = new URL(target).origin;
      } catch {
        // not a URL: blocked below
      }
      if (!spec.allowedOrigins.includes(origin)) e.preventDefault();
    };
    win.webContents.on('will-redirect', onNav);
    win.webContents.on('will-navigate', onNav);
    win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
    win.once('closed', () => finish(() => reject(new LoginCancelled('the login window was closed'))));
    void Promise.resolve(win.loadURL(spec.loginUrl)).catch((e: Error) => finish(() => reject(e)));
  });
}
