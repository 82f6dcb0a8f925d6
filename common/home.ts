/**
 * What each role sees first (issue 21, point 8): the shapes of the home screen's tiles.
 * Nurse: today's patients and scans waiting in Incoming. Doctor: assessments awaiting sign-off.
 * Manager: the clinic's patients as they stand (bookings, stock and billing tiles join when clinic
 * operations land). IT: the workstation's health. No tile shows more than its role may read.
 */
import { z } from 'zod';
import { BACKUP_HEALTH } from './backups';
import { epochMsSchema, idSchema } from './records';

/** Why a patient is on today's list; `booking` comes from the appointments table (clinic operations). */
export const TODAY_REASONS = ['booking', 'scan', 'assessment', 'opened'] as const;
export type TodayReason = (typeof TODAY_REASONS)[number];

export const homePatientSchema = z.object({
  id: idSchema,
  mrn: z.string(),
  givenName: z.string(),
  familyName: z.string(),
  dateOfBirth: z.string(),
});
export type HomePatient = z.infer<typeof homePatientSchema>;

export const todayInputSchema = z
  .object({
    /** The start of the user's day (local midnight) and its end, epoch ms; at most 48 h apart. */
    from: epochMsSchema,
    to: epochMsSchema,
  })
  .refine((r) => r.to > r.from && r.to - r.from <= 48 * 3_600_000, 'A day is at most 48 hours long');

export const todayPatientSchema = z.object({
  patient: homePatientSchema,
  /** Newest first: what brought the patient onto today's list, and when. */
  reasons: z.array(z.object({ kind: z.enum(TODAY_REASONS), at: epochMsSchema })),
});
export type TodayPatient = z.infer<typeof todayPatientSchema>;

export const awaitingSignOffSchema = z.object({
  assessmentId: idSchema,
  woundId: idSchema,
  patient: homePatientSchema,
  bodySite: z.string(),
  measuredAt: epochMsSchema,
  measuredBy: z.string().nullable(),
  areaCm2: z.number().nullable(),
});
export type AwaitingSignOff = z.infer<typeof awaitingSignOffSchema>;

export const managerOverviewSchema = z.object({
  patients: z.number().int().nonnegative(),
  /** Registered in the last 7 days, newest first (at most 10). */
  newPatients: z.array(homePatientSchema.extend({ createdAt: epochMsSchema })),
  newPatientsCount: z.number().int().nonnegative(),
  /** Neither phone nor email: reminders and invoices cannot reach them (at most 10). */
  withoutContact: z.array(homePatientSchema),
  withoutContactCount: z.number().int().nonnegative(),
  /** Appointments today (0 until bookings are made). */
  bookingsToday: z.number().int().nonnegative(),
});
export type ManagerOverview = z.infer<typeof managerOverviewSchema>;

export const workstationHealthSchema = z.object({
  receiver: z.object({ running: z.boolean(), owner: z.enum(['this-clinic', 'other-clinic']).nullable(), port: z.number().nullable(), pairedTablets: z.number().int().nonnegative() }),
  backups: z.object({ health: z.enum(BACKUP_HEALTH), lastGoodAt: epochMsSchema.nullable(), maxAgeHours: z.number(), everyHours: z.number().nullable(), scheduled: z.boolean(), lastError: z.string().nullable() }),
  model: z.object({ name: z.string(), version: z.string(), source: z.enum(['bundled', 'installed']), ok: z.boolean(), problem: z.string().nullable() }),
  sync: z.object({ configured: z.boolean(), note: z.string() }),
  disk: z.object({ freeBytes: z.number().nonnegative(), totalBytes: z.number().nonnegative() }).nullable(),
});
export type WorkstationHealth = z.infer<typeof workstationHealthSchema>;
