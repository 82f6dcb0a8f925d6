/**
 * The tRPC client. One renderer bundle, two hosts: it picks its link at run time —
 * Electron's preload exposes `window.electronTRPC` (IPC); otherwise we are in the browser host
 * and talk HTTP (queries, mutations) and WebSocket (subscriptions) to the page's own origin,
 * where the HttpOnly launch cookie authenticates every request.
 */
import { createTRPCClient, createWSClient, httpBatchLink, splitLink, wsLink, type TRPCLink } from '@trpc/client';
import { createTRPCContext } from '@trpc/tanstack-react-query';
import { ipcLink } from 'trpc-electron/renderer';
import type { AppRouter } from '../../main/api/app.router';

export type { AppRouter };
export type LinkKind = 'ipc' | 'http';

export function detectLinkKind(): LinkKind {
  return 'electronTRPC' in globalThis ? 'ipc' : 'http';
}

function browserHostLinks(): TRPCLink<AppRouter>[] {
  const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/trpc-ws`;
  const wsClient = createWSClient({ url: wsUrl, retryDelayMs: (attempt) => Math.min(500 * 2 ** attempt, 10_000) });
  return [
    splitLink({
      condition: (op) => op.type === 'subscription',
      true: wsLink<AppRouter>({ client: wsClient }),
      false: httpBatchLink<AppRouter>({ url: '/trpc', maxURLLength: 4000 }),
    }),
  ];
}

export function createClient() {
  const kind = detectLinkKind();
  const links = kind === 'ipc' ? [ipcLink<AppRouter>()] : browserHostLinks();
  return { kind, client: createTRPCClient<AppRouter>({ links }) };
}

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();
