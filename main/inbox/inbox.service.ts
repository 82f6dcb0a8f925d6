/**
 * What nurses and doctors do with the clinic's incoming scans (the tRPC `scans.inbox*`
 * procedures): list them (audited when the list shows the person something new, not on every
 * poll of the screen), assign one to a wound — a normal import job under the caller;
 * the entry goes once the import is done and stays, with the error, when it fails — or discard
 * one. An entry being imported cannot be assigned twice or discarded.
 */
import type { OpenClinic } from '../app/index';
import type { ImportJobState } from '../scans/index';
import type { Actor } from '../records/index';
import type { Logger } from '../shared/logger';
import { auditInbox, auditInboxList, scanInboxOf, type InboxEntry } from './scan-inbox';

export class InboxError extends Error {
  override readonly name = 'InboxError';
  constructor(
    readonly code: 'NOT_FOUND' | 'CONFLICT',
    message: string,
  ) {
    super(message);
  }
}

/** The parts of an open clinic the inbox works with. */
export type InboxClinic = Pick<OpenClinic, 'store' | 'record' | 'wounds' | 'imports'>;

export type InboxItem = Omit<InboxEntry, 'storedName'> & { importing: boolean };

/** The incoming scans, newest first (a listing that shows this person something new is audited). */
export async function listInbox(clinic: InboxClinic, actor: Actor): Promise<InboxItem[]> {
  const inbox = scanInboxOf(clinic.store);
  const entries = await inbox.list();
  // Polled every 5 s by the screen: only a read that shows this person something new is audited.
  auditInboxList(clinic.record, actor, entries.map((e) => e.id));
  return entries.map(({ storedName: _omit, ...e }) => ({ ...e, importing: inbox.isClaimed(e.id) })).sort((a, b) => b.receivedAt - a.receivedAt);
}

/**
 * Imports an incoming scan onto a wound; progress is the import job's (`scans.onJob`).
 * `acceptImplausibleExtent`: the nurse confirmed an extent that does not fit the wound's body part
 * (she saw the warning on the last try); otherwise such a scan fails the job with the reason.
 */
export async function assignFromInbox(
  clinic: InboxClinic,
  actor: Actor,
  input: { inboxId: string; woundId: string; capturedAt?: number | undefined; acceptImplausibleExtent?: boolean | undefined },
  logger: Logger,
): Promise<ImportJobState> {
  const inbox = scanInboxOf(clinic.store);
  const entry = await inbox.get(input.inboxId);
  if (!entry) throw new InboxError('NOT_FOUND', 'No such item in the incoming scans.');
  if (!clinic.wounds.get(input.woundId, actor)) throw new InboxError('NOT_FOUND', 'No such wound in this clinic.');
  if (!inbox.claim(entry.id)) throw new InboxError('CONFLICT', 'This scan is already being imported.');
  let job;
  try {
    const bytes = await inbox.read(entry.id);
    const captured = Date.parse(entry.captureTime);
    job = clinic.imports.start({
      bytes,
      fileName: entry.fileName,
      woundId: input.woundId,
      capturedAt: input.capturedAt ?? (Number.isFinite(captured) ? captured : entry.receivedAt),
      sourceDeviceId: entry.deviceId,
      actor,
      extentCheck: input.acceptImplausibleExtent ? 'accept' : 'refuse',
    });
  } catch (error) {
    inbox.release(entry.id);
    throw error;
  }
  auditInbox(clinic.record, actor, 'assign', entry.id);
  void clinic.imports
    .wait(job.id)
    .then(async (finished) => {
      if (finished.phase === 'done') await inbox.remove(entry.id);
      else if (finished.phase === 'failed') await inbox.update(entry.id, { reason: 'import_failed', error: { code: finished.error?.code ?? 'IMPORT_FAILED', message: finished.error?.message ?? 'the import failed', ...(finished.error?.detected ? { detected: finished.error.detected } : {}) } });
    })
    .catch((error: unknown) => logger.error('scans.inbox.settle_failed', { inboxId: entry.id, error: error instanceof Error ? error.name : 'unknown' }))
    .finally(() => inbox.release(entry.id));
  return job;
}

/** Removes an incoming scan for good (e.g. a test scan or a duplicate). */
export async function discardFromInbox(clinic: InboxClinic, actor: Actor, inboxId: string): Promise<void> {
  const inbox = scanInboxOf(clinic.store);
  if (!(await inbox.get(inboxId))) throw new InboxError('NOT_FOUND', 'No such item in the incoming scans.');
  if (inbox.isClaimed(inboxId)) throw new InboxError('CONFLICT', 'This scan is being imported.');
  await inbox.remove(inboxId);
  auditInbox(clinic.record, actor, 'discard', inboxId);
}
