/**
 * Imports a crash or kill -9 cut off. An import writes an encrypted note into its scan's folder
 * (`pending.json`, in the store like every other file: its file name is patient data) BEFORE it
 * stores anything, and removes it once the scan's row is in the record. So at the next open of
 * the clinic a folder with a note is either
 *  - a scan the record has (the kill came after the row): only the note goes; or
 *  - an import that never finished: the folder (original, octree, note) goes, and the job comes
 *    back as FAILED (`INTERRUPTED`) in the import list, so the nurse sees what happened to it
 *    instead of a job that silently vanished.
 */
import { z } from 'zod';
import type { ScanStore } from '../store/index';
import type { ImportJobState } from './index';

export const PENDING_NOTE = 'pending.json';

const noteSchema = z.object({
  v: z.literal(1),
  jobId: z.string().max(64),
  woundId: z.string().max(64),
  fileName: z.string().max(255),
  bytes: z.number().int().nonnegative(),
  startedAt: z.number().int(),
});
export type PendingNote = z.infer<typeof noteSchema>;

export async function writePendingNote(store: ScanStore, scanId: string, note: Omit<PendingNote, 'v'>): Promise<void> {
  await store.put(scanId, PENDING_NOTE, Buffer.from(JSON.stringify({ v: 1, ...note } satisfies PendingNote), 'utf8'));
}

export async function clearPendingNote(store: ScanStore, scanId: string): Promise<void> {
  await store.removeFile(scanId, PENDING_NOTE);
}

/**
 * Sweeps what interrupted imports left in `store` (see above). `hasRow(scanId)` says whether the
 * record holds the scan. Returns the interrupted jobs, as failed, newest first.
 */
export async function recoverInterruptedImports(store: ScanStore, hasRow: (scanId: string) => boolean, now = Date.now()): Promise<ImportJobState[]> {
  const jobs: ImportJobState[] = [];
  const dirs = await store.listFolders();
  for (const scanId of dirs) {
    if (!(await store.list(scanId)).includes(PENDING_NOTE)) continue;
    if (hasRow(scanId)) {
      await clearPendingNote(store, scanId);
      continue;
    }
    let note: PendingNote | null = null;
    try {
      note = noteSchema.parse(JSON.parse((await store.readAll(scanId, PENDING_NOTE)).toString('utf8')));
    } catch {
      note = null; // unreadable (cut mid-write): the folder still goes
    }
    await store.remove(scanId);
    if (!note) continue;
    jobs.push({
      id: note.jobId,
      woundId: note.woundId,
      fileName: note.fileName,
      bytes: note.bytes,
      phase: 'failed',
      progress: 0,
      scanId: null,
      error: { code: 'INTERRUPTED', message: 'The workstation stopped during this import; nothing of it was kept. Import the file again.' },
      warnings: [],
      warning: null,
      startedAt: note.startedAt,
      finishedAt: now,
    });
  }
  return jobs.sort((a, b) => b.startedAt - a.startedAt);
}
