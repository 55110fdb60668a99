// Broker secrets and tokens at rest, encrypted with Electron's safeStorage (Keychain, DPAPI,
// libsecret/kwallet). On Linux without a keyring Electron falls back to a hard-coded key
// ("basic_text"): that is not encryption, so storing is refused unless the user opts in.
import { existsSync, readFileSync } from 'node:fs';
import { writePrivateFile } from '../engine/auth/session-store';

/** The part of Electron's safeStorage this needs. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(encrypted: Buffer): string;
  /** Linux only: 'basic_text' means the plain-text fallback. */
  getSelectedStorageBackend?(): string;
}

export class InsecureStorage extends Error {}

export class SecretStore {
  /** The user's opt-in to Linux's plain-text fallback (a setting; off unless they said so). */
  allowPlainText: boolean;

  constructor(
    private readonly file: string,
    private readonly safe: SafeStorageLike,
    private readonly opts: { allowPlainText?: boolean; platform?: string } = {},
  ) {
    this.allowPlainText = opts.allowPlainText ?? false;
  }

  /** Why secrets cannot be stored safely here, or null when they can. */
  problem(): string | null {
    if (!this.safe.isEncryptionAvailable()) return 'the system keyring is not available, so secrets cannot be encrypted';
    const backend = (this.opts.platform ?? process.platform) === 'linux' ? this.safe.getSelectedStorageBackend?.() : undefined;
    if (backend === 'basic_text' && !this.allowPlainText)
      return 'no system keyring (GNOME Keyring / KWallet) was found: Electron would store secrets with a fixed key, which is not encryption. Install and unlock a keyring, or allow plain-text storage in Settings';
    return null;
  }

  private read(): Record<string, string> {
    if (!existsSync(this.file)) return {};
    try {
      return JSON.parse(readFileSync(this.file, 'utf8'));
    } catch {
      return {};
    }
  }

  private write(all: Record<string, string>): void {
    writePrivateFile(this.file, JSON.stringify(all));
  }

  set(name: string, value: string): void {
    const why = this.problem();
    if (why) throw new InsecureStorage(`not saved: ${why}`);
    const all = this.read();
    all[name] = this.safe.encryptString(value).toString('base64');
    this.write(all);
  }

  get(name: string): string | undefined {
    const enc = this.read()[name];
    if (enc === undefined) return undefined;
    try {
      return this.safe.decryptString(Buffer.from(enc, 'base64'));
    } catch {
      return undefined; // another user's or machine's key: as good as absent
    }
  }

  delete(name: string): void {
    const all = this.read();
    if (!(name in all)) return;
    delete all[name];
    this.write(all);
  }
}
