import { systemRouter } from './system.router';
import { createCallerFactory, router } from './trpc';

/** Every procedure the renderer can call, over IPC (Electron) and HTTP/WS (browser host) alike. */
export const appRouter = router({
  system: systemRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
