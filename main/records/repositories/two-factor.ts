/**
 * Staff authenticators (TOTP secrets), one-time recovery codes (hashes only) and the clinic's
 * two-factor policy (the `settings` row `auth.two_factor`). Every change is audited in the same
 * transaction; accepting a code and spending a recovery code are single conditional statements,
 * so two requests carrying the same code can never both succeed.
 */
import { and, eq, isNull, lt, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import { DEFAULT_TWO_FACTOR_ROLES, staffRoleSchema, type StaffRole } from '../../../common/permissions';
import { appendAudit } from '../audit';
import { newId } from '../ids';
import type { ClinicRecord } from '../record';
import { settings, staffRecoveryCodes, staffTotp } from '../schema';
import { actorRole, type Actor } from './actor';

export const TWO_FACTOR_POLICY_KEY = 'auth.two_factor';
const policySchema = z.object({ requiredRoles: z.array(staffRoleSchema).max(4) });

export interface Authenticator {
  secret: string;
  lastStep: number | null;
  enrolledAt: number;
}

export interface TwoFactorRepository {
  authenticator(staffId: string): Authenticator | null;
  /** Members with an authenticator. */
  enrolledIds(): Set<string>;
  /** Stores (or replaces) a member's authenticator and a fresh set of recovery code hashes; `step` was just used to confirm it. */
  enrol(staffId: string, secret: string, step: number, recoveryHashes: readonly string[], actor: Actor, action: string): void;
  /** Records `step` as used if it is later than the last one used; false when it is not (a replay). */
  acceptStep(staffId: string, step: number): boolean;
  /** Spends an unused recovery code by its hash; false when there is none (wrong or used). */
  spendRecoveryCode(staffId: string, codeHash: string, at: number): boolean;
  unusedRecoveryCodes(staffId: string): number;
  replaceRecoveryCodes(staffId: string, hashes: readonly string[], actor: Actor): void;
  /** Removes a member's authenticator and recovery codes; false when there was none. Audited either way. */
  reset(staffId: string, actor: Actor): boolean;
  /** Roles that must sign in with a second factor (default: IT admins and doctors). */
  policy(): StaffRole[];
  setPolicy(roles: readonly StaffRole[], actor: Actor): StaffRole[];
}

export function createTwoFactorRepository(record: ClinicRecord, now: () => number = Date.now): TwoFactorRepository {
  const { db } = record;
  const audit = (actor: Actor, action: string, entity: string, entityId: string) =>
    appendAudit(record, { actorId: actor.id, actorRole: actorRole(actor), action, entity, entityId });
  const insertCodes = (staffId: string, hashes: readonly string[], at: number) => {
    db.delete(staffRecoveryCodes).where(eq(staffRecoveryCodes.staffId, staffId)).run();
    if (hashes.length) db.insert(staffRecoveryCodes).values(hashes.map((codeHash) => ({ id: newId(at), staffId, codeHash, createdAt: at }))).run();
  };

  return {
    authenticator(staffId) {
      const row = db.select().from(staffTotp).where(eq(staffTotp.staffId, staffId)).get();
      return row ? { secret: row.secret, lastStep: row.lastStep, enrolledAt: row.createdAt } : null;
    },
    enrolledIds: () => new Set(db.select({ id: staffTotp.staffId }).from(staffTotp).all().map((r) => r.id)),
    enrol(staffId, secret, step, recoveryHashes, actor, action) {
      const at = now();
      record.transaction(() => {
        db.insert(staffTotp)
          .values({ staffId, secret, lastStep: step, createdAt: at, updatedAt: at })
          .onConflictDoUpdate({ target: staffTotp.staffId, set: { secret, lastStep: step, createdAt: at, updatedAt: at } })
          .run();
        insertCodes(staffId, recoveryHashes, at);
        audit(actor, action, 'staff', staffId);
      });
    },
    acceptStep(staffId, step) {
      const row = db
        .update(staffTotp)
        .set({ lastStep: step, updatedAt: now() })
        .where(and(eq(staffTotp.staffId, staffId), or(isNull(staffTotp.lastStep), lt(staffTotp.lastStep, step))))
        .returning({ id: staffTotp.staffId })
        .get();
      return row !== undefined;
    },
    spendRecoveryCode(staffId, codeHash, at) {
      return record.transaction(() => {
        const row = db
          .update(staffRecoveryCodes)
          .set({ usedAt: at })
          .where(and(eq(staffRecoveryCodes.staffId, staffId), eq(staffRecoveryCodes.codeHash, codeHash), isNull(staffRecoveryCodes.usedAt)))
          .returning({ id: staffRecoveryCodes.id })
          .get();
        if (row) audit({ id: staffId, roles: [] }, 'auth.recovery_code_used', 'staff', staffId);
        return row !== undefined;
      });
    },
    unusedRecoveryCodes: (staffId) =>
      db.select({ n: sql<number>`count(*)` }).from(staffRecoveryCodes).where(and(eq(staffRecoveryCodes.staffId, staffId), isNull(staffRecoveryCodes.usedAt))).get()?.n ?? 0,
    replaceRecoveryCodes(staffId, hashes, actor) {
      record.transaction(() => {
        insertCodes(staffId, hashes, now());
        audit(actor, 'auth.recovery_codes_renewed', 'staff', staffId);
      });
    },
    reset(staffId, actor) {
      return record.transaction(() => {
        const had = db.delete(staffTotp).where(eq(staffTotp.staffId, staffId)).returning({ id: staffTotp.staffId }).all().length > 0;
        db.delete(staffRecoveryCodes).where(eq(staffRecoveryCodes.staffId, staffId)).run();
        audit(actor, 'staff.two_factor_reset', 'staff', staffId);
        return had;
      });
    },
    policy() {
      const row = db.select().from(settings).where(eq(settings.key, TWO_FACTOR_POLICY_KEY)).get();
      if (!row) return [...DEFAULT_TWO_FACTOR_ROLES];
      return policySchema.parse(JSON.parse(row.value)).requiredRoles;
    },
    setPolicy(roles, actor) {
      const value = JSON.stringify(policySchema.parse({ requiredRoles: [...new Set(roles)].sort() }));
      const at = now();
      record.transaction(() => {
        db.insert(settings).values({ key: TWO_FACTOR_POLICY_KEY, value, updatedAt: at, updatedBy: actor.id }).onConflictDoUpdate({ target: settings.key, set: { value, updatedAt: at, updatedBy: actor.id } }).run();
        audit(actor, 'settings.two_factor_policy', 'settings', TWO_FACTOR_POLICY_KEY);
      });
      return policySchema.parse(JSON.parse(value)).requiredRoles;
    },
  };
}
