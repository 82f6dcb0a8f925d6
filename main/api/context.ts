import type { Transport } from '../../common/system';
import type { Services } from '../app/index';

export interface ContextInner {
  services: Services;
  transport: Transport;
  /** One renderer: an Electron window or the browser host's launch session. */
  connectionId: string;
}

/** The transport-free part of the context (STYLE habit 7): what tests and both adapters build on. */
export function createContextInner(opts: ContextInner): ContextInner {
  return { services: opts.services, transport: opts.transport, connectionId: opts.connectionId };
}

export type Context = ReturnType<typeof createContextInner>;
