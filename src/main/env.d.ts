// What electron-vite replaces at build time in main's bundle (as Vite's own ImportMetaEnv declares
// it): DEV is true under `electron-vite dev`, false in `electron-vite build`.
interface ImportMetaEnv {
  DEV: boolean;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
