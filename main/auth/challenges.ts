/**
 * Sign-ins halfway through: the password was right, the second factor is still to come (or, for a
 * member the policy requires it of, an authenticator is being set up). Held in memory only, under
 * the SHA-256 of a random token the router keeps main-side with the connection; five minutes, then
 * gone. Pending enrolments from a signed-in session (a new authenticator) are held the same way.
 */
import { createHash, randomBytes } from 'node:crypto';

export interface Challenge {
  staffId: string;
  /** `verify`: enter a code from the enrolled authenticator; `enrol`: confirm the new one (`secret`). */
  kind: 'verify' | 'enrol';
  secret?: string;
  expiresAt: number;
}

export const CHALLENGE_TTL_MS = 5 * 60_000;
const MAX_PENDING = 1024;
const digest = (token: string) => createHash('sha256').update(token).digest('hex');

export interface ChallengeStore {
  create(challenge: Omit<Challenge, 'expiresAt'>): string;
  get(token: string): Challenge | null;
  delete(token: string): void;
  /** Forgets every pending one of a member (reset, disabled). */
  deleteAllFor(staffId: string): void;
  /** A member's live pending one (the newest), without its token. */
  findFor(staffId: string): Challenge | null;
}

export function createChallengeStore(now: () => number): ChallengeStore {
  const pending = new Map<string, Challenge>();
  return {
    create(challenge) {
      const token = randomBytes(32).toString('base64url');
      if (pending.size >= MAX_PENDING) pending.delete(pending.keys().next().value!);
      pending.set(digest(token), { ...challenge, expiresAt: now() + CHALLENGE_TTL_MS });
      return token;
    },
    get(token) {
      if (typeof token !== 'string') return null;
      const key = digest(token);
      const c = pending.get(key);
      if (!c) return null;
      if (c.expiresAt <= now()) {
        pending.delete(key);
        return null;
      }
      return c;
    },
    delete: (token) => void (typeof token === 'string' && pending.delete(digest(token))),
    deleteAllFor(staffId) {
      for (const [k, c] of pending) if (c.staffId === staffId) pending.delete(k);
    },
    findFor(staffId) {
      let found: Challenge | null = null;
      for (const [k, c] of pending) {
        if (c.staffId !== staffId) continue;
        if (c.expiresAt <= now()) pending.delete(k);
        else found = c;
      }
      return found;
    },
  };
}
