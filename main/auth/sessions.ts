/**
 * Sessions: random 256-bit tokens (only their SHA-256 is kept), an idle timeout after which the
 * session LOCKS (the workstation shows its lock screen; the same member unlocks with the
 * password), `lock()` for "lock now", and an absolute lifetime after which the session ENDS
 * whatever the activity (a stolen or forgotten session does not live for ever). Ending a session
 * forgets it. A change of a member's roles reaches their live sessions at once. Every lock, end
 * and role change is announced (`onDidChange`), so that live
 * subscriptions can stop at once instead of at their next event.
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
  /** The session, touched (idle clock reset) when unlocked; locked once idle too long; null when unknown or past its lifetime. */
  get(token: string): Session | null;
  /** As `get`, without touching the idle clock (checks made for a subscription's events, not by the user). */
  peek(token: string): Session | null;
  /** True when `token` named a session that ended because it reached its absolute lifetime. */
  expired(token: string): boolean;
  lock(token: string): boolean;
  unlock(token: string): boolean;
  end(token: string): boolean;
  /** Ends every session of a member (disabled, password reset). */
  endAllFor(staffId: string): number;
  /** Gives every live session of a member its new roles at once (a role change); returns how many. */
  setRolesFor(staffId: string, roles: StaffRole[]): number;
  lockAll(): void;
  /** A session locked, ended or expired; listeners re-check the sessions they care about. */
  onDidChange(listener: () => void): () => void;
  readonly size: number;
}

export interface SessionOptions {
  /** Default 10 minutes. */
  idleTimeoutMs?: number;
  /** Absolute lifetime from sign-in, whatever the activity; default DEFAULT_SESSION_MAX_AGE_MS. */
  maxAgeMs?: number;
  now?: () => number;
}

/** A working day: a session signed in at the start of a shift ends by its end. */
export const DEFAULT_SESSION_MAX_AGE_MS = 10 * 3600_000;

const digest = (token: string): string => createHash('sha256').update(token).digest('hex');
const EXPIRED_REMEMBERED = 256;

export function createSessionStore(options: SessionOptions = {}): SessionStore {
  const idleTimeoutMs = options.idleTimeoutMs ?? 10 * 60_000;
  const maxAgeMs = options.maxAgeMs ?? DEFAULT_SESSION_MAX_AGE_MS;
  const now = options.now ?? Date.now;
  const sessions = new Map<string, Session>();
  /** Digests of sessions that reached their lifetime (bounded), so the error can say so. */
  const expiredDigests = new Set<string>();
  const listeners = new Set<() => void>();
  const changed = () => {
    for (const l of [...listeners]) {
      try {
        l();
      } catch {
        // a listener's failure is its own
      }
    }
  };

  /** The live session of `token`, its idle lock and lifetime applied; `touch` resets the idle clock. */
  const find = (token: string, touch: boolean): Session | undefined => {
    if (typeof token !== 'string' || token.length < 32) return undefined;
    const key = digest(token);
    const s = sessions.get(key);
    if (!s) return undefined;
    const t = now();
    if (t - s.createdAt >= maxAgeMs) {
      sessions.delete(key);
      expiredDigests.add(key);
      if (expiredDigests.size > EXPIRED_REMEMBERED) expiredDigests.delete(expiredDigests.values().next().value!);
      changed();
      return undefined;
    }
    if (!s.locked && t - s.lastSeenAt >= idleTimeoutMs) {
      s.locked = true;
      changed();
    }
    if (touch && !s.locked) s.lastSeenAt = t;
    return s;
  };
  const copy = (s: Session | undefined): Session | null => (s ? { ...s, roles: [...s.roles] } : null);

  return {
    create(staffId, roles) {
      const token = randomBytes(32).toString('base64url');
      const t = now();
      const session: Session = { staffId, roles: [...roles], createdAt: t, lastSeenAt: t, locked: false };
      sessions.set(digest(token), session);
      return { token, session: { ...session } };
    },
    get: (token) => copy(find(token, true)),
    peek: (token) => copy(find(token, false)),
    expired: (token) => typeof token === 'string' && expiredDigests.has(digest(token)),
    lock(token) {
      const s = find(token, false);
      if (!s) return false;
      s.locked = true;
      changed();
      return true;
    },
    unlock(token) {
      const s = find(token, false);
      if (!s) return false;
      s.locked = false;
      s.lastSeenAt = now();
      return true;
    },
    end(token) {
      const ended = typeof token === 'string' && sessions.delete(digest(token));
      if (ended) changed();
      return ended;
    },
    endAllFor(staffId) {
      let n = 0;
      for (const [k, s] of sessions) if (s.staffId === staffId && sessions.delete(k)) n++;
      if (n) changed();
      return n;
    },
    setRolesFor(staffId, roles) {
      let n = 0;
      for (const s of sessions.values()) {
        if (s.staffId !== staffId) continue;
        s.roles = [...roles];
        n++;
      }
      if (n) changed();
      return n;
    },
    lockAll() {
      for (const s of sessions.values()) s.locked = true;
      changed();
    },
    onDidChange(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    get size() {
      return sessions.size;
    },
  };
}
