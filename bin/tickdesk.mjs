#!/usr/bin/env node
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
