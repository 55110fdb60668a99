// Electron main: one hardened window, the engine in a utilityProcess, status relayed to the page.
import { app, BrowserWindow } from 'electron';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EngineSupervisor, engineEntry, type EngineMessage } from './engine-host';
import { hardenSession } from './security';

const here = fileURLToPath(new URL('.', import.meta.url));
let win: BrowserWindow | null = null;

function createWindow(): BrowserWindow {
  const w = new BrowserWindow({
    width: 1400,
    height: 900,
    backgroundColor: '#0b0e11',
    title: 'Tickdesk',
    webPreferences: {
      preload: join(here, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  if (process.env.ELECTRON_RENDERER_URL) void w.loadURL(process.env.ELECTRON_RENDERER_URL);
  else void w.loadFile(join(here, '../renderer/index.html'));
  return w;
}

app.whenReady().then(() => {
  hardenSession();
  win = createWindow();
  const engine = new EngineSupervisor(
    engineEntry(here),
    {
      TICKDESK_DATA_DIR: app.getPath('userData'),
      TICKDESK_MIGRATIONS_DIR: app.isPackaged ? join(process.resourcesPath, 'db/sqlite') : join(app.getAppPath(), 'db/sqlite'),
    },
    (msg: EngineMessage) => win?.webContents.send('engine:status', msg),
  );
  engine.start();
  app.on('before-quit', () => engine.stop());
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) win = createWindow();
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
