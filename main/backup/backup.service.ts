/**
 * Backups, restore and key rotation for IT admins, as one object both transports reach through
 * the router (`backup.*`). Files live in `<data dir>/backups/` (owner-only); the browser host
 * offers them for download through a short-lived capability URL (`/backup-files/<token>`), the
 * same pattern as the viewer's scan files, re-checked against the connection's session and
 * `backup.manage` on every request. Uploaded backups are written (they are encrypted already)
 * to `<data dir>/backups/uploads/` and removed after the restore or when they go stale.
 *
 * One long operation at a time per workstation; each reports progress to `onDidProgress`.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, rm, stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { appendAudit } from '../records/index';
import type { Logger } from '../shared/logger';
import type { KeyStore } from '../vault/index';
import {
  BACKUP_EXTENSION,
  BackupError,
  backupFileName,
  listBackupFiles,
  readBackupManifest,
  restoreAsNewClinic,
  writeBackup,
  type BackupListing,
  type HeldKind,
  type BackupProgress,
  type BackupSummary,
} from './archive';
import { rotateClinicKey } from './key-rotation';
import type { OpenClinic, Workstation } from '../app/index';

export const BACKUP_FILES_PREFIX = '/backup-files/';
export const BACKUP_UPLOAD_CHUNK_BYTES = 4 * 1024 * 1024;
export const MAX_BACKUP_UPLOAD_BYTES = 64 * 1024 * 1024 * 1024;
const UPLOAD_IDLE_MS = 60 * 60_000;
const DOWNLOAD_TTL_MS = 10 * 60_000;
const NAME = /^[A-Za-z0-9_-]{1,64}-\d{8}-\d{6}(?:-\d{1,3})?\.cwbackup$/;

export type Operation = 'export' | 'restore' | 'rotate';
export interface OperationProgress extends BackupProgress {
  clinicId: string;
  operation: Operation;
}

export interface Actor {
  id: string;
  roles: readonly string[];
}

export interface DownloadResponse {
  status: number;
  headers: Record<string, string>;
  /** A file to stream as the body, or a short text. */
  file?: string;
  text?: string;
}

export interface BackupService {
  readonly dir: string;
  /**
   * Writes a backup into the backups folder, to `destination` (a desktop Save dialog's path), or
   * into `folder` (the automatic backups' folder) under its usual name.
   */
  exportBackup(clinic: OpenClinic, actor: Actor, input: { password: string; destination?: string | undefined; folder?: string | undefined }): Promise<BackupSummary>;
  list(clinicId: string): Promise<BackupListing[]>;
  restore(clinic: OpenClinic, actor: Actor, input: { connectionId: string; password: string; newClinicName: string; fileName?: string | undefined; uploadId?: string | undefined }): Promise<{ clinicId: string; name: string; scanFiles: number; scans: number; incoming: number; unlinkedFiles: number }>;
  rotateKey(clinic: OpenClinic, actor: Actor): Promise<{ scanFiles: number }>;
  onDidProgress(listener: (p: OperationProgress) => void): () => void;
  beginUpload(connectionId: string, size: number): Promise<{ uploadId: string; chunkBytes: number }>;
  uploadChunk(connectionId: string, uploadId: string, offset: number, data: Buffer): Promise<{ received: number }>;
  mintDownload(connectionId: string, clinicId: string, name: string): string;
  /** When the newest backup of the clinic in the backups folder was made, or null. */
  lastBackupAt(clinicId: string): Promise<number | null>;
  serveDownload(connectionId: string, pathAfterPrefix: string): Promise<DownloadResponse>;
  /**
   * The desktop app's form: its app:// protocol cannot tell which window asked, so the link's own
   * window is assumed (only the app's own top-level frames load app:// at all); every other check
   * (expiry, signed in, same clinic, backup.manage) is the same.
   */
  serveDownloadForOwner(pathAfterPrefix: string): Promise<DownloadResponse>;
}

interface Upload {
  connectionId: string;
  path: string;
  size: number;
  received: number;
  lastTouched: number;
}

const auditRole = (actor: Actor) => [...actor.roles].sort().join(',');

/**
 * What each directory of the clinic's scan store is, so a backup counts scans as the clinic does
 * (issue 21 point 14: "4 scan files" for one scan, "1 scan file" for none — the files of each
 * scan and the inbox's index were counted).
 */
async function heldKinds(clinic: OpenClinic, incomingDirs: BackupServiceDeps['incomingDirs']): Promise<(scanId: string) => HeldKind> {
  const scans = new Set(clinic.scans.ids());
  const incoming = new Set(await incomingDirs(clinic));
  return (id) => (scans.has(id) ? 'scan' : incoming.has(id) ? 'incoming' : 'other');
}

export interface BackupServiceDeps {
  workstation: Workstation;
  keyStore: KeyStore;
  logger: Logger;
  /** The scan-store directories that hold the clinic's incoming (unassigned tablet) scans (the inbox knows). */
  incomingDirs: (clinic: OpenClinic) => Promise<readonly string[]>;
  now?: () => number;
}

export function createBackupService(deps: BackupServiceDeps): BackupService {
  const now = deps.now ?? Date.now;
  const dir = join(deps.workstation.dataDir, 'backups');
  const uploadsDir = join(dir, 'uploads');
  const listeners = new Set<(p: OperationProgress) => void>();
  const uploads = new Map<string, Upload>();
  const downloads = new Map<string, { connectionId: string; clinicId: string; name: string; expiresAt: number }>();
  let busy: Operation | null = null;
  const logger = deps.logger.child({ service: 'backups' });

  const emit = (p: OperationProgress) => {
    for (const l of listeners) l(p);
  };

  async function exclusive<T>(operation: Operation, fn: () => Promise<T>): Promise<T> {
    if (busy) throw new BackupError('BACKUP_BUSY', `Another ${busy === 'rotate' ? 'key rotation' : busy} is running on this workstation; wait for it to finish.`);
    busy = operation;
    try {
      return await fn();
    } finally {
      busy = null;
    }
  }

  async function ensureDirs(): Promise<void> {
    await mkdir(uploadsDir, { recursive: true, mode: 0o700 });
  }

  async function sweepUploads(): Promise<void> {
    const t = now();
    for (const [id, u] of uploads) {
      if (t - u.lastTouched > UPLOAD_IDLE_MS) {
        uploads.delete(id);
        await rm(u.path, { force: true });
      }
    }
  }

  function checkName(name: string): string {
    if (!NAME.test(name)) throw new BackupError('BACKUP_NOT_FOUND', 'No backup of that name here.');
    return join(dir, name);
  }

  const service: BackupService = {
    dir,

    exportBackup: (clinic, actor, input) =>
      exclusive('export', async () => {
        let file: string;
        if (input.destination !== undefined) {
          if (!isAbsolute(input.destination) || !input.destination.endsWith(BACKUP_EXTENSION)) throw new BackupError('BACKUP_NOT_FOUND', `The destination must be an absolute path ending in ${BACKUP_EXTENSION}.`);
          file = input.destination;
        } else {
          const into = input.folder ?? dir;
          if (input.folder === undefined) await ensureDirs();
          const at = now();
          let n = 0;
          while (existsSync(join(into, backupFileName(clinic.name, at, n)))) n++;
          file = join(into, backupFileName(clinic.name, at, n));
        }
        const summary = await writeBackup({
          classify: await heldKinds(clinic, deps.incomingDirs),
          record: clinic.record,
          store: clinic.store,
          password: input.password,
          file,
          logger,
          onProgress: (p) => emit({ clinicId: clinic.id, operation: 'export', ...p }),
        });
        appendAudit(clinic.record, { actorId: actor.id, actorRole: auditRole(actor), action: 'backup.export', entity: 'clinic', entityId: clinic.id });
        return summary;
      }),

    async list(clinicId) {
      return (await listBackupFiles(dir)).filter((b) => b.clinicId === clinicId);
    },

    async lastBackupAt(clinicId) {
      return (await service.list(clinicId))[0]?.createdAt ?? null;
    },

    restore: (clinic, actor, input) =>
      exclusive('restore', async () => {
        let file: string;
        let upload: Upload | undefined;
        if (input.uploadId) {
          upload = uploads.get(input.uploadId);
          if (!upload || upload.connectionId !== input.connectionId) throw new BackupError('BACKUP_NOT_FOUND', 'No such upload (it may have expired); upload the backup file again.');
          if (upload.received !== upload.size) throw new BackupError('BACKUP_TRUNCATED', `The upload is incomplete (${upload.received} of ${upload.size} bytes); upload the file again.`);
          file = upload.path;
        } else if (input.fileName) {
          file = checkName(input.fileName);
          const { manifest } = await readBackupManifest(file);
          if (manifest.clinicId !== clinic.id) throw new BackupError('BACKUP_OTHER_CLINIC', 'That backup belongs to another clinic on this workstation; only its own admins may restore it from here (or upload the file).');
        } else {
          throw new BackupError('BACKUP_NOT_FOUND', 'Choose a backup from the list or upload a backup file.');
        }
        try {
          const result = await restoreAsNewClinic({
            file,
            password: input.password,
            newClinicName: input.newClinicName,
            dataDir: deps.workstation.dataDir,
            keyStore: deps.keyStore,
            logger,
            actor,
            onProgress: (p) => emit({ clinicId: clinic.id, operation: 'restore', ...p }),
          });
          appendAudit(clinic.record, { actorId: actor.id, actorRole: auditRole(actor), action: 'backup.restore', entity: 'clinic', entityId: result.clinicId });
          return { clinicId: result.clinicId, name: result.name, scanFiles: result.scanFiles, scans: result.scans, incoming: result.incoming, unlinkedFiles: result.unlinkedFiles };
        } finally {
          if (upload) {
            uploads.delete(input.uploadId!);
            await rm(upload.path, { force: true });
          }
        }
      }),

    rotateKey: (clinic, actor) =>
      exclusive('rotate', async () => {
        const running = clinic.imports.list().filter((j) => !['done', 'failed', 'cancelled'].includes(j.phase));
        if (running.length) throw new BackupError('BACKUP_BUSY', `${running.length} scan import(s) are running; wait for them to finish, then rotate the key.`);
        const result = await rotateClinicKey({
          record: clinic.record,
          store: clinic.store,
          keyStore: deps.keyStore,
          logger,
          actor,
          onProgress: (p) => emit({ clinicId: clinic.id, operation: 'rotate', ...p }),
        });
        return { scanFiles: result.scanFiles };
      }),

    onDidProgress(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },

    async beginUpload(connectionId, size) {
      if (!Number.isInteger(size) || size <= 0 || size > MAX_BACKUP_UPLOAD_BYTES) throw new BackupError('BACKUP_NOT_A_BACKUP', 'That file is empty or larger than a backup can be.');
      await ensureDirs();
      await sweepUploads();
      const uploadId = randomBytes(16).toString('hex');
      const path = join(uploadsDir, `${uploadId}.upload`);
      await (await open(path, 'wx', 0o600)).close();
      uploads.set(uploadId, { connectionId, path, size, received: 0, lastTouched: now() });
      return { uploadId, chunkBytes: BACKUP_UPLOAD_CHUNK_BYTES };
    },

    async uploadChunk(connectionId, uploadId, offset, data) {
      const upload = uploads.get(uploadId);
      if (!upload || upload.connectionId !== connectionId) throw new BackupError('BACKUP_NOT_FOUND', 'No such upload (it may have expired).');
      if (offset !== upload.received) throw new BackupError('BACKUP_TRUNCATED', `Expected the chunk at byte ${upload.received}.`);
      if (offset + data.length > upload.size) throw new BackupError('BACKUP_TRUNCATED', 'The upload is longer than announced.');
      const fh = await open(upload.path, 'r+');
      try {
        await fh.write(data, 0, data.length, offset);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOSPC') throw new BackupError('DISK_FULL', 'The disk is full: the upload stopped. Free some space and upload again.', { cause: error });
        throw error;
      } finally {
        await fh.close();
      }
      upload.received += data.length;
      upload.lastTouched = now();
      return { received: upload.received };
    },

    mintDownload(connectionId, clinicId, name) {
      checkName(name);
      const t = now();
      for (const [k, d] of downloads) if (d.expiresAt < t) downloads.delete(k);
      const token = randomBytes(24).toString('base64url');
      downloads.set(token, { connectionId, clinicId, name, expiresAt: t + DOWNLOAD_TTL_MS });
      return token;
    },

    serveDownloadForOwner(path) {
      return service.serveDownload(downloads.get(path)?.connectionId ?? '', path);
    },

    async serveDownload(connectionId, path) {
      const text = (status: number, message: string): DownloadResponse => ({ status, headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }, text: message });
      const d = downloads.get(path);
      if (!d) return text(404, 'not found');
      if (d.expiresAt < now()) {
        downloads.delete(path);
        return text(404, 'link expired: press Download again');
      }
      if (d.connectionId !== connectionId) return text(403, 'this link belongs to another window');
      const bound = deps.workstation.connection(connectionId);
      if (!bound || bound.clinicId !== d.clinicId) return text(403, 'signed out, or signed in to another clinic');
      try {
        const clinic = await deps.workstation.clinic(d.clinicId);
        clinic.auth.authorize(bound.token, 'backup.manage');
        const file = checkName(d.name);
        const { size } = await stat(file);
        const session = clinic.auth.session(bound.token);
        appendAudit(clinic.record, { actorId: session.staffId, actorRole: auditRole({ id: session.staffId, roles: session.roles }), action: 'backup.download', entity: 'clinic', entityId: d.clinicId });
        return {
          status: 200,
          headers: { 'content-type': 'application/octet-stream', 'content-length': String(size), 'content-disposition': `attachment; filename="${d.name}"`, 'cache-control': 'no-store' },
          file,
        };
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code === 'FORBIDDEN' || code === 'SESSION_LOCKED' || code === 'SESSION_INVALID') return text(403, 'not allowed');
        if (code === 'ENOENT' || code === 'BACKUP_NOT_FOUND') return text(404, 'not found');
        return text(500, 'the backup could not be read');
      }
    },
  };
  return service;
}
