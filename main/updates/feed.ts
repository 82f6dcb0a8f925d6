/**
 * Reading the update feed safely: the channel file and its detached signature are fetched, the
 * signature is verified against the pinned keys BEFORE the YAML is parsed, then the metadata is
 * held to the channel's rules (no pre-release on stable, never a lower version on stable). Only
 * what passes reaches electron-updater (provider.ts) or the plain-Node download (download.ts).
 */
import { lt, prerelease } from 'semver';
import { ChannelMismatchError, DowngradeError, FeedUnreachableError, UnsignedMetadataError } from './errors';
import type { FetchBytes } from './http';
import { channelFileName, parseMetadata, type UpdateChannel, type UpdateFile, type UpdatePlatform } from './metadata';
import { verifyMetadataSignature, type TrustedKey } from './signature';
import type { UpdateInfo } from 'electron-updater';

const METADATA_LIMIT = 1024 * 1024;
const SIGNATURE_LIMIT = 16 * 1024;

export interface FeedOptions {
  /** The feed's base URL (electron-builder.yml `publish.url` for this OS and arch). */
  feedUrl: string;
  channel: UpdateChannel;
  platform: UpdatePlatform;
  arch: string;
  trustedKeys: readonly TrustedKey[];
  fetchBytes: FetchBytes;
}

export interface VerifiedUpdate {
  channel: UpdateChannel;
  /** The channel file, e.g. `latest-linux.yml`. */
  file: string;
  version: string;
  releaseDate: string;
  stagingPercentage: number | undefined;
  /** The pinned key that signed it. */
  keyId: string;
  keyName: string;
  files: UpdateFile[];
  /** The verified metadata as electron-updater expects it. */
  info: UpdateInfo;
}

/** `https://host/path` → `https://host/path/` (a base for relative names). */
function baseOf(feedUrl: string): URL {
  let url: URL;
  try {
    url = new URL(feedUrl);
  } catch {
    throw new FeedUnreachableError(feedUrl, 'not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new FeedUnreachableError(feedUrl, `unsupported protocol ${url.protocol}`);
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

async function read(fetchBytes: FetchBytes, url: URL, limit: number): Promise<{ status: number; body: Buffer }> {
  try {
    return await fetchBytes(url, limit);
  } catch (error) {
    throw new FeedUnreachableError(url.toString(), error instanceof Error ? error.message : String(error), { cause: error });
  }
}

/** Fetches and verifies the channel file. Throws a typed UpdateError for anything it refuses. */
export async function fetchVerifiedMetadata(opts: FeedOptions): Promise<VerifiedUpdate> {
  const base = baseOf(opts.feedUrl);
  const file = channelFileName(opts.channel, opts.platform, opts.arch);
  const fileUrl = new URL(file, base);
  const sigUrl = new URL(`${file}.sig`, base);
  const metadata = await read(opts.fetchBytes, fileUrl, METADATA_LIMIT);
  if (metadata.status !== 200) throw new FeedUnreachableError(fileUrl.toString(), `HTTP ${metadata.status}`);
  const sig = await read(opts.fetchBytes, sigUrl, SIGNATURE_LIMIT);
  if (sig.status === 404 || sig.status === 410) throw new UnsignedMetadataError(file, sigUrl.toString());
  if (sig.status !== 200) throw new FeedUnreachableError(sigUrl.toString(), `HTTP ${sig.status}`);
  const signer = verifyMetadataSignature(file, metadata.body, sig.body.toString('utf8'), opts.trustedKeys);
  const parsed = parseMetadata(file, metadata.body, fileUrl);
  if (opts.channel === 'stable' && prerelease(parsed.version)) {
    throw new ChannelMismatchError(file, `lists the pre-release ${parsed.version}; stable workstations take releases only (pilot builds go in pilot*.yml)`);
  }
  return { channel: opts.channel, file, ...parsed, keyId: signer.keyId, keyName: signer.keyName };
}

/**
 * Staged rollout exactly as electron-updater decides it: the install's UUID, bytes 12–15 as an
 * unsigned integer over 2^32−1, below `stagingPercentage`/100. No percentage: everyone.
 */
export function inRollout(stagingPercentage: number | undefined, installId: string): boolean {
  if (stagingPercentage === undefined) return true;
  const hex = installId.replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw new RangeError('the install id is a UUID');
  return Buffer.from(hex, 'hex').readUInt32BE(12) / 0xffffffff < stagingPercentage / 100;
}

export type UpdateCheck =
  | { status: 'up-to-date'; update: VerifiedUpdate; installed: string; note?: string }
  | { status: 'not-in-rollout'; update: VerifiedUpdate; installed: string }
  | { status: 'available'; update: VerifiedUpdate; installed: string };

/** Throws DowngradeError for a lower version on the stable channel (see `decide`). */
export function refuseDowngrade(update: VerifiedUpdate, installed: string): void {
  if (update.channel === 'stable' && lt(update.version, installed)) throw new DowngradeError(update.file, update.version, installed, update.channel);
}

/**
 * Verified metadata held against the installed version: a lower version is refused on the stable
 * channel (DowngradeError — a replayed old feed or a mis-publish); on the pilot channel, whose file
 * a stable release also writes, a lower version only means "nothing newer yet".
 */
export function decide(update: VerifiedUpdate, installed: string, installId: string): UpdateCheck {
  refuseDowngrade(update, installed);
  if (update.version === installed) return { status: 'up-to-date', update, installed };
  if (lt(update.version, installed)) return { status: 'up-to-date', update, installed, note: `the pilot feed offers ${update.version}, older than this build; waiting for a newer one` };
  if (!inRollout(update.stagingPercentage, installId)) return { status: 'not-in-rollout', update, installed };
  return { status: 'available', update, installed };
}

export async function checkForUpdate(opts: FeedOptions & { installed: string; installId: string }): Promise<UpdateCheck> {
  return decide(await fetchVerifiedMetadata(opts), opts.installed, opts.installId);
}
