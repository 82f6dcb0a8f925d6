import { adminRouter } from './admin.router';
import { devicesRouter } from './devices.router';
import { syncRouter } from './sync.router';
import { createCallerFactory, router } from './trpc';

/** Everything the service answers over HTTPS at /trpc/. */
export const serviceRouter = router({
  devices: devicesRouter,
  sync: syncRouter,
  admin: adminRouter,
});

export type ServiceRouter = typeof serviceRouter;
export const createCaller = createCallerFactory(serviceRouter);
