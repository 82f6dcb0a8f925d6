/**
 * Sessions: random 256-bit tokens (only their SHA-256 is kept), an idle timeout after which the
 * session LOCKS (the workstation shows its lock screen; the same member unlocks with the
 * password), and `lock()` for "lock now". Ending a session forgets it.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { StaffRole } from '../../common/permissions';

export interface Session {
  staffId: string;
  roles: StaffRole[];
  createdAt: number;
  lastSeenAt: number;
  locked: boolean;
}

export interface SessionStore {
  create(staffId: string, roles: StaffRole[]): { token: string; session: Session };
  /** The session, touched (idle clock reset) when unlocked; locked once idle too long; null when unknown. */
  get(token: string): Session | null;
  lock(token: string): boolean;
  unlock(token: string): boolean;
  end(token: string): boolean;
  /** Ends every session of a member (disabled, password reset). */
  endAllFor(staffId: string): number;
  lockAll(): void;
  readonly size: number;
}

export interface SessionOptions {
  /** Default 10 minutes. */
  idleTimeoutMs?: number;
  now?: () => number;
}

const digest = (token: string): string => createHash('sha256').update(token).digest('hex');

export function createSessionStore(options: SessionOptions = {}): SessionStore {
  const idleTimeoutMs = options.idleTimeoutMs ?? 10 * 60_000;
  const now = options.now ?? Date.now;
  const sessions = new Map<string, Session>();
  const find = (token: string): Session | undefined => (typeof token === 'string' && token.length >= 32 ? sessions.get(digest(token)) : undefined);

  return {
    create(staffId, roles) {
      const token = randomBytes(32).toString('base64url');
      const t = now();
      const session: Session = { staffId, roles: [...roles], createdAt: t, lastSeenAt: t, locked: false };
      sessions.set(digest(token), session);
      return { token, session: { ...session } };
    },
    get(token) {
      const s = find(token);
      if (!s) return null;
      const t = now();
      if (!s.locked && t - s.lastSeenAt >= idleTimeoutMs) s.locked = true;
      if (!s.locked) s.lastSeenAt = t;
      return { ...s, roles: [...s.roles] };
    },
    lock(token) {
      const s = find(token);
      if (!s) return false;
      s.locked = true;
      return true;
    },
    unlock(token) {
      const s = find(token);
      if (!s) return false;
      s.locked = false;
      s.lastSeenAt = now();
      return true;
    },
    end(token) {
      return typeof token === 'string' && sessions.delete(digest(token));
    },
    endAllFor(staffId) {
      let n = 0;
      for (const [k, s] of sessions) if (s.staffId === staffId && sessions.delete(k)) n++;
      return n;
    },
    lockAll() {
      for (const s of sessions.values()) s.locked = true;
    },
    get size() {
      return sessions.size;
    },
  };
}
