export { appRouter, createCaller, type AppRouter } from './app.router';
export { createContextInner, type Context } from './context';
export { createServices, type Services, type ServiceOptions } from './services';
export { newConnectionId, type Workstation, type OpenClinic } from './workstation';
export type { Access, Meta } from './trpc';
export { SCAN_FILES_PREFIX, type ScanFileGate } from './scan-files';
export { BACKUP_FILES_PREFIX, type BackupService } from './backups';
export { serveAppFile } from './app-files';
