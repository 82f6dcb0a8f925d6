/**
 * Self-update for the workstation as the System screen sees it: which channel this machine
 * follows, what the feed offers, and why an update was refused. The channel and an install id
 * (for staged rollouts) live in `<data dir>/updates.json`.
 *
 * In the desktop app the Electron shell passes a `driver` (electron-updater with the verified
 * provider): it downloads, has the file checked against the signed SHA-512 and installs. Without a
 * driver (the browser host, a build run from source) a check verifies the feed the same way and
 * says what it offers, but nothing is downloaded or installed.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { updateChannelSchema, type UpdateChannelName, type UpdateStatus } from '../../common/updates';
import type { Logger } from '../shared/logger';
import { UpdateError, UpdatesNotSupportedError } from './errors';
import { decide, fetchVerifiedMetadata, type FeedOptions, type VerifiedUpdate } from './feed';
import type { FetchBytes } from './http';
import type { UpdatePlatform } from './metadata';
import type { TrustedKey } from './signature';

/** What the desktop shell provides: electron-updater, reporting back through `report`. */
export interface UpdateDriver {
  /** Checks, and downloads what is available; outcomes arrive through the service's `report`. */
  check(feed: FeedOptions & { installed: string }): Promise<void>;
  /** Re-verifies the downloaded file and hands it to the installer (the app restarts). */
  install(): Promise<void>;
}

/** Where a driver reports to (the service's own report methods). */
export type UpdateSink = Pick<UpdateService, 'report' | 'reportError' | 'reportVerified'>;

export interface UpdateServiceOptions {
  dataDir: string;
  installed: string;
  platform: UpdatePlatform;
  arch: string;
  /** The feed's base URL for this OS and arch; null: no feed configured. */
  feedUrl: string | null;
  trustedKeys: readonly TrustedKey[];
  fetchBytes: FetchBytes;
  logger: Logger;
  /** The desktop shell's driver, built with the service's sink. */
  createDriver?: (sink: UpdateSink) => UpdateDriver;
  /** Why there is no driver, for the screen (e.g. "the browser host does not install updates"). */
  noDriverReason?: string;
  now?: () => number;
}

export interface UpdateService {
  status(): UpdateStatus;
  check(): Promise<UpdateStatus>;
  setChannel(channel: UpdateChannelName): UpdateStatus;
  install(): Promise<void>;
  /** The driver's progress and outcomes. */
  report(patch: Partial<Omit<UpdateStatus, 'installs' | 'channel' | 'feedUrl' | 'installed'>>): void;
  /** A refusal or failure from the driver, as a typed error or anything else. */
  reportError(error: unknown): void;
  /** The driver's verified metadata. */
  reportVerified(update: VerifiedUpdate): void;
  onDidChange(listener: (status: UpdateStatus) => void): () => void;
}

const settingsSchema = z.object({ channel: updateChannelSchema.default('stable'), installId: z.uuid() });
type Settings = z.infer<typeof settingsSchema>;

function readSettings(file: string, logger: Logger): Settings {
  if (existsSync(file)) {
    try {
      return settingsSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
    } catch {
      logger.warn('updates.json unreadable: back to the stable channel and a new install id');
    }
  }
  return { channel: 'stable', installId: randomUUID() };
}

function writeSettings(file: string, settings: Settings): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}

export function createUpdateService(opts: UpdateServiceOptions): UpdateService {
  const logger = opts.logger.child({ service: 'updates' });
  const now = opts.now ?? Date.now;
  const file = join(opts.dataDir, 'updates.json');
  let settings = readSettings(file, logger);
  if (!existsSync(file)) writeSettings(file, settings);
  const listeners = new Set<(s: UpdateStatus) => void>();
  let driver: UpdateDriver | undefined = undefined; // built once the service (its sink) exists, below
  let running: Promise<UpdateStatus> | null = null;
  let status: UpdateStatus = {
    installs: Boolean(driver),
    note: driver ? null : (opts.noDriverReason ?? 'This copy of the app does not install updates; it only checks what the feed offers.'),
    channel: settings.channel,
    feedUrl: opts.feedUrl,
    installed: opts.installed,
    state: 'idle',
    offered: null,
    signedBy: null,
    stagingPercentage: null,
    progress: null,
    error: null,
    checkedAt: null,
  };
  const set = (patch: Partial<UpdateStatus>) => {
    status = { ...status, ...patch };
    for (const l of [...listeners]) l(status);
  };
  const feed = (): FeedOptions & { installed: string } => ({
    feedUrl: opts.feedUrl!,
    channel: settings.channel,
    platform: opts.platform,
    arch: opts.arch,
    trustedKeys: opts.trustedKeys,
    fetchBytes: opts.fetchBytes,
    installed: opts.installed,
  });
  const reportError = (error: unknown) => {
    if (error instanceof UpdateError) {
      logger.warn('update refused', { code: error.code });
      set({ state: 'refused', error: { code: error.code, message: error.message }, progress: null, checkedAt: now() });
    } else {
      logger.error('update check failed', { error: error instanceof Error ? error.name : 'unknown' });
      set({ state: 'error', error: { code: 'UPDATE_FAILED', message: `The update check failed: ${error instanceof Error ? error.message : String(error)}` }, progress: null, checkedAt: now() });
    }
  };
  const reportVerified = (update: VerifiedUpdate) =>
    set({ offered: update.version, signedBy: `${update.keyName} (${update.keyId})`, stagingPercentage: update.stagingPercentage ?? null });

  async function runCheck(): Promise<UpdateStatus> {
    if (!opts.feedUrl) {
      set({ state: 'idle', error: { code: 'UPDATE_NO_FEED', message: 'No update feed is configured for this workstation (electron-builder.yml `publish.url`, or COHERENCY_UPDATE_FEED).' }, checkedAt: now() });
      return status;
    }
    set({ state: 'checking', error: null, progress: null, offered: null, signedBy: null, stagingPercentage: null });
    try {
      if (driver) {
        await driver.check(feed());
      } else {
        const update = await fetchVerifiedMetadata(feed());
        reportVerified(update);
        const outcome = decide(update, opts.installed, settings.installId);
        set({ state: outcome.status, note: 'note' in outcome && outcome.note ? outcome.note : status.note, checkedAt: now() });
      }
    } catch (error) {
      reportError(error);
    }
    return status;
  }

  const service: UpdateService = {
    status: () => status,
    check() {
      // One check at a time: a second press while one runs gets the same result.
      running ??= runCheck().finally(() => (running = null));
      return running;
    },
    setChannel(channel) {
      const parsed = updateChannelSchema.parse(channel);
      if (parsed !== settings.channel) {
        settings = { ...settings, channel: parsed };
        writeSettings(file, settings);
        logger.info('update channel changed', { channel: parsed });
        set({ channel: parsed, state: 'idle', offered: null, signedBy: null, stagingPercentage: null, error: null });
      }
      return status;
    },
    async install() {
      if (!driver) throw new UpdatesNotSupportedError(status.note ?? 'This copy of the app does not install updates.');
      await driver.install();
    },
    report: (patch) => set({ ...patch, ...(patch.state && patch.state !== 'downloading' ? { checkedAt: now() } : {}) }),
    reportError,
    reportVerified,
    onDidChange(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
  driver = opts.createDriver?.(service);
  status = { ...status, installs: Boolean(driver), note: driver ? null : status.note };
  return service;
}
