/**
 * The files the desktop app serves over its app:// protocol besides the renderer: decrypted scan
 * files for the viewer (byte ranges) and backup downloads (a capability link; the `download`
 * attribute makes Electron show its Save dialog). Plain Node and Fetch types, no Electron, so it is
 * tested without the Electron binary; main/electron/index.ts only calls it (through main/file-routes/index).
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { BACKUP_FILES_PREFIX } from '../backup/index';
import { SCAN_FILES_PREFIX } from './scan-files';
import type { Services } from '../app/index';

type FileServices = Pick<Services, 'scanFiles' | 'backups'>;

/** The response for a scan-file or backup URL path, or null when the path is neither (the renderer's files). */
export async function serveAppFile(services: FileServices, pathname: string, range: string | null): Promise<Response | null> {
  if (pathname.startsWith(SCAN_FILES_PREFIX)) {
    const r = await services.scanFiles.serveForOwner(pathname.slice(SCAN_FILES_PREFIX.length), range);
    return new Response(r.body ? new Uint8Array(r.body) : null, { status: r.status, headers: r.headers });
  }
  if (pathname.startsWith(BACKUP_FILES_PREFIX)) {
    const r = await services.backups.serveDownloadForOwner(pathname.slice(BACKUP_FILES_PREFIX.length));
    if (!r.file) return new Response(r.text ?? '', { status: r.status, headers: r.headers });
    const body = Readable.toWeb(createReadStream(r.file)) as ReadableStream<Uint8Array>;
    return new Response(body, { status: r.status, headers: r.headers });
  }
  return null;
}
