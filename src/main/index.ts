// Electron main: hardened windows, the engine in a supervised utilityProcess, and one MessagePort
// per window between the page and the engine (main brokers it, then steps out of the data path).
import { app, BrowserWindow, ipcMain, safeStorage, type IpcMainInvokeEvent } from 'electron';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EngineSupervisor, engineEntry, type EngineState } from './engine-host';
import { hardenSession, isTrustedSender, registerAppScheme, serveBundle } from './security';
import { rendererSource } from './app-page';
import { desktopBrokers } from '../engine/brokers/catalog';
import { BrokerConnector, rootsFromEnv, type BrokerRoots } from './broker-connect';
import { openLoginWindow } from './login-window';
import { SecretStore } from './secrets';
import { BrokerName } from '../shared/desktop';

const here = fileURLToPath(new URL('.', import.meta.url));

// The dev server only in a development build run unpacked (`electron-vite dev`); else the bundle.
const renderer = rendererSource({ packaged: app.isPackaged, devBuild: import.meta.env.DEV, devServerUrl: process.env.ELECTRON_RENDERER_URL });
if (process.env.ELECTRON_RENDERER_URL && renderer.kind === 'bundle') console.warn('ELECTRON_RENDERER_URL is ignored: this build loads its own bundle');

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
  void w.loadURL(renderer.url);
  return w;
}

/** Broker hosts: the real ones, or simulators for development (TICKDESK_KITE_REST_ROOT, TICKDESK_DHAN_WS_ROOT…). */
const brokerRoots = (): BrokerRoots => rootsFromEnv(desktopBrokers().map((b) => b.id));

/** Answers a page's request only when it comes from our own top frame. */
function trusted<A extends unknown[], R>(fn: (...args: A) => R): (e: IpcMainInvokeEvent, ...args: A) => R {
  return (e, ...args) => {
    if (!isTrustedSender(BrowserWindow.fromWebContents(e.sender), e.senderFrame, renderer)) throw new Error('untrusted sender');
    return fn(...args);
  };
}

function startApp(): void {
  hardenSession();
  if (renderer.kind === 'bundle') serveBundle(join(here, '../renderer'));
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
  const userData = app.getPath('userData');
  const connector = new BrokerConnector({
    settingsFile: join(userData, 'settings.json'),
    secrets: new SecretStore(join(userData, 'secrets.json'), safeStorage),
    openPopup: (spec) => openLoginWindow(BrowserWindow.getFocusedWindow(), spec),
    sendSession: (session, config) => engine.handOver(session, config),
    restartEngine: (config) => engine.restart(config),
    roots: brokerRoots(),
  });
  engine.start(connector.engineStart());
  // "Connect broker": inputs validated (zod) in the connector; answers carry no secret or token.
  ipcMain.handle('broker:status', trusted(() => connector.status()));
  ipcMain.handle('broker:connect', trusted((req: unknown) => connector.connect(req)));
  ipcMain.handle('broker:disconnect', trusted((broker: unknown) => connector.disconnect(BrokerName.parse(broker))));
  ipcMain.on('engine:port-request', (e) => {
    const win = BrowserWindow.fromWebContents(e.sender);
    if (!isTrustedSender(win, e.senderFrame, renderer)) return;
    engine.connect(e.sender);
  });
  createWindow();
  app.on('before-quit', () => engine.stop());
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
}

// `--version`: print the app's and Electron's versions and exit 0 before any scheme, window or
// engine exists. `npm run dist:check` starts the packaged binary this way: it proves the binary,
// with its fuses flipped, loads and runs this bundle from app.asar.
if (process.argv.includes('--version')) {
  console.log(`Tickdesk ${app.getVersion()} (Electron ${process.versions.electron})`);
  app.exit(0);
} else {
  registerAppScheme();
  void app.whenReady().then(startApp);
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
}
