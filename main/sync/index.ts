/**
 * Sync with the hosted Coherency service (server/): enrolment, the device credential in the OS
 * keychain, and the loop that pushes the outbox and pulls changes. Row capture and the applying of
 * pulled pages are the record's (main/records/sync-capture.ts, sync-apply.ts).
 */
export { createSync, type SyncService, type SyncOptions } from './sync.service';
export { createServiceClient, type ServiceClient } from './client';
export { createCredentialStore, type CredentialStore } from './credentials';
export { SyncError, NotEnrolledError, AlreadyEnrolledError, ServiceUnreachableError, ServiceRefusedError, CredentialMissingError, DeviceRevokedError, EnrolmentCodeInvalidError, type SyncErrorCode } from './errors';
