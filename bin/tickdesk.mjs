#!/usr/bin/env -S node --max-semi-space-size=8
// The flag (npx, a direct run and npm's Windows shim all take it from this line): V8's young
// generation at 2 × 8 MB instead of 2 × 16 MB. A recording's garbage is short-lived ticks; the
// smaller nursery costs no measurable CPU and keeps ~20 MB off the engine's peak over a trading day
// (`npm run bench -- day`).
// The CLI, runnable right after `npm ci`: its TypeScript compiled once into out/cli/ (cli-bundle.mjs),
// or run through tsx where that cannot be done (or with TICKDESK_CLI=tsx).
import { loadMain } from './cli-bundle.mjs';

// `tickdesk decode ... | head` closes the pipe early: that is not an error.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});
const main = await loadMain();
const code = await main(process.argv.slice(2));
process.exitCode = code;
