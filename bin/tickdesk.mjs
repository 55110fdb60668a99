#!/usr/bin/env node
// Runs the TypeScript CLI directly through tsx, so `npx tickdesk` works right after `npm ci`.
import { register } from 'tsx/esm/api';

// `tickdesk decode ... | head` closes the pipe early: that is not an error.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});
register();
const { main } = await import('../src/engine/cli/main.ts');
const code = await main(process.argv.slice(2));
process.exitCode = code;
