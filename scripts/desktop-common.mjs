// Shared by `npm run test:desktop` and `npm run dist:check`: whether this machine can run them, and
// the one line each prints when it cannot. Electron's binary and a display (Xvfb on Linux) are
// optional: without them both commands say why in one line and exit 0 without claiming a pass.
import { spawnSync } from 'node:child_process';
import { electronBinaryStatus } from './electron-check.mjs';

/** True when `cmd` is on PATH (`command -v`). */
export function onPath(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/**
 * What this machine offers: Electron's binary, the platform, an X display, xvfb-run. Pure inputs
 * for desktopPlan; `env` and `probe` are injectable so the skip logic is tested without them.
 */
export function desktopMachine({ env = process.env, platform = process.platform, electron = electronBinaryStatus, probe = onPath } = {}) {
  return { electron: electron(), platform, display: Boolean(env.DISPLAY || env.WAYLAND_DISPLAY), xvfbRun: platform === 'linux' ? probe('xvfb-run') : false };
}

/**
 * How to run a command that opens Electron windows here: { skip: reason } or { run: true, xvfb }
 * (xvfb: wrap it in xvfb-run, a Linux machine without a display).
 */
export function desktopPlan(m) {
  if (!m.electron.ok) return { skip: `Electron's binary is not installed (${m.electron.reason}); fetch it with: npm run electron:fetch` };
  if (m.platform === 'linux' && !m.display) {
    if (!m.xvfbRun) return { skip: 'no display and no xvfb-run to make one (Debian/Ubuntu: apt-get install xvfb)' };
    return { run: true, xvfb: true };
  }
  return { run: true, xvfb: false };
}

/** The one line a skipped command prints: it names the command and the reason, and claims nothing. */
export function skipLine(command, reason) {
  return `${command}: skipped: ${reason}`;
}

/** A line of a tool's output that says a download failed (the machine is offline), or null. */
export function downloadFailure(output) {
  const line = output
    .split('\n')
    .find((l) => /getaddrinfo|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|socket hang up|network connectivity|dial tcp|no such host|i\/o timeout|(?:cannot|unable to|failed to) download|download(?:ing)? failed|fetch failed/i.test(l));
  return line ? line.trim().slice(0, 200) : null;
}

/** `xvfb-run` arguments for a window of the main window's size (and its own display number). */
export const XVFB_ARGS = ['-a', '-s', '-screen 0 1600x1000x24'];

/** Runs a command (under xvfb-run when the plan says so); resolves with its exit status. */
export function runPlanned(plan, cmd, args, opts = {}) {
  const [c, a] = plan.xvfb ? ['xvfb-run', [...XVFB_ARGS, cmd, ...args]] : [cmd, args];
  const r = spawnSync(c, a, { stdio: 'inherit', ...opts });
  return r.status ?? 1;
}
