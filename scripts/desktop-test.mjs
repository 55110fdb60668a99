// `npm run test:desktop`: the desktop app end to end in Electron (e2e/desktop/desktop.spec.ts, driven
// by Playwright's Electron driver, under xvfb-run on a Linux machine without a display), against the
// simulators. Without Electron's binary or a display it prints one "skipped" line with the reason
// and exits 0. `--no-build`: use out/ as it is (npm test has just built it).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { desktopMachine, desktopPlan, runPlanned, skipLine } from './desktop-common.mjs';
import { ROOT, stageInChild } from './desktop-stage.mjs';

const COMMAND = 'test:desktop';
const plan = desktopPlan(desktopMachine());
if (plan.skip) {
  console.log(skipLine(COMMAND, plan.skip));
  process.exit(0);
}

if (!process.argv.includes('--no-build')) {
  const b = spawnSync('npx', ['electron-vite', 'build', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit' });
  if (b.status !== 0) {
    console.error(`${COMMAND}: failed: electron-vite build exited with ${b.status ?? b.signal}`);
    process.exit(1);
  }
}

const electronVersion = createRequire(import.meta.url)('electron/package.json').version;
console.error(`${COMMAND}: staging the app for Electron ${electronVersion}…`);
const staged = stageInChild(electronVersion);
// Building better-sqlite3 for Electron needs Electron's headers (or a prebuilt binary) from the
// network: a machine without it cannot run the app's engine at all.
if (staged.offline) {
  console.log(skipLine(COMMAND, `the engine's native modules could not be built for Electron ${electronVersion}: a download failed (${staged.offline})`));
  process.exit(0);
}
if (staged.error) {
  console.error(staged.error);
  console.error(`${COMMAND}: failed: the app could not be staged for Electron`);
  process.exit(1);
}
const app = staged.dir;

const status = runPlanned(plan, process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=1', join(ROOT, 'e2e', 'desktop', 'desktop.spec.ts')], {
  cwd: ROOT,
  env: { ...process.env, TICKDESK_DESKTOP_APP: app },
});
console.log(status === 0 ? `${COMMAND}: passed (screenshots in e2e/artifacts/desktop/)` : `${COMMAND}: failed (exit ${status})`);
process.exit(status);
