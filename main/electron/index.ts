/**
 * The Electron shell: windows, the app:// protocol that serves the renderer (and, through
 * main/file-routes/app-files.ts, scan files and backup downloads), the IPC end of the
 * one tRPC router, and nothing else. Every service is plain Node and built by createServices.
 */
import { app, BrowserWindow, net, powerMonitor, protocol, session, shell } from 'electron';
import { join, normalize, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createIPCHandler } from 'trpc-electron/main';
import { appRouter, createContextInner } from '../api/index';
import { createServices } from '../app/index';
import { serveAppFile } from '../file-routes/index';
import { contentSecurityPolicy } from '../shared/csp';

const APP_SCHEME = 'app';
const APP_ORIGIN = `${APP_SCHEME}://workstation`;
const rendererDir = join(import.meta.dirname, '..', 'renderer');
const preloadPath = join(import.meta.dirname, '..', 'preload', 'index.cjs');

protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } },
]);

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  void main();
}

async function main(): Promise<void> {
  await app.whenReady();
  const services = createServices({
    dataDir: app.getPath('userData'),
    electronVersions: { electron: process.versions.electron, chrome: process.versions.chrome },
  });

  // Renderer files over app:// with the CSP as a real header.
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    if (url.host !== 'workstation') return new Response('not found', { status: 404 });
    // Scan files for the viewer and backup downloads (Electron shows its Save dialog for those).
    const file = await serveAppFile(services, url.pathname, request.headers.get('range'));
    if (file) return file;
    const rel = normalize(decodeURIComponent(url.pathname)).replace(/^([/\\])+/, '') || 'index.html';
    if (rel.split(sep).includes('..')) return new Response('bad path', { status: 400 });
    let response = await net.fetch(pathToFileURL(join(rendererDir, rel)).toString()).catch(() => null);
    if (!response || !response.ok) response = await net.fetch(pathToFileURL(join(rendererDir, 'index.html')).toString());
    const headers = new Headers(response.headers);
    headers.set('content-security-policy', contentSecurityPolicy());
    headers.set('x-content-type-options', 'nosniff');
    return new Response(response.body, { status: response.status, headers });
  });

  // The OS lock screen and suspend lock every staff session (the renderer shows its lock screen).
  powerMonitor.on('lock-screen', () => services.workstation.lockAll());
  powerMonitor.on('suspend', () => services.workstation.lockAll());

  // Deny every permission (camera, geolocation, notifications, …) unless a feature asks for it here.
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);

  const ipc = createIPCHandler({
    router: appRouter,
    windows: [],
    createContext: async ({ event }) => {
      // Only our own top-level frame, loaded from app://, may call the router (VS Code validatedIpcMain).
      const frame = event.senderFrame;
      if (!frame || frame.parent !== null || !frame.url.startsWith(`${APP_ORIGIN}/`)) {
        throw new Error('IPC from a foreign frame refused');
      }
      return createContextInner({ services, transport: 'ipc', connectionId: `ipc:${event.sender.id}` });
    },
  });

  const createWindow = () => {
    const win = new BrowserWindow({
      width: 1400,
      height: 900,
      show: false,
      title: 'Coherency Workstation',
      webPreferences: {
        preload: preloadPath,
        sandbox: true,
        contextIsolation: true,
        nodeIntegration: false,
        webviewTag: false,
        spellcheck: false,
      },
    });
    ipc.attachWindow(win);
    win.once('ready-to-show', () => win.show());
    win.webContents.setWindowOpenHandler(({ url }) => {
      // Links to documentation open in the user's browser; nothing opens inside the app.
      if (url.startsWith('https://')) void shell.openExternal(url);
      return { action: 'deny' };
    });
    win.webContents.on('will-navigate', (event, url) => {
      if (!url.startsWith(`${APP_ORIGIN}/`)) event.preventDefault();
    });
    win.webContents.on('will-attach-webview', (event) => event.preventDefault());
    void win.loadURL(`${APP_ORIGIN}/index.html`);
    return win;
  };

  let win = createWindow();
  app.on('second-instance', () => {
    if (win.isDestroyed()) win = createWindow();
    if (win.isMinimized()) win.restore();
    win.focus();
  });
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) win = createWindow();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('will-quit', () => void services.dispose());
  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-navigate', (event, url) => {
      if (!url.startsWith(`${APP_ORIGIN}/`)) event.preventDefault();
    });
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });
}
