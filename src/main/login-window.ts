// The broker's login page in a popup BrowserWindow: its own in-memory session partition (no cookie
// or storage shared with the app, cleared after each login), sandboxed, no preload, no permissions.
// Navigation, the redirect and closing are handled by runLoginPopup.
import { app, BrowserWindow, session } from 'electron';
import { runLoginPopup, type PopupSpec } from './login-popup';

export const LOGIN_PARTITION_PREFIX = 'tickdesk-login-';

export async function openLoginWindow(parent: BrowserWindow | null, spec: PopupSpec): Promise<URL> {
  const partition = `${LOGIN_PARTITION_PREFIX}${new URL(spec.loginUrl).hostname}`;
  const ses = session.fromPartition(partition);
  ses.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  const win = new BrowserWindow({
    width: 520,
    height: 760,
    parent: parent ?? undefined,
    title: 'Log in',
    autoHideMenuBar: true,
    backgroundColor: '#ffffff',
    webPreferences: {
      partition,
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
      devTools: !app.isPackaged,
    },
  });
  try {
    return await runLoginPopup(win, spec);
  } finally {
    await ses.clearStorageData().catch(() => undefined);
  }
}
