/**
 * Rotating a clinic's key: the record (PRAGMA rekey) and every scan file (re-encrypted), with no
 * data loss and no moment where data is unreadable, even after kill -9 at any point.
 *
 * The keychain holds the state. Besides the clinic's own entry (account = clinic id) it may hold,
 * only during a rotation, `rotation:<id>:next` (the new key, stored BEFORE anything is
 * re-encrypted) and `rotation:<id>:previous` (the old key, kept until every scan file has moved).
 * The key is never written anywhere else.
 *
 *   1. next := K2                                    (keychain)
 *   2. rekey the record K1 → K2                      (one SQLite transaction: the commit point)
 *   3. previous := K1; clinic := K2; delete next     (keychain)
 *   4. every scan file K1 → K2, each written beside the old one and renamed over it
 *   5. delete previous
 *
 * `recoverKeyRotation` (run before a clinic opens) finishes or undoes an interrupted rotation:
 * whichever key opens the record decides — the old one (a crash before or during 2: a hot journal
 * is rolled back with it; `next` is dropped) or the new one (steps 3–5 are completed).
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendAudit, keyOpensRecord, RECORD_KEY_BYTES, recoverInterruptedRekey, rekey, type ClinicRecord } from '../records/index';
import { rekeyStoreFiles, type RekeyProgress, type ScanStore } from '../scans/index';
import type { Logger } from '../shared/logger';
import type { KeyStore } from '../vault/index';
import { BackupError } from './archive';

export const nextKeyAccount = (clinicId: string): string => `rotation:${clinicId}:next`;
export const previousKeyAccount = (clinicId: string): string => `rotation:${clinicId}:previous`;

export interface RotateKeyOptions {
  record: ClinicRecord;
  store: ScanStore;
  keyStore: KeyStore;
  logger: Logger;
  actor: { id: string; roles: readonly string[] };
  onProgress?: (p: { phase: 'record' | 'scans'; done: number; total: number }) => void;
  /** Tests only: called between the steps (to crash there). */
  afterStep?: (step: number) => Promise<void> | void;
}

export class KeyRotationError extends Error {
  override readonly name = 'KeyRotationError';
  readonly code = 'KEY_ROTATION';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Rotates the clinic key of an OPEN clinic; the record and the store keep working throughout. */
export async function rotateClinicKey(opts: RotateKeyOptions): Promise<{ scanFiles: number; moved: number }> {
  const { record, store, keyStore } = opts;
  const clinicId = record.clinicId;
  const logger = opts.logger.child({ service: 'key-rotation', clinicId });
  const oldKey = await keyStore.get(clinicId);
  if (!oldKey) throw new KeyRotationError('The clinic key is missing from the keychain; nothing was changed. Restore the keychain entry (or the clinic from a backup) first.');
  if (!keyOpensRecord(record.file, oldKey)) {
    oldKey.fill(0);
    throw new KeyRotationError('The key in the keychain does not match the open record; nothing was changed. Restart the app and try again.');
  }
  if ((await keyStore.get(nextKeyAccount(clinicId))) || (await keyStore.get(previousKeyAccount(clinicId)))) {
    oldKey.fill(0);
    throw new BackupError('BACKUP_BUSY', 'An earlier key rotation has not finished; restart the app so it can finish it, then try again.');
  }
  const newKey = randomBytes(RECORD_KEY_BYTES);
  const started = Date.now();
  try {
    await keyStore.set(nextKeyAccount(clinicId), newKey); // 1
    await opts.afterStep?.(1);
    opts.onProgress?.({ phase: 'record', done: 0, total: 1 });
    try {
      await rekey(record, newKey); // 2: the commit point
    } catch (error) {
      await keyStore.delete(nextKeyAccount(clinicId)).catch(() => false);
      throw error;
    }
    opts.onProgress?.({ phase: 'record', done: 1, total: 1 });
    await opts.afterStep?.(2);
    await keyStore.set(previousKeyAccount(clinicId), oldKey); // 3
    await keyStore.set(clinicId, newKey);
    await keyStore.delete(nextKeyAccount(clinicId));
    await opts.afterStep?.(3);
    store.useKey(newKey, oldKey); // 4: new files are written with K2; unmoved ones still read with K1
    let result = await rekeyStoreFiles(store.rootDir, oldKey, newKey, (p: RekeyProgress) => opts.onProgress?.({ phase: 'scans', ...p }));
    // A file an import renamed into place during the sweep: one more (cheap) pass.
    const again = await rekeyStoreFiles(store.rootDir, oldKey, newKey);
    result = { moved: result.moved + again.moved, already: result.already };
    await opts.afterStep?.(4);
    store.useKey(newKey);
    await keyStore.delete(previousKeyAccount(clinicId)); // 5
    appendAudit(record, { actorId: opts.actor.id, actorRole: [...opts.actor.roles].sort().join(','), action: 'key.rotate', entity: 'clinic', entityId: clinicId });
    logger.info('clinic key rotated', { scanFiles: result.moved + result.already, moved: result.moved, ms: Date.now() - started });
    return { scanFiles: result.moved + result.already, moved: result.moved };
  } finally {
    oldKey.fill(0);
    newKey.fill(0);
  }
}

export interface RecoverOptions {
  clinicId: string;
  recordFile: string;
  scanRootDir: string;
  keyStore: KeyStore;
  logger: Logger;
}

/**
 * Finishes or undoes an interrupted rotation before the clinic opens. Returns what it did.
 * Does nothing (and reads only the two rotation entries) when no rotation was under way.
 */
export async function recoverKeyRotation(opts: RecoverOptions): Promise<'none' | 'rolled-back' | 'completed'> {
  const { clinicId, keyStore } = opts;
  const logger = opts.logger.child({ service: 'key-rotation', clinicId });
  const next = await keyStore.get(nextKeyAccount(clinicId));
  const previous = await keyStore.get(previousKeyAccount(clinicId));
  if (!next && !previous) return 'none';
  const current = await keyStore.get(clinicId);
  try {
    if (!existsSync(opts.recordFile) || !current) return 'none'; // the normal open reports what is missing
    // A crash inside step 2 leaves a journal and the copy made before the rekey: put the copy back.
    if (next) recoverInterruptedRekey(opts.recordFile, current);
    let recordKey: Buffer | null = null;
    if (keyOpensRecord(opts.recordFile, current)) recordKey = current;
    else if (next && keyOpensRecord(opts.recordFile, next)) recordKey = next;
    if (!recordKey) return 'none'; // neither opens it: the normal open reports WRONG_KEY, nothing changed

    if (recordKey === current && next && !previous) {
      // Crashed before the commit point: undo (the record and every scan are still under the old key).
      await keyStore.delete(nextKeyAccount(clinicId));
      logger.warn('interrupted key rotation undone');
      return 'rolled-back';
    }
    let oldKey = previous;
    if (recordKey === next) {
      // Crashed after the commit point, before the keychain switched: finish step 3.
      if (!oldKey) {
        await keyStore.set(previousKeyAccount(clinicId), current);
        oldKey = Buffer.from(current);
      }
      await keyStore.set(clinicId, next);
      await keyStore.delete(nextKeyAccount(clinicId));
    } else if (next) {
      await keyStore.delete(nextKeyAccount(clinicId));
    }
    if (oldKey) await rekeyStoreFiles(opts.scanRootDir, oldKey, recordKey); // step 4, again: files already moved are left alone
    await keyStore.delete(previousKeyAccount(clinicId));
    logger.warn('interrupted key rotation completed');
    return 'completed';
  } finally {
    next?.fill(0);
    previous?.fill(0);
    current?.fill(0);
  }
}
