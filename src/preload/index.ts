// The page's only door to the app: named functions, never ipcRenderer itself.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';

const api = {
  /** Engine status updates (feed state, ticks committed); returns an unsubscribe function. */
  onEngineStatus(fn: (msg: unknown) => void): () => void {
    const listener = (_e: IpcRendererEvent, msg: unknown) => fn(msg);
    ipcRenderer.on('engine:status', listener);
    return () => ipcRenderer.removeListener('engine:status', listener);
  },
};

export type TickdeskBridge = typeof api;

contextBridge.exposeInMainWorld('tickdesk', api);
