/**
 * The tablet inbox: what arrives from a paired tablet and where it goes. The LAN receiver (lan/:
 * HTTPS, tus, pairing, certificates, DNS-SD; knows no clinic) is started here for one clinic;
 * each verified upload is filed on its patient's wound as an import, or kept encrypted in the
 * clinic's inbox of unassigned scans until a nurse files it. Paired tablets are mirrored into the
 * clinic record (audited).
 */
export { createLanService, lanOptionsFromEnv, LanServiceError, type LanService, type LanServiceOptions, type LanView, type LanArrival, type LanOwner } from './lan-wiring';
export { scanInboxOf, inboxStoreDir, auditInbox, auditInboxList, INBOX_READ_AUDIT_MS, inboxEntrySchema, storedNameFor, INBOX_REASONS, type ScanInbox, type InboxEntry, type NewInboxEntry } from './scan-inbox';
export { listInbox, assignFromInbox, discardFromInbox, InboxError, type InboxClinic, type InboxItem } from './inbox.service';
