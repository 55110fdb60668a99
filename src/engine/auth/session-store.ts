// Broker sessions saved by `tickdesk login` for headless use: one JSON file per broker in the config
// directory, readable by the owner only (0600, directory 0700), written atomically. A session past
// its expiry is never handed out (Kite's tokens die at 6 AM IST the next day; Dhan's carry theirs).
import { chmodSync, closeSync, existsSync, fchmodSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, platform } from 'node:os';
import { dirname, join } from 'node:path';
import type { BrokerId } from '../../shared/brokers';
import { AuthError } from '../brokers/errors';

export interface StoredSession {
  /** The adapter's protocol (brokers/types.ts BrokerAdapter.protocol). */
  broker: BrokerId;
  /** Kite api key / Dhan client id the token belongs to. */
  apiKey?: string;
  clientId?: string;
  accessToken: string;
  userId?: string;
  /** ms UTC */
  loginAt: number;
  expiresAt: number;
}

/** TICKDESK_CONFIG_DIR, else the platform's per-user config directory. */
export function configDir(): string {
  if (process.env.TICKDESK_CONFIG_DIR) return process.env.TICKDESK_CONFIG_DIR;
  if (platform() === 'win32') return join(process.env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'tickdesk');
  if (platform() === 'darwin') return join(homedir(), 'Library', 'Application Support', 'tickdesk');
  return join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'tickdesk');
}

export function sessionPath(broker: StoredSession['broker'], dir = configDir()): string {
  return join(dir, `session-${broker}.json`);
}

/**
 * Writes a file only its owner can read (0600, in a 0700 directory), atomically and durably: a
 * reader sees the old content or the new, never half of it, and after a crash the new content is
 * there or the old one is. A directory that already exists is tightened to 0700 (it may have been
 * made 0755 by hand or by an older version).
 */
export function writePrivateFile(path: string, text: string): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    fchmodSync(fd, 0o600); // in case umask or an old file interfered
    writeFileSync(fd, text);
    fsyncSync(fd); // the bytes are on disk before the name points at them
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  syncDirectory(dir);
}

/** Makes a rename in `dir` durable. Windows cannot open a directory to fsync it; some file systems refuse. */
function syncDirectory(dir: string): void {
  if (platform() === 'win32') return;
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // EINVAL/EISDIR where directories cannot be synced: the rename stands, durability is the platform's.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export function saveSession(s: StoredSession, dir = configDir()): string {
  const path = sessionPath(s.broker, dir);
  writePrivateFile(path, JSON.stringify(s, null, 2) + '\n');
  return path;
}

/** The saved session, or null when there is none or it has expired (log in again). */
export function loadSession(broker: StoredSession['broker'], dir = configDir(), now = Date.now()): { session: StoredSession | null; expired: boolean } {
  const path = sessionPath(broker, dir);
  if (!existsSync(path)) return { session: null, expired: false };
  let s: StoredSession;
  try {
    s = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return { session: null, expired: false };
  }
  if (typeof s.accessToken !== 'string' || typeof s.expiresAt !== 'number') return { session: null, expired: false };
  return s.expiresAt <= now ? { session: null, expired: true } : { session: s, expired: false };
}

/** The saved session to use, or null when there is none; an expired one means "log in again". */
export function savedSession(broker: StoredSession['broker'], dir = configDir()): StoredSession | null {
  const { session, expired } = loadSession(broker, dir);
  if (expired) throw new AuthError(`the saved ${broker} session has expired: run tickdesk login ${broker}`, broker);
  return session;
}
