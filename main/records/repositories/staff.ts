/**
 * Staff accounts and their roles. The password hash never leaves through `StaffMember`; the login
 * path (main/auth) reads it through `credentials`.
 */
import { and, asc, eq, inArray, isNull, lte, ne, or, sql } from 'drizzle-orm';
import { staffMemberSchema, type StaffMember } from '../../../common/records';
import { staffRoleSchema, type StaffRole } from '../../../common/permissions';
import { appendAudit } from '../audit';
import { ConflictError, EntityNotFoundError, LastAdminError, sqliteCode } from '../errors';
import { newId } from '../ids';
import type { ClinicRecord } from '../record';
import { staff, staffRoles } from '../schema';
import { actorRole, type Actor } from './actor';

export interface NewStaff {
  username: string;
  displayName: string;
  /** Already hashed by main/auth; this layer never sees a password. */
  passwordHash: string;
  roles: StaffRole[];
}

export interface StaffCredentials {
  id: string;
  passwordHash: string;
  failedAttempts: number;
  lockedUntil: number | null;
  disabled: boolean;
  roles: StaffRole[];
}

export interface StaffRepository {
  create(input: NewStaff, actor: Actor): StaffMember;
  update(id: string, patch: { displayName?: string; roles?: StaffRole[] }, actor: Actor): StaffMember;
  disable(id: string, actor: Actor): StaffMember;
  enable(id: string, actor: Actor): StaffMember;
  get(id: string): StaffMember | null;
  list(options?: { includeDisabled?: boolean }): StaffMember[];
  credentials: {
    byUsername(username: string): StaffCredentials | null;
    byId(id: string): StaffCredentials | null;
    /**
     * A wrong password: counts it in ONE statement (UPDATE … SET failed_attempts = failed_attempts + 1
     * … RETURNING), so attempts running side by side can never overwrite each other's count, and
     * locks the account when the count reaches `policy.maxAttempts`. An expired lock starts a
     * fresh count; a lock in force is left as it is. Audited in the same transaction.
     */
    recordFailure(id: string, at: number, policy: { maxAttempts: number; lockMs: number }): { failedAttempts: number; lockedUntil: number | null; newlyLocked: boolean } | null;
    /**
     * A right password: signs in only if, NOW (after the password check), the account is neither
     * disabled nor locked — one conditional UPDATE, so a lock that parallel failures set while the
     * password was being checked still holds. Clears the failure count and audits the sign-in.
     */
    recordSuccess(id: string, at: number): { ok: true } | { ok: false; reason: 'disabled' } | { ok: false; reason: 'locked'; lockedUntil: number } | { ok: false; reason: 'missing' };
    setPasswordHash(id: string, passwordHash: string, actor: Actor): void;
    /** Clears failed attempts and a lockout (IT admin). */
    clearLockout(id: string, actor: Actor): void;
  };
}

export function createStaffRepository(record: ClinicRecord): StaffRepository {
  const { db } = record;
  const audit = (actor: Actor, action: string, entityId: string): void => {
    appendAudit(record, { actorId: actor.id, actorRole: actorRole(actor), action, entity: 'staff', entityId });
  };
  const rolesOf = (ids: string[]): Map<string, StaffRole[]> => {
    const map = new Map<string, StaffRole[]>();
    if (ids.length === 0) return map;
    for (const r of db.select().from(staffRoles).where(inArray(staffRoles.staffId, ids)).all()) {
      map.set(r.staffId, [...(map.get(r.staffId) ?? []), staffRoleSchema.parse(r.role)].sort());
    }
    return map;
  };
  const toMember = (row: typeof staff.$inferSelect, roles: StaffRole[]): StaffMember =>
    staffMemberSchema.parse({
      id: row.id,
      username: row.username,
      displayName: row.displayName,
      roles,
      disabled: row.disabledAt !== null,
      lockedUntil: row.lockedUntil,
      lastLoginAt: row.lastLoginAt,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
    });
  const get = (id: string): StaffMember | null => {
    const row = db.select().from(staff).where(eq(staff.id, id)).get();
    return row ? toMember(row, rolesOf([id]).get(id) ?? []) : null;
  };
  const credentialsOf = (row: typeof staff.$inferSelect | undefined): StaffCredentials | null =>
    row
      ? { id: row.id, passwordHash: row.passwordHash, failedAttempts: row.failedAttempts, lockedUntil: row.lockedUntil, disabled: row.disabledAt !== null, roles: rolesOf([row.id]).get(row.id) ?? [] }
      : null;
  const setRoles = (id: string, roles: StaffRole[]): void => {
    db.delete(staffRoles).where(eq(staffRoles.staffId, id)).run();
    db.insert(staffRoles)
      .values([...new Set(roles)].map((role) => ({ staffId: id, role })))
      .run();
  };
  const mustExist = (id: string): void => {
    if (!db.select({ id: staff.id }).from(staff).where(eq(staff.id, id)).get()) throw new EntityNotFoundError('staff', id);
  };
  /**
   * Inside the change's own transaction (so two admins disabling each other at once cannot both
   * succeed): refuses when `id` is an active IT admin and no other active one would remain.
   */
  const keepAnAdmin = (id: string, change: 'disable' | 'demote'): void => {
    const target = db.select({ disabledAt: staff.disabledAt }).from(staff).where(eq(staff.id, id)).get();
    const isAdmin = db.select({ role: staffRoles.role }).from(staffRoles).where(and(eq(staffRoles.staffId, id), eq(staffRoles.role, 'it-admin'))).get() !== undefined;
    if (!target || target.disabledAt !== null || !isAdmin) return;
    const others = db
      .select({ id: staff.id })
      .from(staff)
      .innerJoin(staffRoles, and(eq(staffRoles.staffId, staff.id), eq(staffRoles.role, 'it-admin')))
      .where(and(isNull(staff.disabledAt), ne(staff.id, id)))
      .limit(1)
      .all();
    if (others.length === 0) throw new LastAdminError(change);
  };

  return {
    create(input, actor) {
      const now = Date.now();
      const id = newId(now);
      const roles = input.roles.map((r) => staffRoleSchema.parse(r));
      if (roles.length === 0) throw new RangeError('a staff member needs at least one role');
      try {
        record.transaction(() => {
          db.insert(staff)
            .values({ id, username: input.username.trim().toLowerCase(), displayName: input.displayName.trim(), passwordHash: input.passwordHash, createdAt: now, updatedAt: now })
            .run();
          setRoles(id, roles);
          audit(actor, 'staff.create', id);
        });
      } catch (error) {
        if (sqliteCode(error) === 'SQLITE_CONSTRAINT_UNIQUE') throw new ConflictError('staff member', 'username');
        throw error;
      }
      return get(id)!;
    },
    update(id, patch, actor) {
      record.transaction(() => {
        mustExist(id);
        if (patch.displayName !== undefined) db.update(staff).set({ displayName: patch.displayName.trim() }).where(eq(staff.id, id)).run();
        if (patch.roles !== undefined) {
          if (patch.roles.length === 0) throw new RangeError('a staff member needs at least one role');
          if (!patch.roles.includes('it-admin')) keepAnAdmin(id, 'demote');
          setRoles(id, patch.roles.map((r) => staffRoleSchema.parse(r)));
        }
        db.update(staff).set({ updatedAt: Date.now() }).where(eq(staff.id, id)).run();
        audit(actor, patch.roles !== undefined ? 'staff.update_roles' : 'staff.update', id);
      });
      return get(id)!;
    },
    disable(id, actor) {
      record.transaction(() => {
        mustExist(id);
        keepAnAdmin(id, 'disable');
        const now = Date.now();
        db.update(staff).set({ disabledAt: now, updatedAt: now }).where(eq(staff.id, id)).run();
        audit(actor, 'staff.disable', id);
      });
      return get(id)!;
    },
    enable(id, actor) {
      record.transaction(() => {
        mustExist(id);
        db.update(staff).set({ disabledAt: null, failedAttempts: 0, lockedUntil: null, updatedAt: Date.now() }).where(eq(staff.id, id)).run();
        audit(actor, 'staff.enable', id);
      });
      return get(id)!;
    },
    get,
    list(options = {}) {
      const rows = db.select().from(staff).orderBy(asc(staff.displayName), asc(staff.id)).all();
      const visible = options.includeDisabled ? rows : rows.filter((r) => r.disabledAt === null);
      const roles = rolesOf(visible.map((r) => r.id));
      return visible.map((r) => toMember(r, roles.get(r.id) ?? []));
    },
    credentials: {
      byUsername: (username) => credentialsOf(db.select().from(staff).where(eq(staff.username, username.trim().toLowerCase())).get()),
      byId: (id) => credentialsOf(db.select().from(staff).where(eq(staff.id, id)).get()),
      recordFailure(id, at, policy) {
        return record.transaction(() => {
          const lockedNow = sql`(${staff.lockedUntil} IS NOT NULL AND ${staff.lockedUntil} > ${at})`;
          // The count this failure adds to: an expired lock starts again from nothing.
          const base = sql`(CASE WHEN ${staff.lockedUntil} IS NOT NULL THEN 0 ELSE ${staff.failedAttempts} END)`;
          const reaches = sql`(${base} + 1 >= ${policy.maxAttempts})`;
          const row = db
            .update(staff)
            .set({
              failedAttempts: sql`CASE WHEN ${lockedNow} THEN ${staff.failedAttempts} WHEN ${reaches} THEN 0 ELSE ${base} + 1 END`,
              lockedUntil: sql`CASE WHEN ${lockedNow} THEN ${staff.lockedUntil} WHEN ${reaches} THEN ${at + policy.lockMs} ELSE NULL END`,
            })
            .where(eq(staff.id, id))
            .returning({ failedAttempts: staff.failedAttempts, lockedUntil: staff.lockedUntil })
            .get();
          if (!row) return null;
          const newlyLocked = row.lockedUntil === at + policy.lockMs;
          audit({ id, roles: rolesOf([id]).get(id) ?? [] }, newlyLocked ? 'auth.lockout' : 'auth.login_failed', id);
          return { failedAttempts: row.failedAttempts, lockedUntil: row.lockedUntil, newlyLocked };
        });
      },
      recordSuccess(id, at) {
        return record.transaction(() => {
          const signedIn = db
            .update(staff)
            .set({ failedAttempts: 0, lockedUntil: null, lastLoginAt: at })
            .where(and(eq(staff.id, id), isNull(staff.disabledAt), or(isNull(staff.lockedUntil), lte(staff.lockedUntil, at))))
            .returning({ id: staff.id })
            .get();
          if (signedIn) {
            audit({ id, roles: rolesOf([id]).get(id) ?? [] }, 'auth.login', id);
            return { ok: true } as const;
          }
          const row = db.select({ disabledAt: staff.disabledAt, lockedUntil: staff.lockedUntil }).from(staff).where(eq(staff.id, id)).get();
          if (!row) return { ok: false, reason: 'missing' } as const;
          if (row.disabledAt !== null) return { ok: false, reason: 'disabled' } as const;
          return { ok: false, reason: 'locked', lockedUntil: row.lockedUntil ?? at } as const;
        });
      },
      setPasswordHash(id, passwordHash, actor) {
        record.transaction(() => {
          mustExist(id);
          db.update(staff).set({ passwordHash, updatedAt: Date.now() }).where(eq(staff.id, id)).run();
          audit(actor, 'staff.set_password', id);
        });
      },
      clearLockout(id, actor) {
        record.transaction(() => {
          mustExist(id);
          db.update(staff).set({ failedAttempts: 0, lockedUntil: null }).where(eq(staff.id, id)).run();
          audit(actor, 'staff.clear_lockout', id);
        });
      },
    },
  };
}
