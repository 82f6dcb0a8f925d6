/**
 * The seams of the LAN receiver: what it takes (key store, devices store, logger, import callback)
 * and what it hands out (state, events, completed uploads). Plain types, no runtime code.
 */

/**
 * The OS keychain as the vault exposes it. Declared here with the same shape as the vault's
 * `KeyStore` (main/vault/index.ts) until that lands; the two are structurally identical, so the
 * composition root passes the vault's instance straight in.
 */
export interface KeyStore {
  get(account: string): Promise<Buffer | null>;
  set(account: string, key: Buffer): Promise<void>;
  delete(account: string): Promise<void>;
}

/** Flat fields only: ids, counts, codes and durations. Never an MRN, a token or a key. */
export type LanLogFields = Record<string, string | number | boolean | null | undefined>;

/** Structurally the shared service logger (main/shared/logger.ts); only what the receiver calls. */
export interface LanLogger {
  info(message: string, fields?: LanLogFields): void;
  warn(message: string, fields?: LanLogFields): void;
  error(message: string, fields?: LanLogFields): void;
}

/** A paired tablet. The token itself is never stored: only its SHA-256 (hex). */
export interface DeviceRecord {
  id: string;
  name: string;
  /** The capture app and version the tablet reported when pairing, e.g. "CoherencyScan 2.3". */
  app: string;
  tokenHash: string;
  /** ISO time. */
  pairedAt: string;
  /** ISO time; a revoked device's token is refused from then on. */
  revokedAt?: string;
}

/** What the admin screen may see of a device (no token hash). */
export type DeviceInfo = Omit<DeviceRecord, 'tokenHash'>;

/** Where paired devices are kept: a JSON file now (devices-store.ts), an encrypted record later. */
export interface DevicesStore {
  add(device: DeviceRecord): Promise<void>;
  list(): Promise<DeviceRecord[]>;
  /** Throws `LanError('DEVICE_NOT_FOUND')` for an unknown id. */
  rename(id: string, name: string): Promise<void>;
  /** Idempotent; throws `LanError('DEVICE_NOT_FOUND')` for an unknown id. */
  revoke(id: string, at?: Date): Promise<void>;
  findByTokenHash(tokenHash: string): Promise<DeviceRecord | null>;
}

/** What a tablet says about a scan (tus Upload-Metadata, validated by upload-metadata.schema.ts). */
export interface UploadMetadata {
  patientMrn?: string;
  worklistId?: string;
  woundId?: string;
  /** ISO 8601 with offset. */
  captureTime: string;
  /** The tablet's model / name as the capture app reports it. */
  device: string;
  app: string;
  /** The name on the tablet; informational only, never used as a path. */
  filename: string;
  /** Lower-case hex SHA-256 of the whole file. */
  sha256: string;
}

/** Handed to the import pipeline once a file has arrived whole and its SHA-256 matches. */
export interface UploadCompleteEvent {
  uploadId: string;
  /** Inside the receiver's data dir (`received/`); the importer reads it, then calls `acknowledge(uploadId)`. */
  filePath: string;
  sha256: string;
  size: number;
  metadata: UploadMetadata;
  deviceId: string;
  /** Upload body bytes this process received for the file (resumes included); size + retried bytes. */
  bytesReceived: number;
  /** Present when an `isKnownPatient` hook was given: true when the patient is not known here. */
  unassigned?: boolean;
  /** True when this is a redelivery at start() of a file not acknowledged before a restart. */
  redelivered: boolean;
}

export type UploadRejectReason = 'checksum_mismatch' | 'import_failed';

export interface UploadRejectedEvent {
  uploadId: string;
  deviceId: string;
  reason: UploadRejectReason;
}

export interface UploadInFlight {
  id: string;
  deviceId: string;
  deviceName: string;
  bytesReceived: number;
  size: number;
  /** ISO time. */
  startedAt: string;
}

export interface LanState {
  running: boolean;
  /** Host names / IPs tablets can reach it on (only 127.0.0.1 in tests). */
  addresses: string[];
  port: number | null;
  /** SHA-256 of the DER certificate, upper-case colon hex (as Node's `fingerprint256`). */
  fingerprint: string | null;
  advertising: boolean;
  /** The pairing code on offer, if any (the code itself is not part of the state). */
  pairingOffer: { expiresAt: string } | null;
  /** Devices that are paired and not revoked. */
  pairedDevices: DeviceInfo[];
  uploadsInFlight: UploadInFlight[];
}

export interface PairingPayload {
  v: 1;
  host: string;
  port: number;
  fingerprint: string;
  code: string;
  /** ISO time. */
  expiresAt: string;
}

export interface PairingOffer {
  payload: PairingPayload;
  /** The payload as JSON in a QR code, as an SVG document. */
  qrSvg: string;
}
