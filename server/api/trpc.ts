/**
 * The only place the service calls initTRPC. Three base procedures:
 * - `openProcedure`: enrolment (rate-limited per address);
 * - `deviceProcedure`: a device credential (`Authorization: Bearer cw1.…`) → the device and its
 *   clinic; everything after it is scoped to that clinic (tenancy in middleware; the database's
 *   row-level security is the second wall), and rate-limited per device;
 * - `adminProcedure`: the service operator's token (`SERVICE_ADMIN_TOKEN`).
 * Errors with a `code` become `data.appCode` here, once.
 */
import { timingSafeEqual } from 'node:crypto';
import { initTRPC, TRPCError } from '@trpc/server';
import { ZodError } from 'zod';
import type { DeviceIdentity } from '../devices/index';
import type { ServerServices } from '../app/services';

export interface Context {
  services: ServerServices;
  /** The bearer credential, if any. */
  token: string | null;
  /** The peer address (rate limits of enrolment). */
  address: string;
}

export function createContextInner(services: ServerServices, token: string | null, address = '127.0.0.1'): Context {
  return { services, token, address };
}

const APP_TO_TRPC: Record<string, TRPCError['code']> = {
  UNAUTHENTICATED: 'UNAUTHORIZED',
  DEVICE_REVOKED: 'FORBIDDEN',
  ENROLMENT_CODE_INVALID: 'BAD_REQUEST',
  CLINIC_NOT_FOUND: 'NOT_FOUND',
  MUTATION_GAP: 'CONFLICT',
  DEVICE_BEHIND: 'CONFLICT',
  PROTOCOL_MISMATCH: 'BAD_REQUEST',
  RATE_LIMITED: 'TOO_MANY_REQUESTS',
  DATABASE_NOT_MIGRATED: 'INTERNAL_SERVER_ERROR',
};

function appCodeOf(cause: unknown): string | undefined {
  return cause && typeof cause === 'object' && 'code' in cause && typeof (cause as { code: unknown }).code === 'string' && (cause as { code: string }).code in APP_TO_TRPC ? (cause as { code: string }).code : undefined;
}

const t = initTRPC.context<Context>().create({
  errorFormatter({ shape, error }) {
    const appCode = appCodeOf(error.cause);
    const expected = error.cause && typeof error.cause === 'object' && 'expected' in error.cause ? (error.cause as { expected: number }).expected : undefined;
    return { ...shape, data: { ...shape.data, stack: undefined, ...(appCode ? { appCode } : {}), ...(expected !== undefined ? { expected } : {}) } };
  },
});

const translate = t.middleware(async ({ next, path, ctx }) => {
  const started = performance.now();
  const result = await next();
  const ms = performance.now() - started;
  ctx.services.metrics.observe('coherency_request_seconds', ms / 1000, { procedure: path });
  if (result.ok) {
    ctx.services.metrics.count('coherency_requests_total', 1, { procedure: path, outcome: 'ok' });
    return result;
  }
  const cause = result.error.cause;
  const appCode = appCodeOf(cause);
  ctx.services.metrics.count('coherency_requests_total', 1, { procedure: path, outcome: appCode ?? result.error.code });
  if (cause instanceof ZodError) throw new TRPCError({ code: 'BAD_REQUEST', message: 'The request is not valid.', cause });
  if (appCode && result.error.code === 'INTERNAL_SERVER_ERROR') throw new TRPCError({ code: APP_TO_TRPC[appCode]!, message: result.error.message, cause });
  if (result.error.code === 'INTERNAL_SERVER_ERROR') {
    ctx.services.log.error('request.failed', { procedure: path, error: cause instanceof Error ? cause.name : 'unknown' });
    throw new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'The service failed; try again.' });
  }
  return result;
});

class RateLimitedError extends Error {
  readonly code = 'RATE_LIMITED';
}

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

export const openProcedure = t.procedure.use(translate).use(({ ctx, next }) => {
  if (!ctx.services.limits.address.take(ctx.address)) throw new TRPCError({ code: 'TOO_MANY_REQUESTS', message: 'Too many attempts; wait a minute.', cause: new RateLimitedError('address') });
  return next();
});

export const deviceProcedure = t.procedure.use(translate).use(async ({ ctx, next }) => {
  if (!ctx.token) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'A device credential is needed.', cause: Object.assign(new Error('no token'), { code: 'UNAUTHENTICATED' }) });
  const device: DeviceIdentity = await ctx.services.devices.authenticate(ctx.token);
  if (!ctx.services.limits.device.take(`${device.clinicId}/${device.deviceId}`)) {
    ctx.services.metrics.count('coherency_rate_limited_total', 1);
    throw new TRPCError({ code: 'TOO_MANY_REQUESTS', message: 'This workstation sends too many requests; it slows down and retries.', cause: new RateLimitedError('device') });
  }
  return next({ ctx: { device } });
});

export const adminProcedure = t.procedure.use(translate).use(({ ctx, next }) => {
  const want = ctx.services.adminToken;
  const ok = want !== null && ctx.token !== null && ctx.token.length === want.length && timingSafeEqual(Buffer.from(ctx.token), Buffer.from(want));
  if (!ok) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'The operator token is needed.' });
  return next();
});
