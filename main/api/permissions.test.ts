/**
 * Every tRPC procedure, for every role: allowed ones get past the permission check, the rest are
 * FORBIDDEN. Generated from the router: a procedure without an access rule fails here.
 * Runs against a real encrypted record and a real Secret Service (scripts/with-keyring.sh).
 */
import { rmSync } from 'node:fs';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PERMISSIONS, STAFF_ROLES, can, type Permission, type StaffRole } from '../../common/permissions';
import { silentLogger } from '../shared/logger';
import { createKeytarKeyStore } from '../vault/index';
import { assertKeyringWhenRequired, keyringSuiteDir, skipKeyring, TEST_SERVICE } from '../vault/test-keyring';
import { createServices } from '../app/index';
import { appRouter, createCaller, createContextInner, type Access } from './index';

type Procedures = Record<string, { _def: { type: 'query' | 'mutation' | 'subscription'; meta?: { access?: Access } } }>;
const procedures = appRouter._def.procedures as unknown as Procedures;
const PASSWORD = 'correct horse battery staple';

describe('access rules', () => {
  it('every procedure declares who may call it', () => {
    const valid = new Set<string>(['public', 'signed-in', ...PERMISSIONS]);
    for (const [path, p] of Object.entries(procedures)) {
      expect(valid.has(String(p._def.meta?.access)), `${path} has no valid meta.access`).toBe(true);
    }
  });

  it('no role is both clinician and blind: managers and IT admins never see clinical data', () => {
    expect(can(['manager'], 'clinical.read')).toBe(false);
    expect(can(['it-admin'], 'clinical.read')).toBe(false);
    expect(can(['it-admin'], 'patients.demographics.read')).toBe(false);
    expect(can(['manager'], 'patients.demographics.read')).toBe(true);
    expect(can(['nurse'], 'assessments.signoff')).toBe(false);
    expect(can(['doctor'], 'assessments.signoff')).toBe(true);
    // Reports leave the clinic signed by a doctor; nurses annotate (clinical.write) but do not export.
    expect(STAFF_ROLES.filter((r) => can([r], 'reports.export'))).toEqual(['doctor']);
    expect(STAFF_ROLES.filter((r) => can([r], 'clinical.write'))).toEqual(['nurse', 'doctor']);
  });
});

describe.skipIf(skipKeyring)('every procedure × every role (real record, real keychain)', () => {
  assertKeyringWhenRequired();
  const dataDir = keyringSuiteDir('cw-perm-');
  const services = createServices({ dataDir, keyStore: createKeytarKeyStore({ service: TEST_SERVICE }), logger: silentLogger });
  const callers = new Map<StaffRole | 'anonymous', ReturnType<typeof createCaller>>();
  let clinicId = '';

  beforeAll(async () => {
    const anon = createCaller(createContextInner({ services, transport: 'http', connectionId: 'anon' }));
    callers.set('anonymous', anon);
    clinicId = (await anon.clinic.enrol({ name: 'Permission Test Clinic', admin: { username: 'admin', displayName: 'Admin', password: PASSWORD }, twoFactorRoles: [] })).id;
    const admin = createCaller(createContextInner({ services, transport: 'http', connectionId: 'admin' }));
    await admin.auth.login({ clinicId, username: 'admin', password: PASSWORD });
    callers.set('it-admin', admin);
    for (const role of STAFF_ROLES.filter((r) => r !== 'it-admin')) {
      await admin.staff.create({ username: role, displayName: role, password: PASSWORD, roles: [role] });
      const caller = createCaller(createContextInner({ services, transport: 'http', connectionId: role }));
      await caller.auth.login({ clinicId, username: role, password: PASSWORD });
      callers.set(role, caller);
    }
  }, 120_000);

  afterAll(async () => {
    await services.dispose();
    const { keyStore } = { keyStore: createKeytarKeyStore({ service: TEST_SERVICE }) };
    await keyStore.delete(clinicId).catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function outcome(role: StaffRole | 'anonymous', path: string): Promise<string> {
    const caller = callers.get(role)!;
    const fn = path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], caller) as (input?: unknown) => Promise<unknown>;
    try {
      const result = await fn(undefined);
      // Subscriptions return an async iterable; stop it at once.
      if (result && typeof (result as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') {
        await (result as AsyncIterator<unknown> & { return?: () => Promise<unknown> }).return?.();
      }
      return 'OK';
    } catch (error) {
      return error instanceof TRPCError ? error.code : 'THROWN';
    }
  }

  const mutatesSession = new Set(['auth.logout', 'auth.lock', 'auth.unlock', 'auth.login', 'clinic.enrol']);
  for (const [path, p] of Object.entries(procedures)) {
    if (mutatesSession.has(path)) continue;
    it(`${path} (${String(p._def.meta?.access)})`, async () => {
      const access = p._def.meta?.access;
      for (const role of STAFF_ROLES) {
        const got = await outcome(role, path);
        const allowed = access === 'public' || access === 'signed-in' || can([role], access as Permission);
        if (allowed) expect(['FORBIDDEN', 'UNAUTHORIZED'], `${path} as ${role}: ${got}`).not.toContain(got);
        else expect(got, `${path} as ${role}`).toBe('FORBIDDEN');
      }
      const anon = await outcome('anonymous', path);
      if (access === 'public') expect(anon).not.toBe('UNAUTHORIZED');
      else expect(anon, `${path} anonymous`).toBe('UNAUTHORIZED');
    });
  }
});
