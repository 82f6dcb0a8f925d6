/**
 * Shapes of the clinic record that cross process boundaries (renderer ↔ main via tRPC).
 * The tables live in main/records/schema/; a test there checks these shapes stay in step with them.
 */
import { z } from 'zod';
import { staffRoleSchema } from './permissions';

export const idSchema = z.string().min(10).max(64).regex(/^[0-9A-Za-z-]+$/, 'not an id');
/** Calendar date, YYYY-MM-DD. */
export const isoDateSchema = z.iso.date({ error: 'Enter a date (day, month and year)' });
/** Unix epoch milliseconds. */
export const epochMsSchema = z.number().int().nonnegative();

export const SEXES = ['female', 'male', 'other', 'unknown'] as const;
export const sexSchema = z.enum(SEXES);

export const WOUND_ETIOLOGIES = ['diabetic_foot_ulcer', 'venous_leg_ulcer', 'pressure_injury', 'surgical', 'burn', 'other'] as const;
export const woundEtiologySchema = z.enum(WOUND_ETIOLOGIES);
export type WoundEtiology = z.infer<typeof woundEtiologySchema>;

/** NPIAP pressure-injury stages. */
export const PRESSURE_INJURY_STAGES = ['1', '2', '3', '4', 'unstageable', 'deep_tissue'] as const;
export const pressureInjuryStageSchema = z.enum(PRESSURE_INJURY_STAGES);

export const WOUND_STATUSES = ['open', 'healed', 'closed'] as const;
export const woundStatusSchema = z.enum(WOUND_STATUSES);

export const LATERALITIES = ['left', 'right', 'bilateral', 'midline'] as const;
export const lateralitySchema = z.enum(LATERALITIES);

export const SCAN_FORMATS = ['ply', 'las', 'laz', 'xyz', 'pts', 'obj', 'e57'] as const;
export const SCAN_STATUSES = ['received', 'indexing', 'ready', 'failed'] as const;
export const ASSESSMENT_METHODS = ['automatic', 'edited', 'manual'] as const;

// ---- patients -------------------------------------------------------------------------------

const name = z.string().trim().min(1, 'Required').max(200, 'At most 200 characters');

/**
 * What the record refuses as impossible (issue 21, point 4). The rules are written once here, for
 * the form (errors next to each field) and the API alike; README "Patients" documents them.
 *
 * - MRN: 4 to 32 characters, letters, digits and - / . only (no spaces). Clinic MRNs are longer
 *   than 3 characters; a 2-character "MRN" is a typing slip.
 * - Date of birth: a real calendar date, not in the future, and at most 130 years ago.
 * - Phone: digits with the usual separators (spaces, + ( ) - . /), 6 to 15 digits (E.164 allows
 *   15), and an optional extension ("x 123" or "ext. 123"). Letters are refused ("abc").
 */
export const MRN_RULE = { min: 4, max: 32, pattern: /^[A-Za-z0-9./-]+$/ } as const;
export const MAX_AGE_YEARS = 130;

export const mrnSchema = z
  .string()
  .trim()
  .min(1, 'Enter the MRN')
  .min(MRN_RULE.min, `An MRN has at least ${MRN_RULE.min} characters`)
  .max(MRN_RULE.max, `An MRN has at most ${MRN_RULE.max} characters`)
  .regex(MRN_RULE.pattern, 'Letters, digits and - / . only (no spaces)');

/** Today's calendar date where this code runs (the workstation: renderer and main share its clock). */
export function localIsoDate(at: number = Date.now()): string {
  const d = new Date(at);
  return `${String(d.getFullYear()).padStart(4, '0')}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

export const dateOfBirthSchema = isoDateSchema
  .refine((d) => d <= localIsoDate(), 'The date of birth cannot be in the future')
  .refine((d) => {
    const today = localIsoDate();
    return d >= `${String(Number(today.slice(0, 4)) - MAX_AGE_YEARS).padStart(4, '0')}${today.slice(4)}`;
  }, `The date of birth is more than ${MAX_AGE_YEARS} years ago`);

const PHONE = /^\+?\(?[0-9][0-9 ()./-]*(?:\s*(?:x|ext\.?)\s*[0-9]{1,6})?$/i;
export const phoneSchema = z
  .string()
  .trim()
  .max(64, 'At most 64 characters')
  .refine((p) => PHONE.test(p), 'Enter a phone number: digits, spaces and + ( ) - only')
  .refine((p) => {
    const digits = p.replace(/\s*(?:x|ext\.?)\s*[0-9]{1,6}$/i, '').replace(/[^0-9]/g, '').length;
    return digits >= 6 && digits <= 15;
  }, 'A phone number has 6 to 15 digits');

const patientFields = z.object({
  mrn: mrnSchema,
  givenName: name,
  familyName: name,
  dateOfBirth: dateOfBirthSchema,
  sex: sexSchema,
  phone: phoneSchema.nullable(),
  email: z.email('Invalid email address').max(254, 'At most 254 characters').nullable(),
  address: z.string().trim().max(1000, 'At most 1,000 characters').nullable(),
});

export const patientInputSchema = patientFields.extend({
  phone: patientFields.shape.phone.default(null),
  email: patientFields.shape.email.default(null),
  address: patientFields.shape.address.default(null),
});
export type PatientInput = z.input<typeof patientInputSchema>;

/** Only the fields given change (no defaults here, so an update never blanks a field it does not name). */
export const patientUpdateSchema = patientFields.partial();
export type PatientUpdate = z.input<typeof patientUpdateSchema>;

/**
 * A stored patient as it leaves the record. The field rules above apply to what is written now;
 * a row saved before a rule existed (a 3-character MRN, say) is still returned as it is, and the
 * form asks for a valid value only when someone edits it.
 */
export const patientSchema = patientFields.extend({
  mrn: z.string(),
  dateOfBirth: z.string(),
  phone: z.string().nullable(),
  email: z.string().nullable(),
  id: idSchema,
  createdAt: epochMsSchema,
  updatedAt: epochMsSchema,
});
export type Patient = z.infer<typeof patientSchema>;

export const patientSearchSchema = z.object({
  /** Any part of the family or given name, the displayed "Family, Given", or any part of the MRN; case and accents ignored. */
  query: z.string().trim().min(1).max(200),
  limit: z.number().int().min(1).max(100).default(25),
  /** Opaque cursor from the previous page. */
  cursor: z.string().max(500).nullable().default(null),
});
export type PatientSearch = z.input<typeof patientSearchSchema>;

export const patientPageSchema = z.object({ items: z.array(patientSchema), nextCursor: z.string().nullable() });
export type PatientPage = z.infer<typeof patientPageSchema>;

// ---- wounds ---------------------------------------------------------------------------------

const woundFields = z.object({
  patientId: idSchema,
  bodySite: z.string().trim().min(1, 'Enter the body site').max(200, 'At most 200 characters'),
  laterality: lateralitySchema.nullable(),
  etiology: woundEtiologySchema,
  pressureStage: pressureInjuryStageSchema.nullable(),
  onsetDate: isoDateSchema.nullable(),
  status: woundStatusSchema,
});

const stageOnlyForPressure = (w: { etiology?: WoundEtiology; pressureStage?: string | null }): boolean => !w.pressureStage || w.etiology === 'pressure_injury';
const stageMessage = { message: 'pressureStage applies only to pressure injuries', path: ['pressureStage'] };

export const woundInputSchema = woundFields
  .extend({
    laterality: woundFields.shape.laterality.default(null),
    pressureStage: woundFields.shape.pressureStage.default(null),
    onsetDate: woundFields.shape.onsetDate.default(null),
    status: woundFields.shape.status.default('open'),
  })
  .refine(stageOnlyForPressure, stageMessage);
export type WoundInput = z.input<typeof woundInputSchema>;

/** Only the fields given change; the merged wound is checked again by the repository. */
export const woundUpdateSchema = woundFields.omit({ patientId: true }).partial();
export type WoundUpdate = z.input<typeof woundUpdateSchema>;

export const woundSchema = woundFields.extend({ id: idSchema, createdAt: epochMsSchema, updatedAt: epochMsSchema });
export type Wound = z.infer<typeof woundSchema>;

// ---- staff ----------------------------------------------------------------------------------

export const usernameSchema = z
  .string()
  .trim()
  .min(2, 'At least 2 characters')
  .max(64, 'At most 64 characters')
  .regex(/^[a-zA-Z0-9._-]+$/, 'Letters, digits, dot, dash and underscore only')
  .transform((s) => s.toLowerCase());

/** At least 12 characters; length beats composition rules (NIST SP 800-63B). */
export const passwordSchema = z.string().min(12, 'At least 12 characters').max(1024, 'At most 1,024 characters');

export const staffInputSchema = z.object({
  username: usernameSchema,
  displayName: z.string().trim().min(1, 'Enter the name').max(200, 'At most 200 characters'),
  password: passwordSchema,
  roles: z.array(staffRoleSchema).min(1).max(4),
});
export type StaffInput = z.input<typeof staffInputSchema>;

export const staffUpdateSchema = z.object({
  displayName: z.string().trim().min(1).max(200).optional(),
  roles: z.array(staffRoleSchema).min(1).max(4).optional(),
});
export type StaffUpdate = z.input<typeof staffUpdateSchema>;

/** What leaves main about a staff member: never the password hash. */
export const staffMemberSchema = z.object({
  id: idSchema,
  username: z.string(),
  displayName: z.string(),
  roles: z.array(staffRoleSchema),
  disabled: z.boolean(),
  lockedUntil: epochMsSchema.nullable(),
  lastLoginAt: epochMsSchema.nullable(),
  createdAt: epochMsSchema,
  updatedAt: epochMsSchema,
});
export type StaffMember = z.infer<typeof staffMemberSchema>;

// ---- clinics --------------------------------------------------------------------------------

export const clinicSummarySchema = z.object({ id: idSchema, name: z.string().min(1).max(200) });
export type ClinicSummary = z.infer<typeof clinicSummarySchema>;

export const enrolClinicInputSchema = z.object({
  name: z.string().trim().min(1, 'Enter the clinic name').max(200, 'At most 200 characters'),
  admin: z.object({ username: usernameSchema, displayName: z.string().trim().min(1, 'Enter the name').max(200, 'At most 200 characters'), password: passwordSchema }),
});
export type EnrolClinicInput = z.input<typeof enrolClinicInputSchema>;
