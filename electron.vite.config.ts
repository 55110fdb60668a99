import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';
import { preloadApp, RENDERER_BUILD } from './src/engine/ui-build';

export default defineConfig({
  main: {
    build: {
      rollupOptions: {
        input: {
          index: resolve('src/main/index.ts'),
          // The engine runs in a utilityProcess forked by main: same code as the headless CLI.
          'engine-host': resolve('src/engine/host.ts'),
          // The replicator's worker thread, started beside the engine's code (src/engine/store/replicator.ts).
          'replicator-worker': resolve('src/engine/store/replicator-worker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      rollupOptions: {
        input: { index: resolve('src/preload/index.ts') },
        // Sandboxed preloads must be CommonJS.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'src/renderer',
    // As `tickdesk serve` builds it (src/engine/ui-build.ts): minified (electron-vite leaves the
    // renderer unminified; the page's script is compiled before the first candle), the workstation's
    // chunk asked for from the HTML.
    build: { ...RENDERER_BUILD, rollupOptions: { input: resolve('src/renderer/index.html') } },
    plugins: [react(), preloadApp()],
  },
});
