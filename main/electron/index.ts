/**
 * The Electron shell: windows, the app:// protocol that serves the renderer (and, through
 * main/file-routes/app-files.ts, scan files and backup downloads), the IPC end of the
 * one tRPC router, and nothing else. Every service is plain Node and built by createServices.
 */
import { app, BrowserWindow, net, powerMonitor, protocol, session } from 'electron';
import { join, normalize, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createIPCHandler } from 'trpc-electron/main';
import { appRouter, createContextInner } from '../api/index';
import { createServices } from '../app/index';
import { serveAppFile } from '../file-routes/index';
import { contentSecurityPolicy } from '../shared/csp';
import { createConsoleLogger } from '../shared/logger';
import { APP_HOST, APP_ORIGIN, APP_SCHEME, ipcSenderRefusal } from './ipc-sender';
import { createElectronUpdateDriver, electronFetchBytes, packagedFeedUrl } from './updater';

/** How often the desktop app asks the feed for a new build (and once, a minute after start). */
const UPDATE_CHECK_EVERY_MS = 4 * 3600_000;
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
  const logger = createConsoleLogger({ app: 'coherency' });
  const feedUrl = packagedFeedUrl();
  const services = createServices({
    dataDir: app.getPath('userData'),
    electronVersions: { electron: process.versions.electron, chrome: process.versions.chrome },
    logger,
    updates: feedUrl
      ? { feedUrl, fetchBytes: electronFetchBytes, createDriver: (sink) => createElectronUpdateDriver(sink, logger) }
      : { feedUrl: null, noDriverReason: 'This build was not packaged with an update feed (run from source): it does not update itself.' },
  });
  if (feedUrl) {
    const check = () => void services.updates.check();
    setTimeout(check, 60_000).unref();
    setInterval(check, UPDATE_CHECK_EVERY_MS).unref();
  }

  // Renderer files over app:// with the CSP as a real header.
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    if (url.host !== APP_HOST) return new Response('not found', { status: 404 });
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

  /** The webContents of our own windows: the only senders the tRPC channel accepts. */
  const ownWebContents = new Set<number>();
  const ipc = createIPCHandler({
    router: appRouter,
    windows: [],
    createContext: async ({ event }) => {
      // Only our own window's top frame on app://workstation reaches a procedure (VS Code validatedIpcMain);
      // anything else gets FORBIDDEN from every procedure (main/electron/ipc-sender.ts).
      const refusal = ipcSenderRefusal(event, ownWebContents);
      if (refusal) logger.warn('IPC refused', { reason: refusal, webContents: event.sender.id });
      return createContextInner({ services, transport: 'ipc', connectionId: `ipc:${event.sender.id}`, ...(refusal ? { senderRefused: refusal } : {}) });
    },
  });

  const createWindow = () => {
    const win = new BrowserWindow({
      width: 1400,
      height: 900,
      show: false,
      title: 'Coherency Workstation',
      // Every option is checked by main/electron/window-options.test.ts (and Electronegativity in CI).
      webPreferences: {
        preload: preloadPath,
        sandbox: true,
        contextIsolation: true,
        nodeIntegration: false,
        nodeIntegrationInWorker: false,
        nodeIntegrationInSubFrames: false,
        webviewTag: false,
        webSecurity: true,
        allowRunningInsecureContent: false,
        experimentalFeatures: false,
        navigateOnDragDrop: false,
        safeDialogs: true,
        disableBlinkFeatures: 'Auxclick',
        spellcheck: false,
      },
    });
    const contentsId = win.webContents.id;
    ownWebContents.add(contentsId);
    win.webContents.once('destroyed', () => ownWebContents.delete(contentsId));
    ipc.attachWindow(win);
    win.once('ready-to-show', () => win.show());
    // Nothing opens another window, inside the app or out (the renderer has no external links).
    win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
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
