/** The permission matrix of common/permissions.ts, checked as policy (least privilege). */
import { describe, expect, it } from 'vitest';
import { can, PERMISSION_MATRIX, PERMISSIONS, permissionsOf, STAFF_ROLES } from '../../common/permissions';

const PATIENT_DATA = ['patients.demographics.read', 'patients.demographics.write', 'clinical.read', 'clinical.write', 'assessments.signoff'] as const;

describe('permission matrix', () => {
  it('nurses and doctors read and write clinical data and demographics', () => {
    for (const role of ['nurse', 'doctor'] as const) {
      for (const p of ['clinical.read', 'clinical.write', 'patients.demographics.read', 'patients.demographics.write'] as const) expect(can([role], p), `${role} ${p}`).toBe(true);
    }
  });

  it('only doctors sign assessments off', () => {
    expect(STAFF_ROLES.filter((r) => can([r], 'assessments.signoff'))).toEqual(['doctor']);
  });

  it('managers see demographics, bookings, billing and stock but no clinical data', () => {
    expect(can(['manager'], 'patients.demographics.read')).toBe(true);
    for (const p of ['bookings.write', 'billing.write', 'stock.write'] as const) expect(can(['manager'], p)).toBe(true);
    for (const p of ['clinical.read', 'clinical.write', 'assessments.signoff'] as const) expect(can(['manager'], p)).toBe(false);
  });

  it('clinic operations (issue 15): managers book and run stock, orders and billing; clinicians see bookings, check in and record supplies; only doctors prescribe', () => {
    expect(STAFF_ROLES.filter((r) => can([r], 'bookings.write'))).toEqual(['manager']);
    expect(STAFF_ROLES.filter((r) => can([r], 'bookings.read'))).toEqual(['nurse', 'doctor', 'manager']);
    expect(STAFF_ROLES.filter((r) => can([r], 'bookings.checkin'))).toEqual(['nurse', 'doctor', 'manager']);
    expect(STAFF_ROLES.filter((r) => can([r], 'stock.use'))).toEqual(['nurse', 'doctor']);
    expect(STAFF_ROLES.filter((r) => can([r], 'prescriptions.write'))).toEqual(['doctor']);
    for (const p of ['stock.write', 'purchasing.write', 'billing.write', 'billing.read', 'operations.manage'] as const) expect(STAFF_ROLES.filter((r) => can([r], p)), p).toEqual(['manager']);
    expect(can(['manager'], 'prescriptions.read')).toBe(false);
  });

  it('IT admins manage staff, devices, settings, backups and the audit log, and see no patient data', () => {
    expect(permissionsOf(['it-admin']).sort()).toEqual(['audit.read', 'backup.manage', 'clinics.enrol', 'devices.manage', 'settings.manage', 'staff.manage', 'sync.manage', 'sync.read']);
    for (const p of PATIENT_DATA) expect(can(['it-admin'], p)).toBe(false);
  });

  it('nobody else administers', () => {
    for (const p of ['staff.manage', 'clinics.enrol', 'devices.manage', 'settings.manage', 'backup.manage', 'audit.read'] as const) {
      expect(STAFF_ROLES.filter((r) => can([r], p))).toEqual(['it-admin']);
    }
  });

  it('several roles combine; no role or an unknown one grants nothing', () => {
    expect(can(['manager', 'doctor'], 'billing.write')).toBe(true);
    expect(can(['manager', 'doctor'], 'assessments.signoff')).toBe(true);
    expect(can([], 'clinical.read')).toBe(false);
    expect(can(['janitor' as never], 'clinical.read')).toBe(false);
  });

  it('every permission is a known one', () => {
    for (const perms of Object.values(PERMISSION_MATRIX)) for (const p of perms) expect(PERMISSIONS).toContain(p);
  });
});
