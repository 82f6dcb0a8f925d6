/**
 * Automatic backups (issue 21, point 14): each clinic's IT admin sets a folder (a network share
 * mounted on this workstation, say), an interval and how many backups to keep; while the app runs
 * the scheduler makes a backup whenever one is due, into that folder, and then removes this
 * clinic's oldest backups there beyond the number to keep.
 *
 * Where things live: the policy and the last run's outcome in
 * `<data dir>/clinics/<clinic id>/backup-schedule.json` (owner-only; a folder, numbers and times,
 * no patient data, and never carried into a restored clinic); the backup password in the OS
 * keychain (account `backup-schedule:<clinic id>`), never in a file.
 *
 * Plain Node: the workstation's pieces (opening a clinic, writing a backup, listing a folder's
 * backups) come in as functions, so this runs under vitest with a fake clock.
 */
import { randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { access, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { backupPolicySchema, backupRunStatusSchema, backupScheduleInputSchema, type BackupPolicy, type BackupRunStatus, type BackupScheduleInput, type BackupScheduleView } from '../../common/backups';
import type { Logger } from '../shared/logger';
import type { KeyStore } from '../vault/index';

export type BackupScheduleErrorCode = 'BACKUP_FOLDER_INVALID' | 'BACKUP_SCHEDULE_PASSWORD' | 'BACKUP_SCHEDULE_MISSING';

/** A refusal naming what to change; no patient data. */
export class BackupScheduleError extends Error {
  override readonly name = 'BackupScheduleError';
  constructor(
    readonly code: BackupScheduleErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const HOUR = 3_600_000;
/** A failed run is tried again after this long (not on every tick). */
export const RETRY_AFTER_MS = 30 * 60_000;
/** How long past its interval a backup may be before the warning: time for the run itself. */
const GRACE_MS = HOUR;
/** With no schedule, a hand-made backup older than this is "overdue". */
export const DEFAULT_MAX_AGE_HOURS = 24;

export const passwordAccount = (clinicId: string) => `backup-schedule:${clinicId}`;

const fileSchema = z.object({ v: z.literal(1), policy: backupPolicySchema.nullable(), status: backupRunStatusSchema });
type ScheduleFile = z.infer<typeof fileSchema>;
const EMPTY_STATUS: BackupRunStatus = { lastAttemptAt: null, lastSuccessAt: null, lastFile: null, lastError: null, lastRemoved: 0 };

/** The clinic as the scheduler needs it (the workstation's OpenClinic fits). */
export interface ScheduledClinic {
  id: string;
  name: string;
}

export interface BackupScheduleDeps<C extends ScheduledClinic> {
  dataDir: string;
  keyStore: KeyStore;
  logger: Logger;
  /** Enrolled clinic ids. */
  clinicIds(): string[];
  /** Opens (or returns the open) clinic. */
  openClinic(clinicId: string): Promise<C>;
  /** Writes one backup of `clinic` into `folder`; throws a typed error (BACKUP_BUSY: try later). */
  writeBackup(clinic: C, password: string, folder: string): Promise<{ name: string; createdAt: number }>;
  /** This clinic's backups in `folder` (by their manifests), any order. */
  listBackups(folder: string, clinicId: string): Promise<Array<{ name: string; createdAt: number }>>;
  /** The newest backup made by hand (the workstation's backups folder), if any. */
  lastManualBackupAt(clinicId: string): Promise<number | null>;
  /** Who did it, for the clinic's audit log (`backup.schedule_set`); ids only. */
  audit(clinic: C, actor: { id: string; roles: readonly string[] }, action: 'schedule_set' | 'schedule_run'): void;
  now?: () => number;
  /** How often `tick` runs once started (default one minute). */
  tickMs?: number;
}

export interface BackupScheduler<C extends ScheduledClinic> {
  view(clinicId: string): Promise<BackupScheduleView>;
  /** Sets (or turns off) the clinic's schedule after checking the folder; audited. */
  set(clinic: C, actor: { id: string; roles: readonly string[] }, input: BackupScheduleInput): Promise<BackupScheduleView>;
  /** Makes the scheduled backup now (IT's "Back up now to the folder"); the outcome is in the view. */
  runNow(clinic: C, actor: { id: string; roles: readonly string[] }): Promise<BackupScheduleView>;
  /** Runs every clinic's due backup (one at a time). */
  tick(): Promise<void>;
  start(): void;
  dispose(): Promise<void>;
}

/** Refuses a folder that is not absolute, not there, not a folder, or not writable (a probe file is written and removed). */
export async function checkBackupFolder(folder: string): Promise<void> {
  if (!isAbsolute(folder)) throw new BackupScheduleError('BACKUP_FOLDER_INVALID', 'Give the folder as a full path (for example /mnt/clinic-share/backups or \\\\server\\share\\backups).');
  let info;
  try {
    info = await stat(folder);
  } catch (error) {
    throw new BackupScheduleError('BACKUP_FOLDER_INVALID', 'That folder does not exist on this workstation (is the share mounted?).', { cause: error });
  }
  if (!info.isDirectory()) throw new BackupScheduleError('BACKUP_FOLDER_INVALID', 'That path is a file, not a folder.');
  const probe = join(folder, `.coherency-write-test-${randomBytes(4).toString('hex')}`);
  try {
    await access(folder, fsConstants.W_OK);
    await (await open(probe, 'wx', 0o600)).close();
  } catch (error) {
    throw new BackupScheduleError('BACKUP_FOLDER_INVALID', 'This workstation cannot write into that folder: check its permissions (or that the share is not read-only).', { cause: error });
  } finally {
    await rm(probe, { force: true }).catch(() => undefined);
  }
}

export function createBackupScheduler<C extends ScheduledClinic>(deps: BackupScheduleDeps<C>): BackupScheduler<C> {
  const now = deps.now ?? Date.now;
  const log = deps.logger.child({ service: 'backup-schedule' });
  const fileOf = (clinicId: string) => join(deps.dataDir, 'clinics', clinicId, 'backup-schedule.json');
  const running = new Set<string>();
  let timer: NodeJS.Timeout | null = null;
  let ticking: Promise<void> | null = null;

  async function read(clinicId: string): Promise<ScheduleFile> {
    try {
      return fileSchema.parse(JSON.parse(await readFile(fileOf(clinicId), 'utf8')));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') log.warn('backup schedule unreadable; treated as none', { clinicId });
      return { v: 1, policy: null, status: { ...EMPTY_STATUS } };
    }
  }

  async function write(clinicId: string, data: ScheduleFile): Promise<void> {
    const file = fileOf(clinicId);
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
    const fh = await open(tmp, 'wx', 0o600);
    try {
      await fh.writeFile(JSON.stringify(data, null, 1));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  }

  async function view(clinicId: string): Promise<BackupScheduleView> {
    const { policy, status } = await read(clinicId);
    const passwordStored = policy !== null && (await deps.keyStore.get(passwordAccount(clinicId)).catch(() => null)) !== null;
    const manual = await deps.lastManualBackupAt(clinicId).catch(() => null);
    const lastGoodAt = Math.max(status.lastSuccessAt ?? -1, manual ?? -1);
    const good = lastGoodAt >= 0 ? lastGoodAt : null;
    const active = policy?.enabled ? policy : null;
    const maxAgeHours = active ? active.everyHours + GRACE_MS / HOUR : DEFAULT_MAX_AGE_HOURS;
    const t = now();
    const stale = good === null || t - good > maxAgeHours * HOUR;
    const failing = Boolean(active && status.lastError && (status.lastAttemptAt ?? 0) > (status.lastSuccessAt ?? 0));
    const health: BackupScheduleView['health'] = failing ? 'failing' : good === null ? 'never' : stale ? 'overdue' : active ? 'ok' : 'not-scheduled';
    return { policy, passwordStored, status, nextDueAt: active ? dueAt(active, status) : null, lastGoodAt: good, health, maxAgeHours };
  }

  /** When the next scheduled run is due: an interval after the last success, or half an hour after a failure. */
  function dueAt(policy: BackupPolicy, status: BackupRunStatus): number {
    const failedLast = status.lastError !== null && (status.lastAttemptAt ?? 0) > (status.lastSuccessAt ?? 0);
    return failedLast ? (status.lastAttemptAt ?? 0) + RETRY_AFTER_MS : (status.lastSuccessAt ?? 0) + policy.everyHours * HOUR;
  }

  /** One scheduled backup of `clinicId` and the retention after it; records the outcome. */
  async function run(clinicId: string, clinic?: C): Promise<void> {
    if (running.has(clinicId)) return;
    running.add(clinicId);
    try {
      const data = await read(clinicId);
      const policy = data.policy;
      if (!policy) throw new BackupScheduleError('BACKUP_SCHEDULE_MISSING', 'No automatic backup is set up for this clinic.');
      const attemptAt = now();
      const status: BackupRunStatus = { ...data.status, lastAttemptAt: attemptAt };
      try {
        const password = await deps.keyStore.get(passwordAccount(clinicId));
        if (!password) throw new BackupScheduleError('BACKUP_SCHEDULE_PASSWORD', 'The backup password is no longer in the keychain: set the schedule again with its password.');
        const opened = clinic ?? (await deps.openClinic(clinicId));
        await checkBackupFolder(policy.folder);
        const made = await deps.writeBackup(opened, password.toString('utf8'), policy.folder);
        password.fill(0);
        const mine = (await deps.listBackups(policy.folder, clinicId)).sort((a, b) => b.createdAt - a.createdAt || b.name.localeCompare(a.name));
        let removed = 0;
        for (const old of mine.slice(policy.keep)) {
          await rm(join(policy.folder, old.name), { force: true });
          removed++;
        }
        Object.assign(status, { lastSuccessAt: now(), lastFile: made.name, lastError: null, lastRemoved: removed });
        log.info('scheduled backup written', { clinicId, removed });
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (code === 'BACKUP_BUSY') {
          log.info('scheduled backup postponed: another operation is running', { clinicId });
          return; // not a failure: the next tick tries again
        }
        status.lastError = { code: typeof code === 'string' ? code : 'BACKUP_FAILED', message: error instanceof Error ? error.message : 'The backup failed.' };
        log.warn('scheduled backup failed', { clinicId, code: status.lastError.code });
      }
      await write(clinicId, { ...data, status });
    } finally {
      running.delete(clinicId);
    }
  }

  async function tick(): Promise<void> {
    for (const clinicId of deps.clinicIds()) {
      const { policy, status } = await read(clinicId);
      if (!policy?.enabled || dueAt(policy, status) > now()) continue;
      await run(clinicId);
    }
  }

  return {
    view,
    async set(clinic, actor, input) {
      const parsed = backupScheduleInputSchema.parse(input);
      const data = await read(clinic.id);
      const account = passwordAccount(clinic.id);
      if (parsed.enabled) {
        await checkBackupFolder(parsed.folder);
        if (parsed.password) await deps.keyStore.set(account, Buffer.from(parsed.password, 'utf8'));
        else if (!(await deps.keyStore.get(account))) throw new BackupScheduleError('BACKUP_SCHEDULE_PASSWORD', 'Give the backup password: automatic backups are encrypted with it.');
      } else {
        await deps.keyStore.delete(account).catch(() => false);
      }
      const { password: _secret, ...policy } = parsed;
      await write(clinic.id, { v: 1, policy, status: data.status });
      deps.audit(clinic, actor, 'schedule_set');
      return view(clinic.id);
    },
    async runNow(clinic, actor) {
      deps.audit(clinic, actor, 'schedule_run');
      await run(clinic.id, clinic);
      return view(clinic.id);
    },
    tick,
    start() {
      if (timer) return;
      timer = setInterval(() => {
        if (ticking) return;
        ticking = tick()
          .catch((error: unknown) => log.error('backup schedule tick failed', { error: error instanceof Error ? error.name : 'unknown' }))
          .finally(() => (ticking = null));
      }, deps.tickMs ?? 60_000);
      timer.unref();
    },
    async dispose() {
      if (timer) clearInterval(timer);
      timer = null;
      await ticking;
    },
  };
}
