/**
 * Who may do what, as data (least privilege). The tRPC middleware and the UI read the same table.
 *
 * - nurse, doctor: patient demographics and clinical data (wounds, scans, assessments, annotations);
 *   they see bookings and their own day, check patients in, record visits and the supplies used;
 *   only doctors sign assessments off and write orders for prescription-only supplies.
 * - manager: the demographics bookings and billing need (name, MRN, date of birth, contact); books,
 *   runs stock, purchase orders, billing and claims, and the operations dashboard — no clinical data.
 * - it-admin: staff, devices, settings, backups and the audit log — no patient data, no operations.
 */
import { z } from 'zod';

export const STAFF_ROLES = ['nurse', 'doctor', 'manager', 'it-admin'] as const;
export const staffRoleSchema = z.enum(STAFF_ROLES);
export type StaffRole = z.infer<typeof staffRoleSchema>;

export const PERMISSIONS = [
  'patients.demographics.read',
  'patients.demographics.write',
  'clinical.read',
  'clinical.write',
  'assessments.signoff',
  'staff.manage',
  'devices.manage',
  'settings.manage',
  'backup.manage',
  'audit.read',
  'billing.read',
  'billing.write',
  'bookings.read',
  'bookings.write',
  'stock.read',
  'stock.write',
  /** Check in, complete, no-show (the front desk and the clinicians). */
  'bookings.checkin',
  /** Record the supplies used at a visit, issue against a prescription order. */
  'stock.use',
  'prescriptions.read',
  'prescriptions.write',
  'purchasing.read',
  'purchasing.write',
  /** The manager's dashboard and the clinic's operations settings (currency, time zone, reminders). */
  'operations.manage',
] as const;
export const permissionSchema = z.enum(PERMISSIONS);
export type Permission = z.infer<typeof permissionSchema>;

export const PERMISSION_MATRIX: Readonly<Record<StaffRole, readonly Permission[]>> = {
  nurse: ['patients.demographics.read', 'patients.demographics.write', 'clinical.read', 'clinical.write', 'bookings.read', 'bookings.checkin', 'stock.read', 'stock.use', 'prescriptions.read'],
  doctor: [
    'patients.demographics.read', 'patients.demographics.write', 'clinical.read', 'clinical.write', 'assessments.signoff',
    'bookings.read', 'bookings.checkin', 'stock.read', 'stock.use', 'prescriptions.read', 'prescriptions.write',
  ],
  manager: [
    'patients.demographics.read', 'patients.demographics.write', 'bookings.read', 'bookings.write', 'bookings.checkin', 'billing.read', 'billing.write',
    'stock.read', 'stock.write', 'purchasing.read', 'purchasing.write', 'operations.manage',
  ],
  'it-admin': ['staff.manage', 'devices.manage', 'settings.manage', 'backup.manage', 'audit.read'],
};

/** True when any of `roles` grants `permission`. Unknown roles grant nothing. */
export function can(roles: readonly StaffRole[], permission: Permission): boolean {
  return roles.some((role) => PERMISSION_MATRIX[role]?.includes(permission) ?? false);
}

/** Everything `roles` may do together (for the UI to hide what it cannot use). */
export function permissionsOf(roles: readonly StaffRole[]): Permission[] {
  return PERMISSIONS.filter((p) => can(roles, p));
}
