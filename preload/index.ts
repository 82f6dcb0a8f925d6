/**
 * The preload exposes exactly one thing: the tRPC IPC link on its one channel, as
 * `window.electronTRPC` (the shape trpc-electron's `ipcLink` expects). No raw ipcRenderer,
 * no Node APIs. Written against `electron` alone so the sandboxed bundle stays tiny.
 */
import { contextBridge, ipcRenderer } from 'electron';

/** Must equal trpc-electron's ELECTRON_TRPC_CHANNEL (checked by main/electron/preload.test.ts). */
export const TRPC_CHANNEL = 'trpc-electron';

contextBridge.exposeInMainWorld('electronTRPC', {
  sendMessage: (message: unknown) => ipcRenderer.send(TRPC_CHANNEL, message),
  onMessage: (callback: (message: unknown) => void) => {
    ipcRenderer.on(TRPC_CHANNEL, (_event, message: unknown) => callback(message));
  },
});
