// Stand-ins for the Electron parts the desktop login uses, for tests under Node: a BrowserWindow
// that reports navigation as Electron does, a user who logs in on a simulator's page, and
// safeStorage.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { NavEvent, PopupWindow } from './login-popup';
import type { SafeStorageLike } from './secrets';

/** A BrowserWindow stand-in: records loads, lets the test emit navigation events. */
export class FakeWindow extends EventEmitter implements PopupWindow {
  loaded: string[] = [];
  destroyed = false;
  openHandler: ((d: { url: string }) => { action: 'deny' }) | null = null;
  readonly contents = new EventEmitter();
  readonly webContents = {
    on: (event: 'will-redirect' | 'will-navigate', fn: (e: NavEvent, url?: string) => void) => void this.contents.on(event, fn),
    setWindowOpenHandler: (fn: (d: { url: string }) => { action: 'deny' }) => void (this.openHandler = fn),
  };
  /** Plays the user in the window (see simUser); none: the test drives navigation itself. */
  constructor(private readonly user?: (win: FakeWindow, url: string) => Promise<void>) {
    super();
  }
  loadURL(url: string): void {
    this.loaded.push(url);
    void this.user?.(this, url).catch((e: Error) => this.emit('user-error', e));
  }
  close(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.emit('closed');
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  /** Emits a navigation the way newer Electron does (event.url) or older (event, url). */
  navigate(kind: 'will-redirect' | 'will-navigate', url: string, style: 'new' | 'old' = 'new'): boolean {
    let prevented = false;
    const e: NavEvent = { preventDefault: () => (prevented = true), ...(style === 'new' ? { url } : {}) };
    if (style === 'new') this.contents.emit(kind, e);
    else this.contents.emit(kind, e, url);
    return prevented;
  }
}

/** safeStorage stand-in: AES-256-GCM with a per-run key; `backend` as Linux reports it. */
export function fakeSafeStorage(backend = 'gnome_libsecret', available = true): SafeStorageLike {
  const key = randomBytes(32);
  return {
    isEncryptionAvailable: () => available,
    getSelectedStorageBackend: () => backend,
    encryptString(plain) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return Buffer.concat([iv, c.getAuthTag(), body]);
    },
    decryptString(enc) {
      const d = createDecipheriv('aes-256-gcm', key, enc.subarray(0, 12));
      d.setAuthTag(enc.subarray(12, 28));
      return Buffer.concat([d.update(enc.subarray(28)), d.final()]).toString('utf8');
    },
  };
}


/**
 * A user who fills in the simulator's login form (hidden fields kept, `fields` typed in) and
 * submits it; the broker's 302 reaches the window as will-redirect, as in Electron. A navigation
 * the popup blocks ends the walk there.
 */
export function simUser(fields: Record<string, string>): (win: FakeWindow, url: string) => Promise<void> {
  return async (win, loginUrl) => {
    const page = await (await fetch(loginUrl)).text();
    const action = new URL(/action="([^"]+)"/.exec(page)![1].replace(/&amp;/g, '&'), loginUrl).toString();
    if (win.navigate('will-navigate', action)) return;
    const hidden = Object.fromEntries([...page.matchAll(/type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    const post = await fetch(action, { method: 'POST', body: new URLSearchParams({ ...hidden, ...fields }), redirect: 'manual' });
    const location = post.headers.get('location');
    if (!location) throw new Error(`the login page did not redirect (HTTP ${post.status})`);
    win.navigate('will-redirect', new URL(location, action).toString());
  };
}
