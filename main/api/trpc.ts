/**
 * The only place initTRPC is called (STYLE habit 7). Exports the base procedures every
 * router must build on, so that role and audit checks cannot be forgotten.
 */
import { initTRPC } from '@trpc/server';
import type { Context } from './context';

/** Errors carry our own machine-readable `code` (a string union per service) to the UI. */
export interface AppErrorShapeData {
  appCode?: string;
}

function appCodeOf(cause: unknown): string | undefined {
  if (cause && typeof cause === 'object' && 'code' in cause && typeof (cause as { code: unknown }).code === 'string') {
    return (cause as { code: string }).code;
  }
  return undefined;
}

const t = initTRPC.context<Context>().create({
  errorFormatter({ shape, error }) {
    const appCode = appCodeOf(error.cause);
    return { ...shape, data: { ...shape.data, stack: undefined, ...(appCode ? { appCode } : {}) } };
  },
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const middleware = t.middleware;

/** Needs no login: app version, platform, enrolment status. Never returns patient data. */
export const publicProcedure = t.procedure;
