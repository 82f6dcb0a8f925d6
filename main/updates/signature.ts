/**
 * Ed25519 signatures over update metadata (node:crypto, no extra library).
 *
 * A channel file `latest-linux.yml` is published with a detached `latest-linux.yml.sig`:
 *
 *   {"format":"coherency-update-signature/1","file":"latest-linux.yml",
 *    "signatures":[{"keyId":"3f1c…","signature":"<base64, 64 bytes>"}]}
 *
 * Each signature covers `coherency-update-metadata/1\n<file name>\n` followed by the file's exact
 * bytes, so a signed pilot or macOS file cannot be served as the stable Linux one. A file may carry
 * several signatures: during a key rotation the release is signed with the old and the new key,
 * and every workstation finds one it trusts. A key id is the first 16 bytes of the SHA-256 of the
 * raw 32-byte public key, in hex — derived, never taken on trust from the .sig.
 */
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { ChannelMismatchError, SignatureInvalidError, UntrustedKeyError, NoTrustedKeysError } from './errors';

export const SIGNATURE_FORMAT = 'coherency-update-signature/1';
const CONTEXT = 'coherency-update-metadata/1';

/** A release public key this build trusts: a name for people and the raw key in base64. */
export interface TrustedKey {
  name: string;
  /** 32-byte Ed25519 public key, base64. */
  publicKey: string;
}

const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

const signatureFileSchema = z.object({
  format: z.literal(SIGNATURE_FORMAT),
  file: z.string().min(1).max(200),
  signatures: z
    .array(z.object({ keyId: z.string().regex(/^[0-9a-f]{32}$/), signature: z.string().regex(/^[A-Za-z0-9+/]{86}==$/) }))
    .min(1)
    .max(8),
});
export type SignatureFile = z.infer<typeof signatureFileSchema>;

export function publicKeyFromRaw(raw: Buffer): KeyObject {
  if (raw.length !== 32) throw new RangeError('an Ed25519 public key is 32 bytes');
  return createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, raw]), format: 'der', type: 'spki' });
}

/** The 32-byte seed of an Ed25519 private key (what the keychain holds). */
export function privateKeyFromSeed(seed: Buffer): KeyObject {
  if (seed.length !== 32) throw new RangeError('an Ed25519 private key seed is 32 bytes');
  return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

export function rawPublicKey(key: KeyObject): Buffer {
  const der = createPublicKey(key).export({ format: 'der', type: 'spki' });
  return Buffer.from(der.subarray(der.length - 32));
}

export function seedOf(key: KeyObject): Buffer {
  const der = key.export({ format: 'der', type: 'pkcs8' });
  return Buffer.from(der.subarray(der.length - 32));
}

export function keyIdOf(rawPublic: Buffer): string {
  return createHash('sha256').update(rawPublic).digest('hex').slice(0, 32);
}

function message(fileName: string, bytes: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${CONTEXT}\n${fileName}\n`, 'utf8'), bytes]);
}

/** The detached signature of `bytes` published as `<fileName>.sig`, by one or more keys. */
export function signMetadata(fileName: string, bytes: Buffer, keys: readonly KeyObject[]): SignatureFile {
  if (keys.length === 0) throw new RangeError('at least one signing key');
  return {
    format: SIGNATURE_FORMAT,
    file: fileName,
    signatures: keys.map((k) => {
      if (k.asymmetricKeyType !== 'ed25519' || k.type !== 'private') throw new TypeError('release keys are Ed25519 private keys');
      return { keyId: keyIdOf(rawPublicKey(k)), signature: sign(null, message(fileName, bytes), k).toString('base64') };
    }),
  };
}

export function serializeSignature(sig: SignatureFile): string {
  return `${JSON.stringify(sig, null, 2)}\n`;
}

export interface VerifiedSignature {
  keyId: string;
  keyName: string;
}

/**
 * Checks `sigText` (the .sig) for `bytes` (the channel file `fileName`): returns the trusted key
 * that signed it, or throws SignatureInvalidError (not a signature, or made for other bytes — a
 * tampered file), ChannelMismatchError (made for another file), UntrustedKeyError (no pinned key
 * signed it). A signature by a pinned key that does not verify is a tampered file even when
 * another, untrusted signature is present.
 */
export function verifyMetadataSignature(fileName: string, bytes: Buffer, sigText: string, trustedKeys: readonly TrustedKey[]): VerifiedSignature {
  if (trustedKeys.length === 0) throw new NoTrustedKeysError();
  let parsed: SignatureFile;
  try {
    parsed = signatureFileSchema.parse(JSON.parse(sigText));
  } catch {
    throw new SignatureInvalidError(fileName, `${fileName}.sig is not a ${SIGNATURE_FORMAT} signature file`);
  }
  if (parsed.file !== fileName) throw new ChannelMismatchError(fileName, `carries a signature made for ${parsed.file}`);
  const trusted = new Map(trustedKeys.map((k) => {
    const raw = Buffer.from(k.publicKey, 'base64');
    return [keyIdOf(raw), { name: k.name, key: publicKeyFromRaw(raw) }] as const;
  }));
  const signed = message(fileName, bytes);
  let trustedButBad: string | null = null;
  for (const s of parsed.signatures) {
    const key = trusted.get(s.keyId);
    if (!key) continue;
    if (verify(null, signed, key.key, Buffer.from(s.signature, 'base64'))) return { keyId: s.keyId, keyName: key.name };
    trustedButBad = s.keyId;
  }
  if (trustedButBad) throw new SignatureInvalidError(fileName, `the signature by trusted key ${trustedButBad} does not verify`);
  throw new UntrustedKeyError(fileName, parsed.signatures.map((s) => s.keyId), [...trusted.keys()]);
}
