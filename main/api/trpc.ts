/**
 * The only place initTRPC is called (STYLE habit 7). Every procedure is built from one of the
 * base procedures exported here, and each carries `meta.access`: 'public', 'signed-in' or the
 * permission it needs. The router-walk test fails for a procedure without a rule.
 */
import { initTRPC, TRPCError } from '@trpc/server';
import { ZodError } from 'zod';
import type { Permission } from '../../common/permissions';
import type { Context } from './context';
import type { StreamGuard } from './event-stream';
import type { OpenClinic } from '../app/index';

export type Access = 'public' | 'signed-in' | Permission;
export interface Meta {
  access: Access;
}

/** Our error classes carry a `code`; it reaches the UI as `data.appCode`. */
function appCodeOf(cause: unknown): string | undefined {
  if (cause && typeof cause === 'object' && 'code' in cause && typeof (cause as { code: unknown }).code === 'string') {
    return (cause as { code: string }).code;
  }
  return undefined;
}

const t = initTRPC
  .context<Context>()
  .meta<Meta>()
  .create({
    errorFormatter({ shape, error }) {
      const appCode = appCodeOf(error.cause);
      const zod = error.cause instanceof ZodError ? error.cause.issues.map((i) => ({ path: i.path.map(String), message: i.message })) : undefined;
      return { ...shape, data: { ...shape.data, stack: undefined, ...(appCode ? { appCode } : {}), ...(zod ? { issues: zod } : {}) } };
    },
  });

/** Service errors → tRPC codes, once, at the boundary (STYLE habit 5). */
const TRPC_CODE_BY_APP_CODE: Record<string, TRPCError['code']> = {
  INVALID_CREDENTIALS: 'UNAUTHORIZED',
  ACCOUNT_LOCKED: 'UNAUTHORIZED',
  ACCOUNT_DISABLED: 'UNAUTHORIZED',
  SESSION_INVALID: 'UNAUTHORIZED',
  SESSION_LOCKED: 'UNAUTHORIZED',
  SESSION_EXPIRED: 'UNAUTHORIZED',
  FORBIDDEN: 'FORBIDDEN',
  SELF_GRANT_REFUSED: 'FORBIDDEN',
  SECOND_FACTOR_INVALID: 'UNAUTHORIZED',
  SECOND_FACTOR_REPLAYED: 'UNAUTHORIZED',
  SECOND_FACTOR_REQUIRED: 'UNAUTHORIZED',
  SIGN_IN_EXPIRED: 'UNAUTHORIZED',
  TWO_FACTOR_NOT_ENROLLED: 'PRECONDITION_FAILED',
  TWO_FACTOR_ENROLMENT_NOT_STARTED: 'PRECONDITION_FAILED',
  TWO_FACTOR_SELF_RESET_REFUSED: 'FORBIDDEN',
  ENROL_REFUSED: 'FORBIDDEN',
  SELF_CHANGE_UNCONFIRMED: 'PRECONDITION_FAILED',
  LAST_ADMIN: 'CONFLICT',
  NOT_FOUND: 'NOT_FOUND',
  RECORD_EXISTS: 'CONFLICT',
  CONFLICT: 'CONFLICT',
  ASSESSMENT_SIGNED: 'CONFLICT',
  ASSESSMENT_VOIDED: 'CONFLICT',
  REQUEST_ID_REUSED: 'CONFLICT',
  VOID_REASON_MISSING: 'BAD_REQUEST',
  CLINIC_NOT_ENROLLED: 'NOT_FOUND',
  BACKUP_PASSWORD: 'BAD_REQUEST',
  BACKUP_PASSWORD_SHORT: 'BAD_REQUEST',
  BACKUP_WRONG_PASSWORD: 'BAD_REQUEST',
  BACKUP_NOT_A_BACKUP: 'BAD_REQUEST',
  BACKUP_TRUNCATED: 'BAD_REQUEST',
  BACKUP_CORRUPT: 'BAD_REQUEST',
  BACKUP_OTHER_CLINIC: 'FORBIDDEN',
  BACKUP_FROM_FUTURE: 'BAD_REQUEST',
  BACKUP_EXISTS: 'CONFLICT',
  BACKUP_NOT_FOUND: 'NOT_FOUND',
  BACKUP_BUSY: 'CONFLICT',
  BACKUP_FOLDER_INVALID: 'BAD_REQUEST',
  BACKUP_SCHEDULE_PASSWORD: 'BAD_REQUEST',
  BACKUP_SCHEDULE_MISSING: 'PRECONDITION_FAILED',
  KEYCHAIN_UNAVAILABLE: 'PRECONDITION_FAILED',
  MANIFEST_INVALID: 'BAD_REQUEST',
  MODEL_SHA256_MISMATCH: 'BAD_REQUEST',
  MODEL_CORRUPT: 'BAD_REQUEST',
  MODEL_MISSING: 'BAD_REQUEST',
  INPUT_SHAPE: 'BAD_REQUEST',
  PROVIDER_UNAVAILABLE: 'BAD_REQUEST',
  MODEL_EXISTS: 'CONFLICT',
  UPLOAD_NOT_FOUND: 'NOT_FOUND',
  UPLOAD_OUT_OF_ORDER: 'CONFLICT',
  UPLOAD_TOO_LONG: 'BAD_REQUEST',
  UPLOAD_INCOMPLETE: 'BAD_REQUEST',
  NOT_SIGNED_OFF: 'PRECONDITION_FAILED',
  ALREADY_AMENDED: 'CONFLICT',
  NOT_SAME_WOUND: 'BAD_REQUEST',
  SCAN_UNREADABLE: 'PRECONDITION_FAILED',
  COMPARISON_NOT_READY: 'PRECONDITION_FAILED',
  UPLOAD_QUOTA: 'TOO_MANY_REQUESTS',
  // clinic operations (main/commands, bookings, stock, purchasing, billing)
  UNKNOWN_COMMAND: 'NOT_FOUND',
  COMMAND_ID_REUSED: 'CONFLICT',
  INVALID_TRANSITION: 'CONFLICT',
  BOOKING_CONFLICT: 'CONFLICT',
  NOT_HOME_CARE: 'BAD_REQUEST',
  NOT_A_CLINICIAN: 'BAD_REQUEST',
  ADDRESS_REQUIRED: 'BAD_REQUEST',
  NO_OCCURRENCES: 'BAD_REQUEST',
  NOT_IN_SERIES: 'BAD_REQUEST',
  INSUFFICIENT_STOCK: 'CONFLICT',
  LOT_EXPIRED: 'CONFLICT',
  PRESCRIPTION_REQUIRED: 'PRECONDITION_FAILED',
  PRESCRIPTION_INVALID: 'PRECONDITION_FAILED',
  LOT_MISMATCH: 'BAD_REQUEST',
  SKU_TAKEN: 'CONFLICT',
  VISIT_MISMATCH: 'BAD_REQUEST',
  ORDER_LOCKED: 'CONFLICT',
  REMAINDER_DECISION_REQUIRED: 'PRECONDITION_FAILED',
  OVER_RECEIPT: 'BAD_REQUEST',
  EMPTY_ORDER: 'BAD_REQUEST',
  INVOICE_LOCKED: 'CONFLICT',
  INVOICE_EMPTY: 'BAD_REQUEST',
  OVERPAYMENT: 'BAD_REQUEST',
  OVER_CREDIT: 'BAD_REQUEST',
  INVOICE_HAS_PAYMENTS: 'CONFLICT',
  NO_COVERAGE: 'PRECONDITION_FAILED',
  CLAIM_EXISTS: 'CONFLICT',
  UNKNOWN_CURRENCY: 'BAD_REQUEST',
  CODE_TAKEN: 'CONFLICT',
  // self-update (main/updates)
  UPDATE_NOT_SUPPORTED: 'PRECONDITION_FAILED',
  UPDATE_FEED_UNREACHABLE: 'PRECONDITION_FAILED',
  UPDATE_FILE_HASH_MISMATCH: 'PRECONDITION_FAILED',
  UPDATE_FILE_INCOMPLETE: 'PRECONDITION_FAILED',
  // sync with the hosted service (main/sync)
  NOT_ENROLLED: 'PRECONDITION_FAILED',
  ALREADY_ENROLLED: 'CONFLICT',
  SERVICE_UNREACHABLE: 'SERVICE_UNAVAILABLE',
  SERVICE_REFUSED: 'BAD_GATEWAY',
  SERVICE_RATE_LIMITED: 'TOO_MANY_REQUESTS',
  CREDENTIAL_MISSING: 'PRECONDITION_FAILED',
  DEVICE_REVOKED: 'PRECONDITION_FAILED',
  ENROLMENT_CODE_INVALID: 'BAD_REQUEST',
  // annotations and reports (issue 18)
  KIND_CHANGED: 'BAD_REQUEST',
  OFF_SURFACE: 'BAD_REQUEST',
  NOTHING_TO_REPORT: 'PRECONDITION_FAILED',
  SNAPSHOT_INVALID: 'BAD_REQUEST',
  FHIR_INVALID: 'BAD_REQUEST',
  STOCK_RESERVED: 'CONFLICT',
  // patient supply orders (main/orders)
  NOT_SUPPLIABLE: 'BAD_REQUEST',
  CAREGIVER_REQUIRED: 'BAD_REQUEST',
  OVERRIDE_REFUSED: 'FORBIDDEN',
  OVER_RETURN: 'BAD_REQUEST',
};

const translateErrors = t.middleware(async ({ ctx, next }) => {
  // A call the transport did not trust never reaches a procedure (main/electron/ipc-sender.ts).
  if (ctx.senderRefused) throw new TRPCError({ code: 'FORBIDDEN', message: `Refused: ${ctx.senderRefused}` });
  const result = await next();
  if (!result.ok) {
    const cause = result.error.cause;
    if (cause instanceof ZodError) throw new TRPCError({ code: 'BAD_REQUEST', message: 'Some fields are not valid.', cause });
    const appCode = appCodeOf(cause);
    const code = appCode ? TRPC_CODE_BY_APP_CODE[appCode] : undefined;
    if (code && result.error.code === 'INTERNAL_SERVER_ERROR') throw new TRPCError({ code, message: result.error.message, cause });
  }
  return result;
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Needs no sign-in: app version, clinics on this workstation, enrolment, sign-in. Never patient data. */
export const publicProcedure = t.procedure.use(translateErrors).meta({ access: 'public' });

export interface SignedInContext {
  clinic: OpenClinic;
  token: string;
  actor: { id: string; roles: Array<'nurse' | 'doctor' | 'manager' | 'it-admin'> };
}

const requireSession = t.middleware(async ({ ctx, next }) => {
  const bound = ctx.services.workstation.connection(ctx.connectionId);
  if (!bound) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in first.' });
  const clinic = await ctx.services.workstation.clinic(bound.clinicId);
  try {
    const session = clinic.auth.session(bound.token);
    return next({ ctx: { clinic, token: bound.token, actor: { id: session.staffId, roles: session.roles } } satisfies SignedInContext });
  } catch (error) {
    const code = appCodeOf(error);
    if (code === 'SESSION_INVALID' || code === 'SESSION_EXPIRED') ctx.services.workstation.unbind(ctx.connectionId);
    throw new TRPCError({ code: 'UNAUTHORIZED', message: error instanceof Error ? error.message : 'Sign in again.', cause: error });
  }
});

/** Any signed-in staff member (their own session: sign out, lock, change password). */
export const signedInProcedure = t.procedure.use(translateErrors).use(requireSession).meta({ access: 'signed-in' });

/** Needs `permission` (common/permissions.ts); everything else gets FORBIDDEN. */
export function permitted(permission: Permission) {
  return t.procedure
    .use(translateErrors)
    .use(requireSession)
    .meta({ access: permission })
    .use(({ ctx, next }) => {
      try {
        ctx.clinic.auth.authorize(ctx.token, permission);
      } catch (error) {
        throw new TRPCError({ code: appCodeOf(error) === 'FORBIDDEN' ? 'FORBIDDEN' : 'UNAUTHORIZED', message: `Your role does not allow this (${permission}).`, cause: error });
      }
      return next();
    });
}

/**
 * The guard of a subscription opened by a signed-in session: it may go on sending only while that
 * session is live, unlocked, and still holds `permission` (checked without touching the idle
 * clock). See event-stream.ts: the stream ends at once on lock, sign-out, role change or expiry.
 */
export function sessionGuard(ctx: Pick<SignedInContext, 'clinic' | 'token'>, permission: Permission): StreamGuard {
  return {
    allowed() {
      try {
        ctx.clinic.auth.check(ctx.token, permission);
        return true;
      } catch {
        return false;
      }
    },
    onDidChange: (listener) => ctx.clinic.auth.sessions.onDidChange(listener),
  };
}
