/**
 * Clinics on this workstation: enrolment (new clinic id, random 32-byte key into the keychain,
 * the encrypted record, the first IT admin) and the small unencrypted index `clinics.json`, which
 * holds only id, name and the record's path — never patient data, never a key.
 *
 *   <dataDir>/clinics.json
 *   <dataDir>/clinics/<clinicId>/record.db
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { z } from 'zod';
import { clinicSummarySchema, enrolClinicInputSchema, type ClinicSummary, type EnrolClinicInput, type StaffMember } from '../../common/records';
import type { Logger } from '../shared/logger';
import { appendAudit, createClinicRecord, createStaffRepository, newId, openClinicRecord, RECORD_KEY_BYTES, SYSTEM_ACTOR, type Actor, type ClinicRecord, type OpenResult } from '../records/index';
import type { KeyStore } from '../vault/index';
import { ClinicIndexInvalidError, ClinicKeyMissingError, ClinicNotEnrolledError, EnrolRefusedError } from './errors';
import { DEFAULT_SCRYPT, hashPassword, type ScryptParams } from './password';

export interface ClinicDeps {
  dataDir: string;
  keyStore: KeyStore;
  logger: Logger;
  scrypt?: ScryptParams;
}

export interface ClinicEntry extends ClinicSummary {
  /** Absolute path of the record. */
  file: string;
}

const indexSchema = z.object({
  version: z.literal(1),
  clinics: z.array(clinicSummarySchema.extend({ file: z.string().min(1) })),
});
type ClinicIndex = z.infer<typeof indexSchema>;

const indexPath = (dataDir: string): string => join(dataDir, 'clinics.json');

function readIndex(dataDir: string): ClinicIndex {
  const path = indexPath(dataDir);
  if (!existsSync(path)) return { version: 1, clinics: [] };
  try {
    return indexSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
  } catch (error) {
    throw new ClinicIndexInvalidError(path, { cause: error });
  }
}

/** Write-then-rename, so a crash leaves the old index or the new one, never half of one. */
function writeIndex(dataDir: string, index: ClinicIndex): void {
  const path = indexPath(dataDir);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(indexSchema.parse(index), null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
}

/** Record paths are stored relative to the data dir (a moved profile keeps working) and must stay inside it. */
function toEntry(dataDir: string, c: ClinicIndex['clinics'][number]): ClinicEntry {
  const file = resolve(dataDir, c.file);
  if (!file.startsWith(resolve(dataDir) + sep)) throw new ClinicIndexInvalidError(indexPath(dataDir));
  return { id: c.id, name: c.name, file };
}

export function listClinics(dataDir: string): ClinicEntry[] {
  return readIndex(dataDir).clinics.map((c) => toEntry(dataDir, c));
}

export interface Enrolment {
  clinic: ClinicEntry;
  admin: StaffMember;
  /** The new record, open; the caller owns it (dispose()). */
  record: ClinicRecord;
}

export interface EnrolOptions {
  /**
   * First run only: refused (EnrolRefusedError) when a clinic is enrolled already. Checked inside
   * the same per-data-dir queue as the enrolment itself, so two first-run requests racing each
   * other enrol one clinic, not two.
   */
  firstRunOnly?: boolean;
}

/** Enrolments run one at a time per data dir (the index is read, then written). */
const enrolQueues = new Map<string, Promise<unknown>>();

/**
 * Enrols a clinic. Order matters: the key goes into the keychain first (no keychain, nothing is
 * created), then the record, the first IT admin, and last the index entry. A failure undoes only
 * what this call created.
 */
export function enrolClinic(input: EnrolClinicInput, deps: ClinicDeps, options: EnrolOptions = {}): Promise<Enrolment> {
  const key = resolve(deps.dataDir);
  const run = () => {
    if (options.firstRunOnly && readIndex(deps.dataDir).clinics.length > 0) throw new EnrolRefusedError();
    return enrolNow(input, deps);
  };
  const queued = (enrolQueues.get(key) ?? Promise.resolve()).then(run, run);
  const settled = queued.catch(() => undefined);
  enrolQueues.set(key, settled);
  void settled.then(() => enrolQueues.get(key) === settled && enrolQueues.delete(key));
  return queued;
}

async function enrolNow(input: EnrolClinicInput, deps: ClinicDeps): Promise<Enrolment> {
  const parsed = enrolClinicInputSchema.parse(input);
  const clinicId = newId();
  const logger = deps.logger.child({ service: 'auth', clinicId });
  const dir = join(deps.dataDir, 'clinics', clinicId);
  const file = join(dir, 'record.db');
  const passwordHash = await hashPassword(parsed.admin.password, deps.scrypt ?? DEFAULT_SCRYPT);
  readIndex(deps.dataDir); // refuse early if the index is unreadable
  const key = randomBytes(RECORD_KEY_BYTES);
  let record: ClinicRecord | undefined;
  try {
    await deps.keyStore.set(clinicId, key);
    try {
      const created = createClinicRecord({ file, key, clinicId, clinicName: parsed.name, logger });
      if (!created.ok) throw created.error;
      record = created.record;
      const admin = createStaffRepository(record).create(
        { username: parsed.admin.username, displayName: parsed.admin.displayName, passwordHash, roles: ['it-admin'] },
        SYSTEM_ACTOR,
      );
      const index = readIndex(deps.dataDir);
      writeIndex(deps.dataDir, { version: 1, clinics: [...index.clinics, { id: clinicId, name: parsed.name, file: relative(deps.dataDir, file) }] });
      logger.info('clinic enrolled');
      return { clinic: { id: clinicId, name: parsed.name, file }, admin, record };
    } catch (error) {
      record?.dispose();
      rmSync(dir, { recursive: true, force: true });
      await deps.keyStore.delete(clinicId).catch(() => false);
      throw error;
    }
  } finally {
    key.fill(0);
  }
}

/**
 * A further clinic enrolled by a signed-in IT admin: audited (`clinic.enrol`, the new clinic's id)
 * in the admin's own clinic record and in the new one, so each record says who created it.
 */
export function auditEnrolment(record: ClinicRecord, actor: Actor, newClinicId: string): void {
  appendAudit(record, { actorId: actor.id, actorRole: [...actor.roles].sort().join(','), action: 'clinic.enrol', entity: 'clinic', entityId: newClinicId });
}

/**
 * Adds a clinic whose record already exists (a restored backup) to the index. Its key must
 * already be in the keychain; refuses an id that is enrolled already.
 */
export function registerClinic(dataDir: string, entry: { id: string; name: string; file: string }): ClinicEntry {
  const index = readIndex(dataDir);
  if (index.clinics.some((c) => c.id === entry.id)) throw new ClinicIndexInvalidError(indexPath(dataDir));
  const file = resolve(entry.file);
  if (!file.startsWith(resolve(dataDir) + sep)) throw new ClinicIndexInvalidError(indexPath(dataDir));
  writeIndex(dataDir, { version: 1, clinics: [...index.clinics, { id: entry.id, name: entry.name, file: relative(dataDir, file) }] });
  return { id: entry.id, name: entry.name, file };
}

/** Opens an enrolled clinic's record with its key from the keychain (Signal-style result). */
export async function openClinic(clinicId: string, deps: ClinicDeps): Promise<OpenResult> {
  try {
    const entry = listClinics(deps.dataDir).find((c) => c.id === clinicId);
    if (!entry) throw new ClinicNotEnrolledError(clinicId);
    const key = await deps.keyStore.get(clinicId);
    if (!key) throw new ClinicKeyMissingError(clinicId);
    try {
      return openClinicRecord({ file: entry.file, key, clinicId, logger: deps.logger });
    } finally {
      key.fill(0);
    }
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error : new Error(String(error)) };
  }
}

/** Ensures the data dir exists with owner-only permissions. */
export function ensureDataDir(dataDir: string): void {
  mkdirSync(join(dataDir, 'clinics'), { recursive: true, mode: 0o700 });
}
