/**
 * The sync contract between a workstation (main/sync) and the hosted service (server/): enrolment,
 * push, pull, the reasons a mutation is rejected, and what the Sync panel shows. Both sides parse
 * with these schemas; nothing else crosses the wire.
 *
 * Push: a device's mutations in order, each a named command (name, args, who, when) with the row
 * changes it made on the workstation (`effects`). The service applies them in order, exactly once,
 * recording the last applied id in the same transaction; a replay is answered from its log, a gap is
 * refused, a rejected mutation still advances the id and keeps its reason.
 * Pull: every row that changed since the cursor, in the service's order, a page at a time.
 */
import { z } from 'zod';
import { SYNCED_TABLE_NAMES } from './sync-tables';

export const SYNC_PROTOCOL = 1;
/** A device sends at most this many mutations per push (it sends 100). */
export const MAX_PUSH_MUTATIONS = 500;
export const MAX_EFFECTS_PER_MUTATION = 2_000;
export const MAX_PULL_LIMIT = 1_000;

const COLUMN_NAME = /^[a-z][a-z0-9_]{0,62}$/;
/** A cell: text (≤ 100,000 characters), a finite number, true/false, null, or a list of ≤ 16 short texts (roles). */
export type SyncCell = string | number | boolean | null | string[];
const isCell = (v: unknown): boolean =>
  v === null ||
  typeof v === 'boolean' ||
  (typeof v === 'number' && Number.isFinite(v)) ||
  (typeof v === 'string' && v.length <= 100_000) ||
  (Array.isArray(v) && v.length <= 16 && v.every((x) => typeof x === 'string' && x.length <= 64));
/** A plain object whose every own key is a column name and every value a cell (no prototype tricks: "__proto__" is no column name). */
export function isSyncRow(v: unknown): v is Record<string, SyncCell> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) return false;
  for (const key of Object.keys(v)) if (!COLUMN_NAME.test(key) || !isCell((v as Record<string, unknown>)[key])) return false;
  return true;
}
/**
 * One row of a synced table: its synced columns, SQL names, plain JSON values. One check over the
 * object instead of zod's per-key record and per-cell union: a push of 100 mutations carries a few
 * thousand cells, and this is 15× cheaper (bench/sync).
 */
export const rowSchema = z.custom<Record<string, SyncCell>>(isSyncRow, 'A row is an object of column names (a–z, 0–9, _) to text, finite numbers, true/false, null or lists of short texts.');
export type SyncRow = z.infer<typeof rowSchema>;

export const syncedTableNameSchema = z.enum(SYNCED_TABLE_NAMES as [string, ...string[]]);
const rowKey = z.string().min(1).max(200);

/** One row a command inserted, updated or deleted, with the row as the workstation saw it before and after. */
export const effectSchema = z.object({
  table: syncedTableNameSchema,
  key: rowKey,
  op: z.enum(['insert', 'update', 'delete']),
  before: rowSchema.nullable(),
  after: rowSchema.nullable(),
});
export type Effect = z.infer<typeof effectSchema>;

export const mutationSchema = z.object({
  /** Monotonic per device, from 1. */
  id: z.number().int().min(1),
  commandId: z.string().min(1).max(64),
  name: z.string().min(1).max(100),
  args: z.unknown(),
  actorId: z.string().min(1).max(64),
  issuedAt: z.number().int().nonnegative(),
  /** Null for commands queued before the workstation captured row changes (its enrolment snapshot covers them). */
  effects: z.array(effectSchema).max(MAX_EFFECTS_PER_MUTATION).nullable(),
});
export type Mutation = z.infer<typeof mutationSchema>;

export const pushInputSchema = z.object({ mutations: z.array(mutationSchema).min(1).max(MAX_PUSH_MUTATIONS) });
export type PushInput = z.infer<typeof pushInputSchema>;

/** Why the service refused a mutation (it still counts as applied: the queue moves on). */
export const REJECTION_CODES = ['INVALID', 'FORBIDDEN', 'UNKNOWN_COMMAND', 'INVALID_TRANSITION', 'INSUFFICIENT_STOCK', 'OVER_LIMIT', 'OVERPAYMENT', 'DUPLICATE', 'NOT_FOUND', 'APPEND_ONLY'] as const;
export type RejectionCode = (typeof REJECTION_CODES)[number];

/** What the manager should do about a rejected change, per reason (the Sync panel shows it beside the reason). */
export const REJECTION_ADVICE: Record<RejectionCode, string> = {
  INVALID: 'The service could not read this change (a workstation update may be due). Install the latest version, then make the change again.',
  FORBIDDEN: 'The person who made it no longer has the role it needs. Ask someone who has to make it.',
  UNKNOWN_COMMAND: 'The service does not know this kind of change yet. Update the service or the workstation, then make it again.',
  INVALID_TRANSITION: 'Another workstation changed the same record first (for example cancelled or checked it in). Look at it as it is now and redo your change if it still applies.',
  INSUFFICIENT_STOCK: 'Other workstations used or wrote off the same stock first. Check the lot on hand and record what was really used.',
  OVER_LIMIT: 'Together with another workstation this goes past what was ordered or prescribed. Check the order and correct it.',
  OVERPAYMENT: 'Another workstation recorded a payment on the same invoice first. Check the balance before taking money again.',
  DUPLICATE: 'Another workstation already created one with the same number or code. Use the existing one, or pick another number or code.',
  NOT_FOUND: 'It refers to something the service does not have (it was refused or never synced). Create it again, then redo this change.',
  APPEND_ONLY: 'Stock movements, payments and credit notes are never changed once made. Record a correction instead.',
};

export const mutationResultSchema = z.object({
  id: z.number().int(),
  status: z.enum(['applied', 'rejected']),
  code: z.enum(REJECTION_CODES).optional(),
  /** Words only: names the record kind and field, never a patient. */
  reason: z.string().max(1000).optional(),
  /** Rows of an enrolment snapshot the service did not take (a clash with another workstation's). */
  skipped: z.array(z.object({ table: z.string(), key: z.string(), code: z.enum(REJECTION_CODES), reason: z.string().max(1000) })).max(MAX_EFFECTS_PER_MUTATION).optional(),
});
export type MutationResult = z.infer<typeof mutationResultSchema>;

export const pushOutputSchema = z.object({
  results: z.array(mutationResultSchema),
  /** The device's last applied mutation id on the service after this push. */
  lastMutationId: z.number().int().nonnegative(),
  /** The clinic's version after this push: a pull with `minVersion` reads at least this (read-your-writes). */
  version: z.number().int().nonnegative(),
});
export type PushOutput = z.infer<typeof pushOutputSchema>;

/** An opaque, resumable position in the clinic's change stream. */
export const cursorSchema = z.string().regex(/^v1\.\d{1,15}$/);

export const pullInputSchema = z.object({
  cursor: cursorSchema.nullable(),
  limit: z.number().int().min(1).max(MAX_PULL_LIMIT).default(500),
  /** Read at least this version (the pushing device's own writes), from the primary if a replica lags. */
  minVersion: z.number().int().nonnegative().default(0),
});
export type PullInput = z.input<typeof pullInputSchema>;

export const changeSchema = z.object({
  table: z.string().regex(/^[a-z_]{1,64}$/),
  key: rowKey,
  version: z.number().int().positive(),
  /** The row no longer exists on the service (a refused insert, reset on every workstation). */
  deleted: z.boolean(),
  row: rowSchema.nullable(),
});
export type Change = z.infer<typeof changeSchema>;

export const pullOutputSchema = z.object({
  changes: z.array(changeSchema),
  cursor: cursorSchema,
  /** More pages follow. */
  more: z.boolean(),
  /** The clinic's version when this page was read. */
  head: z.number().int().nonnegative(),
});
export type PullOutput = z.infer<typeof pullOutputSchema>;

export function encodeCursor(version: number): string {
  return `v1.${version}`;
}
export function decodeCursor(cursor: string | null): number {
  if (cursor === null) return 0;
  return Number(cursorSchema.parse(cursor).slice(3));
}

// ---- enrolment and credentials ------------------------------------------------------------------

/** Shown once by the service's operator; typed by the clinic's IT admin. Groups of 4, Crockford base32. */
export const enrolmentCodeSchema = z
  .string()
  .trim()
  .toUpperCase()
  .transform((s) => s.replace(/[\s-]/g, ''))
  .pipe(z.string().regex(/^[0-9A-HJKMNP-TV-Z]{16}$/, 'An enrolment code is 16 letters and digits, e.g. K7QD-3M9X-PT2A-HV8R'));

export const deviceIdSchema = z.string().regex(/^[0-9A-Za-z-]{10,64}$/);

export const enrolInputSchema = z.object({
  code: enrolmentCodeSchema,
  deviceId: deviceIdSchema,
  /** The workstation's name as IT knows it (no patient data). */
  label: z.string().trim().min(1).max(100),
  protocol: z.literal(SYNC_PROTOCOL),
});
export type EnrolInput = z.input<typeof enrolInputSchema>;

export const enrolOutputSchema = z.object({
  clinicId: z.uuid(),
  clinicName: z.string(),
  deviceId: deviceIdSchema,
  /** The device credential; the workstation keeps it in its OS keychain only. */
  token: z.string().min(40).max(300),
  /** Mutations of this device the service already applied (a device enrolled again keeps its place). */
  lastMutationId: z.number().int().nonnegative(),
});
export type EnrolOutput = z.infer<typeof enrolOutputSchema>;

/** Rotation: the workstation makes the next secret, stores it, and sends its hash; the old one works until the new one is used. */
export const rotateInputSchema = z.object({ nextSecretSha256: z.string().regex(/^[0-9a-f]{64}$/) });

/** `cw1.<clinic uuid>.<device id>.<secret>`: the service finds the clinic and device without reading any other clinic's rows. */
export const DEVICE_TOKEN = /^cw1\.([0-9a-f-]{36})\.([0-9A-Za-z-]{10,64})\.([A-Za-z0-9_-]{43})$/;

export const deviceStatusSchema = z.object({
  clinicId: z.uuid(),
  clinicName: z.string(),
  deviceId: z.string(),
  lastMutationId: z.number().int().nonnegative(),
  version: z.number().int().nonnegative(),
});

/** Error codes the service returns (as `data.appCode`), besides tRPC's own. */
export const SERVICE_ERROR_CODES = [
  'UNAUTHENTICATED',
  'DEVICE_REVOKED',
  'ENROLMENT_CODE_INVALID',
  'MUTATION_GAP',
  'DEVICE_BEHIND',
  'RATE_LIMITED',
  'PROTOCOL_MISMATCH',
  'CLINIC_NOT_FOUND',
] as const;
export type ServiceErrorCode = (typeof SERVICE_ERROR_CODES)[number];

// ---- the workstation's Sync panel ------------------------------------------------------------------

export const SYNC_STATES = ['not_enrolled', 'connected', 'offline', 'revoked', 'error'] as const;
export const syncStatusSchema = z.object({
  state: z.enum(SYNC_STATES),
  serviceUrl: z.string().nullable(),
  clinicName: z.string().nullable(),
  deviceId: z.string(),
  enrolledAt: z.number().nullable(),
  lastSyncAt: z.number().nullable(),
  /** Local changes not yet accepted by the service. */
  queued: z.number().int(),
  rejected: z.number().int(),
  overwritten: z.number().int(),
  lastError: z.object({ code: z.string(), message: z.string(), at: z.number() }).nullable(),
  nextAttemptAt: z.number().nullable(),
  credentialRotatedAt: z.number().nullable(),
});
export type SyncStatus = z.infer<typeof syncStatusSchema>;

export const rejectedChangeSchema = z.object({
  mutationId: z.number().int(),
  commandId: z.string(),
  name: z.string(),
  /** What was changed, in words ("Book appointment"). */
  label: z.string(),
  issuedAt: z.number(),
  code: z.enum(REJECTION_CODES),
  reason: z.string(),
  advice: z.string(),
  /** Rows kept on this workstation although the service refused them (never deleted: patients, staff). */
  keptLocally: z.number().int(),
});
export type RejectedChange = z.infer<typeof rejectedChangeSchema>;

export const overwrittenEditSchema = z.object({
  id: z.string(),
  table: z.string(),
  rowKey: z.string(),
  field: z.string(),
  overwritten: z.unknown(),
  value: z.unknown(),
  byDevice: z.string(),
  at: z.number(),
});
export type OverwrittenEdit = z.infer<typeof overwrittenEditSchema>;

export const enrolWorkstationSchema = z.object({
  serviceUrl: z
    .url({ error: 'Enter the service address, e.g. https://sync.coherency.example' })
    .refine((u) => /^https:\/\//.test(u) || /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/.test(u), 'Use https:// (plain http only for a service on this computer)'),
  code: enrolmentCodeSchema,
  /** PEM of the certificate authority that signed the service's certificate, when it is not a public one. */
  caPem: z.string().trim().max(20_000).regex(/^-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----$/, 'Paste a PEM certificate (-----BEGIN CERTIFICATE----- …)').nullable().default(null),
});
export type EnrolWorkstationInput = z.input<typeof enrolWorkstationSchema>;
