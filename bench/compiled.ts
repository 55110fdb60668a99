// Runs a bench's engine part as the product runs it: compiled (esbuild, as bin/cli-bundle.mjs
// compiles the CLI and electron-vite the desktop engine), not through tsx, whose loader thread and
// transformed sources add ~45 MB to a process that imports the engine (122 vs 77 MB idle). The
// entry and the replicator's worker are compiled into out/bench/ by the CLI's own compile().
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { compile } from '../bin/cli-bundle.mjs';
import { REPO_ROOT } from '../src/engine/paths';

const OUT = join(REPO_ROOT, 'out', 'bench');

/** Compiles `entry` (a path under bench/) and the replicator's worker into out/bench, as the CLI is compiled; the compiled entry's path. */
export async function compileBenchEntry(entry: string): Promise<string> {
  const name = basename(entry, '.ts');
  await compile({ [name]: entry, 'replicator-worker': join(REPO_ROOT, 'src/engine/store/replicator-worker.ts') }, OUT);
  return join(OUT, `${name}.js`);
}

/** The Node flags `tickdesk` runs with: those on bin/tickdesk.mjs's `#!/usr/bin/env -S node …` line. */
export function tickdeskNodeFlags(): string[] {
  const first = readFileSync(join(REPO_ROOT, 'bin', 'tickdesk.mjs'), 'utf8').split('\n', 1)[0];
  const m = /^#!\/usr\/bin\/env -S node((?: +\S+)*)$/.exec(first);
  if (!m) throw new Error(`bin/tickdesk.mjs: unexpected first line ${first}`);
  return m[1].split(' ').filter(Boolean);
}

/** Runs a compiled entry in a child process with `tickdesk`'s Node flags (its output inherited); rejects on a non-zero exit. */
export function runCompiled(file: string, args: string[] = []): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...tickdeskNodeFlags(), file, ...args], { stdio: 'inherit' });
    child.on('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`${basename(file)} exited with ${code ?? signal}`))));
  });
}
