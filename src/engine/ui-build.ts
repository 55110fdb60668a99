// Builds the renderer for `tickdesk serve` when out/renderer is missing or older than its sources.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { newestMtime, REPO_ROOT } from './paths';

export { REPO_ROOT };
export const RENDERER_OUT = join(REPO_ROOT, 'out/renderer');

export function rendererIsStale(): boolean {
  const index = join(RENDERER_OUT, 'index.html');
  if (!existsSync(index)) return true;
  const src = join(REPO_ROOT, 'src');
  if (!existsSync(src)) return false; // a packaged copy without sources: serve what is there
  const built = statSync(index).mtimeMs;
  return newestMtime(join(src, 'renderer')) > built || newestMtime(join(src, 'shared')) > built;
}

/** Runs Vite (a dev dependency) to build the renderer into out/renderer. */
export async function buildRenderer(): Promise<void> {
  const { build } = await import('vite');
  const react = (await import('@vitejs/plugin-react')).default;
  await build({
    root: join(REPO_ROOT, 'src/renderer'),
    base: './',
    logLevel: 'warn',
    plugins: [react()],
    build: { outDir: RENDERER_OUT, emptyOutDir: true },
  });
}
