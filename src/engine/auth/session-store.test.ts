// Sessions and secrets at rest: owner-only modes (the directory too, even one made 0755 before),
// atomic replacement, and the data synced to disk before the rename that publishes it.
import assert from 'node:assert/strict';
import fs, { chmodSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mock, test } from 'node:test';
import { loadSession, saveSession, sessionPath, writePrivateFile, type StoredSession } from './session-store';

const posix = process.platform !== 'win32';
const mode = (p: string) => statSync(p).mode & 0o777;
const session = (token: string): StoredSession => ({ broker: 'dhan', clientId: '1000000001', accessToken: token, loginAt: 1_000, expiresAt: Date.now() + 3600_000 });

test('a session is saved 0600 in a config directory created 0700 (parents too), and read back', { skip: !posix && 'POSIX modes' }, () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'tickdesk-store-')), 'config', 'tickdesk');
  const path = saveSession(session('tok-1'), dir);
  assert.equal(path, sessionPath('dhan', dir));
  assert.equal(mode(dir), 0o700);
  assert.equal(mode(join(dir, '..')), 0o700);
  assert.equal(mode(path), 0o600);
  assert.equal(loadSession('dhan', dir).session?.accessToken, 'tok-1');
  assert.deepEqual(readdirSync(dir), ['session-dhan.json'], 'no temporary file left behind');
});

test('a config directory that exists 0755 is tightened to 0700; a 0644 session file is replaced by a 0600 one', { skip: !posix && 'POSIX modes' }, () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'tickdesk-store-')), 'tickdesk');
  mkdirSync(dir, { mode: 0o755 });
  chmodSync(dir, 0o755); // whatever the umask made of it
  writeFileSync(sessionPath('dhan', dir), JSON.stringify(session('old')), { mode: 0o644 });
  chmodSync(sessionPath('dhan', dir), 0o644);
  saveSession(session('new'), dir);
  assert.equal(mode(dir), 0o700);
  assert.equal(mode(sessionPath('dhan', dir)), 0o600);
  assert.equal(loadSession('dhan', dir).session?.accessToken, 'new');
});

test('the file is fsynced before the rename, and the directory after it', { skip: !posix && 'directory fsync is POSIX' }, (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tickdesk-store-'));
  const path = join(dir, 'secrets.json');
  const events: string[] = [];
  const fdPath = new Map<number, string>();
  const { openSync, fsyncSync, renameSync } = fs;
  t.after(() => {
    mock.restoreAll();
    syncBuiltinESMExports();
  });
  mock.method(fs, 'openSync', (p: string, ...rest: unknown[]) => {
    const fd = (openSync as (...a: unknown[]) => number)(p, ...rest);
    fdPath.set(fd, p === dir ? 'dir' : 'file');
    return fd;
  });
  mock.method(fs, 'fsyncSync', (fd: number) => {
    events.push(`fsync ${fdPath.get(fd)}`);
    fsyncSync(fd);
  });
  mock.method(fs, 'renameSync', (from: string, to: string) => {
    events.push('rename');
    renameSync(from, to);
  });
  syncBuiltinESMExports(); // the module's named imports see the stand-ins
  writePrivateFile(path, '{"a":1}');
  assert.deepEqual(events, ['fsync file', 'rename', 'fsync dir']);
  assert.equal(fs.readFileSync(path, 'utf8'), '{"a":1}');
});
