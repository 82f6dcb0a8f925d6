/**
 * The reference tablet client: what a capture app on a clinic tablet does, in Node.
 *
 * - Certificate pinning: every TLS connection is checked against the SHA-256 fingerprint from the
 *   pairing QR code *before* the socket is handed to HTTP, so a workstation with another
 *   certificate never sees a request (no token, no pairing code, no scan byte).
 * - Pairing: POST /pair with the one-time code → { deviceId, token }.
 * - Upload: tus (tus-js-client) with `Authorization: Bearer <token>`, the scan's metadata and
 *   SHA-256, resumable across runs through a URL storage file on disk.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { Agent, request, type AgentOptions } from 'node:https';
import { isIP } from 'node:net';
import { dirname, basename } from 'node:path';
import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import type { Duplex } from 'node:stream';
import * as tus from 'tus-js-client';
import { DefaultHttpStack, Upload, type HttpRequest, type HttpResponse, type UrlStorage } from 'tus-js-client';
import { z } from 'zod';

export const pairingPayloadSchema = z.object({
  v: z.literal(1),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  fingerprint: z.string().regex(/^([0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$/),
  code: z.string().min(1),
  expiresAt: z.string(),
});
export type PairingPayload = z.infer<typeof pairingPayloadSchema>;

/** Where a paired tablet talks to. */
export interface ServerPin {
  host: string;
  port: number;
  /** SHA-256 of the workstation certificate, colon hex. */
  fingerprint: string;
}

export interface Profile extends ServerPin {
  deviceId: string;
  token: string;
}

/** Node's JSON-file URL storage; exported at runtime but missing from tus-js-client's typings. */
const FileUrlStorage = (tus as unknown as { FileUrlStorage: new (path: string) => UrlStorage }).FileUrlStorage;

const normalize = (fp: string): string => fp.replace(/[^0-9a-f]/gi, '').toUpperCase();

export class FingerprintMismatchError extends Error {
  readonly code = 'FINGERPRINT_MISMATCH';
  constructor(
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`The workstation's certificate (${actual}) is not the one this tablet was paired with (${expected}); refusing to connect.`);
    this.name = 'FingerprintMismatchError';
  }
}

export class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
  ) {
    super(`HTTP ${status}: ${error}`);
    this.name = 'HttpStatusError';
  }
}

/**
 * An HTTPS agent whose connections are accepted only when the server certificate's SHA-256 is
 * `fingerprint`. The CA chain is not consulted (the certificate is self-signed); the pin replaces it.
 * The socket reaches the HTTP layer only after the check, so nothing is written to a wrong server.
 */
export class PinnedAgent extends Agent {
  private readonly pin: string;

  constructor(fingerprint: string, options: AgentOptions = {}) {
    super({ keepAlive: true, maxCachedSessions: 0, ...options });
    this.pin = normalize(fingerprint);
    if (this.pin.length !== 64) throw new TypeError('A SHA-256 fingerprint has 32 bytes.');
  }

  override createConnection(options: ConnectionOptions & { host?: string | null; servername?: string }, callback?: (err: Error | null, stream: Duplex) => void): Duplex | null | undefined {
    const host = options.host ?? 'localhost';
    const tlsOptions: ConnectionOptions = { ...options, host, rejectUnauthorized: false, checkServerIdentity: () => undefined };
    if (isIP(host) || !options.servername) delete tlsOptions.servername;
    const socket: TLSSocket = connect(tlsOptions);
    const done = callback ?? (() => undefined);
    const onError = (e: Error) => done(e, socket);
    socket.once('error', onError);
    socket.once('secureConnect', () => {
      socket.off('error', onError);
      const actual = normalize(socket.getPeerCertificate().fingerprint256 ?? '');
      if (actual !== this.pin) {
        const err = new FingerprintMismatchError(colon(this.pin), colon(actual));
        socket.destroy();
        done(err, socket);
        return;
      }
      done(null, socket);
    });
    return undefined;
  }
}

const colon = (hex: string): string => hex.match(/.{2}/g)?.join(':') ?? '';

const origin = (s: ServerPin): string => `https://${isIP(s.host) === 6 ? `[${s.host}]` : s.host}:${s.port}`;

/** Pairs with the workstation in `payload` (the QR code's JSON). */
export async function pair(payloadInput: unknown, opts: { deviceName: string; app?: string; agent?: Agent }): Promise<Profile> {
  const payload = pairingPayloadSchema.parse(typeof payloadInput === 'string' ? JSON.parse(payloadInput) : payloadInput);
  const agent = opts.agent ?? new PinnedAgent(payload.fingerprint, { keepAlive: false });
  const body = JSON.stringify({ code: payload.code, deviceName: opts.deviceName, app: opts.app ?? 'tablet-sim 1' });
  const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request(`${origin(payload)}/pair`, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
  let json: { deviceId?: string; token?: string; error?: string } = {};
  try {
    json = JSON.parse(text) as typeof json;
  } catch {
    // not JSON: reported below by status
  }
  if (status !== 201 || !json.deviceId || !json.token) throw new HttpStatusError(status, json.error ?? 'unexpected_response');
  return { host: payload.host, port: payload.port, fingerprint: payload.fingerprint, deviceId: json.deviceId, token: json.token };
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export interface ScanMetadata {
  patientMrn?: string;
  worklistId?: string;
  woundId?: string;
  /** ISO time; default the file's modification time. */
  captureTime?: string;
  device?: string;
  app?: string;
  /** Default the file's base name. */
  filename?: string;
  /** Default computed from the file. */
  sha256?: string;
}

export interface UploadOptions {
  server: ServerPin;
  token: string;
  metadata: ScanMetadata;
  /** Bytes per PATCH; default Infinity (one request streams the whole file). */
  chunkSize?: number;
  /** JSON file where upload URLs are kept so a later run resumes; default none (no resuming across runs). */
  urlStoragePath?: string;
  /** tus-js-client retry delays (ms); null turns automatic retries off. */
  retryDelays?: number[] | null;
  onProgress?: (bytesSent: number, bytesTotal: number) => void;
  signal?: AbortSignal;
  agent?: Agent;
}

export interface UploadResult {
  uploadUrl: string;
  size: number;
  /** The offset the server already had when this run began (0 for a fresh upload). */
  resumedFrom: number;
  /** Body bytes the server acknowledged during this run. */
  bytesSent: number;
}

/** Uploads (or resumes uploading) `filePath`. Rejects with the server's status on refusal. */
export async function uploadFile(filePath: string, opts: UploadOptions): Promise<UploadResult> {
  const info = await stat(filePath);
  const sha256 = opts.metadata.sha256 ?? (await sha256File(filePath));
  const metadata: Record<string, string> = {
    captureTime: opts.metadata.captureTime ?? info.mtime.toISOString(),
    device: opts.metadata.device ?? 'tablet-sim',
    app: opts.metadata.app ?? 'tablet-sim 1',
    filename: opts.metadata.filename ?? basename(filePath),
    sha256,
  };
  for (const k of ['patientMrn', 'worklistId', 'woundId'] as const) {
    const v = opts.metadata[k];
    if (v !== undefined) metadata[k] = v;
  }
  if (opts.urlStoragePath) await mkdir(dirname(opts.urlStoragePath), { recursive: true });
  const agent = opts.agent ?? new PinnedAgent(opts.server.fingerprint);
  const urlStorage = opts.urlStoragePath ? new FileUrlStorage(opts.urlStoragePath) : null;
  let resumedFrom = 0;
  let bytesSent = 0;

  try {
    return await new Promise<UploadResult>((resolve, reject) => {
      const upload = new Upload(createReadStream(filePath), {
        endpoint: `${origin(opts.server)}/files/`,
        headers: { Authorization: `Bearer ${opts.token}` },
        metadata,
        uploadSize: info.size,
        chunkSize: opts.chunkSize ?? Number.POSITIVE_INFINITY,
        retryDelays: opts.retryDelays === undefined ? [0, 1000, 3000] : opts.retryDelays,
        httpStack: new DefaultHttpStack({ agent }),
        // The stored URL is removed below, awaited (tus-js-client's own removal is fire-and-forget).
        ...(urlStorage ? { urlStorage, storeFingerprintForResuming: true, removeFingerprintOnSuccess: false } : { storeFingerprintForResuming: false }),
        onAfterResponse: (req: HttpRequest, res: HttpResponse) => {
          const offset = Number(res.getHeader('Upload-Offset'));
          if (req.getMethod() === 'HEAD' && Number.isFinite(offset)) resumedFrom = offset;
          if (req.getMethod() === 'PATCH' && Number.isFinite(offset)) bytesSent += offset - Number(req.getHeader('Upload-Offset') ?? 0);
        },
        onProgress: opts.onProgress ?? null,
        onError: (e) => {
          const status = (e as { originalResponse?: HttpResponse | null }).originalResponse?.getStatus();
          const cause = (e as { causingError?: Error | null }).causingError;
          if (cause instanceof FingerprintMismatchError) reject(cause);
          else if (status) reject(new HttpStatusError(status, (e as { originalResponse?: HttpResponse | null }).originalResponse?.getBody().trim() || e.message));
          else reject(e);
        },
        onSuccess: () => {
          const result = { uploadUrl: upload.url ?? '', size: info.size, resumedFrom, bytesSent };
          if (!urlStorage) return resolve(result);
          upload
            .findPreviousUploads()
            .then((previous) => Promise.all(previous.filter((p) => p.uploadUrl === upload.url).map((p) => urlStorage.removeUpload(p.urlStorageKey))))
            .then(() => resolve(result), reject);
        },
      });
      if (opts.signal) {
        if (opts.signal.aborted) return reject(opts.signal.reason);
        opts.signal.addEventListener(
          'abort',
          () => {
            void upload.abort().then(() => reject(opts.signal!.reason));
          },
          { once: true },
        );
      }
      upload
        .findPreviousUploads()
        .then((previous) => {
          if (previous[0]) upload.resumeFromPreviousUpload(previous[0]);
          upload.start();
        })
        .catch(reject);
    });
  } finally {
    if (!opts.agent) agent.destroy();
  }
}
