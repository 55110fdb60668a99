// The page's only door to the app: named functions, never ipcRenderer itself.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';

// Main answers a port request with a MessagePort wired to the engine; hand it to the page's own
// window (ports cannot cross contextBridge as arguments, but window.postMessage can transfer them).
ipcRenderer.on('engine:port', (e: IpcRendererEvent) => {
  window.postMessage('tickdesk:engine-port', window.location.origin === 'null' ? '*' : window.location.origin, e.ports);
});

/** Electron prefixes a rejected invoke with "Error invoking remote method …: Error: "; keep the reason. */
function invoke(channel: string, ...args: unknown[]): Promise<unknown> {
  return ipcRenderer.invoke(channel, ...args).catch((e: Error) => {
    throw new Error(String(e?.message ?? e).replace(/^Error invoking remote method '[^']+': (?:\w*Error: )?/, ''));
  });
}

const api = {
  /** Asks main for a fresh MessagePort to the engine (delivered as a window message). */
  requestEnginePort(): void {
    ipcRenderer.send('engine:port-request');
  },
  /** Engine process state (running, restarting after a crash); returns an unsubscribe function. */
  onEngineState(fn: (s: { state: string; detail: string }) => void): () => void {
    const listener = (_e: IpcRendererEvent, s: { state: string; detail: string }) => fn({ state: String(s?.state), detail: String(s?.detail) });
    ipcRenderer.on('engine:state', listener);
    return () => ipcRenderer.removeListener('engine:state', listener);
  },
  /** "Connect broker" (main validates, logs in in a popup, keeps secrets; answers without them). */
  broker: {
    status: () => invoke('broker:status'),
    connect: (req: unknown) => invoke('broker:connect', req),
    disconnect: (broker: unknown) => invoke('broker:disconnect', broker),
  },
};

export type TickdeskBridge = typeof api;

contextBridge.exposeInMainWorld('tickdesk', api);
