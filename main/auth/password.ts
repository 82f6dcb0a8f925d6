/**
 * Password hashing with scrypt (node:crypto, runs on libuv's thread pool, not the main thread).
 * Stored form: `scrypt$<log2 N>$<r>$<p>$<salt b64>$<hash b64>` — the parameters travel with each
 * hash, so they can be raised later and old hashes still verify (and are re-hashed on login).
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export interface ScryptParams {
  log2N: number;
  r: number;
  p: number;
}

/** 2^15 × 8 × 128 B = 32 MiB and ~50–100 ms per hash on a desktop (OWASP's scrypt minimum is N=2^17 with r=8, p=1 at 128 MiB; we keep memory modest for the clinic PCs and raise it via `needsRehash`). */
export const DEFAULT_SCRYPT: ScryptParams = { log2N: 15, r: 8, p: 1 };
const KEY_LEN = 32;
const SALT_LEN = 16;

function scrypt(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const N = 2 ** params.log2N;
  const options: ScryptOptions = { N, r: params.r, p: params.p, maxmem: 256 * N * params.r + 1024 * 1024 };
  return new Promise((resolve, reject) => scryptCb(password.normalize('NFKC'), salt, KEY_LEN, options, (err, key) => (err ? reject(err) : resolve(key))));
}

export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(SALT_LEN);
  const hash = await scrypt(password, salt, params);
  return `scrypt$${params.log2N}$${params.r}$${params.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

interface Parsed extends ScryptParams {
  salt: Buffer;
  hash: Buffer;
}

function parse(stored: string): Parsed | null {
  const m = /^scrypt\$(\d{1,2})\$(\d{1,2})\$(\d{1,2})\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(stored);
  if (!m) return null;
  const [log2N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (log2N < 10 || log2N > 22 || r < 1 || r > 32 || p < 1 || p > 16) return null;
  return { log2N, r, p, salt: Buffer.from(m[4]!, 'base64'), hash: Buffer.from(m[5]!, 'base64') };
}

/** Constant-time comparison; false for a malformed stored hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parse(stored);
  if (!parsed || parsed.hash.length !== KEY_LEN) return false;
  const candidate = await scrypt(password, parsed.salt, parsed);
  return timingSafeEqual(candidate, parsed.hash);
}

/** True when `stored` uses weaker parameters than `params` (re-hash after the next good login). */
export function needsRehash(stored: string, params: ScryptParams = DEFAULT_SCRYPT): boolean {
  const parsed = parse(stored);
  return !parsed || parsed.log2N < params.log2N || parsed.r < params.r || parsed.p < params.p;
}

/** A hash of nothing anyone knows: verified against when the username does not exist, so timing does not reveal which usernames exist. */
let dummy: Promise<string> | undefined;
export function dummyHash(params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  dummy ??= hashPassword(randomBytes(16).toString('hex'), params);
  return dummy;
}
