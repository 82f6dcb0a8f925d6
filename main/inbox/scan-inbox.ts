/**
 * The "unassigned" inbox of a clinic: scans that arrived from a tablet but could not be filed on a
 * wound by themselves (unknown MRN, no or foreign wound id, or an import that failed). A nurse
 * assigns each one to a wound (`scans.assignInbox`), which imports it like any other scan.
 *
 * Everything is kept in the clinic's encrypted scan store, never in plaintext on disk: MRNs and
 * file names are patient data.
 *   <store>/inbox/index.json.enc            the entries (metadata), one encrypted JSON document
 *   <store>/inbox-<id>/original.<ext>.enc   each entry's file
 * Index changes are serialised per store; a file is written before its entry is listed and removed
 * after its entry is gone, so a crash leaves at worst an unlisted directory, never a listed entry
 * without its file.
 */
import { z } from 'zod';
import { appendAudit, newId, type Actor, type ClinicRecord } from '../records/index';
import { ScanStoreError, type ScanStore } from '../scans/index';

const INDEX_DIR = 'inbox';
const INDEX_FILE = 'index.json';

export const INBOX_REASONS = ['unknown_patient', 'unknown_wound', 'import_failed'] as const;

export const inboxEntrySchema = z.object({
  id: z.string(),
  /** Epoch ms when the workstation received it. */
  receivedAt: z.number(),
  /** The stored name of the file (`original.<ext>`); the tablet's own name is `fileName`. */
  storedName: z.string(),
  fileName: z.string(),
  size: z.number().int().nonnegative(),
  sha256: z.string(),
  deviceId: z.string(),
  /** What the tablet said; `patientMrn` and `woundId` are as sent and may match nothing here. */
  patientMrn: z.string().nullable(),
  worklistId: z.string().nullable(),
  woundId: z.string().nullable(),
  /** The patient the MRN names here, when there is one (e.g. the wound id did not fit). */
  patientId: z.string().nullable(),
  /** ISO time the tablet captured it. */
  captureTime: z.string(),
  captureDevice: z.string(),
  captureApp: z.string(),
  reason: z.enum(INBOX_REASONS),
  /** The last import attempt's failure, if any (codes and positions only, no patient data; `detected`: what a non-scan file is). */
  error: z.object({ code: z.string(), message: z.string(), detected: z.string().optional() }).nullable(),
});
export type InboxEntry = z.infer<typeof inboxEntrySchema>;

const indexSchema = z.object({ v: z.literal(1), entries: z.array(inboxEntrySchema) });

export type NewInboxEntry = Omit<InboxEntry, 'id' | 'storedName' | 'receivedAt'> & { receivedAt?: number };

export interface ScanInbox {
  add(entry: NewInboxEntry, bytes: Uint8Array): Promise<InboxEntry>;
  list(): Promise<InboxEntry[]>;
  get(id: string): Promise<InboxEntry | null>;
  /** The entry's file, decrypted. */
  read(id: string): Promise<Buffer>;
  update(id: string, patch: Partial<Pick<InboxEntry, 'error' | 'reason'>>): Promise<void>;
  /** Removes the entry and its file (idempotent). */
  remove(id: string): Promise<void>;
  /** Marks an entry as being imported; false when it already is (no double assignment). */
  claim(id: string): boolean;
  release(id: string): void;
  isClaimed(id: string): boolean;
}

/** A lower-case extension of at most 10 letters/digits from the tablet's file name, or `bin`. */
export function storedNameFor(fileName: string): string {
  const m = /\.([A-Za-z0-9]{1,10})$/.exec(fileName);
  return `original.${m ? m[1]!.toLowerCase() : 'bin'}`;
}

/** Audits a read or change of the inbox (ids only), like every access to patient data. */
export function auditInbox(record: ClinicRecord, actor: Actor, action: 'list' | 'receive' | 'assign' | 'discard', entityId: string | null): void {
  appendAudit(record, { actorId: actor.id, actorRole: actor.roles.length ? [...actor.roles].sort().join(',') : 'none', action: `scan_inbox.${action}`, entity: 'scan_inbox', entityId });
}

/**
 * The Incoming scans screen reads the list every few seconds. Audit what a person did, not a
 * poll (issue 21, point 13): a read is audited when this staff member has not been shown this
 * same set of entries in the last `INBOX_READ_AUDIT_MS` (first look, new arrivals, or a while
 * later); identical polls in between add no row. Kept per record in memory: after a restart the
 * first read is audited again.
 */
export const INBOX_READ_AUDIT_MS = 15 * 60_000;
const lastInboxRead = new WeakMap<ClinicRecord, Map<string, { ids: string; at: number }>>();

export function auditInboxList(record: ClinicRecord, actor: Actor, entryIds: readonly string[], now = Date.now()): boolean {
  let seen = lastInboxRead.get(record);
  if (!seen) lastInboxRead.set(record, (seen = new Map()));
  const ids = [...entryIds].sort().join(',');
  const last = seen.get(actor.id);
  if (last && last.ids === ids && now - last.at < INBOX_READ_AUDIT_MS) return false;
  auditInbox(record, actor, 'list', null);
  seen.set(actor.id, { ids, at: now });
  return true;
}

/** The scan-store directory an incoming scan's file is kept in (a backup counts these as incoming scans). */
export const inboxStoreDir = (id: string) => `inbox-${id}`;
const dirOf = inboxStoreDir;

const inboxes = new WeakMap<ScanStore, ScanInbox>();

/** The inbox kept in `store` (one instance per store, so index writes never race). */
export function scanInboxOf(store: ScanStore): ScanInbox {
  let inbox = inboxes.get(store);
  if (!inbox) inboxes.set(store, (inbox = createScanInbox(store)));
  return inbox;
}

function createScanInbox(store: ScanStore): ScanInbox {
  const claimed = new Set<string>();
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = queue.then(fn, fn);
    queue = next.catch(() => undefined);
    return next;
  };

  async function load(): Promise<InboxEntry[]> {
    let text: Buffer;
    try {
      text = await store.readAll(INDEX_DIR, INDEX_FILE);
    } catch (error) {
      if (error instanceof ScanStoreError && error.code === 'NOT_FOUND') return [];
      throw error;
    }
    return indexSchema.parse(JSON.parse(text.toString('utf8'))).entries;
  }
  const save = async (entries: InboxEntry[]) => {
    await store.put(INDEX_DIR, INDEX_FILE, Buffer.from(JSON.stringify({ v: 1, entries } satisfies z.infer<typeof indexSchema>), 'utf8'));
  };

  return {
    async add(input, bytes) {
      const id = newId();
      const entry: InboxEntry = inboxEntrySchema.parse({ ...input, id, storedName: storedNameFor(input.fileName), receivedAt: input.receivedAt ?? Date.now() });
      await store.put(dirOf(id), entry.storedName, bytes);
      try {
        await serial(async () => save([...(await load()), entry]));
      } catch (error) {
        await store.remove(dirOf(id)).catch(() => undefined);
        throw error;
      }
      return entry;
    },
    list: () => serial(load),
    async get(id) {
      return (await serial(load)).find((e) => e.id === id) ?? null;
    },
    async read(id) {
      const entry = (await serial(load)).find((e) => e.id === id);
      if (!entry) throw Object.assign(new Error('No such item in the incoming scans.'), { code: 'NOT_FOUND' });
      return store.readAll(dirOf(id), entry.storedName);
    },
    update: (id, patch) =>
      serial(async () => {
        const entries = await load();
        const i = entries.findIndex((e) => e.id === id);
        if (i < 0) return;
        entries[i] = { ...entries[i]!, ...patch };
        await save(entries);
      }),
    async remove(id) {
      await serial(async () => {
        const entries = await load();
        if (entries.some((e) => e.id === id)) await save(entries.filter((e) => e.id !== id));
      });
      await store.remove(dirOf(id));
    },
    claim(id) {
      if (claimed.has(id)) return false;
      claimed.add(id);
      return true;
    },
    release: (id) => void claimed.delete(id),
    isClaimed: (id) => claimed.has(id),
  };
}
