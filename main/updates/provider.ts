/**
 * The electron-updater provider the desktop app uses
 * (`autoUpdater.setFeedURL({ provider: 'custom', updateProvider: VerifiedProvider, verified })`):
 * electron-updater asks it for the latest version, and it answers only with metadata whose
 * Ed25519 signature verified against the pinned keys (feed.ts) — so electron-updater's own SHA-512
 * check of the download compares against signed values, not against whatever the server says.
 * Anything refused surfaces as electron-updater's `error` event carrying our typed error.
 *
 * Plain Node: electron-updater's Provider class does not load Electron, and this one never uses
 * electron-updater's HTTP executor (it reads the feed through `fetchBytes`).
 */
import { Provider, type AppUpdater, type ResolvedUpdateFileInfo, type UpdateInfo } from 'electron-updater';
import type { ProviderRuntimeOptions } from 'electron-updater/out/providers/Provider';
import { fetchVerifiedMetadata, refuseDowngrade, type FeedOptions, type VerifiedUpdate } from './feed';

export interface VerifiedProviderConfig extends FeedOptions {
  /** The running app's version. */
  installed: string;
  /** Told about every verified update (the shell checks the downloaded file against it before install). */
  onVerified?(update: VerifiedUpdate): void;
}

/** What `setFeedURL` receives: electron-updater's custom-provider options plus ours. */
export interface VerifiedFeedOptions {
  provider: 'custom';
  updateProvider: typeof VerifiedProvider;
  verified: VerifiedProviderConfig;
}


export class VerifiedProvider extends Provider<UpdateInfo> {
  private readonly config: VerifiedProviderConfig;
  private readonly verifiedByInfo = new WeakMap<UpdateInfo, VerifiedUpdate>();

  constructor(options: VerifiedFeedOptions, _updater: AppUpdater | null, runtimeOptions: ProviderRuntimeOptions) {
    super(runtimeOptions);
    this.config = options.verified;
  }

  override async getLatestVersion(): Promise<UpdateInfo> {
    const update = await fetchVerifiedMetadata(this.config);
    refuseDowngrade(update, this.config.installed);
    this.verifiedByInfo.set(update.info, update);
    this.config.onVerified?.(update);
    return update.info;
  }

  /** The files of verified metadata only, at the absolute URLs checked to be on the feed. */
  override resolveFiles(info: UpdateInfo): ResolvedUpdateFileInfo[] {
    const update = this.verifiedByInfo.get(info);
    if (!update) throw new Error('resolveFiles called with metadata this provider did not verify');
    return update.files.map((f, i) => ({ url: new URL(f.url), info: { ...info.files[i]!, url: f.url, sha512: f.sha512, size: f.size } }));
  }
}
