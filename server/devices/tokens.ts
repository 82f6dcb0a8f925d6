/** Secrets of enrolment codes and device credentials: random, shown once, stored as sha256 only. */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { DEVICE_TOKEN } from '../../common/sync';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** 16 Crockford base32 characters (80 bits), shown as 4 groups of 4. */
export function newEnrolmentCode(): { code: string; display: string } {
  const bytes = randomBytes(16);
  const code = [...bytes].map((b) => CROCKFORD[b & 31]).join('');
  return { code, display: code.match(/.{4}/g)!.join('-') };
}

export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function formatToken(clinicId: string, deviceId: string, secret: string): string {
  return `cw1.${clinicId}.${deviceId}.${secret}`;
}

export function parseToken(token: string): { clinicId: string; deviceId: string; secret: string } | null {
  const m = DEVICE_TOKEN.exec(token);
  return m ? { clinicId: m[1]!, deviceId: m[2]!, secret: m[3]! } : null;
}

export function sameHash(a: string | null | undefined, b: string): boolean {
  if (!a || a.length !== b.length) return false;
  return timingSafeEqual(Buffer.from(a), Buffer.from(b));
}
