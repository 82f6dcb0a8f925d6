/**
 * TOTP (RFC 6238) through `otpauth`: SHA-1, 6 digits, 30-second steps — what every authenticator
 * app reads from a standard `otpauth://` QR code. A code is valid for its step and one step either
 * side (clock drift); the caller then accepts each step once (records/repositories/two-factor.ts).
 * Recovery codes: 16 base32 characters (80 random bits) shown as four groups, stored as SHA-256.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';

export const TOTP_PERIOD_S = 30;
export const TOTP_DIGITS = 6;
export const RECOVERY_CODE_COUNT = 10;
const ISSUER = 'Coherency Workstation';
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The `otpauth://totp/…` URI an authenticator app reads from the QR code. */
export function totpUri(secret: string, account: string, clinicName: string): string {
  return new TOTP({ issuer: `${ISSUER} (${clinicName})`, label: account, secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: TOTP_DIGITS, period: TOTP_PERIOD_S }).toString();
}

export const stepAt = (timestampMs: number): number => TOTP.counter({ period: TOTP_PERIOD_S, timestamp: timestampMs });

/** The time step `code` belongs to (now, or one step either side), or null when it is no code of this secret. */
export function totpStep(secret: string, code: string, timestampMs: number): number | null {
  if (!new RegExp(`^\\d{${TOTP_DIGITS}}$`).test(code)) return null;
  const delta = TOTP.validate({ token: code, secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: TOTP_DIGITS, period: TOTP_PERIOD_S, timestamp: timestampMs, window: 1 });
  return delta === null ? null : stepAt(timestampMs) + delta;
}

/** What an authenticator app shows at `timestampMs` (tests, and nothing else in the app). */
export function totpCode(secret: string, timestampMs: number): string {
  return TOTP.generate({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: TOTP_DIGITS, period: TOTP_PERIOD_S, timestamp: timestampMs });
}

/** Codes as shown to the member: `ABCD-EFGH-JKLM-NPQR`. */
export function newRecoveryCodes(count = RECOVERY_CODE_COUNT): string[] {
  return Array.from({ length: count }, () => {
    const bytes = randomBytes(16);
    const chars = [...bytes].map((b) => BASE32[b & 31]).join('');
    return chars.match(/.{4}/g)!.join('-');
  });
}

/** Upper-case base32 without separators, or null when it cannot be a recovery code. */
export function normaliseRecoveryCode(code: string): string | null {
  const n = code.toUpperCase().replace(/[\s-]/g, '');
  return /^[A-Z2-7]{16}$/.test(n) ? n : null;
}

export function hashRecoveryCode(code: string): string {
  const n = normaliseRecoveryCode(code);
  if (!n) throw new RangeError('not a recovery code');
  return createHash('sha256').update(`coherency-recovery-code/1:${n}`).digest('hex');
}
