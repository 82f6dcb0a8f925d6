/**
 * One-time pairing codes: issued by the admin screen (QR code), spent by one tablet's POST /pair.
 *
 * - Codes are 8 characters from an alphabet without look-alikes (no 0/O, 1/I/L), uniform from
 *   crypto.randomInt, valid a few minutes, and only one is active at a time.
 * - Wrong codes are rate-limited per remote address (5 per minute by default → 429), and the active
 *   code is thrown away after 10 wrong tries from anywhere, so guessing across addresses ends too.
 * - Comparison is constant-time over SHA-256 digests.
 */
import { createHash, randomInt, timingSafeEqual } from 'node:crypto';

export const CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';

export interface PairingCodeOptions {
  codeLength?: number;
  /** How long a code is valid. */
  ttlMs?: number;
  /** Wrong codes allowed per remote address within `rateWindowMs` before 429. */
  maxWrongPerAddress?: number;
  rateWindowMs?: number;
  /** Wrong tries (from any address) after which the active code is invalidated. */
  maxWrongPerCode?: number;
  now?: () => number;
}

export type AttemptResult =
  | { ok: true }
  | { ok: false; status: 429; error: 'rate_limited'; retryAfterS: number }
  | { ok: false; status: 403; error: 'invalid_code' }
  | { ok: false; status: 410; error: 'code_expired' };

interface Offer {
  digest: Buffer;
  expiresAt: number;
  wrong: number;
}

const MAX_TRACKED_ADDRESSES = 10_000;

const digest = (code: string): Buffer => createHash('sha256').update(code).digest();

/** Upper-case and drop the separators people type ("abcd-2345" → "ABCD2345"). */
export function normalizeCode(code: string): string {
  return code.toUpperCase().replace(/[\s-]/g, '');
}

export class PairingCodes {
  private offer: Offer | null = null;
  private readonly failures = new Map<string, number[]>();
  private readonly codeLength: number;
  private readonly ttlMs: number;
  private readonly maxWrongPerAddress: number;
  private readonly rateWindowMs: number;
  private readonly maxWrongPerCode: number;
  private readonly now: () => number;

  constructor(opts: PairingCodeOptions = {}) {
    this.codeLength = opts.codeLength ?? 8;
    this.ttlMs = opts.ttlMs ?? 5 * 60_000;
    this.maxWrongPerAddress = opts.maxWrongPerAddress ?? 5;
    this.rateWindowMs = opts.rateWindowMs ?? 60_000;
    this.maxWrongPerCode = opts.maxWrongPerCode ?? 10;
    this.now = opts.now ?? Date.now;
    if (this.codeLength < 6 || this.codeLength > 12) throw new RangeError('codeLength must be 6–12');
  }

  /** A new code; any earlier one stops working. */
  issue(): { code: string; expiresAt: Date } {
    let code = '';
    for (let i = 0; i < this.codeLength; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
    const expiresAt = this.now() + this.ttlMs;
    this.offer = { digest: digest(code), expiresAt, wrong: 0 };
    return { code, expiresAt: new Date(expiresAt) };
  }

  /** The active code's expiry, or null when none is active (never issued, spent, expired, invalidated). */
  active(): { expiresAt: Date } | null {
    return this.offer && this.offer.expiresAt > this.now() ? { expiresAt: new Date(this.offer.expiresAt) } : null;
  }

  cancel(): void {
    this.offer = null;
  }

  /** One try of `code` from `remote`; spends the code on success. */
  attempt(remote: string, code: string): AttemptResult {
    const now = this.now();
    const recent = (this.failures.get(remote) ?? []).filter((t) => t > now - this.rateWindowMs);
    if (recent.length >= this.maxWrongPerAddress) {
      this.failures.set(remote, recent);
      return { ok: false, status: 429, error: 'rate_limited', retryAfterS: Math.max(1, Math.ceil((recent[0]! + this.rateWindowMs - now) / 1000)) };
    }
    const offer = this.offer;
    const given = digest(normalizeCode(code));
    if (offer && timingSafeEqual(given, offer.digest)) {
      if (offer.expiresAt <= now) return { ok: false, status: 410, error: 'code_expired' };
      this.offer = null;
      return { ok: true };
    }
    recent.push(now);
    this.failures.delete(remote);
    this.failures.set(remote, recent);
    if (this.failures.size > MAX_TRACKED_ADDRESSES) this.failures.delete(this.failures.keys().next().value!);
    if (offer && ++offer.wrong >= this.maxWrongPerCode) this.offer = null;
    return { ok: false, status: 403, error: 'invalid_code' };
  }
}
