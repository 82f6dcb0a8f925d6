import type { Transport } from '../../common/system';
import type { Services } from '../app/index';

export interface ContextInner {
  services: Services;
  transport: Transport;
  /** One renderer: an Electron window or the browser host's launch session. */
  connectionId: string;
  /**
   * Set by a transport that received the call from somewhere it does not trust (Electron IPC from a
   * frame other than our own window's top frame): every procedure, public ones included, refuses it.
   */
  senderRefused?: string;
}

/** The transport-free part of the context (STYLE habit 7): what tests and both adapters build on. */
export function createContextInner(opts: ContextInner): ContextInner {
  return { services: opts.services, transport: opts.transport, connectionId: opts.connectionId, ...(opts.senderRefused ? { senderRefused: opts.senderRefused } : {}) };
}

export type Context = ReturnType<typeof createContextInner>;
