/**
 * Signed self-update: Ed25519-signed channel files verified against pinned keys before anything is
 * downloaded, files checked against the signed SHA-512 before install, no downgrades on stable.
 * Plain Node; main/electron wires electron-updater to it (VerifiedProvider).
 */
export { createUpdateService, type UpdateDriver, type UpdateService, type UpdateServiceOptions, type UpdateSink } from './service';
export { checkForUpdate, decide, fetchVerifiedMetadata, inRollout, refuseDowngrade, type FeedOptions, type UpdateCheck, type VerifiedUpdate } from './feed';
export { downloadUpdateFile, verifyDownloadedFile } from './download';
export { VerifiedProvider, type VerifiedFeedOptions, type VerifiedProviderConfig } from './provider';
export { channelFileName, parseMetadata, type UpdateChannel, type UpdateFile, type UpdatePlatform } from './metadata';
export { keyIdOf, privateKeyFromSeed, publicKeyFromRaw, rawPublicKey, seedOf, serializeSignature, signMetadata, verifyMetadataSignature, SIGNATURE_FORMAT, type SignatureFile, type TrustedKey } from './signature';
export { nodeFetchBytes, nodeFetchStream, type FetchBytes, type FetchStream } from './http';
export { TRUSTED_RELEASE_KEYS } from './trusted-keys';
export * from './errors';
export { CHANNEL_FILE, RELEASE_KEY_ENV, RELEASE_KEYCHAIN_SERVICE, createReleaseKey, loadSigningKeys, parsePrivateKey, signReleaseDir, type SignedChannelFile, type SigningKeySource } from './release';
