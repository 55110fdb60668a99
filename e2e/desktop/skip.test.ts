// `npm run test:desktop` and `npm run dist:check` where Electron cannot run: one line saying
// "skipped" and why, exit 0, never a pass. The decision is tested on every kind of machine; the
// commands themselves are run for real where Electron's binary is absent (as in CI, which installs
// with ELECTRON_SKIP_BINARY_DOWNLOAD=1).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { desktopMachine, desktopPlan, downloadFailure, onPath, skipLine, type DesktopMachine } from '../../scripts/desktop-common.mjs';

const ROOT = new URL('../../', import.meta.url).pathname;
const present = { ok: true as const, path: '/opt/electron/electron' };
const absent = { ok: false as const, reason: 'not downloaded' };
const machine = (o: Partial<DesktopMachine>): DesktopMachine => ({ electron: present, platform: 'linux', display: false, xvfbRun: true, ...o });

test('the plan: no binary → skipped with the reason and the fix; Linux without a display needs xvfb-run', () => {
  assert.deepEqual(desktopPlan(machine({ electron: absent })), { skip: "Electron's binary is not installed (not downloaded); fetch it with: npm run electron:fetch" });
  assert.deepEqual(desktopPlan(machine({ electron: absent, platform: 'darwin', display: true })).skip?.startsWith("Electron's binary is not installed"), true);
  assert.deepEqual(desktopPlan(machine({ xvfbRun: false })), { skip: 'no display and no xvfb-run to make one (Debian/Ubuntu: apt-get install xvfb)' });
  assert.deepEqual(desktopPlan(machine({})), { run: true, xvfb: true });
  assert.deepEqual(desktopPlan(machine({ display: true, xvfbRun: false })), { run: true, xvfb: false });
  assert.deepEqual(desktopPlan(machine({ platform: 'darwin', xvfbRun: false })), { run: true, xvfb: false });
  assert.deepEqual(desktopPlan(machine({ platform: 'win32', xvfbRun: false })), { run: true, xvfb: false });
});

test('the machine: a display from DISPLAY or WAYLAND_DISPLAY; xvfb-run looked up on Linux only', () => {
  const asked: string[] = [];
  const probe = (cmd: string) => (asked.push(cmd), cmd === 'xvfb-run');
  const electron = () => absent;
  assert.deepEqual(desktopMachine({ env: {}, platform: 'linux', electron, probe }), { electron: absent, platform: 'linux', display: false, xvfbRun: true });
  assert.equal(desktopMachine({ env: { DISPLAY: ':0' }, platform: 'linux', electron, probe }).display, true);
  assert.equal(desktopMachine({ env: { WAYLAND_DISPLAY: 'wayland-0' }, platform: 'linux', electron, probe }).display, true);
  assert.deepEqual(asked, ['xvfb-run', 'xvfb-run', 'xvfb-run']);
  assert.equal(desktopMachine({ env: {}, platform: 'darwin', electron, probe }).xvfbRun, false);
  assert.equal(asked.length, 3, 'not looked up on macOS');
  assert.equal(onPath('sh'), true);
  assert.equal(onPath('tickdesk-no-such-command-7f3a'), false);
});

test('the skipped line names the command and the reason and claims no pass', () => {
  const line = skipLine('dist:check', 'no display');
  assert.equal(line, 'dist:check: skipped: no display');
  assert.doesNotMatch(line, /pass|ok\b/i);
});

test('electron-builder output: a failed download is told from a real failure', () => {
  assert.equal(
    downloadFailure('  • building        target=dir\n  ⨯ getaddrinfo ENOTFOUND github.com  failedTask=build\nstack trace...'),
    '⨯ getaddrinfo ENOTFOUND github.com  failedTask=build',
  );
  assert.equal(downloadFailure('gyp info it worked\nError: connect ETIMEDOUT 1.2.3.4:443'), 'Error: connect ETIMEDOUT 1.2.3.4:443');
  // app-builder (Go) fetching Electron's zip.
  assert.equal(
    downloadFailure('  ⨯ Get "https://github.com/electron/electron/releases/download/v45.5.0/electron-v45.5.0-linux-x64.zip": dial tcp: lookup github.com: no such host'),
    '⨯ Get "https://github.com/electron/electron/releases/download/v45.5.0/electron-v45.5.0-linux-x64.zip": dial tcp: lookup github.com: no such host',
  );
  assert.equal(downloadFailure('  ⨯ Application entry file "out/main/index.js" does not exist'), null);
  assert.equal(downloadFailure(''), null);
});

for (const [command, script] of [
  ['test:desktop', 'scripts/desktop-test.mjs'],
  ['dist:check', 'scripts/desktop-dist-check.mjs'],
] as const) {
  const status = desktopMachine().electron;
  test(`npm run ${command} without Electron's binary: one "skipped" line with the reason, exit 0`, { skip: status.ok ? 'Electron’s binary is installed here: the skip decision is covered above' : false }, () => {
    const r = spawnSync(process.execPath, [script], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    const lines = r.stdout.split('\n').filter(Boolean);
    assert.equal(lines.length, 1, r.stdout);
    assert.match(lines[0], new RegExp(`^${command}: skipped: Electron's binary is not installed \\(.+\\); fetch it with: npm run electron:fetch$`));
    assert.doesNotMatch(r.stdout, /pass/i);
  });
}
