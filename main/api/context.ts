import type { Transport } from '../../common/system';
import type { Services } from './services';

/** Who is calling. Filled in by the auth layer once a staff member has logged in. */
export interface CallerSession {
  staffId: string;
  clinicId: string;
  roles: string[];
}

export interface ContextInner {
  services: Services;
  transport: Transport;
  session: CallerSession | null;
}

/** The transport-free part of the context (STYLE habit 7): what tests and both adapters build on. */
export function createContextInner(opts: ContextInner): ContextInner {
  return { services: opts.services, transport: opts.transport, session: opts.session };
}

export type Context = ReturnType<typeof createContextInner>;
