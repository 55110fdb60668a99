// Electron main: hardened windows, the engine in a supervised utilityProcess, and one MessagePort
// per window between the page and the engine (main brokers it, then steps out of the data path).
import { app, BrowserWindow, ipcMain } from 'electron';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EngineSupervisor, engineEntry, type EngineState } from './engine-host';
import { hardenSession, isTrustedSender } from './security';

const here = fileURLToPath(new URL('.', import.meta.url));

function createWindow(): BrowserWindow {
  const w = new BrowserWindow({
    width: 1440,
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
  const engine = new EngineSupervisor(
    engineEntry(here),
    {
      TICKDESK_DATA_DIR: app.getPath('userData'),
      TICKDESK_MIGRATIONS_DIR: app.isPackaged ? join(process.resourcesPath, 'db/sqlite') : join(app.getAppPath(), 'db/sqlite'),
    },
    (s: EngineState) => {
      for (const w of BrowserWindow.getAllWindows()) w.webContents.send('engine:state', s);
    },
  );
  engine.start();
  ipcMain.on('engine:port-request', (e) => {
    const win = BrowserWindow.fromWebContents(e.sender);
    if (!isTrustedSender(win, e.senderFrame)) return;
    engine.connect(e.sender);
  });
  createWindow();
  app.on('before-quit', () => engine.stop());
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
