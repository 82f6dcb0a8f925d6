/**
 * The release public keys this build trusts for update metadata (Ed25519, raw 32 bytes, base64).
 * Pinned in the code, so they sit inside the signed app's asar (integrity-checked on macOS and
 * Windows): swapping them means swapping a signed binary.
 *
 * Rotation (README "Rotate the release key"): add the new key here and release that build signed
 * with the OLD key (plus the new one); once every workstation runs a build that pins both, sign
 * with the new key only, and a later build drops the old entry. `npm run release:sign -- --new-key`
 * prints the line to add. Keep at most a few entries.
 */
import type { TrustedKey } from './signature';

export const TRUSTED_RELEASE_KEYS: readonly TrustedKey[] = [
  // Key id 418d02c3cdc3dc69144e6a1fbd8d75c7. Its private half was not kept where this build was
  // made: the release owner replaces this entry with the key generated on the release machine
  // (`npm run release:sign -- --new-key`) before the first signed release.
  { name: 'coherency-release-2026', publicKey: 'vUEWWAK/C0dBUChdNqoG1nxSGrquCxSJDrRo4468Mg8=' },
];
