/**
 * Scan files for the viewer, decrypted on the fly with exact byte ranges (potree-core reads
 * octree.bin and hierarchy.bin by range and does not look at the status code).
 *
 * The viewer gets a short-lived capability URL from `scans.fileUrl` (tRPC, so the caller's
 * session and permission are checked there): `/scan-files/<capability>/metadata.json`. The
 * capability names one scan of one clinic for one connection; serving re-checks that this
 * connection is still signed in to that clinic with clinical.read. The same function serves the
 * browser host's route and Electron's app:// protocol.
 */
import { randomBytes } from 'node:crypto';
import { parseRange } from '../shared/http-range';
import type { Workstation } from '../app/index';

const CAPABILITY_TTL_MS = 30 * 60_000;
const FILES = new Set(['metadata.json', 'hierarchy.bin', 'octree.bin']);
export const SCAN_FILES_PREFIX = '/scan-files/';

interface Capability {
  connectionId: string;
  clinicId: string;
  scanId: string;
  /** File-name prefix of the octree generation the link was minted for (see scans/import/reindex.ts). */
  prefix: string;
  expiresAt: number;
}

export interface ScanFileResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer | null;
}

export interface ScanFileGate {
  /** `prefix`: the octree generation's file-name prefix ('' for the import's own octree). */
  mint(connectionId: string, clinicId: string, scanId: string, prefix?: string): string;
  /** Serves `<capability>/<file>` for `connectionId`; never throws. */
  serve(connectionId: string, pathAfterPrefix: string, range: string | null | undefined): Promise<ScanFileResponse>;
  /**
   * Electron's app:// protocol: only our own renderer can load it, but the request does not say
   * which window asked, so the capability's own connection is used (still re-checked as signed in).
   */
  serveForOwner(pathAfterPrefix: string, range: string | null | undefined): Promise<ScanFileResponse>;
}

const text = (status: number, message: string): ScanFileResponse => ({ status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: Buffer.from(message) });

export function createScanFileGate(workstation: Workstation, now: () => number = Date.now): ScanFileGate {
  const capabilities = new Map<string, Capability>();
  const gate: ScanFileGate = {
    serveForOwner(path, range) {
      const cap = capabilities.get(path.split('/')[0] ?? '');
      return gate.serve(cap?.connectionId ?? '', path, range);
    },
    mint(connectionId, clinicId, scanId, prefix = '') {
      const t = now();
      for (const [k, c] of capabilities) if (c.expiresAt < t) capabilities.delete(k);
      const token = randomBytes(24).toString('base64url');
      capabilities.set(token, { connectionId, clinicId, scanId, prefix, expiresAt: t + CAPABILITY_TTL_MS });
      return token;
    },
    async serve(connectionId, path, range) {
      const [token, name, ...rest] = path.split('/');
      const cap = token ? capabilities.get(token) : undefined;
      if (!cap || rest.length > 0 || !name || !FILES.has(name)) return text(404, 'not found');
      if (cap.expiresAt < now()) {
        capabilities.delete(token!);
        return text(404, 'link expired: reopen the scan');
      }
      if (cap.connectionId !== connectionId) return text(403, 'this link belongs to another window');
      const bound = workstation.connection(connectionId);
      if (!bound || bound.clinicId !== cap.clinicId) return text(403, 'signed out, or signed in to another clinic');
      try {
        const clinic = await workstation.clinic(cap.clinicId);
        clinic.auth.authorize(bound.token, 'clinical.read');
        const reader = await clinic.store.open(cap.scanId, cap.prefix + name);
        try {
          const size = reader.size;
          const r = parseRange(range, size);
          const type = name.endsWith('.json') ? 'application/json' : 'application/octet-stream';
          const base = { 'content-type': type, 'accept-ranges': 'bytes', 'cache-control': 'no-store' };
          if (r.kind === 'unsatisfiable') return { status: 416, headers: { ...base, 'content-range': `bytes */${size}` }, body: null };
          if (r.kind === 'full') return { status: 200, headers: { ...base, 'content-length': String(size) }, body: await reader.read(0, size) };
          const body = await reader.read(r.start, r.end);
          return { status: 206, headers: { ...base, 'content-length': String(body.length), 'content-range': `bytes ${r.start}-${r.end - 1}/${size}` }, body };
        } finally {
          await reader.close();
        }
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code === 'FORBIDDEN' || code === 'SESSION_LOCKED' || code === 'SESSION_INVALID') return text(403, 'not allowed');
        if (code === 'NOT_FOUND') return text(404, 'not found');
        return text(500, 'the scan file could not be read');
      }
    },
  };
  return gate;
}
