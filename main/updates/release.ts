/**
 * The release side of signed updates (`npm run release:sign`, scripts/release/sign.ts): sign the
 * channel files electron-builder wrote, optionally setting the staged-rollout percentage first,
 * with keys that come from the environment or the OS keychain — never from a file in the repo.
 */
import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dump, load } from 'js-yaml';
import type { KeyStore } from '../vault/index';
import { MetadataInvalidError, SigningKeyMissingError } from './errors';
import { keyIdOf, privateKeyFromSeed, rawPublicKey, seedOf, serializeSignature, signMetadata, type TrustedKey } from './signature';

/** Channel files electron-builder writes: latest.yml, latest-mac.yml, latest-linux(-arm64).yml, pilot*.yml. */
export const CHANNEL_FILE = /^(latest|pilot)(-mac|-linux(-[a-z0-9]+)?)?\.yml$/;

/** The keychain service release keys are kept under (account = the key's name). */
export const RELEASE_KEYCHAIN_SERVICE = 'Coherency Release Signing';
/** Environment variable holding one or more keys (comma-separated). */
export const RELEASE_KEY_ENV = 'COHERENCY_RELEASE_KEY';

/** A key from the environment: a PKCS#8 PEM, or base64/hex of the 32-byte seed or of PKCS#8 DER. */
export function parsePrivateKey(text: string): KeyObject {
  const t = text.trim();
  if (t.startsWith('-----BEGIN')) {
    const key = createPrivateKey(t);
    if (key.asymmetricKeyType !== 'ed25519') throw new SigningKeyMissingError('the PEM key is not an Ed25519 key');
    return key;
  }
  const bytes = /^[0-9a-f]{64}$/i.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
  if (bytes.length === 32) return privateKeyFromSeed(bytes);
  if (bytes.length === 48) return privateKeyFromSeed(bytes.subarray(16));
  throw new SigningKeyMissingError(`${RELEASE_KEY_ENV} does not hold an Ed25519 private key (32-byte seed or PKCS#8, base64 or hex, or a PEM)`);
}

export interface SigningKeySource {
  env: NodeJS.ProcessEnv;
  /** Keychain names to use (`--keychain a,b`); the key store is only asked when there are some. */
  keychainNames: readonly string[];
  keyStore?: KeyStore;
}

/** Every key named by the environment and the keychain; SigningKeyMissingError when none. */
export async function loadSigningKeys(source: SigningKeySource): Promise<KeyObject[]> {
  const keys: KeyObject[] = [];
  const fromEnv = source.env[RELEASE_KEY_ENV];
  if (fromEnv) for (const part of fromEnv.split(',').filter((p) => p.trim())) keys.push(parsePrivateKey(part));
  for (const name of source.keychainNames) {
    if (!source.keyStore) throw new SigningKeyMissingError('no keychain to read from');
    const seed = await source.keyStore.get(name);
    if (!seed) throw new SigningKeyMissingError(`the keychain has no release key named ${name} (service "${RELEASE_KEYCHAIN_SERVICE}"); create one with --new-key ${name}`);
    keys.push(privateKeyFromSeed(seed));
    seed.fill(0);
  }
  if (keys.length === 0) throw new SigningKeyMissingError(`set ${RELEASE_KEY_ENV} on the release machine, or name a keychain key with --keychain <name>. Keys are never read from files in the repository.`);
  return keys;
}

/** A new release key: its seed goes into the keychain under `name`; returns the line to pin. */
export async function createReleaseKey(name: string, keyStore: KeyStore): Promise<{ trusted: TrustedKey; keyId: string }> {
  if (await keyStore.get(name)) throw new SigningKeyMissingError(`the keychain already holds a release key named ${name}; choose another name`);
  const { privateKey } = generateKeyPairSync('ed25519');
  const seed = seedOf(privateKey);
  await keyStore.set(name, seed);
  seed.fill(0);
  const raw = rawPublicKey(privateKey);
  return { trusted: { name, publicKey: raw.toString('base64') }, keyId: keyIdOf(raw) };
}

export interface SignedChannelFile {
  file: string;
  version: string;
  stagingPercentage: number | null;
  keyIds: string[];
}

/**
 * Signs every channel file in `dir`, writing `<file>.sig` beside it. With `stagingPercentage`, the
 * file's `stagingPercentage` is set first (0 halts a rollout: README "Pull a bad release").
 */
export function signReleaseDir(dir: string, keys: readonly KeyObject[], opts: { stagingPercentage?: number } = {}): SignedChannelFile[] {
  const files = readdirSync(dir).filter((f) => CHANNEL_FILE.test(f)).sort();
  if (files.length === 0) throw new MetadataInvalidError(dir, 'no latest*.yml or pilot*.yml in this folder: run electron-builder first');
  return files.map((file) => {
    const path = join(dir, file);
    let bytes = readFileSync(path);
    const doc = load(bytes.toString('utf8')) as Record<string, unknown> | null;
    if (!doc || typeof doc !== 'object' || typeof doc['version'] !== 'string') throw new MetadataInvalidError(file, 'no version');
    if (opts.stagingPercentage !== undefined) {
      if (!Number.isInteger(opts.stagingPercentage) || opts.stagingPercentage < 0 || opts.stagingPercentage > 100) throw new RangeError('the staging percentage is a whole number from 0 to 100');
      doc['stagingPercentage'] = opts.stagingPercentage;
      bytes = Buffer.from(dump(doc, { lineWidth: -1 }), 'utf8');
      writeFileSync(`${path}.tmp`, bytes);
      renameSync(`${path}.tmp`, path);
    }
    const sig = signMetadata(file, bytes, keys);
    writeFileSync(`${path}.sig`, serializeSignature(sig));
    const staging = doc['stagingPercentage'];
    return { file, version: doc['version'] as string, stagingPercentage: typeof staging === 'number' ? staging : null, keyIds: sig.signatures.map((s) => s.keyId) };
  });
}
