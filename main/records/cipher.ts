/**
 * How a connection is keyed: SQLCipher 4 format (AES-256-CBC pages, HMAC-SHA512, 4096-byte pages)
 * through SQLite3MultipleCiphers' `sqlcipher` scheme with `legacy=4`. The key is 32 random bytes
 * given as a raw key (`x'<64 hex>'`), so no passphrase KDF runs. It goes to SQLite through
 * `Database#key()` as a buffer: never into SQL text, never into a log.
 */
import type Database from 'better-sqlite3-multiple-ciphers';
import { InvalidKeyError } from './errors';

export const RECORD_KEY_BYTES = 32;
export const PAGE_SIZE = 4096;

export function assertRecordKey(key: Buffer): void {
  if (!Buffer.isBuffer(key) || key.length !== RECORD_KEY_BYTES) throw new InvalidKeyError(`expected ${RECORD_KEY_BYTES} bytes`);
}

function configureCipher(db: Database.Database): void {
  db.pragma("cipher = 'sqlcipher'");
  db.pragma('legacy = 4');
}

/** Key a freshly opened connection with a raw 32-byte key (nothing is read or written yet). */
export function applyRawKey(db: Database.Database, key: Buffer): void {
  assertRecordKey(key);
  configureCipher(db);
  const material = Buffer.from(`x'${key.toString('hex')}'`, 'latin1');
  try {
    db.key(material);
  } finally {
    material.fill(0);
  }
}

/** Key a connection with a passphrase: SQLCipher 4's PBKDF2-HMAC-SHA512 (256,000 rounds, per-file salt). */
export function applyPassphrase(db: Database.Database, passphrase: string): void {
  configureCipher(db);
  const material = Buffer.from(passphrase, 'utf8');
  try {
    db.key(material);
  } finally {
    material.fill(0);
  }
}

export function rekeyRaw(db: Database.Database, key: Buffer): void {
  assertRecordKey(key);
  const material = Buffer.from(`x'${key.toString('hex')}'`, 'latin1');
  try {
    db.rekey(material);
  } finally {
    material.fill(0);
  }
}

export function rekeyPassphrase(db: Database.Database, passphrase: string): void {
  const material = Buffer.from(passphrase, 'utf8');
  try {
    db.rekey(material);
  } finally {
    material.fill(0);
  }
}
