/**
 * The clinic backup: ONE file that holds the whole clinic — the record and every encrypted scan
 * file — protected by a password. Format (`<clinic name>-<local time>.cwbackup`), a POSIX ustar
 * archive, so `tar -tvf` lists it:
 *
 *   record.db                       the record as a standard SQLCipher 4 database keyed by the
 *                                   password (PBKDF2-HMAC-SHA512, 256,000 rounds; `sqlcipher`
 *                                   opens it with `PRAGMA key = '<password>'`)
 *   scans/<scan id>/<name>.enc      each scan file in the scan store's own format (CWSENC01,
 *                                   64 KiB AES-256-GCM chunks, per-file HKDF key) under the
 *                                   BACKUP SCAN KEY instead of the clinic key
 *   manifest.json                   last: format, version, clinic id and name, schema version,
 *                                   creation time, KDF parameters and salt, size and sha256 of
 *                                   every entry, and an HMAC-SHA256 over all of it
 *
 * Keys from the password: PBKDF2-HMAC-SHA512(password, manifest salt, 256,000 rounds, 64 bytes);
 * bytes 0–31 are the backup scan key, 32–63 the manifest MAC key. The manifest holds ids, sizes
 * and hashes only — no patient data, no key. A wrong password fails the MAC before anything is
 * decrypted; a cut-off file has no manifest (TRUNCATED); a changed byte fails an entry's sha256
 * (CORRUPT). Restore creates a NEW clinic (new id, new key in the keychain); nothing existing is
 * ever overwritten, and a failed restore removes only what it created.
 */
import { createHash, createHmac, pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { link, mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';
import { registerClinic } from '../auth/index';
import {
  appendAudit,
  canonicalJson,
  DiskFullError,
  exportBackup,
  loadMigrations,
  newId,
  RECORD_KEY_BYTES,
  restoreBackup,
  SYSTEM_ACTOR,
  MIN_BACKUP_PASSWORD_LENGTH,
  type ClinicRecord,
} from '../records/index';
import { createScanStore, EncryptedFileError, EncryptedFileReader, EncryptedFileWriter, listStoredFiles, type ScanStore } from '../scans/index';
import type { Logger } from '../shared/logger';
import { readTarEntry, readTarIndex, TarError, TarWriter, type TarEntry } from '../shared/tar';
import type { KeyStore } from '../vault/index';

export const BACKUP_EXTENSION = '.cwbackup';
export const BACKUP_KDF_ITERATIONS = 256_000;
const MANIFEST = 'manifest.json';
const RECORD_ENTRY = 'record.db';

export type BackupErrorCode =
  | 'BACKUP_PASSWORD_SHORT'
  | 'BACKUP_WRONG_PASSWORD'
  | 'BACKUP_NOT_A_BACKUP'
  | 'BACKUP_TRUNCATED'
  | 'BACKUP_CORRUPT'
  | 'BACKUP_OTHER_CLINIC'
  | 'BACKUP_FROM_FUTURE'
  | 'BACKUP_EXISTS'
  | 'BACKUP_NOT_FOUND'
  | 'BACKUP_BUSY'
  | 'DISK_FULL';

/** Every refusal names the problem and what to do; none carries patient data. */
export class BackupError extends Error {
  override readonly name = 'BackupError';
  constructor(
    readonly code: BackupErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const entrySchema = z.object({ bytes: z.number().int().nonnegative(), sha256: hex64 });
export const backupManifestSchema = z.object({
  format: z.literal('coherency-backup'),
  version: z.literal(1),
  clinicId: z.string().min(1).max(64),
  clinicName: z.string().min(1).max(200),
  schemaVersion: z.number().int().nonnegative(),
  createdAt: z.number().int().nonnegative(),
  kdf: z.object({ algorithm: z.literal('pbkdf2-hmac-sha512'), iterations: z.number().int().min(100_000).max(10_000_000), salt: z.string().regex(/^[0-9a-f]{32}$/) }),
  record: entrySchema,
  scans: z.array(entrySchema.extend({ scanId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/), name: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/) })).max(1_000_000),
  /** What the files are, as the clinic counts them: scans of the record, incoming (unassigned) scans, files of neither. */
  counts: z.object({ scans: z.number().int().nonnegative(), incoming: z.number().int().nonnegative(), unlinkedFiles: z.number().int().nonnegative() }).optional(),
  mac: hex64,
});
export type BackupManifest = z.infer<typeof backupManifestSchema>;

export interface BackupProgress {
  phase: 'record' | 'scans' | 'verifying' | 'finishing';
  done: number;
  total: number;
}

/** What a stored file is to the clinic (the caller, who knows the record and the inbox, decides). */
export type HeldKind = 'scan' | 'incoming' | 'other';

export interface BackupCounts {
  /** Scans of the record whose files the backup holds. */
  scans: number;
  /** Incoming (unassigned) scans from tablets. */
  incoming: number;
  /** Files of no scan or incoming scan (leftovers): kept in the backup, counted apart. */
  unlinkedFiles: number;
}

export interface BackupSummary extends BackupCounts {
  file: string;
  name: string;
  clinicId: string;
  bytes: number;
  createdAt: number;
  /** Encrypted files (a scan has its original and its 3D view's files). */
  scanFiles: number;
}

/** Counts by what each file is; `classify` absent: every directory but the inbox's is a scan. */
export function countHeld(files: ReadonlyArray<{ scanId: string }>, classify?: (scanId: string) => HeldKind): BackupCounts {
  const kindOf = classify ?? ((id: string) => (id === 'inbox' ? 'other' : id.startsWith('inbox-') ? 'incoming' : 'scan'));
  const scans = new Set<string>();
  const incoming = new Set<string>();
  let unlinkedFiles = 0;
  for (const f of files) {
    const kind = kindOf(f.scanId);
    if (kind === 'scan') scans.add(f.scanId);
    else if (kind === 'incoming') incoming.add(f.scanId);
    else if (f.scanId !== 'inbox') unlinkedFiles++;
  }
  return { scans: scans.size, incoming: incoming.size, unlinkedFiles };
}

const pbkdf2Async = promisify(pbkdf2);

async function deriveKeys(password: string, salt: Buffer, iterations: number): Promise<{ scanKey: Buffer; macKey: Buffer }> {
  const material = await pbkdf2Async(Buffer.from(password, 'utf8'), salt, iterations, 64, 'sha512');
  return { scanKey: Buffer.from(material.subarray(0, 32)), macKey: Buffer.from(material.subarray(32)) };
}

function manifestMac(macKey: Buffer, manifest: Omit<BackupManifest, 'mac'>): string {
  return createHmac('sha256', macKey).update(canonicalJson(manifest)).digest('hex');
}

export function checkBackupPassword(password: string): void {
  if (typeof password !== 'string' || [...password].length < MIN_BACKUP_PASSWORD_LENGTH) {
    throw new BackupError('BACKUP_PASSWORD_SHORT', `A backup password needs at least ${MIN_BACKUP_PASSWORD_LENGTH} characters.`);
  }
}

function isDiskFull(error: unknown): boolean {
  return error instanceof DiskFullError || (error as NodeJS.ErrnoException | null)?.code === 'ENOSPC' || (error as { code?: string } | null)?.code === 'SQLITE_FULL';
}

/** Storage failures as typed errors with what to do; others pass through. */
function translate(error: unknown, what: 'backup' | 'restore'): unknown {
  if (isDiskFull(error)) {
    return new BackupError(
      'DISK_FULL',
      what === 'backup'
        ? 'The disk is full: the backup was not written (nothing else was changed). Free some space, or save the backup elsewhere, and try again.'
        : 'The disk is full: the restore stopped and removed what it had written (nothing existing was changed). Free some space and try again.',
      { cause: error },
    );
  }
  if (error instanceof TarError) {
    return error.code === 'NOT_TAR'
      ? new BackupError('BACKUP_NOT_A_BACKUP', 'This file is not a Coherency backup (.cwbackup). Choose a file that "Make a backup" wrote.', { cause: error })
      : new BackupError('BACKUP_TRUNCATED', `The backup file is incomplete (${error.message}); it was probably cut off while copying. Copy it again from where it was saved.`, { cause: error });
  }
  return error;
}

async function* hashing(source: AsyncIterable<Uint8Array>, hash: ReturnType<typeof createHash>): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    hash.update(chunk);
    yield chunk;
  }
}

/** A readable stream of a file's bytes (for TarWriter.add). */
async function* fileBytes(path: string): AsyncGenerator<Uint8Array> {
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) yield chunk as Buffer;
}

export interface WriteBackupOptions {
  record: ClinicRecord;
  store: ScanStore;
  password: string;
  /** The archive to write; must not exist. */
  file: string;
  logger: Logger;
  onProgress?: (p: BackupProgress) => void;
  now?: number;
  /** What each store directory is (a scan of the record, an incoming scan, neither), for the counts. */
  classify?: (scanId: string) => HeldKind;
}

/** Writes the clinic's backup archive to `file` (appears only when complete and fsync'd). */
export async function writeBackup(opts: WriteBackupOptions): Promise<BackupSummary> {
  checkBackupPassword(opts.password);
  const { record, store, file } = opts;
  if (existsSync(file)) throw new BackupError('BACKUP_EXISTS', 'A file with this name already exists; a backup never replaces a file. Choose another name.');
  const started = opts.now ?? Date.now();
  const tag = randomBytes(6).toString('hex');
  const work = `${file}.partial-${tag}`;
  const partial = `${work}.tar`;
  let tar: TarWriter | undefined;
  try {
    await mkdir(work, { recursive: false, mode: 0o700 });
    const salt = randomBytes(16);
    const { scanKey, macKey } = await deriveKeys(opts.password, salt, BACKUP_KDF_ITERATIONS);
    tar = await TarWriter.create(partial);

    opts.onProgress?.({ phase: 'record', done: 0, total: 1 });
    const recordCopy = join(work, RECORD_ENTRY);
    const info = await exportBackup(record, { password: opts.password, file: recordCopy });
    const recordHash = createHash('sha256');
    const recordBytes = await tar.add(RECORD_ENTRY, hashing(fileBytes(recordCopy), recordHash), started);
    await rm(recordCopy, { force: true });
    opts.onProgress?.({ phase: 'record', done: 1, total: 1 });

    const files = await listStoredFiles(store.rootDir);
    const scans: BackupManifest['scans'] = [];
    for (const [i, f] of files.entries()) {
      // Decrypt with the clinic key (through the store), encrypt with the backup scan key.
      const tmp = join(work, `scan-${i}.enc`);
      const reader = await store.open(f.scanId, f.name);
      const writer = new EncryptedFileWriter(tmp, scanKey);
      try {
        for await (const part of reader.stream()) await writer.write(part);
        await writer.close();
      } catch (error) {
        await writer.abort();
        throw error;
      } finally {
        await reader.close();
      }
      const hash = createHash('sha256');
      const bytes = await tar.add(`scans/${f.scanId}/${f.name}.enc`, hashing(fileBytes(tmp), hash), started);
      await rm(tmp, { force: true });
      scans.push({ scanId: f.scanId, name: f.name, bytes, sha256: hash.digest('hex') });
      opts.onProgress?.({ phase: 'scans', done: i + 1, total: files.length });
    }

    opts.onProgress?.({ phase: 'finishing', done: 0, total: 1 });
    const body: Omit<BackupManifest, 'mac'> = {
      format: 'coherency-backup',
      version: 1,
      clinicId: record.clinicId,
      clinicName: record.clinicName,
      schemaVersion: info.schemaVersion,
      createdAt: started,
      kdf: { algorithm: 'pbkdf2-hmac-sha512', iterations: BACKUP_KDF_ITERATIONS, salt: salt.toString('hex') },
      record: { bytes: recordBytes, sha256: recordHash.digest('hex') },
      scans,
      counts: countHeld(files, opts.classify),
    };
    const manifest: BackupManifest = { ...body, mac: manifestMac(macKey, body) };
    scanKey.fill(0);
    macKey.fill(0);
    await tar.add(MANIFEST, Buffer.from(`${JSON.stringify(manifest, null, 1)}\n`), started);
    const bytes = await tar.finish();
    tar = undefined;
    // link() refuses an existing name: a file created meanwhile is never replaced. Some network
    // shares (SMB without Unix extensions) cannot hard-link: there, a rename after a last check.
    let linked = true;
    try {
      await link(partial, file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') throw new BackupError('BACKUP_EXISTS', 'A file with this name appeared while the backup was written; it was left alone. Try again.');
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS' && code !== 'EXDEV') throw error;
      linked = false;
    }
    if (linked) await unlink(partial);
    else {
      if (existsSync(file)) throw new BackupError('BACKUP_EXISTS', 'A file with this name appeared while the backup was written; it was left alone. Try again.');
      await rename(partial, file);
    }
    opts.onProgress?.({ phase: 'finishing', done: 1, total: 1 });
    opts.logger.info('clinic backup written', { clinicId: record.clinicId, bytes, scanFiles: scans.length, ...body.counts, ms: Date.now() - started });
    return { file, name: file.split(/[\\/]/).pop()!, clinicId: record.clinicId, bytes, createdAt: started, scanFiles: scans.length, ...body.counts! };
  } catch (error) {
    await tar?.abort();
    throw translate(error, 'backup');
  } finally {
    await rm(partial, { force: true }).catch(() => undefined);
    await rm(work, { recursive: true, force: true }).catch(() => undefined);
  }
}

export interface OpenedBackup {
  file: string;
  bytes: number;
  manifest: BackupManifest;
  entries: Map<string, TarEntry>;
}

/** Reads the archive's index and manifest (no password: for listing). Typed errors for anything else. */
export async function readBackupManifest(file: string): Promise<OpenedBackup> {
  let index: Awaited<ReturnType<typeof readTarIndex>>;
  try {
    if (!(await stat(file)).isFile()) throw new BackupError('BACKUP_NOT_A_BACKUP', 'This is not a file.');
    index = await readTarIndex(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new BackupError('BACKUP_NOT_FOUND', 'No such backup file.');
    throw translate(error, 'restore');
  }
  const entries = new Map(index.entries.map((e) => [e.name, e]));
  const m = entries.get(MANIFEST);
  if (!m) {
    if (entries.has(RECORD_ENTRY)) throw new BackupError('BACKUP_TRUNCATED', 'The backup file is incomplete (its manifest, written last, is missing); it was probably cut off while copying. Copy it again.');
    throw new BackupError('BACKUP_NOT_A_BACKUP', 'This archive is not a Coherency backup (no manifest). Choose a file that "Make a backup" wrote.');
  }
  if (m.size > 64 * 1024 * 1024) throw new BackupError('BACKUP_CORRUPT', 'The backup manifest is implausibly large; the file is damaged.');
  const parts: Buffer[] = [];
  for await (const chunk of readTarEntry(file, m)) parts.push(chunk);
  let manifest: BackupManifest;
  try {
    manifest = backupManifestSchema.parse(JSON.parse(Buffer.concat(parts).toString('utf8')));
  } catch (error) {
    throw new BackupError('BACKUP_CORRUPT', 'The backup manifest is damaged (not the expected JSON). The file cannot be restored; use another copy.', { cause: error });
  }
  return { file, bytes: index.bytes, manifest, entries };
}

export interface VerifiedBackup extends OpenedBackup {
  scanKey: Buffer;
}

/**
 * Opens a backup with its password and checks all of it: the manifest's MAC (wrong password),
 * every entry's size and sha256 (damage), the schema version (newer app needed).
 */
export async function verifyBackup(file: string, password: string, onProgress?: (p: BackupProgress) => void): Promise<VerifiedBackup> {
  const opened = await readBackupManifest(file);
  const { manifest, entries } = opened;
  const { mac, ...body } = manifest;
  const { scanKey, macKey } = await deriveKeys(password, Buffer.from(manifest.kdf.salt, 'hex'), manifest.kdf.iterations);
  const expected = Buffer.from(manifestMac(macKey, body), 'hex');
  macKey.fill(0);
  if (!timingSafeEqual(expected, Buffer.from(mac, 'hex'))) {
    scanKey.fill(0);
    throw new BackupError('BACKUP_WRONG_PASSWORD', 'Wrong backup password (or the backup manifest was altered). Check the password and try again.');
  }
  if (manifest.schemaVersion > loadMigrations().length) {
    throw new BackupError('BACKUP_FROM_FUTURE', `This backup was made by a newer Coherency Workstation (schema ${manifest.schemaVersion}; this app knows ${loadMigrations().length}). Update the app, then restore.`);
  }
  const wanted: Array<{ label: string; entry: string; bytes: number; sha256: string }> = [
    { label: 'the record', entry: RECORD_ENTRY, ...manifest.record },
    ...manifest.scans.map((s) => ({ label: `scan file ${s.scanId}/${s.name}`, entry: `scans/${s.scanId}/${s.name}.enc`, bytes: s.bytes, sha256: s.sha256 })),
  ];
  for (const [i, w] of wanted.entries()) {
    const e = entries.get(w.entry);
    if (!e || e.size !== w.bytes) throw new BackupError('BACKUP_CORRUPT', `The backup is damaged: ${w.label} is missing or has the wrong size. Use another copy of the backup.`);
    const hash = createHash('sha256');
    try {
      for await (const chunk of readTarEntry(file, e)) hash.update(chunk);
    } catch (error) {
      throw translate(error, 'restore');
    }
    if (hash.digest('hex') !== w.sha256) throw new BackupError('BACKUP_CORRUPT', `The backup is damaged: ${w.label} does not match its checksum. Use another copy of the backup.`);
    onProgress?.({ phase: 'verifying', done: i + 1, total: wanted.length });
  }
  return { ...opened, scanKey };
}

export interface RestoreBackupOptions {
  file: string;
  password: string;
  newClinicName: string;
  dataDir: string;
  keyStore: KeyStore;
  logger: Logger;
  actor: { id: string; roles: readonly string[] };
  onProgress?: (p: BackupProgress) => void;
}

/** Restores a backup as a NEW clinic on this workstation; returns its id and name. */
export async function restoreAsNewClinic(opts: RestoreBackupOptions): Promise<{ clinicId: string; name: string; fromClinicId: string; scanFiles: number } & BackupCounts> {
  checkBackupPassword(opts.password);
  const verified = await verifyBackup(opts.file, opts.password, opts.onProgress);
  const { manifest, entries, scanKey } = verified;
  const clinicId = newId();
  const dir = join(opts.dataDir, 'clinics', clinicId);
  const recordFile = join(dir, 'record.db');
  const key = randomBytes(RECORD_KEY_BYTES);
  let createdDir = false;
  let storedKey = false;
  let record: ClinicRecord | undefined;
  try {
    if (existsSync(dir)) throw new BackupError('BACKUP_EXISTS', 'A clinic folder with the new id exists already; nothing was changed. Try again.');
    // The keychain first: without one, nothing is created (and the key is never written anywhere else).
    await opts.keyStore.set(clinicId, key);
    storedKey = true;
    await mkdir(dir, { recursive: true, mode: 0o700 });
    createdDir = true;

    opts.onProgress?.({ phase: 'record', done: 0, total: 1 });
    const source = join(dir, `restore-${randomBytes(4).toString('hex')}.cwrecord`);
    const fh = await open(source, 'wx', 0o600);
    try {
      for await (const chunk of readTarEntry(opts.file, entries.get(RECORD_ENTRY)!)) await fh.write(chunk);
      await fh.sync();
    } finally {
      await fh.close();
    }
    const restored = await restoreBackup(source, opts.password, {
      newFile: recordFile,
      newKey: key,
      logger: opts.logger,
      identity: { clinicId, clinicName: opts.newClinicName },
    });
    await rm(source, { force: true });
    if (!restored.ok) throw restored.error;
    record = restored.record;
    opts.onProgress?.({ phase: 'record', done: 1, total: 1 });

    const store = createScanStore({ rootDir: join(dir, 'scans'), clinicKey: key });
    for (const [i, s] of manifest.scans.entries()) {
      const tmp = join(dir, `restore-scan-${i}.enc`);
      const fh2 = await open(tmp, 'wx', 0o600);
      try {
        for await (const chunk of readTarEntry(opts.file, entries.get(`scans/${s.scanId}/${s.name}.enc`)!)) await fh2.write(chunk);
      } finally {
        await fh2.close();
      }
      const reader = await EncryptedFileReader.open(tmp, scanKey).catch((error: unknown) => {
        if (error instanceof EncryptedFileError) throw new BackupError('BACKUP_CORRUPT', `The backup is damaged: scan file ${s.scanId}/${s.name} cannot be decrypted (${error.code}). Use another copy.`, { cause: error });
        throw error;
      });
      try {
        await store.put(s.scanId, s.name, reader.stream());
      } finally {
        await reader.close();
        await rm(tmp, { force: true });
      }
      opts.onProgress?.({ phase: 'scans', done: i + 1, total: manifest.scans.length });
    }

    appendAudit(record, { actorId: SYSTEM_ACTOR.id, actorRole: 'system', action: 'backup.restore', entity: 'clinic', entityId: clinicId });
    record.dispose();
    record = undefined;
    registerClinic(opts.dataDir, { id: clinicId, name: opts.newClinicName, file: recordFile });
    opts.logger.info('backup restored as a new clinic', { clinicId, fromClinicId: manifest.clinicId, scanFiles: manifest.scans.length });
    return { clinicId, name: opts.newClinicName, fromClinicId: manifest.clinicId, scanFiles: manifest.scans.length, ...(manifest.counts ?? countHeld(manifest.scans)) };
  } catch (error) {
    record?.dispose();
    // Undo only what this call created: the new clinic's folder and keychain entry.
    if (createdDir) await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    if (storedKey) await opts.keyStore.delete(clinicId).catch(() => false);
    throw translate(error, 'restore');
  } finally {
    key.fill(0);
    scanKey.fill(0);
  }
}

export interface BackupListing extends BackupCounts {
  name: string;
  bytes: number;
  createdAt: number;
  clinicId: string;
  scanFiles: number;
}

/** The backups in `dir` (newest first); files that are not readable backups are skipped. */
export async function listBackupFiles(dir: string): Promise<BackupListing[]> {
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith(BACKUP_EXTENSION));
  const out: BackupListing[] = [];
  for (const name of names) {
    try {
      const { manifest, bytes } = await readBackupManifest(join(dir, name));
      out.push({ name, bytes, createdAt: manifest.createdAt, clinicId: manifest.clinicId, scanFiles: manifest.scans.length, ...(manifest.counts ?? countHeld(manifest.scans)) });
    } catch {
      // an incomplete or foreign file: not listed
    }
  }
  return out.sort((a, b) => b.createdAt - a.createdAt);
}

/** The clinic's name as a file-name part: accents folded, letters and digits, dashes between words. */
export function clinicSlug(clinicName: string): string {
  const slug = clinicName
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/, '');
  return slug || 'clinic';
}

/**
 * `<clinic name>-<yyyymmdd-hhmmss>[-n].cwbackup`, in the workstation's local time: what IT looks
 * for on a share ("Riverside-Wound-Clinic-20260312-101500.cwbackup"). No patient data; the
 * manifest inside names the clinic id.
 */
export function backupFileName(clinicName: string, at: number, n = 0): string {
  const d = new Date(at);
  const p = (v: number, w = 2) => String(v).padStart(w, '0');
  const time = `${p(d.getFullYear(), 4)}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
  return `${clinicSlug(clinicName)}-${time}${n ? `-${n}` : ''}${BACKUP_EXTENSION}`;
}
