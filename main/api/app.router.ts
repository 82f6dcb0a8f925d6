import { analysisRouter } from './analysis.router';
import { assessmentsRouter } from './assessments.router';
import { auditRouter } from './audit.router';
import { backupRouter } from './backup.router';
import { modelRouter } from './model.router';
import { authRouter } from './auth.router';
import { clinicRouter } from './clinic.router';
import { homeRouter } from './home.router';
import { lanRouter } from './lan.router';
import { patientsRouter } from './patients.router';
import { reviewRouter } from './review.router';
import { scanInboxRouter } from './scan-inbox.router';
import { scansRouter } from './scans.router';
import { staffRouter } from './staff.router';
import { systemRouter } from './system.router';
import { createCallerFactory, router } from './trpc';
import { woundsRouter } from './wounds.router';
import { bookingsRouter } from './bookings.router';
import { stockRouter } from './stock.router';
import { purchasingRouter } from './purchasing.router';
import { billingRouter } from './billing.router';
import { operationsRouter } from './operations.router';
import { updatesRouter } from './updates.router';
import { syncRouter } from './sync.router';
import { annotationsRouter } from './annotations.router';
import { reportsRouter } from './reports.router';
import { ordersRouter } from './orders.router';

/** Every procedure the renderer can call, over IPC (Electron) and HTTP/WS (browser host) alike. */
export const appRouter = router({
  system: systemRouter,
  clinic: clinicRouter,
  auth: authRouter,
  staff: staffRouter,
  patients: patientsRouter,
  wounds: woundsRouter,
  scans: router({ ...scansRouter._def.record, ...scanInboxRouter._def.record }),
  assessments: assessmentsRouter,
  analysis: analysisRouter,
  review: reviewRouter,
  lan: lanRouter,
  audit: auditRouter,
  backup: backupRouter,
  model: modelRouter,
  bookings: bookingsRouter,
  stock: stockRouter,
  purchasing: purchasingRouter,
  billing: billingRouter,
  operations: operationsRouter,
  updates: updatesRouter,
  orders: ordersRouter,
  home: homeRouter,
  sync: syncRouter,
  annotations: annotationsRouter,
  reports: reportsRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
