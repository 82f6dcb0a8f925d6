/**
 * electron-builder's channel files (`latest-linux.yml`, `pilot-mac.yml`, `latest.yml`, …), parsed
 * only AFTER their signature verified, into the shape electron-updater's `UpdateInfo` has. Every
 * file must state its size and SHA-512 (what the download is checked against) and live on the feed
 * itself.
 */
import type { UpdateInfo } from 'electron-updater';
import { load } from 'js-yaml';
import { valid } from 'semver';
import { z } from 'zod';
import type { UpdateChannelName } from '../../common/updates';
import { MetadataInvalidError } from './errors';

export type UpdateChannel = UpdateChannelName;
export type UpdatePlatform = 'linux' | 'darwin' | 'win32';

/** electron-updater's naming: stable is electron-builder's `latest` channel; Linux adds the arch unless x64. */
export function channelFileName(channel: UpdateChannel, platform: UpdatePlatform, arch: string): string {
  const base = channel === 'stable' ? 'latest' : 'pilot';
  if (platform === 'linux') return `${base}-linux${arch === 'x64' ? '' : `-${arch}`}.yml`;
  if (platform === 'darwin') return `${base}-mac.yml`;
  return `${base}.yml`;
}

const sha512Schema = z.string().regex(/^[A-Za-z0-9+/]{86}==$/, 'a base64 SHA-512');
const MAX_FILE = 8 * 1024 ** 3;

const fileSchema = z.looseObject({
  url: z.string().min(1).max(2048),
  sha512: sha512Schema,
  size: z.number().int().positive().max(MAX_FILE),
});

const infoSchema = z.looseObject({
  version: z.string().refine((v) => valid(v) === v, 'a semantic version'),
  files: z.array(fileSchema).min(1).max(16),
  path: z.string().optional(),
  sha512: sha512Schema.optional(),
  releaseDate: z.string().max(64),
  stagingPercentage: z.number().min(0).max(100).optional(),
});

export interface UpdateFile {
  /** Absolute, on the feed's origin. */
  url: string;
  /** The name as published (the last part of the URL). */
  name: string;
  sha512: string;
  size: number;
}

export interface ParsedMetadata {
  info: UpdateInfo;
  version: string;
  releaseDate: string;
  stagingPercentage: number | undefined;
  files: UpdateFile[];
}

/** Parses a verified channel file; `fileUrl` is where it was read (file URLs resolve against it). */
export function parseMetadata(fileName: string, bytes: Buffer, fileUrl: URL): ParsedMetadata {
  let raw: unknown;
  try {
    raw = load(bytes.toString('utf8'));
  } catch (error) {
    throw new MetadataInvalidError(fileName, 'not YAML', { cause: error });
  }
  const parsed = infoSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new MetadataInvalidError(fileName, `${issue.path.join('.') || 'the file'}: ${issue.message}`);
  }
  const files = parsed.data.files.map((f): UpdateFile => {
    let url: URL;
    try {
      url = new URL(f.url, fileUrl);
    } catch {
      throw new MetadataInvalidError(fileName, `file URL ${JSON.stringify(f.url)} is not a URL`);
    }
    if (url.origin !== fileUrl.origin) throw new MetadataInvalidError(fileName, `file ${f.url} is not on the feed (${fileUrl.origin})`);
    return { url: url.toString(), name: decodeURIComponent(url.pathname.split('/').pop() ?? ''), sha512: f.sha512, size: f.size };
  });
  return {
    info: parsed.data as unknown as UpdateInfo,
    version: parsed.data.version,
    releaseDate: parsed.data.releaseDate,
    stagingPercentage: parsed.data.stagingPercentage,
    files,
  };
}
