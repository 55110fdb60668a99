// Builds the renderer for `tickdesk serve` when out/renderer is missing or older than its sources.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Plugin } from 'vite';
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

/**
 * The page's entry (main.tsx) loads the workstation (App.tsx) with import(), so the engine
 * connection starts before React and the chart library have loaded. This asks the browser for that
 * chunk from the HTML too, alongside the entry, instead of after the entry has run.
 */
export function preloadApp(): Plugin {
  return {
    name: 'tickdesk:preload-app',
    transformIndexHtml: {
      order: 'post',
      handler(_html, ctx) {
        const app = Object.values(ctx.bundle ?? {}).find((c) => c.type === 'chunk' && c.isDynamicEntry && /[\\/]App\.tsx$/.test(c.facadeModuleId ?? ''));
        if (!app || app.type !== 'chunk') return [];
        const css = [...(app.viteMetadata?.importedCss ?? [])];
        return [
          { tag: 'link', attrs: { rel: 'modulepreload', crossorigin: true, href: `./${app.fileName}` }, injectTo: 'head' },
          ...css.map((href) => ({ tag: 'link', attrs: { rel: 'stylesheet', crossorigin: true, href: `./${href}` }, injectTo: 'head' as const })),
        ];
      },
    },
  };
}

/** The renderer's build settings, the same for `npm run build` (electron.vite.config.ts) and `tickdesk serve`. */
export const RENDERER_BUILD = { minify: true } as const;

/** Runs Vite (a dev dependency) to build the renderer into out/renderer. */
export async function buildRenderer(): Promise<void> {
  const { build } = await import('vite');
  const react = (await import('@vitejs/plugin-react')).default;
  await build({
    root: join(REPO_ROOT, 'src/renderer'),
    base: './',
    logLevel: 'warn',
    plugins: [react(), preloadApp()],
    build: { ...RENDERER_BUILD, outDir: RENDERER_OUT, emptyOutDir: true },
  });
}
