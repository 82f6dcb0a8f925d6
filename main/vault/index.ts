/**
 * The OS keychain, behind a small interface so services never see keytar (or Electron).
 * One keychain entry per clinic: service `Coherency Workstation`, account = the clinic id,
 * secret = the 32-byte record key as lower-case hex. On Linux this is the Secret Service
 * (GNOME Keyring, KWallet) over D-Bus; on macOS the Keychain; on Windows the Credential Manager.
 */
import { createRequire } from 'node:module';
import type { Logger } from '../shared/logger';

export const KEYCHAIN_SERVICE = 'Coherency Workstation';

export interface KeyStore {
  /** The key stored for `account`, or null when there is none. */
  get(account: string): Promise<Buffer | null>;
  /** Stores (or replaces) the key for `account`. */
  set(account: string, key: Buffer): Promise<void>;
  /** Removes the key; true when there was one. */
  delete(account: string): Promise<boolean>;
}

export type VaultErrorCode = 'KEYCHAIN_UNAVAILABLE' | 'KEYCHAIN_FAILED' | 'KEY_MALFORMED';

export abstract class VaultError extends Error {
  abstract readonly code: VaultErrorCode;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export type KeychainUnavailableReason = 'no-session-bus' | 'no-secret-service' | 'locked' | 'no-backend';

const ADVICE: Record<KeychainUnavailableReason, string> = {
  'no-session-bus': 'No D-Bus session bus is reachable. Run the app inside a desktop session (or `dbus-run-session`), so it can reach the Secret Service.',
  'no-secret-service': 'No Secret Service is running. Install and start a keyring (GNOME Keyring: `gnome-keyring-daemon --start --components=secrets`, or KWallet).',
  locked: 'The keyring is locked or has no default collection, and no unlock prompt could be shown. Unlock the login keyring (log in to the desktop, or `gnome-keyring-daemon --unlock`).',
  'no-backend': 'The keychain library could not be loaded (on Linux it needs libsecret-1). Install libsecret-1-0 and restart.',
};

/** The OS keychain cannot be reached at all; nothing was read or written. The message says what to do. */
export class KeychainUnavailableError extends VaultError {
  readonly code = 'KEYCHAIN_UNAVAILABLE';
  constructor(
    readonly reason: KeychainUnavailableReason,
    options?: { cause?: unknown },
  ) {
    super(`The system keychain is unavailable. ${ADVICE[reason]}`, options);
  }
}

/** The keychain answered with an error that is not "unavailable". */
export class KeychainError extends VaultError {
  readonly code = 'KEYCHAIN_FAILED';
  constructor(operation: string, options?: { cause?: unknown }) {
    super(`The system keychain refused to ${operation} a clinic key.`, options);
  }
}

/** The entry exists but does not hold a key this app wrote. */
export class KeyMalformedError extends VaultError {
  readonly code = 'KEY_MALFORMED';
  constructor(readonly account: string) {
    super(`The keychain entry for ${account} does not hold a valid key; it was left untouched.`);
  }
}

/** Maps keytar's (libsecret's / D-Bus's) error text to a reason, or null for other failures. */
export function unavailableReason(error: unknown): KeychainUnavailableReason | null {
  const message = error instanceof Error ? error.message : String(error);
  if (/Cannot autolaunch D-Bus|Could not connect|DBUS_SESSION_BUS_ADDRESS|Failed to connect to socket|Connection refused|No such file or directory/i.test(message)) return 'no-session-bus';
  if (/org\.freedesktop\.secrets|was not provided by any \.service files|ServiceUnknown|Secret Service/i.test(message)) return 'no-secret-service';
  if (/Object does not exist at path|collection|is locked|prompt|dismissed/i.test(message)) return 'locked';
  if (/libsecret|cannot open shared object|Cannot find module|ERR_DLOPEN_FAILED/i.test(message)) return 'no-backend';
  return null;
}

interface Keytar {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
}

let keytar: Keytar | undefined;
function loadKeytar(): Keytar {
  if (!keytar) {
    try {
      keytar = createRequire(import.meta.url)('keytar') as Keytar;
    } catch (error) {
      throw new KeychainUnavailableError('no-backend', { cause: error });
    }
  }
  return keytar;
}

const HEX_KEY = /^(?:[0-9a-f]{2})+$/;

export interface KeytarKeyStoreOptions {
  /** Defaults to `Coherency Workstation`; tests use their own so they never touch real entries. */
  service?: string;
  logger?: Logger;
}

/** The KeyStore over keytar. Errors: KeychainUnavailableError, KeychainError, KeyMalformedError. */
export function createKeytarKeyStore(options: KeytarKeyStoreOptions = {}): KeyStore {
  const service = options.service ?? KEYCHAIN_SERVICE;
  const logger = options.logger?.child({ service: 'vault' });
  const call = async <T>(operation: string, account: string, fn: (k: Keytar) => Promise<T>): Promise<T> => {
    if (!account || account.length > 200) throw new RangeError('keychain account must be 1–200 characters');
    const k = loadKeytar();
    try {
      return await fn(k);
    } catch (error) {
      const reason = unavailableReason(error);
      // Log the kind only: keytar's message can carry paths, never secrets, but keep it short.
      logger?.warn('keychain call failed', { operation, reason: reason ?? 'other' });
      if (reason) throw new KeychainUnavailableError(reason, { cause: error });
      throw new KeychainError(operation, { cause: error });
    }
  };
  return {
    async get(account) {
      const stored = await call('read', account, (k) => k.getPassword(service, account));
      if (stored === null) return null;
      if (!HEX_KEY.test(stored)) throw new KeyMalformedError(account);
      return Buffer.from(stored, 'hex');
    },
    async set(account, key) {
      if (!Buffer.isBuffer(key) || key.length === 0) throw new RangeError('a key must be a non-empty Buffer');
      await call('store', account, (k) => k.setPassword(service, account, key.toString('hex')));
    },
    async delete(account) {
      return call('delete', account, (k) => k.deletePassword(service, account));
    },
  };
}

/** Startup check in Signal's style: can we use the keychain at all? (Reads one entry that need not exist.) */
export async function probeKeychain(store: KeyStore): Promise<{ ok: true } | { ok: false; error: VaultError | Error }> {
  try {
    await store.get('coherency-probe');
    return { ok: true };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error : new Error(String(error)) };
  }
}
