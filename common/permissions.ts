/**
 * Who may do what, as data (least privilege). The tRPC middleware and the UI read the same table.
 *
 * - nurse, doctor: patient demographics and clinical data (wounds, scans, assessments, annotations);
 *   they see bookings and their own day, check patients in, record visits and the supplies used,
 *   order supplies for a patient (confirm, cancel, repeat); only doctors sign assessments off, amend
 *   signed ones, pick a wound's baseline, write orders for prescription-only supplies, and export the
 *   signed PDF report and the FHIR bundle of a wound's course (nurses annotate and see the figures).
 * - manager: the demographics bookings and billing need (name, MRN, date of birth, contact); books,
 *   runs stock, purchase orders, billing and claims, and the operations dashboard; orders supplies
 *   for patients and fulfils them (pick, dispatch, delivered, collected, returns), and alone may
 *   reserve beyond what is available (override) — no clinical data.
 * - it-admin: staff, devices, settings, backups, the audit log, enrolling further clinics on the
 *   workstation and connecting it to the hosted service — no patient data at all, no operations. An IT admin cannot give their OWN account a
 *   role that sees patient data (`PATIENT_DATA_PERMISSIONS`); another IT admin must (main/auth refuses it).
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
  'assessments.amend',
  'review.baseline',
  'staff.manage',
  'clinics.enrol',
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
  /** The Sync panel: connected or offline, last sync, queued and rejected changes (no patient data). */
  'sync.read',
  /** Connect the clinic to the hosted service (enrolment code), rotate the workstation's credential. */
  'sync.manage',
  /** Edits another workstation overwrote, with the values (they can be a patient's contact). */
  'sync.conflicts',
  /** The signed PDF report and the FHIR export of a wound's course: they leave the clinic, signed by a doctor. */
  'reports.export',
  /** Patient supply orders: the catalogue, the lists, a patient's history. */
  'orders.read',
  /** Order supplies for a patient: drafts, confirm (prescription check, reservation), cancel, repeat. */
  'orders.write',
  /** Pick, dispatch, mark ready, delivered or collected, take returns (stock and billing follow). */
  'orders.fulfil',
  /** Reserve more than is available (available goes below zero until the stock arrives). */
  'orders.override',
] as const;
export const permissionSchema = z.enum(PERMISSIONS);
export type Permission = z.infer<typeof permissionSchema>;

export const PERMISSION_MATRIX: Readonly<Record<StaffRole, readonly Permission[]>> = {
  nurse: [
    'patients.demographics.read', 'patients.demographics.write', 'clinical.read', 'clinical.write', 'bookings.read', 'bookings.checkin', 'stock.read', 'stock.use', 'prescriptions.read',
    'orders.read', 'orders.write',
  ],
  doctor: [
    'patients.demographics.read', 'patients.demographics.write', 'clinical.read', 'clinical.write', 'assessments.signoff', 'assessments.amend', 'review.baseline',
    'bookings.read', 'bookings.checkin', 'stock.read', 'stock.use', 'prescriptions.read', 'prescriptions.write', 'orders.read', 'orders.write', 'reports.export',
  ],
  manager: [
    'patients.demographics.read', 'patients.demographics.write', 'bookings.read', 'bookings.write', 'bookings.checkin', 'billing.read', 'billing.write',
    'stock.read', 'stock.write', 'purchasing.read', 'purchasing.write', 'operations.manage', 'orders.read', 'orders.write', 'orders.fulfil', 'orders.override', 'sync.read', 'sync.conflicts',
  ],
  'it-admin': ['staff.manage', 'clinics.enrol', 'devices.manage', 'settings.manage', 'backup.manage', 'audit.read', 'sync.read', 'sync.manage'],
};

/** Roles that sign in with a second factor unless the clinic's IT admins decide otherwise. */
export const DEFAULT_TWO_FACTOR_ROLES: readonly StaffRole[] = ['doctor', 'it-admin'];

/** Permissions that reach patient data (demographics, clinical, or records that name a patient). */
export const PATIENT_DATA_PERMISSIONS: readonly Permission[] = [
  'patients.demographics.read', 'patients.demographics.write', 'clinical.read', 'clinical.write', 'assessments.signoff',
  // Bookings, invoices, prescription orders and patient supply orders name patients.
  'bookings.read', 'bookings.write', 'bookings.checkin', 'billing.read', 'billing.write', 'prescriptions.read', 'prescriptions.write',
  // Overwritten edits show the values that were replaced.
  'sync.conflicts',
  'reports.export',
  'orders.read', 'orders.write', 'orders.fulfil', 'orders.override',
];

/** True when `role` grants any patient data (nurse, doctor, manager): such a role is never self-granted. */
export function seesPatientData(role: StaffRole): boolean {
  return PATIENT_DATA_PERMISSIONS.some((p) => can([role], p));
}

/** True when any of `roles` grants `permission`. Unknown roles grant nothing. */
export function can(roles: readonly StaffRole[], permission: Permission): boolean {
  return roles.some((role) => PERMISSION_MATRIX[role]?.includes(permission) ?? false);
}

/** Everything `roles` may do together (for the UI to hide what it cannot use). */
export function permissionsOf(roles: readonly StaffRole[]): Permission[] {
  return PERMISSIONS.filter((p) => can(roles, p));
}
