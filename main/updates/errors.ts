/**
 * Why an update was refused. Each message names the feed file, version or key involved and what IT
 * can do about it; none carries anything but release metadata. Nothing is downloaded or installed
 * after any of these.
 */
export type UpdateErrorCode =
  | 'UPDATE_FEED_UNREACHABLE'
  | 'UPDATE_UNSIGNED'
  | 'UPDATE_SIGNATURE_INVALID'
  | 'UPDATE_UNTRUSTED_KEY'
  | 'UPDATE_NO_TRUSTED_KEYS'
  | 'UPDATE_METADATA_INVALID'
  | 'UPDATE_CHANNEL_MISMATCH'
  | 'UPDATE_DOWNGRADE'
  | 'UPDATE_FILE_INCOMPLETE'
  | 'UPDATE_FILE_HASH_MISMATCH'
  | 'UPDATE_SIGNING_KEY_MISSING'
  | 'UPDATE_NOT_SUPPORTED';

export abstract class UpdateError extends Error {
  abstract readonly code: UpdateErrorCode;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class FeedUnreachableError extends UpdateError {
  readonly code = 'UPDATE_FEED_UNREACHABLE';
  constructor(readonly url: string, detail: string, options?: { cause?: unknown }) {
    super(`The update feed could not be read (${url}: ${detail}). Check the feed URL and the network; nothing was downloaded.`, options);
  }
}

/** The channel file has no detached signature beside it. */
export class UnsignedMetadataError extends UpdateError {
  readonly code = 'UPDATE_UNSIGNED';
  constructor(readonly file: string, readonly url: string) {
    super(`Refused: ${file} on the update feed is not signed (${url} is missing). Sign the release with \`npm run release:sign\` and publish ${file}.sig beside it; nothing was downloaded.`);
  }
}

/** A signature by a trusted key that does not match the bytes served: the metadata was changed after signing (or the .sig is damaged). */
export class SignatureInvalidError extends UpdateError {
  readonly code = 'UPDATE_SIGNATURE_INVALID';
  constructor(readonly file: string, detail: string) {
    super(`Refused: ${file} does not match its signature (${detail}). The metadata was changed after it was signed, or the wrong .sig was published: re-publish the signed files from the release machine; nothing was downloaded.`);
  }
}

/** Signed, but by no key this build trusts. */
export class UntrustedKeyError extends UpdateError {
  readonly code = 'UPDATE_UNTRUSTED_KEY';
  constructor(readonly file: string, readonly keyIds: readonly string[], readonly trusted: readonly string[]) {
    super(`Refused: ${file} is signed by key ${keyIds.join(', ') || '(none)'}, which this build does not trust (it trusts ${trusted.join(', ')}). Sign with a pinned release key; after a key rotation, sign with the old and the new key until every workstation has a build that pins the new one. Nothing was downloaded.`);
  }
}

export class NoTrustedKeysError extends UpdateError {
  readonly code = 'UPDATE_NO_TRUSTED_KEYS';
  constructor() {
    super('This build pins no release key, so it cannot verify any update. Install a build that pins the project’s release key.');
  }
}

/** Signed correctly, but not metadata this app can use (a release-process error). */
export class MetadataInvalidError extends UpdateError {
  readonly code = 'UPDATE_METADATA_INVALID';
  constructor(readonly file: string, detail: string, options?: { cause?: unknown }) {
    super(`Refused: ${file} is signed but not valid update metadata (${detail}). Rebuild the release with electron-builder and sign it again.`, options);
  }
}

/** A pre-release (pilot) build in a stable channel file, or a signature made for another channel file. */
export class ChannelMismatchError extends UpdateError {
  readonly code = 'UPDATE_CHANNEL_MISMATCH';
  constructor(readonly file: string, detail: string) {
    super(`Refused: ${file} ${detail}. Publish each channel's own signed files; nothing was downloaded.`);
  }
}

export class DowngradeError extends UpdateError {
  readonly code = 'UPDATE_DOWNGRADE';
  constructor(readonly file: string, readonly offered: string, readonly installed: string, readonly channel: string) {
    super(`Refused: ${file} offers version ${offered}, older than the installed ${installed}, on the ${channel} channel. Workstations never go back: to pull a bad release, publish a fixed one with a higher version (README "Pull a bad release"). Nothing was downloaded.`);
  }
}

/** The download ended before the size the signed metadata states. */
export class FileIncompleteError extends UpdateError {
  readonly code = 'UPDATE_FILE_INCOMPLETE';
  constructor(readonly file: string, readonly received: number, readonly expected: number) {
    super(`Refused: the download of ${file} is incomplete (${received} of ${expected} bytes). It was deleted and is downloaded again at the next check; nothing was installed.`);
  }
}

export class FileHashMismatchError extends UpdateError {
  readonly code = 'UPDATE_FILE_HASH_MISMATCH';
  constructor(readonly file: string, detail: string) {
    super(`Refused: ${file} does not match the SHA-512 in the signed metadata (${detail}). The file on the feed is not the one that was released: re-upload it from the release machine. It was deleted; nothing was installed.`);
  }
}

/** release:sign found no private key in the environment or the keychain. */
export class SigningKeyMissingError extends UpdateError {
  readonly code = 'UPDATE_SIGNING_KEY_MISSING';
  constructor(detail: string) {
    super(`No release signing key: ${detail}`);
  }
}

/** The browser host (or a build from source) does not install updates itself. */
export class UpdatesNotSupportedError extends UpdateError {
  readonly code = 'UPDATE_NOT_SUPPORTED';
  constructor(detail: string) {
    super(detail);
  }
}
