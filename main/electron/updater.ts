/**
 * electron-updater, wired to the verified feed (main/updates): the custom provider hands it only
 * metadata whose Ed25519 signature verified against the pinned keys; it downloads with its own
 * SHA-512 check against those signed values; before the installer runs, the downloaded file is
 * checked again (size and SHA-512) — at download and right before install. Nothing installs on
 * quit by itself: a verified update installs when IT presses "Restart and install", or when the
 * app quits with one waiting (verified once more first).
 */
import { app, net } from 'electron';
import updaterModule from 'electron-updater';
import { basename } from 'node:path';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { verifyDownloadedFile, VerifiedProvider, type FetchBytes, type UpdateDriver, type UpdateSink, type VerifiedFeedOptions, type VerifiedUpdate } from '../updates/index';
import type { Logger } from '../shared/logger';

const { autoUpdater } = updaterModule;

/** Reads the feed through Chromium's network stack (system proxy, certificates), capped. */
export const electronFetchBytes: FetchBytes = async (url, limit) => {
  const res = await net.fetch(url.toString(), { headers: { 'cache-control': 'no-cache' } });
  const body = Buffer.from(await res.arrayBuffer());
  if (body.length > limit) throw new Error(`larger than ${limit} bytes`);
  return { status: res.status, body };
};

/** The feed URL electron-builder wrote into the packaged app (`publish.url`), else COHERENCY_UPDATE_FEED. */
export function packagedFeedUrl(): string | null {
  if (process.env['COHERENCY_UPDATE_FEED']) return process.env['COHERENCY_UPDATE_FEED'];
  if (!app.isPackaged) return null;
  try {
    const config = load(readFileSync(join(process.resourcesPath, 'app-update.yml'), 'utf8')) as { url?: unknown } | null;
    return typeof config?.url === 'string' ? config.url : null;
  } catch {
    return null;
  }
}

export function createElectronUpdateDriver(sink: UpdateSink, logger: Logger): UpdateDriver {
  let verified: VerifiedUpdate | null = null;
  let downloaded: { path: string; update: VerifiedUpdate } | null = null;
  let installing = false;

  autoUpdater.logger = null;
  autoUpdater.autoDownload = true;
  autoUpdater.autoInstallOnAppQuit = false;
  autoUpdater.allowDowngrade = false;
  autoUpdater.allowPrerelease = false;
  // Block maps are not signed: download whole files, each checked against the signed SHA-512.
  autoUpdater.disableDifferentialDownload = true;
  autoUpdater.disableWebInstaller = true;
  // An unpackaged app (the Electron spec) checks only when a feed is named explicitly.
  autoUpdater.forceDevUpdateConfig = !app.isPackaged && Boolean(process.env['COHERENCY_UPDATE_FEED']);

  const fileOf = (update: VerifiedUpdate, path: string) => update.files.find((f) => f.name === basename(path)) ?? update.files[0]!;

  autoUpdater.on('update-not-available', () => sink.report({ state: 'up-to-date', progress: null }));
  autoUpdater.on('update-available', () => sink.report({ state: 'downloading', progress: 0 }));
  autoUpdater.on('download-progress', (p: { percent: number }) => sink.report({ state: 'downloading', progress: Math.max(0, Math.min(100, p.percent)) }));
  autoUpdater.on('error', (error: Error) => sink.reportError(error));
  autoUpdater.on('update-downloaded', (event: { downloadedFile: string }) => {
    const update = verified;
    if (!update) return sink.reportError(new Error('a download finished without verified metadata'));
    void verifyDownloadedFile(event.downloadedFile, fileOf(update, event.downloadedFile)).then(
      () => {
        downloaded = { path: event.downloadedFile, update };
        logger.info('update downloaded and verified', { version: update.version });
        sink.report({ state: 'ready', progress: 100 });
      },
      (error: unknown) => {
        downloaded = null;
        sink.reportError(error);
      },
    );
  });

  const install = async () => {
    const pending = downloaded;
    if (!pending) throw new Error('no verified update is waiting');
    await verifyDownloadedFile(pending.path, fileOf(pending.update, pending.path));
    installing = true;
    autoUpdater.quitAndInstall(true, true);
  };

  // Quitting with a verified update waiting installs it, after one more check of the file.
  app.on('will-quit', (event) => {
    if (!downloaded || installing) return;
    event.preventDefault();
    install().catch((error: unknown) => {
      sink.reportError(error);
      downloaded = null;
      app.quit();
    });
  });

  return {
    async check(feed) {
      downloaded = null;
      verified = null;
      const options: VerifiedFeedOptions = {
        provider: 'custom',
        updateProvider: VerifiedProvider,
        verified: {
          ...feed,
          onVerified: (update) => {
            verified = update;
            sink.reportVerified(update);
          },
        },
      };
      autoUpdater.setFeedURL(options as unknown as Parameters<typeof autoUpdater.setFeedURL>[0]);
      await autoUpdater.checkForUpdates();
    },
    install,
  };
}
