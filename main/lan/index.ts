/**
 * LAN receiver service: tablets pair with the workstation and upload scans over HTTPS (tus).
 * The composition root builds it with `createLanReceiver(deps)`; the tRPC router and the import
 * pipeline talk to it only through what this file exports.
 */
export { createLanReceiver, sweepReceiverUploads, DEFAULT_MAX_UPLOAD_BYTES, DEFAULT_PORT, DEFAULT_UNFINISHED_UPLOAD_IDLE_MS, PAIR_PATH, TUS_PATH, type LanReceiver, type LanReceiverOptions } from './receiver.service';
export { createJsonDevicesStore } from './devices-store';
export { advertisementConfig, advertisementRecords, PROTOCOL_VERSION, SERVICE_TYPE } from './discovery';
export { certificateFingerprint, normalizeFingerprint, TLS_KEY_ACCOUNT } from './certificate';
export { pairingPayloadSchema, uploadMetadataSchema } from './lan.schema';
export { CODE_ALPHABET } from './pairing';
export { LanError, type LanErrorCode } from './errors';
export type { Disposable, Event } from './events';
export type {
  DeviceInfo,
  DeviceRecord,
  DevicesStore,
  KeyStore,
  LanLogger,
  LanState,
  PairingOffer,
  PairingPayload,
  UploadCompleteEvent,
  UploadInFlight,
  UploadMetadata,
  UploadRejectedEvent,
  UploadRejectReason,
} from './types';
