/**
 * Files both transports serve outside tRPC: the viewer's decrypted scan files (byte ranges, behind
 * a short-lived capability) and backup downloads. The browser host routes them over HTTP
 * (main/host/server.ts); the desktop app over its app:// protocol (serveAppFile).
 */
export { createScanFileGate, SCAN_FILES_PREFIX, type ScanFileGate, type ScanFileResponse } from './scan-files';
export { serveAppFile } from './app-files';
export { BACKUP_FILES_PREFIX } from '../backup/index';
